//! A JSON Schema (draft-07) of a message, generated from its descriptors,
//! for editors: yaml-language-server (VS Code's YAML extension, Neovim's
//! yamlls) reads it for completion, hover and diagnostics.
//!
//! The schema describes what the [`Loader`](crate::Loader) accepts, read
//! the way an editor reads YAML (YAML 1.2), and never less:
//!
//! - every field under its JSON name, and its proto name as an alias that is
//!   accepted but not offered in completion (`doNotSuggest`);
//! - scalars in every form the loader takes: integers also as strings
//!   (proto3 JSON, and YAML 1.1 forms such as `1_000` that YAML 1.2 reads as
//!   text), booleans also as YAML 1.1's `yes`/`on`/`y`..., enums by name or
//!   number, strings also as plain numbers or booleans (taken as their text);
//!   `null` everywhere but in lists (it leaves a field unset);
//! - `additionalProperties: false` on messages (loading is strict);
//! - the `buf.validate` rules a schema can express: `required` (unless the
//!   defaults create the field and all it requires), string `const`/`in`/`not_in`/lengths/
//!   `pattern`, integer `const`/`in`/ranges, enum `const`/`in`/`not_in`,
//!   list and map sizes. Rules on a field with `ignore` set, CEL rules and
//!   formats are left to `planton validate`;
//! - defaults from a scalar default option and a message default option as
//!   `default`, and proto comments
//!   as `description` and `markdownDescription` (when the descriptors carry
//!   source info).

use std::collections::{BTreeMap, BTreeSet};

use prost_reflect::{
    DynamicMessage, EnumDescriptor, FieldDescriptor, Kind, MessageDescriptor, ReflectMessage, Value,
};
use serde_json::{Map, Value as Json, json};

use crate::terraform;

/// The pattern of an integer written as text that the loader takes: a
/// proto3-JSON decimal string, or a YAML 1.1 integer that YAML 1.2 reads as
/// text (`1_000`, `0b101`, `+0o17`). Checked loosely: the loader decides.
const INTEGER_TEXT: &str = "^[-+]?[0-9][0-9a-fA-FxXoObB_]*$";
/// The booleans of YAML 1.1 that YAML 1.2 reads as text.
const BOOLEAN_TEXT: &str =
    "^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|true|True|TRUE|false|False|FALSE)$";
/// A floating-point number written as text.
const NUMBER_TEXT: &str =
    "^([-+]?[0-9._]+([eE][-+]?[0-9]+)?|NaN|-?Infinity|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN))$";

/// The deepest nesting looked at for what the defaults create.
const MAX_DEPTH: usize = 32;

/// The most message definitions written (each message is one definition,
/// referenced by `$ref`, so recursive types end).
const MAX_MESSAGES: usize = 1000;

/// Builds the JSON Schema of a message type.
///
/// # Examples
///
/// ```
/// use planton_api::prost_reflect::ReflectMessage;
/// use planton_manifest::schema::JsonSchema;
///
/// let desc = planton_api::KubernetesJob::default().descriptor();
/// let schema = JsonSchema::new(&desc).build();
/// assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
/// let spec = &schema["definitions"][desc.get_field_by_name("spec").unwrap()
///     .kind().as_message().unwrap().full_name()];
/// assert!(spec["properties"]["backoffLimit"].is_object());
/// assert_eq!(spec["properties"]["backoff_limit"]["doNotSuggest"], true);
/// ```
#[derive(Debug, Clone)]
pub struct JsonSchema {
    root: MessageDescriptor,
    title: Option<String>,
    default_option: Option<String>,
    message_default_option: Option<String>,
    created: BTreeSet<String>,
}

impl JsonSchema {
    /// A schema of `root` with no defaults and no title.
    pub fn new(root: &MessageDescriptor) -> Self {
        JsonSchema {
            root: root.clone(),
            title: None,
            default_option: None,
            message_default_option: None,
            created: BTreeSet::new(),
        }
    }

