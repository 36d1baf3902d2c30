//! The fields that hold secrets: a literal env secret's `value` (the
//! `KubernetesSensitiveValue` message), a stack input's `docker_config_json`,
//! provider credentials. They are named once, in the build script, which
//! checks each against the descriptors (a plain string field of the protos);
//! the protos themselves stay as upstream's, unmarked.
//!
//! Tools use it to keep secret values out of what they show: `Debug` of the
//! generated types (already redacted), and the input lines a report quotes
//! ([`is_secret_path`], [`in_secret_field`]).
//!
//! # Examples
//!
//! ```
//! use planton_api::prost_reflect::ReflectMessage;
//! use planton_api::{sensitive, KubernetesJobStackInput};
//!
//! let root = KubernetesJobStackInput::default().descriptor();
//! assert!(sensitive::is_secret_path(&root, "docker_config_json"));
//! assert!(sensitive::is_secret_path(&root, r#"target.spec.env.secrets["A.b"].value"#));
//! assert!(!sensitive::is_secret_path(&root, r#"target.spec.env.variables["A"].value"#));
//! ```

use std::collections::HashMap;
use std::sync::LazyLock;

use prost_reflect::{DescriptorPool, FieldDescriptor, Kind, MessageDescriptor};

include!(concat!(env!("OUT_DIR"), "/sensitive.rs"));

/// Whether `field` holds a secret.
pub fn is_sensitive(field: &FieldDescriptor) -> bool {
    SENSITIVE_FIELDS.binary_search(&field.full_name()).is_ok()
}

/// The fields named along `path` (a violation or source-map path such as
/// `target.spec.env.secrets["K"].value`), from `root`; map keys and list
/// indexes are skipped. Stops at the first name that is not a field.
///
/// Walks the descriptors: for a `root` of another pool than this crate's
/// (whose messages [`Graph`] holds).
fn fields_along(root: &MessageDescriptor, path: &str) -> (Vec<FieldDescriptor>, bool) {
    let mut fields = Vec::new();
    let mut message = Some(root.clone());
    for name in field_names(path) {
        let Some(field) = message.as_ref().and_then(|m| m.get_field_by_name(name)) else {
            return (fields, false);
        };
        message = value_message(&field);
        fields.push(field);
    }
    (fields, true)
}

/// The message type of a field's values (a map's values), if a message.
fn value_message(field: &FieldDescriptor) -> Option<MessageDescriptor> {
    match field.kind() {
        Kind::Message(m) if field.is_map() => match m.map_entry_value_field().kind() {
            Kind::Message(v) => Some(v),
            _ => None,
        },
        Kind::Message(m) => Some(m),
        _ => None,
    }
}

/// What a path walk needs of one field, as plain data.
#[derive(Debug, Clone, Copy)]
struct Step {
    /// The field holds a secret ([`is_sensitive`]).
    sensitive: bool,
    /// The field may hold a secret: it is sensitive, or the message of its
    /// values has a sensitive field ([`in_secret_field`]).
    may_hold: bool,
    /// The message of its values ([`value_message`]), by position in
    /// [`Graph::messages`].
    next: Option<usize>,
}

/// The messages of this crate's pool and their fields by name, built once
/// from the descriptors.
///
/// A path walk through it clones no descriptor: every clone of one is an
/// atomic update of the pool's one reference count, which the cores of a
/// batch fight over (a report tests every path of its input).
#[derive(Debug)]
struct Graph {
    /// Each message's position in `messages`, by full name.
    by_name: HashMap<Box<str>, usize>,
    /// Each message's fields, by name.
    messages: Vec<HashMap<Box<str>, Step>>,
}

/// Names and numbers only: the same for every pool of this crate's files.
static GRAPH: LazyLock<Graph> = LazyLock::new(|| Graph::of(&crate::SHARED_POOL));

impl Graph {
    fn of(pool: &DescriptorPool) -> Graph {
        let by_name: HashMap<Box<str>, usize> = pool
            .all_messages()
            .enumerate()
            .map(|(i, m)| (m.full_name().into(), i))
            .collect();
        let messages = pool
            .all_messages()
            .map(|m| {
                m.fields()
                    .map(|f| {
                        let value = value_message(&f);
                        let step = Step {
                            sensitive: is_sensitive(&f),
                            may_hold: is_sensitive(&f)
                                || value
                                    .as_ref()
                                    .is_some_and(|v| v.fields().any(|g| is_sensitive(&g))),
                            next: value.and_then(|v| by_name.get(v.full_name()).copied()),
                        };
                        (f.name().into(), step)
                    })
                    .collect()
            })
            .collect();
        Graph { by_name, messages }
    }

