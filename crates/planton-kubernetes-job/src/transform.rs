//! A validated stack input turned into Kubernetes objects: Namespace, Secrets,
//! ConfigMaps and the Job, with the stack outputs. Pure: no I/O, no clock.
//!
//! Behaviour follows upstream Project Planton's Pulumi module, except where
//! that module is wrong (see the crate docs and [`TransformError`]).

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, EnvVar, EnvVarSource, LocalObjectReference, Namespace,
    ObjectFieldSelector, PodSpec, PodTemplateSpec, Secret,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use planton_api::KubernetesJobStackOutputs;
use planton_manifest::{JsonWriter, YamlWriter};

use crate::Validated;
use planton_api::view::{
    CloudResourceMetadataView, KubernetesJobContainerAppEnvView, KubernetesJobStackInputView,
};
use planton_kubernetes::builders;
use planton_kubernetes::rules::{ENV_SECRETS_SUFFIX, IMAGE_PULL_SECRET_SUFFIX};

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
    /// Environment variables still hold `valueFrom` references (upstream
    /// silently drops such variables): all of them, sorted by name.
    #[error("{}", unresolved_message(.variables))]
    UnresolvedReferences {
        /// The variables' names, sorted.
        variables: Vec<String>,
    },
    /// The target, its metadata, spec or image is missing (validation
    /// prevents it; kept for inputs built by hand).
    #[error("'{0}' is missing")]
    Missing(&'static str),
}

/// The most variable names an unresolved-references message lists.
const MAX_NAMED: usize = 20;

/// The message of [`TransformError::UnresolvedReferences`]: every variable
/// (at most [`MAX_NAMED`] named, the rest counted), each key cut to an
/// excerpt.
fn unresolved_message(variables: &[String]) -> String {
    let path = |v: &String| {
        format!(
            "spec.env.variables[{}]",
            planton_manifest::shown_key_subscript(v)
        )
    };
    let how = "resolve it first (a ReferenceResolver; with the CLI, --resolve FILE), or the variable would be missing from the Job";
    match variables {
        [one] => format!(
            "{}: the valueFrom reference was not resolved; {how}",
            path(one)
        ),
        many => {
            let mut names: Vec<String> = many.iter().take(MAX_NAMED).map(path).collect();
            if many.len() > MAX_NAMED {
                names.push(format!("… and {} more", many.len() - MAX_NAMED));
            }
            format!(
                "the valueFrom reference was not resolved for {} variables: {}; {}",
                many.len(),
                names.join(", "),
                how.replace("resolve it", "resolve each")
                    .replace("the variable would", "the variables would")
            )
        }
    }
}

/// The Kubernetes objects of one KubernetesJob, and its stack outputs.
///
/// `Debug` does not print Secret data.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
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
#[non_exhaustive]
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
        // k8s-openapi objects have string keys and serialize infallibly;
        // should that ever change, the object is written from its JSON value.
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

    /// The objects as one `v1` `List`, pretty-printed JSON with sorted keys,
    /// written straight from the objects: the same text as
    /// [`planton_manifest::json_to_string`] of the list's JSON value
    /// ([`Rendered::to_json_via_value`]).
    pub fn to_json(&self) -> String {
        let mut writer = JsonWriter::new();
        // The list's keys in order: apiVersion, items, kind.
        writer.push_str("{\n  \"apiVersion\": \"v1\",\n  \"items\": [");
        for (i, o) in self.objects().enumerate() {
            writer.push_str(if i == 0 { "\n    " } else { ",\n    " });
            let written = match o {
                Object::Namespace(o) => writer.write_at(o, 4),
                Object::Secret(o) => writer.write_at(o, 4),
                Object::ConfigMap(o) => writer.write_at(o, 4),
                Object::Job(o) => writer.write_at(o, 4),
            };
            // k8s-openapi objects have string keys and serialize infallibly;
            // the value route stays the reference should that ever change.
            if written.is_err() {
                return self.to_json_via_value();
            }
        }
        // There is always the Job.
        writer.push_str("\n  ],\n  \"kind\": \"List\"\n}\n");
        writer.finish()
    }

    /// [`Rendered::to_json`] through a `serde_json::Value` of the whole list:
    /// the reference the direct writer is tested against.
    pub fn to_json_via_value(&self) -> String {
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
    transform_message(input.message())
}

