//! A node tree decoded into a `DynamicMessage`, guided by its descriptor.
//!
//! The rules are those of proto3 JSON (field names in either spelling, enums by
//! name or number, 64-bit integers as numbers or strings, `null` for unset,
//! unknown fields rejected) with plain scalars read the way kubectl reads them
//! (see [`crate::scalar`]). Every problem is collected with its field path and
//! position, and decoding goes on, so one pass reports them all.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use foldhash::fast::FixedState;

use prost_reflect::{
    DynamicMessage, EnumDescriptor, FieldDescriptor, Kind, MapKey, MessageDescriptor,
    OneofDescriptor, Value as PValue,
};

use planton_text::{Excerpt, closest};

use crate::error::{FieldError, FieldErrors, LoadRule};
use crate::location::{Location, SourceMap, Span};
use crate::scalar::{self, Plain};
use crate::spare;
use crate::yaml::{CoreTag, Node, Style, Value};

pub(crate) struct Decoder {
    pub errors: FieldErrors,
    pub spans: SourceMap,
    /// Spans of values not read into the message (those of unknown or
    /// duplicate fields and keys).
    pub skipped: Vec<Span>,
    /// Whether the text is JSON: its values follow the proto3 JSON mapping
    /// (no YAML 1.1 reading of scalars).
    pub json: bool,
    /// The field path of the node being decoded: grown on the way down and
    /// cut back on the way up, so decoding allocates no path per field.
    path: String,
    /// The same path as errors show it: map keys cut to an excerpt, so an
    /// error's path stays short whatever the keys above it.
    shown: String,
}

/// Where to cut both paths back to when leaving a field.
#[derive(Clone, Copy)]
pub(crate) struct Mark(usize, usize);

thread_local! {
    /// The thread's path buffers from its last decoder (see [`crate::spare`]).
    static PATH: Cell<String> = const { Cell::new(String::new()) };
    static SHOWN: Cell<String> = const { Cell::new(String::new()) };
}

impl Decoder {
    /// A decoder whose source map has room for a tree of `nodes` nodes.
    pub fn with_capacity(nodes: usize) -> Self {
        Decoder {
            errors: FieldErrors::new(),
            spans: SourceMap::with_capacity(nodes),
            skipped: Vec::new(),
            json: false,
            path: spare::take(&PATH, 128),
            shown: spare::take(&SHOWN, 128),
        }
    }

    /// Gives the path buffers back for the thread's next decoder.
    pub fn give_back_paths(&mut self) {
        spare::give(&PATH, std::mem::take(&mut self.path));
        spare::give(&SHOWN, std::mem::take(&mut self.shown));
    }

    /// Records the position of the document itself (the empty path).
    pub fn spans_root(&mut self, node: &Node) {
        self.spans.record("", None, span(node));
    }

    /// Records a break of `rule` at the current path, about the text at `at`.
    fn error(&mut self, rule: LoadRule, at: Span, message: impl Into<String>) {
        self.errors.push(FieldError {
            path: self.shown.clone(),
            location: at.start,
            end: at.end,
            rule,
            message: message.into(),
        });
    }

    /// Where both paths are now.
    fn mark(&self) -> Mark {
        Mark(self.path.len(), self.shown.len())
    }

    /// Appends `.name` (or `name` at the root) to the path; returns the
    /// mark to cut back to.
    fn enter_field(&mut self, name: &str) -> Mark {
        let mark = self.mark();
        if mark.0 > 0 {
            self.path.push('.');
            self.shown.push('.');
        }
        self.path.push_str(name);
        self.shown.push_str(name);
        mark
    }

    /// Appends a list index (`[3]`) to the path; returns the mark to cut
    /// back to.
    fn enter_index(&mut self, index: usize) -> Mark {
        use std::fmt::Write;
        let mark = self.mark();
        // Writing to a String cannot fail.
        let _ = write!(self.path, "[{index}]");
        let _ = write!(self.shown, "[{index}]");
        mark
    }

    /// Appends a map key's subscript (`["KEY"]`) to the path; returns the
    /// mark to cut back to.
    fn enter_key(&mut self, key: &MapKey) -> Mark {
        let mark = self.mark();
        match key {
            // The common case, with nothing to escape, written in place.
            MapKey::String(s) if !s.chars().any(|c| c == '"' || c == '\\' || c < ' ') => {
                self.path.push_str("[\"");
                self.path.push_str(s);
                self.path.push_str("\"]");
                if s.len() <= planton_text::EXCERPT_CHARS {
                    // Short: shown whole.
                    self.shown.push_str(&self.path[mark.0..]);
                    return mark;
                }
            }
            _ => {
                self.path.push('[');
                self.path.push_str(&key_subscript(key));
                self.path.push(']');
            }
        }
        self.shown.push('[');
        self.shown.push_str(&shown_subscript(key));
        self.shown.push(']');
        mark
    }

    /// Appends a name from the input (an unknown field's) to the path,
    /// cut to an excerpt.
    fn enter_unknown(&mut self, name: &str) -> Mark {
        let mark = self.mark();
        if mark.0 > 0 {
            self.path.push('.');
            self.shown.push('.');
        }
        let shown = Excerpt(name).to_string();
        self.path.push_str(&shown);
        self.shown.push_str(&shown);
        mark
    }

