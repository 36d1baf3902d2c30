//! Input variable values converted to their declared type constraint, as
//! Terraform does: primitives converted (a number or bool to a string, a
//! numeric string to a number), object attributes not in the type dropped, a
//! missing non-optional attribute an error, `optional(T, default)` filled in
//! when the attribute is absent or null.

use hcl::eval::{Context, Evaluate};
use hcl::expr::{Expression, ObjectKey};
use hcl::{Map, Number, Value};

use crate::Error;
use crate::value::{canonical, type_name};

/// Converts `value` to the type constraint `ty` (the expression of a
/// variable's `type` argument); `path` names the value in errors.
pub(crate) fn convert(value: Value, ty: &Expression, path: &str) -> Result<Value, Error> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    match ty {
        Expression::Variable(name) => primitive(value, name.as_str(), path),
        Expression::FuncCall(call) if call.name.namespace.is_empty() => {
            let args = call.args.as_slice();
            match (call.name.name.as_str(), args) {
                ("list", [elem]) => match value {
                    Value::Array(items) => items
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| convert(v, elem, &format!("{path}[{i}]")))
                        .collect::<Result<_, _>>()
                        .map(Value::Array),
                    other => Err(mismatch(path, "a list", &other)),
                },
                ("map", [elem]) => match value {
                    Value::Object(map) => map
                        .into_iter()
                        .map(|(k, v)| {
                            let p = format!("{path}[{k:?}]");
                            Ok((k, convert(v, elem, &p)?))
                        })
                        .collect::<Result<Map<_, _>, Error>>()
                        .map(|m| canonical(Value::Object(m))),
                    other => Err(mismatch(path, "a map", &other)),
                },
                ("object", [Expression::Object(attrs)]) => object(value, attrs, path),
                (name, _) => Err(Error::new(format!(
                    "{path}: the type constraint {name}(...) is not supported by this evaluator"
                ))),
            }
        }
        other => Err(Error::new(format!(
            "{path}: unsupported type constraint {other:?}"
        ))),
    }
}

fn primitive(value: Value, ty: &str, path: &str) -> Result<Value, Error> {
    match (ty, value) {
        ("any", v) => Ok(v),
        ("string", v @ Value::String(_)) => Ok(v),
        ("string", Value::Number(n)) => Ok(Value::String(n.to_string())),
        ("string", Value::Bool(b)) => Ok(Value::String(b.to_string())),
        ("number", v @ Value::Number(_)) => Ok(v),
        ("number", Value::String(s)) => s
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| Error::new(format!("{path}: {s:?} is not a number"))),
        ("bool", v @ Value::Bool(_)) => Ok(v),
        ("bool", Value::String(s)) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
        ("string" | "number" | "bool", other) => Err(mismatch(path, ty, &other)),
        (other, _) => Err(Error::new(format!(
            "{path}: unsupported type constraint {other}"
        ))),
    }
}

fn object(
    value: Value,
    attrs: &hcl::expr::Object<ObjectKey, Expression>,
    path: &str,
) -> Result<Value, Error> {
    let Value::Object(mut given) = value else {
        return Err(mismatch(path, "an object", &value));
    };
    let mut out = Map::new();
    for (key, attr_ty) in attrs {
        let name = match key {
            ObjectKey::Identifier(id) => id.as_str().to_owned(),
            ObjectKey::Expression(Expression::String(s)) => s.clone(),
            other => {
                return Err(Error::new(format!(
                    "{path}: unsupported attribute name {other:?}"
                )));
            }
        };
        let attr_path = format!("{path}.{name}");
        let (ty, optional, default) = match attr_ty {
            Expression::FuncCall(call)
                if call.name.namespace.is_empty() && call.name.name.as_str() == "optional" =>
            {
                match call.args.as_slice() {
                    [ty] => (ty, true, None),
                    [ty, default] => (ty, true, Some(default)),
                    _ => return Err(Error::new(format!("{attr_path}: malformed optional()"))),
                }
            }
            ty => (ty, false, None),
        };
        let value = match given.swap_remove(&name) {
            Some(v) if !v.is_null() => convert(v, ty, &attr_path)?,
            present => match default {
                Some(default) => {
                    let default = default.evaluate(&Context::new()).map_err(|e| {
                        Error::new(format!("{attr_path}: the default does not evaluate: {e}"))
                    })?;
                    convert(default, ty, &attr_path)?
                }
                None if optional || present.is_some() => Value::Null,
                None => {
                    return Err(Error::new(format!(
                        "{attr_path}: attribute {name:?} is required"
                    )));
                }
            },
        };
        out.insert(name, value);
    }
    // Attributes the type does not declare are dropped, as Terraform does.
    Ok(canonical(Value::Object(out)))
}

fn mismatch(path: &str, want: &str, got: &Value) -> Error {
    Error::new(format!(
        "{path}: expected {want}, found a {}",
        type_name(got)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{from_json, to_json};

    fn conv(ty: &str, json: serde_json::Value) -> Result<serde_json::Value, Error> {
        let ty: Expression = ty.parse().unwrap();
        convert(from_json(&json), &ty, "var.v").map(|v| to_json(&v))
    }

    #[test]
    fn conversions_follow_terraform() {
        let ty = "object({a = string, c = optional(list(string), []), d = optional(number)})";
        assert_eq!(
            conv(ty, serde_json::json!({"a": 5, "b": "dropped"})).unwrap(),
            serde_json::json!({"a": "5", "c": [], "d": null})
        );
        assert_eq!(
            conv(ty, serde_json::json!({"a": "x", "c": null})).unwrap(),
            serde_json::json!({"a": "x", "c": [], "d": null})
        );
        let err = conv(ty, serde_json::json!({"c": []})).unwrap_err();
        assert!(err.to_string().contains("\"a\" is required"), "{err}");
        assert!(conv("map(number)", serde_json::json!({"k": "x"})).is_err());
        assert_eq!(
            conv("map(number)", serde_json::json!({"k": "2"})).unwrap(),
            serde_json::json!({"k": 2})
        );
        assert!(conv("set(string)", serde_json::json!([])).is_err());
    }
}