/// [`transform`] on a valid stack input message (the engine's component).
pub(crate) fn transform_message(
    input: &planton_api::prost_reflect::DynamicMessage,
) -> Result<Rendered, TransformError> {
    let input = KubernetesJobStackInputView::new(input)
        .ok_or(TransformError::Missing("a field of the protos"))?;
    render(input)
}

/// [`transform`] on the stack input message, read where it is.
fn render(input: KubernetesJobStackInputView<'_>) -> Result<Rendered, TransformError> {
    let job = input.target().ok_or(TransformError::Missing("target"))?;
    let meta = job.metadata().ok_or(TransformError::Missing("metadata"))?;
    let spec = job.spec().ok_or(TransformError::Missing("spec"))?;
    let name = meta.name().to_owned();

    // The orchestrator's resolved namespace wins over the spec (upstream reads
    // only spec.namespace.value).
    let resolved = input.kubernetes_namespace();
    let literal = spec.namespace().and_then(|n| n.value());
    let namespace = match (resolved, literal) {
        (ns, _) if !ns.is_empty() => ns.to_owned(),
        (_, Some(v)) if !v.is_empty() => v.to_owned(),
        _ => return Err(TransformError::NoNamespace),
    };
    let labels = labels(meta);
    let annotations = annotations(meta);
    let object_meta = |object_name: &str| ObjectMeta {
        name: Some(object_name.to_owned()),
        namespace: Some(namespace.clone()),
        labels: Some(labels.clone()),
        annotations: annotations.clone(),
        ..ObjectMeta::default()
    };

    let namespace_object = spec.create_namespace().then(|| Namespace {
        metadata: ObjectMeta {
            name: Some(namespace.clone()),
            labels: Some(labels.clone()),
            annotations: annotations.clone(),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    });

    let env = spec.env();
    // An empty literal is a value too (unlike upstream, which drops it).
    let literal_secrets =
        env.map_or_else(BTreeMap::new, |e| builders::literal_secrets(e.secrets()));
    // The env Secret's name is only used (by the Secret and by the
    // variables of its literal secrets) when there are literal secrets.
    let env_secret_name = if literal_secrets.is_empty() {
        String::new()
    } else {
        format!("{name}{ENV_SECRETS_SUFFIX}")
    };
    let env_secret = (!literal_secrets.is_empty()).then(|| Secret {
        metadata: object_meta(&env_secret_name),
        type_: Some("Opaque".into()),
        string_data: Some(literal_secrets),
        ..Secret::default()
    });

    let docker_config_json = input.docker_config_json();
    let pull_secret_name = if docker_config_json.is_empty() {
        String::new()
    } else {
        format!("{name}{IMAGE_PULL_SECRET_SUFFIX}")
    };
    let image_pull_secret = (!docker_config_json.is_empty()).then(|| Secret {
        metadata: object_meta(&pull_secret_name),
        type_: Some("kubernetes.io/dockerconfigjson".into()),
        string_data: Some(BTreeMap::from([(
            DOCKER_CONFIG_KEY.to_owned(),
            docker_config_json.to_owned(),
        )])),
        ..Secret::default()
    });

    let mut config_maps: Vec<(&str, &str)> = spec.config_maps().iter().collect();
    config_maps.sort();
    let config_maps = config_maps
        .into_iter()
        .map(|(cm_name, content)| ConfigMap {
            metadata: object_meta(cm_name),
            data: Some(BTreeMap::from([(cm_name.to_owned(), content.to_owned())])),
            ..ConfigMap::default()
        })
        .collect();

    let mut pull_secrets = Vec::new();
    if image_pull_secret.is_some() {
        pull_secrets.push(LocalObjectReference {
            name: pull_secret_name,
        });
    }
    let image = spec.image().ok_or(TransformError::Missing("spec.image"))?;
    // Upstream ignores image.pull_secret_name; an existing Secret named there is used.
    let existing = image.pull_secret_name();
    if !existing.is_empty() && !pull_secrets.iter().any(|r| r.name == existing) {
        pull_secrets.push(LocalObjectReference {
            name: existing.to_owned(),
        });
    }

    let (volume_mounts, volumes) = builders::volumes(spec.volume_mounts());
    let strings = |list: planton_api::view::List<'_, &str>| -> Option<Vec<String>> {
        (!list.is_empty()).then(|| list.iter().map(str::to_owned).collect())
    };
    let container_env = env_vars(env, &env_secret_name)?;
    let present = |value: Option<&str>| value.filter(|s| !s.is_empty()).map(str::to_owned);
    let positive = |value: Option<u32>| {
        value
            .filter(|&v| v > 0)
            .map(|v| i32::try_from(v).unwrap_or(i32::MAX))
    };
    // Built in place, nested: the Job and its pod are large, and each
    // part built apart is one more copy of it.
    Ok(Rendered {
        namespace: namespace_object,
        env_secret,
        image_pull_secret,
        config_maps,
        job: Job {
            // The Job's metadata and its pod template's take the last
            // copies of the labels and annotations.
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: Some(namespace.clone()),
                labels: Some(labels.clone()),
                annotations,
                ..ObjectMeta::default()
            },
            spec: Some(JobSpec {
                template: PodTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: Some(labels),
                        ..ObjectMeta::default()
                    }),
                    spec: Some(PodSpec {
                        restart_policy: present(spec.restart_policy()),
                        containers: vec![Container {
                            name: CONTAINER_NAME.into(),
                            image: Some(builders::image_reference(image)),
                            env: Some(container_env),
                            resources: Some(builders::resources(spec.resources())),
                            command: strings(spec.command()),
                            args: strings(spec.args()),
                            volume_mounts: (!volume_mounts.is_empty()).then_some(volume_mounts),
                            ..Container::default()
                        }],
                        volumes: (!volumes.is_empty()).then_some(volumes),
                        image_pull_secrets: (!pull_secrets.is_empty()).then_some(pull_secrets),
                        ..PodSpec::default()
                    }),
                },
                parallelism: positive(spec.parallelism()),
                completions: positive(spec.completions()),
                // 0 is meaningful (no retries): kept when set, as upstream does.
                backoff_limit: spec
                    .backoff_limit()
                    .map(|v| i32::try_from(v).unwrap_or(i32::MAX)),
                active_deadline_seconds: spec
                    .active_deadline_seconds()
                    .filter(|&v| v > 0)
                    .map(|v| i64::try_from(v).unwrap_or(i64::MAX)),
                ttl_seconds_after_finished: positive(spec.ttl_seconds_after_finished()),
                completion_mode: present(spec.completion_mode()),
                suspend: spec.suspend(),
                ..JobSpec::default()
            }),
            ..Job::default()
        },
        outputs: KubernetesJobStackOutputs {
            namespace,
            job_name: name,
        },
    })
}

