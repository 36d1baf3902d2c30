//! A descriptor-driven manifest engine: YAML or JSON text in proto3-JSON form
//! into protobuf messages, with the position of every field, and back.
//!
//! Nothing here knows a particular resource: a [`Loader`] is told which
//! `kind`s map to which message descriptors, and works from the descriptors
//! alone.
//!
//! - **Strict**: unknown fields, wrong types, out-of-range numbers, duplicate
//!   keys and two members of one oneof are errors naming the field path and the
//!   `line:column`; every such problem is reported, not just the first, under
//!   its [`LoadRule`] (`load.unknown_field`, ...).
//! - **Recovering** on request: [`Loader::load_str_recovering`] leaves the
//!   fields at fault unset and returns the document with its errors, so a
//!   caller can default, validate and report everything at once.
//! - **proto3 JSON for JSON texts**: a text that is a JSON object follows the
//!   proto3 JSON mapping (strings only for string fields, integral numbers in
//!   any JSON form, `"1e2"` included, for integer fields) rather than the YAML
//!   1.1 reading below.
//! - **kubectl's scalars**: unquoted scalars mean what they mean to kubectl and
//!   the upstream CLI (YAML 1.1): `defaultMode: 0755` is 493. Where YAML 1.1 and
//!   1.2 disagree and the field is a string (`tag: 1.10`, `value: yes`), the
//!   value is rejected with a request to quote it, rather than guessed.
//! - **Bounded**: input size, nesting depth and alias expansion are limited.
//!
//! # Examples
//!
//! ```
//! use planton_manifest::Loader;
//! use planton_api::registry;
//!
//! let loader = Loader::for_kinds(registry::supported_kinds().map(|k| {
//!     (k.name().to_owned(), k.manifest_message().unwrap())
//! }));
//! let doc = loader.load_str("kind: KubernetesJob\nspec:\n  parallelism: three\n");
//! assert_eq!(
//!     doc.unwrap_err().to_string(),
//!     "spec.parallelism: expected an unsigned integer, found \"three\" at 3:16"
//! );
//!
//! let doc = loader.load_str("kind: KubernetesJob\nmetadata: {name: hello}\n").unwrap();
//! assert_eq!(doc.source_map().value("metadata.name").unwrap().to_string(), "2:18");
//! assert_eq!(planton_manifest::to_json_string(doc.message()), "{\n  \"kind\": \"KubernetesJob\",\n  \"metadata\": {\n    \"name\": \"hello\"\n  }\n}\n");
//! ```

#![deny(missing_docs)]

pub mod component;
// First: its macros serve the writers declared after it.
#[macro_use]
mod ser_plumbing;

mod decode;
mod defaults;
mod encode;
mod error;
mod json_ser;
mod location;
pub mod report;
pub mod sanitize;
mod scalar;
pub mod schema;
mod spare;
pub mod terraform;
mod violation;
pub mod wire;
mod yaml;
mod yaml_fast;
mod yaml_scalar;
mod yaml_ser;

use std::fmt;

pub use prost_reflect;
use prost_reflect::{DynamicMessage, MessageDescriptor, ReflectMessage, SerializeOptions};

pub use defaults::{DefaultOptions, Defaults, DefaultsError};
pub use encode::{encode as encode_dynamic, transcode};
pub use error::{FieldError, FieldErrors, LoadError, LoadRule, MAX_FIELD_ERRORS};
pub use json_ser::{Error as JsonWriteError, JsonWriter, to_json_pretty as serialize_to_json};
pub use location::{Location, SourceMap, Span, parent_path};
pub use planton_text::{EXCERPT_CHARS, Excerpt, excerpt};
pub use violation::{BufValidator, RuleError, Severity, Source, Violation, locate, sort};
pub use yaml_ser::{Error as YamlWriteError, YamlWriter, to_yaml as serialize_to_yaml};