    /// The schema's `title`.
    pub fn title(&mut self, title: impl Into<String>) -> &mut Self {
        self.title = Some(title.into());
        self
    }

    /// The field option (full name, a string) holding scalar defaults, shown
    /// as `default`.
    pub fn default_option(&mut self, name: impl Into<String>) -> &mut Self {
        self.default_option = Some(name.into());
        self
    }

    /// The field option (full name, a message of the field's type) holding
    /// a message field's default, shown as `default` in proto3-JSON form.
    pub fn message_default_option(&mut self, name: impl Into<String>) -> &mut Self {
        self.message_default_option = Some(name.into());
        self
    }

    /// Message fields (full names) that the defaults create when they are
    /// unset: never `required`, whatever their rules say.
    pub fn created_by_defaults<I, S>(&mut self, fields: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.created.extend(fields.into_iter().map(Into::into));
        self
    }

    /// The schema, as a JSON value (object keys sorted, so its text is
    /// deterministic).
    pub fn build(&self) -> Json {
        let mut definitions = BTreeMap::new();
        let mut todo = vec![self.root.clone()];
        while let Some(desc) = todo.pop() {
            if definitions.contains_key(desc.full_name()) || definitions.len() >= MAX_MESSAGES {
                continue;
            }
            let def = self.message(&desc, &mut todo);
            definitions.insert(desc.full_name().to_owned(), def);
        }
        let mut root = json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "$ref": reference(&self.root),
            "definitions": definitions,
        });
        if let Some(title) = &self.title {
            root["title"] = json!(title);
        }
        root
    }

    fn message(&self, desc: &MessageDescriptor, todo: &mut Vec<MessageDescriptor>) -> Json {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for field in desc.fields() {
            let schema = self.field(&field, todo);
            let (json_name, name) = (field.json_name(), field.name());
            if self.required(&field, 0) {
                required.push(if json_name == name {
                    json!({ "required": [json_name] })
                } else {
                    json!({ "anyOf": [{ "required": [json_name] }, { "required": [name] }] })
                });
            }
            if json_name != name {
                let mut alias = schema.clone();
                alias["doNotSuggest"] = json!(true);
                properties.insert(name.to_owned(), alias);
            }
            properties.insert(json_name.to_owned(), schema);
        }
        let mut out = json!({
            "type": ["object", "null"],
            "properties": properties,
            "additionalProperties": false,
        });
        describe(&mut out, terraform::comment(desc, desc.path()));
        if !required.is_empty() {
            out["allOf"] = json!(required);
        }
        out
    }

    /// Whether a manifest without `field` is rejected: it has the
    /// `required` rule and the defaults do not create it, or they do but
    /// leave one of its own required fields unset.
    fn required(&self, field: &FieldDescriptor, depth: usize) -> bool {
        if !is_required(field) || depth > MAX_DEPTH {
            return false;
        }
        if !matches!(field.kind(), Kind::Message(_)) {
            return self.default(field).is_none();
        }
        if !self.created.contains(field.full_name()) {
            return true;
        }
        match field.kind() {
            Kind::Message(m) => m.fields().any(|f| self.required(&f, depth + 1)),
            _ => false,
        }
    }

    fn field(&self, field: &FieldDescriptor, todo: &mut Vec<MessageDescriptor>) -> Json {
        let rules = field_rules(field);
        let ignored = rules
            .as_ref()
            .and_then(|r| r.get_field_by_name("ignore"))
            .and_then(|v| v.as_enum_number())
            .is_some_and(|n| n != 0);
        let rules = rules.filter(|_| !ignored);
        let mut out = if field.is_map() {
            let Kind::Message(entry) = field.kind() else {
                return json!({});
            };
            let value = entry.map_entry_value_field();
            let mut m = json!({
                "type": ["object", "null"],
                "additionalProperties": self.single(&value.kind(), false, None, todo),
            });
            if let Some(r) = rules.as_ref().and_then(|r| sub(r, "map")) {
                copy_number(&r, "min_pairs", &mut m, "minProperties");
                copy_number(&r, "max_pairs", &mut m, "maxProperties");
            }
            m
        } else if field.is_list() {
            let item_rules = rules
                .as_ref()
                .and_then(|r| sub(r, "repeated"))
                .and_then(|r| sub(&r, "items"));
            let mut m = json!({
                "type": ["array", "null"],
                "items": self.single(&field.kind(), false, item_rules.as_ref(), todo),
            });
            if let Some(r) = rules.as_ref().and_then(|r| sub(r, "repeated")) {
                copy_number(&r, "min_items", &mut m, "minItems");
                copy_number(&r, "max_items", &mut m, "maxItems");
                if r.get_field_by_name("unique").and_then(|v| v.as_bool()) == Some(true) {
                    m["uniqueItems"] = json!(true);
                }
            }
            m
        } else {
            self.single(&field.kind(), true, rules.as_ref(), todo)
        };
        if is_required(field)
            && !field.supports_presence()
            && !matches!(field.kind(), Kind::Message(_))
        {
            // An implicit-presence scalar is required to be non-zero.
            match field.kind() {
                Kind::String | Kind::Bytes => out["minLength"] = json!(1),
                Kind::Bool => out["not"] = json!({ "enum": [false, "false"] }),
                Kind::Enum(e) => {
                    let zero = e.get_value(0).map(|v| v.name().to_owned());
                    out["not"] = json!({ "enum": [zero, 0] });
                }
                Kind::Message(_) => {}
                _ => out["not"] = json!({ "enum": [0, "0"] }),
            }
        }
        if let Some(default) = self.default(field) {
            out["default"] = default;
        }
        describe(&mut out, terraform::field_comment(field));
        out
    }

    /// The default of `field` from the default option, in its JSON type.
    fn default(&self, field: &FieldDescriptor) -> Option<Json> {
        if let Kind::Message(_) = field.kind() {
            let name = self.message_default_option.as_deref()?;
            let ext = field.parent_pool().get_extension_by_name(name)?;
            let options = field.options();
            if !options.has_extension(&ext) {
                return None;
            }
            let value = options.get_extension(&ext);
            return serde_json::to_value(value.as_message()?).ok();
        }
        let name = self.default_option.as_deref()?;
        let ext = field.parent_pool().get_extension_by_name(name)?;
        let options = field.options();
        if !options.has_extension(&ext) {
            return None;
        }
        let text = options.get_extension(&ext).as_str()?.to_owned();
        Some(match field.kind() {
            Kind::Bool => json!(text == "true"),
            Kind::String | Kind::Bytes | Kind::Enum(_) => json!(text),
            _ => text
                .parse::<i64>()
                .map(Json::from)
                .or_else(|_| text.parse::<u64>().map(Json::from))
                .or_else(|_| text.parse::<f64>().map(Json::from))
                .unwrap_or(json!(text)),
        })
    }

    /// The schema of one value of `kind`; `rules` are its field's rules (the
    /// `FieldRules` message), `nullable` whether `null` is allowed.
    fn single(
        &self,
        kind: &Kind,
        nullable: bool,
        rules: Option<&DynamicMessage>,
        todo: &mut Vec<MessageDescriptor>,
    ) -> Json {
        let types_of = |types: &[&str]| -> Json {
            let mut t: Vec<&str> = types.to_vec();
            if nullable {
                t.push("null");
            }
            json!(t)
        };
        match kind {
            Kind::Message(m) if m.full_name().starts_with("google.protobuf.") => {
                // Well-known types have JSON forms of their own.
                json!({})
            }
            Kind::Message(m) => {
                todo.push(m.clone());
                json!({ "$ref": reference(m) })
            }
            Kind::Enum(e) => enumeration(e, rules.and_then(|r| sub(r, "enum")).as_ref()),
            Kind::String => {
                let mut s = json!({ "type": types_of(&["string", "number", "boolean"]) });
                if let Some(r) = rules.and_then(|r| sub(r, "string")) {
                    string_rules(&r, &mut s);
                }
                s
            }
            Kind::Bytes => json!({ "type": types_of(&["string"]) }),
            Kind::Bool => {
                json!({ "type": types_of(&["boolean", "string"]), "pattern": BOOLEAN_TEXT })
            }
            Kind::Double | Kind::Float => {
                json!({ "type": types_of(&["number", "string"]), "pattern": NUMBER_TEXT })
            }
            int => {
                let (rules_name, min, max): (&str, i128, i128) = match int {
                    Kind::Int32 => ("int32", i32::MIN.into(), i32::MAX.into()),
                    Kind::Sint32 => ("sint32", i32::MIN.into(), i32::MAX.into()),
                    Kind::Sfixed32 => ("sfixed32", i32::MIN.into(), i32::MAX.into()),
                    Kind::Int64 => ("int64", i64::MIN.into(), i64::MAX.into()),
                    Kind::Sint64 => ("sint64", i64::MIN.into(), i64::MAX.into()),
                    Kind::Sfixed64 => ("sfixed64", i64::MIN.into(), i64::MAX.into()),
                    Kind::Uint32 => ("uint32", 0, u32::MAX.into()),
                    Kind::Fixed32 => ("fixed32", 0, u32::MAX.into()),
                    Kind::Fixed64 => ("fixed64", 0, u64::MAX.into()),
                    _ => ("uint64", 0, u64::MAX.into()),
                };
                let mut s = json!({
                    "type": types_of(&["integer", "string"]),
                    "pattern": INTEGER_TEXT,
                    "minimum": number(min),
                    "maximum": number(max),
                });
                if let Some(r) = rules.and_then(|r| sub(r, rules_name)) {
                    integer_rules(&r, &mut s);
                }
                s
            }
        }
    }
}

