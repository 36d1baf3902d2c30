//! A validated stack input turned into Kubernetes objects: Namespace, Secrets,
//! ConfigMaps and the Job, with the stack outputs. Pure: no I/O, no clock.
//!
//! Behaviour follows upstream Project Planton's Pulumi module, except where
//! that module is wrong (see the crate docs and [`TransformError`]).

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapVolumeSource, Container, EmptyDirVolumeSource, EnvVar, EnvVarSource,
    HostPathVolumeSource, KeyToPath, LocalObjectReference, Namespace, ObjectFieldSelector,
    PersistentVolumeClaimVolumeSource, PodSpec, PodTemplateSpec, ResourceRequirements, Secret,
    SecretKeySelector, SecretVolumeSource, Volume, VolumeMount as K8sVolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use planton_api::org::project_planton::provider::kubernetes::kubernetes_sensitive_value::SensitiveValue;
use planton_api::org::project_planton::shared::foreignkey::v1::string_value_or_ref::LiteralOrRef;
use planton_api::{
    CpuMemory, KubernetesJob, KubernetesJobSpec, KubernetesJobStackOutputs, VolumeMount,
};

use crate::Validated;
use crate::rules::{ENV_SECRETS_SUFFIX, IMAGE_PULL_SECRET_SUFFIX};
use planton_manifest::YamlWriter;

/// The name of the Job's container.
pub const CONTAINER_NAME: &str = "job-container";
/// The data key of the image-pull Secret.
pub const DOCKER_CONFIG_KEY: &str = ".dockerconfigjson";

/// Why a validated input still cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransformError {
    /// Neither the stack input's `kubernetes_namespace` nor a literal
    /// `spec.namespace.value` gives the namespace.
    #[error(
        "no namespace: set spec.namespace.value, or resolve its valueFrom reference, or give the stack input's kubernetes_namespace"
    )]
    NoNamespace,
    /// An environment variable still holds a `valueFrom` reference (upstream
    /// silently drops such variables).
    #[error("spec.env.variables[{}]: the valueFrom reference was not resolved; resolve it first (a ReferenceResolver; with the CLI, --resolve FILE), or the variable would be missing from the Job", planton_manifest::map_key_subscript(.variable))]
    UnresolvedReference {
        /// The variable's name.
        variable: String,
    },
    /// The target, its metadata, spec or image is missing (validation
    /// prevents it; kept for inputs built by hand).
    #[error("'{0}' is missing")]
    Missing(&'static str),
}

/// The Kubernetes objects of one KubernetesJob, and its stack outputs.
///
/// `Debug` does not print Secret data.
#[derive(Clone, PartialEq)]
pub struct Rendered {
    /// The Namespace, when `create_namespace` is set.
    pub namespace: Option<Namespace>,
    /// `<name>-env-secrets` (Opaque), holding the literal secret values, when there is one.
    pub env_secret: Option<Secret>,
    /// `<name>-image-pull-secret` (`kubernetes.io/dockerconfigjson`), when the
    /// stack input has a docker config.
    pub image_pull_secret: Option<Secret>,
    /// One ConfigMap per `spec.config_maps` entry, sorted by name.
    pub config_maps: Vec<ConfigMap>,
    /// The Job.
    pub job: Job,
    /// The stack outputs: namespace and job name.
    pub outputs: KubernetesJobStackOutputs,
}

impl fmt::Debug for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret_name = |s: &Option<Secret>| {
            s.as_ref()
                .map(|s| s.metadata.name.clone().unwrap_or_default())
        };
        f.debug_struct("Rendered")
            .field(
                "namespace",
                &self
                    .namespace
                    .as_ref()
                    .and_then(|n| n.metadata.name.as_deref()),
            )
            .field(
                "env_secret",
                &secret_name(&self.env_secret).map(|n| format!("{n} (data redacted)")),
            )
            .field(
                "image_pull_secret",
                &secret_name(&self.image_pull_secret).map(|n| format!("{n} (data redacted)")),
            )
            .field(
                "config_maps",
                &self
                    .config_maps
                    .iter()
                    .map(|c| c.metadata.name.as_deref().unwrap_or(""))
                    .collect::<Vec<_>>(),
            )
            .field("job", &self.job.metadata.name)
            .field("outputs", &self.outputs)
            .finish()
    }
}

