//! Compiling the `buf.validate` options of a message into a [`Plan`], and
//! evaluating it on a message in place.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use prost_reflect::{
    DescriptorPool, DynamicMessage, EnumDescriptor, ExtensionDescriptor, FieldDescriptor, Kind,
    MapKey, MessageDescriptor, ReflectMessage, Value,
};

use crate::Error;
use crate::celx::{self, Cel, Expr};
use crate::native::Native;
use crate::violation::{FieldType, PathElement, Subscript, Violation};

/// `(buf.validate.field).ignore`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ignore {
    Unspecified,
    IfZero,
    Always,
}

/// A CEL rule ready to run: a `cel` rule of a field or message, or a
/// standard or predefined rule's expression.
#[derive(Debug)]
struct CelRule {
    /// The compiled expression; for a rule with a native form, compiled on
    /// first need only (compiling is most of a plan's cost).
    expr: std::sync::OnceLock<Result<Expr, String>>,
    src: String,
    id: String,
    message: String,
    rule_path: Vec<PathElement>,
    /// The rules message (`StringRules`, ...) bound to `rules`.
    rules: Option<Arc<DynamicMessage>>,
    /// The rule's own value, bound to `rule`.
    rule: Option<Value>,
    /// The same rule evaluated natively, when it is a common standard one
    /// or a field's own rule of a simple form ([`Native::recognize_custom`]).
    native: Option<Native>,
}

/// Rules on one value: a field's, or an element's of a list or map.
#[derive(Debug, Default)]
struct ValueRules {
    cel: Vec<CelRule>,
    defined_only: Option<(EnumDescriptor, Vec<PathElement>)>,
    any_in: Option<(Vec<String>, Vec<PathElement>)>,
    any_not_in: Option<(Vec<String>, Vec<PathElement>)>,
    items: Option<Box<ElemRules>>,
    keys: Option<Box<ElemRules>>,
    values: Option<Box<ElemRules>>,
    /// The plan of a message value.
    nested: Option<usize>,
    /// For a map field, the types of its keys and values, which a path
    /// element names when it has a key.
    map_types: Option<(FieldType, FieldType)>,
}

impl ValueRules {
    fn is_empty(&self) -> bool {
        self.cel.is_empty()
            && self.defined_only.is_none()
            && self.any_in.is_none()
            && self.any_not_in.is_none()
            && self.items.is_none()
            && self.keys.is_none()
            && self.values.is_none()
            && self.nested.is_none()
    }
}

#[derive(Debug)]
struct ElemRules {
    ignore: Ignore,
    kind: Kind,
    rules: ValueRules,
}

#[derive(Debug)]
struct FieldPlan {
    field: FieldDescriptor,
    /// Whether the field tracks presence: `supports_presence`, unless an
    /// editions feature says `IMPLICIT`.
    presence: bool,
    /// The field's kind (read once: the descriptor builds it).
    kind: Kind,
    /// Whether the field is read with `has_field` first: when prost-reflect
    /// tracks its presence (`supports_presence`: `has_field` is then a
    /// look-up, without comparing the value to the field's default), and
    /// for maps and lists of messages, whose default prost-reflect builds
    /// from the descriptor on every read of the unset field (a descriptor
    /// clone and a look-up of the map-entry option): `has_field` of an unset
    /// field is one look-up, and such fields are mostly unset.
    tracked: bool,
    /// The field's default value, built once: what an unset field without
    /// presence is evaluated at.
    default: Value,
    element: PathElement,
    required: bool,
    ignore: Ignore,
    rules: ValueRules,
}

#[derive(Debug)]
struct OneofPlan {
    name: String,
    fields: Vec<FieldDescriptor>,
}

#[derive(Debug)]
struct MessageOneofPlan {
    fields: Vec<FieldDescriptor>,
    required: bool,
    rule_path: Vec<PathElement>,
}

#[derive(Debug, Default)]
struct MessagePlan {
    cel: Vec<CelRule>,
    oneofs_required: Vec<OneofPlan>,
    message_oneofs: Vec<MessageOneofPlan>,
    fields: Vec<FieldPlan>,
}

/// The compiled rules of one message type and of every message type it
/// reaches, ready to evaluate.
#[derive(Debug)]
pub struct Plan {
    root: MessageDescriptor,
    messages: Vec<MessagePlan>,
}

/// The `buf.validate` extensions of a pool.
struct Exts {
    field: ExtensionDescriptor,
    message: Option<ExtensionDescriptor>,
    oneof: Option<ExtensionDescriptor>,
    predefined: Option<ExtensionDescriptor>,
}

impl Exts {
    fn of(pool: &DescriptorPool) -> Option<Exts> {
        Some(Exts {
            field: pool.get_extension_by_name("buf.validate.field")?,
            message: pool.get_extension_by_name("buf.validate.message"),
            oneof: pool.get_extension_by_name("buf.validate.oneof"),
            predefined: pool.get_extension_by_name("buf.validate.predefined"),
        })
    }
}

/// `google.protobuf.FieldDescriptorProto.Type` of a field.
fn field_type(f: &FieldDescriptor) -> FieldType {
    kind_type(&f.kind(), f.is_group())
}