/// `#/definitions/<full name>`.
fn reference(desc: &MessageDescriptor) -> String {
    format!("#/definitions/{}", desc.full_name())
}

fn number(n: i128) -> Json {
    i64::try_from(n)
        .map(Json::from)
        .or_else(|_| u64::try_from(n).map(Json::from))
        .unwrap_or(Json::Null)
}

/// Sets `description` and `markdownDescription` from a proto comment.
fn describe(out: &mut Json, comment: Option<String>) {
    if let Some(text) = comment {
        out["description"] = json!(text.replace('\n', " "));
        out["markdownDescription"] = json!(text);
    }
}

/// The `(buf.validate.field)` rules of a field, when it has them.
fn field_rules(field: &FieldDescriptor) -> Option<DynamicMessage> {
    let ext = field
        .parent_pool()
        .get_extension_by_name("buf.validate.field")?;
    let options = field.options();
    if !options.has_extension(&ext) {
        return None;
    }
    options.get_extension(&ext).as_message().cloned()
}

fn is_required(field: &FieldDescriptor) -> bool {
    !field.is_list()
        && !field.is_map()
        && field_rules(field)
            .and_then(|r| r.get_field_by_name("required").and_then(|v| v.as_bool()))
            == Some(true)
}

/// The sub-message `name` of a rules message, when it is set.
fn sub(rules: &DynamicMessage, name: &str) -> Option<DynamicMessage> {
    let field = rules.descriptor().get_field_by_name(name)?;
    if !rules.has_field(&field) {
        return None;
    }
    rules.get_field(&field).as_message().cloned()
}