/// The labels on every object and on the pod template: the metadata's
/// labels, then planton's, which win on a conflict (the rules warn about it:
/// `kubernetes.label_overridden`).
fn labels(meta: CloudResourceMetadataView<'_>) -> BTreeMap<String, String> {
    // Planton's first, then the metadata's where planton has none: the same
    // map as the metadata's overwritten by planton's, without building two.
    let mut labels = planton_kubernetes::rules::planton_labels(meta, KIND);
    for (key, value) in meta.labels().iter() {
        if !labels.contains_key(key) {
            labels.insert(key.to_owned(), value.to_owned());
        }
    }
    labels
}

/// The metadata's annotations, on every object (not on the pod template);
/// `None` when there are none.
fn annotations(meta: CloudResourceMetadataView<'_>) -> Option<BTreeMap<String, String>> {
    let annotations = string_map(meta.annotations());
    (!annotations.is_empty()).then_some(annotations)
}

/// A `map<string, string>` field, sorted.
fn string_map(map: planton_api::view::Map<'_, &str>) -> BTreeMap<String, String> {
    map.iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The kind planton names in the `planton.ai/kind` label.
pub(crate) const KIND: &str = "KubernetesJob";

/// `HOSTNAME`, `K8S_POD_ID`, then the variables, then the secrets, each sorted
/// by name; a name defined again later (a secret named like a variable, a
/// user's `HOSTNAME`) keeps only its last definition, the one Kubernetes
/// would use (server-side apply refuses a list with a name twice).
fn env_vars(
    env: Option<KubernetesJobContainerAppEnvView<'_>>,
    env_secret_name: &str,
) -> Result<Vec<EnvVar>, TransformError> {
    let field_ref = |api_version: Option<&str>, path: &str| {
        Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                api_version: api_version.map(str::to_owned),
                field_path: path.into(),
            }),
            ..EnvVarSource::default()
        })
    };
    let lists = env.map(|e| (e.variables(), e.secrets()));
    let defined_len = lists.map_or(0, |(variables, secrets)| variables.len() + secrets.len());
    let mut out = Vec::with_capacity(2 + defined_len);
    out.extend([
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
    ]);
    let Some((variables, secrets)) = lists else {
        return Ok(out);
    };
    builders::env_vars_into(&mut out, variables, secrets, env_secret_name)
        .map_err(|variables| TransformError::UnresolvedReferences { variables })?;
    if names_are_unique(&out) {
        // Nothing to drop: the list as it is (the usual case, without the
        // set of names `last_definitions` builds).
        return Ok(out);
    }
    Ok(builders::last_definitions(out))
}

