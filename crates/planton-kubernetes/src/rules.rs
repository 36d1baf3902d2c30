//! The rules the Kubernetes API server would enforce at apply time on the
//! parts every component shares, checked on the manifest so users learn of
//! them at plan time.
//!
//! Each check reads a typed view and takes the path of what it reads (`at`,
//! e.g. `spec.image`): violation paths are in protovalidate's form with proto
//! field names. Messages never include a secret value.

use std::collections::BTreeMap;

use planton_api::view::{
    CloudResourceMetadataView, ConfigMapVolumeSourceView, ContainerImageView,
    ContainerResourcesView, CpuMemoryView, KubernetesSensitiveValueView, List, Map,
    SecretVolumeSourceView, StringValueOrRefView, VolumeMountView,
};
use planton_manifest::{Severity, Violation};
use planton_text::Excerpt;

use crate::quantity::Quantity;
use crate::{image as images, names};

/// The largest data of a ConfigMap or Secret, in bytes.
pub const DATA_MAX: usize = 1024 * 1024;

/// The largest total size of an object's annotations (keys and values), in bytes.
pub const ANNOTATIONS_MAX: usize = 256 * 1024;

/// Suffix of the derived env Secret's name.
pub const ENV_SECRETS_SUFFIX: &str = "-env-secrets";
/// Suffix of the derived image-pull Secret's name.
pub const IMAGE_PULL_SECRET_SUFFIX: &str = "-image-pull-secret";

/// A rule a violation names: its id and whether it refuses or warns.
/// Implemented by every enum [`declare_rules!`](crate::declare_rules) makes.
pub trait KubernetesRule: Copy {
    /// The rule id reported in violations, e.g. `kubernetes.dns1123_label`.
    fn id(self) -> &'static str;
    /// Whether breaking the rule refuses the input or only warns.
    fn severity(self) -> Severity;
}

/// Declares an enum of rules, each once: variant, id, severity (`Error` or
/// `Warning`) and a one-line summary. The enum and its docs, `id()`,
/// `summary()`, `severity()`, `ALL` and the [`KubernetesRule`] impl all come
/// from the one list.
///
/// ```
/// planton_kubernetes::declare_rules! {
///     /// The rules of my component.
///     pub enum MyRule {
///         Replicas = "kubernetes.replicas", Error, "replicas fit Kubernetes' int32";
///     }
/// }
/// assert_eq!(MyRule::ALL.map(MyRule::id), ["kubernetes.replicas"]);
/// ```
#[macro_export]
macro_rules! declare_rules {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($variant:ident = $id:literal, $severity:ident, $summary:literal;)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $(
                #[doc = concat!("`", $id, "` (", stringify!($severity), "): ", $summary, ".")]
                $variant,
            )*
        }

        impl $name {
            /// Every rule, in declaration order.
            pub const ALL: [$name; [$($name::$variant),*].len()] = [$($name::$variant),*];

            /// The rule id reported in violations.
            pub fn id(self) -> &'static str {
                match self {
                    $($name::$variant => $id,)*
                }
            }

            /// What the rule requires, in one line.
            pub fn summary(self) -> &'static str {
                match self {
                    $($name::$variant => $summary,)*
                }
            }

            /// Whether breaking the rule refuses the input or only warns:
            /// warnings are the cases the API server accepts with a warning.
            pub fn severity(self) -> $crate::Severity {
                match self {
                    $($name::$variant => $crate::Severity::$severity,)*
                }
            }
        }

        impl $crate::KubernetesRule for $name {
            fn id(self) -> &'static str {
                $name::id(self)
            }

            fn severity(self) -> $crate::Severity {
                $name::severity(self)
            }
        }
    };
}

