//! The Terraform functions the module may call, with Terraform's semantics.
//! A call to any other function fails the evaluation ("undefined function").

use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};
use hcl::{Map, Value};

use crate::value::{canonical, type_name};

/// The names of the implemented functions.
pub const FUNCTIONS: &[&str] = &[
    "concat",
    "contains",
    "distinct",
    "keys",
    "length",
    "lookup",
    "merge",
    "nonsensitive",
    "sensitive",
    "sort",
    "strcontains",
];

pub(crate) fn declare(ctx: &mut Context<'_>) {
    let any = || ParamType::Any;
    let object = || ParamType::object_of(ParamType::Any);
    let list = || ParamType::array_of(ParamType::Any);
    ctx.declare_func(
        "concat",
        FuncDef::builder().variadic_param(list()).build(concat),
    );
    ctx.declare_func(
        "contains",
        FuncDef::builder().params([list(), any()]).build(contains),
    );
    ctx.declare_func("distinct", FuncDef::builder().param(list()).build(distinct));
    ctx.declare_func("keys", FuncDef::builder().param(object()).build(keys));
    ctx.declare_func("length", FuncDef::builder().param(any()).build(length));
    ctx.declare_func(
        "lookup",
        FuncDef::builder()
            .params([object(), ParamType::String])
            .variadic_param(any())
            .build(lookup),
    );
    ctx.declare_func(
        "merge",
        FuncDef::builder()
            .variadic_param(ParamType::nullable(object()))
            .build(merge),
    );
    // Sensitivity is not modelled: both are the identity on values.
    ctx.declare_func(
        "nonsensitive",
        FuncDef::builder().param(any()).build(identity),
    );
    ctx.declare_func("sensitive", FuncDef::builder().param(any()).build(identity));
    ctx.declare_func(
        "sort",
        FuncDef::builder()
            .param(ParamType::array_of(ParamType::String))
            .build(sort),
    );
    ctx.declare_func(
        "strcontains",
        FuncDef::builder()
            .params([ParamType::String, ParamType::String])
            .build(strcontains),
    );
}

fn identity(args: FuncArgs) -> Result<Value, String> {
    Ok(args[0].clone())
}

/// `concat(lists...)`: the lists joined, in order.
fn concat(args: FuncArgs) -> Result<Value, String> {
    let mut out = Vec::new();
    for list in args.variadic_args() {
        out.extend(list.as_array().into_iter().flatten().cloned());
    }
    Ok(Value::Array(out))
}

/// `contains(list, value)`.
fn contains(args: FuncArgs) -> Result<Value, String> {
    let list = args[0]
        .as_array()
        .ok_or("the first argument must be a list")?;
    Ok(Value::Bool(list.contains(&args[1])))
}

/// `distinct(list)`: the first occurrence of each element, in order.
fn distinct(args: FuncArgs) -> Result<Value, String> {
    let mut out: Vec<Value> = Vec::new();
    for item in args[0].as_array().into_iter().flatten() {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    Ok(Value::Array(out))
}

/// `keys(map)`: the keys in lexicographic order.
fn keys(args: FuncArgs) -> Result<Value, String> {
    let map = args[0]
        .as_object()
        .ok_or("the argument must be a map or object")?;
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    Ok(Value::Array(
        keys.into_iter().map(|k| Value::String(k.clone())).collect(),
    ))
}

/// `length(list|map)`. Terraform counts a string's grapheme clusters, which
/// this evaluator does not implement: a string argument is an error.
fn length(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Array(items) => Ok(Value::from(items.len())),
        Value::Object(map) => Ok(Value::from(map.len())),
        other => Err(format!(
            "length of a {} is not supported by this evaluator",
            type_name(other)
        )),
    }
}

/// `lookup(map, key[, default])`.
fn lookup(args: FuncArgs) -> Result<Value, String> {
    let map = args[0]
        .as_object()
        .ok_or("the first argument must be a map")?;
    let key = args[1].as_str().ok_or("the key must be a string")?;
    let defaults: Vec<&Value> = args.variadic_args().collect();
    match (map.get(key), defaults.as_slice()) {
        (Some(v), [] | [_]) => Ok(v.clone()),
        (None, [default]) => Ok((*default).clone()),
        (None, []) => Err(format!(
            "the map has no key {key:?} and no default was given"
        )),
        _ => Err("lookup takes two or three arguments".to_owned()),
    }
}

/// `merge(maps...)`: later keys win; null arguments are skipped.
fn merge(args: FuncArgs) -> Result<Value, String> {
    let mut out = Map::new();
    for map in args.variadic_args() {
        if let Some(map) = map.as_object() {
            for (k, v) in map {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(canonical(Value::Object(out)))
}

/// `sort(list of strings)`: lexicographic (byte-wise, as Go compares strings).
fn sort(args: FuncArgs) -> Result<Value, String> {
    let mut items: Vec<String> = args[0]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or("elements must be strings")
        })
        .collect::<Result<_, _>>()?;
    items.sort();
    Ok(Value::Array(items.into_iter().map(Value::String).collect()))
}

/// `strcontains(string, substr)`.
fn strcontains(args: FuncArgs) -> Result<Value, String> {
    match (args[0].as_str(), args[1].as_str()) {
        (Some(s), Some(sub)) => Ok(Value::Bool(s.contains(sub))),
        _ => Err("both arguments must be strings".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use hcl::eval::Evaluate;

    use super::*;

    fn eval(expr: &str) -> Result<Value, String> {
        let mut ctx = Context::new();
        declare(&mut ctx);
        let expr: hcl::Expression = expr.parse().map_err(|e| format!("{e}"))?;
        expr.evaluate(&ctx).map_err(|e| e.to_string())
    }

    #[test]
    fn functions_follow_terraform() {
        let cases = [
            (r#"keys({b = 1, a = 2})"#, r#"["a","b"]"#),
            (r#"sort(["b", "a", "B"])"#, r#"["B","a","b"]"#),
            (
                r#"merge({a = 1, b = 2}, null, {a = 3})"#,
                r#"{"a":3,"b":2}"#,
            ),
            (r#"concat([1], [], [2, 3])"#, r#"[1,2,3]"#),
            (r#"distinct(["x", "y", "x"])"#, r#"["x","y"]"#),
            (r#"contains(["x"], "x")"#, "true"),
            (r#"length({a = 1})"#, "1"),
            (r#"length([])"#, "0"),
            (r#"lookup({a = 1}, "b", 7)"#, "7"),
            (r#"strcontains("sha256:ab", ":")"#, "true"),
            (r#"nonsensitive("x")"#, r#""x""#),
        ];
        for (expr, want) in cases {
            let got = crate::value::to_json(&eval(expr).unwrap());
            assert_eq!(got.to_string(), want, "{expr}");
        }
        assert!(eval(r#"length("abc")"#).is_err());
        assert!(eval(r#"lookup({a = 1}, "b")"#).is_err());
        assert!(eval(r#"upper("a")"#).is_err());
    }
}
