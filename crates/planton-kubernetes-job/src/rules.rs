//! The rules the Kubernetes API server would enforce at apply time, checked
//! on the manifest so users learn of them at plan time.
//!
//! Paths are relative to the `KubernetesJob` message, in protovalidate's form
//! with proto field names. Messages never include a secret value.

use planton_manifest::{Severity, Violation};
use planton_text::Excerpt;

use crate::quantity::Quantity;
use planton_api::prost_reflect::FieldDescriptor;

use crate::view::{Fields, FirstSeen, View, as_message};
use crate::{image, names};

/// Env var names the transform injects into every Job container.
pub const RESERVED_ENV: [&str; 2] = ["HOSTNAME", "K8S_POD_ID"];

/// Kubernetes' limit on Indexed Jobs' completions and parallelism.
pub const INDEXED_MAX: u32 = 100_000;

/// The largest data of a ConfigMap or Secret, in bytes.
pub const DATA_MAX: usize = 1024 * 1024;

/// The largest total size of an object's annotations (keys and values), in bytes.
pub const ANNOTATIONS_MAX: usize = 256 * 1024;

/// The pod-template labels the Job controller sets (and the API server
/// refuses with another value, since the generated selector needs them).
pub const JOB_CONTROLLER_LABELS: [&str; 4] = [
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-name",
    "controller-uid",
    "job-name",
];

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
    /// `kubernetes.label_value`: metadata labels' values, and metadata id, org and env (which become label values): at most 63 characters, alphanumeric at both ends.
    LabelValue,
    /// `kubernetes.label_key`: metadata label keys are qualified names (an optional DNS-1123 subdomain prefix and '/', then at most 63 letters, digits, '-', '_' and '.'), and not a key the Job controller sets on the pods.
    LabelKey,
    /// `kubernetes.label_overridden` (warning): a metadata label with a key planton sets (`planton.ai/...`) and another value is overridden by planton's.
    LabelOverridden,
    /// `kubernetes.annotation`: metadata annotation keys are qualified names, and all annotations together are at most 256 KiB.
    Annotation,
    /// `kubernetes.env_var_name`: environment variable names are printable ASCII without '='; a secret with a literal value also names a key of the env Secret (letters, digits, '-', '_', '.').
    EnvVarName,
    /// `kubernetes.env_var_duplicate` (warning): an environment variable is defined once across variables and secrets; Kubernetes takes the last definition.
    EnvVarDuplicate,
    /// `kubernetes.env_var_value`: every environment variable has a value or a reference.
    EnvVarValue,
    /// `kubernetes.env_var_reserved` (warning): HOSTNAME and K8S_POD_ID are set by the Job; a definition of the same name overrides it.
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
    /// `kubernetes.volume_source`: a volume mount has at most one source (none is an `emptyDir`, as Kubernetes defaults it).
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
    /// `kubernetes.indexed_limit`: an Indexed Job has a parallelism of at most 100000.
    IndexedLimit,
    /// `kubernetes.int32_range`: parallelism, completions, backoffLimit and ttlSecondsAfterFinished fit Kubernetes' int32.
    Int32Range,
    /// `kubernetes.int64_range`: activeDeadlineSeconds fits Kubernetes' int64.
    Int64Range,
    /// `kubernetes.image_reference`: the image has a valid repository and a tag or digest.
    ImageReference,
    /// `kubernetes.memory_bytes` (warning): memory quantities are whole bytes (the API server warns about fractional ones).
    MemoryBytes,
    /// `kubernetes.data_size`: a ConfigMap's or Secret's data is at most 1 MiB (1048576 bytes).
    DataSize,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Rule; 30] = [
        Rule::Dns1123Label,
        Rule::Dns1123Subdomain,
        Rule::NameLength,
        Rule::LabelValue,
        Rule::LabelKey,
        Rule::LabelOverridden,
        Rule::Annotation,
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
        Rule::MemoryBytes,
        Rule::DataSize,
    ];

    /// The rule id reported in violations, e.g. `kubernetes.dns1123_label`.
    pub fn id(self) -> &'static str {
        match self {
            Rule::Dns1123Label => "kubernetes.dns1123_label",
            Rule::Dns1123Subdomain => "kubernetes.dns1123_subdomain",
            Rule::NameLength => "kubernetes.name_length",
            Rule::LabelValue => "kubernetes.label_value",
            Rule::LabelKey => "kubernetes.label_key",
            Rule::LabelOverridden => "kubernetes.label_overridden",
            Rule::Annotation => "kubernetes.annotation",
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
            Rule::MemoryBytes => "kubernetes.memory_bytes",
            Rule::DataSize => "kubernetes.data_size",
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
                "metadata labels' values, and metadata id, org and env (which become label values): at most 63 characters, alphanumeric at both ends"
            }
            Rule::LabelKey => {
                "metadata label keys are qualified names (an optional DNS-1123 subdomain prefix and '/', then at most 63 letters, digits, '-', '_' and '.'), and not a key the Job controller sets on the pods"
            }
            Rule::LabelOverridden => {
                "a metadata label with a key planton sets (`planton.ai/...`) and another value is overridden by planton's"
            }
            Rule::Annotation => {
                "metadata annotation keys are qualified names, and all annotations together are at most 256 KiB"
            }
            Rule::EnvVarName => {
                "environment variable names are printable ASCII without '='; a secret with a literal value also names a key of the env Secret (letters, digits, '-', '_', '.')"
            }
            Rule::EnvVarDuplicate => {
                "an environment variable is defined once across variables and secrets; Kubernetes takes the last definition"
            }
            Rule::EnvVarValue => "every environment variable has a value or a reference",
            Rule::EnvVarReserved => {
                "HOSTNAME and K8S_POD_ID are set by the Job; a definition of the same name overrides it"
            }
            Rule::SecretKey => "Secret keys consist of alphanumerics, '-', '_' and '.'",
            Rule::SecretRefNamespace => "a referenced Secret lives in the Job's namespace",
            Rule::VolumeNameDuplicate => "volume names are unique",
            Rule::MountPathAbsolute => "mount paths are absolute",
            Rule::MountPathDuplicate => "mount paths are unique",
            Rule::VolumeSource => {
                "a volume mount has at most one source (none is an `emptyDir`, as Kubernetes defaults it)"
            }
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
            Rule::IndexedLimit => "an Indexed Job has a parallelism of at most 100000",
            Rule::Int32Range => {
                "parallelism, completions, backoffLimit and ttlSecondsAfterFinished fit Kubernetes' int32"
            }
            Rule::Int64Range => "activeDeadlineSeconds fits Kubernetes' int64",
            Rule::ImageReference => "the image has a valid repository and a tag or digest",
            Rule::MemoryBytes => {
                "memory quantities are whole bytes (the API server warns about fractional ones)"
            }
            Rule::DataSize => "a ConfigMap's or Secret's data is at most 1 MiB (1048576 bytes)",
        }
    }

    /// Whether breaking the rule refuses the input or only warns: warnings
    /// are the cases the API server accepts with a warning (a variable
    /// defined twice).
    pub fn severity(self) -> Severity {
        match self {
            Rule::EnvVarDuplicate
            | Rule::EnvVarReserved
            | Rule::MemoryBytes
            | Rule::LabelOverridden => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

struct Rules<'f> {
    out: Vec<Violation>,
    f: &'f Fields,
}

impl Rules<'_> {
    fn add(&mut self, path: impl Into<String>, rule: Rule, message: impl Into<String>) {
        self.out.push(violation(path, rule, message));
    }

    fn add_key(&mut self, path: impl Into<String>, rule: Rule, message: impl Into<String>) {
        self.out.push(violation(path, rule, message).on_key());
    }
}

