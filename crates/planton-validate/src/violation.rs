//! The result model: violations with their field and rule paths.

use std::fmt::{self, Write as _};

/// The type of a field as `google.protobuf.FieldDescriptorProto.Type`
/// numbers it (`TYPE_STRING` is 9), as protovalidate writes it in paths.
pub type FieldType = i32;

/// A map key or list index in a [`PathElement`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
// Not `#[non_exhaustive]`: protobuf map keys are of these kinds and no
// other; a caller may match it exhaustively.
pub enum Subscript {
    /// A list index.
    Index(u64),
    /// A `bool` map key.
    Bool(bool),
    /// A signed integer map key.
    Int(i64),
    /// An unsigned integer map key.
    Uint(u64),
    /// A string map key. Map keys are never secret values.
    String(String),
}

/// One step of a [`Violation`]'s field or rule path, as protovalidate's
/// `buf.validate.FieldPathElement`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct PathElement {
    /// The field's number (0 for a oneof's name).
    pub field_number: i32,
    /// The field's name; `[full.name]` for an extension.
    pub field_name: String,
    /// The field's type (0 when unknown, for a oneof's name).
    pub field_type: FieldType,
    /// For a map field, the type of its keys.
    pub key_type: Option<FieldType>,
    /// For a map field, the type of its values.
    pub value_type: Option<FieldType>,
    /// The list index or map key, for an element of a repeated or map field.
    pub subscript: Option<Subscript>,
}

/// A rule broken by a message.
///
/// Messages are the rules' own: protovalidate's standard ones never quote the
/// value of the field, so a secret value does not end up in a report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// Where in the message, from its root.
    pub field: Vec<PathElement>,
    /// Which rule, from the field's `buf.validate.field` (or the message's
    /// or oneof's) options.
    pub rule: Vec<PathElement>,
    /// The rule's id: `string.min_len`, `required`, a CEL rule's id.
    pub rule_id: String,
    /// What is wrong, in words.
    pub message: String,
    /// Whether the violation is about a map key rather than its value.
    pub for_key: bool,
}

impl Violation {
    /// The field path in protovalidate's string form:
    /// `spec.volume_mounts[1].name`, `spec.env.secrets["API_KEY"].value`.
    pub fn field_path(&self) -> String {
        path_string(&self.field)
    }

    /// The rule path in protovalidate's string form: `string.min_len`,
    /// `repeated.items.string.pattern`.
    pub fn rule_path(&self) -> String {
        path_string(&self.rule)
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} [{}]",
            self.field_path(),
            self.message,
            self.rule_id
        )
    }
}

/// A path in protovalidate's string form: names joined by dots, subscripts in
/// brackets, string keys quoted as JSON strings.
pub fn path_string(path: &[PathElement]) -> String {
    let mut out = String::new();
    for (i, e) in path.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str(&e.field_name);
        match &e.subscript {
            None => {}
            Some(Subscript::Index(i)) => {
                let _ = write!(out, "[{i}]");
            }
            Some(Subscript::Bool(b)) => {
                let _ = write!(out, "[{b}]");
            }
            Some(Subscript::Int(i)) => {
                let _ = write!(out, "[{i}]");
            }
            Some(Subscript::Uint(u)) => {
                let _ = write!(out, "[{u}]");
            }
            Some(Subscript::String(s)) => {
                out.push('[');
                quote_into(&mut out, s);
                out.push(']');
            }
        }
    }
    out
}

/// Writes `s` as a JSON string literal (protovalidate's rendering of string
/// keys).
fn quote_into(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, subscript: Option<Subscript>) -> PathElement {
        PathElement {
            field_name: name.into(),
            subscript,
            ..PathElement::default()
        }
    }

    #[test]
    fn paths_render_as_protovalidate_writes_them() {
        let path = vec![
            field("spec", None),
            field("env", None),
            field("secrets", Some(Subscript::String("A\"B".into()))),
            field("items", Some(Subscript::Index(3))),
            field("flags", Some(Subscript::Bool(true))),
            field("ids", Some(Subscript::Int(-2))),
        ];
        assert_eq!(
            path_string(&path),
            r#"spec.env.secrets["A\"B"].items[3].flags[true].ids[-2]"#
        );
        assert_eq!(path_string(&[]), "");
    }
}