fn kind_type(kind: &Kind, group: bool) -> FieldType {
    match kind {
        Kind::Double => 1,
        Kind::Float => 2,
        Kind::Int64 => 3,
        Kind::Uint64 => 4,
        Kind::Int32 => 5,
        Kind::Fixed64 => 6,
        Kind::Fixed32 => 7,
        Kind::Bool => 8,
        Kind::String => 9,
        Kind::Message(_) if group => 10,
        Kind::Message(_) => 11,
        Kind::Bytes => 12,
        Kind::Uint32 => 13,
        Kind::Enum(_) => 14,
        Kind::Sfixed32 => 15,
        Kind::Sfixed64 => 16,
        Kind::Sint32 => 17,
        Kind::Sint64 => 18,
    }
}

fn element_of(f: &FieldDescriptor) -> PathElement {
    PathElement {
        field_number: i32::try_from(f.number()).unwrap_or(i32::MAX),
        field_name: f.name().to_owned(),
        field_type: field_type(f),
        ..PathElement::default()
    }
}

fn map_types(f: &FieldDescriptor) -> Option<(FieldType, FieldType)> {
    match f.kind() {
        Kind::Message(entry) if f.is_map() => Some((
            field_type(&entry.map_entry_key_field()),
            field_type(&entry.map_entry_value_field()),
        )),
        _ => None,
    }
}

fn element_of_ext(x: &ExtensionDescriptor) -> PathElement {
    PathElement {
        field_number: i32::try_from(x.number()).unwrap_or(i32::MAX),
        field_name: format!("[{}]", x.full_name()),
        field_type: kind_type(&x.kind(), x.is_group()),
        ..PathElement::default()
    }
}

/// The element of field `name` of `desc`, for rule paths.
fn rule_element(desc: &MessageDescriptor, name: &str) -> PathElement {
    desc.get_field_by_name(name)
        .map(|f| element_of(&f))
        .unwrap_or_default()
}

fn with(path: &[PathElement], e: PathElement) -> Vec<PathElement> {
    let mut p = path.to_vec();
    p.push(e);
    p
}

fn get_msg(m: &DynamicMessage, name: &str) -> Option<DynamicMessage> {
    let f = m.descriptor().get_field_by_name(name)?;
    if !m.has_field(&f) {
        return None;
    }
    match m.get_field(&f).as_ref() {
        Value::Message(v) => Some(v.clone()),
        _ => None,
    }
}

fn get_bool(m: &DynamicMessage, name: &str) -> bool {
    m.get_field_by_name(name)
        .is_some_and(|v| v.as_bool() == Some(true))
}

fn get_list(m: &DynamicMessage, name: &str) -> Vec<Value> {
    m.get_field_by_name(name)
        .and_then(|v| v.as_list().map(<[Value]>::to_vec))
        .unwrap_or_default()
}

fn get_str(m: &DynamicMessage, name: &str) -> String {
    m.get_field_by_name(name)
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Which member of `FieldRules.type` applies to a value of `kind`.
fn rules_name_for(kind: &Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Double => "double",
        Kind::Float => "float",
        Kind::Int32 => "int32",
        Kind::Int64 => "int64",
        Kind::Uint32 => "uint32",
        Kind::Uint64 => "uint64",
        Kind::Sint32 => "sint32",
        Kind::Sint64 => "sint64",
        Kind::Fixed32 => "fixed32",
        Kind::Fixed64 => "fixed64",
        Kind::Sfixed32 => "sfixed32",
        Kind::Sfixed64 => "sfixed64",
        Kind::Bool => "bool",
        Kind::String => "string",
        Kind::Bytes => "bytes",
        Kind::Enum(_) => "enum",
        Kind::Message(m) => match m.full_name() {
            "google.protobuf.Any" => "any",
            "google.protobuf.Duration" => "duration",
            "google.protobuf.Timestamp" => "timestamp",
            "google.protobuf.FieldMask" => "field_mask",
            "google.protobuf.DoubleValue" => "double",
            "google.protobuf.FloatValue" => "float",
            "google.protobuf.Int64Value" => "int64",
            "google.protobuf.UInt64Value" => "uint64",
            "google.protobuf.Int32Value" => "int32",
            "google.protobuf.UInt32Value" => "uint32",
            "google.protobuf.BoolValue" => "bool",
            "google.protobuf.StringValue" => "string",
            "google.protobuf.BytesValue" => "bytes",
            _ => return None,
        },
    })
}

struct Compiler<'a> {
    cel: &'a Cel,
    /// Whether expressions are parsed on first evaluation instead of here.
    lazy: bool,
    exts: &'a Exts,
    index: HashMap<String, usize>,
    messages: Vec<MessagePlan>,
}

impl Plan {
    /// Compiles the rules of `desc` and of every message type it reaches;
    /// with `lazy`, CEL expressions are parsed on their first evaluation.
    pub(crate) fn compile(cel: &Cel, desc: &MessageDescriptor, lazy: bool) -> Result<Plan, Error> {
        let Some(exts) = Exts::of(desc.parent_pool()) else {
            return Ok(Plan {
                root: desc.clone(),
                messages: vec![MessagePlan::default()],
            });
        };
        let mut c = Compiler {
            cel,
            lazy,
            exts: &exts,
            index: HashMap::new(),
            messages: Vec::new(),
        };
        c.message(desc)?;
        let mut messages = c.messages;
        prune(&mut messages);
        Ok(Plan {
            root: desc.clone(),
            messages,
        })
    }

    /// The full name of the message type this plan validates.
    pub fn message_name(&self) -> &str {
        self.root.full_name()
    }
}