fn violation(path: impl Into<String>, rule: Rule, message: impl Into<String>) -> Violation {
    let v = Violation::kubernetes(path, rule.id(), message);
    match rule.severity() {
        Severity::Warning => v.warning(),
        _ => v,
    }
}

/// Every Kubernetes rule `job` (a `KubernetesJob` message) breaks.
/// `resolved_namespace` is the namespace an orchestrator resolved for it (a
/// stack input's `kubernetes_namespace`), which wins over `spec.namespace`.
pub(crate) fn check(
    fields: &Fields,
    job: View<'_>,
    resolved_namespace: Option<&str>,
) -> Vec<Violation> {
    let mut r = Rules {
        out: Vec::new(),
        f: fields,
    };
    let spec = job.msg(&fields.job_spec);
    let indexed = spec.is_some_and(|s| s.opt_str(&fields.spec_completion_mode) == Some("Indexed"));
    metadata(&mut r, job, indexed);
    if let Some(spec) = spec {
        let namespace = namespace(&mut r, spec, resolved_namespace);
        image_rules(&mut r, spec);
        if let Some(res) = spec.msg(&fields.spec_resources) {
            resources(&mut r, res);
        }
        env(&mut r, spec, namespace);
        config_maps(&mut r, spec);
        volume_mounts(&mut r, spec);
        job_numbers(&mut r, spec);
    }
    r.out
}

