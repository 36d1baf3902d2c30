//! CEL on protobuf values: messages seen in place through [`MsgVal`], the
//! other values converted, and protovalidate's extension functions.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

use cel::IdedExpr;
use cel::common::ast::{EntryExpr, Expr as Ast};
use cel::common::traits::Indexer;
use cel::common::types::{
    CelBool, CelBytes, CelDouble, CelDuration, CelInt, CelList, CelMap, CelMapKey, CelNull,
    CelString, CelTimestamp, CelUInt, Type,
};
use cel::common::value::{CowVal, Val};
use cel::{Context, Env, ExecutionError, FunctionContext, Program};
use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MapKey, ReflectMessage, Value};

use crate::formats;

/// Names used in a `has()` test of an expression: a field with one of these
/// names reads as absent when unset, every other unset field as its default.
pub(crate) type Tested = Arc<BTreeSet<String>>;

/// A compiled expression and the field names it tests for presence.
pub(crate) struct Expr {
    pub(crate) program: Program,
    pub(crate) tested: Tested,
    /// Whether the expression names `rules`, `rule`, `now`: only those are
    /// bound when evaluating it.
    uses: [bool; 3],
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expr").finish_non_exhaustive()
    }
}

/// The CEL environment: the standard library, the strings extension
/// (`format`) and protovalidate's functions, built once.
pub(crate) struct Cel {
    env: Arc<Env>,
    root: Context<'static, 'static>,
}

impl fmt::Debug for Cel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cel").finish_non_exhaustive()
    }
}

impl Cel {
    pub(crate) fn new() -> Cel {
        let mut env = Env::stdlib();
        // The extension only fails when its functions are already declared,
        // which they are not on a fresh stdlib.
        let _ = env.add_extension(cel::extensions::strings);
        let _ = env.add_macro(get_field_macro());
        let _ = env.add_extension(bytes_functions);
        let _ = env.add_extension(crate::zone::register);
        let env = Arc::new(env);
        let mut root = Context::with_env(Arc::clone(&env));
        register(&mut root);
        Cel { env, root }
    }

    /// Parses `source`. When the kind of `this` is known, two mistakes a
    /// type checker would catch are errors here rather than at evaluation: a
    /// field that a message type lacks, and a string function called on a
    /// field that is not a string.
    pub(crate) fn compile(&self, source: &str, this: Option<&Kind>) -> Result<Expr, String> {
        let program = self.env.compile(source).map_err(|e| e.to_string())?;
        let mut tested = BTreeSet::new();
        let mut uses = [false; 3];
        let mut stack = vec![program.expression()];
        while let Some(e) = stack.pop() {
            if let Ast::Ident(name) = &e.expr {
                match name.as_str() {
                    "rules" => uses[0] = true,
                    "rule" => uses[1] = true,
                    "now" => uses[2] = true,
                    _ => {}
                }
            }
            if let Ast::Select(sel) = &e.expr {
                if sel.test {
                    tested.insert(sel.field.clone());
                }
                if let Some(Kind::Message(d)) = static_kind(&sel.operand, this)
                    && d.get_field_by_name(&sel.field).is_none()
                {
                    return Err(format!(
                        "expression references a non-existent field '{}' of '{}'",
                        sel.field,
                        d.full_name()
                    ));
                }
            }
            if let Ast::Call(call) = &e.expr
                && let Some(target) = &call.target
                && let Some(kind) = static_kind(target, this)
            {
                let bytes_too = matches!(
                    call.func_name.as_str(),
                    "startsWith" | "endsWith" | "contains"
                );
                let string_only = matches!(
                    call.func_name.as_str(),
                    "matches"
                        | "isEmail"
                        | "isHostname"
                        | "isIp"
                        | "isIpPrefix"
                        | "isUri"
                        | "isUriRef"
                        | "isHostAndPort"
                );
                let fits =
                    matches!(kind, Kind::String) || (bytes_too && matches!(kind, Kind::Bytes));
                if (bytes_too || string_only) && !fits {
                    return Err(format!(
                        "function '{}' applies to strings, not to a value of type '{}'",
                        call.func_name,
                        kind_name(&kind)
                    ));
                }
            }
            children(e, &mut stack);
        }
        Ok(Expr {
            program,
            tested: Arc::new(tested),
            uses,
        })
    }