declare_rules! {
    /// A rule on what every Kubernetes component shares, checked at plan time.
    pub enum Rule {
        Dns1123Label = "kubernetes.dns1123_label", Error,
            "names that become DNS-1123 labels (metadata.name, namespace, volume names): lowercase alphanumerics and '-', at most 63 characters";
        Dns1123Subdomain = "kubernetes.dns1123_subdomain", Error,
            "object names (ConfigMaps, Secrets, claims): DNS-1123 subdomains of at most 253 characters";
        NameLength = "kubernetes.name_length", Error,
            "derived object names (`<name>-env-secrets`, `<name>-image-pull-secret`) within 253 characters";
        LabelValue = "kubernetes.label_value", Error,
            "metadata labels' values, and metadata id, org and env (which become label values): at most 63 characters, alphanumeric at both ends";
        LabelKey = "kubernetes.label_key", Error,
            "metadata label keys are qualified names (an optional DNS-1123 subdomain prefix and '/', then at most 63 letters, digits, '-', '_' and '.'), and not a key the workload's controller sets on the pods";
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
            "variables the component sets itself (a Job: HOSTNAME and K8S_POD_ID) are not defined again; a definition of the same name overrides it";
        SecretKey = "kubernetes.secret_key", Error,
            "Secret keys consist of alphanumerics, '-', '_' and '.'";
        SecretRefNamespace = "kubernetes.secret_ref_namespace", Error,
            "a referenced Secret lives in the workload's namespace";
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
        ImageReference = "kubernetes.image_reference", Error,
            "the image has a valid repository and a tag or digest";
        MemoryBytes = "kubernetes.memory_bytes", Warning,
            "memory quantities are whole bytes (the API server warns about fractional ones)";
        DataSize = "kubernetes.data_size", Error,
            "a ConfigMap's or Secret's data is at most 1 MiB (1048576 bytes)";
        DockerConfigJson = "kubernetes.docker_config_json", Error,
            "a stack input's docker_config_json is a JSON object (the content of a docker config.json)";
    }
}

/// A violation of `rule` at `path`, with the rule's severity.
pub fn violation(
    path: impl Into<String>,
    rule: impl KubernetesRule,
    message: impl Into<String>,
) -> Violation {
    let v = Violation::kubernetes(path, rule.id(), message);
    match rule.severity() {
        Severity::Warning => v.warning(),
        _ => v,
    }
}

/// The violations found so far, in the order found.
#[derive(Debug, Default)]
pub struct Findings {
    out: Vec<Violation>,
}

impl Findings {
    /// No violation yet.
    pub fn new() -> Self {
        Findings::default()
    }

    /// Records a violation of `rule` about the value at `path`.
    pub fn add(
        &mut self,
        path: impl Into<String>,
        rule: impl KubernetesRule,
        message: impl Into<String>,
    ) {
        self.out.push(violation(path, rule, message));
    }

    /// Records a violation of `rule` about the map key at `path`.
    pub fn add_key(
        &mut self,
        path: impl Into<String>,
        rule: impl KubernetesRule,
        message: impl Into<String>,
    ) {
        self.out.push(violation(path, rule, message).on_key());
    }

    /// Records a violation made by the caller.
    pub fn push(&mut self, violation: Violation) {
        self.out.push(violation);
    }

    /// The violations found so far.
    pub fn violations(&self) -> &[Violation] {
        &self.out
    }

    /// The violations found.
    pub fn into_violations(self) -> Vec<Violation> {
        self.out
    }
}

/// `[key]` of a map field, quoted as in violation paths.
fn subscript(key: &str) -> String {
    format!("[{}]", planton_manifest::map_key_subscript(key))
}

/// The labels planton sets on every object of a component of `kind`:
/// `planton.ai/resource`, `name`, `kind`, and `id`, `organization`,
/// `environment` when the metadata has them.
pub fn planton_labels(meta: CloudResourceMetadataView<'_>, kind: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::from([
        ("planton.ai/resource".to_owned(), "true".to_owned()),
        ("planton.ai/name".to_owned(), meta.name().to_owned()),
        ("planton.ai/kind".to_owned(), kind.to_owned()),
    ]);
    for (key, value) in [
        ("planton.ai/id", meta.id()),
        ("planton.ai/organization", meta.org()),
        ("planton.ai/environment", meta.env()),
    ] {
        if !value.is_empty() {
            labels.insert(key.to_owned(), value.to_owned());
        }
    }
    labels
}

