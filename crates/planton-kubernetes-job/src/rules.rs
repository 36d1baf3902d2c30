//! The rules the Kubernetes API server would enforce at apply time, checked
//! on the manifest so users learn of them at plan time.
//!
//! Paths are relative to the `KubernetesJob` message, in protovalidate's form
//! with proto field names. Messages never include a secret value.

use std::collections::HashMap;

use planton_api::org::project_planton::provider::kubernetes::kubernetes_sensitive_value::SensitiveValue;
use planton_api::org::project_planton::shared::foreignkey::v1::string_value_or_ref::LiteralOrRef;
use planton_api::{ContainerResources, CpuMemory, KubernetesJob, KubernetesJobSpec, VolumeMount};
use planton_manifest::Violation;

use crate::quantity::Quantity;
use crate::{image, names};

/// Env var names the transform injects into every Job container.
pub const RESERVED_ENV: [&str; 2] = ["HOSTNAME", "K8S_POD_ID"];

/// Kubernetes' limit on Indexed Jobs' completions and parallelism.
pub const INDEXED_MAX: u32 = 100_000;

/// Suffix of the derived env Secret's name.
pub const ENV_SECRETS_SUFFIX: &str = "-env-secrets";
/// Suffix of the derived image-pull Secret's name.
pub const IMAGE_PULL_SECRET_SUFFIX: &str = "-image-pull-secret";