/// Default limit on the size of an input text: 4 MiB.
pub const DEFAULT_MAX_INPUT_BYTES: usize = 4 << 20;
/// Default limit on nesting depth.
pub const DEFAULT_MAX_DEPTH: usize = 100;
/// Default limit on the number of nodes of a document, alias expansions included.
pub const DEFAULT_MAX_NODES: usize = 100_000;
/// Default limit on the scalar text copied for anchors and aliases: 16 MiB.
pub const DEFAULT_MAX_ALIAS_BYTES: usize = 16 << 20;

/// Loads manifests: picks the message type from the `kind` field and decodes
/// the text into it.
#[derive(Debug, Clone)]
pub struct Loader {
    kinds: Vec<(String, MessageDescriptor)>,
    max_input_bytes: usize,
    max_depth: usize,
    max_nodes: usize,
    max_alias_bytes: usize,
    /// Whether the fast reader may take the text (else saphyr-parser alone).
    fast_reader: bool,
}

impl Default for Loader {
    fn default() -> Self {
        Loader::new()
    }
}

impl Loader {
    /// A loader that knows no kind yet, with the default limits.
    pub fn new() -> Self {
        Loader {
            kinds: Vec::new(),
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
            max_depth: DEFAULT_MAX_DEPTH,
            max_nodes: DEFAULT_MAX_NODES,
            max_alias_bytes: DEFAULT_MAX_ALIAS_BYTES,
            fast_reader: true,
        }
    }

    /// Not part of the API: reads every text with saphyr-parser alone, not
    /// the fast reader for manifests' YAML (the benchmarks' baseline).
    #[doc(hidden)]
    pub fn without_fast_reader(&mut self) -> &mut Self {
        self.fast_reader = false;
        self
    }

    /// A loader for the given `(kind name, message)` pairs.
    pub fn for_kinds(kinds: impl IntoIterator<Item = (String, MessageDescriptor)>) -> Self {
        let mut loader = Loader::new();
        for (name, desc) in kinds {
            loader.kind(name, desc);
        }
        loader
    }

    /// Maps manifests whose `kind` is `name` to the message `desc`.
    pub fn kind(&mut self, name: impl Into<String>, desc: MessageDescriptor) -> &mut Self {
        let name = name.into();
        self.kinds.retain(|(n, _)| *n != name);
        self.kinds.push((name, desc));
        self.kinds.sort_by(|a, b| a.0.cmp(&b.0));
        self
    }

    /// Sets the largest accepted input, in bytes.
    pub fn max_input_bytes(&mut self, limit: usize) -> &mut Self {
        self.max_input_bytes = limit;
        self
    }

    /// Sets the deepest accepted nesting of mappings and lists.
    pub fn max_depth(&mut self, limit: usize) -> &mut Self {
        self.max_depth = limit;
        self
    }

    /// Sets the largest accepted number of nodes, counting alias expansions.
    pub fn max_nodes(&mut self, limit: usize) -> &mut Self {
        self.max_nodes = limit;
        self
    }

    /// Sets the most bytes of scalar text that anchors and aliases may copy
    /// (each alias copies its anchor's text; so does each anchor).
    pub fn max_alias_bytes(&mut self, limit: usize) -> &mut Self {
        self.max_alias_bytes = limit;
        self
    }

