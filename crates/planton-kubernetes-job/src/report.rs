//! The reports of the KubernetesJob component: what `planton validate` and
//! `planton render` print, for an embedder to print the same.
//!
//! # Examples
//!
//! ```
//! use planton_kubernetes_job::JobValidator;
//!
//! let validator = JobValidator::new()?;
//! let text = "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {name: Bad_Name}\nspec: {namespace: {value: batch}, image: {repo: busybox, tag: latest}}\n";
//! let report = validator.validation_report("job.yaml", text);
//! assert!(report.starts_with("error[kubernetes.dns1123_label]"), "{report}");
//! assert!(report.ends_with("job.yaml: 1 violation\n\n"), "{report}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use planton_manifest::report::from_check;
use planton_manifest::report::{
    FileResult, MAX_ERROR_CHARS, Outcome, human, human_one, load_error,
};
use planton_manifest::{Span, Violation, sanitize};

use crate::{Error, JobValidator, Validated};

/// Checks the manifest `text` (named `name` in messages): the outcome that
/// every report (text, JSON, the CI formats, the language server's
/// diagnostics) is made from. With `strict`, warnings become errors. The
/// engine's [`planton_manifest::report::outcome`] for KubernetesJob.
pub fn outcome(validator: &crate::JobValidator, name: &str, text: &str, strict: bool) -> Outcome {
    planton_manifest::report::outcome(validator.engine(), name, text, strict)
}

impl JobValidator {
    /// The report `planton validate FILE` prints for the manifest `text`
    /// (named `name` in it): each finding with its source line and a caret,
    /// secret values masked, input text cleaned for a terminal, at most
    /// [`planton_manifest::report::MAX_SHOWN_PER_FILE`] findings in full.
    pub fn validation_report(&self, name: &str, text: &str) -> String {
        let result = FileResult {
            file: name.to_owned(),
            outcome: outcome(self, name, text, false),
            text: Some(text.to_owned()),
        };
        human_one(&result).stdout
    }
}

impl Error {
    /// The report `planton render` prints on standard error when this error
    /// stops it, for the input `text` named `name`: the violation report
    /// (as `planton validate` prints it) for [`Error::Invalid`], else one
    /// `error: ` line naming the file.
    pub fn report(&self, name: &str, text: &str) -> String {
        match self {
            Error::Invalid(rejected) => {
                violation_report(name, text, rejected.violations(), rejected.masked_spans())
            }
            other => format!("error: {}\n", other.message(name)),
        }
    }

    /// The error as one message naming the file `name` (several lines for
    /// a load error with several fields at fault), cleaned for a terminal
    /// and bounded.
    pub fn message(&self, name: &str) -> String {
        match self {
            Error::Load(e) => load_error(name, e),
            other => sanitize::clean_to(&format!("{name}: {other}"), MAX_ERROR_CHARS).into_owned(),
        }
    }
}

impl Validated {
    /// The report of the warnings validation found (empty when there are
    /// none), as `planton render` prints it on standard error, for the
    /// input `text` named `name`.
    pub fn warnings_report(&self, name: &str, text: &str) -> String {
        if self.warnings.is_empty() {
            return String::new();
        }
        violation_report(name, text, &self.warnings, &self.masked)
    }
}

/// `violations` as `planton validate` reports them, the values in `masked`
/// hidden.
fn violation_report(name: &str, text: &str, violations: &[Violation], masked: &[Span]) -> String {
    let result = FileResult {
        file: name.to_owned(),
        text: Some(text.to_owned()),
        outcome: Outcome::Checked {
            violations: violations.to_vec(),
            spans: violations.iter().map(|v| v.span).collect(),
            secrets: masked.to_vec(),
            unkept: 0,
        },
    };
    human(&[result]).stdout
}