/// Whether `name` is a dotted DNS-1123 subdomain that fits a label value: a
/// Job name the API server accepts with a warning.
fn dotted_job_name(name: &str) -> bool {
    name.contains('.')
        && names::dns1123_subdomain(name).is_none()
        && names::label_value(name).is_none()
}

fn metadata(r: &mut Rules, job: View<'_>, indexed: bool) {
    let f = r.f;
    let Some(meta) = job.msg(&f.job_metadata) else {
        return;
    };
    let name = meta.str(&f.meta_name);
    if name.is_empty() {
        r.add(
            "metadata.name",
            Rule::Dns1123Label,
            "a name is required: it names the Job and its objects",
        );
    } else if dotted_job_name(name) && !indexed {
        // Kubernetes warns: pods get names (and so hostnames) from the Job's.
        r.out.push(
            violation(
                "metadata.name",
                Rule::Dns1123Label,
                "should be a DNS-1123 label: the Job's pods are named after it, and a dot makes their hostnames surprising",
            )
            .warning(),
        );
    } else if let Some(why) = names::dns1123_label(name) {
        r.add(
            "metadata.name",
            Rule::Dns1123Label,
            format!(
                "{why}; it names the Job and is the value of its 'job-name' label{}",
                if indexed && dotted_job_name(name) {
                    ", and an Indexed Job's pods get the hostname '<name>-<index>'"
                } else {
                    ""
                }
            ),
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
    for (field, desc) in [
        ("id", &f.meta_id),
        ("org", &f.meta_org),
        ("env", &f.meta_env),
    ] {
        if let Some(why) = names::label_value(meta.str(desc)) {
            r.add(
                format!("metadata.{field}"),
                Rule::LabelValue,
                format!("{why}; it becomes a label value on every object"),
            );
        }
    }
    labels(r, meta);
    annotations(r, meta);
}

/// `metadata.labels`: keys and values as the API server requires them on
/// every object, no key the Job controller owns, and a warning for a
/// `planton.ai/...` label that planton's own overrides.
fn labels(r: &mut Rules, meta: View<'_>) {
    let f = r.f;
    let mut entries: Vec<(&str, &str)> = meta
        .map(&f.meta_labels)
        .iter()
        .map(|(k, v)| (k, v.as_str().unwrap_or("")))
        .collect();
    if entries.is_empty() {
        return;
    }
    // Sorted: the map's order is not deterministic.
    entries.sort_unstable();
    let planton = crate::transform::planton_labels(f, meta);
    for (key, value) in entries {
        let path = format!(
            "metadata.labels[{}]",
            planton_manifest::map_key_subscript(key)
        );
        if let Some(why) = names::qualified_name(key) {
            r.add_key(path.clone(), Rule::LabelKey, format!("label key {why}"));
        } else if JOB_CONTROLLER_LABELS.contains(&key) {
            r.add_key(
                path.clone(),
                Rule::LabelKey,
                "the Job controller sets this label on the pod template (its selector needs it): the API server refuses another value",
            );
        }
        if let Some(why) = names::label_value(value) {
            r.add(path.clone(), Rule::LabelValue, why);
        }
        if let Some(ours) = planton.get(key)
            && ours != value
        {
            r.add(
                path,
                Rule::LabelOverridden,
                format!(
                    "planton sets this label to '{}' on every object: this value is overridden",
                    Excerpt(ours)
                ),
            );
        }
    }
}

/// `metadata.annotations`: qualified-name keys (checked lowercased, as the
/// API server does) and a bounded total size.
fn annotations(r: &mut Rules, meta: View<'_>) {
    let f = r.f;
    let mut entries: Vec<(&str, &str)> = meta
        .map(&f.meta_annotations)
        .iter()
        .map(|(k, v)| (k, v.as_str().unwrap_or("")))
        .collect();
    if entries.is_empty() {
        return;
    }
    entries.sort_unstable();
    let mut total = 0usize;
    for &(key, value) in &entries {
        total = total.saturating_add(key.len()).saturating_add(value.len());
        if let Some(why) = names::qualified_name(&key.to_ascii_lowercase()) {
            r.add_key(
                format!(
                    "metadata.annotations[{}]",
                    planton_manifest::map_key_subscript(key)
                ),
                Rule::Annotation,
                format!("annotation key {why}"),
            );
        }
    }
    if total > ANNOTATIONS_MAX {
        r.add(
            "metadata.annotations",
            Rule::Annotation,
            format!("the annotations must be at most {ANNOTATIONS_MAX} bytes in total, keys and values (they have {total})"),
        );
    }
}

/// Checks the namespace and returns the one the Job will be created in, if known.
fn namespace<'a>(r: &mut Rules, spec: View<'a>, resolved: Option<&'a str>) -> Option<&'a str> {
    if let Some(ns) = resolved.filter(|ns| !ns.is_empty()) {
        if let Some(why) = names::dns1123_label(ns) {
            r.add(
                "kubernetes_namespace",
                Rule::Dns1123Label,
                format!("namespace {why}"),
            );
        }
        return Some(ns);
    }
    // A literal namespace (`value`), not a reference (`value_from`).
    let f = r.f;
    let ns = spec.msg(&f.spec_namespace)?.opt_str(&f.literal_value)?;
    if let Some(why) = names::dns1123_label(ns) {
        r.add(
            "spec.namespace.value",
            Rule::Dns1123Label,
            format!("namespace {why}"),
        );
    }
    Some(ns)
}

fn image_rules(r: &mut Rules, spec: View<'_>) {
    let f = r.f;
    let Some(img) = spec.msg(&f.spec_image) else {
        r.add(
            "spec.image",
            Rule::ImageReference,
            "an image is required: set 'repo' and 'tag'",
        );
        return;
    };
    let repo = img.str(&f.image_repo);
    if repo.is_empty() {
        r.add(
            "spec.image.repo",
            Rule::ImageReference,
            "an image repository is required",
        );
    } else if let Some(why) = image::repository(repo) {
        r.add(
            "spec.image.repo",
            Rule::ImageReference,
            format!("image repository {why}"),
        );
    }
    let tag = img.str(&f.image_tag);
    if tag.is_empty() {
        r.add(
            "spec.image.tag",
            Rule::ImageReference,
            "an image tag (or digest) is required",
        );
    } else if let Some(why) = image::tag_or_digest(tag) {
        r.add(
            "spec.image.tag",
            Rule::ImageReference,
            format!("image tag {why}"),
        );
    }
    let pull_secret = img.str(&f.image_pull_secret_name);
    if !pull_secret.is_empty()
        && let Some(why) = names::dns1123_subdomain(pull_secret)
    {
        r.add(
            "spec.image.pull_secret_name",
            Rule::Dns1123Subdomain,
            format!("Secret name {why}"),
        );
    }
}

fn resources(r: &mut Rules, res: View<'_>) {
    // The path is only formatted for a violation.
    let parse = |r: &mut Rules, side: &str, what: &str, text: &str| -> Option<Quantity> {
        if text.is_empty() {
            return None;
        }
        let path = || format!("spec.resources.{side}.{what}");
        match Quantity::parse(text) {
            Ok(q) if q.is_negative() => {
                r.add(path(), Rule::Quantity, "must not be negative");
                None
            }
            Ok(q) => Some(q),
            Err(e) => {
                r.add(path(), Rule::Quantity, e.to_string());
                None
            }
        }
    };
    let f = r.f;
    let side = |r: &mut Rules, name: &str, field| {
        let cm = res.msg(field);
        let text = |field| cm.map_or("", |cm| cm.str(field));
        (
            parse(r, name, "cpu", text(&f.cpu)),
            parse(r, name, "memory", text(&f.memory)),
        )
    };
    let (limit_cpu, limit_mem) = side(r, "limits", &f.resources_limits);
    let (req_cpu, req_mem) = side(r, "requests", &f.resources_requests);
    for (name, q) in [("limits", limit_mem), ("requests", req_mem)] {
        if q.is_some_and(|q| !q.is_whole_and_milli_fits()) {
            r.add(
                format!("spec.resources.{name}.memory"),
                Rule::MemoryBytes,
                "should be a whole number of bytes (no 'm' suffix or fraction; at most about 8 PiB): the API server warns",
            );
        }
    }
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

fn env(r: &mut Rules, spec: View<'_>, namespace: Option<&str>) {
    let f = r.f;
    let Some(env) = spec.msg(&f.spec_env) else {
        return;
    };
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
                "must be a valid environment variable name: printable ASCII characters other than '='",
            );
        }
        if RESERVED_ENV.contains(&name) {
            r.add_key(
                path(map, name),
                Rule::EnvVarReserved,
                format!("'{name}' is set by the Job itself; this definition comes later and overrides it"),
            );
        }
    };
    let variables = env.map(&f.env_variables);
    for (name, value) in variables.iter() {
        name_rules(r, "variables", name);
        // Neither member of the `literal_or_ref` oneof.
        if as_message(value)
            .is_none_or(|v| !v.has(&f.literal_value) && !v.has(&f.literal_value_from))
        {
            r.add(
                path("variables", name),
                Rule::EnvVarValue,
                "set 'value' (possibly \"\") or 'valueFrom': without either the variable would be left out of the Job",
            );
        }
    }
    let literal_bytes: usize = env
        .map(&f.env_secrets)
        .iter()
        .filter_map(|(_, v)| as_message(v))
        .map(|v| v.str(&f.sensitive_value).len())
        .sum();
    if literal_bytes > DATA_MAX {
        r.add(
            "spec.env.secrets",
            Rule::DataSize,
            format!("the literal values fill the Secret '<name>{ENV_SECRETS_SUFFIX}', whose data must be at most {DATA_MAX} bytes (they have {literal_bytes})"),
        );
    }
    for (name, value) in env.map(&f.env_secrets).iter() {
        name_rules(r, "secrets", name);
        if variables.contains_key(name) {
            r.add_key(
                path("secrets", name),
                Rule::EnvVarDuplicate,
                "also defined in 'variables': the container gets both definitions and the secret, which comes later, wins",
            );
        }
        let value = as_message(value);
        // A literal value is stored in the env Secret under the variable's name.
        if value.is_some_and(|v| v.has(&f.sensitive_value))
            && names::env_var_name(name)
            && let Some(why) = names::data_key(name)
        {
            r.add_key(
                path("secrets", name),
                Rule::EnvVarName,
                format!("a secret with a literal value is stored under its name in the Secret '<name>{ENV_SECRETS_SUFFIX}', whose key {why}"),
            );
        }
        // Neither member of the `sensitive_value` oneof.
        if value.is_none_or(|v| !v.has(&f.sensitive_value) && !v.has(&f.sensitive_secret_ref)) {
            r.add(
                path("secrets", name),
                Rule::EnvVarValue,
                "set 'value' or 'secretRef': without either the variable would be left out of the Job",
            );
        }
        let Some(sref) = value.and_then(|v| v.msg(&f.sensitive_secret_ref)) else {
            continue;
        };
        let base = || format!("{}.secret_ref", path("secrets", name));
        let sref_name = sref.str(&f.secret_ref_name);
        if !sref_name.is_empty()
            && let Some(why) = names::dns1123_subdomain(sref_name)
        {
            r.add(
                format!("{}.name", base()),
                Rule::Dns1123Subdomain,
                format!("Secret name {why}"),
            );
        }
        let key = sref.str(&f.secret_ref_key);
        if !key.is_empty()
            && let Some(why) = names::data_key(key)
        {
            r.add(
                format!("{}.key", base()),
                Rule::SecretKey,
                format!("Secret key {why}"),
            );
        }
        let sref_ns = sref.str(&f.secret_ref_namespace);
        if let Some(ns) = namespace
            && !sref_ns.is_empty()
            && sref_ns != ns
        {
            r.add(
                format!("{}.namespace", base()),
                Rule::SecretRefNamespace,
                format!("the Secret must be in the Job's namespace '{}': a pod can only read Secrets of its own namespace", Excerpt(ns)),
            );
        }
    }
}