    fn leave(&mut self, mark: Mark) {
        self.path.truncate(mark.0);
        self.shown.truncate(mark.1);
    }

    /// Decodes a mapping node into a message of type `desc`. String values
    /// are moved out of the tree, not copied.
    pub fn message(&mut self, node: &mut Node, desc: &MessageDescriptor) -> DynamicMessage {
        let table = Table::of(desc);
        let mut msg = DynamicMessage::new(table.desc.clone());
        if table.well_known {
            return self.well_known(node, desc).unwrap_or(msg);
        }
        let at = span(node);
        let Value::Map(entries) = &mut node.value else {
            self.error(
                LoadRule::Type,
                at,
                format!("expected a mapping, found {}", node.describe()),
            );
            return msg;
        };
        let mut seen = SeenFields::default();
        // The non-synthetic oneofs set, each with the field that set it and
        // where (by their positions in the table).
        let mut oneofs: Vec<(usize, usize, Location)> = Vec::new();
        for (key, value) in entries.iter_mut() {
            let Value::Scalar { text: name, .. } = &key.value else {
                continue;
            };
            let Some(index) = table.field_by_name(name) else {
                self.skipped.push(span(value));
                if self.errors.is_full() {
                    // Only counted: skip the suggestion.
                    self.errors.omit();
                    continue;
                }
                let hint = closest(name, table.fields.iter().map(|f| &*f.json_name))
                    .map(|s| format!(" (did you mean '{s}'?)"))
                    .unwrap_or_default();
                let mark = self.enter_unknown(name);
                self.error(
                    LoadRule::UnknownField,
                    span(key),
                    format!("unknown field '{}' in {}{hint}", Excerpt(name), desc.name()),
                );
                self.leave(mark);
                continue;
            };
            let len = self.enter_field(&table.fields[index].name);
            self.field(
                &mut msg,
                &table,
                index,
                span(key),
                value,
                &mut seen,
                &mut oneofs,
            );
            self.leave(len);
        }
        // Read: the list may serve the thread's next tree.
        crate::yaml::give_map_entries(std::mem::take(entries));
        msg
    }

    /// One `key: value` entry of a message, at the field's path: field
    /// number `index` of `table`.
    #[allow(clippy::too_many_arguments)]
    fn field(
        &mut self,
        msg: &mut DynamicMessage,
        table: &Table,
        index: usize,
        key_span: Span,
        value: &mut Node,
        seen: &mut SeenFields,
        oneofs: &mut Vec<(usize, usize, Location)>,
    ) {
        let field = &table.fields[index];
        let key = key_span.start;
        if !seen.insert(field.number) {
            // The first occurrence was recorded under the same path.
            let first = self.spans.key(&self.path).unwrap_or(key);
            self.skipped.push(span(value));
            self.error(
                LoadRule::Duplicate,
                key_span,
                format!(
                    "duplicate field '{}' (first set at {first})",
                    field.json_name
                ),
            );
            return;
        }
        self.spans.record(&self.path, Some(key), span(value));
        if value.is_null() {
            // proto3 JSON: null leaves the field unset.
            return;
        }
        if let Some(oneof) = field.oneof {
            if let Some((_, other, at)) = oneofs.iter().find(|(o, ..)| *o == oneof) {
                let message = format!(
                    "'{}' and '{}' (set at {at}) belong to oneof '{}': set only one",
                    field.json_name, table.fields[*other].json_name, table.oneofs[oneof]
                );
                self.error(LoadRule::Oneof, key_span, message);
                return;
            }
            oneofs.push((oneof, index, key));
        }
        if let Some(v) = self.field_value(value, field) {
            if field.is_list || field.is_map.is_some() {
                // Put in place of the field's empty default: setting it
                // would check the kind of every entry against the
                // descriptors (a descriptor made per entry), and they are
                // the field's kinds already (`field_value` read them so).
                *msg.get_field_mut(&field.desc) = v;
            } else if field.supports_presence || field.default.as_ref().is_none_or(|d| v != *d) {
                // Without presence, a default value is the same as unset in
                // proto3: leave it unset, as its JSON round trip would.
                msg.set_field(&field.desc, v);
            }
        }
    }

