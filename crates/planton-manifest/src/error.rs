//! Errors of loading a manifest.

use std::fmt;

use crate::location::Location;
use crate::violation::{Severity, Source, Violation};

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
    /// More scalar text than the limit copied for anchors and aliases (an
    /// alias of a long text, many times over).
    #[error("anchors and aliases copy more than {limit} bytes of text at {location}")]
    TooManyAliasBytes {
        /// The limit in bytes.
        limit: usize,
        /// The anchor or alias whose copy crossed the limit.
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
    /// The manifest's `kind` is not one this loader knows (the kind is cut
    /// to an excerpt).
    #[error("unsupported kind '{kind}' at {location}; supported kinds: {}", .supported.join(", "))]
    UnsupportedKind {
        /// The kind written in the manifest.
        kind: String,
        /// Where.
        location: Location,
        /// The kinds this loader knows.
        supported: Vec<String>,
    },
    /// One or more fields do not fit the message schema (the first
    /// [`MAX_FIELD_ERRORS`] found, and how many more there were).
    #[error("{0}")]
    Fields(FieldErrors),
}

impl LoadError {
    /// The rule the error breaks (for a [`LoadError::Fields`], its first
    /// error's rule).
    pub fn rule(&self) -> LoadRule {
        match self {
            LoadError::TooLarge { .. }
            | LoadError::TooDeep { .. }
            | LoadError::TooManyNodes { .. }
            | LoadError::TooManyAliasBytes { .. } => LoadRule::Limit,
            LoadError::Syntax { .. } => LoadRule::Syntax,
            LoadError::Empty => LoadRule::Empty,
            LoadError::MultipleDocuments { .. } => LoadRule::MultipleDocuments,
            LoadError::NotAMapping { .. } => LoadRule::NotAMapping,
            LoadError::MissingKind { .. } => LoadRule::MissingKind,
            LoadError::UnsupportedKind { .. } => LoadRule::UnsupportedKind,
            LoadError::Fields(errors) => errors.first().map_or(LoadRule::Type, |e| e.rule),
        }
    }

    /// The location the error points at, when it has one.
    pub fn location(&self) -> Option<Location> {
        match self {
            LoadError::Syntax { location, .. }
            | LoadError::MultipleDocuments { location }
            | LoadError::TooDeep { location, .. }
            | LoadError::TooManyNodes { location, .. }
            | LoadError::TooManyAliasBytes { location, .. }
            | LoadError::NotAMapping { location, .. }
            | LoadError::UnsupportedKind { location, .. } => Some(*location),
            LoadError::Fields(errors) => errors.first().map(|e| e.location),
            LoadError::TooLarge { .. } | LoadError::Empty | LoadError::MissingKind { .. } => None,
        }
    }

    /// The location a reader error points at, to move it.
    pub(crate) fn location_mut(&mut self) -> Option<&mut Location> {
        match self {
            LoadError::Syntax { location, .. }
            | LoadError::MultipleDocuments { location }
            | LoadError::TooDeep { location, .. }
            | LoadError::TooManyNodes { location, .. }
            | LoadError::TooManyAliasBytes { location, .. }
            | LoadError::NotAMapping { location, .. }
            | LoadError::UnsupportedKind { location, .. } => Some(location),
            // The reader reports no field errors; the others have no place.
            LoadError::Fields(_)
            | LoadError::TooLarge { .. }
            | LoadError::Empty
            | LoadError::MissingKind { .. } => None,
        }
    }
}

