//! `valueFrom` references: resolved to literal values by a caller-supplied
//! [`ReferenceResolver`] before the transform.

use planton_text::Excerpt;
use std::collections::BTreeMap;
use std::fmt;

use planton_api::org::project_planton::shared::foreignkey::v1::string_value_or_ref::LiteralOrRef;
use planton_api::{CloudResourceKind, KubernetesJobStackInput, StringValueOrRef};

/// A reference to a field of another Planton resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reference<'a> {
    /// The referenced resource's kind.
    pub kind: CloudResourceKind,
    /// Its environment; empty for the referring resource's own.
    pub env: &'a str,
    /// Its name.
    pub name: &'a str,
    /// The field, such as `status.outputs.host`.
    pub field_path: &'a str,
}

impl fmt::Display for Reference<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/", self.kind.as_str_name())?;
        if !self.env.is_empty() {
            write!(f, "{}/", self.env)?;
        }
        write!(f, "{} {}", self.name, self.field_path)
    }
}

/// Looks up the values of references, for example from an orchestrator's
/// state. Implementations must not panic.
pub trait ReferenceResolver {
    /// The value of `reference`, `Ok(None)` when it is not known.
    ///
    /// # Errors
    ///
    /// A [`ResolverError`] when the lookup itself failed (the caller reports
    /// it with the field that holds the reference).
    fn resolve(&self, reference: &Reference<'_>) -> Result<Option<String>, ResolverError>;
}

/// Why a [`ReferenceResolver`] could not look a reference up (its backend
/// is down, the state is unreadable, ...). Its text is shown to the user
/// after the field and the reference, cut to an excerpt: it must not hold a
/// secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct ResolverError {
    /// What went wrong, in words.
    pub message: String,
}

impl ResolverError {
    /// An error saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        ResolverError {
            message: message.into(),
        }
    }
}

/// A resolver backed by a map from `KIND/NAME` (or `KIND/ENV/NAME`) and field
/// path to value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapResolver {
    values: BTreeMap<String, BTreeMap<String, String>>,
}

impl MapResolver {
    /// An empty resolver.
    pub fn new() -> Self {
        MapResolver::default()
    }

    /// Sets the value of `field_path` of the resource `resource`
    /// (`KIND/NAME` or `KIND/ENV/NAME`).
    pub fn insert(
        &mut self,
        resource: impl Into<String>,
        field_path: impl Into<String>,
        value: impl Into<String>,
    ) -> &mut Self {
        self.values
            .entry(resource.into())
            .or_default()
            .insert(field_path.into(), value.into());
        self
    }
}

impl ReferenceResolver for MapResolver {
    fn resolve(&self, r: &Reference<'_>) -> Result<Option<String>, ResolverError> {
        let kind = r.kind.as_str_name();
        let key = if r.env.is_empty() {
            format!("{kind}/{}", r.name)
        } else {
            format!("{kind}/{}/{}", r.env, r.name)
        };
        Ok(self
            .values
            .get(&key)
            .and_then(|fields| fields.get(r.field_path))
            .cloned())
    }
}

/// A reference that could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field_path}: cannot resolve the reference to {}: {}", Excerpt(.reference), Excerpt(&.cause.message))]
#[non_exhaustive]
pub struct ResolveError {
    /// The field holding the reference (its map key cut to an excerpt).
    pub field_path: String,
    /// The reference, as `KIND/[ENV/]NAME FIELD_PATH`.
    pub reference: String,
    /// What the resolver said (shown in the message, so not a `source`).
    pub cause: ResolverError,
}

/// What [`resolve_references`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resolution {
    /// Field paths whose reference was replaced by its value.
    pub resolved: Vec<String>,
    /// Field paths whose reference the resolver did not know (left as they are).
    pub unresolved: Vec<String>,
}

/// The kind and field path `spec.namespace` references default to (its
/// `default_kind` and `default_kind_field_path` options).
const NAMESPACE_DEFAULT_KIND: CloudResourceKind = CloudResourceKind::KubernetesNamespace;
const NAMESPACE_DEFAULT_FIELD: &str = "spec.name";

/// Replaces every `valueFrom` reference of the stack input's target
/// (`spec.namespace`, `spec.env.variables`) that `resolver` knows by a literal
/// value. References it does not know are left, and reported; the transform
/// refuses them.
///
/// # Errors
///
/// [`ResolveError`] when the resolver fails.
pub fn resolve_references(
    input: &mut KubernetesJobStackInput,
    resolver: &dyn ReferenceResolver,
) -> Result<Resolution, ResolveError> {
    let mut outcome = Resolution::default();
    let Some(spec) = input.target.as_mut().and_then(|t| t.spec.as_mut()) else {
        return Ok(outcome);
    };
    if let Some(ns) = spec.namespace.as_mut() {
        resolve_one(
            ns,
            ("spec.namespace", "spec.namespace"),
            Some((NAMESPACE_DEFAULT_KIND, NAMESPACE_DEFAULT_FIELD)),
            resolver,
            &mut outcome,
        )?;
    }
    if let Some(env) = spec.env.as_mut() {
        let mut names: Vec<&String> = env.variables.keys().collect();
        names.sort();
        let names: Vec<String> = names.into_iter().cloned().collect();
        for name in names {
            let path = format!(
                "spec.env.variables[{}]",
                planton_manifest::map_key_subscript(&name)
            );
            let shown = format!(
                "spec.env.variables[{}]",
                planton_manifest::shown_key_subscript(&name)
            );
            if let Some(v) = env.variables.get_mut(&name) {
                resolve_one(v, (&path, &shown), None, resolver, &mut outcome)?;
            }
        }
    }
    Ok(outcome)
}

fn resolve_one(
    value: &mut StringValueOrRef,
    (path, shown_path): (&str, &str),
    defaults: Option<(CloudResourceKind, &str)>,
    resolver: &dyn ReferenceResolver,
    outcome: &mut Resolution,
) -> Result<(), ResolveError> {
    let Some(LiteralOrRef::ValueFrom(r)) = &value.literal_or_ref else {
        return Ok(());
    };
    let mut kind = r.kind();
    let mut field_path = r.field_path.as_str();
    if let Some((default_kind, default_field)) = defaults {
        if kind == CloudResourceKind::Unspecified {
            kind = default_kind;
        }
        if field_path.is_empty() {
            field_path = default_field;
        }
    }
    let reference = Reference {
        kind,
        env: &r.env,
        name: &r.name,
        field_path,
    };
    match resolver.resolve(&reference) {
        Ok(Some(v)) => {
            value.literal_or_ref = Some(LiteralOrRef::Value(v));
            outcome.resolved.push(path.to_owned());
        }
        Ok(None) => outcome.unresolved.push(path.to_owned()),
        Err(cause) => {
            return Err(ResolveError {
                field_path: shown_path.to_owned(),
                reference: reference.to_string(),
                cause,
            });
        }
    }
    Ok(())
}