fn config_maps(r: &mut Rules, spec: View<'_>) {
    for (name, value) in spec.map(&r.f.spec_config_maps).iter() {
        if let planton_api::prost_reflect::Value::String(data) = value
            && data.len() > DATA_MAX
        {
            r.add(
                format!(
                    "spec.config_maps[{}]",
                    planton_manifest::map_key_subscript(name)
                ),
                Rule::DataSize,
                format!(
                    "the ConfigMap's data must be at most {DATA_MAX} bytes (it has {})",
                    data.len()
                ),
            );
        }
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

fn volume_mounts(r: &mut Rules, spec: View<'_>) {
    let mut names_seen = FirstSeen::default();
    let mut paths_seen = FirstSeen::default();
    let f = r.f;
    for (i, vm) in spec.messages(&f.spec_volume_mounts).enumerate() {
        let base = MountPath(i);
        let name = vm.str(&f.mount_name);
        if !name.is_empty() {
            if let Some(why) = names::dns1123_label(name) {
                r.add(
                    format!("{base}.name"),
                    Rule::Dns1123Label,
                    format!("volume name {why}"),
                );
            }
            if let Some(first) = names_seen.insert(name, i) {
                r.add(
                    format!("{base}.name"),
                    Rule::VolumeNameDuplicate,
                    format!("volume name already used by volume_mounts[{first}]"),
                );
            }
        }
        let mount_path = vm.str(&f.mount_path);
        if !mount_path.is_empty() {
            if !mount_path.starts_with('/') {
                r.add(
                    format!("{base}.mount_path"),
                    Rule::MountPathAbsolute,
                    "must be an absolute path",
                );
            }
            if let Some(first) = paths_seen.insert(mount_path, i) {
                r.add(
                    format!("{base}.mount_path"),
                    Rule::MountPathDuplicate,
                    format!("mount path already used by volume_mounts[{first}]"),
                );
            }
        }
        let sub_path = vm.str(&f.mount_sub_path);
        if !sub_path.is_empty()
            && let Some(why) = names::relative_path(sub_path)
        {
            r.add(format!("{base}.sub_path"), Rule::RelativePath, why);
        }
        volume_source(r, spec, vm, base);
    }
}

/// `spec.volume_mounts[i]`, written out only when a violation names it.
#[derive(Clone, Copy)]
struct MountPath(usize);

impl std::fmt::Display for MountPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "spec.volume_mounts[{}]", self.0)
    }
}