    fn field_value(&mut self, node: &mut Node, field: &FieldTable) -> Option<PValue> {
        if let Some((key_kind, value_kind)) = &field.is_map {
            return self.map(node, key_kind, value_kind);
        }
        if field.is_list {
            let at = span(node);
            let Value::Seq(items) = &mut node.value else {
                self.error(
                    LoadRule::Type,
                    at,
                    format!("expected a list, found {}", node.describe()),
                );
                return None;
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter_mut().enumerate() {
                let len = self.enter_index(i);
                self.spans.record(&self.path, None, span(item));
                if item.is_null() {
                    self.error(LoadRule::Null, span(item), "null is not allowed in a list");
                } else if let Some(v) = self.single(item, &field.kind) {
                    out.push(v);
                }
                self.leave(len);
            }
            // An empty list is the same as an unset one in proto3.
            return (!out.is_empty()).then_some(PValue::List(out));
        }
        self.single(node, &field.kind)
    }

    fn map(&mut self, node: &mut Node, key_kind: &Kind, value_kind: &Kind) -> Option<PValue> {
        let at = span(node);
        let Value::Map(entries) = &mut node.value else {
            self.error(
                LoadRule::Type,
                at,
                format!("expected a mapping, found {}", node.describe()),
            );
            return None;
        };
        let mut out = HashMap::with_capacity(entries.len());
        // Keys seen whose value did not make it into `out` (errors): with
        // `out`, every key seen, without copying the good ones.
        let mut rejected: std::collections::HashSet<MapKey> = Default::default();
        for (k, v) in entries.iter_mut() {
            let Some(key) = self.map_key(k, key_kind) else {
                self.skipped.push(span(v));
                continue;
            };
            let len = self.enter_key(&key);
            if out.contains_key(&key) || rejected.contains(&key) {
                // The first occurrence was recorded under the same path.
                let first = self.spans.key(&self.path).unwrap_or(k.loc);
                self.skipped.push(span(v));
                self.error(
                    LoadRule::Duplicate,
                    span(k),
                    format!("duplicate key (first at {first})"),
                );
            } else {
                self.spans.record(&self.path, Some(k.loc), span(v));
                let value = if v.is_null() {
                    self.error(
                        LoadRule::Null,
                        span(v),
                        "null is not allowed as a map value",
                    );
                    None
                } else {
                    self.single(v, value_kind)
                };
                match value {
                    Some(value) => {
                        out.insert(key, value);
                    }
                    None => {
                        rejected.insert(key);
                    }
                }
            }
            self.leave(len);
        }
        (!out.is_empty()).then_some(PValue::Map(out))
    }

    fn map_key(&mut self, node: &mut Node, kind: &Kind) -> Option<MapKey> {
        let at = span(node);
        let Value::Scalar { style, tag, .. } = &node.value else {
            return None;
        };
        let quoted = *style == Style::Quoted || *tag == Some(CoreTag::Str);
        if !quoted && node.is_null() {
            // `null:`, `~:` or an empty key: YAML reads no key at all, and
            // kubectl would turn it into the text "null".
            self.error(
                LoadRule::Null,
                at,
                "a null map key (null, ~ or nothing); quote it to mean the text",
            );
            return None;
        }
        let Value::Scalar { text, .. } = &mut node.value else {
            return None;
        };
        match kind {
            Kind::String => {
                if !quoted && let Some(msg) = ambiguous_string(text, "key") {
                    // Keys are names, not secrets: the path may show them.
                    let mark = self.enter_key(&MapKey::String(text.to_string()));
                    self.error(LoadRule::AmbiguousScalar, at, msg);
                    self.leave(mark);
                    return None;
                }
                Some(MapKey::String(std::mem::take(text).into_owned()))
            }
            Kind::Bool => match &**text {
                "true" => Some(MapKey::Bool(true)),
                "false" => Some(MapKey::Bool(false)),
                _ => {
                    self.error(
                        LoadRule::Type,
                        at,
                        format!("expected a boolean map key, found {}", show(text)),
                    );
                    None
                }
            },
            _ => {
                // Integer keys: written as decimal text in JSON, or as YAML integers.
                let value = self.integer(node, kind)?;
                Some(match value {
                    PValue::I32(v) => MapKey::I32(v),
                    PValue::I64(v) => MapKey::I64(v),
                    PValue::U32(v) => MapKey::U32(v),
                    PValue::U64(v) => MapKey::U64(v),
                    _ => return None,
                })
            }
        }
    }

    /// A two-level mapping of text (`outer: {inner: value}`), every key and
    /// value read as a string map's are: the keys as `map<string, ...>`
    /// keys, the values as string fields (the manifest's scalar rules).
    /// Entries with errors are left out; the errors are collected.
    pub fn text_table(&mut self, node: &mut Node) -> Vec<(String, Vec<(String, String)>)> {
        let mut out = Vec::new();
        let Some(entries) = self.text_mapping(node) else {
            return out;
        };
        let mut seen: HashMap<String, Location> = HashMap::new();
        for (k, v) in entries.iter_mut() {
            let Some(MapKey::String(outer)) = self.map_key(k, &Kind::String) else {
                continue;
            };
            let mark = self.enter_key(&MapKey::String(outer.clone()));
            if let Some(first) = seen.get(&outer) {
                let message = format!("duplicate key (first at {first})");
                self.error(LoadRule::Duplicate, span(k), message);
                self.leave(mark);
                continue;
            }
            seen.insert(outer.clone(), k.loc);
            let mut fields = Vec::new();
            if let Some(inner) = self.text_mapping(v) {
                let mut seen_inner: HashMap<String, Location> = HashMap::new();
                for (ik, iv) in inner.iter_mut() {
                    let Some(MapKey::String(name)) = self.map_key(ik, &Kind::String) else {
                        continue;
                    };
                    let inner_mark = self.enter_key(&MapKey::String(name.clone()));
                    if let Some(first) = seen_inner.get(&name) {
                        let message = format!("duplicate key (first at {first})");
                        self.error(LoadRule::Duplicate, span(ik), message);
                    } else {
                        seen_inner.insert(name.clone(), ik.loc);
                        if iv.is_null() {
                            self.error(
                                LoadRule::Null,
                                span(iv),
                                "null is not allowed as a map value",
                            );
                        } else if let Some(value) = self.string(iv) {
                            fields.push((name, value));
                        }
                    }
                    self.leave(inner_mark);
                }
            }
            out.push((outer, fields));
            self.leave(mark);
        }
        out
    }

    /// The entries of a mapping node, or an error at the current path.
    #[allow(clippy::type_complexity)]
    fn text_mapping<'n, 't>(
        &mut self,
        node: &'n mut Node<'t>,
    ) -> Option<&'n mut Vec<(Node<'t>, Node<'t>)>> {
        let at = span(node);
        let found = node.describe();
        match &mut node.value {
            Value::Map(entries) => Some(entries),
            _ => {
                self.error(
                    LoadRule::Type,
                    at,
                    format!("expected a mapping, found {found}"),
                );
                None
            }
        }
    }