    /// The steps along `path` from `root` (as [`fields_along`]), each
    /// handed to `visit`; whether every name was a field. `None` when
    /// `root` is not of one of this crate's pools.
    fn walk(root: &MessageDescriptor, path: &str, mut visit: impl FnMut(Step)) -> Option<bool> {
        if !crate::is_ours(root.parent_pool()) {
            return None;
        }
        let graph = &*GRAPH;
        let mut message = graph.by_name.get(root.full_name()).copied();
        for name in field_names(path) {
            let Some(step) = message.and_then(|m| graph.messages[m].get(name).copied()) else {
                return Some(false);
            };
            visit(step);
            message = step.next;
        }
        Some(true)
    }
}

/// The field names of `path`, without subscripts (`["k.e[y"]`, `[3]`).
fn field_names(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = path;
    std::iter::from_fn(move || {
        loop {
            rest = rest.trim_start_matches('.');
            if rest.is_empty() {
                return None;
            }
            if rest.starts_with('[') {
                rest = skip_subscript(rest);
                continue;
            }
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            let (name, tail) = rest.split_at(end);
            rest = tail;
            return Some(name);
        }
    })
}

/// `s` (starting with `[`) after its subscript; a quoted key may hold `]`,
/// `.` and escaped quotes.
fn skip_subscript(s: &str) -> &str {
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in s.char_indices().skip(1) {
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ']' => return &s[i + 1..],
            _ => {}
        }
    }
    ""
}

/// Whether `path`, from a `root` message, is a sensitive field's value.
pub fn is_secret_path(root: &MessageDescriptor, path: &str) -> bool {
    // The last field named must bear a sensitive field's name: a string
    // test that settles nearly every path of a source map without walking
    // the descriptors (a report masks from every path of its input).
    let Some(last) = field_names(path).last() else {
        return false;
    };
    if !SENSITIVE_FIELDS.iter().any(|full| {
        full.strip_suffix(last)
            .is_some_and(|parent| parent.ends_with('.'))
    }) {
        return false;
    }
    let mut last = None;
    match Graph::walk(root, path, |step| last = Some(step)) {
        Some(complete) => complete && last.is_some_and(|s| s.sensitive),
        None => secret_by_descriptors(root, path),
    }
}

/// [`is_secret_path`] by walking the descriptors.
fn secret_by_descriptors(root: &MessageDescriptor, path: &str) -> bool {
    let (fields, complete) = fields_along(root, path);
    complete && fields.last().is_some_and(is_sensitive)
}

/// Whether `path`, from a `root` message, is in a field that may hold a
/// secret: a sensitive field, or a field whose message (a map's value
/// message) has a sensitive field, or anything under those. A load error
/// there may be about a secret value written in the wrong place.
pub fn in_secret_field(root: &MessageDescriptor, path: &str) -> bool {
    let mut any = false;
    if Graph::walk(root, path, |step| any |= step.may_hold).is_some() {
        return any;
    }
    in_secret_by_descriptors(root, path)
}

/// [`in_secret_field`] by walking the descriptors.
fn in_secret_by_descriptors(root: &MessageDescriptor, path: &str) -> bool {
    let (fields, _) = fields_along(root, path);
    fields.iter().any(|f| {
        is_sensitive(f) || value_message(f).is_some_and(|m| m.fields().any(|g| is_sensitive(&g)))
    })
}

#[cfg(test)]
mod tests {
    use prost_reflect::ReflectMessage;

    use super::*;
    use crate::{KubernetesJob, KubernetesJobStackInput};

    /// The fields that hold secrets are these, all in the descriptors.
    #[test]
    fn the_sensitive_fields_are_the_secrets() {
        assert_eq!(
            SENSITIVE_FIELDS,
            [
                "org.project_planton.provider.kubernetes.KubernetesProviderConfigDigitalOceanDoks.kube_config",
                "org.project_planton.provider.kubernetes.KubernetesProviderConfigGcpGke.service_account_key_base64",
                "org.project_planton.provider.kubernetes.KubernetesSensitiveValue.value",
                "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJobStackInput.docker_config_json",
            ]
        );
        // Each is a string field of the embedded descriptors.
        let pool = crate::descriptor_pool();
        for name in SENSITIVE_FIELDS {
            let (message, field) = name.rsplit_once('.').unwrap();
            let field = pool
                .get_message_by_name(message)
                .and_then(|m| m.get_field_by_name(field))
                .unwrap_or_else(|| panic!("{name} is not in the descriptors"));
            assert_eq!(field.kind(), prost_reflect::Kind::String, "{name}");
        }
    }

