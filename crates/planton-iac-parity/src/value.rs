//! Values between JSON (tfvars, rendered objects) and HCL (the evaluator),
//! in Terraform's canonical form.

use hcl::{Map, Number, Value};
use serde_json::Value as Json;

/// A JSON value as an HCL value, object keys sorted.
pub(crate) fn from_json(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => {
            let number = if let Some(u) = n.as_u64() {
                Some(Number::from(u))
            } else if let Some(i) = n.as_i64() {
                Some(Number::from(i))
            } else {
                n.as_f64().and_then(Number::from_f64)
            };
            number.map_or(Value::Null, Value::Number)
        }
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::Array(items.iter().map(from_json).collect()),
        Json::Object(map) => canonical(Value::Object(
            map.iter().map(|(k, v)| (k.clone(), from_json(v))).collect(),
        )),
    }
}

/// An HCL value as JSON. Terraform has one number type: integral numbers are
/// written as integers.
pub(crate) fn to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Json::from(u)
            } else if let Some(i) = n.as_i64() {
                Json::from(i)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Json::Null, Json::Number)
            }
        }
        Value::String(s) => Json::String(s.clone()),
        Value::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Object(map) => {
            Json::Object(map.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

/// The value with every object's keys sorted: Terraform's maps and objects
/// have no order of their own and are iterated in lexicographic key order;
/// hcl-rs iterates in insertion order. Every value the evaluator stores
/// (variables, locals, function results, `each.value`) goes through here.
pub(crate) fn canonical(value: Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        Value::Object(map) => {
            let mut sorted: Map<String, Value> =
                map.into_iter().map(|(k, v)| (k, canonical(v))).collect();
            sorted.sort_keys();
            Value::Object(sorted)
        }
        other => other,
    }
}

/// Removes `null` members of objects, recursively: Terraform and
/// `kubernetes_manifest` treat a null attribute as an absent one.
pub fn drop_nulls(value: &mut Json) {
    match value {
        Json::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Json::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// A short description of a value's type, for error messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_order() {
        let json = serde_json::json!({"b": [1, -2, 2.5, null], "a": {"y": true, "x": "s"}});
        let value = from_json(&json);
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(to_json(&value), json);
        assert_eq!(to_json(&Value::Number(Number::from_f64(3.0).unwrap())), 3);
    }

    #[test]
    fn nulls_are_dropped_from_objects_only() {
        let mut json = serde_json::json!({"a": null, "b": {"c": null, "d": [null, {"e": null}]}});
        drop_nulls(&mut json);
        assert_eq!(json, serde_json::json!({"b": {"d": [null, {}]}}));
    }
}
