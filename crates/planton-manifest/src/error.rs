//! Errors of loading a manifest.

use std::fmt;

use crate::location::Location;

/// Why a text could not be loaded as a message.
///
/// No variant carries the content of a string value from the input, so a
/// secret written in a manifest never shows in an error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The input is larger than the configured limit.
    #[error("the input is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Size of the input in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The text is not well-formed YAML or JSON.
    #[error("invalid YAML: {message} at {location}")]
    Syntax {
        /// What the parser found wrong.
        message: String,
        /// Where.
        location: Location,
    },
    /// The text holds no document (only blanks or comments).
    #[error("the input holds no document")]
    Empty,
    /// A second non-empty YAML document follows the first.
    #[error("a second YAML document starts at {location}: give one manifest per file")]
    MultipleDocuments {
        /// Where the second document's content starts.
        location: Location,
    },
    /// Nesting deeper than the limit.
    #[error("nesting deeper than {limit} levels at {location}")]
    TooDeep {
        /// The depth limit.
        limit: usize,
        /// Where the limit was crossed.
        location: Location,
    },
    /// More nodes than the limit, counting every alias expansion.
    #[error("the document expands to more than {limit} nodes (aliases included) at {location}")]
    TooManyNodes {
        /// The node limit.
        limit: usize,
        /// Where the limit was crossed.
        location: Location,
    },
    /// The top level is not a mapping.
    #[error("expected a mapping at the top level, found {found} at {location}")]
    NotAMapping {
        /// What was found instead.
        found: &'static str,
        /// Where.
        location: Location,
    },
    /// The manifest has no `kind`.
    #[error("missing 'kind'; supported kinds: {}", .supported.join(", "))]
    MissingKind {
        /// The kinds this loader knows.
        supported: Vec<String>,
    },
    /// The manifest's `kind` is not one this loader knows.
    #[error("unsupported kind '{kind}' at {location}; supported kinds: {}", .supported.join(", "))]
    UnsupportedKind {
        /// The kind written in the manifest.
        kind: String,
        /// Where.
        location: Location,
        /// The kinds this loader knows.
        supported: Vec<String>,
    },
    /// One or more fields do not fit the message schema.
    #[error("{}", FieldErrors(.0))]
    Fields(Vec<FieldError>),
}

impl LoadError {
    /// The location the error points at, when it has one.
    pub fn location(&self) -> Option<Location> {
        match self {
            LoadError::Syntax { location, .. }
            | LoadError::MultipleDocuments { location }
            | LoadError::TooDeep { location, .. }
            | LoadError::TooManyNodes { location, .. }
            | LoadError::NotAMapping { location, .. }
            | LoadError::UnsupportedKind { location, .. } => Some(*location),
            LoadError::Fields(errors) => errors.first().map(|e| e.location),
            LoadError::TooLarge { .. } | LoadError::Empty | LoadError::MissingKind { .. } => None,
        }
    }
}

/// A field that does not fit the schema: unknown, of the wrong type, out of
/// range, duplicated, or ambiguous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field path in protovalidate's form (`spec.volume_mounts[0].name`).
    pub path: String,
    /// Where in the input.
    pub location: Location,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(top level)"
        } else {
            &self.path
        };
        write!(f, "{path}: {} at {}", self.message, self.location)
    }
}

struct FieldErrors<'a>(&'a [FieldError]);

impl fmt::Display for FieldErrors<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} errors:", many.len())?;
                for e in many {
                    write!(f, "\n  {e}")?;
                }
                Ok(())
            }
        }
    }
}
