//! Kubernetes' own reading of partly set container resources, applied before
//! the Planton default fills the leaves the user left out.
//!
//! The Planton default (`default_container_resources`) is 1000m/1Gi limits and
//! 50m/100Mi requests. Filled in blindly, it would contradict what the user
//! wrote: `limits: {cpu: 10m}` would receive a 50m request, above its limit,
//! and be reported as a violation of a field the user never set. So, per
//! resource (cpu, memory), where the user set exactly one side:
//!
//! - a missing **request** becomes the user's limit when that limit is below
//!   the default request (as Kubernetes defaults a missing request to its
//!   limit); otherwise it gets the default request;
//! - a missing **limit** becomes the user's request when that request is above
//!   the default limit; otherwise it gets the default limit.
//!
//! A side that does not parse as a quantity is left alone: the quantity rule
//! reports it.

use planton_api::prost_reflect::{DynamicMessage, FieldDescriptor, Value};

use crate::Quantity;

/// The default requests and limits, read from the protos' option.
#[derive(Debug, Clone, Default)]
pub struct ResourceDefaults {
    limits: Pair,
    requests: Pair,
}

#[derive(Debug, Clone, Default)]
struct Pair {
    cpu: Option<(String, Quantity)>,
    memory: Option<(String, Quantity)>,
}

impl ResourceDefaults {
    /// Reads the message default `option` (a `ContainerResources`) on
    /// `field`, a field of that type; empty when the protos declare none.
    pub fn from_option(field: &FieldDescriptor, option: &str) -> ResourceDefaults {
        let pool = field.parent_pool();
        let Some(f) = planton_api::view::fields_in(pool) else {
            return ResourceDefaults::default();
        };
        let Some(ext) = pool.get_extension_by_name(option) else {
            return ResourceDefaults::default();
        };
        let options = field.options();
        if !options.has_extension(&ext) {
            return ResourceDefaults::default();
        }
        let Value::Message(default) = options.get_extension(&ext).into_owned() else {
            return ResourceDefaults::default();
        };
        let pair = |side: &FieldDescriptor| {
            let leaf = |leaf: &FieldDescriptor| -> Option<(String, Quantity)> {
                let cm = default.get_field(side);
                let text = cm.as_message()?.get_field(leaf).as_str()?.to_owned();
                let q = Quantity::parse(&text).ok()?;
                Some((text, q))
            };
            Pair {
                cpu: leaf(&f.cpu_memory.cpu),
                memory: leaf(&f.cpu_memory.memory),
            }
        };
        ResourceDefaults {
            limits: pair(&f.container_resources.limits),
            requests: pair(&f.container_resources.requests),
        }
    }

    /// Adjusts a `ContainerResources` message where the user set one side
    /// of a resource only (see the module docs); leaves any other message
    /// alone.
    pub fn harmonize(&self, res: &mut DynamicMessage) {
        let desc = planton_api::prost_reflect::ReflectMessage::descriptor(&*res);
        let Some(f) = planton_api::view::fields_in(desc.parent_pool()) else {
            return;
        };
        if desc != f.container_resources.message_descriptor {
            return;
        }
        for (leaf, limit_default, request_default) in [
            (&f.cpu_memory.cpu, &self.limits.cpu, &self.requests.cpu),
            (
                &f.cpu_memory.memory,
                &self.limits.memory,
                &self.requests.memory,
            ),
        ] {
            let limit = leaf_text(res, &f.container_resources.limits, leaf);
            let request = leaf_text(res, &f.container_resources.requests, leaf);
            let fill = match (limit, request) {
                (Some(limit), None) => request_default
                    .as_ref()
                    .and_then(|(_, default)| below(&limit, default))
                    .map(|text| (&f.container_resources.requests, text)),
                (None, Some(request)) => limit_default
                    .as_ref()
                    .and_then(|(_, default)| above(&request, default))
                    .map(|text| (&f.container_resources.limits, text)),
                _ => None,
            };
            if let Some((side, text)) = fill {
                set_leaf(res, side, leaf, text);
            }
        }
    }
}

/// The text of `side.leaf` when the user set it (non-empty).
fn leaf_text(
    res: &DynamicMessage,
    side: &FieldDescriptor,
    leaf: &FieldDescriptor,
) -> Option<String> {
    if !res.has_field(side) {
        return None;
    }
    let value = res.get_field(side);
    let text = value.as_message()?.get_field(leaf);
    text.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// `text` when it parses and is below `default`.
fn below(text: &str, default: &Quantity) -> Option<String> {
    Quantity::parse(text)
        .ok()
        .filter(|q| !q.is_negative() && q < default)
        .map(|_| text.to_owned())
}

/// `text` when it parses and is above `default`.
fn above(text: &str, default: &Quantity) -> Option<String> {
    Quantity::parse(text)
        .ok()
        .filter(|q| q > default)
        .map(|_| text.to_owned())
}

fn set_leaf(
    res: &mut DynamicMessage,
    side: &FieldDescriptor,
    leaf: &FieldDescriptor,
    text: String,
) {
    if let Some(cm) = res.get_field_mut(side).as_message_mut() {
        cm.set_field(leaf, Value::String(text));
    }
}