    /// One value of a non-repeated kind.
    fn single(&mut self, node: &mut Node, kind: &Kind) -> Option<PValue> {
        match kind {
            Kind::Message(desc) => Some(PValue::Message(self.message(node, desc))),
            Kind::Enum(desc) => self.enumeration(node, desc),
            Kind::String => self.string(node).map(PValue::String),
            Kind::Bytes => self.bytes(node),
            Kind::Bool => self.boolean(node),
            Kind::Double | Kind::Float => self.float(node, kind),
            _ => self.integer(node, kind),
        }
    }

    fn scalar<'n>(&mut self, node: &'n Node, expected: &str) -> Option<(&'n str, bool)> {
        match &node.value {
            Value::Scalar { text, style, tag } => {
                if matches!(tag, Some(CoreTag::Str)) || *style == Style::Quoted {
                    Some((text, true))
                } else {
                    Some((text, false))
                }
            }
            _ => {
                self.error(
                    LoadRule::Type,
                    span(node),
                    format!("expected {expected}, found {}", node.describe()),
                );
                None
            }
        }
    }

    fn string(&mut self, node: &mut Node) -> Option<String> {
        let (text, quoted) = self.scalar(node, "a string")?;
        if self.json && !quoted {
            // proto3 JSON: a string field takes a JSON string only.
            let found = json_literal(text);
            self.error(
                LoadRule::Type,
                span(node),
                format!("expected a string, found {found}"),
            );
            return None;
        }
        if !quoted && let Some(msg) = ambiguous_string(text, "value") {
            self.error(LoadRule::AmbiguousScalar, span(node), msg);
            return None;
        }
        match &mut node.value {
            Value::Scalar { text, .. } => Some(std::mem::take(text).into_owned()),
            _ => None,
        }
    }

    fn bytes(&mut self, node: &Node) -> Option<PValue> {
        let (text, quoted) = self.scalar(node, "base64 text")?;
        let decoded = if self.json && !quoted {
            None
        } else {
            decode_base64(text)
        };
        match decoded {
            Some(b) => Some(PValue::Bytes(b.into())),
            None => {
                self.error(
                    LoadRule::Type,
                    span(node),
                    "expected base64 text (standard or URL-safe alphabet)",
                );
                None
            }
        }
    }

    fn boolean(&mut self, node: &Node) -> Option<PValue> {
        let (text, quoted) = self.scalar(node, "a boolean (true or false)")?;
        if !quoted && let Plain::Bool(b) = scalar::resolve(text) {
            return Some(PValue::Bool(b));
        }
        self.error(
            LoadRule::Type,
            span(node),
            format!(
                "expected a boolean (true or false), found {}",
                show_scalar(text, quoted)
            ),
        );
        None
    }

    fn float(&mut self, node: &Node, kind: &Kind) -> Option<PValue> {
        let (text, quoted) = self.scalar(node, "a number")?;
        let value = if quoted {
            match text {
                "NaN" => Some(f64::NAN),
                "Infinity" => Some(f64::INFINITY),
                "-Infinity" => Some(f64::NEG_INFINITY),
                // proto3 JSON: a number in a string is written as JSON writes it.
                t if self.json => is_json_number(t)
                    .then(|| t.parse::<f64>().ok())
                    .flatten()
                    .filter(|f| f.is_finite()),
                t => t
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && !t.trim().is_empty()),
            }
        } else if self.json {
            // A JSON number too large for a double is refused, not infinity.
            is_json_number(text)
                .then(|| text.parse::<f64>().ok())
                .flatten()
                .filter(|f| f.is_finite())
        } else {
            match scalar::resolve(text) {
                Plain::Int(i) => Some(i as f64),
                Plain::Float(f) => Some(f),
                _ => None,
            }
        };
        let Some(value) = value else {
            self.error(
                LoadRule::Type,
                span(node),
                format!("expected a number, found {}", show_scalar(text, quoted)),
            );
            return None;
        };
        if matches!(kind, Kind::Float) {
            if value.is_finite() && value.abs() > f64::from(f32::MAX) {
                self.error(
                    LoadRule::Range,
                    span(node),
                    format!("{} is out of range for float", Excerpt(text)),
                );
                return None;
            }
            return Some(PValue::F32(value as f32));
        }
        Some(PValue::F64(value))
    }

    fn integer(&mut self, node: &Node, kind: &Kind) -> Option<PValue> {
        let unsigned = matches!(
            kind,
            Kind::Uint32 | Kind::Uint64 | Kind::Fixed32 | Kind::Fixed64
        );
        let expected = if unsigned {
            "an unsigned integer"
        } else {
            "an integer"
        };
        let (text, quoted) = self.scalar(node, expected)?;
        // `Some(None)`: an integer, too large for any field.
        let value: Option<Option<i128>> = if self.json {
            // proto3 JSON: a number or a string holding one, in any JSON
            // form whose value is integral (`100`, `1e2`, `"1e2"`, `100.0`).
            json_integer(text)
        } else if quoted {
            // proto3 JSON: integers may be written as decimal strings.
            let t = text.trim();
            let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
            (!digits.is_empty() && t == text && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse::<i128>().ok())
        } else {
            match scalar::resolve(text) {
                Plain::Int(i) => Some(Some(i)),
                // Beyond 64 bits, or written with a fraction or exponent
                // (`1e3`, `5.0`): the exact value of the text, not the
                // float's rounding of it.
                Plain::Float(f)
                    if (f.is_finite() && f.fract() == 0.0)
                        || (f.is_infinite() && text.bytes().any(|b| b.is_ascii_digit())) =>
                {
                    Some(scalar::exact_integer(text))
                }
                _ => None,
            }
        };
        let Some(value) = value else {
            self.error(
                LoadRule::Type,
                span(node),
                format!("expected {expected}, found {}", show_scalar(text, quoted)),
            );
            return None;
        };
        let (name, fits) = match (kind, value) {
            (_, None) => (integer_kind_name(kind), false),
            (Kind::Int32 | Kind::Sint32 | Kind::Sfixed32, Some(v)) => {
                ("int32", i32::try_from(v).is_ok())
            }
            (Kind::Int64 | Kind::Sint64 | Kind::Sfixed64, Some(v)) => {
                ("int64", i64::try_from(v).is_ok())
            }
            (Kind::Uint32 | Kind::Fixed32, Some(v)) => ("uint32", u32::try_from(v).is_ok()),
            (_, Some(v)) => ("uint64", u64::try_from(v).is_ok()),
        };
        let Some(value) = value.filter(|_| fits) else {
            // The text as written, not a reading of it.
            self.error(
                LoadRule::Range,
                span(node),
                format!("{} is out of range for {name}", Excerpt(text)),
            );
            return None;
        };
        // The range was checked just above, so the conversions cannot fail.
        Some(match kind {
            Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => PValue::I32(value as i32),
            Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => PValue::I64(value as i64),
            Kind::Uint32 | Kind::Fixed32 => PValue::U32(value as u32),
            _ => PValue::U64(value as u64),
        })
    }

    fn enumeration(&mut self, node: &Node, desc: &EnumDescriptor) -> Option<PValue> {
        let (text, quoted) = self.scalar(node, "an enum value name")?;
        if let Some(v) = desc.get_value_by_name(text) {
            return Some(PValue::EnumNumber(v.number()));
        }
        if !quoted
            && !self.json
            && let Plain::Int(i) = scalar::resolve(text)
            && let Ok(n) = i32::try_from(i)
        {
            return Some(PValue::EnumNumber(n));
        }
        // proto3 JSON: a name in a string, or a number (integral, in any
        // JSON form).
        if !quoted
            && self.json
            && let Some(Some(i)) = json_integer(text)
            && let Ok(n) = i32::try_from(i)
        {
            return Some(PValue::EnumNumber(n));
        }
        if self.errors.is_full() {
            // Only counted: skip the suggestion.
            self.errors.omit();
            return None;
        }
        let names: Vec<String> = desc.values().map(|v| v.name().to_owned()).collect();
        let hint = if names.len() <= 8 {
            format!("; expected one of {}", names.join(", "))
        } else {
            closest(text, names.iter().map(String::as_str))
                .map(|s| format!(" (did you mean '{s}'?)"))
                .unwrap_or_default()
        };
        self.error(
            LoadRule::UnknownEnumValue,
            span(node),
            format!(
                "unknown value {} for enum {}{hint}",
                show(text),
                desc.name()
            ),
        );
        None
    }

    /// Well-known types have their own JSON forms: hand the subtree, as JSON,
    /// to prost-reflect's proto3-JSON reader.
    fn well_known(&mut self, node: &Node, desc: &MessageDescriptor) -> Option<DynamicMessage> {
        let json = if self.json {
            json_value(node)
        } else {
            to_json(node)
        };
        match DynamicMessage::deserialize(desc.clone(), json) {
            Ok(m) => Some(m),
            Err(e) => {
                self.error(
                    LoadRule::Type,
                    span(node),
                    format!("invalid {}: {}", desc.full_name(), Excerpt(&e.to_string())),
                );
                None
            }
        }
    }
}