/// One rendered object, borrowed, in apply order.
#[derive(Clone, Copy)]
pub enum Object<'a> {
    /// A Namespace.
    Namespace(&'a Namespace),
    /// A Secret.
    Secret(&'a Secret),
    /// A ConfigMap.
    ConfigMap(&'a ConfigMap),
    /// The Job.
    Job(&'a Job),
}

impl fmt::Debug for Object<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, name) = match self {
            Object::Namespace(o) => ("Namespace", &o.metadata.name),
            Object::Secret(o) => ("Secret", &o.metadata.name),
            Object::ConfigMap(o) => ("ConfigMap", &o.metadata.name),
            Object::Job(o) => ("Job", &o.metadata.name),
        };
        write!(f, "{kind}/{}", name.as_deref().unwrap_or(""))
    }
}

impl Object<'_> {
    /// The object as JSON, with `apiVersion` and `kind`.
    pub fn to_json(&self) -> serde_json::Value {
        let value = match self {
            Object::Namespace(o) => serde_json::to_value(o),
            Object::Secret(o) => serde_json::to_value(o),
            Object::ConfigMap(o) => serde_json::to_value(o),
            Object::Job(o) => serde_json::to_value(o),
        };
        // k8s-openapi types serialize infallibly to JSON values.
        value.unwrap_or(serde_json::Value::Null)
    }
}

impl Object<'_> {
    /// The object as a YAML document (no `---` marker): the same text as
    /// [`planton_manifest::json_to_yaml`] of [`Object::to_json`], written
    /// without building the JSON value.
    pub fn to_yaml(&self) -> String {
        let mut writer = YamlWriter::new();
        self.write_yaml(&mut writer);
        writer.finish()
    }

    /// Appends the object to a YAML stream, as [`Object::to_yaml`] writes it.
    pub fn write_yaml(&self, writer: &mut YamlWriter) {
        let written = match self {
            Object::Namespace(o) => writer.write(o),
            Object::Secret(o) => writer.write(o),
            Object::ConfigMap(o) => writer.write(o),
            Object::Job(o) => writer.write(o),
        };
        // k8s-openapi objects have string keys and serialize infallibly; the
        // JSON route stays the reference should that ever change.
        if written.is_err() {
            writer.push_str(&planton_manifest::json_to_yaml(&self.to_json()));
        }
    }
}

impl Rendered {
    /// The objects in apply order: Namespace, Secrets, ConfigMaps, Job.
    pub fn objects(&self) -> impl Iterator<Item = Object<'_>> {
        self.namespace
            .iter()
            .map(Object::Namespace)
            .chain(self.env_secret.iter().map(Object::Secret))
            .chain(self.image_pull_secret.iter().map(Object::Secret))
            .chain(self.config_maps.iter().map(Object::ConfigMap))
            .chain(std::iter::once(Object::Job(&self.job)))
    }

    /// The objects as a multi-document YAML stream (`---` before each), for
    /// `kubectl apply -f -`.
    pub fn to_yaml(&self) -> String {
        let mut writer = YamlWriter::new();
        for o in self.objects() {
            writer.push_str("---\n");
            o.write_yaml(&mut writer);
        }
        writer.finish()
    }

    /// The objects as one `v1` `List`, pretty-printed JSON.
    pub fn to_json(&self) -> String {
        let items: Vec<serde_json::Value> = self.objects().map(|o| o.to_json()).collect();
        planton_manifest::json_to_string(
            &serde_json::json!({ "apiVersion": "v1", "kind": "List", "items": items }),
        )
    }
}