    /// The kind names this loader accepts, sorted.
    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.kinds.iter().map(|(n, _)| n.as_str())
    }

    /// Loads a manifest, choosing the message by its `kind`.
    ///
    /// # Errors
    ///
    /// A [`LoadError`] when the text is not YAML/JSON, breaks a limit, has a
    /// missing or unsupported `kind`, or does not fit the message schema.
    pub fn load_str(&self, text: &str) -> Result<Document, LoadError> {
        self.load_str_recovering(text)?.strict()
    }

    /// Loads a manifest as [`Loader::load_str`] does, going on past the
    /// errors of single fields (an unknown field, a value of the wrong type,
    /// out of range, duplicated, ...): the field at fault is left unset, the
    /// rest is read, and the errors come back beside the document, so that a
    /// caller may default and validate it and report everything at once.
    ///
    /// # Errors
    ///
    /// A [`LoadError`] when no document can be read at all: the text is not
    /// YAML/JSON, breaks a limit, is not a mapping, or has a missing or
    /// unsupported `kind`.
    pub fn load_str_recovering(&self, text: &str) -> Result<Recovered, LoadError> {
        let source = self.prepare(text)?;
        let (mut root, nodes) = self.parse(&source)?;
        let json = yaml::is_json(text);
        let yaml::Value::Map(entries) = &root.value else {
            unreachable!("parse checks the root")
        };
        let supported = || self.kinds().map(str::to_owned).collect::<Vec<_>>();
        let kind_node = entries
            .iter()
            .find(|(k, _)| matches!(&k.value, yaml::Value::Scalar { text, .. } if text == "kind"))
            .map(|(_, v)| v);
        let Some(kind_node) = kind_node.filter(|n| !n.is_null()) else {
            return Err(LoadError::MissingKind {
                supported: supported(),
            });
        };
        let yaml::Value::Scalar { text: kind, .. } = &kind_node.value else {
            return Err(LoadError::Fields(
                vec![FieldError {
                    path: "kind".into(),
                    location: kind_node.loc,
                    end: kind_node.end,
                    rule: LoadRule::Type,
                    message: format!("expected a string, found {}", kind_node.describe()),
                }]
                .into(),
            ));
        };
        let Some((_, desc)) = self.kinds.iter().find(|(n, _)| n == kind) else {
            return Err(LoadError::UnsupportedKind {
                kind: excerpt(kind),
                location: kind_node.loc,
                supported: supported(),
            });
        };
        let (desc, kind) = (desc.clone(), kind.to_string());
        let mut loaded = decode_root(&mut root, nodes, &desc, json);
        loaded.document.kind = kind;
        Ok(loaded)
    }

    /// Loads a text as the message `desc`, whatever its `kind` field says (for
    /// messages without one, such as stack inputs).
    ///
    /// # Errors
    ///
    /// As [`Loader::load_str`], less the `kind` checks.
    pub fn load_str_as(&self, text: &str, desc: &MessageDescriptor) -> Result<Document, LoadError> {
        self.load_str_as_recovering(text, desc)?.strict()
    }

    /// As [`Loader::load_str_as`], going on past the errors of single
    /// fields (see [`Loader::load_str_recovering`]).
    ///
    /// # Errors
    ///
    /// As [`Loader::load_str_recovering`], less the `kind` checks.
    pub fn load_str_as_recovering(
        &self,
        text: &str,
        desc: &MessageDescriptor,
    ) -> Result<Recovered, LoadError> {
        let source = self.prepare(text)?;
        let (mut root, nodes) = self.parse(&source)?;
        let mut loaded = decode_root(&mut root, nodes, desc, yaml::is_json(text));
        loaded.document.kind = desc.name().to_owned();
        Ok(loaded)
    }

    /// `text` made ready for the reader, if it is not too large.
    fn prepare<'t>(&self, text: &'t str) -> Result<yaml::Source<'t>, LoadError> {
        if text.len() > self.max_input_bytes {
            return Err(LoadError::TooLarge {
                size: text.len(),
                limit: self.max_input_bytes,
            });
        }
        yaml::prepare(text)
    }

    /// The tree of a prepared text, a mapping, and its number of nodes.
    fn parse<'s>(
        &self,
        source: &'s yaml::Source<'_>,
    ) -> Result<(yaml::Node<'s>, usize), LoadError> {
        let (root, nodes) = source.parse(
            yaml::Limits {
                max_depth: self.max_depth,
                max_nodes: self.max_nodes,
                max_alias_bytes: self.max_alias_bytes,
            },
            self.fast_reader,
        )?;
        if !matches!(root.value, yaml::Value::Map(_)) {
            return Err(LoadError::NotAMapping {
                found: root.describe(),
                location: root.loc,
            });
        }
        Ok((root, nodes))
    }
}