    /// Evaluates `expr` with the given bindings.
    pub(crate) fn eval(
        &self,
        expr: &Expr,
        this: Option<Box<dyn Val + '_>>,
        rules: Option<&DynamicMessage>,
        rule: Option<&Value>,
        now: &chrono::DateTime<chrono::FixedOffset>,
    ) -> Result<cel::Value, ExecutionError> {
        let mut ctx = self.root.new_inner_scope();
        if let Some(this) = this {
            ctx.add_variable_as_val("this", this);
        }
        if let Some(rules) = rules.filter(|_| expr.uses[0]) {
            ctx.add_variable_as_val("rules", Box::new(MsgVal::borrowed(rules, &expr.tested)));
        }
        if let Some(rule) = rule.filter(|_| expr.uses[1]) {
            ctx.add_variable_as_val("rule", field_value(rule, &expr.tested)?);
        }
        if expr.uses[2] {
            ctx.add_variable_as_val("now", Box::new(CelTimestamp::from(*now)));
        }
        expr.program.execute(&ctx)
    }
}

/// The protobuf kind `e` statically has: `this`, and fields of singular
/// messages under it. Well-known types are CEL values, not messages: `None`.
fn static_kind(e: &IdedExpr, this: Option<&Kind>) -> Option<Kind> {
    let plain = |k: Kind| match &k {
        Kind::Message(d) if d.full_name().starts_with("google.protobuf.") => None,
        _ => Some(k),
    };
    match &e.expr {
        Ast::Ident(name) if name == "this" => this.cloned().and_then(plain),
        Ast::Select(sel) if !sel.test => {
            let Kind::Message(d) = static_kind(&sel.operand, this)? else {
                return None;
            };
            let f = d.get_field_by_name(&sel.field)?;
            if f.is_list() || f.is_map() {
                return None;
            }
            plain(f.kind())
        }
        _ => None,
    }
}

fn kind_name(kind: &Kind) -> String {
    match kind {
        Kind::Message(m) => m.full_name().to_owned(),
        Kind::Enum(e) => e.full_name().to_owned(),
        k => format!("{k:?}").to_lowercase(),
    }
}

/// The direct subexpressions of `e`.
fn children<'e>(e: &'e IdedExpr, out: &mut Vec<&'e IdedExpr>) {
    match &e.expr {
        Ast::Call(c) => {
            out.extend(c.target.as_deref());
            out.extend(c.args.iter());
        }
        Ast::Select(s) => out.push(&s.operand),
        Ast::List(l) => out.extend(l.elements.iter()),
        Ast::Map(m) => {
            for entry in &m.entries {
                if let EntryExpr::MapEntry(me) = &entry.expr {
                    out.push(&me.key);
                    out.push(&me.value);
                }
            }
        }
        Ast::Struct(st) => {
            for entry in &st.entries {
                match &entry.expr {
                    EntryExpr::MapEntry(me) => {
                        out.push(&me.key);
                        out.push(&me.value);
                    }
                    EntryExpr::StructField(sf) => out.push(&sf.value),
                }
            }
        }
        Ast::Comprehension(c) => {
            out.extend([
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ]);
        }
        _ => {}
    }
}

/// A message as a CEL value, read in place.
pub(crate) struct MsgVal<'v> {
    msg: Src<'v>,
    ty: Type,
    tested: Tested,
}

#[derive(Clone)]
enum Src<'v> {
    Borrowed(&'v DynamicMessage),
    Owned(Arc<DynamicMessage>),
}

impl<'v> MsgVal<'v> {
    pub(crate) fn borrowed(msg: &'v DynamicMessage, tested: &Tested) -> Self {
        MsgVal {
            ty: Type::new_struct(msg.descriptor().full_name().to_owned()),
            msg: Src::Borrowed(msg),
            tested: Arc::clone(tested),
        }
    }

    fn owned(msg: DynamicMessage, tested: &Tested) -> Self {
        MsgVal {
            ty: Type::new_struct(msg.descriptor().full_name().to_owned()),
            msg: Src::Owned(Arc::new(msg)),
            tested: Arc::clone(tested),
        }
    }

    fn message(&self) -> &DynamicMessage {
        match &self.msg {
            Src::Borrowed(m) => m,
            Src::Owned(m) => m,
        }
    }
}