/// Renders a validated stack input.
///
/// # Errors
///
/// [`TransformError`] when the namespace is unknown or an environment
/// variable's reference was not resolved.
pub fn transform(input: &Validated) -> Result<Rendered, TransformError> {
    let input = input.input();
    let job = input
        .target
        .as_ref()
        .ok_or(TransformError::Missing("target"))?;
    let meta = job
        .metadata
        .as_ref()
        .ok_or(TransformError::Missing("metadata"))?;
    let spec = job.spec.as_ref().ok_or(TransformError::Missing("spec"))?;
    let name = meta.name.clone();

    // The orchestrator's resolved namespace wins over the spec (upstream reads
    // only spec.namespace.value).
    let namespace = match (
        &input.kubernetes_namespace,
        spec.namespace
            .as_ref()
            .and_then(|n| n.literal_or_ref.as_ref()),
    ) {
        (ns, _) if !ns.is_empty() => ns.clone(),
        (_, Some(LiteralOrRef::Value(v))) if !v.is_empty() => v.clone(),
        _ => return Err(TransformError::NoNamespace),
    };
    let labels = labels(job);
    let object_meta = |object_name: &str| ObjectMeta {
        name: Some(object_name.to_owned()),
        namespace: Some(namespace.clone()),
        labels: Some(labels.clone()),
        ..ObjectMeta::default()
    };

    let namespace_object = spec.create_namespace.then(|| Namespace {
        metadata: ObjectMeta {
            name: Some(namespace.clone()),
            labels: Some(labels.clone()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    });

    let env_secret_name = format!("{name}{ENV_SECRETS_SUFFIX}");
    let literal_secrets: BTreeMap<String, String> = spec
        .env
        .iter()
        .flat_map(|e| e.secrets.iter())
        .filter_map(|(k, v)| match &v.sensitive_value {
            // An empty literal is a value too (unlike upstream, which drops it).
            Some(SensitiveValue::Value(s)) => Some((k.clone(), s.clone())),
            _ => None,
        })
        .collect();
    let env_secret = (!literal_secrets.is_empty()).then(|| Secret {
        metadata: object_meta(&env_secret_name),
        type_: Some("Opaque".into()),
        string_data: Some(literal_secrets),
        ..Secret::default()
    });

    let pull_secret_name = format!("{name}{IMAGE_PULL_SECRET_SUFFIX}");
    let image_pull_secret = (!input.docker_config_json.is_empty()).then(|| Secret {
        metadata: object_meta(&pull_secret_name),
        type_: Some("kubernetes.io/dockerconfigjson".into()),
        string_data: Some(BTreeMap::from([(
            DOCKER_CONFIG_KEY.to_owned(),
            input.docker_config_json.clone(),
        )])),
        ..Secret::default()
    });

    let mut config_maps: Vec<(&String, &String)> = spec.config_maps.iter().collect();
    config_maps.sort();
    let config_maps = config_maps
        .into_iter()
        .map(|(cm_name, content)| ConfigMap {
            metadata: object_meta(cm_name),
            data: Some(BTreeMap::from([(cm_name.clone(), content.clone())])),
            ..ConfigMap::default()
        })
        .collect();

    let mut pull_secrets = Vec::new();
    if image_pull_secret.is_some() {
        pull_secrets.push(LocalObjectReference {
            name: pull_secret_name,
        });
    }
    // Upstream ignores image.pull_secret_name; an existing Secret named there is used.
    if let Some(existing) = spec
        .image
        .as_ref()
        .map(|i| &i.pull_secret_name)
        .filter(|n| !n.is_empty())
        && !pull_secrets.iter().any(|r| r.name == *existing)
    {
        pull_secrets.push(LocalObjectReference {
            name: existing.clone(),
        });
    }

    let (volume_mounts, volumes) = volumes(&spec.volume_mounts);
    let container = Container {
        name: CONTAINER_NAME.into(),
        image: Some(image(spec)?),
        env: Some(env(spec, &env_secret_name)?),
        resources: Some(resources(spec)),
        command: (!spec.command.is_empty()).then(|| spec.command.clone()),
        args: (!spec.args.is_empty()).then(|| spec.args.clone()),
        volume_mounts: (!volume_mounts.is_empty()).then_some(volume_mounts),
        ..Container::default()
    };
    let pod = PodSpec {
        restart_policy: spec.restart_policy.clone().filter(|p| !p.is_empty()),
        containers: vec![container],
        volumes: (!volumes.is_empty()).then_some(volumes),
        image_pull_secrets: (!pull_secrets.is_empty()).then_some(pull_secrets),
        ..PodSpec::default()
    };
    let positive = |v: Option<u32>| {
        v.filter(|&v| v > 0)
            .map(|v| i32::try_from(v).unwrap_or(i32::MAX))
    };
    let job_object = Job {
        metadata: object_meta(&name),
        spec: Some(JobSpec {
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels.clone()),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod),
            },
            parallelism: positive(spec.parallelism),
            completions: positive(spec.completions),
            // 0 is meaningful (no retries): kept when set, as upstream does.
            backoff_limit: spec
                .backoff_limit
                .map(|v| i32::try_from(v).unwrap_or(i32::MAX)),
            active_deadline_seconds: spec
                .active_deadline_seconds
                .filter(|&v| v > 0)
                .map(|v| i64::try_from(v).unwrap_or(i64::MAX)),
            ttl_seconds_after_finished: positive(spec.ttl_seconds_after_finished),
            completion_mode: spec.completion_mode.clone().filter(|m| !m.is_empty()),
            suspend: spec.suspend,
            ..JobSpec::default()
        }),
        ..Job::default()
    };
    Ok(Rendered {
        namespace: namespace_object,
        env_secret,
        image_pull_secret,
        config_maps,
        job: job_object,
        outputs: KubernetesJobStackOutputs {
            namespace,
            job_name: name,
        },
    })
}

