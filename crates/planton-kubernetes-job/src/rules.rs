//! The rules the Kubernetes API server would enforce at apply time, checked
//! on the manifest so users learn of them at plan time.
//!
//! Paths are relative to the `KubernetesJob` message, in protovalidate's form
//! with proto field names. Messages never include a secret value.

use planton_manifest::{Severity, Violation};
use planton_text::Excerpt;

use crate::quantity::Quantity;
use planton_api::view::{
    CloudResourceMetadataView, ConfigMapVolumeSourceView, ContainerResourcesView,
    KubernetesJobSpecView, KubernetesJobView, SecretVolumeSourceView, VolumeMountView,
};

use crate::view::FirstSeen;
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

/// Declares the rules, each once: variant, id, severity and summary. The
/// enum and its docs, [`Rule::id`], [`Rule::summary`], [`Rule::severity`]
/// and [`Rule::ALL`] all come from this one list.
macro_rules! rules {
    ($($variant:ident = $id:literal, $severity:ident, $summary:literal;)*) => {
        /// A Kubernetes rule checked at plan time.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Rule {
            $(
                #[doc = concat!("`", $id, "` (", stringify!($severity), "): ", $summary, ".")]
                $variant,
            )*
        }

        impl Rule {
            /// Every rule, in declaration order.
            pub const ALL: [Rule; [$(Rule::$variant),*].len()] = [$(Rule::$variant),*];

            /// The rule id reported in violations, e.g. `kubernetes.dns1123_label`.
            pub fn id(self) -> &'static str {
                match self {
                    $(Rule::$variant => $id,)*
                }
            }

            /// What the rule requires, in one line.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Rule::$variant => $summary,)*
                }
            }

            /// Whether breaking the rule refuses the input or only warns:
            /// warnings are the cases the API server accepts with a warning
            /// (a variable defined twice).
            pub fn severity(self) -> Severity {
                match self {
                    $(Rule::$variant => Severity::$severity,)*
                }
            }
        }
    };
}

rules! {
    Dns1123Label = "kubernetes.dns1123_label", Error,
        "names that become DNS-1123 labels (metadata.name, namespace, volume names): lowercase alphanumerics and '-', at most 63 characters";
    Dns1123Subdomain = "kubernetes.dns1123_subdomain", Error,
        "object names (ConfigMaps, Secrets, claims): DNS-1123 subdomains of at most 253 characters";
    NameLength = "kubernetes.name_length", Error,
        "derived object names (`<name>-env-secrets`, `<name>-image-pull-secret`) within 253 characters";
    LabelValue = "kubernetes.label_value", Error,
        "metadata labels' values, and metadata id, org and env (which become label values): at most 63 characters, alphanumeric at both ends";
    LabelKey = "kubernetes.label_key", Error,
        "metadata label keys are qualified names (an optional DNS-1123 subdomain prefix and '/', then at most 63 letters, digits, '-', '_' and '.'), and not a key the Job controller sets on the pods";
    LabelOverridden = "kubernetes.label_overridden", Warning,
        "a metadata label with a key planton sets (`planton.ai/...`) and another value is overridden by planton's";
    Annotation = "kubernetes.annotation", Error,
        "metadata annotation keys are qualified names, and all annotations together are at most 256 KiB";
    EnvVarName = "kubernetes.env_var_name", Error,
        "environment variable names are printable ASCII without '='; a secret with a literal value also names a key of the env Secret (letters, digits, '-', '_', '.')";
    EnvVarDuplicate = "kubernetes.env_var_duplicate", Warning,
        "an environment variable is defined once across variables and secrets; Kubernetes takes the last definition";
    EnvVarValue = "kubernetes.env_var_value", Error,
        "every environment variable has a value or a reference";
    EnvVarReserved = "kubernetes.env_var_reserved", Warning,
        "HOSTNAME and K8S_POD_ID are set by the Job; a definition of the same name overrides it";
    SecretKey = "kubernetes.secret_key", Error,
        "Secret keys consist of alphanumerics, '-', '_' and '.'";
    SecretRefNamespace = "kubernetes.secret_ref_namespace", Error,
        "a referenced Secret lives in the Job's namespace";
    VolumeNameDuplicate = "kubernetes.volume_name_duplicate", Error,
        "volume names are unique";
    MountPathAbsolute = "kubernetes.mount_path_absolute", Error,
        "mount paths are absolute";
    MountPathDuplicate = "kubernetes.mount_path_duplicate", Error,
        "mount paths are unique";
    VolumeSource = "kubernetes.volume_source", Error,
        "a volume mount has at most one source (none is an `emptyDir`, as Kubernetes defaults it)";
    DefaultMode = "kubernetes.default_mode", Error,
        "file modes are within 0..=0777";
    ConfigMapKey = "kubernetes.config_map_key", Error,
        "ConfigMap keys consist of alphanumerics, '-', '_' and '.'";
    ConfigMapKeyMissing = "kubernetes.config_map_key_missing", Error,
        "a mount of a ConfigMap from spec.config_maps names its only key";
    RelativePath = "kubernetes.relative_path", Error,
        "item paths and sub-paths are relative, and no path has a '..' element";
    Quantity = "kubernetes.quantity", Error,
        "resource quantities parse as Kubernetes quantities and are not negative";
    RequestsWithinLimits = "kubernetes.requests_within_limits", Error,
        "each resource request is at most its limit";
    IndexedCompletions = "kubernetes.indexed_completions", Error,
        "an Indexed Job sets completions";
    IndexedLimit = "kubernetes.indexed_limit", Error,
        "an Indexed Job has a parallelism of at most 100000";
    Int32Range = "kubernetes.int32_range", Error,
        "parallelism, completions, backoffLimit and ttlSecondsAfterFinished fit Kubernetes' int32";
    Int64Range = "kubernetes.int64_range", Error,
        "activeDeadlineSeconds fits Kubernetes' int64";
    ImageReference = "kubernetes.image_reference", Error,
        "the image has a valid repository and a tag or digest";
    MemoryBytes = "kubernetes.memory_bytes", Warning,
        "memory quantities are whole bytes (the API server warns about fractional ones)";
    DataSize = "kubernetes.data_size", Error,
        "a ConfigMap's or Secret's data is at most 1 MiB (1048576 bytes)";
    DockerConfigJson = "kubernetes.docker_config_json", Error,
        "a stack input's docker_config_json is a JSON object (the content of a docker config.json)";
}