/// The rules on a workload's metadata that do not depend on its kind:
/// metadata id, org and env become label values; the derived Secret names
/// fit; labels and annotations (see [`labels`], [`annotations`]).
pub fn metadata(
    out: &mut Findings,
    meta: CloudResourceMetadataView<'_>,
    kind: &str,
    controller_labels: &[&str],
) {
    let name = meta.name();
    for suffix in [ENV_SECRETS_SUFFIX, IMAGE_PULL_SECRET_SUFFIX] {
        let derived = name.len() + suffix.len();
        if derived > names::SUBDOMAIN_MAX {
            out.add(
                "metadata.name",
                Rule::NameLength,
                format!(
                    "the derived Secret name '<name>{suffix}' would be {derived} characters, over {}",
                    names::SUBDOMAIN_MAX
                ),
            );
        }
    }
    for (field, value) in [("id", meta.id()), ("org", meta.org()), ("env", meta.env())] {
        if let Some(why) = names::label_value(value) {
            out.add(
                format!("metadata.{field}"),
                Rule::LabelValue,
                format!("{why}; it becomes a label value on every object"),
            );
        }
    }
    labels(out, meta, kind, controller_labels);
    annotations(out, meta);
}

/// `metadata.labels`: keys and values as the API server requires them on
/// every object, no key the workload's controller owns (`controller_labels`,
/// named after `kind`), and a warning for a `planton.ai/...` label that
/// planton's own overrides.
pub fn labels(
    out: &mut Findings,
    meta: CloudResourceMetadataView<'_>,
    kind: &str,
    controller_labels: &[&str],
) {
    let mut entries: Vec<(&str, &str)> = meta.labels().iter().collect();
    if entries.is_empty() {
        return;
    }
    // Sorted: the map's order is not deterministic.
    entries.sort_unstable();
    let planton = planton_labels(meta, kind);
    let controller = kind.strip_prefix("Kubernetes").unwrap_or(kind);
    for (key, value) in entries {
        let path = format!("metadata.labels{}", subscript(key));
        if let Some(why) = names::qualified_name(key) {
            out.add_key(path.clone(), Rule::LabelKey, format!("label key {why}"));
        } else if controller_labels.contains(&key) {
            out.add_key(
                path.clone(),
                Rule::LabelKey,
                format!("the {controller} controller sets this label on the pod template (its selector needs it): the API server refuses another value"),
            );
        }
        if let Some(why) = names::label_value(value) {
            out.add(path.clone(), Rule::LabelValue, why);
        }
        if let Some(ours) = planton.get(key)
            && ours != value
        {
            out.add(
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
pub fn annotations(out: &mut Findings, meta: CloudResourceMetadataView<'_>) {
    let mut entries: Vec<(&str, &str)> = meta.annotations().iter().collect();
    if entries.is_empty() {
        return;
    }
    entries.sort_unstable();
    let mut total = 0usize;
    for &(key, value) in &entries {
        total = total.saturating_add(key.len()).saturating_add(value.len());
        if let Some(why) = names::qualified_name(&key.to_ascii_lowercase()) {
            out.add_key(
                format!("metadata.annotations{}", subscript(key)),
                Rule::Annotation,
                format!("annotation key {why}"),
            );
        }
    }
    if total > ANNOTATIONS_MAX {
        out.add(
            "metadata.annotations",
            Rule::Annotation,
            format!("the annotations must be at most {ANNOTATIONS_MAX} bytes in total, keys and values (they have {total})"),
        );
    }
}

/// The container image at `at`: a repository and a tag or digest, and a
/// valid pull Secret name.
pub fn image(out: &mut Findings, image: Option<ContainerImageView<'_>>, at: &str) {
    let Some(img) = image else {
        out.add(
            at,
            Rule::ImageReference,
            "an image is required: set 'repo' and 'tag'",
        );
        return;
    };
    let repo = img.repo();
    if repo.is_empty() {
        out.add(
            format!("{at}.repo"),
            Rule::ImageReference,
            "an image repository is required",
        );
    } else if let Some(why) = images::repository(repo) {
        out.add(
            format!("{at}.repo"),
            Rule::ImageReference,
            format!("image repository {why}"),
        );
    }
    let tag = img.tag();
    if tag.is_empty() {
        out.add(
            format!("{at}.tag"),
            Rule::ImageReference,
            "an image tag (or digest) is required",
        );
    } else if let Some(why) = images::tag_or_digest(tag) {
        out.add(
            format!("{at}.tag"),
            Rule::ImageReference,
            format!("image tag {why}"),
        );
    }
    let pull_secret = img.pull_secret_name();
    if !pull_secret.is_empty()
        && let Some(why) = names::dns1123_subdomain(pull_secret)
    {
        out.add(
            format!("{at}.pull_secret_name"),
            Rule::Dns1123Subdomain,
            format!("Secret name {why}"),
        );
    }
}

/// The container resources at `at`: quantities that parse, whole memory
/// bytes, and requests within limits.
pub fn resources(out: &mut Findings, res: ContainerResourcesView<'_>, at: &str) {
    // The path is only formatted for a violation.
    let parse = |out: &mut Findings, side: &str, what: &str, text: &str| -> Option<Quantity> {
        if text.is_empty() {
            return None;
        }
        let path = || format!("{at}.{side}.{what}");
        match Quantity::parse(text) {
            Ok(q) if q.is_negative() => {
                out.add(path(), Rule::Quantity, "must not be negative");
                None
            }
            Ok(q) => Some(q),
            Err(e) => {
                out.add(path(), Rule::Quantity, e.to_string());
                None
            }
        }
    };
    let side = |out: &mut Findings, name: &str, cm: Option<CpuMemoryView<'_>>| {
        (
            parse(out, name, "cpu", cm.map_or("", |cm| cm.cpu())),
            parse(out, name, "memory", cm.map_or("", |cm| cm.memory())),
        )
    };
    let (limit_cpu, limit_mem) = side(out, "limits", res.limits());
    let (req_cpu, req_mem) = side(out, "requests", res.requests());
    for (name, q) in [("limits", limit_mem), ("requests", req_mem)] {
        if q.is_some_and(|q| !q.is_whole_and_milli_fits()) {
            out.add(
                format!("{at}.{name}.memory"),
                Rule::MemoryBytes,
                "should be a whole number of bytes (no 'm' suffix or fraction; at most about 8 PiB): the API server warns",
            );
        }
    }
    for (what, req, limit) in [("cpu", req_cpu, limit_cpu), ("memory", req_mem, limit_mem)] {
        if let (Some(req), Some(limit)) = (req, limit)
            && req > limit
        {
            out.add(
                format!("{at}.requests.{what}"),
                Rule::RequestsWithinLimits,
                format!("the {what} request must not exceed the {what} limit"),
            );
        }
    }
}

/// A container's environment, at `at` (e.g. `spec.env`): its `variables`
/// and `secrets` maps.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    /// The path of the message holding the two maps.
    pub at: &'a str,
    /// Plain variables: a literal value or a reference.
    pub variables: Map<'a, StringValueOrRefView<'a>>,
    /// Secret variables: a literal (stored in `<name>-env-secrets`) or a
    /// reference to a Secret's key.
    pub secrets: Map<'a, KubernetesSensitiveValueView<'a>>,
}

/// The workload an [`Env`] belongs to, as its rules need it.
#[derive(Clone, Copy)]
pub struct Workload<'a> {
    /// Its kind's short name in messages, e.g. `Job`.
    pub noun: &'a str,
    /// The namespace it will be created in, when known.
    pub namespace: Option<&'a str>,
    /// The variables its transform sets itself (a definition overrides them).
    pub reserved_env: &'a [&'a str],
}