/// The labels on every object.
fn labels(job: &KubernetesJob) -> BTreeMap<String, String> {
    let meta = job.metadata.clone().unwrap_or_default();
    let mut labels = BTreeMap::from([
        ("planton.ai/resource".to_owned(), "true".to_owned()),
        ("planton.ai/name".to_owned(), meta.name.clone()),
        ("planton.ai/kind".to_owned(), "KubernetesJob".to_owned()),
    ]);
    for (key, value) in [
        ("planton.ai/id", meta.id),
        ("planton.ai/organization", meta.org),
        ("planton.ai/environment", meta.env),
    ] {
        if !value.is_empty() {
            labels.insert(key.to_owned(), value);
        }
    }
    labels
}

/// `repo:tag`, or `repo@digest` when the tag is a digest.
fn image(spec: &KubernetesJobSpec) -> Result<String, TransformError> {
    let image = spec
        .image
        .as_ref()
        .ok_or(TransformError::Missing("spec.image"))?;
    Ok(if crate::image::is_digest(&image.tag) {
        format!("{}@{}", image.repo, image.tag)
    } else {
        format!("{}:{}", image.repo, image.tag)
    })
}

/// `HOSTNAME`, `K8S_POD_ID`, then the variables, then the secrets, each sorted by name.
fn env(spec: &KubernetesJobSpec, env_secret_name: &str) -> Result<Vec<EnvVar>, TransformError> {
    let field_ref = |api_version: Option<&str>, path: &str| {
        Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                api_version: api_version.map(str::to_owned),
                field_path: path.into(),
            }),
            ..EnvVarSource::default()
        })
    };
    let mut out = vec![
        EnvVar {
            name: "HOSTNAME".into(),
            value_from: field_ref(None, "status.podIP"),
            ..EnvVar::default()
        },
        EnvVar {
            name: "K8S_POD_ID".into(),
            value_from: field_ref(Some("v1"), "metadata.name"),
            ..EnvVar::default()
        },
    ];
    let Some(env) = &spec.env else { return Ok(out) };
    let vars: BTreeMap<&String, _> = env.variables.iter().collect();
    for (name, value) in vars {
        match &value.literal_or_ref {
            // An empty value sets the variable to "" (upstream drops it).
            Some(LiteralOrRef::Value(v)) => {
                out.push(EnvVar {
                    name: name.clone(),
                    value: Some(v.clone()),
                    ..EnvVar::default()
                });
            }
            Some(LiteralOrRef::ValueFrom(_)) => {
                return Err(TransformError::UnresolvedReference {
                    variable: name.clone(),
                });
            }
            _ => {}
        }
    }
    let secret_ref = |secret: &str, key: &str| {
        Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.to_owned(),
                key: key.to_owned(),
                optional: None,
            }),
            ..EnvVarSource::default()
        })
    };
    let secrets: BTreeMap<&String, _> = env.secrets.iter().collect();
    for (name, value) in secrets {
        let value_from = match &value.sensitive_value {
            Some(SensitiveValue::SecretRef(r)) => secret_ref(&r.name, &r.key),
            Some(SensitiveValue::Value(_)) => secret_ref(env_secret_name, name),
            _ => continue,
        };
        out.push(EnvVar {
            name: name.clone(),
            value_from,
            ..EnvVar::default()
        });
    }
    Ok(out)
}

