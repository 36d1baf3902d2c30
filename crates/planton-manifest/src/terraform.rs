//! Terraform: variable types generated from message descriptors, and message
//! values as tfvars.
//!
//! Types follow the proto: scalars become `string`, `number` or `bool`
//! (enums are their value names), messages `object({...})`, maps `map(...)`,
//! repeated fields `list(...)`. A field is `optional(...)` when the proto
//! lets it be absent: proto3 `optional` scalars, message fields without
//! `(buf.validate.field).required`, oneof members, and lists and maps (which
//! default to empty). Proto comments become `#` comments above each attribute
//! when the descriptors carry source info.

use std::fmt::Write as _;

use prost_reflect::{
    DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, ReflectMessage, Value,
};
use serde_json::Value as Json;

/// The deepest message nesting written out (a guard against recursive types).
const MAX_DEPTH: usize = 32;

/// The leading comment of the element at `path` in `desc`'s file, trimmed,
/// if the descriptors carry source info.
pub(crate) fn comment(desc: &MessageDescriptor, path: &[i32]) -> Option<String> {
    comment_in(&desc.parent_file(), path)
}

/// The leading comment of the element at `path` in `file`, trimmed.
fn comment_in(file: &prost_reflect::FileDescriptor, path: &[i32]) -> Option<String> {
    let info = file.file_descriptor_proto().source_code_info.as_ref()?;
    let loc = info.location.iter().find(|l| l.path == path)?;
    let text = loc.leading_comments.as_deref()?.trim();
    (!text.is_empty()).then(|| text.lines().map(str::trim).collect::<Vec<_>>().join("\n"))
}

pub(crate) fn field_comment(field: &FieldDescriptor) -> Option<String> {
    comment(field.parent_message(), field.path())
}

/// The leading comment of an enum value.
pub(crate) fn enum_value_comment(value: &prost_reflect::EnumValueDescriptor) -> Option<String> {
    comment_in(&value.parent_file(), value.path())
}

/// The description of a message: its proto comment, on one line.
pub fn message_description(desc: &MessageDescriptor) -> String {
    comment(desc, desc.path())
        .map(|c| c.replace('\n', " "))
        .unwrap_or_default()
}

fn is_required(field: &FieldDescriptor) -> bool {
    if field.is_list()
        || field.is_map()
        || field.supports_presence() && !matches!(field.kind(), Kind::Message(_))
    {
        return false;
    }
    if field.containing_oneof().is_some() {
        return false;
    }
    match field.kind() {
        Kind::Message(_) => has_required_rule(field),
        _ => true,
    }
}

/// Whether `(buf.validate.field).required = true` is set on the field.
fn has_required_rule(field: &FieldDescriptor) -> bool {
    let pool = field.parent_pool();
    let Some(ext) = pool.get_extension_by_name("buf.validate.field") else {
        return false;
    };
    let options = field.options();
    if !options.has_extension(&ext) {
        return false;
    }
    match options.get_extension(&ext).as_ref() {
        Value::Message(rules) => rules
            .get_field_by_name("required")
            .is_some_and(|v| v.as_bool() == Some(true)),
        _ => false,
    }
}

fn scalar_type(kind: &Kind) -> &'static str {
    match kind {
        Kind::Bool => "bool",
        Kind::String | Kind::Bytes | Kind::Enum(_) => "string",
        _ => "number",
    }
}

fn value_type(kind: &Kind, out: &mut String, indent: usize, depth: usize) {
    match kind {
        Kind::Message(m) => object_type(m, out, indent, depth + 1),
        other => out.push_str(scalar_type(other)),
    }
}

fn field_type(field: &FieldDescriptor, out: &mut String, indent: usize, depth: usize) {
    if field.is_map() {
        let Kind::Message(entry) = field.kind() else {
            return;
        };
        out.push_str("map(");
        value_type(&entry.map_entry_value_field().kind(), out, indent, depth);
        out.push(')');
    } else if field.is_list() {
        out.push_str("list(");
        value_type(&field.kind(), out, indent, depth);
        out.push(')');
    } else {
        value_type(&field.kind(), out, indent, depth);
    }
}