impl Clone for MsgVal<'_> {
    fn clone(&self) -> Self {
        MsgVal {
            msg: self.msg.clone(),
            ty: self.ty.to_owned(),
            tested: Arc::clone(&self.tested),
        }
    }
}

impl fmt::Debug for MsgVal<'_> {
    // Never the field values: they may be secrets, and CEL errors quote
    // their operands.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "message {}", self.ty.name())
    }
}

static MESSAGE_TYPE: Type = Type::new_struct_type("google.protobuf.Message");

impl Val for MsgVal<'_> {
    fn get_type(&self) -> &Type {
        &self.ty
    }

    fn cel_type() -> &'static Type
    where
        Self: Sized,
    {
        &MESSAGE_TYPE
    }

    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(self.clone())
    }

    fn equals(&self, other: &dyn Val) -> bool {
        // Two messages are equal when every field reads the same.
        if other.get_type().name() != self.ty.name() {
            return false;
        }
        let Some(indexer) = other.as_indexer() else {
            return false;
        };
        let msg = self.message();
        msg.descriptor().fields().all(|f| {
            let key = CelString::from(f.name());
            match (self.get(&key), indexer.get(&key)) {
                (Ok(a), Ok(b)) => a.equals(b.as_ref()),
                (Err(_), Err(_)) => true,
                _ => false,
            }
        })
    }

    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }
}

impl Indexer for MsgVal<'_> {
    fn get<'b, 'w>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'w>, ExecutionError>
    where
        Self: 'w,
    {
        let Some(name) = idx.downcast_ref::<CelString>() else {
            return Err(ExecutionError::no_such_key("?"));
        };
        let name = name.inner();
        let msg = self.message();
        let Some(field) = msg.descriptor().get_field_by_name(name) else {
            return Err(ExecutionError::no_such_key(name));
        };
        let present = msg.has_field(&field);
        if !present && self.tested.contains(name) {
            return Err(ExecutionError::no_such_key(name));
        }
        let value = match &self.msg {
            Src::Borrowed(m) => match m.get_field(&field) {
                std::borrow::Cow::Borrowed(v) => field_value(v, &self.tested)?,
                std::borrow::Cow::Owned(v) => field_value_owned(&v, &field, &self.tested)?,
            },
            Src::Owned(m) => field_value_owned(&m.get_field(&field), &field, &self.tested)?,
        };
        Ok(CowVal::Owned(value))
    }

    fn steal<'w>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'w>, ExecutionError>
    where
        Self: 'w,
    {
        self.get(idx).map(CowVal::into_owned)
    }
}

/// A field value (of `field`'s type) as a CEL value, borrowing strings,
/// bytes and messages.
pub(crate) fn field_value<'v>(
    value: &'v Value,
    tested: &Tested,
) -> Result<Box<dyn Val + 'v>, ExecutionError> {
    match value {
        Value::List(items) => {
            let mut out: Vec<Box<dyn Val + 'v>> = Vec::with_capacity(items.len());
            for item in items {
                out.push(single_value(item, tested)?);
            }
            Ok(Box::new(CelList::from(out)))
        }
        Value::Map(map) => {
            let mut out: HashMap<CelMapKey<'v>, Box<dyn Val + 'v>> =
                HashMap::with_capacity(map.len());
            for (k, v) in map {
                out.insert(map_key(k), single_value(v, tested)?);
            }
            Ok(Box::new(CelMap::from(out)))
        }
        v => single_value(v, tested),
    }
}

/// As [`field_value`], for a value not borrowed from a message (a default).
fn field_value_owned<'v>(
    value: &Value,
    field: &FieldDescriptor,
    tested: &Tested,
) -> Result<Box<dyn Val + 'v>, ExecutionError> {
    match value {
        Value::String(s) => Ok(Box::new(CelString::from(s.clone()))),
        Value::Bytes(b) => Ok(Box::new(CelBytes::from(b.to_vec()))),
        Value::Message(m) => message_value_owned(m.clone(), tested),
        Value::List(items) if items.is_empty() => {
            Ok(Box::new(CelList::from(Vec::<Box<dyn Val + 'v>>::new())))
        }
        Value::Map(map) if map.is_empty() => Ok(Box::new(CelMap::from(HashMap::<
            CelMapKey<'v>,
            Box<dyn Val + 'v>,
        >::new()))),
        Value::List(_) | Value::Map(_) => Err(ExecutionError::function_error(
            "field",
            format!("unexpected owned value for '{}'", field.name()),
        )),
        v => scalar(v),
    }
}

fn map_key<'v>(key: &'v MapKey) -> CelMapKey<'v> {
    match key {
        MapKey::Bool(b) => CelMapKey::from(*b),
        MapKey::I32(i) => CelMapKey::from(i64::from(*i)),
        MapKey::I64(i) => CelMapKey::from(*i),
        MapKey::U32(u) => CelMapKey::from(u64::from(*u)),
        MapKey::U64(u) => CelMapKey::from(*u),
        MapKey::String(s) => CelMapKey::from(s.as_str()),
    }
}