struct Rules {
    out: Vec<Violation>,
}

impl Rules {
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
    job: KubernetesJobView<'_>,
    resolved_namespace: Option<&str>,
) -> Vec<Violation> {
    let mut r = Rules { out: Vec::new() };
    let spec = job.spec();
    let indexed = spec.is_some_and(|s| s.completion_mode() == Some("Indexed"));
    metadata(&mut r, job, indexed);
    if let Some(spec) = spec {
        let namespace = namespace(&mut r, spec, resolved_namespace);
        image_rules(&mut r, spec);
        if let Some(res) = spec.resources() {
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

fn metadata(r: &mut Rules, job: KubernetesJobView<'_>, indexed: bool) {
    let Some(meta) = job.metadata() else {
        return;
    };
    let name = meta.name();
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
    for (field, value) in [("id", meta.id()), ("org", meta.org()), ("env", meta.env())] {
        if let Some(why) = names::label_value(value) {
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
fn labels(r: &mut Rules, meta: CloudResourceMetadataView<'_>) {
    let mut entries: Vec<(&str, &str)> = meta.labels().iter().collect();
    if entries.is_empty() {
        return;
    }
    // Sorted: the map's order is not deterministic.
    entries.sort_unstable();
    let planton = crate::transform::planton_labels(meta);
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
fn annotations(r: &mut Rules, meta: CloudResourceMetadataView<'_>) {
    let mut entries: Vec<(&str, &str)> = meta.annotations().iter().collect();
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
fn namespace<'a>(
    r: &mut Rules,
    spec: KubernetesJobSpecView<'a>,
    resolved: Option<&'a str>,
) -> Option<&'a str> {
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
    let ns = spec.namespace()?.value()?;
    if let Some(why) = names::dns1123_label(ns) {
        r.add(
            "spec.namespace.value",
            Rule::Dns1123Label,
            format!("namespace {why}"),
        );
    }
    Some(ns)
}

fn image_rules(r: &mut Rules, spec: KubernetesJobSpecView<'_>) {
    let Some(img) = spec.image() else {
        r.add(
            "spec.image",
            Rule::ImageReference,
            "an image is required: set 'repo' and 'tag'",
        );
        return;
    };
    let repo = img.repo();
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
    let tag = img.tag();
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
    let pull_secret = img.pull_secret_name();
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

fn resources(r: &mut Rules, res: ContainerResourcesView<'_>) {
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
    let side = |r: &mut Rules, name: &str, cm: Option<planton_api::view::CpuMemoryView<'_>>| {
        (
            parse(r, name, "cpu", cm.map_or("", |cm| cm.cpu())),
            parse(r, name, "memory", cm.map_or("", |cm| cm.memory())),
        )
    };
    let (limit_cpu, limit_mem) = side(r, "limits", res.limits());
    let (req_cpu, req_mem) = side(r, "requests", res.requests());
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

fn env(r: &mut Rules, spec: KubernetesJobSpecView<'_>, namespace: Option<&str>) {
    let Some(env) = spec.env() else {
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
    let variables = env.variables();
    for (name, value) in variables.iter() {
        name_rules(r, "variables", name);
        // Neither member of the `literal_or_ref` oneof.
        if value.value().is_none() && value.value_from().is_none() {
            r.add(
                path("variables", name),
                Rule::EnvVarValue,
                "set 'value' (possibly \"\") or 'valueFrom': without either the variable would be left out of the Job",
            );
        }
    }
    let literal_bytes: usize = env
        .secrets()
        .iter()
        .map(|(_, v)| v.value().map_or(0, str::len))
        .sum();
    if literal_bytes > DATA_MAX {
        r.add(
            "spec.env.secrets",
            Rule::DataSize,
            format!("the literal values fill the Secret '<name>{ENV_SECRETS_SUFFIX}', whose data must be at most {DATA_MAX} bytes (they have {literal_bytes})"),
        );
    }
    for (name, value) in env.secrets().iter() {
        name_rules(r, "secrets", name);
        if variables.contains_key(name) {
            r.add_key(
                path("secrets", name),
                Rule::EnvVarDuplicate,
                "also defined in 'variables': the container gets both definitions and the secret, which comes later, wins",
            );
        }
        // A literal value is stored in the env Secret under the variable's name.
        if value.value().is_some()
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
        if value.value().is_none() && value.secret_ref().is_none() {
            r.add(
                path("secrets", name),
                Rule::EnvVarValue,
                "set 'value' or 'secretRef': without either the variable would be left out of the Job",
            );
        }
        let Some(sref) = value.secret_ref() else {
            continue;
        };
        let base = || format!("{}.secret_ref", path("secrets", name));
        let sref_name = sref.name();
        if !sref_name.is_empty()
            && let Some(why) = names::dns1123_subdomain(sref_name)
        {
            r.add(
                format!("{}.name", base()),
                Rule::Dns1123Subdomain,
                format!("Secret name {why}"),
            );
        }
        let key = sref.key();
        if !key.is_empty()
            && let Some(why) = names::data_key(key)
        {
            r.add(
                format!("{}.key", base()),
                Rule::SecretKey,
                format!("Secret key {why}"),
            );
        }
        let sref_ns = sref.namespace();
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

fn config_maps(r: &mut Rules, spec: KubernetesJobSpecView<'_>) {
    for (name, data) in spec.config_maps().iter() {
        if data.len() > DATA_MAX {
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

fn volume_mounts(r: &mut Rules, spec: KubernetesJobSpecView<'_>) {
    let mut names_seen = FirstSeen::default();
    let mut paths_seen = FirstSeen::default();
    for (i, vm) in spec.volume_mounts().iter().enumerate() {
        let base = MountPath(i);
        let name = vm.name();
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
        let mount_path = vm.mount_path();
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
        let sub_path = vm.sub_path();
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
struct KeyedSource<'a> {
    name: &'a str,
    key: &'a str,
    path: &'a str,
    default_mode: i32,
}

impl<'a> From<ConfigMapVolumeSourceView<'a>> for KeyedSource<'a> {
    fn from(v: ConfigMapVolumeSourceView<'a>) -> Self {
        KeyedSource {
            name: v.name(),
            key: v.key(),
            path: v.path(),
            default_mode: v.default_mode(),
        }
    }
}

impl<'a> From<SecretVolumeSourceView<'a>> for KeyedSource<'a> {
    fn from(v: SecretVolumeSourceView<'a>) -> Self {
        KeyedSource {
            name: v.name(),
            key: v.key(),
            path: v.path(),
            default_mode: v.default_mode(),
        }
    }
}

/// The rules of a ConfigMap or Secret volume source (the field `at` of a
/// mount); `kind` names the object in messages.
fn keyed_source(
    r: &mut Rules,
    source: KeyedSource<'_>,
    (mount, at): (MountPath, &str),
    kind: &str,
    key_rule: Rule,
) {
    let name = source.name;
    if !name.is_empty()
        && let Some(why) = names::dns1123_subdomain(name)
    {
        r.add(
            format!("{mount}.{at}.name"),
            Rule::Dns1123Subdomain,
            format!("{kind} name {why}"),
        );
    }
    let key = source.key;
    if !key.is_empty()
        && let Some(why) = names::data_key(key)
    {
        r.add(
            format!("{mount}.{at}.key"),
            key_rule,
            format!("{kind} key {why}"),
        );
    }
    let path = source.path;
    if !path.is_empty()
        && let Some(why) = names::relative_path(path)
    {
        r.add(format!("{mount}.{at}.path"), Rule::RelativePath, why);
    }
    if !(0..=0o777).contains(&source.default_mode) {
        r.add(
            format!("{mount}.{at}.default_mode"),
            Rule::DefaultMode,
            "must be between 0 and 0777 (octal), i.e. 0 and 511",
        );
    }
}

fn volume_source(
    r: &mut Rules,
    spec: KubernetesJobSpecView<'_>,
    vm: VolumeMountView<'_>,
    base: MountPath,
) {
    let config_map = vm.config_map();
    let secret = vm.secret();
    let host_path = vm.host_path();
    let empty_dir = vm.empty_dir();
    let pvc = vm.pvc();
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
        keyed_source(
            r,
            cm.into(),
            (base, "config_map"),
            "ConfigMap",
            Rule::ConfigMapKey,
        );
        let (name, key) = (cm.name(), cm.key());
        // A ConfigMap from spec.config_maps has one key: its own name.
        if !key.is_empty()
            && names::data_key(key).is_none()
            && key != name
            && spec.config_maps().contains_key(name)
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
        keyed_source(r, s.into(), (base, "secret"), "Secret", Rule::SecretKey);
    }
    if let Some(h) = host_path
        && let Some(why) = names::backsteps(h.path())
    {
        r.add(format!("{base}.host_path.path"), Rule::RelativePath, why);
    }
    if let Some(e) = empty_dir {
        let size_limit = e.size_limit();
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
        let claim = pvc.claim_name();
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

fn job_numbers(r: &mut Rules, spec: KubernetesJobSpecView<'_>) {
    for (field, value) in [
        ("parallelism", spec.parallelism()),
        ("completions", spec.completions()),
        ("backoff_limit", spec.backoff_limit()),
        (
            "ttl_seconds_after_finished",
            spec.ttl_seconds_after_finished(),
        ),
    ] {
        if value.is_some_and(|v| v > i32::MAX as u32) {
            r.add(
                format!("spec.{field}"),
                Rule::Int32Range,
                format!("must be at most {} (a Kubernetes int32)", i32::MAX),
            );
        }
    }
    if spec
        .active_deadline_seconds()
        .is_some_and(|v| v > i64::MAX as u64)
    {
        r.add(
            "spec.active_deadline_seconds",
            Rule::Int64Range,
            format!("must be at most {} (a Kubernetes int64)", i64::MAX),
        );
    }
    if spec.completion_mode() == Some("Indexed") {
        match spec.completions() {
            None | Some(0) => r.add(
                "spec.completions",
                Rule::IndexedCompletions,
                "an Indexed Job needs 'completions' (the number of indexes)",
            ),
            // More completions are allowed (the limit applies only with a
            // backoff limit per index, which is not rendered).
            _ => {}
        }
        if spec.parallelism().is_some_and(|p| p > INDEXED_MAX) {
            r.add(
                "spec.parallelism",
                Rule::IndexedLimit,
                format!("an Indexed Job may have a parallelism of at most {INDEXED_MAX}"),
            );
        }
    }
}