/// A Kubernetes rule checked at plan time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// `kubernetes.dns1123_label`: names that become DNS-1123 labels (metadata.name, namespace, volume names): lowercase alphanumerics and '-', at most 63 characters.
    Dns1123Label,
    /// `kubernetes.dns1123_subdomain`: object names (ConfigMaps, Secrets, claims): DNS-1123 subdomains of at most 253 characters.
    Dns1123Subdomain,
    /// `kubernetes.name_length`: derived object names (`<name>-env-secrets`, `<name>-image-pull-secret`) within 253 characters.
    NameLength,
    /// `kubernetes.label_value`: metadata id, org and env become label values: at most 63 characters, alphanumeric at both ends.
    LabelValue,
    /// `kubernetes.env_var_name`: environment variable names match `[-._a-zA-Z][-._a-zA-Z0-9]*`.
    EnvVarName,
    /// `kubernetes.env_var_duplicate`: an environment variable is defined once across variables and secrets.
    EnvVarDuplicate,
    /// `kubernetes.env_var_value`: every environment variable has a value or a reference.
    EnvVarValue,
    /// `kubernetes.env_var_reserved`: HOSTNAME and K8S_POD_ID are set by the Job and cannot be redefined.
    EnvVarReserved,
    /// `kubernetes.secret_key`: Secret keys consist of alphanumerics, '-', '_' and '.'.
    SecretKey,
    /// `kubernetes.secret_ref_namespace`: a referenced Secret lives in the Job's namespace.
    SecretRefNamespace,
    /// `kubernetes.volume_name_duplicate`: volume names are unique.
    VolumeNameDuplicate,
    /// `kubernetes.mount_path_absolute`: mount paths are absolute.
    MountPathAbsolute,
    /// `kubernetes.mount_path_duplicate`: mount paths are unique.
    MountPathDuplicate,
    /// `kubernetes.volume_source`: a volume mount has exactly one source.
    VolumeSource,
    /// `kubernetes.default_mode`: file modes are within 0..=0777.
    DefaultMode,
    /// `kubernetes.config_map_key`: ConfigMap keys consist of alphanumerics, '-', '_' and '.'.
    ConfigMapKey,
    /// `kubernetes.config_map_key_missing`: a mount of a ConfigMap from spec.config_maps names its only key.
    ConfigMapKeyMissing,
    /// `kubernetes.relative_path`: item paths and sub-paths are relative, and no path has a '..' element.
    RelativePath,
    /// `kubernetes.quantity`: resource quantities parse as Kubernetes quantities and are not negative.
    Quantity,
    /// `kubernetes.requests_within_limits`: each resource request is at most its limit.
    RequestsWithinLimits,
    /// `kubernetes.indexed_completions`: an Indexed Job sets completions.
    IndexedCompletions,
    /// `kubernetes.indexed_limit`: an Indexed Job has at most 100000 completions and parallelism.
    IndexedLimit,
    /// `kubernetes.int32_range`: parallelism, completions, backoffLimit and ttlSecondsAfterFinished fit Kubernetes' int32.
    Int32Range,
    /// `kubernetes.int64_range`: activeDeadlineSeconds fits Kubernetes' int64.
    Int64Range,
    /// `kubernetes.image_reference`: the image has a valid repository and a tag or digest.
    ImageReference,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Rule; 25] = [
        Rule::Dns1123Label,
        Rule::Dns1123Subdomain,
        Rule::NameLength,
        Rule::LabelValue,
        Rule::EnvVarName,
        Rule::EnvVarDuplicate,
        Rule::EnvVarValue,
        Rule::EnvVarReserved,
        Rule::SecretKey,
        Rule::SecretRefNamespace,
        Rule::VolumeNameDuplicate,
        Rule::MountPathAbsolute,
        Rule::MountPathDuplicate,
        Rule::VolumeSource,
        Rule::DefaultMode,
        Rule::ConfigMapKey,
        Rule::ConfigMapKeyMissing,
        Rule::RelativePath,
        Rule::Quantity,
        Rule::RequestsWithinLimits,
        Rule::IndexedCompletions,
        Rule::IndexedLimit,
        Rule::Int32Range,
        Rule::Int64Range,
        Rule::ImageReference,
    ];

    /// The rule id reported in violations, e.g. `kubernetes.dns1123_label`.
    pub fn id(self) -> &'static str {
        match self {
            Rule::Dns1123Label => "kubernetes.dns1123_label",
            Rule::Dns1123Subdomain => "kubernetes.dns1123_subdomain",
            Rule::NameLength => "kubernetes.name_length",
            Rule::LabelValue => "kubernetes.label_value",
            Rule::EnvVarName => "kubernetes.env_var_name",
            Rule::EnvVarDuplicate => "kubernetes.env_var_duplicate",
            Rule::EnvVarValue => "kubernetes.env_var_value",
            Rule::EnvVarReserved => "kubernetes.env_var_reserved",
            Rule::SecretKey => "kubernetes.secret_key",
            Rule::SecretRefNamespace => "kubernetes.secret_ref_namespace",
            Rule::VolumeNameDuplicate => "kubernetes.volume_name_duplicate",
            Rule::MountPathAbsolute => "kubernetes.mount_path_absolute",
            Rule::MountPathDuplicate => "kubernetes.mount_path_duplicate",
            Rule::VolumeSource => "kubernetes.volume_source",
            Rule::DefaultMode => "kubernetes.default_mode",
            Rule::ConfigMapKey => "kubernetes.config_map_key",
            Rule::ConfigMapKeyMissing => "kubernetes.config_map_key_missing",
            Rule::RelativePath => "kubernetes.relative_path",
            Rule::Quantity => "kubernetes.quantity",
            Rule::RequestsWithinLimits => "kubernetes.requests_within_limits",
            Rule::IndexedCompletions => "kubernetes.indexed_completions",
            Rule::IndexedLimit => "kubernetes.indexed_limit",
            Rule::Int32Range => "kubernetes.int32_range",
            Rule::Int64Range => "kubernetes.int64_range",
            Rule::ImageReference => "kubernetes.image_reference",
        }
    }

    /// What the rule requires, in one line.
    pub fn summary(self) -> &'static str {
        match self {
            Rule::Dns1123Label => {
                "names that become DNS-1123 labels (metadata.name, namespace, volume names): lowercase alphanumerics and '-', at most 63 characters"
            }
            Rule::Dns1123Subdomain => {
                "object names (ConfigMaps, Secrets, claims): DNS-1123 subdomains of at most 253 characters"
            }
            Rule::NameLength => {
                "derived object names (`<name>-env-secrets`, `<name>-image-pull-secret`) within 253 characters"
            }
            Rule::LabelValue => {
                "metadata id, org and env become label values: at most 63 characters, alphanumeric at both ends"
            }
            Rule::EnvVarName => "environment variable names match `[-._a-zA-Z][-._a-zA-Z0-9]*`",
            Rule::EnvVarDuplicate => {
                "an environment variable is defined once across variables and secrets"
            }
            Rule::EnvVarValue => "every environment variable has a value or a reference",
            Rule::EnvVarReserved => {
                "HOSTNAME and K8S_POD_ID are set by the Job and cannot be redefined"
            }
            Rule::SecretKey => "Secret keys consist of alphanumerics, '-', '_' and '.'",
            Rule::SecretRefNamespace => "a referenced Secret lives in the Job's namespace",
            Rule::VolumeNameDuplicate => "volume names are unique",
            Rule::MountPathAbsolute => "mount paths are absolute",
            Rule::MountPathDuplicate => "mount paths are unique",
            Rule::VolumeSource => "a volume mount has exactly one source",
            Rule::DefaultMode => "file modes are within 0..=0777",
            Rule::ConfigMapKey => "ConfigMap keys consist of alphanumerics, '-', '_' and '.'",
            Rule::ConfigMapKeyMissing => {
                "a mount of a ConfigMap from spec.config_maps names its only key"
            }
            Rule::RelativePath => {
                "item paths and sub-paths are relative, and no path has a '..' element"
            }
            Rule::Quantity => {
                "resource quantities parse as Kubernetes quantities and are not negative"
            }
            Rule::RequestsWithinLimits => "each resource request is at most its limit",
            Rule::IndexedCompletions => "an Indexed Job sets completions",
            Rule::IndexedLimit => "an Indexed Job has at most 100000 completions and parallelism",
            Rule::Int32Range => {
                "parallelism, completions, backoffLimit and ttlSecondsAfterFinished fit Kubernetes' int32"
            }
            Rule::Int64Range => "activeDeadlineSeconds fits Kubernetes' int64",
            Rule::ImageReference => "the image has a valid repository and a tag or digest",
        }
    }
}