/// The value of the rule `name`, when it is set.
fn rule(rules: &DynamicMessage, name: &str) -> Option<Value> {
    let field = rules.descriptor().get_field_by_name(name)?;
    if field.is_list() {
        let v = rules.get_field(&field);
        return v
            .as_list()
            .is_some_and(|l| !l.is_empty())
            .then(|| v.into_owned());
    }
    rules
        .has_field(&field)
        .then(|| rules.get_field(&field).into_owned())
}

fn as_json(v: &Value) -> Json {
    match v {
        Value::Bool(b) => json!(b),
        Value::I32(n) => json!(n),
        Value::I64(n) => json!(n),
        Value::U32(n) => json!(n),
        Value::U64(n) => json!(n),
        Value::F32(n) => json!(n),
        Value::F64(n) => json!(n),
        Value::String(s) => json!(s),
        Value::EnumNumber(n) => json!(n),
        Value::List(items) => Json::Array(items.iter().map(as_json).collect()),
        _ => Json::Null,
    }
}

fn copy_number(rules: &DynamicMessage, name: &str, out: &mut Json, key: &str) {
    if let Some(v) = rule(rules, name) {
        out[key] = as_json(&v);
    }
}

fn string_rules(r: &DynamicMessage, out: &mut Json) {
    if let Some(v) = rule(r, "const") {
        out["const"] = as_json(&v);
    }
    if let Some(v) = rule(r, "in") {
        out["enum"] = as_json(&v);
    }
    if let Some(v) = rule(r, "not_in") {
        out["not"] = json!({ "enum": as_json(&v) });
    }
    if let Some(v) = rule(r, "len") {
        out["minLength"] = as_json(&v);
        out["maxLength"] = as_json(&v);
    }
    copy_number(r, "min_len", out, "minLength");
    copy_number(r, "max_len", out, "maxLength");
    copy_number(r, "pattern", out, "pattern");
}