impl ValueRules {
    /// Whether evaluating these rules can find anything, given which
    /// message plans can (`live`).
    fn has_rules(&self, live: &[bool]) -> bool {
        !self.cel.is_empty()
            || self.defined_only.is_some()
            || self.any_in.is_some()
            || self.any_not_in.is_some()
            || [&self.items, &self.keys, &self.values]
                .into_iter()
                .flatten()
                .any(|e| e.rules.has_rules(live))
            || self
                .nested
                .is_some_and(|i| live.get(i).copied().unwrap_or(false))
    }

    /// Drops what cannot find anything.
    fn prune(&mut self, live: &[bool]) {
        if self
            .nested
            .is_some_and(|i| !live.get(i).copied().unwrap_or(false))
        {
            self.nested = None;
        }
        for slot in [&mut self.items, &mut self.keys, &mut self.values] {
            if let Some(e) = slot {
                e.rules.prune(live);
                if e.rules.is_empty() {
                    *slot = None;
                }
            }
        }
    }
}

impl MessagePlan {
    fn has_rules(&self, live: &[bool]) -> bool {
        !self.cel.is_empty()
            || !self.oneofs_required.is_empty()
            || !self.message_oneofs.is_empty()
            || self
                .fields
                .iter()
                .any(|f| f.required || f.rules.has_rules(live))
    }
}

