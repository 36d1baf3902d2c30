//! Reports: the library's ([`planton_manifest::report`]), and how the CLI
//! prints an error that stops a command.

pub(crate) use planton_manifest::report::*;

use planton_manifest::sanitize;

/// An error message already cleaned by the sanitizer (a load error's text
/// from [`load_error`]), printed as it is.
#[derive(Debug)]
pub(crate) struct Shown(pub String);

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Shown {}

/// The text of an error for a terminal: a [`Shown`] as it is, anything else
/// (an I/O error naming a path, a resolver's message) through the sanitizer.
pub(crate) fn error_text(e: &anyhow::Error) -> String {
    match e.downcast_ref::<Shown>() {
        Some(shown) => shown.0.clone(),
        None => sanitize::clean_to(&format!("{e:#}"), MAX_ERROR_CHARS).into_owned(),
    }
}