/// The rules a text must follow to load, each with its id in reports
/// (`load.unknown_field`): every load error breaks one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum LoadRule {
    /// The text is well-formed YAML or JSON.
    Syntax,
    /// The input stays within the size, depth, node and alias limits.
    Limit,
    /// The text holds a document.
    Empty,
    /// The text holds one document only.
    MultipleDocuments,
    /// The top level is a mapping.
    NotAMapping,
    /// The manifest has a `kind`.
    MissingKind,
    /// The `kind` is one the loader knows.
    UnsupportedKind,
    /// Every field is one of the message's.
    UnknownField,
    /// Every value has its field's type (a string for a string field, a
    /// mapping for a message, base64 for bytes, ...).
    Type,
    /// Every number fits its field's type.
    Range,
    /// No field or map key is given twice.
    Duplicate,
    /// At most one member of a oneof is set.
    Oneof,
    /// `null` only where it means "unset": not in a list, as a map value or
    /// as a map key.
    Null,
    /// No unquoted scalar that YAML 1.1 (kubectl) and YAML 1.2 read
    /// differently where the field takes text (`tag: 1.10`, `yes:`).
    AmbiguousScalar,
    /// Every enum value is one of the enum's names or numbers.
    UnknownEnumValue,
}

impl LoadRule {
    /// Every rule, in the order of the enum.
    pub const ALL: [LoadRule; 15] = [
        LoadRule::Syntax,
        LoadRule::Limit,
        LoadRule::Empty,
        LoadRule::MultipleDocuments,
        LoadRule::NotAMapping,
        LoadRule::MissingKind,
        LoadRule::UnsupportedKind,
        LoadRule::UnknownField,
        LoadRule::Type,
        LoadRule::Range,
        LoadRule::Duplicate,
        LoadRule::Oneof,
        LoadRule::Null,
        LoadRule::AmbiguousScalar,
        LoadRule::UnknownEnumValue,
    ];

    /// The rule's id in reports: `load.` and a snake-case name.
    pub fn id(self) -> &'static str {
        match self {
            LoadRule::Syntax => "load.syntax",
            LoadRule::Limit => "load.limit",
            LoadRule::Empty => "load.empty",
            LoadRule::MultipleDocuments => "load.multiple_documents",
            LoadRule::NotAMapping => "load.not_a_mapping",
            LoadRule::MissingKind => "load.missing_kind",
            LoadRule::UnsupportedKind => "load.unsupported_kind",
            LoadRule::UnknownField => "load.unknown_field",
            LoadRule::Type => "load.type",
            LoadRule::Range => "load.range",
            LoadRule::Duplicate => "load.duplicate",
            LoadRule::Oneof => "load.oneof",
            LoadRule::Null => "load.null",
            LoadRule::AmbiguousScalar => "load.ambiguous_scalar",
            LoadRule::UnknownEnumValue => "load.unknown_enum_value",
        }
    }

    /// What the rule asks, in one sentence (for rule descriptions in
    /// reports).
    pub fn description(self) -> &'static str {
        match self {
            LoadRule::Syntax => "The text is well-formed YAML or JSON.",
            LoadRule::Limit => "The input stays within the size, nesting, node and alias limits.",
            LoadRule::Empty => "The text holds a document.",
            LoadRule::MultipleDocuments => "The text holds one document only.",
            LoadRule::NotAMapping => "The top level is a mapping.",
            LoadRule::MissingKind => "The manifest has a kind.",
            LoadRule::UnsupportedKind => "The kind is one this tool knows.",
            LoadRule::UnknownField => "Every field is one of the message's fields.",
            LoadRule::Type => "Every value has its field's type.",
            LoadRule::Range => "Every number fits its field's type.",
            LoadRule::Duplicate => "No field or map key is given twice.",
            LoadRule::Oneof => "At most one member of a oneof is set.",
            LoadRule::Null => "null is not allowed in a list, as a map value or as a map key.",
            LoadRule::AmbiguousScalar => {
                "A text field's unquoted value means the same in YAML 1.1 (kubectl) and YAML 1.2."
            }
            LoadRule::UnknownEnumValue => "Every enum value is one of the enum's values.",
        }
    }

    /// Whether loading goes on past a break of this rule: the field at
    /// fault is left unset and the rest of the document is read (see
    /// [`crate::Loader::load_str_recovering`]).
    pub fn is_recoverable(self) -> bool {
        matches!(
            self,
            LoadRule::UnknownField
                | LoadRule::Type
                | LoadRule::Range
                | LoadRule::Duplicate
                | LoadRule::Oneof
                | LoadRule::Null
                | LoadRule::AmbiguousScalar
                | LoadRule::UnknownEnumValue
        )
    }
}