/// The `object({...})` type of a message, with attribute comments, indented
/// for a block at `indent` spaces.
pub fn object_type(desc: &MessageDescriptor, out: &mut String, indent: usize, depth: usize) {
    if depth > MAX_DEPTH {
        out.push_str("any");
        return;
    }
    out.push_str("object({\n");
    let pad = " ".repeat(indent + 2);
    for (i, field) in desc.fields().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if let Some(c) = field_comment(&field) {
            for line in c.lines() {
                let _ = writeln!(
                    out,
                    "{pad}#{}{line}",
                    if line.is_empty() { "" } else { " " }
                );
            }
        }
        let _ = write!(out, "{pad}{} = ", field.name());
        let required = is_required(&field);
        if !required {
            out.push_str("optional(");
        }
        field_type(&field, out, indent + 2, depth);
        if !required {
            if field.is_list() {
                out.push_str(", []");
            } else if field.is_map() {
                out.push_str(", {}");
            }
            out.push(')');
        }
        out.push('\n');
    }
    let _ = write!(out, "{}}})", " ".repeat(indent));
}

/// A message as a tfvars value for [`object_type`]: proto field names, every
/// attribute present (`null` for an absent optional field, `[]`/`{}` for
/// empty lists and maps, the zero value of a required scalar), enums by name,
/// 64-bit integers as JSON numbers.
pub fn tf_value(message: &DynamicMessage) -> Json {
    let mut object = serde_json::Map::new();
    for field in message.descriptor().fields() {
        let present = message.has_field(&field);
        let value = message.get_field(&field);
        let json = if field.is_list() || field.is_map() || present || is_required(&field) {
            field_value(&field, &value)
        } else {
            Json::Null
        };
        object.insert(field.name().to_owned(), json);
    }
    Json::Object(object)
}

fn field_value(field: &FieldDescriptor, value: &Value) -> Json {
    if field.is_map() {
        let Kind::Message(entry) = field.kind() else {
            return Json::Null;
        };
        let value_kind = entry.map_entry_value_field().kind();
        let mut entries: Vec<(String, Json)> = value
            .as_map()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (map_key(k), single(&value_kind, v)))
                    .collect()
            })
            .unwrap_or_default();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        return Json::Object(entries.into_iter().collect());
    }
    if field.is_list() {
        let kind = field.kind();
        return Json::Array(
            value
                .as_list()
                .unwrap_or_default()
                .iter()
                .map(|v| single(&kind, v))
                .collect(),
        );
    }
    single(&field.kind(), value)
}

fn map_key(key: &prost_reflect::MapKey) -> String {
    use prost_reflect::MapKey as K;
    match key {
        K::String(s) => s.clone(),
        K::Bool(b) => b.to_string(),
        K::I32(v) => v.to_string(),
        K::I64(v) => v.to_string(),
        K::U32(v) => v.to_string(),
        K::U64(v) => v.to_string(),
    }
}

fn single(kind: &Kind, value: &Value) -> Json {
    match (kind, value) {
        (Kind::Message(_), Value::Message(m)) => tf_value(m),
        (Kind::Enum(e), Value::EnumNumber(n)) => e
            .get_value(*n)
            .map_or_else(|| Json::from(*n), |v| Json::String(v.name().to_owned())),
        (_, Value::Bool(b)) => Json::Bool(*b),
        (_, Value::I32(v)) => Json::from(*v),
        (_, Value::I64(v)) => Json::from(*v),
        (_, Value::U32(v)) => Json::from(*v),
        (_, Value::U64(v)) => Json::from(*v),
        (_, Value::F32(v)) => {
            serde_json::Number::from_f64(f64::from(*v)).map_or(Json::Null, Json::Number)
        }
        (_, Value::F64(v)) => serde_json::Number::from_f64(*v).map_or(Json::Null, Json::Number),
        (_, Value::String(s)) => Json::String(s.clone()),
        (_, Value::Bytes(b)) => Json::String(String::from_utf8_lossy(b).into_owned()),
        _ => Json::Null,
    }
}
