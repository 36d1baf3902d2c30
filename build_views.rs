//! Generates typed read-only views of dynamic messages (`src/view.rs`
//! includes the output): one `struct <Message>View<'a>` per message of our
//! packages, with one accessor per field whose return type follows the
//! field's proto type. The field descriptors are resolved once, by number,
//! into one `Fields` struct; a renamed, removed or retyped field changes the
//! generated code, so a caller reading it no longer compiles.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use prost_reflect::{Cardinality, DescriptorPool, FieldDescriptor, Kind, MessageDescriptor};

/// Rust keywords that a proto field name may be.
const KEYWORDS: [&str; 12] = [
    "type", "match", "ref", "mod", "use", "fn", "impl", "in", "loop", "move", "self", "where",
];

fn ident(name: &str) -> String {
    if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_owned()
    }
}

/// `KubernetesJobSpec` -> `kubernetes_job_spec` (prost's module names).
pub(crate) fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The Rust name of a message: its name within its package, nesting joined
/// (`Outer.Inner` -> `OuterInner`).
fn rust_name(message: &MessageDescriptor) -> String {
    let package = message.package_name();
    let local = message
        .full_name()
        .strip_prefix(package)
        .unwrap_or(message.full_name())
        .trim_start_matches('.');
    local.split('.').collect()
}

/// The Rust type a value of `kind` reads as, and its default when unset.
fn value_type(
    kind: &Kind,
    names: &BTreeMap<String, String>,
) -> Result<(String, &'static str), String> {
    Ok(match kind {
        Kind::String => ("&'a str".into(), "\"\""),
        Kind::Bytes => ("&'a [u8]".into(), "&[]"),
        Kind::Bool => ("bool".into(), "false"),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => ("i32".into(), "0"),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => ("i64".into(), "0"),
        Kind::Uint32 | Kind::Fixed32 => ("u32".into(), "0"),
        Kind::Uint64 | Kind::Fixed64 => ("u64".into(), "0"),
        Kind::Float => ("f32".into(), "0.0"),
        Kind::Double => ("f64".into(), "0.0"),
        Kind::Enum(_) => (
            "crate::view::EnumNumber".into(),
            "crate::view::EnumNumber(0)",
        ),
        Kind::Message(m) => {
            let name = names
                .get(m.full_name())
                .ok_or_else(|| format!("no view for message '{}'", m.full_name()))?;
            (format!("{name}View<'a>"), "")
        }
    })
}

fn accessor(
    out: &mut String,
    message_field: &str,
    field: &FieldDescriptor,
    names: &BTreeMap<String, String>,
) -> Result<(), String> {
    let name = ident(field.name());
    let at = format!("&self.f.{message_field}.{name}");
    let doc = format!("/// `{}` (field {}).", field.name(), field.number());
    if field.is_map() {
        let Kind::Message(entry) = field.kind() else {
            return Err(format!(
                "map field '{}' without an entry",
                field.full_name()
            ));
        };
        let key = entry.map_entry_key_field();
        if key.kind() != Kind::String {
            return Err(format!(
                "map field '{}' has a key that is not a string",
                field.full_name()
            ));
        }
        let (value, _) = value_type(&entry.map_entry_value_field().kind(), names)?;
        writeln!(
            out,
            "    {doc}\n    #[inline]\n    pub fn {name}(self) -> crate::view::Map<'a, {value}> {{\n        crate::view::Map::new(crate::view::get_present(self.msg, {at}), self.f)\n    }}"
        )
        .ok();
        return Ok(());
    }
    let (ty, default) = value_type(&field.kind(), names)?;
    if field.cardinality() == Cardinality::Repeated {
        // Messages: `has_field` first (see `view::get_present`).
        let read = if matches!(field.kind(), Kind::Message(_)) {
            "get_present"
        } else {
            "get_held"
        };
        writeln!(
            out,
            "    {doc}\n    #[inline]\n    pub fn {name}(self) -> crate::view::List<'a, {ty}> {{\n        crate::view::List::new(crate::view::{read}(self.msg, {at}), self.f)\n    }}"
        )
        .ok();
    } else if field.supports_presence() {
        writeln!(
            out,
            "    {doc} `None` when unset.\n    #[inline]\n    pub fn {name}(self) -> Option<{ty}> {{\n        crate::view::get_present(self.msg, {at}).and_then(|v| crate::view::FromValue::from_value(v, self.f))\n    }}"
        )
        .ok();
    } else {
        writeln!(
            out,
            "    {doc} Its default when unset.\n    #[inline]\n    pub fn {name}(self) -> {ty} {{\n        crate::view::get_held(self.msg, {at}).and_then(|v| crate::view::FromValue::from_value(v, self.f)).unwrap_or({default})\n    }}"
        )
        .ok();
    }
    Ok(())
}

