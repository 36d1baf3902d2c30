//! A single-pass encoder for dynamic messages.
//!
//! prost-reflect's `DynamicMessage` encoding computes the length of every
//! nested message again at each level, which makes converting a decoded
//! manifest to a generated type cost several microseconds. This encoder
//! writes each nested message into the output once and patches its length
//! prefix, so [`transcode`] costs about as much as decoding the bytes.

use prost::Message;
use prost::encoding::{WireType, encode_key, encode_varint};
use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MapKey, Value};

/// Encodes `message` in the protobuf wire format (set fields only, repeated
/// scalars unpacked, which every decoder accepts).
pub fn encode(message: &DynamicMessage, buf: &mut Vec<u8>) {
    for (field, value) in message.fields() {
        encode_field(&field, value, buf);
    }
}

/// Converts a dynamic message to a generated type through the wire format.
///
/// # Errors
///
/// A [`prost::DecodeError`] when `T` is not the message's type.
pub fn transcode<T: Message + Default>(message: &DynamicMessage) -> Result<T, prost::DecodeError> {
    // Room for a typical manifest, so the buffer rarely grows.
    let mut buf = Vec::with_capacity(1024);
    encode(message, &mut buf);
    T::decode(buf.as_slice())
}

fn encode_field(field: &FieldDescriptor, value: &Value, buf: &mut Vec<u8>) {
    let number = field.number();
    match value {
        Value::List(items) => {
            let kind = field.kind();
            for item in items {
                encode_single(number, &kind, item, buf);
            }
        }
        Value::Map(entries) => {
            let Kind::Message(entry) = field.kind() else {
                return;
            };
            let key_kind = entry.map_entry_key_field().kind();
            let value_kind = entry.map_entry_value_field().kind();
            for (k, v) in entries {
                encode_key(number, WireType::LengthDelimited, buf);
                let start = begin_length_delimited(buf);
                match k {
                    // The common case, without copying the key into a Value.
                    MapKey::String(s) => bytes(1, s.as_bytes(), buf),
                    MapKey::Bool(b) => encode_single(1, &key_kind, &Value::Bool(*b), buf),
                    MapKey::I32(v) => encode_single(1, &key_kind, &Value::I32(*v), buf),
                    MapKey::I64(v) => encode_single(1, &key_kind, &Value::I64(*v), buf),
                    MapKey::U32(v) => encode_single(1, &key_kind, &Value::U32(*v), buf),
                    MapKey::U64(v) => encode_single(1, &key_kind, &Value::U64(*v), buf),
                }
                encode_single(2, &value_kind, v, buf);
                end_length_delimited(buf, start);
            }
        }
        // Only integers need the field's kind (sint, fixed or plain varint);
        // looking it up costs more than encoding anything else.
        Value::I32(_) | Value::I64(_) | Value::U32(_) | Value::U64(_) => {
            encode_single(number, &field.kind(), value, buf)
        }
        single => encode_single(number, &Kind::Bytes, single, buf),
    }
}