impl fmt::Display for LoadRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A field that does not fit the schema: unknown, of the wrong type, out of
/// range, duplicated, or ambiguous.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldError {
    /// The field path in protovalidate's form (`spec.volume_mounts[0].name`).
    pub path: String,
    /// Where in the input.
    pub location: Location,
    /// Where the text at fault ends (exclusive): the end of the value, or of
    /// the key for an error about a key.
    pub end: Location,
    /// The rule broken.
    pub rule: LoadRule,
    /// What is wrong.
    pub message: String,
}

impl FieldError {
    /// The error as a located [`Violation`] of its rule, from
    /// [`Source::Load`], for reports that list every finding alike.
    pub fn to_violation(&self) -> Violation {
        Violation {
            field_path: self.path.clone(),
            rule_id: self.rule.id().to_owned(),
            message: self.message.clone(),
            source: Source::Load,
            location: Some(self.location),
            span: Some(crate::Span {
                start: self.location,
                end: self.end,
            }),
            for_key: false,
            severity: Severity::Error,
        }
    }
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

/// The most field errors kept for one document; the rest are counted.
pub const MAX_FIELD_ERRORS: usize = 100;

/// The field errors of one document, sorted by position: at most
/// [`MAX_FIELD_ERRORS`] of them, and the number of those left out.
///
/// It dereferences to the slice of the errors kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldErrors {
    errors: Vec<FieldError>,
    omitted: usize,
}

impl FieldErrors {
    /// Collects errors, keeping the first [`MAX_FIELD_ERRORS`] and counting
    /// the rest.
    pub fn new() -> Self {
        FieldErrors::default()
    }

    /// Adds an error, or counts it when [`MAX_FIELD_ERRORS`] are kept already.
    pub fn push(&mut self, error: FieldError) {
        if self.errors.len() < MAX_FIELD_ERRORS {
            self.errors.push(error);
        } else {
            self.omitted = self.omitted.saturating_add(1);
        }
    }

    /// Whether [`MAX_FIELD_ERRORS`] are kept: a new one would only be
    /// counted (so the caller may skip composing it).
    pub fn is_full(&self) -> bool {
        self.errors.len() >= MAX_FIELD_ERRORS
    }

    /// Counts an error that is not kept.
    pub(crate) fn omit(&mut self) {
        self.omitted = self.omitted.saturating_add(1);
    }

    /// How many errors were found beyond the ones kept.
    pub fn omitted(&self) -> usize {
        self.omitted
    }

    /// Whether there is no error.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors kept, in order.
    pub fn into_vec(self) -> Vec<FieldError> {
        self.errors
    }

    /// Sorts the errors kept by position, then path.
    pub(crate) fn sort(&mut self) {
        self.errors.sort_by(|a, b| {
            a.location
                .cmp(&b.location)
                .then_with(|| a.path.cmp(&b.path))
        });
    }
}

impl From<Vec<FieldError>> for FieldErrors {
    fn from(errors: Vec<FieldError>) -> Self {
        let mut out = FieldErrors::new();
        for e in errors {
            out.push(e);
        }
        out
    }
}

impl std::ops::Deref for FieldErrors {
    type Target = [FieldError];

    fn deref(&self) -> &[FieldError] {
        &self.errors
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.errors[..], self.omitted) {
            ([one], 0) => write!(f, "{one}"),
            (many, omitted) => {
                write!(f, "{} errors:", many.len().saturating_add(omitted))?;
                for e in many {
                    write!(f, "\n  {e}")?;
                }
                if omitted > 0 {
                    write!(f, "\n  ... and {omitted} more")?;
                }
                Ok(())
            }
        }
    }
}
