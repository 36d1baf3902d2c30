//! Read-only access to a dynamic message's fields, for the rules: they read a
//! loaded document where it is, instead of converting it to the generated
//! types first (which would cost more than the rules). The fields they read
//! are looked up once, in [`Fields`].

use std::borrow::Cow;
use std::collections::HashMap;

use planton_api::prost_reflect::{DescriptorPool, DynamicMessage, FieldDescriptor, MapKey, Value};

/// A message seen through the descriptors of its fields. An unset field reads as its
/// proto3 default (`""`, `0`, an empty list) or as `None` where presence
/// matters.
#[derive(Clone, Copy)]
pub(crate) struct View<'a>(pub(crate) &'a DynamicMessage);

impl<'a> View<'a> {
    /// The value of the field `name` when it is set.
    fn get(self, field: &FieldDescriptor) -> Option<&'a Value> {
        // A field with presence that is unset is known without making up its
        // default (which builds the field's kind).
        if field.supports_presence() && !self.0.has_field(field) {
            return None;
        }
        // A stored value comes back borrowed; an unset field's default is
        // made up, owned.
        match self.0.get_field(field) {
            Cow::Borrowed(v) => Some(v),
            Cow::Owned(_) => None,
        }
    }

    /// Whether the field is set (for a oneof member or a message field).
    pub(crate) fn has(self, field: &FieldDescriptor) -> bool {
        self.get(field).is_some()
    }

    /// A string field; `""` when unset.
    pub(crate) fn str(self, field: &FieldDescriptor) -> &'a str {
        self.opt_str(field).unwrap_or("")
    }

    /// A string field with presence (proto3 `optional`, a oneof member).
    pub(crate) fn opt_str(self, field: &FieldDescriptor) -> Option<&'a str> {
        match self.get(field) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// A message field, when set.
    pub(crate) fn msg(self, field: &FieldDescriptor) -> Option<View<'a>> {
        match self.get(field) {
            Some(Value::Message(m)) => Some(View(m)),
            _ => None,
        }
    }

    /// An `optional uint32` field.
    pub(crate) fn opt_u32(self, field: &FieldDescriptor) -> Option<u32> {
        match self.get(field) {
            Some(Value::U32(v)) => Some(*v),
            _ => None,
        }
    }

    /// An `optional uint64` field.
    pub(crate) fn opt_u64(self, field: &FieldDescriptor) -> Option<u64> {
        match self.get(field) {
            Some(Value::U64(v)) => Some(*v),
            _ => None,
        }
    }

    /// A `bool` field; false when unset.
    pub(crate) fn bool(self, field: &FieldDescriptor) -> bool {
        self.opt_bool(field).unwrap_or(false)
    }

    /// An `optional bool` field.
    pub(crate) fn opt_bool(self, field: &FieldDescriptor) -> Option<bool> {
        match self.get(field) {
            Some(Value::Bool(v)) => Some(*v),
            _ => None,
        }
    }

    /// The strings of a `repeated string` field.
    pub(crate) fn strs(self, field: &FieldDescriptor) -> impl Iterator<Item = &'a str> {
        let items: &'a [Value] = match self.get(field) {
            Some(Value::List(items)) => items,
            _ => &[],
        };
        items.iter().filter_map(|v| match v {
            Value::String(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// An `int32` field; 0 when unset.
    pub(crate) fn i32(self, field: &FieldDescriptor) -> i32 {
        match self.get(field) {
            Some(Value::I32(v)) => *v,
            _ => 0,
        }
    }

    /// The messages of a repeated message field.
    pub(crate) fn messages(self, field: &FieldDescriptor) -> impl Iterator<Item = View<'a>> {
        let items: &'a [Value] = match self.get(field) {
            Some(Value::List(items)) => items,
            _ => &[],
        };
        items.iter().filter_map(|v| match v {
            Value::Message(m) => Some(View(m)),
            _ => None,
        })
    }

    /// A map field with string keys.
    pub(crate) fn map(self, field: &FieldDescriptor) -> StringMap<'a> {
        StringMap(match self.get(field) {
            Some(Value::Map(m)) => Some(m),
            _ => None,
        })
    }
}

/// A `map<string, _>` field (empty when unset).
#[derive(Clone, Copy)]
pub(crate) struct StringMap<'a>(Option<&'a HashMap<MapKey, Value>>);

impl<'a> StringMap<'a> {
    /// The entries, in no particular order.
    pub(crate) fn iter(self) -> impl Iterator<Item = (&'a str, &'a Value)> {
        self.0.into_iter().flatten().filter_map(|(k, v)| match k {
            MapKey::String(k) => Some((k.as_str(), v)),
            _ => None,
        })
    }