/// One (not repeated) value as a CEL value.
pub(crate) fn single_value<'v>(
    value: &'v Value,
    tested: &Tested,
) -> Result<Box<dyn Val + 'v>, ExecutionError> {
    match value {
        Value::String(s) => Ok(Box::new(CelString::from(s.as_str()))),
        Value::Bytes(b) => Ok(Box::new(CelBytes::from(&b[..]))),
        Value::Message(m) => message_value(m, tested),
        v => scalar(v),
    }
}

fn scalar<'v>(value: &Value) -> Result<Box<dyn Val + 'v>, ExecutionError> {
    Ok(match value {
        Value::Bool(b) => Box::new(CelBool::from(*b)),
        Value::I32(i) => Box::new(CelInt::from(i64::from(*i))),
        Value::I64(i) => Box::new(CelInt::from(*i)),
        Value::U32(u) => Box::new(CelUInt::from(u64::from(*u))),
        Value::U64(u) => Box::new(CelUInt::from(*u)),
        Value::F32(f) => Box::new(CelDouble::from(f64::from(*f))),
        Value::F64(f) => Box::new(CelDouble::from(*f)),
        Value::EnumNumber(n) => Box::new(CelInt::from(i64::from(*n))),
        Value::String(s) => Box::new(CelString::from(s.clone())),
        Value::Bytes(b) => Box::new(CelBytes::from(b.to_vec())),
        _ => {
            return Err(ExecutionError::function_error(
                "value",
                "unexpected composite value",
            ));
        }
    })
}

/// A message as a CEL value: well-known types as CEL's own, others in place.
pub(crate) fn message_value<'v>(
    m: &'v DynamicMessage,
    tested: &Tested,
) -> Result<Box<dyn Val + 'v>, ExecutionError> {
    if let Some(v) = well_known(m, tested)? {
        return Ok(v);
    }
    Ok(Box::new(MsgVal::borrowed(m, tested)))
}

fn message_value_owned<'v>(
    m: DynamicMessage,
    tested: &Tested,
) -> Result<Box<dyn Val + 'v>, ExecutionError> {
    if let Some(v) = well_known(&m, tested)? {
        // Well-known values own their data except strings and bytes in
        // wrappers, which an owned message cannot lend: copy those.
        return Ok(match v.downcast_ref::<CelString>() {
            Some(s) => Box::new(CelString::from(s.inner().to_owned())),
            None => match v.downcast_ref::<CelBytes>() {
                Some(b) => Box::new(CelBytes::from(b.inner().to_vec())),
                None => v.clone_as_boxed_static()?,
            },
        });
    }
    Ok(Box::new(MsgVal::owned(m, tested)))
}

trait StaticClone {
    fn clone_as_boxed_static<'w>(&self) -> Result<Box<dyn Val + 'w>, ExecutionError>;
}

impl StaticClone for Box<dyn Val + '_> {
    fn clone_as_boxed_static<'w>(&self) -> Result<Box<dyn Val + 'w>, ExecutionError> {
        let value: cel::Value = self.as_ref().try_into()?;
        let boxed: Box<dyn Val> = value.try_into()?;
        Ok(boxed)
    }
}