struct Rules {
    out: Vec<Violation>,
}

impl Rules {
    fn add(&mut self, path: impl Into<String>, rule: Rule, message: impl Into<String>) {
        self.out
            .push(Violation::kubernetes(path, rule.id(), message));
    }

    fn add_key(&mut self, path: impl Into<String>, rule: Rule, message: impl Into<String>) {
        self.out
            .push(Violation::kubernetes(path, rule.id(), message).on_key());
    }
}

/// Every Kubernetes rule `job` breaks. `resolved_namespace` is the namespace
/// an orchestrator resolved for it (a stack input's `kubernetes_namespace`),
/// which wins over `spec.namespace`.
pub fn check(job: &KubernetesJob, resolved_namespace: Option<&str>) -> Vec<Violation> {
    let mut r = Rules { out: Vec::new() };
    metadata(&mut r, job);
    if let Some(spec) = &job.spec {
        let namespace = namespace(&mut r, spec, resolved_namespace);
        image_rules(&mut r, spec);
        if let Some(res) = &spec.resources {
            resources(&mut r, res);
        }
        env(&mut r, spec, namespace.as_deref());
        config_maps(&mut r, spec);
        volume_mounts(&mut r, spec);
        job_numbers(&mut r, spec);
    }
    r.out
}

fn metadata(r: &mut Rules, job: &KubernetesJob) {
    let Some(meta) = &job.metadata else { return };
    let name = &meta.name;
    if name.is_empty() {
        r.add(
            "metadata.name",
            Rule::Dns1123Label,
            "a name is required: it names the Job and its objects",
        );
    } else if let Some(why) = names::dns1123_label(name) {
        r.add(
            "metadata.name",
            Rule::Dns1123Label,
            format!("{why}; it names the Job and is the value of its 'job-name' label"),
        );
    }
    for suffix in [ENV_SECRETS_SUFFIX, IMAGE_PULL_SECRET_SUFFIX] {
        let derived = name.len() + suffix.len();
        if derived > names::SUBDOMAIN_MAX {
            r.add(
                "metadata.name", Rule::NameLength,
                format!("the derived Secret name '<name>{suffix}' would be {derived} characters, over {}", names::SUBDOMAIN_MAX),
            );
        }
    }
    for (field, value) in [("id", &meta.id), ("org", &meta.org), ("env", &meta.env)] {
        if let Some(why) = names::label_value(value) {
            r.add(
                format!("metadata.{field}"),
                Rule::LabelValue,
                format!("{why}; it becomes a label value on every object"),
            );
        }
    }
}

/// Checks the namespace and returns the one the Job will be created in, if known.
fn namespace(r: &mut Rules, spec: &KubernetesJobSpec, resolved: Option<&str>) -> Option<String> {
    if let Some(ns) = resolved.filter(|ns| !ns.is_empty()) {
        if let Some(why) = names::dns1123_label(ns) {
            r.add(
                "kubernetes_namespace",
                Rule::Dns1123Label,
                format!("namespace {why}"),
            );
        }
        return Some(ns.to_owned());
    }
    match spec
        .namespace
        .as_ref()
        .and_then(|n| n.literal_or_ref.as_ref())
    {
        Some(LiteralOrRef::Value(ns)) => {
            if let Some(why) = names::dns1123_label(ns) {
                r.add(
                    "spec.namespace.value",
                    Rule::Dns1123Label,
                    format!("namespace {why}"),
                );
            }
            Some(ns.clone())
        }
        _ => None,
    }
}