fn resources(spec: &KubernetesJobSpec) -> ResourceRequirements {
    let side = |cm: Option<&CpuMemory>| {
        let cm = cm.cloned().unwrap_or_default();
        let map: BTreeMap<String, K8sQuantity> = [("cpu", cm.cpu), ("memory", cm.memory)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_owned(), K8sQuantity(v)))
            .collect();
        (!map.is_empty()).then_some(map)
    };
    let res = spec.resources.clone().unwrap_or_default();
    ResourceRequirements {
        limits: side(res.limits.as_ref()),
        requests: side(res.requests.as_ref()),
        ..ResourceRequirements::default()
    }
}

fn key_items(key: &str, path: &str) -> Option<Vec<KeyToPath>> {
    (!key.is_empty()).then(|| {
        let path = if path.is_empty() { key } else { path };
        vec![KeyToPath {
            key: key.to_owned(),
            path: path.to_owned(),
            mode: None,
        }]
    })
}

fn volumes(specs: &[VolumeMount]) -> (Vec<K8sVolumeMount>, Vec<Volume>) {
    let mut mounts = Vec::with_capacity(specs.len());
    let mut volumes = Vec::with_capacity(specs.len());
    for vm in specs {
        mounts.push(K8sVolumeMount {
            name: vm.name.clone(),
            mount_path: vm.mount_path.clone(),
            read_only: Some(vm.read_only),
            sub_path: (!vm.sub_path.is_empty()).then(|| vm.sub_path.clone()),
            ..K8sVolumeMount::default()
        });
        let mut volume = Volume {
            name: vm.name.clone(),
            ..Volume::default()
        };
        if let Some(cm) = &vm.config_map {
            volume.config_map = Some(ConfigMapVolumeSource {
                name: cm.name.clone(),
                items: key_items(&cm.key, &cm.path),
                default_mode: (cm.default_mode > 0).then_some(cm.default_mode),
                ..ConfigMapVolumeSource::default()
            });
        } else if let Some(s) = &vm.secret {
            volume.secret = Some(SecretVolumeSource {
                secret_name: Some(s.name.clone()),
                items: key_items(&s.key, &s.path),
                default_mode: (s.default_mode > 0).then_some(s.default_mode),
                ..SecretVolumeSource::default()
            });
        } else if let Some(h) = &vm.host_path {
            volume.host_path = Some(HostPathVolumeSource {
                path: h.path.clone(),
                type_: (!h.r#type.is_empty()).then(|| h.r#type.clone()),
            });
        } else if let Some(e) = &vm.empty_dir {
            volume.empty_dir = Some(EmptyDirVolumeSource {
                medium: (!e.medium.is_empty()).then(|| e.medium.clone()),
                size_limit: (!e.size_limit.is_empty()).then(|| K8sQuantity(e.size_limit.clone())),
            });
        } else if let Some(p) = &vm.pvc {
            volume.persistent_volume_claim = Some(PersistentVolumeClaimVolumeSource {
                claim_name: p.claim_name.clone(),
                read_only: Some(p.read_only),
            });
        }
        volumes.push(volume);
    }
    (mounts, volumes)
}