/// Leaves out the messages (and so the fields) where no rule can apply,
/// however deep: evaluation then only walks where a rule is. A fixpoint
/// over the message graph, which may be recursive.
fn prune(messages: &mut [MessagePlan]) {
    let mut live = vec![false; messages.len()];
    loop {
        let mut changed = false;
        for (i, m) in messages.iter().enumerate() {
            if !live[i] && m.has_rules(&live) {
                live[i] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for m in messages.iter_mut() {
        for f in &mut m.fields {
            f.rules.prune(&live);
        }
        m.fields
            .retain(|f| f.ignore != Ignore::Always && (f.required || !f.rules.is_empty()));
    }
}

fn compile_error(desc: &str, reason: impl Into<String>) -> Error {
    Error::Compile {
        message: desc.to_owned(),
        reason: reason.into(),
    }
}

impl Compiler<'_> {
    fn message(&mut self, desc: &MessageDescriptor) -> Result<usize, Error> {
        if let Some(&i) = self.index.get(desc.full_name()) {
            return Ok(i);
        }
        let idx = self.messages.len();
        self.index.insert(desc.full_name().to_owned(), idx);
        self.messages.push(MessagePlan::default());
        let mut plan = MessagePlan::default();
        let name = desc.full_name();

        // Message rules.
        if let Some(ext) = &self.exts.message {
            let opts = desc.options();
            if opts.has_extension(ext)
                && let Value::Message(rules) = opts.get_extension(ext).as_ref()
            {
                // Message rules have no rule path.
                for r in get_list(rules, "cel") {
                    let Some(r) = r.as_message() else { continue };
                    plan.cel.push(self.cel_rule(
                        name,
                        r,
                        Vec::new(),
                        Some(&Kind::Message(desc.clone())),
                    )?);
                }
                for r in get_list(rules, "cel_expression") {
                    let src = r.as_str().unwrap_or_default();
                    plan.cel.push(self.cel_expr(
                        name,
                        (src, src, ""),
                        Vec::new(),
                        None,
                        None,
                        Some(&Kind::Message(desc.clone())),
                    )?);
                }
                for r in get_list(rules, "oneof").iter() {
                    let Some(r) = r.as_message() else { continue };
                    let names = get_list(r, "fields");
                    if names.is_empty() {
                        return Err(compile_error(name, "a message oneof rule names no field"));
                    }
                    let mut fields: Vec<FieldDescriptor> = Vec::new();
                    for n in &names {
                        let n = n.as_str().unwrap_or_default();
                        let f = desc.get_field_by_name(n).ok_or_else(|| {
                            compile_error(name, format!("message oneof rule names no field '{n}'"))
                        })?;
                        if fields.contains(&f) {
                            return Err(compile_error(
                                name,
                                format!("message oneof rule names field '{n}' twice"),
                            ));
                        }
                        fields.push(f);
                    }
                    plan.message_oneofs.push(MessageOneofPlan {
                        fields,
                        required: get_bool(r, "required"),
                        rule_path: Vec::new(),
                    });
                }
            }
        }

        // Oneof rules.
        if let Some(ext) = &self.exts.oneof {
            for oneof in desc.oneofs() {
                if oneof.is_synthetic() {
                    continue;
                }
                let opts = oneof.options();
                if !opts.has_extension(ext) {
                    continue;
                }
                if let Value::Message(rules) = opts.get_extension(ext).as_ref()
                    && get_bool(rules, "required")
                {
                    plan.oneofs_required.push(OneofPlan {
                        name: oneof.name().to_owned(),
                        fields: oneof.fields().collect(),
                    });
                }
            }
        }

        for field in desc.fields() {
            if let Some(mut fp) = self.field(desc, &field)? {
                // A field named in a message oneof rule is ignored when
                // zero, unless it says otherwise.
                if fp.ignore == Ignore::Unspecified
                    && plan
                        .message_oneofs
                        .iter()
                        .any(|o| o.fields.contains(&field))
                {
                    fp.ignore = Ignore::IfZero;
                }
                plan.fields.push(fp);
            }
        }
        self.messages[idx] = plan;
        Ok(idx)
    }

    fn field(
        &mut self,
        desc: &MessageDescriptor,
        field: &FieldDescriptor,
    ) -> Result<Option<FieldPlan>, Error> {
        let opts = field.options();
        let rules = if opts.has_extension(&self.exts.field) {
            match opts.get_extension(&self.exts.field).as_ref() {
                Value::Message(m) => Some(m.clone()),
                _ => None,
            }
        } else {
            None
        };
        let where_ = format!("{}.{}", desc.full_name(), field.name());
        let (required, ignore) = match &rules {
            Some(r) => (get_bool(r, "required"), ignore_of(r)),
            None => (false, Ignore::Unspecified),
        };
        let mut vr = ValueRules::default();
        if let Some(r) = &rules {
            let this = (!field.is_list() && !field.is_map()).then(|| field.kind());
            self.field_cel(&where_, r, &[], this.as_ref(), &mut vr)?;
        }
        let type_rules = rules.as_ref().and_then(which_type);
        if field.is_map() {
            let Kind::Message(entry) = field.kind() else {
                return Ok(None);
            };
            let (kf, vf) = (entry.map_entry_key_field(), entry.map_entry_value_field());
            let (mut keys, mut values) = (None, None);
            match &type_rules {
                Some((n, m)) if n == "map" => {
                    let rd = rules.as_ref().map(|r| r.descriptor());
                    let map_el = rd
                        .as_ref()
                        .map(|d| rule_element(d, "map"))
                        .unwrap_or_default();
                    let md = m.descriptor();
                    self.typed(&where_, m, std::slice::from_ref(&map_el), &mut vr, None)?;
                    if let Some(k) = get_msg(m, "keys") {
                        let p = vec![map_el.clone(), rule_element(&md, "keys")];
                        keys = Some(self.elem(&where_, &kf.kind(), Some(&k), &p)?);
                    }
                    if let Some(v) = get_msg(m, "values") {
                        let p = vec![map_el.clone(), rule_element(&md, "values")];
                        values = Some(self.elem(&where_, &vf.kind(), Some(&v), &p)?);
                    }
                }
                Some((n, _)) => {
                    return Err(compile_error(
                        &where_,
                        format!("'{n}' rules do not apply to a map field"),
                    ));
                }
                None => {}
            }
            if values.is_none() && matches!(vf.kind(), Kind::Message(_)) {
                values = Some(self.elem(&where_, &vf.kind(), None, &[])?);
            }
            vr.keys = keys.filter(|k| !k.rules.is_empty()).map(Box::new);
            vr.map_types = map_types(field);
            vr.values = values.filter(|v| !v.rules.is_empty()).map(Box::new);
        } else if field.is_list() {
            let mut items = None;
            match &type_rules {
                Some((n, m)) if n == "repeated" => {
                    let rd = rules.as_ref().map(|r| r.descriptor());
                    let rep_el = rd
                        .as_ref()
                        .map(|d| rule_element(d, "repeated"))
                        .unwrap_or_default();
                    self.typed(&where_, m, std::slice::from_ref(&rep_el), &mut vr, None)?;
                    if let Some(i) = get_msg(m, "items") {
                        let p = vec![rep_el.clone(), rule_element(&m.descriptor(), "items")];
                        items = Some(self.elem(&where_, &field.kind(), Some(&i), &p)?);
                    }
                }
                Some((n, _)) => {
                    return Err(compile_error(
                        &where_,
                        format!("'{n}' rules do not apply to a repeated field"),
                    ));
                }
                None => {}
            }
            if items.is_none() && matches!(field.kind(), Kind::Message(_)) {
                items = Some(self.elem(&where_, &field.kind(), None, &[])?);
            }
            vr.items = items.filter(|i| !i.rules.is_empty()).map(Box::new);
        } else {
            self.single(
                &where_,
                &field.kind(),
                rules.as_ref(),
                type_rules,
                &[],
                &mut vr,
            )?;
        }
        if vr.is_empty() && !required {
            return Ok(None);
        }
        Ok(Some(FieldPlan {
            presence: field.supports_presence() && !implicit_presence(field),
            kind: field.kind(),
            tracked: field.supports_presence()
                || (field.is_list() || field.is_map()) && matches!(field.kind(), Kind::Message(_)),
            default: field.default_value(),
            field: field.clone(),
            element: element_of(field),
            required,
            ignore,
            rules: vr,
        }))
    }

    /// Rules of a list item, map key or map value.
    fn elem(
        &mut self,
        where_: &str,
        kind: &Kind,
        rules: Option<&DynamicMessage>,
        prefix: &[PathElement],
    ) -> Result<ElemRules, Error> {
        let mut vr = ValueRules::default();
        let mut ignore = Ignore::Unspecified;
        if let Some(r) = rules {
            ignore = ignore_of(r);
            self.field_cel(where_, r, prefix, Some(kind), &mut vr)?;
        }
        let type_rules = rules.and_then(which_type);
        self.single(where_, kind, rules, type_rules, prefix, &mut vr)?;
        Ok(ElemRules {
            ignore,
            kind: kind.clone(),
            rules: vr,
        })
    }

    /// Rules of a single (not repeated) value of `kind`.
    fn single(
        &mut self,
        where_: &str,
        kind: &Kind,
        rules: Option<&DynamicMessage>,
        type_rules: Option<(String, DynamicMessage)>,
        prefix: &[PathElement],
        vr: &mut ValueRules,
    ) -> Result<(), Error> {
        if let Some((n, m)) = type_rules {
            let expected = rules_name_for(kind);
            if expected != Some(n.as_str()) {
                return Err(compile_error(
                    where_,
                    format!("'{n}' rules do not apply to a field of this type"),
                ));
            }
            let rd = rules.map(|r| r.descriptor());
            let el = rd.as_ref().map(|d| rule_element(d, &n)).unwrap_or_default();
            let p = with(prefix, el);
            let enum_desc = match kind {
                Kind::Enum(e) => Some(e.clone()),
                _ => None,
            };
            self.typed(where_, &m, &p, vr, enum_desc)?;
        }
        if let Kind::Message(m) = kind
            && !m.full_name().starts_with("google.protobuf.")
        {
            let i = self.message(m)?;
            vr.nested = Some(i);
        }
        Ok(())
    }

    /// The field-level `cel` and `cel_expression` rules.
    fn field_cel(
        &self,
        where_: &str,
        rules: &DynamicMessage,
        prefix: &[PathElement],
        this: Option<&Kind>,
        vr: &mut ValueRules,
    ) -> Result<(), Error> {
        let rd = rules.descriptor();
        let cel_el = rule_element(&rd, "cel");
        for (i, r) in get_list(rules, "cel").iter().enumerate() {
            let Some(r) = r.as_message() else { continue };
            let mut e = cel_el.clone();
            e.subscript = Some(Subscript::Index(i as u64));
            vr.cel
                .push(self.cel_rule(where_, r, with(prefix, e), this)?);
        }
        let expr_el = rule_element(&rd, "cel_expression");
        for (i, r) in get_list(rules, "cel_expression").iter().enumerate() {
            let src = r.as_str().unwrap_or_default();
            let mut e = expr_el.clone();
            e.subscript = Some(Subscript::Index(i as u64));
            vr.cel.push(self.cel_expr(
                where_,
                (src, src, ""),
                with(prefix, e),
                None,
                None,
                this,
            )?);
        }
        Ok(())
    }

    /// The rules of a typed rules message (`StringRules`, ...): each set
    /// field's predefined CEL rules, and the few rules that are not CEL.
    fn typed(
        &mut self,
        where_: &str,
        rules: &DynamicMessage,
        prefix: &[PathElement],
        vr: &mut ValueRules,
        enum_desc: Option<EnumDescriptor>,
    ) -> Result<(), Error> {
        let shared = Arc::new(rules.clone());
        let full = rules.descriptor().full_name().to_owned();
        for (f, v) in rules.fields() {
            let el = element_of(&f);
            match (full.as_str(), f.name()) {
                ("buf.validate.EnumRules", "defined_only") => {
                    if v.as_bool() == Some(true)
                        && let Some(e) = &enum_desc
                    {
                        vr.defined_only = Some((e.clone(), with(prefix, el)));
                    }
                    continue;
                }
                ("buf.validate.AnyRules", "in") => {
                    vr.any_in = Some((strings(v), with(prefix, el)));
                    continue;
                }
                ("buf.validate.AnyRules", "not_in") => {
                    vr.any_not_in = Some((strings(v), with(prefix, el)));
                    continue;
                }
                _ => {}
            }
            let opts = f.options();
            self.predefined(where_, &opts, &shared, v, with(prefix, el), vr)?;
        }
        for (x, v) in rules.extensions() {
            let opts = x.options();
            let el = element_of_ext(&x);
            self.predefined(where_, &opts, &shared, v, with(prefix, el), vr)?;
        }
        Ok(())
    }

    fn predefined(
        &self,
        where_: &str,
        field_options: &DynamicMessage,
        rules: &Arc<DynamicMessage>,
        value: &Value,
        path: Vec<PathElement>,
        vr: &mut ValueRules,
    ) -> Result<(), Error> {
        let Some(ext) = &self.exts.predefined else {
            return Ok(());
        };
        if !field_options.has_extension(ext) {
            return Ok(());
        }
        let Value::Message(pre) = field_options.get_extension(ext).into_owned() else {
            return Ok(());
        };
        for r in get_list(&pre, "cel") {
            let Some(r) = r.as_message() else { continue };
            let (src, id, message) = (
                get_str(r, "expression"),
                get_str(r, "id"),
                get_str(r, "message"),
            );
            vr.cel.push(self.cel_expr(
                where_,
                (&src, &id, &message),
                path.clone(),
                Some(Arc::clone(rules)),
                Some(value.clone()),
                None,
            )?);
        }
        Ok(())
    }

    /// A `cel` rule of a field or message; `this` is the kind of the value,
    /// when it is a single one (not a list or map).
    fn cel_rule(
        &self,
        where_: &str,
        rule: &DynamicMessage,
        path: Vec<PathElement>,
        this: Option<&Kind>,
    ) -> Result<CelRule, Error> {
        let src = get_str(rule, "expression");
        let id = get_str(rule, "id");
        let message = get_str(rule, "message");
        self.cel_expr(where_, (&src, &id, &message), path, None, None, this)
    }

    /// A rule from its `(expression, id, message)`; `rules` and `value` for
    /// a standard or predefined rule.
    fn cel_expr(
        &self,
        where_: &str,
        (src, id, message): (&str, &str, &str),
        path: Vec<PathElement>,
        rules: Option<Arc<DynamicMessage>>,
        value: Option<Value>,
        this: Option<&Kind>,
    ) -> Result<CelRule, Error> {
        let native = match (&rules, &value) {
            (Some(_), Some(v)) => Native::recognize(src, v),
            // A string field's (or item's) own rule.
            (None, None) if matches!(this, Some(Kind::String)) => {
                Native::recognize_custom(src, id, message)
            }
            _ => None,
        };
        let expr = std::sync::OnceLock::new();
        // A natively evaluated standard expression is one of a known few,
        // which parse; a field's own rule is compiled all the same, so that
        // an expression the compiler refuses (for `this`'s type) is refused
        // whichever way it would be evaluated.
        if (native.is_none() || rules.is_none()) && !self.lazy {
            let compiled = self.cel.compile(src, this).map_err(|e| {
                compile_error(
                    where_,
                    format!("cannot compile the expression of rule '{id}': {e}"),
                )
            })?;
            let _ = expr.set(Ok(compiled));
        }
        Ok(CelRule {
            expr,
            src: src.to_owned(),
            id: id.to_owned(),
            message: message.to_owned(),
            rule_path: path,
            rules,
            rule: value,
            native,
        })
    }
}

impl CelRule {
    fn expr(&self, cel: &Cel) -> Result<&Expr, Error> {
        self.expr
            .get_or_init(|| cel.compile(&self.src, None))
            .as_ref()
            .map_err(|e| Error::Runtime(format!("rule '{}': {e}", self.id)))
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_list()
        .map(|l| {
            l.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether an editions feature gives the field implicit presence
/// (`features.field_presence = IMPLICIT`).
fn implicit_presence(field: &FieldDescriptor) -> bool {
    const IMPLICIT: i32 = 2;
    field.options().get_field_by_name("features").and_then(|f| {
        f.as_message()
            .and_then(|f| f.get_field_by_name("field_presence"))
            .and_then(|p| p.as_enum_number())
    }) == Some(IMPLICIT)
}

fn ignore_of(rules: &DynamicMessage) -> Ignore {
    match rules
        .get_field_by_name("ignore")
        .and_then(|v| v.as_enum_number())
    {
        Some(1) => Ignore::IfZero,
        Some(3) => Ignore::Always,
        _ => Ignore::Unspecified,
    }
}

/// The member of `FieldRules.type` that is set, with its rules.
fn which_type(rules: &DynamicMessage) -> Option<(String, DynamicMessage)> {
    let desc = rules.descriptor();
    let oneof = desc.oneofs().find(|o| o.name() == "type")?;
    for f in oneof.fields() {
        if rules.has_field(&f)
            && let Value::Message(m) = rules.get_field(&f).as_ref()
        {
            return Some((f.name().to_owned(), m.clone()));
        }
    }
    None
}

// ---------------------------------------------------------------------------
// evaluation

/// One step of the field path being evaluated, borrowed from the plan:
/// nothing is allocated unless a violation is reported.
#[derive(Clone)]
pub(crate) struct Step<'p> {
    element: &'p PathElement,
    subscript: Option<Subscript>,
    map_types: Option<(FieldType, FieldType)>,
}

/// State of one evaluation.
pub(crate) struct Run<'p> {
    pub(crate) cel: &'p Cel,
    /// The time of the evaluation, read on first use by a rule (`now`).
    pub(crate) now: std::cell::OnceCell<chrono::DateTime<chrono::FixedOffset>>,
    pub(crate) path: Vec<Step<'p>>,
    pub(crate) out: Vec<Violation>,
    pub(crate) fail_fast: bool,
    /// Messages entered and not yet left, bounded by [`MAX_DEPTH`].
    pub(crate) depth: usize,
}

/// How deep messages may nest: as deep as protobuf decoders accept (100),
/// so that only a message built in memory can go deeper, and the stack stays
/// bounded (well within a 2 MiB thread stack in a debug build).
pub(crate) const MAX_DEPTH: usize = 100;

impl Run<'_> {
    /// The current field path, materialized for a violation.
    fn field_path(&self) -> Vec<PathElement> {
        self.path
            .iter()
            .map(|s| {
                let mut e = s.element.clone();
                if s.subscript.is_some() {
                    e.subscript = s.subscript.clone();
                }
                // A map entry's key is filled in by the map's loop
                // ([`Plan::eval_value`]) once the entry is evaluated: the key
                // is only copied when a violation names it.
                if let Some((k, v)) = s.map_types {
                    e.key_type = Some(k);
                    e.value_type = Some(v);
                }
                e
            })
            .collect()
    }

    fn report(&mut self, rule: &[PathElement], id: &str, message: &str, for_key: bool) {
        let field = self.field_path();
        self.out.push(Violation {
            field,
            rule: rule.to_vec(),
            rule_id: id.to_owned(),
            message: message.to_owned(),
            for_key,
        });
    }

    fn set_subscript(
        &mut self,
        subscript: Option<Subscript>,
        map_types: Option<(FieldType, FieldType)>,
    ) {
        if let Some(last) = self.path.last_mut() {
            last.subscript = subscript;
            last.map_types = map_types;
        }
    }
}

static REQUIRED_RULE: std::sync::LazyLock<Vec<PathElement>> = std::sync::LazyLock::new(|| {
    vec![PathElement {
        field_number: 25,
        field_name: "required".into(),
        field_type: 8,
        ..PathElement::default()
    }]
});

impl Plan {
    /// Evaluates the plan on `msg`, adding violations to `run.out`.
    pub(crate) fn eval<'p>(&'p self, run: &mut Run<'p>, msg: &DynamicMessage) -> Result<(), Error> {
        // The same descriptor, from the same pool: field numbers and kinds
        // then agree with the plan's.
        if msg.descriptor() != self.root {
            return Err(Error::WrongMessage {
                expected: self.root.full_name().to_owned(),
                found: msg.descriptor().full_name().to_owned(),
            });
        }
        self.eval_message(run, 0, msg)
    }

    fn eval_message<'p>(
        &'p self,
        run: &mut Run<'p>,
        idx: usize,
        msg: &DynamicMessage,
    ) -> Result<(), Error> {
        let Some(plan) = self.messages.get(idx) else {
            return Ok(());
        };
        if run.depth >= MAX_DEPTH {
            return Err(Error::TooDeep { limit: MAX_DEPTH });
        }
        run.depth += 1;
        let result = self.eval_message_in(run, plan, msg);
        run.depth -= 1;
        result
    }

    fn eval_message_in<'p>(
        &'p self,
        run: &mut Run<'p>,
        plan: &'p MessagePlan,
        msg: &DynamicMessage,
    ) -> Result<(), Error> {
        for r in &plan.cel {
            let this = celx::message_value(msg, &r.expr(run.cel)?.tested).map_err(runtime)?;
            eval_cel(run, r, this, false)?;
        }
        for o in &plan.oneofs_required {
            if !o.fields.iter().any(|f| msg.has_field(f)) {
                let mut field = run.field_path();
                field.push(PathElement {
                    field_name: o.name.clone(),
                    ..PathElement::default()
                });
                run.out.push(Violation {
                    field,
                    rule: Vec::new(),
                    rule_id: "required".into(),
                    message: "exactly one field is required in oneof".into(),
                    for_key: false,
                });
            }
        }
        for o in &plan.message_oneofs {
            let set = o.fields.iter().filter(|f| msg.has_field(f)).count();
            let names = || {
                o.fields
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let message = if set > 1 {
                format!("only one of {} can be set", names())
            } else if set == 0 && o.required {
                format!("one of {} must be set", names())
            } else {
                continue;
            };
            run.report(&o.rule_path, "message.oneof", &message, false);
        }
        if run.fail_fast && !run.out.is_empty() {
            return Ok(());
        }
        for fp in &plan.fields {
            self.eval_field(run, fp, msg)?;
            if run.fail_fast && !run.out.is_empty() {
                return Ok(());
            }
        }
        Ok(())
    }

    fn eval_field<'p>(
        &'p self,
        run: &mut Run<'p>,
        fp: &'p FieldPlan,
        msg: &DynamicMessage,
    ) -> Result<(), Error> {
        if fp.ignore == Ignore::Always {
            return Ok(());
        }
        let value = field_value(fp, msg);
        // Set as `has_field` says, with an editions `IMPLICIT` feature applied: a
        // value held without presence is set unless it is the zero value.
        let set = value.is_some_and(|v| fp.presence || !is_zero(v, &fp.kind));
        if !set {
            if fp.required {
                run.path.push(Step {
                    element: &fp.element,
                    subscript: None,
                    map_types: None,
                });
                run.report(&REQUIRED_RULE, "required", "value is required", false);
                run.path.pop();
                return Ok(());
            }
            if fp.presence || fp.ignore == Ignore::IfZero {
                return Ok(());
            }
        }
        // Here the field is set, or is evaluated at its zero value (no
        // presence, no `ignore`): `IGNORE_IF_ZERO` has been applied.
        let value = value.unwrap_or(&fp.default);
        run.path.push(Step {
            element: &fp.element,
            subscript: None,
            map_types: None,
        });
        let result = self.eval_value(run, &fp.rules, value, false);
        run.path.pop();
        result
    }

    fn eval_value<'p>(
        &'p self,
        run: &mut Run<'p>,
        rules: &'p ValueRules,
        value: &Value,
        for_key: bool,
    ) -> Result<(), Error> {
        for r in &rules.cel {
            if let Some(verdict) = r.native.as_ref().and_then(|n| n.check(value)) {
                if let Some(message) = verdict {
                    run.report(&r.rule_path, &r.id, message, for_key);
                }
                continue;
            }
            let this = celx::field_value(value, &r.expr(run.cel)?.tested).map_err(runtime)?;
            eval_cel(run, r, this, for_key)?;
        }
        if let (Some((e, path)), Value::EnumNumber(n)) = (&rules.defined_only, value)
            && e.get_value(*n).is_none()
        {
            run.report(
                path,
                "enum.defined_only",
                "value must be one of the defined enum values",
                for_key,
            );
        }
        if (rules.any_in.is_some() || rules.any_not_in.is_some())
            && let Value::Message(m) = value
        {
            let url = get_str(m, "type_url");
            if let Some((list, path)) = &rules.any_in
                && !list.contains(&url)
            {
                run.report(
                    path,
                    "any.in",
                    "type URL must be in the allow list",
                    for_key,
                );
            }
            if let Some((list, path)) = &rules.any_not_in
                && list.contains(&url)
            {
                run.report(
                    path,
                    "any.not_in",
                    "type URL must not be in the block list",
                    for_key,
                );
            }
        }
        if let (Some(items), Value::List(list)) = (&rules.items, value) {
            for (i, item) in list.iter().enumerate() {
                run.set_subscript(Some(Subscript::Index(i as u64)), None);
                let r = self.eval_elem(run, items, item, false);
                run.set_subscript(None, None);
                r?;
            }
        }
        if (rules.keys.is_some() || rules.values.is_some())
            && let Value::Map(map) = value
        {
            // Entries in key order, taken with their values: no key is hashed.
            let mut entries: Vec<(&MapKey, &Value)> = map.iter().collect();
            if entries.len() > 1 {
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            }
            // The step of this map in every path reported from its entries.
            let at = run.path.len().saturating_sub(1);
            for (k, v) in entries {
                let before = run.out.len();
                run.set_subscript(None, rules.map_types);
                let r = (|| {
                    if let Some(kr) = &rules.keys {
                        let kv = key_value(k);
                        self.eval_elem(run, kr, &kv, true)?;
                    }
                    if let Some(vr) = &rules.values {
                        self.eval_elem(run, vr, v, false)?;
                    }
                    Ok(())
                })();
                run.set_subscript(None, None);
                // The entry's key, in the paths of the violations it caused.
                for found in &mut run.out[before..] {
                    if let Some(e) = found.field.get_mut(at) {
                        e.subscript = Some(subscript(k));
                    }
                }
                r?;
            }
        }
        if let (Some(i), Value::Message(m)) = (rules.nested, value) {
            self.eval_message(run, i, m)?;
        }
        Ok(())
    }

    fn eval_elem<'p>(
        &'p self,
        run: &mut Run<'p>,
        elem: &'p ElemRules,
        value: &Value,
        for_key: bool,
    ) -> Result<(), Error> {
        match elem.ignore {
            Ignore::Always => Ok(()),
            Ignore::IfZero if is_zero(value, &elem.kind) => Ok(()),
            _ => self.eval_value(run, &elem.rules, value, for_key),
        }
    }
}

