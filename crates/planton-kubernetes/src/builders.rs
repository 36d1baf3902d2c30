//! The Kubernetes objects' parts every component renders alike, built from
//! the typed views: the container image, its resources, its environment
//! (literal secrets go to the env Secret), volumes and mounts.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    ConfigMapVolumeSource, EmptyDirVolumeSource, EnvVar, EnvVarSource, HostPathVolumeSource,
    KeyToPath, PersistentVolumeClaimVolumeSource, ResourceRequirements, SecretKeySelector,
    SecretVolumeSource, Volume, VolumeMount as K8sVolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use planton_api::view::{
    ContainerImageView, ContainerResourcesView, CpuMemoryView, KubernetesSensitiveValueView, List,
    Map, StringValueOrRefView, VolumeMountView,
};

/// `repo:tag`, or `repo@digest` when the tag is a digest.
pub fn image_reference(image: ContainerImageView<'_>) -> String {
    let (repo, tag) = (image.repo(), image.tag());
    let separator = if crate::image::is_digest(tag) {
        '@'
    } else {
        ':'
    };
    // Sized once, without the formatting machinery.
    let mut reference = String::with_capacity(repo.len() + 1 + tag.len());
    reference.push_str(repo);
    reference.push(separator);
    reference.push_str(tag);
    reference
}

/// The container's requests and limits: the cpu and memory quantities set.
pub fn resources(res: Option<ContainerResourcesView<'_>>) -> ResourceRequirements {
    let side = |cm: Option<CpuMemoryView<'_>>| {
        // Inserted one by one: collecting would first gather the entries
        // in a vector to sort them.
        let mut map: BTreeMap<String, K8sQuantity> = BTreeMap::new();
        for (k, v) in [
            ("cpu", cm.map_or("", |cm| cm.cpu())),
            ("memory", cm.map_or("", |cm| cm.memory())),
        ] {
            if !v.is_empty() {
                map.insert(k.to_owned(), K8sQuantity(v.to_owned()));
            }
        }
        (!map.is_empty()).then_some(map)
    };
    ResourceRequirements {
        limits: side(res.and_then(|r| r.limits())),
        requests: side(res.and_then(|r| r.requests())),
        ..ResourceRequirements::default()
    }
}

/// The literal values of the secret variables: the data of the env Secret,
/// sorted by name. An empty literal is a value too.
pub fn literal_secrets(
    secrets: Map<'_, KubernetesSensitiveValueView<'_>>,
) -> BTreeMap<String, String> {
    secrets
        .iter()
        .filter_map(|(k, v)| Some((k.to_owned(), v.value()?.to_owned())))
        .collect()
}

/// The variables, then the secrets, each sorted by name: a variable's literal
/// value, a secret's reference to its Secret key (a literal secret's to
/// `env_secret_name`, under its own name).
///
/// # Errors
///
/// The names of the variables still holding a `valueFrom` reference, sorted.
pub fn env_vars(
    variables: Map<'_, StringValueOrRefView<'_>>,
    secrets: Map<'_, KubernetesSensitiveValueView<'_>>,
    env_secret_name: &str,
) -> Result<Vec<EnvVar>, Vec<String>> {
    let mut out = Vec::new();
    env_vars_into(&mut out, variables, secrets, env_secret_name)?;
    Ok(out)
}