    /// The graph answers as the descriptors do, for every path of up to
    /// five fields (with subscripts and names that are not fields) from
    /// every message of the pool.
    #[test]
    fn the_graph_walks_as_the_descriptors() {
        let pool = crate::descriptor_pool();
        let mut checked = 0;
        let mut secret = 0;
        for root in pool.all_messages() {
            let mut paths = vec![String::new()];
            for _ in 0..5 {
                let mut longer = Vec::new();
                for path in &paths {
                    let message = if path.is_empty() {
                        Some(root.clone())
                    } else {
                        let (fields, complete) = fields_along(&root, path);
                        if complete {
                            fields.last().and_then(value_message)
                        } else {
                            None
                        }
                    };
                    let mut names: Vec<String> = ["nope".to_owned()].into();
                    if let Some(m) = message {
                        names.extend(m.fields().map(|f| f.name().to_owned()));
                    }
                    for name in names {
                        let dot = if path.is_empty() { "" } else { "." };
                        longer.push(format!("{path}{dot}{name}"));
                        longer.push(format!("{path}{dot}{name}[\"k.e]y\"]"));
                    }
                }
                for path in &longer {
                    let graph = is_secret_path(&root, path);
                    assert_eq!(graph, secret_by_descriptors(&root, path), "{path}");
                    assert_eq!(
                        in_secret_field(&root, path),
                        in_secret_by_descriptors(&root, path),
                        "{path}"
                    );
                    secret += usize::from(graph);
                    checked += 1;
                }
                // Only the paths through messages go on.
                longer.retain(|p| !p.ends_with("nope") && !p.ends_with(']'));
                paths = longer;
            }
        }
        assert!(checked > 5_000, "{checked} paths");
        assert!(secret > 0);
    }

    /// A root of another pool is walked through its descriptors.
    #[test]
    fn another_pool_walks_its_descriptors() {
        let pool = prost_reflect::DescriptorPool::decode(crate::FILE_DESCRIPTOR_SET).unwrap();
        let input = pool
            .get_message_by_name(KubernetesJobStackInput::default().descriptor().full_name())
            .unwrap();
        assert!(Graph::walk(&input, "docker_config_json", |_| {}).is_none());
        assert!(is_secret_path(&input, "docker_config_json"));
        assert!(is_secret_path(
            &input,
            r#"target.spec.env.secrets["K"].value"#
        ));
        assert!(!is_secret_path(
            &input,
            r#"target.spec.env.variables["K"].value"#
        ));
        assert!(in_secret_field(&input, "provider_config.gcp_gke"));
        assert!(!in_secret_field(&input, "kubernetes_namespace"));
    }

    #[test]
    fn secret_paths_from_either_root() {
        let input = KubernetesJobStackInput::default().descriptor();
        let job = KubernetesJob::default().descriptor();
        for (root, prefix) in [(&input, "target."), (&job, "")] {
            let p = |rest: &str| format!("{prefix}{rest}");
            assert!(is_secret_path(root, &p(r#"spec.env.secrets["K"].value"#)));
            assert!(is_secret_path(
                root,
                &p(r#"spec.env.secrets["a.b[0]\"c]"].value"#)
            ));
            assert!(!is_secret_path(
                root,
                &p(r#"spec.env.secrets["K"].secret_ref.name"#)
            ));
            assert!(!is_secret_path(root, &p(r#"spec.env.secrets["K"]"#)));
            assert!(!is_secret_path(root, &p("metadata.name")));
            assert!(in_secret_field(root, &p(r#"spec.env.secrets["K"]"#)));
            assert!(in_secret_field(root, &p("spec.env.secrets")));
            assert!(!in_secret_field(root, &p(r#"spec.env.variables["K"]"#)));
            assert!(!in_secret_field(root, &p("spec.image.repo")));
        }
        assert!(is_secret_path(&input, "docker_config_json"));
        assert!(is_secret_path(
            &input,
            "provider_config.gcp_gke.service_account_key_base64"
        ));
        assert!(is_secret_path(
            &input,
            "provider_config.digital_ocean_doks.kube_config"
        ));
        assert!(!is_secret_path(
            &input,
            "provider_config.gcp_gke.cluster_endpoint"
        ));
        assert!(in_secret_field(&input, "provider_config.gcp_gke"));
        assert!(in_secret_field(
            &input,
            "provider_config.gcp_gke.cluster_ca_data"
        ));
        assert!(in_secret_field(&input, "docker_config_json"));
        assert!(!in_secret_field(&input, "kubernetes_namespace"));
        // Not a field: never a secret path, and no panic.
        assert!(!is_secret_path(&input, "docker_config_json.x"));
        assert!(!is_secret_path(&input, "[\"unterminated"));
        assert!(!is_secret_path(&input, ""));
    }
}