/// What decoding needs of one message type, read from its descriptor once
/// per thread ([`Table::of`]).
///
/// Asking a descriptor for a field, its kind or its oneof makes a new
/// descriptor value, that is a clone of the pool's one reference count (an
/// atomic update): per field of every manifest, the cores of a batch fought
/// over it. Decoding borrows from the table instead.
struct Table {
    desc: MessageDescriptor,
    /// A `google.protobuf` type: read through its own JSON form.
    well_known: bool,
    fields: Vec<FieldTable>,
    /// Field positions by JSON name, and by proto name where no JSON name
    /// is the same (the JSON name wins, as in proto3 JSON). Its keys are
    /// the descriptor's, never the input's: a fast hasher with a fixed seed
    /// is safe.
    by_name: HashMap<Box<str>, usize, FixedState>,
    /// The names of the non-synthetic oneofs.
    oneofs: Vec<Box<str>>,
}

/// What decoding needs of one field.
struct FieldTable {
    desc: FieldDescriptor,
    number: u32,
    name: Box<str>,
    json_name: Box<str>,
    kind: Kind,
    /// A map's key and value kinds.
    is_map: Option<(Kind, Kind)>,
    is_list: bool,
    supports_presence: bool,
    /// The field's default value, for a singular field without presence.
    default: Option<PValue>,
    /// Its non-synthetic oneof, by position in [`Table::oneofs`].
    oneof: Option<usize>,
}

