//! One model for every finding, whatever checked it.

use std::fmt;

use prost_reflect::DynamicMessage;

use crate::location::{Location, SourceMap, Span};

/// What produced a [`Violation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Source {
    /// A `buf.validate` rule of the protos, evaluated by protovalidate.
    BufValidate,
    /// A rule the Kubernetes API server would enforce at apply time.
    Kubernetes,
    /// A rule of loading the text ([`crate::LoadRule`]): a field that is
    /// unknown, of the wrong type, ...
    Load,
}

impl Source {
    /// The name used in reports: `buf.validate` or `kubernetes`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::BufValidate => "buf.validate",
            Source::Kubernetes => "kubernetes",
            Source::Load => "load",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How serious a [`Violation`] is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// The input is refused: the API server would reject it, or it would not
    /// work as written.
    #[default]
    Error,
    /// The input is accepted, as the API server accepts it with a warning;
    /// reported, and refused only in strict mode.
    Warning,
}

impl Severity {
    /// The name used in reports: `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule broken by a message.
///
/// Messages never quote the value of the field: it may be a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// The field in protovalidate's string form, with proto field names:
    /// `spec.volume_mounts[1].name`, `spec.env.secrets["API_KEY"].secret_ref.name`.
    pub field_path: String,
    /// The rule's id: protovalidate's (`string.in`, `required`, a CEL rule's
    /// id) or our own (`kubernetes.dns1123_label`).
    pub rule_id: String,
    /// What is wrong, in words.
    pub message: String,
    /// Which checker found it.
    pub source: Source,
    /// Where in the input, when the message was loaded from text.
    pub location: Option<Location>,
    /// The span of the field's value in the input, when it was written there
    /// (a violation about a map key has none: `location` is the key's).
    pub span: Option<Span>,
    /// Whether the violation is about a map key rather than its value.
    pub for_key: bool,
    /// Whether it refuses the input or only warns.
    pub severity: Severity,
}

impl Violation {
    /// A violation of one of our own rules, not yet located.
    pub fn kubernetes(
        field_path: impl Into<String>,
        rule_id: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Violation::new(Source::Kubernetes, field_path, rule_id, message)
    }

    /// An error found by `source`, not yet located.
    pub fn new(
        source: Source,
        field_path: impl Into<String>,
        rule_id: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Violation {
            field_path: field_path.into(),
            rule_id: rule_id.into(),
            message: message.into(),
            source,
            location: None,
            span: None,
            for_key: false,
            severity: Severity::Error,
        }
    }

    /// The same violation, as a warning.
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// Whether it refuses the input (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The same violation, about the map key at `field_path`.
    pub fn on_key(mut self) -> Self {
        self.for_key = true;
        self
    }
}

/// One line, `LINE:COLUMN: SEVERITY: PATH: MESSAGE [RULE]` (the place left
/// out when unknown), so that `format!("{file}:{violation}")` reads as a
/// compiler's `file:line:col:` message. The field path and the message are
/// written as they are: a report for a terminal cleans them (see
/// [`crate::report`]).
impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(l) = self.location {
            write!(f, "{}:{}: ", l.line, l.column)?;
        }
        write!(
            f,
            "{}: {}: {} [{}]",
            self.severity, self.field_path, self.message, self.rule_id
        )
    }
}

/// Places each violation at its field's position in `map` (the key's for
/// key violations; the nearest written ancestor for fields not written), then
/// sorts them by position, then by field path and rule.
pub fn locate(violations: &mut [Violation], map: &SourceMap) {
    for v in violations.iter_mut() {
        let key = if v.for_key {
            map.key(&v.field_path)
        } else {
            None
        };
        v.location = key.or_else(|| map.locate(&v.field_path));
        v.span = if v.for_key {
            None
        } else {
            map.span(&v.field_path)
        };
    }
    sort(violations);
}

/// Sorts violations by position (unlocated last), then field path, then rule id.
pub fn sort(violations: &mut [Violation]) {
    violations.sort_by(order);
}

/// The order of [`sort`]: by position (unlocated last), then field path,
/// then rule id.
pub fn order(a: &Violation, b: &Violation) -> std::cmp::Ordering {
    let pos = |v: &Violation| {
        v.location
            .map_or((usize::MAX, usize::MAX), |l| (l.line, l.column))
    };
    pos(a)
        .cmp(&pos(b))
        .then_with(|| a.field_path.cmp(&b.field_path))
        .then_with(|| a.rule_id.cmp(&b.rule_id))
}

/// Evaluates the `buf.validate` rules of a message with [`planton_validate`],
/// which passes the protovalidate conformance suite.
///
/// Build it once and reuse it: construction is cheap and starts no thread;
/// the rules of a message type are compiled on first use of that type (well
/// under a millisecond for a KubernetesJob) and cached. Their CEL
/// expressions are parsed when first evaluated
/// ([`planton_validate::Validator::lazy_expressions`]): a manifest that
/// leaves a field unset never pays for parsing its expressions. The rules
/// of every Planton message are held to compile eagerly by a test.
pub struct BufValidator {
    inner: planton_validate::Validator,
}

impl Default for BufValidator {
    fn default() -> Self {
        let mut inner = planton_validate::Validator::new();
        inner.lazy_expressions(true);
        BufValidator { inner }
    }
}

impl fmt::Debug for BufValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufValidator").finish_non_exhaustive()
    }
}

/// A `buf.validate` rule that could not be evaluated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// A broken rule in the protos (an expression that does not compile,
    /// rules of the wrong type for their field), an evaluation failure, or a
    /// message nested deeper than the engine follows.
    #[error("cannot evaluate the buf.validate rules: {0}")]
    Engine(#[source] planton_validate::Error),
}

impl BufValidator {
    /// A validator that reports all violations, not only the first.
    pub fn new() -> Self {
        BufValidator::default()
    }

    /// Every `buf.validate` rule the message breaks, unlocated and unsorted.
    ///
    /// # Errors
    ///
    /// A [`RuleError`] when a rule cannot be compiled or evaluated.
    pub fn validate(&self, message: &DynamicMessage) -> Result<Vec<Violation>, RuleError> {
        let found = self.inner.validate(message).map_err(RuleError::Engine)?;
        Ok(found
            .into_iter()
            .map(|v| Violation {
                field_path: v.field_path(),
                rule_id: v.rule_id,
                message: v.message,
                source: Source::BufValidate,
                location: None,
                span: None,
                for_key: v.for_key,
                severity: Severity::Error,
            })
            .collect())
    }
}