/// The well-known types CEL knows: timestamps, durations, wrappers, JSON.
fn well_known<'v>(
    m: &'v DynamicMessage,
    tested: &Tested,
) -> Result<Option<Box<dyn Val + 'v>>, ExecutionError> {
    let desc = m.descriptor();
    let name = desc.full_name();
    let Some(short) = name.strip_prefix("google.protobuf.") else {
        return Ok(None);
    };
    let field = |n: &str| desc.get_field_by_name(n).map(|f| m.get_field(&f));
    let int = |n: &str| -> i64 {
        match field(n).as_deref() {
            Some(Value::I64(i)) => *i,
            Some(Value::I32(i)) => i64::from(*i),
            _ => 0,
        }
    };
    Ok(Some(match short {
        "Timestamp" => {
            let (s, n) = (int("seconds"), int("nanos"));
            let ts = chrono::DateTime::from_timestamp(s, u32::try_from(n).unwrap_or(0))
                .ok_or_else(|| ExecutionError::function_error("timestamp", "out of range"))?;
            Box::new(CelTimestamp::from(ts.fixed_offset()))
        }
        "Duration" => {
            let (s, n) = (int("seconds"), int("nanos"));
            let d = chrono::Duration::try_seconds(s)
                .and_then(|d| d.checked_add(&chrono::Duration::nanoseconds(n)))
                .ok_or_else(|| ExecutionError::function_error("duration", "out of range"))?;
            Box::new(CelDuration::from(d))
        }
        "DoubleValue" | "FloatValue" | "Int64Value" | "UInt64Value" | "Int32Value"
        | "UInt32Value" | "BoolValue" | "StringValue" | "BytesValue" => {
            let Some(f) = desc.get_field_by_name("value") else {
                return Ok(None);
            };
            if m.has_field(&f) {
                match m.get_field(&f) {
                    std::borrow::Cow::Borrowed(v) => single_value(v, tested)?,
                    std::borrow::Cow::Owned(v) => field_value_owned(&v, &f, tested)?,
                }
            } else {
                field_value_owned(&f.default_value(), &f, tested)?
            }
        }
        "Value" => json_value(m, tested)?,
        "Struct" => {
            let Some(f) = desc.get_field_by_name("fields") else {
                return Ok(None);
            };
            match m.get_field(&f) {
                std::borrow::Cow::Borrowed(v) => field_value(v, tested)?,
                std::borrow::Cow::Owned(_) => Box::new(CelMap::from(HashMap::<
                    CelMapKey<'v>,
                    Box<dyn Val + 'v>,
                >::new())),
            }
        }
        "ListValue" => {
            let Some(f) = desc.get_field_by_name("values") else {
                return Ok(None);
            };
            match m.get_field(&f) {
                std::borrow::Cow::Borrowed(v) => field_value(v, tested)?,
                std::borrow::Cow::Owned(_) => {
                    Box::new(CelList::from(Vec::<Box<dyn Val + 'v>>::new()))
                }
            }
        }
        _ => return Ok(None),
    }))
}

fn json_value<'v>(
    m: &'v DynamicMessage,
    tested: &Tested,
) -> Result<Box<dyn Val + 'v>, ExecutionError> {
    if let Some((f, v)) = m.fields().next() {
        return Ok(match (f.name(), v) {
            ("null_value", _) => Box::new(CelNull),
            ("number_value", Value::F64(d)) => Box::new(CelDouble::from(*d)),
            ("string_value", Value::String(s)) => Box::new(CelString::from(s.as_str())),
            ("bool_value", Value::Bool(b)) => Box::new(CelBool::from(*b)),
            ("struct_value" | "list_value", Value::Message(inner)) => message_value(inner, tested)?,
            _ => Box::new(CelNull),
        });
    }
    Ok(Box::new(CelNull))
}

// ---------------------------------------------------------------------------
// protovalidate's functions

/// `getField(m, 'name')`, for fields whose names are CEL keywords (`in`,
/// `const`), is a plain field selection: a macro turns it into `m.name`.
fn get_field_macro() -> cel::parser::Macro {
    use cel::common::ast::{Expr as Ast, LiteralValue, SelectExpr};
    cel::parser::Macro::global("getField", 2, |helper, _target, args| {
        let name = match args.get(1).map(|a| &a.expr) {
            Some(Ast::Literal(LiteralValue::String(s))) => s.inner().to_owned(),
            _ => return Ok(None),
        };
        let operand = args.remove(0);
        Ok(Some(helper.next_expr(Ast::Select(SelectExpr {
            operand: Box::new(operand),
            field: name,
            test: false,
        }))))
    })
}

type R = Result<cel::Value, ExecutionError>;

fn bytes_contains(this: &CelBytes<'_>, other: &CelBytes<'_>) -> CelBool {
    let (h, n) = (this.inner(), other.inner());
    CelBool::from(n.is_empty() || h.windows(n.len()).any(|w| w == n))
}