/// The tables a thread has read, by the address of their message's full
/// name (unique while its pool lives, and a table keeps its pool alive).
type Tables = HashMap<usize, Rc<Table>, FixedState>;

thread_local! {
    static TABLES: RefCell<Tables> = RefCell::new(HashMap::default());
}

impl Table {
    /// The table of `desc`, read now if this thread has none for it yet.
    /// Bounded by the number of message types a thread decodes (of every
    /// pool it decodes with: a table keeps its pool, so an address is never
    /// another message's; the descriptor is compared all the same).
    fn of(desc: &MessageDescriptor) -> Rc<Table> {
        TABLES.with(|tables| {
            let key = desc.full_name().as_ptr() as usize;
            if let Some(table) = tables.borrow().get(&key)
                && table.desc == *desc
            {
                return table.clone();
            }
            let table = Rc::new(Table::read(desc));
            tables.borrow_mut().insert(key, table.clone());
            table
        })
    }

    fn read(desc: &MessageDescriptor) -> Table {
        let mut oneofs: Vec<(OneofDescriptor, Box<str>)> = Vec::new();
        let fields: Vec<FieldTable> = desc
            .fields()
            .map(|field| {
                let is_map = field.is_map();
                let oneof = field
                    .containing_oneof()
                    .filter(|o| !o.is_synthetic())
                    .map(|o| {
                        oneofs.iter().position(|(p, _)| *p == o).unwrap_or_else(|| {
                            let name = o.name().into();
                            oneofs.push((o, name));
                            oneofs.len() - 1
                        })
                    });
                let map_kinds = match field.kind() {
                    Kind::Message(entry) if is_map => Some((
                        entry.map_entry_key_field().kind(),
                        entry.map_entry_value_field().kind(),
                    )),
                    _ => None,
                };
                let is_list = !is_map && field.is_list();
                let supports_presence = field.supports_presence();
                FieldTable {
                    number: field.number(),
                    name: field.name().into(),
                    json_name: field.json_name().into(),
                    kind: field.kind(),
                    default: (!is_map && !is_list && !supports_presence)
                        .then(|| field.default_value()),
                    is_map: map_kinds,
                    is_list,
                    supports_presence,
                    oneof,
                    desc: field,
                }
            })
            .collect();
        let mut by_name =
            HashMap::with_capacity_and_hasher(fields.len() * 2, FixedState::default());
        for (i, f) in fields.iter().enumerate() {
            by_name.insert(f.name.clone(), i);
        }
        for (i, f) in fields.iter().enumerate() {
            by_name.insert(f.json_name.clone(), i);
        }
        Table {
            well_known: desc.full_name().starts_with("google.protobuf."),
            desc: desc.clone(),
            fields,
            by_name,
            oneofs: oneofs.into_iter().map(|(_, name)| name).collect(),
        }
    }

    /// The position of the field named `name` (its JSON name, or else its
    /// proto name).
    fn field_by_name(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }
}

/// The protobuf name of an integer kind.
fn integer_kind_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => "int32",
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => "int64",
        Kind::Uint32 | Kind::Fixed32 => "uint32",
        _ => "uint64",
    }
}

/// The field numbers already set in a message: a bit set for the usual small
/// numbers, a list for the rest.
#[derive(Default)]
struct SeenFields {
    low: u64,
    high: Vec<u32>,
}

impl SeenFields {
    /// Whether `number` was not there yet.
    fn insert(&mut self, number: u32) -> bool {
        if number < 64 {
            let bit = 1u64 << number;
            let new = self.low & bit == 0;
            self.low |= bit;
            new
        } else if self.high.contains(&number) {
            false
        } else {
            self.high.push(number);
            true
        }
    }
}

/// When an unquoted scalar for a string field means something else to
/// kubectl (YAML 1.1) than its text, the message saying so. The text itself is
/// never included: the field may hold a secret.
fn ambiguous_string(text: &str, what_is_it: &str) -> Option<String> {
    let what = match scalar::resolve(text) {
        Plain::Str | Plain::Null => return None,
        Plain::Bool(_) => "a boolean",
        Plain::Int(_) => "an integer",
        Plain::Float(_) => "a number",
        Plain::Timestamp => "a timestamp",
    };
    // Where kubectl sends back exactly the text (`123`, `true`, `2.5`), there is
    // nothing in doubt.
    if scalar::kubectl_string(text).as_deref() == Some(text) {
        return None;
    }
    Some(format!(
        "this unquoted {what_is_it} is {what} in YAML 1.1 (as kubectl reads it) and plain text in YAML 1.2; quote it to mean the text"
    ))
}

/// Shows a scalar from a non-string field in an error: its text, quoted, cut
/// to an excerpt.
fn show(text: &str) -> String {
    format!("{:?}", Excerpt(text))
}