/// [`env_vars`], appended to `out` (left as it was on an error).
///
/// # Errors
///
/// As [`env_vars`].
pub fn env_vars_into(
    out: &mut Vec<EnvVar>,
    variables: Map<'_, StringValueOrRefView<'_>>,
    secrets: Map<'_, KubernetesSensitiveValueView<'_>>,
    env_secret_name: &str,
) -> Result<(), Vec<String>> {
    let start = out.len();
    // Map keys are unique: sorting by them alone orders the entries.
    let mut vars: Vec<(&str, _)> = variables.iter().collect();
    vars.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut unresolved = Vec::new();
    for (name, value) in vars {
        // An empty value sets the variable to "" (upstream drops it).
        if let Some(v) = value.value() {
            out.push(EnvVar {
                name: name.to_owned(),
                value: Some(v.to_owned()),
                ..EnvVar::default()
            });
        } else if value.value_from().is_some() {
            unresolved.push(name.to_owned());
        }
    }
    if !unresolved.is_empty() {
        out.truncate(start);
        return Err(unresolved);
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
    let mut secrets: Vec<(&str, _)> = secrets.iter().collect();
    secrets.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (name, value) in secrets {
        let value_from = if let Some(r) = value.secret_ref() {
            secret_ref(r.name(), r.key())
        } else if value.value().is_some() {
            secret_ref(env_secret_name, name)
        } else {
            continue;
        };
        out.push(EnvVar {
            name: name.to_owned(),
            value_from,
            ..EnvVar::default()
        });
    }
    Ok(())
}

/// `env` without the entries whose name comes again later: the definition
/// Kubernetes would use (server-side apply refuses a list with a name twice).
pub fn last_definitions(env: Vec<EnvVar>) -> Vec<EnvVar> {
    let mut seen = std::collections::HashSet::with_capacity(env.len());
    let mut kept: Vec<EnvVar> = env
        .into_iter()
        .rev()
        .filter(|e| seen.insert(e.name.clone()))
        .collect();
    kept.reverse();
    kept
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

/// The container's mounts and the pod's volumes, one each per mount, in
/// order.
pub fn volumes(mounts_in: List<'_, VolumeMountView<'_>>) -> (Vec<K8sVolumeMount>, Vec<Volume>) {
    // Sized once: a `Volume` is large, and growing its vector copies them.
    let mut mounts = Vec::with_capacity(mounts_in.len());
    let mut volumes = Vec::with_capacity(mounts_in.len());
    let text = |s: &str| -> Option<String> { (!s.is_empty()).then(|| s.to_owned()) };
    for vm in mounts_in.iter() {
        let name = vm.name();
        mounts.push(K8sVolumeMount {
            name: name.to_owned(),
            mount_path: vm.mount_path().to_owned(),
            read_only: Some(vm.read_only()),
            sub_path: text(vm.sub_path()),
            ..K8sVolumeMount::default()
        });
        // Built where it stays: a `Volume` is large (its every source).
        volumes.push(Volume {
            name: name.to_owned(),
            ..Volume::default()
        });
        let Some(volume) = volumes.last_mut() else {
            continue;
        };
        let mode = |mode: i32| {
            // Zero is unset; a negative mode is sent for the server to refuse.
            (mode != 0).then_some(mode)
        };
        if let Some(cm) = vm.config_map() {
            volume.config_map = Some(ConfigMapVolumeSource {
                name: cm.name().to_owned(),
                items: key_items(cm.key(), cm.path()),
                default_mode: mode(cm.default_mode()),
                ..ConfigMapVolumeSource::default()
            });
        } else if let Some(s) = vm.secret() {
            volume.secret = Some(SecretVolumeSource {
                secret_name: Some(s.name().to_owned()),
                items: key_items(s.key(), s.path()),
                default_mode: mode(s.default_mode()),
                ..SecretVolumeSource::default()
            });
        } else if let Some(h) = vm.host_path() {
            volume.host_path = Some(HostPathVolumeSource {
                path: h.path().to_owned(),
                type_: text(h.r#type()),
            });
        } else if let Some(e) = vm.empty_dir() {
            volume.empty_dir = Some(EmptyDirVolumeSource {
                medium: text(e.medium()),
                size_limit: text(e.size_limit()).map(K8sQuantity),
            });
        } else if let Some(p) = vm.pvc() {
            volume.persistent_volume_claim = Some(PersistentVolumeClaimVolumeSource {
                claim_name: p.claim_name().to_owned(),
                read_only: Some(p.read_only()),
            });
        }
    }
    (mounts, volumes)
}