fn encode_single(number: u32, kind: &Kind, value: &Value, buf: &mut Vec<u8>) {
    let varint = |v: u64, buf: &mut Vec<u8>| {
        encode_key(number, WireType::Varint, buf);
        encode_varint(v, buf);
    };
    match (kind, value) {
        (Kind::Sint32, Value::I32(v)) => varint(u64::from(((v << 1) ^ (v >> 31)) as u32), buf),
        (Kind::Sint64, Value::I64(v)) => varint(((v << 1) ^ (v >> 63)) as u64, buf),
        (Kind::Sfixed32, Value::I32(v)) => fixed32(number, v.to_le_bytes(), buf),
        (Kind::Sfixed64, Value::I64(v)) => fixed64(number, v.to_le_bytes(), buf),
        (Kind::Fixed32, Value::U32(v)) => fixed32(number, v.to_le_bytes(), buf),
        (Kind::Fixed64, Value::U64(v)) => fixed64(number, v.to_le_bytes(), buf),
        (_, Value::F32(v)) => fixed32(number, v.to_le_bytes(), buf),
        (_, Value::F64(v)) => fixed64(number, v.to_le_bytes(), buf),
        // int32 and enums are sign-extended to 64 bits on the wire.
        (_, Value::I32(v)) | (_, Value::EnumNumber(v)) => varint(i64::from(*v) as u64, buf),
        (_, Value::I64(v)) => varint(*v as u64, buf),
        (_, Value::U32(v)) => varint(u64::from(*v), buf),
        (_, Value::U64(v)) => varint(*v, buf),
        (_, Value::Bool(b)) => varint(u64::from(*b), buf),
        (_, Value::String(s)) => bytes(number, s.as_bytes(), buf),
        (_, Value::Bytes(b)) => bytes(number, b, buf),
        (_, Value::Message(m)) => {
            encode_key(number, WireType::LengthDelimited, buf);
            let start = begin_length_delimited(buf);
            encode(m, buf);
            end_length_delimited(buf, start);
        }
        (_, Value::List(_) | Value::Map(_)) => {}
    }
}

fn fixed32(number: u32, bytes: [u8; 4], buf: &mut Vec<u8>) {
    encode_key(number, WireType::ThirtyTwoBit, buf);
    buf.extend_from_slice(&bytes);
}

fn fixed64(number: u32, bytes: [u8; 8], buf: &mut Vec<u8>) {
    encode_key(number, WireType::SixtyFourBit, buf);
    buf.extend_from_slice(&bytes);
}

fn bytes(number: u32, data: &[u8], buf: &mut Vec<u8>) {
    encode_key(number, WireType::LengthDelimited, buf);
    encode_varint(data.len() as u64, buf);
    buf.extend_from_slice(data);
}

/// Reserves one byte for a length prefix and returns where the body starts.
fn begin_length_delimited(buf: &mut Vec<u8>) -> usize {
    buf.push(0);
    buf.len()
}

/// Writes the length of the body started at `start` into its prefix,
/// widening the prefix when the length needs more than one byte.
fn end_length_delimited(buf: &mut Vec<u8>, start: usize) {
    let len = buf.len() - start;
    if len < 0x80 {
        buf[start - 1] = len as u8;
        return;
    }
    // A varint of a usize takes at most 10 bytes.
    let mut prefix = [0u8; 10];
    let (mut v, mut n) = (len as u64, 0);
    while v >= 0x80 {
        prefix[n] = (v as u8) | 0x80;
        v >>= 7;
        n += 1;
    }
    prefix[n] = v as u8;
    buf.splice(start - 1..start, prefix[..=n].iter().copied());
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost_reflect::ReflectMessage;

    #[test]
    fn encodes_like_prost_reflect() {
        // Nested messages, long (two-byte length) strings, negative int32 in a list.
        use prost_reflect::prost_types;
        let file = prost_types::FileDescriptorProto {
            name: Some("x.proto".into()),
            package: Some("p".into()),
            message_type: vec![prost_types::DescriptorProto {
                name: Some("M".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let mut dynamic = file.transcode_to_dynamic();
        dynamic.set_field_by_name(
            "dependency",
            Value::List(vec![Value::String("a".repeat(300))]),
        );
        dynamic.set_field_by_name(
            "public_dependency",
            Value::List(vec![Value::I32(-1), Value::I32(5)]),
        );
        let mut ours = Vec::new();
        encode(&dynamic, &mut ours);
        let decoded = prost_types::FileDescriptorProto::decode(ours.as_slice()).unwrap();
        assert_eq!(
            decoded,
            dynamic
                .transcode_to::<prost_types::FileDescriptorProto>()
                .unwrap()
        );
        assert_eq!(decoded.dependency[0].len(), 300);
        assert_eq!(decoded.public_dependency, [-1, 5]);
    }
}