/// Whether no two variables of `env` share a name: a few compared pairwise
/// (without allocating), more sorted and compared side by side, O(n log n)
/// without hashing or copying them.
fn names_are_unique(env: &[EnvVar]) -> bool {
    if env.len() <= 16 {
        return env
            .iter()
            .enumerate()
            .all(|(i, e)| env[i + 1..].iter().all(|f| f.name != e.name));
    }
    let mut names: Vec<&str> = env.iter().map(|e| e.name.as_str()).collect();
    names.sort_unstable();
    names.windows(2).all(|pair| pair[0] != pair[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_unresolved_variables_are_named_up_to_a_bound() {
        let names: Vec<String> = (0..25).map(|i| format!("V{i:02}")).collect();
        let message = unresolved_message(&names);
        assert!(
            message.starts_with(
                "the valueFrom reference was not resolved for 25 variables: spec.env.variables[\"V00\"], "
            ),
            "{message}"
        );
        assert!(
            message.contains("spec.env.variables[\"V19\"], … and 5 more; resolve each first"),
            "{message}"
        );
        assert!(!message.contains("V20"), "{message}");
    }

    #[test]
    fn names_are_unique_agrees_with_a_set_of_the_names() {
        let env = |names: &[String]| -> Vec<EnvVar> {
            names
                .iter()
                .map(|n| EnvVar {
                    name: n.clone(),
                    ..EnvVar::default()
                })
                .collect()
        };
        // Below, at and above the pairwise bound, with a repeated name
        // first, last, side by side and apart, and none.
        for len in [0usize, 1, 2, 3, 15, 16, 17, 40] {
            let distinct: Vec<String> = (0..len).map(|i| format!("V{i}")).collect();
            assert!(names_are_unique(&env(&distinct)), "{len}");
            for (i, j) in [
                (0, 1),
                (0, len.max(1) - 1),
                (len / 2, len / 2 + 1),
                (1, len.saturating_sub(2)),
            ] {
                if i < j && j < len {
                    let mut names = distinct.clone();
                    names[j] = names[i].clone();
                    assert!(!names_are_unique(&env(&names)), "{len} {i} {j}");
                }
            }
        }
    }
}