/// The fields of a ConfigMap or Secret volume source.
struct KeyedSource<'f> {
    name: &'f FieldDescriptor,
    key: &'f FieldDescriptor,
    path: &'f FieldDescriptor,
    default_mode: &'f FieldDescriptor,
}

/// The rules of a ConfigMap or Secret volume source (the field `at` of a
/// mount); `kind` names the object in messages.
fn keyed_source(
    r: &mut Rules,
    source: View<'_>,
    fields: KeyedSource<'_>,
    (mount, at): (MountPath, &str),
    kind: &str,
    key_rule: Rule,
) {
    let name = source.str(fields.name);
    if !name.is_empty()
        && let Some(why) = names::dns1123_subdomain(name)
    {
        r.add(
            format!("{mount}.{at}.name"),
            Rule::Dns1123Subdomain,
            format!("{kind} name {why}"),
        );
    }
    let key = source.str(fields.key);
    if !key.is_empty()
        && let Some(why) = names::data_key(key)
    {
        r.add(
            format!("{mount}.{at}.key"),
            key_rule,
            format!("{kind} key {why}"),
        );
    }
    let path = source.str(fields.path);
    if !path.is_empty()
        && let Some(why) = names::relative_path(path)
    {
        r.add(format!("{mount}.{at}.path"), Rule::RelativePath, why);
    }
    if !(0..=0o777).contains(&source.i32(fields.default_mode)) {
        r.add(
            format!("{mount}.{at}.default_mode"),
            Rule::DefaultMode,
            "must be between 0 and 0777 (octal), i.e. 0 and 511",
        );
    }
}

