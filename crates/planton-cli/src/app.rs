//! How a command ends, and the validator every command shares.

use planton_kubernetes_job::JobValidator;

/// How a command ended, mapped to the exit code in `main`.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The input was read but breaks rules (exit 1); the report is printed.
    Invalid,
    /// Usage, I/O or parse error (exit 2). The message, if any, is printed by
    /// `main`; `None` when it was already reported.
    Error(Option<anyhow::Error>),
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Error(Some(e.into()))
    }
}

/// The validator, for the life of the process: it is never dropped, since
/// freeing its descriptor pools and compiled rules at exit would only slow
/// down a short-lived command.
pub(crate) fn validator() -> Result<&'static JobValidator, Failure> {
    Ok(Box::leak(Box::new(JobValidator::new()?)))
}