fn bytes_starts_with(this: &CelBytes<'_>, other: &CelBytes<'_>) -> CelBool {
    CelBool::from(this.inner().starts_with(other.inner()))
}

fn bytes_ends_with(this: &CelBytes<'_>, other: &CelBytes<'_>) -> CelBool {
    CelBool::from(this.inner().ends_with(other.inner()))
}

/// `contains`, `startsWith` and `endsWith` on bytes, as protovalidate has them.
fn bytes_functions(env: &mut Env) -> Result<(), cel::DeclarationError> {
    cel::add_member_overload!(env, fn bytes_contains: (CelBytes, CelBytes) -> CelBool, name = "contains")?;
    cel::add_member_overload!(env, fn bytes_starts_with: (CelBytes, CelBytes) -> CelBool, name = "startsWith")?;
    cel::add_member_overload!(env, fn bytes_ends_with: (CelBytes, CelBytes) -> CelBool, name = "endsWith")?;
    Ok(())
}

/// The receiver (`x` of `x.f()`, or the first argument of `f(x)`) and the
/// other arguments.
fn split<'x, 'c, 'a>(
    ftx: &'x FunctionContext<'c, 'a>,
) -> Result<(&'x (dyn Val + 'a), &'x [CowVal<'c, 'a>]), ExecutionError> {
    match &ftx.this {
        Some(this) => Ok((this.as_ref(), &ftx.args)),
        None => match ftx.args.split_first() {
            Some((first, rest)) => Ok((first.as_ref(), rest)),
            None => Err(ExecutionError::missing_argument_or_target()),
        },
    }
}

fn str_arg<'x>(v: &'x dyn Val, f: &str) -> Result<&'x str, ExecutionError> {
    v.downcast_ref::<CelString>()
        .map(|s| s.inner())
        .ok_or_else(|| ExecutionError::function_error(f, "expected a string"))
}

fn int_arg(v: &dyn Val, f: &str) -> Result<i64, ExecutionError> {
    v.downcast_ref::<CelInt>()
        .map(|i| *i.inner())
        .ok_or_else(|| ExecutionError::function_error(f, "expected an int"))
}

fn bool_arg(v: &dyn Val, f: &str) -> Result<bool, ExecutionError> {
    v.downcast_ref::<CelBool>()
        .map(|b| *b.inner())
        .ok_or_else(|| ExecutionError::function_error(f, "expected a bool"))
}

fn double_arg(v: &dyn Val, f: &str) -> Result<f64, ExecutionError> {
    v.downcast_ref::<CelDouble>()
        .map(|d| *d.inner())
        .ok_or_else(|| ExecutionError::function_error(f, "expected a double"))
}

fn no_args(args: &[CowVal<'_, '_>]) -> Result<(), ExecutionError> {
    if args.is_empty() {
        Ok(())
    } else {
        Err(ExecutionError::invalid_argument_count(0, args.len()))
    }
}

fn is_email(ftx: &FunctionContext) -> R {
    let (this, args) = split(ftx)?;
    no_args(args)?;
    Ok(formats::is_email(str_arg(this, "isEmail")?).into())
}

fn is_hostname(ftx: &FunctionContext) -> R {
    let (this, args) = split(ftx)?;
    no_args(args)?;
    Ok(formats::is_hostname(str_arg(this, "isHostname")?).into())
}

fn is_uri(ftx: &FunctionContext) -> R {
    let (this, args) = split(ftx)?;
    no_args(args)?;
    Ok(formats::is_uri(str_arg(this, "isUri")?).into())
}

fn is_uri_ref(ftx: &FunctionContext) -> R {
    let (this, args) = split(ftx)?;
    no_args(args)?;
    Ok(formats::is_uri_ref(str_arg(this, "isUriRef")?).into())
}

fn is_ip(ftx: &FunctionContext) -> R {
    let (this, args) = split(ftx)?;
    let s = str_arg(this, "isIp")?;
    let version = match args {
        [] => 0,
        [v] => int_arg(v.as_ref(), "isIp")?,
        _ => return Err(ExecutionError::invalid_argument_count(1, args.len())),
    };
    Ok(formats::is_ip(s, version).into())
}

