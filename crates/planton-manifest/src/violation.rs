//! One model for every finding, whatever checked it.

use std::fmt;

use prost_reflect::DynamicMessage;

use crate::location::{Location, SourceMap};

/// What produced a [`Violation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// A `buf.validate` rule of the protos, evaluated by protovalidate.
    BufValidate,
    /// A rule the Kubernetes API server would enforce at apply time.
    Kubernetes,
}

impl Source {
    /// The name used in reports: `buf.validate` or `kubernetes`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::BufValidate => "buf.validate",
            Source::Kubernetes => "kubernetes",
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
        Violation {
            field_path: field_path.into(),
            rule_id: rule_id.into(),
            message: message.into(),
            source: Source::Kubernetes,
            location: None,
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

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        write!(
            f,
            "{}: {} [{}]",
            self.field_path, self.message, self.rule_id
        )?;
        if let Some(l) = self.location {
            write!(f, " at {l}")?;
        }
        Ok(())
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
    }
    sort(violations);
}

/// Sorts violations by position (unlocated last), then field path, then rule id.
pub fn sort(violations: &mut [Violation]) {
    violations.sort_by(|a, b| {
        let pos = |v: &Violation| {
            v.location
                .map_or((usize::MAX, usize::MAX), |l| (l.line, l.column))
        };
        pos(a)
            .cmp(&pos(b))
            .then_with(|| a.field_path.cmp(&b.field_path))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
}

/// Evaluates the `buf.validate` rules of a message with prost-protovalidate,
/// which passes the protovalidate conformance suite.
///
/// Build it once and reuse it: rules are compiled on first use of each message
/// type and cached.
pub struct BufValidator {
    inner: std::sync::OnceLock<prost_protovalidate::Validator>,
    pending: std::sync::Mutex<Option<std::thread::JoinHandle<prost_protovalidate::Validator>>>,
}

impl fmt::Debug for BufValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufValidator").finish_non_exhaustive()
    }
}

impl Default for BufValidator {
    fn default() -> Self {
        BufValidator::new()
    }
}

/// A `buf.validate` rule that could not be evaluated: a broken rule in the
/// protos (bad CEL) or an evaluation failure.
#[derive(Debug, thiserror::Error)]
#[error("cannot evaluate the buf.validate rules: {0}")]
pub struct RuleError(#[source] prost_protovalidate::Error);

impl BufValidator {
    /// A validator with protovalidate's default options (all violations, not
    /// only the first).
    pub fn new() -> Self {
        BufValidator {
            inner: std::sync::OnceLock::from(prost_protovalidate::Validator::new()),
            pending: std::sync::Mutex::default(),
        }
    }

    /// A validator built on a background thread (it takes a few
    /// milliseconds), so that a short-lived process can decode its input in
    /// the meantime; the first validation waits for it. Falls back to
    /// building it in place if no thread can be started.
    pub fn spawn() -> Self {
        match std::thread::Builder::new()
            .name("buf-validator".into())
            .spawn(prost_protovalidate::Validator::new)
        {
            Ok(handle) => BufValidator {
                inner: std::sync::OnceLock::new(),
                pending: std::sync::Mutex::new(Some(handle)),
            },
            Err(_) => BufValidator::new(),
        }
    }

    fn get(&self) -> &prost_protovalidate::Validator {
        self.inner.get_or_init(|| {
            let handle = self.pending.lock().ok().and_then(|mut p| p.take());
            handle.and_then(|h| h.join().ok()).unwrap_or_default()
        })
    }

    /// Every `buf.validate` rule the message breaks, unlocated and unsorted.
    ///
    /// # Errors
    ///
    /// A [`RuleError`] when a rule cannot be compiled or evaluated.
    pub fn validate(&self, message: &DynamicMessage) -> Result<Vec<Violation>, RuleError> {
        self.report(self.get().validate(message))
    }

    fn report(
        &self,
        outcome: Result<(), prost_protovalidate::Error>,
    ) -> Result<Vec<Violation>, RuleError> {
        match outcome {
            Ok(()) => Ok(Vec::new()),
            Err(prost_protovalidate::Error::Validation(e)) => Ok(e
                .into_violations()
                .into_iter()
                .map(|v| Violation {
                    field_path: v.field_path(),
                    rule_id: v.rule_id().to_owned(),
                    message: v.message().to_owned(),
                    source: Source::BufValidate,
                    location: None,
                    for_key: v.for_key().unwrap_or(false),
                    severity: Severity::Error,
                })
                .collect()),
            Err(e) => Err(RuleError(e)),
        }
    }
}