fn image_rules(r: &mut Rules, spec: &KubernetesJobSpec) {
    let Some(img) = &spec.image else {
        r.add(
            "spec.image",
            Rule::ImageReference,
            "an image is required: set 'repo' and 'tag'",
        );
        return;
    };
    if img.repo.is_empty() {
        r.add(
            "spec.image.repo",
            Rule::ImageReference,
            "an image repository is required",
        );
    } else if let Some(why) = image::repository(&img.repo) {
        r.add(
            "spec.image.repo",
            Rule::ImageReference,
            format!("image repository {why}"),
        );
    }
    if img.tag.is_empty() {
        r.add(
            "spec.image.tag",
            Rule::ImageReference,
            "an image tag (or digest) is required",
        );
    } else if let Some(why) = image::tag_or_digest(&img.tag) {
        r.add(
            "spec.image.tag",
            Rule::ImageReference,
            format!("image tag {why}"),
        );
    }
    if !img.pull_secret_name.is_empty()
        && let Some(why) = names::dns1123_subdomain(&img.pull_secret_name)
    {
        r.add(
            "spec.image.pull_secret_name",
            Rule::Dns1123Subdomain,
            format!("Secret name {why}"),
        );
    }
}

fn resources(r: &mut Rules, res: &ContainerResources) {
    let parse = |r: &mut Rules, path: String, text: &str| -> Option<Quantity> {
        if text.is_empty() {
            return None;
        }
        match Quantity::parse(text) {
            Ok(q) if q.is_negative() => {
                r.add(path, Rule::Quantity, "must not be negative");
                None
            }
            Ok(q) => Some(q),
            Err(e) => {
                r.add(path, Rule::Quantity, e.to_string());
                None
            }
        }
    };
    let side = |r: &mut Rules, name: &str, cm: Option<&CpuMemory>| {
        let cm = cm.cloned().unwrap_or_default();
        (
            parse(r, format!("spec.resources.{name}.cpu"), &cm.cpu),
            parse(r, format!("spec.resources.{name}.memory"), &cm.memory),
        )
    };
    let (limit_cpu, limit_mem) = side(r, "limits", res.limits.as_ref());
    let (req_cpu, req_mem) = side(r, "requests", res.requests.as_ref());
    for (what, req, limit) in [("cpu", req_cpu, limit_cpu), ("memory", req_mem, limit_mem)] {
        if let (Some(req), Some(limit)) = (req, limit)
            && req > limit
        {
            r.add(
                format!("spec.resources.requests.{what}"),
                Rule::RequestsWithinLimits,
                format!("the {what} request must not exceed the {what} limit"),
            );
        }
    }
}

fn env(r: &mut Rules, spec: &KubernetesJobSpec, namespace: Option<&str>) {
    let Some(env) = &spec.env else { return };
    let path = |map: &str, name: &str| {
        format!(
            "spec.env.{map}[{}]",
            planton_manifest::map_key_subscript(name)
        )
    };
    let name_rules = |r: &mut Rules, map: &str, name: &str| {
        if !names::env_var_name(name) {
            r.add_key(
                path(map, name),
                Rule::EnvVarName,
                "must be a valid environment variable name: letters, digits, '_', '-' and '.', not starting with a digit",
            );
        }
        if RESERVED_ENV.contains(&name) {
            r.add_key(
                path(map, name),
                Rule::EnvVarReserved,
                format!("'{name}' is set by the Job itself and cannot be overridden"),
            );
        }
    };
    for (name, value) in &env.variables {
        name_rules(r, "variables", name);
        if value.literal_or_ref.is_none() {
            r.add(
                path("variables", name),
                Rule::EnvVarValue,
                "set 'value' (possibly \"\") or 'valueFrom': without either the variable would be left out of the Job",
            );
        }
    }
    for (name, value) in &env.secrets {
        name_rules(r, "secrets", name);
        if env.variables.contains_key(name) {
            r.add_key(
                path("secrets", name),
                Rule::EnvVarDuplicate,
                "also defined in 'variables': each environment variable is set once",
            );
        }
        if value.sensitive_value.is_none() {
            r.add(
                path("secrets", name),
                Rule::EnvVarValue,
                "set 'value' or 'secretRef': without either the variable would be left out of the Job",
            );
        }
        let Some(SensitiveValue::SecretRef(sref)) = &value.sensitive_value else {
            continue;
        };
        let base = || format!("{}.secret_ref", path("secrets", name));
        if !sref.name.is_empty()
            && let Some(why) = names::dns1123_subdomain(&sref.name)
        {
            r.add(
                format!("{}.name", base()),
                Rule::Dns1123Subdomain,
                format!("Secret name {why}"),
            );
        }
        if !sref.key.is_empty()
            && let Some(why) = names::data_key(&sref.key)
        {
            r.add(
                format!("{}.key", base()),
                Rule::SecretKey,
                format!("Secret key {why}"),
            );
        }
        if let Some(ns) = namespace
            && !sref.namespace.is_empty()
            && sref.namespace != ns
        {
            r.add(
                format!("{}.namespace", base()),
                Rule::SecretRefNamespace,
                format!("the Secret must be in the Job's namespace '{ns}': a pod can only read Secrets of its own namespace"),
            );
        }
    }
}

