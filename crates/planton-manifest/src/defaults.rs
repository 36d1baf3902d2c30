//! Defaults declared in field options, applied by reflection.
//!
//! Two kinds of options are understood, named when the [`Defaults`] is built:
//!
//! - a **scalar default** option (a `string` extension of `FieldOptions`, such
//!   as `(org.project_planton.shared.options.default) = "6"`) on scalar and enum
//!   fields. The text is converted to the field's type when the plan is built
//!   (so a bad default is an error then, never at apply time) and set where the
//!   field is unset: for proto3 `optional` fields, not present; for the others,
//!   the zero value. Unset message fields are created when their type (at any
//!   depth) has such defaults, as upstream Project Planton's applier does.
//!   Lists and maps are left alone, as upstream does.
//! - **message default** options (an extension whose type is the field's own
//!   message type, such as `default_container_resources` on a
//!   `ContainerResources` field): an unset field gets the whole default; a set
//!   one gets the default's leaves that it lacks, so `limits.memory` alone keeps
//!   its value and receives the other three from the default.

use std::collections::HashMap;

use prost_reflect::{
    DynamicMessage, ExtensionDescriptor, FieldDescriptor, Kind, MessageDescriptor, ReflectMessage,
    Value,
};

/// Why a defaults plan could not be built: a broken option in the protos.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DefaultsError {
    /// The named option extension is not in the descriptor pool.
    #[error("unknown option extension '{0}'")]
    UnknownOption(String),
    /// The scalar default option is not a `string` extension of `FieldOptions`.
    #[error("option '{0}' must be a string extension of google.protobuf.FieldOptions")]
    NotAStringOption(String),
    /// A default text does not convert to its field's type.
    #[error("bad default {value:?} on field '{field}': expected {expected}")]
    BadDefault {
        /// The field's full name.
        field: String,
        /// The default text from the proto.
        value: String,
        /// What the field's type needs.
        expected: String,
    },
    /// A message default whose type is not the field's message type.
    #[error(
        "option '{option}' on field '{field}' has type '{found}', not the field's type '{expected}'"
    )]
    MessageDefaultType {
        /// The option's full name.
        option: String,
        /// The field's full name.
        field: String,
        /// The option's message type.
        found: String,
        /// The field's message type.
        expected: String,
    },
}

/// A compiled plan of every default reachable from one message type.
///
/// Build it once ([`Defaults::new`]); [`Defaults::apply`] is then infallible.
#[derive(Debug, Clone)]
pub struct Defaults {
    plans: Vec<Plan>,
    index: HashMap<String, usize>,
}

#[derive(Debug, Clone, Default)]
struct Plan {
    scalars: Vec<(FieldDescriptor, Value)>,
    messages: Vec<MessageStep>,
}

#[derive(Debug, Clone)]
struct MessageStep {
    field: FieldDescriptor,
    /// A message default from an option, merged into the field.
    default: Option<DynamicMessage>,
    /// The plan of the field's type, when that type holds defaults.
    plan: Option<usize>,
    /// The field belongs to a real (not synthetic) oneof. Read once here:
    /// asking the field for its oneof makes a descriptor, a clone of the
    /// pool's shared reference count, per manifest.
    in_oneof: bool,
}

/// The option extensions a [`Defaults`] plan reads.
#[derive(Debug, Clone, Default)]
pub struct DefaultOptions {
    scalar: Option<String>,
    messages: Vec<String>,
}

impl DefaultOptions {
    /// No options: a plan that sets nothing.
    pub fn new() -> Self {
        DefaultOptions::default()
    }

    /// Reads scalar defaults from the `string` field option `name`.
    pub fn scalar_option(&mut self, name: impl Into<String>) -> &mut Self {
        self.scalar = Some(name.into());
        self
    }

    /// Reads whole-message defaults from the field option `name`.
    pub fn message_option(&mut self, name: impl Into<String>) -> &mut Self {
        self.messages.push(name.into());
        self
    }
}

struct Builder {
    scalar: Option<ExtensionDescriptor>,
    messages: Vec<ExtensionDescriptor>,
    plans: Vec<Plan>,
    index: HashMap<String, usize>,
    /// Per message: `None` while being built (a cycle), else whether it has defaults.
    state: HashMap<String, Option<bool>>,
}