/// The generated source for every message of `pool` whose file is in `ours`.
pub fn generate(
    pool: &DescriptorPool,
    ours: &std::collections::BTreeSet<&str>,
) -> Result<String, String> {
    let messages: Vec<MessageDescriptor> = pool
        .all_messages()
        .filter(|m| ours.contains(m.parent_file().name()) && !m.is_map_entry())
        .collect();
    // Full name -> Rust name; two messages with one Rust name stop the build.
    let mut names = BTreeMap::new();
    let mut taken = BTreeMap::new();
    for m in &messages {
        let rust = rust_name(m);
        if let Some(other) = taken.insert(rust.clone(), m.full_name().to_owned()) {
            return Err(format!(
                "messages '{other}' and '{}' would both be '{rust}View'",
                m.full_name()
            ));
        }
        names.insert(m.full_name().to_owned(), rust);
    }

    let mut out = String::new();
    out.push_str("// @generated by build_views.rs from the descriptors.\n\n");

    // The descriptors, resolved once.
    let mut fields_struct = String::from(
        "/// The descriptors of every message and field of the views, resolved once.\npub struct Fields {\n",
    );
    let mut fields_new = String::from(
        "impl Fields {\n    /// `None` when a message or field is missing from `pool`.\n    pub(crate) fn new(pool: &prost_reflect::DescriptorPool) -> Option<Fields> {\n        Some(Fields {\n",
    );
    for m in &messages {
        let rust = &names[m.full_name()];
        let member = snake(rust);
        let set = format!("{rust}Fields");
        writeln!(
            fields_struct,
            "    /// The descriptors of `{}`.\n    pub {member}: {set},",
            m.full_name()
        )
        .ok();
        writeln!(
            fields_new,
            "            {member}: {{\n                let m = pool.get_message_by_name({:?})?;\n                {set} {{",
            m.full_name()
        )
        .ok();
        for field in m.fields() {
            writeln!(
                fields_new,
                "                    {}: m.get_field({})?,",
                ident(field.name()),
                field.number()
            )
            .ok();
        }
        fields_new.push_str(
            "                    message_descriptor: m,\n                }\n            },\n",
        );

        writeln!(
            out,
            "/// The descriptors of `{}` and its fields.\npub struct {set} {{\n    /// The message.\n    pub message_descriptor: prost_reflect::MessageDescriptor,",
            m.full_name()
        )
        .ok();
        for field in m.fields() {
            writeln!(
                out,
                "    /// `{}` (field {}).\n    pub {}: prost_reflect::FieldDescriptor,",
                field.name(),
                field.number(),
                ident(field.name())
            )
            .ok();
        }
        out.push_str("}\n\n");

        // A message without fields never reads the descriptors.
        let unread = if m.fields().len() == 0 {
            "    #[allow(dead_code)]\n"
        } else {
            ""
        };
        writeln!(
            out,
            "/// A `{full}` message, read in place through typed accessors.\n#[derive(Clone, Copy)]\npub struct {rust}View<'a> {{\n    msg: &'a prost_reflect::DynamicMessage,\n{unread}    f: &'static Fields,\n}}\n",
            full = m.full_name()
        )
        .ok();
        writeln!(
            out,
            "impl std::fmt::Debug for {rust}View<'_> {{\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n        // The message may hold secrets: only its type is shown.\n        f.write_str(\"{rust}View\")\n    }}\n}}\n"
        )
        .ok();
        writeln!(
            out,
            "impl<'a> {rust}View<'a> {{\n    /// A view of `msg`; `None` when it is not a `{full}`.\n    #[inline]\n    pub fn new(msg: &'a prost_reflect::DynamicMessage) -> Option<Self> {{\n        let desc = prost_reflect::ReflectMessage::descriptor(msg);\n        let f = super::fields_in(desc.parent_pool())?;\n        (desc == f.{member}.message_descriptor).then_some({rust}View {{ msg, f }})\n    }}\n\n    /// The message seen.\n    #[inline]\n    pub fn as_dynamic(self) -> &'a prost_reflect::DynamicMessage {{\n        self.msg\n    }}\n",
            full = m.full_name()
        )
        .ok();
        for field in m.fields() {
            accessor(&mut out, &member, &field, &names)?;
        }
        out.push_str("}\n\n");
        writeln!(
            out,
            "impl<'a> crate::view::FromValue<'a> for {rust}View<'a> {{\n    #[inline]\n    fn from_value(v: &'a prost_reflect::Value, f: &'static Fields) -> Option<Self> {{\n        match v {{\n            prost_reflect::Value::Message(msg) => Some({rust}View {{ msg, f }}),\n            _ => None,\n        }}\n    }}\n}}\n"
        )
        .ok();
    }
    fields_struct.push_str("}\n\n");
    fields_new.push_str("        })\n    }\n}\n");
    out.push_str(&fields_struct);
    out.push_str(&fields_new);
    Ok(out)
}