fn is_ip_prefix(ftx: &FunctionContext) -> R {
    let (this, args) = split(ftx)?;
    let s = str_arg(this, "isIpPrefix")?;
    let (version, strict) = match args {
        [] => (0, false),
        [a] => match a.downcast_ref::<CelInt>() {
            Some(i) => (*i.inner(), false),
            None => (0, bool_arg(a.as_ref(), "isIpPrefix")?),
        },
        [v, b] => (
            int_arg(v.as_ref(), "isIpPrefix")?,
            bool_arg(b.as_ref(), "isIpPrefix")?,
        ),
        _ => return Err(ExecutionError::invalid_argument_count(2, args.len())),
    };
    Ok(formats::is_ip_prefix(s, version, strict).into())
}

fn is_host_and_port(ftx: &FunctionContext) -> R {
    let (this, args) = split(ftx)?;
    let s = str_arg(this, "isHostAndPort")?;
    let [required] = args else {
        return Err(ExecutionError::invalid_argument_count(1, args.len()));
    };
    let required = bool_arg(required.as_ref(), "isHostAndPort")?;
    Ok(formats::is_host_and_port(s, required).into())
}

fn is_nan(ftx: &FunctionContext) -> R {
    let (this, args) = split(ftx)?;
    no_args(args)?;
    Ok(double_arg(this, "isNan")?.is_nan().into())
}

fn is_inf(ftx: &FunctionContext) -> R {
    let (this, args) = split(ftx)?;
    let d = double_arg(this, "isInf")?;
    let sign = match args {
        [] => 0,
        [s] => int_arg(s.as_ref(), "isInf")?,
        _ => return Err(ExecutionError::invalid_argument_count(1, args.len())),
    };
    Ok(match sign {
        s if s > 0 => d == f64::INFINITY,
        s if s < 0 => d == f64::NEG_INFINITY,
        _ => d.is_infinite(),
    }
    .into())
}

/// A key equal for equal values (CEL equality) of the keyed kinds; `None`
/// for the others. A NaN gets a key of its own: it equals nothing.
fn unique_key(item: &dyn Val, nan_count: &mut u64) -> Option<Vec<u8>> {
    if let Some(s) = item.downcast_ref::<CelString>() {
        Some([b"s".as_slice(), s.inner().as_bytes()].concat())
    } else if let Some(b) = item.downcast_ref::<CelBytes>() {
        Some([b"b".as_slice(), b.inner()].concat())
    } else if let Some(i) = item.downcast_ref::<CelInt>() {
        Some([b"i".as_slice(), &i.inner().to_le_bytes()].concat())
    } else if let Some(u) = item.downcast_ref::<CelUInt>() {
        Some([b"u".as_slice(), &u.inner().to_le_bytes()].concat())
    } else if let Some(d) = item.downcast_ref::<CelDouble>() {
        let d = *d.inner();
        if d.is_nan() {
            *nan_count += 1;
            return Some([b"n".as_slice(), &nan_count.to_le_bytes()].concat());
        }
        let d = if d == 0.0 { 0.0f64 } else { d };
        Some([b"d".as_slice(), &d.to_bits().to_le_bytes()].concat())
    } else if let Some(t) = item.downcast_ref::<CelTimestamp>() {
        let t = t.inner();
        Some(
            [
                b"t".as_slice(),
                &t.timestamp().to_le_bytes(),
                &t.timestamp_subsec_nanos().to_le_bytes(),
            ]
            .concat(),
        )
    } else if let Some(d) = item.downcast_ref::<CelDuration>() {
        let d = d.inner();
        Some(
            [
                b"D".as_slice(),
                &d.num_seconds().to_le_bytes(),
                &d.subsec_nanos().to_le_bytes(),
            ]
            .concat(),
        )
    } else {
        item.downcast_ref::<CelBool>()
            .map(|b| vec![b'o', u8::from(*b.inner())])
    }
}