fn show_scalar(text: &str, quoted: bool) -> String {
    if quoted {
        format!("the string {}", show(text))
    } else if scalar::resolve(text) == Plain::Null {
        "null".into()
    } else {
        show(text)
    }
}

fn span(node: &Node) -> Span {
    Span {
        start: node.loc,
        end: node.end,
    }
}

/// A map key as an error's path shows it: as [`key_subscript`], a string
/// cut to an excerpt first.
pub(crate) fn shown_subscript(key: &MapKey) -> String {
    match key {
        MapKey::String(s) => shown_str_subscript(s),
        _ => key_subscript(key),
    }
}

/// A string map key as an error's path shows it.
pub(crate) fn shown_str_subscript(key: &str) -> String {
    let (shown, cut) = Excerpt(key).split();
    let quoted = serde_json::to_string(shown).unwrap_or_default();
    if cut > 0 {
        format!("{quoted}…[+{cut} bytes]")
    } else {
        quoted
    }
}

/// A map key as protovalidate writes it in a field path.
pub(crate) fn key_subscript(key: &MapKey) -> String {
    match key {
        // JSON string escaping, as protovalidate renders string keys.
        MapKey::String(s) => serde_json::to_string(s).unwrap_or_default(),
        MapKey::Bool(b) => b.to_string(),
        MapKey::I32(v) => v.to_string(),
        MapKey::I64(v) => v.to_string(),
        MapKey::U32(v) => v.to_string(),
        MapKey::U64(v) => v.to_string(),
    }
}

/// What a plain scalar of a JSON text is, for an error message (a JSON
/// number is no secret, but it is not shown either: it may be long).
fn json_literal(text: &str) -> &'static str {
    match text {
        "true" | "false" => "a boolean",
        _ => "a number",
    }
}