    pub(crate) fn contains_key(self, key: &str) -> bool {
        self.0.is_some_and(|m| {
            if m.len() <= SHORT {
                // A short map: compared in place, no key to build.
                m.keys().any(|k| matches!(k, MapKey::String(s) if s == key))
            } else {
                m.contains_key(&MapKey::String(key.to_owned()))
            }
        })
    }
}

/// Up to this many entries, a linear scan beats hashing.
pub(crate) const SHORT: usize = 16;

/// The first index at which each string was seen: a list while short (no
/// hashing), a hash map once long (no quadratic time on hostile input).
#[derive(Default)]
pub(crate) struct FirstSeen<'a> {
    short: Vec<(&'a str, usize)>,
    long: HashMap<&'a str, usize>,
}

impl<'a> FirstSeen<'a> {
    /// Records `key` at `index`; returns where it was first seen, if before.
    pub(crate) fn insert(&mut self, key: &'a str, index: usize) -> Option<usize> {
        if let Some(&(_, first)) = self.short.iter().find(|(k, _)| *k == key) {
            return Some(first);
        }
        if self.short.len() < SHORT {
            self.short.push((key, index));
            return None;
        }
        match self.long.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(index);
                None
            }
        }
    }
}

/// A map value that is a message, seen as one.
pub(crate) fn as_message(value: &Value) -> Option<View<'_>> {
    match value {
        Value::Message(m) => Some(View(m)),
        _ => None,
    }
}

/// The fields of the KubernetesJob protos compiled into `planton_api`,
/// looked up on first use; `None` if one is missing (a broken build, which a
/// test rules out).
pub(crate) fn fields() -> Option<&'static Fields> {
    static FIELDS: std::sync::LazyLock<Option<Fields>> = std::sync::LazyLock::new(|| {
        use planton_api::prost_reflect::ReflectMessage;
        Fields::new(
            planton_api::KubernetesJob::default()
                .descriptor()
                .parent_pool(),
        )
    });
    FIELDS.as_ref()
}

/// Declares [`Fields`]: each entry names a message (full name) and one of its
/// fields.
macro_rules! fields {
    ($($id:ident = $message:literal . $field:literal;)*) => {
        /// The descriptors of the fields the rules read, looked up once.
        pub(crate) struct Fields {
            $(pub(crate) $id: FieldDescriptor,)*
        }

        impl std::fmt::Debug for Fields {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("Fields").finish_non_exhaustive()
            }
        }

        impl Fields {
            /// `None` when a message or field is missing from `pool`.
            pub(crate) fn new(pool: &DescriptorPool) -> Option<Fields> {
                Some(Fields {
                    $($id: pool.get_message_by_name($message)?.get_field_by_name($field)?,)*
                })
            }
        }
    };
}

