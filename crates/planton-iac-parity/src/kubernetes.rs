//! Resource instances of the `hashicorp/kubernetes` provider as the
//! Kubernetes objects they create.
//!
//! Only the arguments listed here are understood; any other argument of a
//! resource is an error, so the module cannot set something the comparison
//! would silently ignore.

use serde_json::{Map, Value as Json, json};

use crate::Error;
use crate::module::ResourceInstance;

/// The Kubernetes object a resource instance creates, with `apiVersion` and
/// `kind` (for the typed resources, from the resource type).
///
/// - `kubernetes_namespace_v1`: a `v1` Namespace from the `metadata` block.
/// - `kubernetes_secret_v1`: a `v1` Secret; `type` (the provider's default
///   is `Opaque`), `data` (plain strings, which the provider encodes: the
///   same as `stringData`, and written as `stringData`), `immutable`.
/// - `kubernetes_config_map_v1`: a `v1` ConfigMap; `data`, `immutable`.
/// - `kubernetes_manifest`: its `manifest`, as it is.
///
/// # Errors
///
/// For another resource type, an argument not listed above, or a malformed
/// `metadata` block.
pub fn object(r: &ResourceInstance) -> Result<Json, Error> {
    let at = r.address();
    let mut args = r.arguments.clone();
    let mut take = |key: &str| args.remove(key).filter(|v| !v.is_null());
    let object = match r.resource_type.as_str() {
        "kubernetes_namespace_v1" => {
            let metadata = metadata(take("metadata"), false, &at)?;
            let _ = take("wait_for_default_service_account");
            let _ = take("timeouts");
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": metadata})
        }
        "kubernetes_secret_v1" => {
            let metadata = metadata(take("metadata"), true, &at)?;
            let mut o = json!({
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": metadata,
                "type": take("type").unwrap_or_else(|| json!("Opaque")),
            });
            if let Some(data) = take("data") {
                o["stringData"] = string_map(data, &format!("{at}.data"))?;
            }
            if let Some(immutable) = take("immutable") {
                o["immutable"] = immutable;
            }
            let _ = take("wait_for_service_account_token");
            let _ = take("timeouts");
            o
        }
        "kubernetes_config_map_v1" => {
            let metadata = metadata(take("metadata"), true, &at)?;
            let mut o = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata});
            if let Some(data) = take("data") {
                o["data"] = string_map(data, &format!("{at}.data"))?;
            }
            if let Some(immutable) = take("immutable") {
                o["immutable"] = immutable;
            }
            o
        }
        "kubernetes_manifest" => {
            let manifest = take("manifest")
                .ok_or_else(|| Error::new(format!("{at}: manifest is required")))?;
            for field in ["apiVersion", "kind"] {
                if !manifest.get(field).is_some_and(Json::is_string) {
                    return Err(Error::new(format!(
                        "{at}: manifest.{field} must be a string"
                    )));
                }
            }
            // Provider behaviour, not part of the object.
            for meta in [
                "computed_fields",
                "field_manager",
                "wait",
                "wait_for",
                "timeouts",
            ] {
                let _ = take(meta);
            }
            manifest
        }
        other => {
            return Err(Error::new(format!(
                "{at}: the resource type {other} is not modelled by the parity evaluator"
            )));
        }
    };
    if let Some(unknown) = args.keys().next() {
        return Err(Error::new(format!(
            "{at}: the argument {unknown} is not modelled by the parity evaluator"
        )));
    }
    Ok(object)
}

/// The `metadata` block (exactly one) as ObjectMeta JSON.
fn metadata(block: Option<Json>, namespaced: bool, at: &str) -> Result<Json, Error> {
    let blocks = match block {
        Some(Json::Array(blocks)) => blocks,
        _ => return Err(Error::new(format!("{at}: one metadata block is required"))),
    };
    let [Json::Object(block)] = blocks.as_slice() else {
        return Err(Error::new(format!(
            "{at}: exactly one metadata block is allowed"
        )));
    };
    let mut out = Map::new();
    for (key, value) in block {
        if value.is_null() {
            continue;
        }
        let name = match key.as_str() {
            "name" | "labels" | "annotations" => key.as_str(),
            "namespace" if namespaced => "namespace",
            "generate_name" => "generateName",
            other => {
                return Err(Error::new(format!(
                    "{at}.metadata: the argument {other} is not modelled by the parity evaluator"
                )));
            }
        };
        out.insert(name.to_owned(), value.clone());
    }
    Ok(Json::Object(out))
}

fn string_map(value: Json, at: &str) -> Result<Json, Error> {
    match &value {
        Json::Object(map) if map.values().all(Json::is_string) => Ok(value),
        _ => Err(Error::new(format!("{at}: expected a map of strings"))),
    }
}