fn integer_rules(r: &DynamicMessage, out: &mut Json) {
    if let Some(v) = rule(r, "const") {
        out["const"] = as_json(&v);
    }
    if let Some(v) = rule(r, "in") {
        out["enum"] = as_json(&v);
    }
    if let Some(v) = rule(r, "not_in") {
        out["not"] = json!({ "enum": as_json(&v) });
    }
    // A range whose bounds are swapped (gt > lt) means "outside": not written.
    let lower = rule(r, "gt")
        .map(|v| ("exclusiveMinimum", v))
        .or_else(|| rule(r, "gte").map(|v| ("minimum", v)));
    let upper = rule(r, "lt")
        .map(|v| ("exclusiveMaximum", v))
        .or_else(|| rule(r, "lte").map(|v| ("maximum", v)));
    let as_f64 = |v: &Value| as_json(v).as_f64();
    if let (Some((_, lo)), Some((_, hi))) = (&lower, &upper)
        && as_f64(lo) > as_f64(hi)
    {
        return;
    }
    for (key, v) in lower.into_iter().chain(upper) {
        out[key] = as_json(&v);
    }
}

fn enumeration(e: &EnumDescriptor, rules: Option<&DynamicMessage>) -> Json {
    let mut names: Vec<&str> = Vec::new();
    let mut docs: Vec<String> = Vec::new();
    let allowed = rules.and_then(|r| rule(r, "in")).map(|v| as_json(&v));
    let denied = rules.and_then(|r| rule(r, "not_in")).map(|v| as_json(&v));
    let constant = rules.and_then(|r| rule(r, "const")).map(|v| as_json(&v));
    let keeps = |n: i32| {
        let has = |list: &Option<Json>| {
            list.as_ref()
                .and_then(Json::as_array)
                .is_some_and(|l| l.contains(&json!(n)))
        };
        (allowed.is_none() || has(&allowed))
            && !has(&denied)
            && constant.as_ref().is_none_or(|c| *c == json!(n))
    };
    let values: Vec<_> = e.values().filter(|v| keeps(v.number())).collect();
    for v in &values {
        names.push(v.name());
        docs.push(terraform::enum_value_comment(v).unwrap_or_default());
    }
    let numbers: Vec<i32> = values.iter().map(|v| v.number()).collect();
    let mut named = json!({ "enum": names });
    if docs.iter().any(|d| !d.is_empty()) {
        named["markdownEnumDescriptions"] = json!(docs);
    }
    let restricted = allowed.is_some() || denied.is_some() || constant.is_some();
    let number = if restricted {
        json!({ "enum": numbers })
    } else {
        json!({ "type": "integer", "minimum": i32::MIN, "maximum": i32::MAX })
    };
    json!({ "anyOf": [named, number, { "type": "null" }] })
}