fn config_maps(r: &mut Rules, spec: &KubernetesJobSpec) {
    for name in spec.config_maps.keys() {
        if let Some(why) = names::dns1123_subdomain(name) {
            let path = format!(
                "spec.config_maps[{}]",
                planton_manifest::map_key_subscript(name)
            );
            r.add_key(
                path,
                Rule::Dns1123Subdomain,
                format!("ConfigMap name {why}"),
            );
        }
    }
}

fn volume_mounts(r: &mut Rules, spec: &KubernetesJobSpec) {
    let mut names_seen: HashMap<&str, usize> = HashMap::new();
    let mut paths_seen: HashMap<&str, usize> = HashMap::new();
    for (i, vm) in spec.volume_mounts.iter().enumerate() {
        let base = format!("spec.volume_mounts[{i}]");
        if !vm.name.is_empty() {
            if let Some(why) = names::dns1123_label(&vm.name) {
                r.add(
                    format!("{base}.name"),
                    Rule::Dns1123Label,
                    format!("volume name {why}"),
                );
            }
            if let Some(first) = names_seen.insert(&vm.name, i) {
                r.add(
                    format!("{base}.name"),
                    Rule::VolumeNameDuplicate,
                    format!("volume name already used by volume_mounts[{first}]"),
                );
            }
        }
        if !vm.mount_path.is_empty() {
            if !vm.mount_path.starts_with('/') {
                r.add(
                    format!("{base}.mount_path"),
                    Rule::MountPathAbsolute,
                    "must be an absolute path",
                );
            }
            if let Some(first) = paths_seen.insert(&vm.mount_path, i) {
                r.add(
                    format!("{base}.mount_path"),
                    Rule::MountPathDuplicate,
                    format!("mount path already used by volume_mounts[{first}]"),
                );
            }
        }
        if !vm.sub_path.is_empty()
            && let Some(why) = names::relative_path(&vm.sub_path)
        {
            r.add(format!("{base}.sub_path"), Rule::RelativePath, why);
        }
        volume_source(r, spec, vm, &base);
    }
}

