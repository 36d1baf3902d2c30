//! Files of Protobuf Editions for a descriptor pool that only knows proto2
//! and proto3 (prost-reflect 0.16).

use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, Value};

/// Why a descriptor set could not be rewritten.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditionsError {
    /// The bytes are not a `FileDescriptorSet`.
    #[error("cannot decode the descriptor set: {0}")]
    Decode(String),
    /// An `editions` file is there, but not `google/protobuf/descriptor.proto`,
    /// whose `FeatureSet` the rewrite reads.
    #[error("the descriptor set has editions files but not 'google/protobuf/descriptor.proto'")]
    NoDescriptorProto,
}

/// Rewrites the files of edition 2023 of an encoded `FileDescriptorSet` as
/// proto2 files with the same meaning, keeping every option (and so every
/// `buf.validate` rule): a field's resolved `field_presence` becomes its
/// label (`LEGACY_REQUIRED` is `required`; `IMPLICIT` stays in the field's
/// `features` option, which [`Validator`](crate::Validator) honours), and
/// `message_encoding = DELIMITED` makes a message field a group. Files of
/// other syntaxes are left as they are; without an editions file, the bytes
/// come back unchanged.
///
/// Only field-level features are read: file- and message-level feature
/// defaults are not inherited.
///
/// # Errors
///
/// [`EditionsError`] when the bytes do not decode.
pub fn downgrade_editions(fdset: &[u8]) -> Result<Vec<u8>, EditionsError> {
    let plain = prost_types::FileDescriptorSet::decode(fdset)
        .map_err(|e| EditionsError::Decode(e.to_string()))?;
    if !plain
        .file
        .iter()
        .any(|f| f.syntax.as_deref() == Some("editions"))
    {
        return Ok(fdset.to_vec());
    }
    let descriptor_proto = plain
        .file
        .into_iter()
        .find(|f| f.name.as_deref() == Some("google/protobuf/descriptor.proto"))
        .ok_or(EditionsError::NoDescriptorProto)?;
    let mut pool = DescriptorPool::new();
    pool.add_file_descriptor_proto(descriptor_proto)
        .map_err(|e| EditionsError::Decode(e.to_string()))?;
    let set_desc = pool
        .get_message_by_name("google.protobuf.FileDescriptorSet")
        .ok_or(EditionsError::NoDescriptorProto)?;
    let mut set = DynamicMessage::decode(set_desc, fdset)
        .map_err(|e| EditionsError::Decode(e.to_string()))?;
    if let Some(Value::List(files)) = set.get_field_by_name_mut("file") {
        for file in files.iter_mut() {
            if let Value::Message(file) = file
                && file
                    .get_field_by_name("syntax")
                    .is_some_and(|s| s.as_str() == Some("editions"))
            {
                file.set_field_by_name("syntax", Value::String("proto2".into()));
                file.clear_field_by_name("edition");
                rewrite_fields(file, "message_type", "extension");
            }
        }
    }
    Ok(set.encode_to_vec())
}

/// Rewrites the fields (and extensions) of the messages in `list_field`,
/// recursively, and the extensions in `ext_field` of `parent`.
fn rewrite_fields(parent: &mut DynamicMessage, list_field: &str, ext_field: &str) {
    if let Some(Value::List(exts)) = parent.get_field_by_name_mut(ext_field) {
        for e in exts.iter_mut() {
            if let Value::Message(e) = e {
                rewrite_field(e);
            }
        }
    }
    if let Some(Value::List(messages)) = parent.get_field_by_name_mut(list_field) {
        for m in messages.iter_mut() {
            if let Value::Message(m) = m {
                if let Some(Value::List(fields)) = m.get_field_by_name_mut("field") {
                    for f in fields.iter_mut() {
                        if let Value::Message(f) = f {
                            rewrite_field(f);
                        }
                    }
                }
                rewrite_fields(m, "nested_type", "extension");
            }
        }
    }
}

const LABEL_REQUIRED: i32 = 2;
const LABEL_REPEATED: i32 = 3;
const TYPE_GROUP: i32 = 10;
const TYPE_MESSAGE: i32 = 11;
const LEGACY_REQUIRED: i32 = 3;
const DELIMITED: i32 = 2;

fn rewrite_field(field: &mut DynamicMessage) {
    let feature = |field: &DynamicMessage, name: &str| -> Option<i32> {
        let options = field.get_field_by_name("options")?;
        let features = options.as_message()?.get_field_by_name("features")?;
        features
            .as_message()?
            .get_field_by_name(name)?
            .as_enum_number()
    };
    let label = field
        .get_field_by_name("label")
        .and_then(|l| l.as_enum_number());
    if label != Some(LABEL_REPEATED) && feature(field, "field_presence") == Some(LEGACY_REQUIRED) {
        field.set_field_by_name("label", Value::EnumNumber(LABEL_REQUIRED));
    }
    let ty = field
        .get_field_by_name("type")
        .and_then(|t| t.as_enum_number());
    if ty == Some(TYPE_MESSAGE) && feature(field, "message_encoding") == Some(DELIMITED) {
        field.set_field_by_name("type", Value::EnumNumber(TYPE_GROUP));
    }
}