/// The environment's rules: names, values, duplicates, reserved names, the
/// env Secret's size and keys, and references to Secrets of the workload's
/// namespace.
pub fn env(out: &mut Findings, env: Env<'_>, workload: Workload<'_>) {
    let at = env.at;
    let path = |map: &str, name: &str| format!("{at}.{map}{}", subscript(name));
    let name_rules = |out: &mut Findings, map: &str, name: &str| {
        if !names::env_var_name(name) {
            out.add_key(
                path(map, name),
                Rule::EnvVarName,
                "must be a valid environment variable name: printable ASCII characters other than '='",
            );
        }
        if workload.reserved_env.contains(&name) {
            out.add_key(
                path(map, name),
                Rule::EnvVarReserved,
                format!(
                    "'{name}' is set by the {} itself; this definition comes later and overrides it",
                    workload.noun
                ),
            );
        }
    };
    for (name, value) in env.variables.iter() {
        name_rules(out, "variables", name);
        // Neither member of the `literal_or_ref` oneof.
        if value.value().is_none() && value.value_from().is_none() {
            out.add(
                path("variables", name),
                Rule::EnvVarValue,
                "set 'value' (possibly \"\") or 'valueFrom': without either the variable would be left out of the Job",
            );
        }
    }
    let literal_bytes: usize = env
        .secrets
        .iter()
        .map(|(_, v)| v.value().map_or(0, str::len))
        .sum();
    if literal_bytes > DATA_MAX {
        out.add(
            format!("{at}.secrets"),
            Rule::DataSize,
            format!("the literal values fill the Secret '<name>{ENV_SECRETS_SUFFIX}', whose data must be at most {DATA_MAX} bytes (they have {literal_bytes})"),
        );
    }
    for (name, value) in env.secrets.iter() {
        name_rules(out, "secrets", name);
        if env.variables.contains_key(name) {
            out.add_key(
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
            out.add_key(
                path("secrets", name),
                Rule::EnvVarName,
                format!("a secret with a literal value is stored under its name in the Secret '<name>{ENV_SECRETS_SUFFIX}', whose key {why}"),
            );
        }
        // Neither member of the `sensitive_value` oneof.
        if value.value().is_none() && value.secret_ref().is_none() {
            out.add(
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
            out.add(
                format!("{}.name", base()),
                Rule::Dns1123Subdomain,
                format!("Secret name {why}"),
            );
        }
        let key = sref.key();
        if !key.is_empty()
            && let Some(why) = names::data_key(key)
        {
            out.add(
                format!("{}.key", base()),
                Rule::SecretKey,
                format!("Secret key {why}"),
            );
        }
        let sref_ns = sref.namespace();
        if let Some(ns) = workload.namespace
            && !sref_ns.is_empty()
            && sref_ns != ns
        {
            out.add(
                format!("{}.namespace", base()),
                Rule::SecretRefNamespace,
                format!(
                    "the Secret must be in the {}'s namespace '{}': a pod can only read Secrets of its own namespace",
                    workload.noun,
                    Excerpt(ns)
                ),
            );
        }
    }
}

/// The ConfigMaps a component creates from a `map<string, string>` at `at`
/// (name to content): valid names, bounded data.
pub fn config_maps(out: &mut Findings, config_maps: Map<'_, &str>, at: &str) {
    for (name, data) in config_maps.iter() {
        if data.len() > DATA_MAX {
            out.add(
                format!("{at}{}", subscript(name)),
                Rule::DataSize,
                format!(
                    "the ConfigMap's data must be at most {DATA_MAX} bytes (it has {})",
                    data.len()
                ),
            );
        }
        if let Some(why) = names::dns1123_subdomain(name) {
            out.add_key(
                format!("{at}{}", subscript(name)),
                Rule::Dns1123Subdomain,
                format!("ConfigMap name {why}"),
            );
        }
    }
}

/// The volume mounts at `at` (e.g. `spec.volume_mounts`): names, paths and
/// sources; `config_maps` are the component's own ConfigMaps (see
/// [`config_maps`]), each with a single key, its name.
pub fn volume_mounts(
    out: &mut Findings,
    mounts: List<'_, VolumeMountView<'_>>,
    config_maps: Map<'_, &str>,
    at: &str,
) {
    let mut names_seen = FirstSeen::default();
    let mut paths_seen = FirstSeen::default();
    for (i, vm) in mounts.iter().enumerate() {
        let base = MountPath(at, i);
        let name = vm.name();
        if !name.is_empty() {
            if let Some(why) = names::dns1123_label(name) {
                out.add(
                    format!("{base}.name"),
                    Rule::Dns1123Label,
                    format!("volume name {why}"),
                );
            }
            if let Some(first) = names_seen.insert(name, i) {
                out.add(
                    format!("{base}.name"),
                    Rule::VolumeNameDuplicate,
                    format!("volume name already used by volume_mounts[{first}]"),
                );
            }
        }
        let mount_path = vm.mount_path();
        if !mount_path.is_empty() {
            if !mount_path.starts_with('/') {
                out.add(
                    format!("{base}.mount_path"),
                    Rule::MountPathAbsolute,
                    "must be an absolute path",
                );
            }
            if let Some(first) = paths_seen.insert(mount_path, i) {
                out.add(
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
            out.add(format!("{base}.sub_path"), Rule::RelativePath, why);
        }
        volume_source(out, config_maps, vm, base);
    }
}

/// `<at>[i]`, written out only when a violation names it.
#[derive(Clone, Copy)]
struct MountPath<'a>(&'a str, usize);

impl std::fmt::Display for MountPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}[{}]", self.0, self.1)
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
    out: &mut Findings,
    source: KeyedSource<'_>,
    (mount, at): (MountPath<'_>, &str),
    kind: &str,
    key_rule: Rule,
) {
    let name = source.name;
    if !name.is_empty()
        && let Some(why) = names::dns1123_subdomain(name)
    {
        out.add(
            format!("{mount}.{at}.name"),
            Rule::Dns1123Subdomain,
            format!("{kind} name {why}"),
        );
    }
    let key = source.key;
    if !key.is_empty()
        && let Some(why) = names::data_key(key)
    {
        out.add(
            format!("{mount}.{at}.key"),
            key_rule,
            format!("{kind} key {why}"),
        );
    }
    let path = source.path;
    if !path.is_empty()
        && let Some(why) = names::relative_path(path)
    {
        out.add(format!("{mount}.{at}.path"), Rule::RelativePath, why);
    }
    if !(0..=0o777).contains(&source.default_mode) {
        out.add(
            format!("{mount}.{at}.default_mode"),
            Rule::DefaultMode,
            "must be between 0 and 0777 (octal), i.e. 0 and 511",
        );
    }
}

fn volume_source(
    out: &mut Findings,
    config_maps: Map<'_, &str>,
    vm: VolumeMountView<'_>,
    base: MountPath<'_>,
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
        out.add(
            base.to_string(), Rule::VolumeSource,
            format!("at most one of 'configMap', 'secret', 'hostPath', 'emptyDir' or 'pvc' may be set ({count} are)"),
        );
    }
    if let Some(cm) = config_map {
        keyed_source(
            out,
            cm.into(),
            (base, "config_map"),
            "ConfigMap",
            Rule::ConfigMapKey,
        );
        let (name, key) = (cm.name(), cm.key());
        // A ConfigMap of the component's own has one key: its own name.
        if !key.is_empty()
            && names::data_key(key).is_none()
            && key != name
            && config_maps.contains_key(name)
        {
            out.add(
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
        keyed_source(out, s.into(), (base, "secret"), "Secret", Rule::SecretKey);
    }
    if let Some(h) = host_path
        && let Some(why) = names::backsteps(h.path())
    {
        out.add(format!("{base}.host_path.path"), Rule::RelativePath, why);
    }
    if let Some(e) = empty_dir {
        let size_limit = e.size_limit();
        if !size_limit.is_empty() {
            match Quantity::parse(size_limit) {
                Ok(q) if q.is_negative() => out.add(
                    format!("{base}.empty_dir.size_limit"),
                    Rule::Quantity,
                    "must not be negative",
                ),
                Ok(_) => {}
                Err(err) => out.add(
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
            out.add(
                format!("{base}.pvc.claim_name"),
                Rule::Dns1123Subdomain,
                format!("claim name {why}"),
            );
        }
    }
}

/// Up to this many entries, a linear scan beats hashing.
const SHORT: usize = 16;

/// The first index at which each string was seen: a list while short (no
/// hashing, no allocation), a hash map once long (no quadratic time on
/// hostile input).
struct FirstSeen<'a> {
    short: [(&'a str, usize); SHORT],
    /// How many of `short` are used.
    used: usize,
    long: std::collections::HashMap<&'a str, usize>,
}

impl Default for FirstSeen<'_> {
    fn default() -> Self {
        FirstSeen {
            short: [("", 0); SHORT],
            used: 0,
            long: std::collections::HashMap::new(),
        }
    }
}

impl<'a> FirstSeen<'a> {
    /// Records `key` at `index`; returns where it was first seen, if before.
    fn insert(&mut self, key: &'a str, index: usize) -> Option<usize> {
        let short = &self.short[..self.used];
        if let Some(&(_, first)) = short.iter().find(|(k, _)| *k == key) {
            return Some(first);
        }
        if self.used < SHORT {
            self.short[self.used] = (key, index);
            self.used += 1;
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn rule_ids_are_unique_and_kubernetes() {
        let mut ids: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        assert!(ids.iter().all(|id| id.starts_with("kubernetes.")));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Rule::ALL.len());
    }
}