/// The value `msg` holds for the field of `fp`, or `None` when it holds
/// none (or, for a map or a list of messages, holds an empty one). A
/// `tracked` field is asked with `has_field` first (see
/// [`FieldPlan::tracked`]); the others (scalar lists, scalars without
/// presence) are read directly: prost-reflect lends a value it holds and
/// builds one only for a field it does not hold.
fn field_value<'m>(fp: &FieldPlan, msg: &'m DynamicMessage) -> Option<&'m Value> {
    if fp.tracked && !msg.has_field(&fp.field) {
        return None;
    }
    match msg.get_field(&fp.field) {
        Cow::Borrowed(v) => Some(v),
        Cow::Owned(_) => None,
    }
}

fn key_value(k: &MapKey) -> Value {
    match k {
        MapKey::Bool(b) => Value::Bool(*b),
        MapKey::I32(i) => Value::I32(*i),
        MapKey::I64(i) => Value::I64(*i),
        MapKey::U32(u) => Value::U32(*u),
        MapKey::U64(u) => Value::U64(*u),
        MapKey::String(s) => Value::String(s.clone()),
    }
}

fn subscript(k: &MapKey) -> Subscript {
    match k {
        MapKey::Bool(b) => Subscript::Bool(*b),
        MapKey::I32(i) => Subscript::Int(i64::from(*i)),
        MapKey::I64(i) => Subscript::Int(*i),
        MapKey::U32(u) => Subscript::Uint(u64::from(*u)),
        MapKey::U64(u) => Subscript::Uint(*u),
        MapKey::String(s) => Subscript::String(s.clone()),
    }
}

