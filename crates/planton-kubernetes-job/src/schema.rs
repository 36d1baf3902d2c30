//! The JSON Schema of a KubernetesJob manifest, for editors.

use planton_api::prost_reflect::{DescriptorPool, DynamicMessage, ReflectMessage, Value};
use planton_manifest::schema::JsonSchema;

use crate::{DEFAULT_OPTION, DEFAULT_RESOURCES_OPTION, JobValidator};

/// The most message levels walked to find what the defaults create.
const MAX_DEPTH: usize = 32;

impl JobValidator {
    /// The JSON Schema (draft-07) of a KubernetesJob manifest, generated
    /// from the protos (see [`planton_manifest::schema`]): every field under
    /// its JSON and proto names, types, enums, the `buf.validate` rules a
    /// schema can express, the defaults, and the proto comments as
    /// descriptions. Messages that the defaults create (`spec.resources`)
    /// are never `required`. Deterministic: the same protos give the same
    /// value.
    pub fn json_schema(&self) -> serde_json::Value {
        let documented = DescriptorPool::decode(planton_api::FILE_DESCRIPTOR_SET_WITH_SOURCE).ok();
        let job = planton_api::KubernetesJob::default().descriptor();
        let root = documented
            .as_ref()
            .and_then(|p| p.get_message_by_name(job.full_name()))
            .unwrap_or(job);
        let mut created = Vec::new();
        if let Ok(mut empty) = self.load("kind: KubernetesJob\n") {
            self.apply_defaults(&mut empty);
            set_messages(empty.message(), &mut created, 0);
        }
        JsonSchema::new(&root)
            .title("Project Planton KubernetesJob manifest")
            .default_option(DEFAULT_OPTION)
            .message_default_option(DEFAULT_RESOURCES_OPTION)
            .created_by_defaults(created)
            .build()
    }
}

/// The full names of the message fields set in `message`, recursively.
fn set_messages(message: &DynamicMessage, out: &mut Vec<String>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for (field, value) in message.fields() {
        if let Value::Message(m) = value {
            out.push(field.full_name().to_owned());
            set_messages(m, out, depth + 1);
        }
    }
}