/// Whether `text` is a number as JSON writes it:
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`.
pub(crate) fn is_json_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// The integer a JSON number (bare or in a string) writes: `None` when the
/// text is not a JSON number or its value is not integral, `Some(None)` when
/// it is integral but beyond `i128`. Exact: no float rounding.
fn json_integer(text: &str) -> Option<Option<i128>> {
    if !is_json_number(text) {
        return None;
    }
    if !text.contains(['.', 'e', 'E']) {
        return Some(text.parse::<i128>().ok());
    }
    match scalar::exact_integer(text) {
        Some(i) => Some(Some(i)),
        // Beyond i128 (out of range for any field), or a fraction remains
        // (not an integer, even one too small for a double to keep, as in
        // `1.0000000000000000001`).
        None => {
            let f = text.parse::<f64>().ok()?;
            (f.is_infinite() || f.abs() >= 1e38).then_some(None)
        }
    }
}

/// The JSON value of a node of a JSON text: plain scalars are JSON's
/// literals and numbers.
fn json_value(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.value {
        Value::Scalar { text, style, tag } => {
            if *style == Style::Quoted || *tag == Some(CoreTag::Str) {
                return J::String(text.to_string());
            }
            serde_json::from_str(text).unwrap_or(J::Null)
        }
        Value::Seq(items) => J::Array(items.iter().map(json_value).collect()),
        Value::Map(entries) => J::Object(
            entries
                .iter()
                .filter_map(|(k, v)| match &k.value {
                    Value::Scalar { text, .. } => Some((text.to_string(), json_value(v))),
                    _ => None,
                })
                .collect(),
        ),
    }
}

/// The JSON reading of a node (plain scalars by YAML 1.1, as sigs.k8s.io/yaml does).
pub(crate) fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.value {
        Value::Scalar { text, style, tag } => {
            if *style == Style::Quoted || *tag == Some(CoreTag::Str) {
                return J::String(text.to_string());
            }
            match scalar::resolve(text) {
                Plain::Null => J::Null,
                Plain::Bool(b) => J::Bool(b),
                Plain::Int(i) => i64::try_from(i)
                    .map(J::from)
                    .or_else(|_| u64::try_from(i).map(J::from))
                    .unwrap_or(J::Null),
                Plain::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
                Plain::Timestamp | Plain::Str => J::String(text.to_string()),
            }
        }
        Value::Seq(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => J::Object(
            entries
                .iter()
                .filter_map(|(k, v)| match &k.value {
                    Value::Scalar { text, .. } => Some((text.to_string(), to_json(v))),
                    _ => None,
                })
                .collect(),
        ),
    }
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 {
        return None;
    }
    for c in body.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    (bits < 6).then_some(out)
}

#[cfg(test)]
mod tests {
    use prost_reflect::ReflectMessage;

    use super::*;

    /// Decodes `yaml` into a `KubernetesJob` of `pool`.
    fn decode_job(
        pool: &prost_reflect::DescriptorPool,
        yaml: &str,
    ) -> (DynamicMessage, Vec<String>) {
        let desc = pool
            .get_message_by_name(
                "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJob",
            )
            .unwrap();
        let limits = crate::yaml::Limits {
            max_depth: crate::DEFAULT_MAX_DEPTH,
            max_nodes: crate::DEFAULT_MAX_NODES,
            max_alias_bytes: crate::DEFAULT_MAX_ALIAS_BYTES,
        };
        let source = crate::yaml::prepare(yaml).unwrap();
        let (mut root, nodes) = source.parse(limits, true).unwrap();
        let mut decoder = Decoder::with_capacity(nodes);
        let message = decoder.message(&mut root, &desc);
        let errors = decoder
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect();
        (message, errors)
    }

    /// A decoder's path buffers, given back, serve the thread's next
    /// decoder, empty.
    #[test]
    fn a_decoder_gives_its_path_buffers_back() {
        PATH.take();
        SHOWN.take();
        let mut first = Decoder::with_capacity(0);
        first.path.push_str("spec.image.repo");
        first.shown.push_str("spec.image.repo");
        let at = (first.path.as_ptr(), first.shown.as_ptr());
        first.give_back_paths();
        let next = Decoder::with_capacity(0);
        assert!(next.path.is_empty() && next.shown.is_empty());
        assert_eq!((next.path.as_ptr(), next.shown.as_ptr()), at);
    }

    /// A thread's tables are per pool: the same type of another pool (the
    /// same names) is decoded into that pool's messages, and back.
    #[test]
    fn tables_follow_the_pool_of_the_descriptor() {
        let ours = planton_api::descriptor_pool();
        let other =
            prost_reflect::DescriptorPool::decode(planton_api::FILE_DESCRIPTOR_SET).unwrap();
        let yaml = "metadata: {name: a}\nspec: {namespace: {value: ns}, backoffLimit: 2, env: {variables: {A: {value: b}}}}\n";
        for pool in [ours, &other, ours, &other] {
            let (message, errors) = decode_job(pool, yaml);
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(message.descriptor().parent_pool(), pool);
            let spec = message.get_field_by_name("spec").unwrap();
            let spec = spec.as_message().unwrap();
            assert_eq!(spec.descriptor().parent_pool(), pool);
            assert_eq!(
                spec.get_field_by_name("backoff_limit").unwrap().as_u32(),
                Some(2)
            );
        }
    }

    /// Both spellings of a field name, the errors of a oneof set twice and
    /// of an unknown field (with its suggestion) come from the tables as
    /// they came from the descriptors.
    #[test]
    fn names_oneofs_and_unknown_fields_from_the_tables() {
        let pool = planton_api::descriptor_pool();
        let (a, errors) = decode_job(pool, "spec: {backoffLimit: 2}\n");
        assert!(errors.is_empty(), "{errors:?}");
        let (b, errors) = decode_job(pool, "spec: {backoff_limit: 2}\n");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(a, b);
        let (_, errors) = decode_job(pool, "spec: {backofLimit: 2}\n");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains("unknown field 'backofLimit'")
                && errors[0].contains("did you mean 'backoffLimit'?"),
            "{errors:?}"
        );
        let (_, errors) = decode_job(
            pool,
            "spec: {env: {secrets: {A: {value: x, secretRef: {name: s, key: k}}}}}\n",
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains("'secretRef' and 'value'") && errors[0].contains("belong to oneof"),
            "{errors:?}"
        );
    }

    #[test]
    fn map_keys_enter_the_path_as_protovalidate_writes_them() {
        for key in [
            "PLAIN",
            "with space",
            "quote\"d",
            "back\\slash",
            "tab\tnew\nline",
            "\u{7f}del",
            "ünï",
            "",
        ] {
            let mut d = Decoder::with_capacity(0);
            d.enter_field("spec");
            let len = d.enter_key(&MapKey::String(key.into()));
            let expected = format!("spec[{}]", key_subscript(&MapKey::String(key.into())));
            assert_eq!(d.path, expected, "{key:?}");
            d.leave(len);
            assert_eq!(d.path, "spec");
        }
    }

    #[test]
    fn base64_both_alphabets() {
        assert_eq!(decode_base64("aGk=").unwrap(), b"hi");
        assert_eq!(decode_base64("aGk").unwrap(), b"hi");
        assert_eq!(decode_base64("-_8=").unwrap(), vec![0xfb, 0xff]);
        assert!(decode_base64("a").is_none());
        assert!(decode_base64("a*b=").is_none());
    }

    #[test]
    fn map_keys_as_protovalidate_writes_them() {
        assert_eq!(
            key_subscript(&MapKey::String("API_KEY".into())),
            r#""API_KEY""#
        );
        assert_eq!(key_subscript(&MapKey::String(r#"a"b"#.into())), r#""a\"b""#);
        assert_eq!(
            key_subscript(&MapKey::String("TAB\tKEY\u{1}".into())),
            r#""TAB\tKEY\u0001""#
        );
        assert_eq!(key_subscript(&MapKey::I64(-3)), "-3");
        assert_eq!(key_subscript(&MapKey::Bool(true)), "true");
    }

    fn ambiguous_string_value(text: &str) -> Option<String> {
        ambiguous_string(text, "value")
    }

    #[test]
    fn a_yaml_1_1_boolean_key_is_called_a_key() {
        let msg = ambiguous_string("N", "key").unwrap();
        assert!(msg.starts_with("this unquoted key is a boolean"), "{msg}");
    }

    #[test]
    fn ambiguity_is_reported_only_where_kubectl_changes_the_text() {
        assert!(ambiguous_string_value("1.10").is_some());
        assert!(ambiguous_string_value("0755").is_some());
        assert!(ambiguous_string_value("yes").is_some());
        assert!(ambiguous_string_value("2024-01-01").is_some());
        assert!(ambiguous_string_value("123").is_none());
        assert!(ambiguous_string_value("true").is_none());
        assert!(ambiguous_string_value("v1.2.0").is_none());
    }
}