fn is_zero(value: &Value, kind: &Kind) -> bool {
    match value {
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Message(m) => *m == DynamicMessage::new(m.descriptor()),
        // The common scalars, without building the kind's default to
        // compare with (`default_value` of a string or bytes kind is
        // empty, of a bool false, of a number 0).
        Value::String(s) if matches!(kind, Kind::String) => s.is_empty(),
        Value::Bool(b) if matches!(kind, Kind::Bool) => !b,
        v => *v == Value::default_value(kind),
    }
}

fn runtime(e: cel::ExecutionError) -> Error {
    Error::Runtime(describe(&e))
}

/// What went wrong in a CEL evaluation, without the values involved (they
/// may be secrets).
fn describe(e: &cel::ExecutionError) -> String {
    use cel::ExecutionError as E;
    match e {
        E::NoSuchOverload(o) => o.to_string(),
        E::NoSuchKey(k) => format!("no such key '{k}'"),
        E::UndeclaredReference(r) => format!("undeclared reference to '{r}'"),
        E::FunctionError { function, .. } => format!("error in function '{function}'"),
        E::DivisionByZero(_) => "division by zero".into(),
        E::RemainderByZero(_) => "remainder by zero".into(),
        E::Overflow(op, _, _) => format!("overflow in '{op}'"),
        E::IndexOutOfBounds(_) => "index out of bounds".into(),
        E::InvalidArgumentCount { expected, actual } => {
            format!("expected {expected} arguments, got {actual}")
        }
        _ => "evaluation failed".into(),
    }
}

fn eval_cel(
    run: &mut Run<'_>,
    r: &CelRule,
    this: Box<dyn cel::common::value::Val + '_>,
    for_key: bool,
) -> Result<(), Error> {
    let result = run
        .cel
        .eval(
            r.expr(run.cel)?,
            Some(this),
            r.rules.as_deref(),
            r.rule.as_ref(),
            run.now.get_or_init(|| chrono::Utc::now().fixed_offset()),
        )
        .map_err(|e| Error::Runtime(format!("rule '{}': {}", r.id, describe(&e))))?;
    let message = match result {
        cel::Value::Bool(true) => return Ok(()),
        cel::Value::Bool(false) => {
            if r.message.is_empty() {
                format!("\"{}\" returned false", r.id)
            } else {
                r.message.clone()
            }
        }
        cel::Value::String(s) if s.is_empty() => return Ok(()),
        cel::Value::String(s) => s.to_string(),
        _ => {
            return Err(Error::Runtime(format!(
                "rule '{}' returned neither a bool nor a string",
                r.id
            )));
        }
    };
    run.report(&r.rule_path, &r.id, &message, for_key);
    Ok(())
}