/// Whether the list's elements are all distinct: linear for scalars,
/// timestamps and durations, which are keyed.
fn unique(ftx: &FunctionContext) -> R {
    let (this, args) = split(ftx)?;
    no_args(args)?;
    let list = this
        .as_iterable()
        .ok_or_else(|| ExecutionError::function_error("unique", "expected a list"))?;
    let mut seen_keys = std::collections::HashSet::new();
    // Values that cannot be keyed (messages, lists): compared pairwise, so
    // quadratic; protovalidate allows `unique` on scalars only.
    let mut seen_other: Vec<&dyn Val> = Vec::new();
    let mut nan_count: u64 = 0;
    let mut it = list.iter();
    while let Some(item) = it.next() {
        let key = unique_key(item, &mut nan_count);
        let dup = match key {
            Some(k) => !seen_keys.insert(k),
            None => {
                let d = seen_other.iter().any(|s| s.equals(item));
                seen_other.push(item);
                d
            }
        };
        if dup {
            return Ok(false.into());
        }
    }
    Ok(true.into())
}

fn register(ctx: &mut Context<'static, 'static>) {
    // Only a clash with a built-in name fails, and none of these is one.
    let _ = ctx.add_function("isEmail", is_email);
    let _ = ctx.add_function("isHostname", is_hostname);
    let _ = ctx.add_function("isUri", is_uri);
    let _ = ctx.add_function("isUriRef", is_uri_ref);
    let _ = ctx.add_function("isIp", is_ip);
    let _ = ctx.add_function("isIpPrefix", is_ip_prefix);
    let _ = ctx.add_function("isHostAndPort", is_host_and_port);
    let _ = ctx.add_function("isNan", is_nan);
    let _ = ctx.add_function("isInf", is_inf);
    let _ = ctx.add_function("unique", unique);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_tests_are_found() {
        let cel = Cel::new();
        let expr = cel
            .compile(
                "!has(this.first_name) || has( rules.lt ) && [1].all(x, has(x.deep.inner))",
                None,
            )
            .unwrap();
        assert_eq!(
            expr.tested.iter().cloned().collect::<Vec<_>>(),
            vec!["first_name".to_owned(), "inner".to_owned(), "lt".to_owned()]
        );
    }

    #[test]
    fn string_functions_on_other_kinds_are_compile_errors() {
        let cel = Cel::new();
        assert!(
            cel.compile("this.startsWith('a')", Some(&Kind::Int32))
                .is_err()
        );
        assert!(cel.compile("this.isEmail()", Some(&Kind::Bytes)).is_err());
        assert!(
            cel.compile("this.startsWith(b'a')", Some(&Kind::Bytes))
                .is_ok()
        );
        assert!(
            cel.compile("this.matches('a')", Some(&Kind::String))
                .is_ok()
        );
        assert!(cel.compile("this.startsWith('a')", None).is_ok());
    }

    #[test]
    fn extension_functions_evaluate() {
        let cel = Cel::new();
        let now = chrono::Utc::now().fixed_offset();
        for (src, want) in [
            ("'foo@example.com'.isEmail()", true),
            ("'not an email'.isEmail()", false),
            ("'example.com'.isHostname()", true),
            ("'-bad.com'.isHostname()", false),
            ("'192.168.0.1'.isIp(4)", true),
            ("'192.168.0.1'.isIp(6)", false),
            ("'10.0.0.0/8'.isIpPrefix(4, true)", true),
            ("'10.0.0.1/8'.isIpPrefix(4, true)", false),
            ("'https://example.com/a?b#c'.isUri()", true),
            ("'/relative'.isUriRef()", true),
            ("'/relative'.isUri()", false),
            ("[1, 2, 3].unique()", true),
            ("['a', 'a'].unique()", false),
            ("[1.0, 2.0, 0.0, -0.0].unique()", false),
            ("[0.0/0.0, 0.0/0.0].unique()", true),
            ("[duration('1s'), duration('2s')].unique()", true),
            (
                "[timestamp('2024-01-01T00:00:00Z'), timestamp('2024-01-01T00:00:00Z')].unique()",
                false,
            ),
            ("(0.0/0.0).isNan()", true),
            ("(1.0/0.0).isInf(1)", true),
            ("'example.com:8080'.isHostAndPort(true)", true),
            ("'value must be %s'.format([3u]) == 'value must be 3'", true),
            ("getField({'in': 2}, 'in') == 2", true),
            ("b'candy bars'.contains(b'bar')", true),
            ("b'buzz'.endsWith(b'zz') && b'buzz'.startsWith(b'bu')", true),
        ] {
            let expr = cel.compile(src, None).unwrap();
            let got = cel.eval(&expr, None, None, None, &now);
            assert_eq!(got, Ok(cel::Value::Bool(want)), "{src}");
        }
    }
}
