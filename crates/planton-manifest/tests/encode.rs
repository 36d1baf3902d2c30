//! The single-pass encoder against prost-reflect's decoder, on every wire
//! shape: the bytes it writes decode back to the message it was given.

use planton_manifest::encode_dynamic;
use prost_reflect::{DescriptorPool, DynamicMessage, MapKey, Value};
use protox::file::{File, FileResolver};

const PROTO: &str = r#"
syntax = "proto3";
package e;
enum Color { COLOR_UNSPECIFIED = 0; RED = 1; }
message Inner { string s = 1; repeated Inner children = 2; }
message All {
  int32 i32 = 1; int64 i64 = 2; uint32 u32 = 3; uint64 u64 = 4;
  sint32 s32 = 5; sint64 s64 = 6; fixed32 f32 = 7; fixed64 f64 = 8;
  sfixed32 sf32 = 9; sfixed64 sf64 = 10; float fl = 11; double db = 12;
  bool b = 13; string s = 14; bytes by = 15; Color color = 16; Inner inner = 17;
  repeated sint32 rs32 = 18; repeated string rs = 19; repeated Inner ri = 20;
  map<string, Inner> m_si = 21; map<int32, string> m_is = 22; map<sint64, sint32> m_ss = 23;
  map<bool, fixed32> m_bf = 24; map<uint64, Color> m_uc = 25; map<sfixed32, bytes> m_fb = 26;
  optional int32 opt = 27;
  oneof choice { string one_s = 28; Inner one_m = 29; }
}
"#;

struct Source;

impl FileResolver for Source {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        match name {
            "all.proto" => File::from_source(name, PROTO),
            _ => Err(protox::Error::file_not_found(name)),
        }
    }
}

fn pool() -> DescriptorPool {
    let mut compiler = protox::Compiler::with_file_resolver(Source);
    compiler.open_file("all.proto").unwrap();
    DescriptorPool::decode(compiler.encode_file_descriptor_set().as_slice()).unwrap()
}

#[test]
fn every_kind_round_trips_through_prost_reflect() {
    let pool = pool();
    let all = pool.get_message_by_name("e.All").unwrap();
    let inner_desc = pool.get_message_by_name("e.Inner").unwrap();
    let inner = |s: &str, depth: usize| {
        let mut m = DynamicMessage::new(inner_desc.clone());
        m.set_field_by_name("s", Value::String(s.into()));
        let mut node = m.clone();
        for _ in 0..depth {
            let mut parent = DynamicMessage::new(inner_desc.clone());
            parent.set_field_by_name("children", Value::List(vec![Value::Message(node)]));
            node = parent;
        }
        node
    };
    let mut m = DynamicMessage::new(all.clone());
    let set = |m: &mut DynamicMessage, name: &str, v: Value| m.set_field_by_name(name, v);
    set(&mut m, "i32", Value::I32(-7));
    set(&mut m, "i64", Value::I64(i64::MIN));
    set(&mut m, "u32", Value::U32(u32::MAX));
    set(&mut m, "u64", Value::U64(u64::MAX));
    set(&mut m, "s32", Value::I32(-3));
    set(&mut m, "s64", Value::I64(-300_000_000_000));
    set(&mut m, "f32", Value::U32(123_456));
    set(&mut m, "f64", Value::U64(1 << 60));
    set(&mut m, "sf32", Value::I32(-5));
    set(&mut m, "sf64", Value::I64(-6));
    set(&mut m, "fl", Value::F32(1.5));
    set(&mut m, "db", Value::F64(-2.25));
    set(&mut m, "b", Value::Bool(true));
    // Long enough for a two-byte length prefix.
    set(&mut m, "s", Value::String("x".repeat(300)));
    set(&mut m, "by", Value::Bytes(vec![0, 1, 255].into()));
    set(&mut m, "color", Value::EnumNumber(1));
    // A nested message whose body needs a three-byte length prefix.
    set(
        &mut m,
        "inner",
        Value::Message(inner(&"y".repeat(20_000), 3)),
    );
    set(
        &mut m,
        "rs32",
        Value::List(vec![Value::I32(-1), Value::I32(2)]),
    );
    set(
        &mut m,
        "rs",
        Value::List(vec![
            Value::String("a".into()),
            Value::String(String::new()),
        ]),
    );
    set(
        &mut m,
        "ri",
        Value::List(vec![Value::Message(inner("r", 1))]),
    );
    let map = |pairs: Vec<(MapKey, Value)>| Value::Map(pairs.into_iter().collect());
    set(
        &mut m,
        "m_si",
        map(vec![(
            MapKey::String("k".into()),
            Value::Message(inner("v", 0)),
        )]),
    );
    set(
        &mut m,
        "m_is",
        map(vec![(MapKey::I32(-9), Value::String("neg".into()))]),
    );
    set(
        &mut m,
        "m_ss",
        map(vec![(MapKey::I64(-10), Value::I32(-11))]),
    );
    set(
        &mut m,
        "m_bf",
        map(vec![(MapKey::Bool(true), Value::U32(7))]),
    );
    set(
        &mut m,
        "m_uc",
        map(vec![(MapKey::U64(u64::MAX), Value::EnumNumber(1))]),
    );
    set(
        &mut m,
        "m_fb",
        map(vec![(MapKey::I32(-12), Value::Bytes(vec![9].into()))]),
    );
    set(&mut m, "opt", Value::I32(0));
    set(&mut m, "one_m", Value::Message(inner("o", 0)));

    let mut bytes = Vec::new();
    encode_dynamic(&m, &mut bytes);
    let back = DynamicMessage::decode(all, bytes.as_slice()).unwrap();
    assert_eq!(back, m);
}