/// The default limits, for the readers of side inputs.
const DEFAULT_LIMITS: yaml::Limits = yaml::Limits {
    max_depth: DEFAULT_MAX_DEPTH,
    max_nodes: DEFAULT_MAX_NODES,
    max_alias_bytes: DEFAULT_MAX_ALIAS_BYTES,
};

/// Decodes a tree of `nodes` nodes.
fn decode_root(
    root: &mut yaml::Node,
    nodes: usize,
    desc: &MessageDescriptor,
    json: bool,
) -> Recovered {
    // At most one source-map entry per node (aliases are counted, and
    // bounded by the node limit).
    let mut decoder = decode::Decoder::with_capacity(nodes);
    decoder.json = json;
    decoder.spans_root(root);
    let message = decoder.message(root, desc);
    decoder.give_back_paths();
    let mut errors = decoder.errors;
    errors.sort();
    let mut skipped = decoder.skipped;
    skipped.sort_by_key(|s| (s.start, s.end));
    Recovered {
        document: Document {
            kind: String::new(),
            message,
            source_map: decoder.spans,
            skipped,
        },
        errors,
    }
}

/// A document loaded past the errors of its fields
/// ([`Loader::load_str_recovering`]): the fields at fault are unset.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Recovered {
    /// The document, without the fields at fault.
    pub document: Document,
    /// The errors, sorted by position; empty when the text loaded cleanly.
    /// Every one is [recoverable](LoadRule::is_recoverable).
    pub errors: FieldErrors,
}

impl Recovered {
    /// The document if it loaded without error, else the errors (what
    /// [`Loader::load_str`] returns).
    ///
    /// # Errors
    ///
    /// [`LoadError::Fields`] with the errors when there are any.
    pub fn strict(self) -> Result<Document, LoadError> {
        if self.errors.is_empty() {
            Ok(self.document)
        } else {
            Err(LoadError::Fields(self.errors))
        }
    }
}

/// A loaded manifest: its kind, the decoded message and where each field was
/// written.
///
/// `Debug` does not print the message: it may hold secret values.
#[derive(Clone)]
pub struct Document {
    kind: String,
    message: DynamicMessage,
    source_map: SourceMap,
    skipped: Vec<Span>,
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("kind", &self.kind)
            .field(
                "message",
                &format_args!("<{}>", self.message.descriptor().full_name()),
            )
            .field("fields_located", &self.source_map.len())
            .finish()
    }
}

impl Document {
    /// The kind the document was loaded as.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The decoded message.
    pub fn message(&self) -> &DynamicMessage {
        &self.message
    }

    /// The decoded message, mutable (to apply defaults, for example).
    pub fn message_mut(&mut self) -> &mut DynamicMessage {
        &mut self.message
    }

    /// Where each field was written.
    pub fn source_map(&self) -> &SourceMap {
        &self.source_map
    }

    /// A document from its parts (for a message built or wrapped by hand).
    pub fn from_parts(
        kind: impl Into<String>,
        message: DynamicMessage,
        source_map: SourceMap,
    ) -> Self {
        Document {
            kind: kind.into(),
            message,
            source_map,
            skipped: Vec::new(),
        }
    }

    /// Where the input holds values that were not read into the message
    /// (those of unknown or duplicate fields and map keys, and of keys that
    /// were refused), sorted. A report that quotes the input should mask them
    /// as it masks secret values: nothing is known of what they hold.
    pub fn skipped(&self) -> &[Span] {
        &self.skipped
    }

    /// Splits the document into its message and source map.
    pub fn into_parts(self) -> (DynamicMessage, SourceMap) {
        (self.message, self.source_map)
    }

    /// The message as a generated type.
    ///
    /// # Errors
    ///
    /// A [`prost::DecodeError`] when `T` is not the type the document was
    /// loaded as.
    pub fn to_typed<T: ReflectMessage + Default>(&self) -> Result<T, prost::DecodeError> {
        transcode(&self.message)
    }
}