fields! {
    job_metadata = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJob" . "metadata";
    job_spec = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJob" . "spec";
    meta_name = "org.project_planton.shared.CloudResourceMetadata" . "name";
    meta_id = "org.project_planton.shared.CloudResourceMetadata" . "id";
    meta_org = "org.project_planton.shared.CloudResourceMetadata" . "org";
    meta_env = "org.project_planton.shared.CloudResourceMetadata" . "env";
    meta_labels = "org.project_planton.shared.CloudResourceMetadata" . "labels";
    meta_annotations = "org.project_planton.shared.CloudResourceMetadata" . "annotations";
    spec_namespace = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobSpec" . "namespace";
    spec_image = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobSpec" . "image";
    spec_resources = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobSpec" . "resources";
    spec_env = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobSpec" . "env";
    spec_config_maps = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobSpec" . "config_maps";
    spec_volume_mounts = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobSpec" . "volume_mounts";
    spec_parallelism = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobSpec" . "parallelism";
    spec_completions = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobSpec" . "completions";
    spec_backoff_limit = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobSpec" . "backoff_limit";
    spec_ttl_seconds_after_finished = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobSpec" . "ttl_seconds_after_finished";
    spec_active_deadline_seconds = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobSpec" . "active_deadline_seconds";
    spec_completion_mode = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobSpec" . "completion_mode";
    spec_create_namespace = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobSpec" . "create_namespace";
    spec_command = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobSpec" . "command";
    spec_args = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobSpec" . "args";
    spec_restart_policy = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobSpec" . "restart_policy";
    spec_suspend = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobSpec" . "suspend";
    literal_value = "org.project_planton.shared.foreignkey.v1.StringValueOrRef" . "value";
    literal_value_from = "org.project_planton.shared.foreignkey.v1.StringValueOrRef" . "value_from";
    image_repo = "org.project_planton.provider.kubernetes.ContainerImage" . "repo";
    image_tag = "org.project_planton.provider.kubernetes.ContainerImage" . "tag";
    image_pull_secret_name = "org.project_planton.provider.kubernetes.ContainerImage" . "pull_secret_name";
    resources_limits = "org.project_planton.provider.kubernetes.ContainerResources" . "limits";
    resources_requests = "org.project_planton.provider.kubernetes.ContainerResources" . "requests";
    cpu = "org.project_planton.provider.kubernetes.CpuMemory" . "cpu";
    memory = "org.project_planton.provider.kubernetes.CpuMemory" . "memory";
    env_variables = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobContainerAppEnv" . "variables";
    env_secrets = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobContainerAppEnv" . "secrets";
    sensitive_value = "org.project_planton.provider.kubernetes.KubernetesSensitiveValue" . "value";
    sensitive_secret_ref = "org.project_planton.provider.kubernetes.KubernetesSensitiveValue" . "secret_ref";
    secret_ref_name = "org.project_planton.provider.kubernetes.KubernetesSecretKeyRef" . "name";
    secret_ref_key = "org.project_planton.provider.kubernetes.KubernetesSecretKeyRef" . "key";
    secret_ref_namespace = "org.project_planton.provider.kubernetes.KubernetesSecretKeyRef" . "namespace";
    mount_name = "org.project_planton.provider.kubernetes.VolumeMount" . "name";
    mount_path = "org.project_planton.provider.kubernetes.VolumeMount" . "mount_path";
    mount_sub_path = "org.project_planton.provider.kubernetes.VolumeMount" . "sub_path";
    mount_read_only = "org.project_planton.provider.kubernetes.VolumeMount" . "read_only";
    mount_config_map = "org.project_planton.provider.kubernetes.VolumeMount" . "config_map";
    mount_secret = "org.project_planton.provider.kubernetes.VolumeMount" . "secret";
    mount_host_path = "org.project_planton.provider.kubernetes.VolumeMount" . "host_path";
    mount_empty_dir = "org.project_planton.provider.kubernetes.VolumeMount" . "empty_dir";
    mount_pvc = "org.project_planton.provider.kubernetes.VolumeMount" . "pvc";
    config_map_name = "org.project_planton.provider.kubernetes.ConfigMapVolumeSource" . "name";
    config_map_key = "org.project_planton.provider.kubernetes.ConfigMapVolumeSource" . "key";
    config_map_path = "org.project_planton.provider.kubernetes.ConfigMapVolumeSource" . "path";
    config_map_default_mode = "org.project_planton.provider.kubernetes.ConfigMapVolumeSource" . "default_mode";
    secret_name = "org.project_planton.provider.kubernetes.SecretVolumeSource" . "name";
    secret_key = "org.project_planton.provider.kubernetes.SecretVolumeSource" . "key";
    secret_path = "org.project_planton.provider.kubernetes.SecretVolumeSource" . "path";
    secret_default_mode = "org.project_planton.provider.kubernetes.SecretVolumeSource" . "default_mode";
    host_path_path = "org.project_planton.provider.kubernetes.HostPathVolumeSource" . "path";
    host_path_type = "org.project_planton.provider.kubernetes.HostPathVolumeSource" . "type";
    empty_dir_medium = "org.project_planton.provider.kubernetes.EmptyDirVolumeSource" . "medium";
    pvc_read_only = "org.project_planton.provider.kubernetes.PvcVolumeSource" . "read_only";
    empty_dir_size_limit = "org.project_planton.provider.kubernetes.EmptyDirVolumeSource" . "size_limit";
    pvc_claim_name = "org.project_planton.provider.kubernetes.PvcVolumeSource" . "claim_name";
    input_target = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobStackInput" . "target";
    input_kubernetes_namespace = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobStackInput" . "kubernetes_namespace";
    input_docker_config_json = "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobStackInput" . "docker_config_json";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_the_rules_and_the_transform_read_exists() {
        assert!(fields().is_some());
    }

    #[test]
    fn first_seen_answers_alike_short_and_long() {
        let keys: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
        let mut seen = FirstSeen::default();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(seen.insert(k, i), None, "{k}");
        }
        // Repeats of keys kept in the list and in the map.
        assert_eq!(seen.insert(&keys[3], 50), Some(3));
        assert_eq!(seen.insert(&keys[30], 51), Some(30));
        assert_eq!(seen.insert("new", 52), None);
        assert_eq!(seen.insert("new", 53), Some(52));
    }

    #[test]
    fn string_maps_find_keys_short_and_long() {
        for n in [3, 40] {
            let map: HashMap<MapKey, Value> = (0..n)
                .map(|i| (MapKey::String(format!("k{i}")), Value::Bool(true)))
                .collect();
            let m = StringMap(Some(&map));
            assert!(m.contains_key("k0") && m.contains_key(&format!("k{}", n - 1)));
            assert!(!m.contains_key("missing"));
            assert_eq!(m.iter().count(), n);
        }
        assert!(!StringMap(None).contains_key("k0"));
    }
}