fn volume_source(r: &mut Rules, spec: View<'_>, vm: View<'_>, base: MountPath) {
    let f = r.f;
    let config_map = vm.msg(&f.mount_config_map);
    let secret = vm.msg(&f.mount_secret);
    let host_path = vm.msg(&f.mount_host_path);
    let empty_dir = vm.msg(&f.mount_empty_dir);
    let pvc = vm.msg(&f.mount_pvc);
    let count = [
        config_map.is_some(),
        secret.is_some(),
        host_path.is_some(),
        empty_dir.is_some(),
        pvc.is_some(),
    ]
    .into_iter()
    .filter(|&set| set)
    .count();
    // None is an emptyDir: the API server defaults a volume without a source so.
    if count > 1 {
        r.add(
            base.to_string(), Rule::VolumeSource,
            format!("at most one of 'configMap', 'secret', 'hostPath', 'emptyDir' or 'pvc' may be set ({count} are)"),
        );
    }
    if let Some(cm) = config_map {
        let fields = KeyedSource {
            name: &f.config_map_name,
            key: &f.config_map_key,
            path: &f.config_map_path,
            default_mode: &f.config_map_default_mode,
        };
        keyed_source(
            r,
            cm,
            fields,
            (base, "config_map"),
            "ConfigMap",
            Rule::ConfigMapKey,
        );
        let (name, key) = (cm.str(&f.config_map_name), cm.str(&f.config_map_key));
        // A ConfigMap from spec.config_maps has one key: its own name.
        if !key.is_empty()
            && names::data_key(key).is_none()
            && key != name
            && spec.map(&f.spec_config_maps).contains_key(name)
        {
            r.add(
                format!("{base}.config_map.key"),
                Rule::ConfigMapKeyMissing,
                format!(
                    "ConfigMap '{0}' from spec.config_maps has the single key '{0}'",
                    Excerpt(name)
                ),
            );
        }
    }
    if let Some(s) = secret {
        let fields = KeyedSource {
            name: &f.secret_name,
            key: &f.secret_key,
            path: &f.secret_path,
            default_mode: &f.secret_default_mode,
        };
        keyed_source(r, s, fields, (base, "secret"), "Secret", Rule::SecretKey);
    }
    if let Some(h) = host_path
        && let Some(why) = names::backsteps(h.str(&f.host_path_path))
    {
        r.add(format!("{base}.host_path.path"), Rule::RelativePath, why);
    }
    if let Some(e) = empty_dir {
        let size_limit = e.str(&f.empty_dir_size_limit);
        if !size_limit.is_empty() {
            match Quantity::parse(size_limit) {
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
    }
    if let Some(pvc) = pvc {
        let claim = pvc.str(&f.pvc_claim_name);
        if !claim.is_empty()
            && let Some(why) = names::dns1123_subdomain(claim)
        {
            r.add(
                format!("{base}.pvc.claim_name"),
                Rule::Dns1123Subdomain,
                format!("claim name {why}"),
            );
        }
    }
}

fn job_numbers(r: &mut Rules, spec: View<'_>) {
    let f = r.f;
    for (field, desc) in [
        ("parallelism", &f.spec_parallelism),
        ("completions", &f.spec_completions),
        ("backoff_limit", &f.spec_backoff_limit),
        (
            "ttl_seconds_after_finished",
            &f.spec_ttl_seconds_after_finished,
        ),
    ] {
        if spec.opt_u32(desc).is_some_and(|v| v > i32::MAX as u32) {
            r.add(
                format!("spec.{field}"),
                Rule::Int32Range,
                format!("must be at most {} (a Kubernetes int32)", i32::MAX),
            );
        }
    }
    if spec
        .opt_u64(&f.spec_active_deadline_seconds)
        .is_some_and(|v| v > i64::MAX as u64)
    {
        r.add(
            "spec.active_deadline_seconds",
            Rule::Int64Range,
            format!("must be at most {} (a Kubernetes int64)", i64::MAX),
        );
    }
    if spec.opt_str(&f.spec_completion_mode) == Some("Indexed") {
        match spec.opt_u32(&f.spec_completions) {
            None | Some(0) => r.add(
                "spec.completions",
                Rule::IndexedCompletions,
                "an Indexed Job needs 'completions' (the number of indexes)",
            ),
            // More completions are allowed (the limit applies only with a
            // backoff limit per index, which is not rendered).
            _ => {}
        }
        if spec
            .opt_u32(&f.spec_parallelism)
            .is_some_and(|p| p > INDEXED_MAX)
        {
            r.add(
                "spec.parallelism",
                Rule::IndexedLimit,
                format!("an Indexed Job may have a parallelism of at most {INDEXED_MAX}"),
            );
        }
    }
}