impl Defaults {
    /// Builds the plan for `root` and every message type reachable from it
    /// through singular message fields.
    ///
    /// # Errors
    ///
    /// A [`DefaultsError`] for an unknown option or a default that does not
    /// convert to its field's type (naming the field).
    pub fn new(root: &MessageDescriptor, options: &DefaultOptions) -> Result<Self, DefaultsError> {
        let pool = root.parent_pool();
        let find = |name: &str| {
            pool.get_extension_by_name(name)
                .ok_or_else(|| DefaultsError::UnknownOption(name.to_owned()))
        };
        let scalar = options.scalar.as_deref().map(find).transpose()?;
        if let Some(ext) = &scalar
            && (!matches!(ext.kind(), Kind::String)
                || ext.containing_message().full_name() != "google.protobuf.FieldOptions")
        {
            return Err(DefaultsError::NotAStringOption(ext.full_name().to_owned()));
        }
        let messages = options
            .messages
            .iter()
            .map(|n| find(n))
            .collect::<Result<Vec<_>, _>>()?;
        let mut builder = Builder {
            scalar,
            messages,
            plans: Vec::new(),
            index: HashMap::new(),
            state: HashMap::new(),
        };
        builder.visit(root)?;
        Ok(Defaults {
            plans: builder.plans,
            index: builder.index,
        })
    }

    /// Applies the defaults to `message` (of the root type or any type reachable
    /// from it; other types are left unchanged).
    pub fn apply(&self, message: &mut DynamicMessage) {
        self.apply_as(message, &message.descriptor());
    }

    /// As [`Defaults::apply`], given `message`'s descriptor `desc` (asking
    /// the message for it makes one, a clone of the pool's shared reference
    /// count: a caller that holds it already saves that).
    pub(crate) fn apply_as(&self, message: &mut DynamicMessage, desc: &MessageDescriptor) {
        if let Some(&plan) = self.index.get(desc.full_name()) {
            self.apply_plan(plan, message);
        }
    }

    fn apply_plan(&self, plan: usize, message: &mut DynamicMessage) {
        let plan = &self.plans[plan];
        for (field, value) in &plan.scalars {
            if !message.has_field(field) {
                message.set_field(field, value.clone());
            }
        }
        for step in &plan.messages {
            let present = message.has_field(&step.field);
            let in_oneof = step.in_oneof;
            if !present && in_oneof {
                // Creating it would unset another member of the oneof.
                continue;
            }
            if let Some(default) = &step.default {
                if present {
                    if let Some(target) = message.get_field_mut(&step.field).as_message_mut() {
                        fill_missing(target, default);
                    }
                } else {
                    message.set_field(&step.field, Value::Message(default.clone()));
                }
            }
            let Some(child) = step.plan else { continue };
            if (message.has_field(&step.field) || !in_oneof)
                && let Some(target) = message.get_field_mut(&step.field).as_message_mut()
            {
                self.apply_plan(child, target);
            }
        }
    }
}

/// Sets every field of `default` that `target` lacks, recursing into message
/// fields both have.
fn fill_missing(target: &mut DynamicMessage, default: &DynamicMessage) {
    for (field, value) in default.fields() {
        if !target.has_field(&field) {
            target.set_field(&field, value.clone());
        } else if let (Value::Message(d), false) = (value, field.is_list() || field.is_map())
            && let Some(t) = target.get_field_mut(&field).as_message_mut()
        {
            fill_missing(t, d);
        }
    }
}

impl Builder {
    /// Builds the plan of `desc` if needed; returns its index when it holds defaults.
    fn visit(&mut self, desc: &MessageDescriptor) -> Result<Option<usize>, DefaultsError> {
        match self.state.get(desc.full_name()) {
            Some(Some(true)) => return Ok(self.index.get(desc.full_name()).copied()),
            Some(_) => return Ok(None), // no defaults, or in progress (a cycle)
            None => {}
        }
        self.state.insert(desc.full_name().to_owned(), None);
        let mut plan = Plan::default();
        for field in desc.fields() {
            if field.is_list() || field.is_map() {
                continue;
            }
            match field.kind() {
                Kind::Message(child) => {
                    let default = self.message_default(&field, &child)?;
                    let child_plan = self.visit(&child)?;
                    if default.is_some() || child_plan.is_some() {
                        plan.messages.push(MessageStep {
                            in_oneof: field.containing_oneof().is_some_and(|o| !o.is_synthetic()),
                            field: field.clone(),
                            default,
                            plan: child_plan,
                        });
                    }
                }
                _ => {
                    if let Some(value) = self.scalar_default(&field)? {
                        plan.scalars.push((field.clone(), value));
                    }
                }
            }
        }
        let has = !plan.scalars.is_empty() || !plan.messages.is_empty();
        self.state.insert(desc.full_name().to_owned(), Some(has));
        if !has {
            return Ok(None);
        }
        self.plans.push(plan);
        let i = self.plans.len() - 1;
        self.index.insert(desc.full_name().to_owned(), i);
        Ok(Some(i))
    }