/// Reads a YAML or JSON document (one, with the loader's default limits) as a
/// JSON value, scalars read as kubectl reads them (YAML 1.1), for side inputs
/// that are not messages.
///
/// # Errors
///
/// A [`LoadError`] for invalid YAML, several documents, or a broken limit.
pub fn yaml_to_json(text: &str) -> Result<serde_json::Value, LoadError> {
    if text.len() > DEFAULT_MAX_INPUT_BYTES {
        return Err(LoadError::TooLarge {
            size: text.len(),
            limit: DEFAULT_MAX_INPUT_BYTES,
        });
    }
    let source = yaml::prepare(text)?;
    let (root, _) = source.parse(DEFAULT_LIMITS, true)?;
    let mut errors = FieldErrors::new();
    duplicate_keys(&root, &mut String::new(), &mut errors);
    if !errors.is_empty() {
        errors.sort();
        return Err(LoadError::Fields(errors));
    }
    Ok(decode::to_json(&root))
}

/// The entries of a two-level table of text, `outer: {inner: value}`, in the
/// order written: what [`load_text_table`] reads.
pub type TextTable = Vec<(String, Vec<(String, String)>)>;

/// Reads a YAML or JSON document (one, with the loader's default limits)
/// that maps keys to mappings of text, `outer: {inner: value}` (a side input
/// such as the CLI's `--resolve` file), by the rules of a manifest's string
/// maps: keys and values are strings as a `map<string, string>` field reads
/// them. In YAML, unquoted scalars that kubectl reads back unchanged
/// (`port: 5432`, `tls: true`) are their text and those YAML 1.1 and 1.2
/// read differently (`version: 1.10`, `on: yes`, `mode: 0755`) are refused
/// with a request to quote them; in JSON, only strings are text. Every error
/// is reported, with its place.
///
/// # Errors
///
/// A [`LoadError`] for invalid YAML, several documents, a broken limit, or
/// entries that are not text ([`LoadError::Fields`], all of them).
pub fn load_text_table(text: &str) -> Result<TextTable, LoadError> {
    if text.len() > DEFAULT_MAX_INPUT_BYTES {
        return Err(LoadError::TooLarge {
            size: text.len(),
            limit: DEFAULT_MAX_INPUT_BYTES,
        });
    }
    let source = yaml::prepare(text)?;
    let (mut root, _) = source.parse(DEFAULT_LIMITS, true)?;
    let mut decoder = decode::Decoder::with_capacity(0);
    decoder.json = yaml::is_json(text);
    let table = decoder.text_table(&mut root);
    if decoder.errors.is_empty() {
        Ok(table)
    } else {
        let mut errors = decoder.errors;
        errors.sort();
        Err(LoadError::Fields(errors))
    }
}

/// Duplicate keys anywhere in a tree (a JSON object keeps only one). `path`
/// is grown and cut back on the way, keys in it cut to an excerpt.
fn duplicate_keys(node: &yaml::Node, path: &mut String, errors: &mut FieldErrors) {
    use std::fmt::Write;
    let len = path.len();
    match &node.value {
        yaml::Value::Map(entries) => {
            let mut seen: std::collections::HashMap<&str, Location> =
                std::collections::HashMap::new();
            for (k, v) in entries {
                let yaml::Value::Scalar { text, .. } = &k.value else {
                    continue;
                };
                path.push('[');
                path.push_str(&decode::shown_str_subscript(text));
                path.push(']');
                if let Some(first) = seen.insert(text, k.loc) {
                    errors.push(FieldError {
                        path: path.clone(),
                        location: k.loc,
                        end: k.end,
                        rule: LoadRule::Duplicate,
                        message: format!("duplicate key (first at {first})"),
                    });
                }
                duplicate_keys(v, path, errors);
                path.truncate(len);
            }
        }
        yaml::Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                // Writing to a String cannot fail.
                let _ = write!(path, "[{i}]");
                duplicate_keys(item, path, errors);
                path.truncate(len);
            }
        }
        yaml::Value::Scalar { .. } => {}
    }
}