fn volume_source(r: &mut Rules, spec: &KubernetesJobSpec, vm: &VolumeMount, base: &str) {
    let count = [
        vm.config_map.is_some(),
        vm.secret.is_some(),
        vm.host_path.is_some(),
        vm.empty_dir.is_some(),
        vm.pvc.is_some(),
    ]
    .iter()
    .filter(|&&b| b)
    .count();
    if count != 1 {
        r.add(
            base.to_owned(), Rule::VolumeSource,
            format!("exactly one of 'configMap', 'secret', 'hostPath', 'emptyDir' or 'pvc' must be set ({count} are)"),
        );
    }
    let mode = |r: &mut Rules, path: String, mode: i32| {
        if !(0..=0o777).contains(&mode) {
            r.add(
                path,
                Rule::DefaultMode,
                "must be between 0 and 0777 (octal), i.e. 0 and 511",
            );
        }
    };
    if let Some(cm) = &vm.config_map {
        let p = format!("{base}.config_map");
        if !cm.name.is_empty()
            && let Some(why) = names::dns1123_subdomain(&cm.name)
        {
            r.add(
                format!("{p}.name"),
                Rule::Dns1123Subdomain,
                format!("ConfigMap name {why}"),
            );
        }
        if !cm.key.is_empty() {
            if let Some(why) = names::data_key(&cm.key) {
                r.add(
                    format!("{p}.key"),
                    Rule::ConfigMapKey,
                    format!("ConfigMap key {why}"),
                );
            } else if spec.config_maps.contains_key(&cm.name) && cm.key != cm.name {
                r.add(
                    format!("{p}.key"),
                    Rule::ConfigMapKeyMissing,
                    format!(
                        "ConfigMap '{}' from spec.config_maps has the single key '{}'",
                        cm.name, cm.name
                    ),
                );
            }
        }
        if !cm.path.is_empty()
            && let Some(why) = names::relative_path(&cm.path)
        {
            r.add(format!("{p}.path"), Rule::RelativePath, why);
        }
        mode(r, format!("{p}.default_mode"), cm.default_mode);
    }
    if let Some(s) = &vm.secret {
        let p = format!("{base}.secret");
        if !s.name.is_empty()
            && let Some(why) = names::dns1123_subdomain(&s.name)
        {
            r.add(
                format!("{p}.name"),
                Rule::Dns1123Subdomain,
                format!("Secret name {why}"),
            );
        }
        if !s.key.is_empty()
            && let Some(why) = names::data_key(&s.key)
        {
            r.add(
                format!("{p}.key"),
                Rule::SecretKey,
                format!("Secret key {why}"),
            );
        }
        if !s.path.is_empty()
            && let Some(why) = names::relative_path(&s.path)
        {
            r.add(format!("{p}.path"), Rule::RelativePath, why);
        }
        mode(r, format!("{p}.default_mode"), s.default_mode);
    }
    if let Some(h) = &vm.host_path
        && let Some(why) = names::backsteps(&h.path)
    {
        r.add(format!("{base}.host_path.path"), Rule::RelativePath, why);
    }
    if let Some(e) = &vm.empty_dir
        && !e.size_limit.is_empty()
    {
        match Quantity::parse(&e.size_limit) {
            Ok(q) if q.is_negative() => r.add(
                format!("{base}.empty_dir.size_limit"),
                Rule::Quantity,
                "must not be negative",
            ),
            Ok(_) => {}
            Err(err) => r.add(
                format!("{base}.empty_dir.size_limit"),
                Rule::Quantity,
                err.to_string(),
            ),
        }
    }
    if let Some(pvc) = &vm.pvc
        && !pvc.claim_name.is_empty()
        && let Some(why) = names::dns1123_subdomain(&pvc.claim_name)
    {
        r.add(
            format!("{base}.pvc.claim_name"),
            Rule::Dns1123Subdomain,
            format!("claim name {why}"),
        );
    }
}

fn job_numbers(r: &mut Rules, spec: &KubernetesJobSpec) {
    let int32 = |r: &mut Rules, field: &str, v: Option<u32>| {
        if v.is_some_and(|v| v > i32::MAX as u32) {
            r.add(
                format!("spec.{field}"),
                Rule::Int32Range,
                format!("must be at most {} (a Kubernetes int32)", i32::MAX),
            );
        }
    };
    int32(r, "parallelism", spec.parallelism);
    int32(r, "completions", spec.completions);
    int32(r, "backoff_limit", spec.backoff_limit);
    int32(
        r,
        "ttl_seconds_after_finished",
        spec.ttl_seconds_after_finished,
    );
    if spec
        .active_deadline_seconds
        .is_some_and(|v| v > i64::MAX as u64)
    {
        r.add(
            "spec.active_deadline_seconds",
            Rule::Int64Range,
            format!("must be at most {} (a Kubernetes int64)", i64::MAX),
        );
    }
    if spec.completion_mode.as_deref() == Some("Indexed") {
        match spec.completions {
            None | Some(0) => r.add(
                "spec.completions",
                Rule::IndexedCompletions,
                "an Indexed Job needs 'completions' (the number of indexes)",
            ),
            Some(c) if c > INDEXED_MAX => r.add(
                "spec.completions",
                Rule::IndexedLimit,
                format!("an Indexed Job may have at most {INDEXED_MAX} completions"),
            ),
            _ => {}
        }
        if spec.parallelism.is_some_and(|p| p > INDEXED_MAX) {
            r.add(
                "spec.parallelism",
                Rule::IndexedLimit,
                format!("an Indexed Job may have a parallelism of at most {INDEXED_MAX}"),
            );
        }
    }
}