    fn message_default(
        &self,
        field: &FieldDescriptor,
        child: &MessageDescriptor,
    ) -> Result<Option<DynamicMessage>, DefaultsError> {
        let options = field.options();
        for ext in &self.messages {
            if !options.has_extension(ext) {
                continue;
            }
            let Value::Message(m) = options.get_extension(ext).into_owned() else {
                continue;
            };
            if m.descriptor().full_name() != child.full_name() {
                return Err(DefaultsError::MessageDefaultType {
                    option: ext.full_name().to_owned(),
                    field: field.full_name().to_owned(),
                    found: m.descriptor().full_name().to_owned(),
                    expected: child.full_name().to_owned(),
                });
            }
            return Ok(Some(m));
        }
        Ok(None)
    }

    fn scalar_default(&self, field: &FieldDescriptor) -> Result<Option<Value>, DefaultsError> {
        let Some(ext) = &self.scalar else {
            return Ok(None);
        };
        let options = field.options();
        if !options.has_extension(ext) {
            return Ok(None);
        }
        let text = options
            .get_extension(ext)
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if text.is_empty() {
            return Ok(None);
        }
        convert(&text, field).map(Some)
    }
}

/// Converts a default's text to the field's type, with the parsing rules of
/// upstream's converter (Go's strconv): decimal integers, `ParseBool` spellings,
/// enum value names.
fn convert(text: &str, field: &FieldDescriptor) -> Result<Value, DefaultsError> {
    let bad = |expected: &str| DefaultsError::BadDefault {
        field: field.full_name().to_owned(),
        value: text.to_owned(),
        expected: expected.to_owned(),
    };
    let int = |min: i128, max: i128, what: &str| -> Result<i128, DefaultsError> {
        let digits = text.strip_prefix('+').unwrap_or(text);
        digits
            .parse::<i128>()
            .ok()
            .filter(|v| (min..=max).contains(v) && !digits.starts_with(['+', ' ']))
            .ok_or_else(|| bad(what))
    };
    Ok(match field.kind() {
        Kind::String => Value::String(text.to_owned()),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
            Value::I32(int(i32::MIN.into(), i32::MAX.into(), "a decimal int32")? as i32)
        }
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => {
            Value::I64(int(i64::MIN.into(), i64::MAX.into(), "a decimal int64")? as i64)
        }
        Kind::Uint32 | Kind::Fixed32 => {
            Value::U32(int(0, u32::MAX.into(), "a decimal uint32")? as u32)
        }
        Kind::Uint64 | Kind::Fixed64 => {
            Value::U64(int(0, u64::MAX.into(), "a decimal uint64")? as u64)
        }
        Kind::Bool => match text {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Value::Bool(true),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Value::Bool(false),
            _ => return Err(bad("a boolean (true or false)")),
        },
        Kind::Float => {
            let v: f64 = text.parse().map_err(|_| bad("a float"))?;
            if v.is_finite() && v.abs() > f64::from(f32::MAX) {
                return Err(bad("a float within the float32 range"));
            }
            Value::F32(v as f32)
        }
        Kind::Double => Value::F64(text.parse().map_err(|_| bad("a double"))?),
        Kind::Enum(e) => match e.get_value_by_name(text) {
            Some(v) => Value::EnumNumber(v.number()),
            None => return Err(bad(&format!("a value name of enum {}", e.full_name()))),
        },
        Kind::Bytes | Kind::Message(_) => {
            return Err(bad(
                "a scalar field (bytes and messages take no text default)",
            ));
        }
    })
}