/// A string map key as protovalidate writes it in a field path: `"API_KEY"`
/// (quoted, with `"` and `\` escaped), for building paths like
/// `spec.env.secrets["API_KEY"]`.
pub fn map_key_subscript(key: &str) -> String {
    decode::key_subscript(&prost_reflect::MapKey::String(key.to_owned()))
}

/// A string map key as an error message shows it in a path: as
/// [`map_key_subscript`], with the key cut to an [`Excerpt`] first (so a
/// message stays short whatever the key).
pub fn shown_key_subscript(key: &str) -> String {
    decode::shown_str_subscript(key)
}

/// The proto3-JSON form of a message as a JSON value: JSON (camelCase) field
/// names, enums by name, 64-bit integers as strings, default values omitted,
/// object keys sorted.
pub fn to_json_value<M: ReflectMessage>(message: &M) -> serde_json::Value {
    let dynamic = message.transcode_to_dynamic();
    let value = dynamic
        .serialize_with_options(serde_json::value::Serializer, &SerializeOptions::new())
        .unwrap_or(serde_json::Value::Null);
    sorted(value)
}

/// `value` with every object's keys in sorted order, whatever the
/// `preserve_order` setting of serde_json in the build.
fn sorted(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The proto3-JSON form of a message, pretty-printed, ending with a newline.
pub fn to_json_string<M: ReflectMessage>(message: &M) -> String {
    json_to_string(&to_json_value(message))
}

/// The proto3-JSON form of a message written as YAML (see [`json_to_yaml`]).
pub fn to_yaml_string<M: ReflectMessage>(message: &M) -> String {
    json_to_yaml(&to_json_value(message))
}

/// A JSON value pretty-printed with sorted keys, ending with a newline.
pub fn json_to_string(value: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(&sorted(value.clone())).unwrap_or_default();
    s.push('\n');
    s
}

/// A JSON value written as YAML that kubectl (YAML 1.1) and YAML 1.2 readers
/// read back unchanged: keys sorted, ambiguous strings quoted, multi-line
/// strings as literal blocks. The one YAML writer ([`YamlWriter`]), as
/// [`serialize_to_yaml`] writes any `Serialize` value.
pub fn json_to_yaml(value: &serde_json::Value) -> String {
    // A JSON value's keys are strings and its serialization cannot fail: the
    // writer refuses only other keys and failing `Serialize` implementations.
    yaml_ser::to_yaml(value).unwrap_or_default()
}

/// Not part of the API: hooks for the workspace's own tests.
#[doc(hidden)]
pub mod __test_support {
    /// Whether the fast YAML reader agrees with saphyr-parser on `text`:
    /// `Ok(true)` when it takes the text and gives the very events and
    /// spans saphyr-parser gives, `Ok(false)` when it does not take the
    /// text, `Err` (both event lists) when it takes a text and reads it
    /// otherwise, or takes a text saphyr-parser refuses.
    pub fn fast_reader_agrees(text: &str) -> Result<bool, String> {
        let (full, fast) = crate::yaml::both_readers(text);
        let Some(fast) = fast else { return Ok(false) };
        let show = |events: &[crate::yaml_fast::Located<'_>]| {
            events
                .iter()
                .map(|(e, s, t)| format!("{e:?} {s}-{t}\n"))
                .collect::<String>()
        };
        let Some(full) = full else {
            return Err(format!(
                "taken by the fast reader, refused by saphyr-parser; fast:\n{}",
                show(&fast)
            ));
        };
        // The document start's span is not read by the tree builder.
        let same = full.len() == fast.len()
            && full.iter().zip(&fast).all(|(a, b)| {
                a.0 == b.0
                    && (matches!(a.0, saphyr_parser::Event::DocumentStart(_))
                        || (a.1, a.2) == (b.1, b.2))
            });
        if same {
            Ok(true)
        } else {
            Err(format!(
                "saphyr-parser:\n{}fast:\n{}",
                show(&full),
                show(&fast)
            ))
        }
    }
}
