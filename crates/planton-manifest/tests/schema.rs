//! The JSON Schema generator on test protos compiled here, with a
//! `buf.validate` subset declared here under the published field names
//! (the generator reads rules by name).

use planton_manifest::prost_reflect::DescriptorPool;
use planton_manifest::schema::JsonSchema;
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};
use serde_json::json;

const VALIDATE: &str = r#"
syntax = "proto2";
package buf.validate;
import "google/protobuf/descriptor.proto";
extend google.protobuf.FieldOptions { optional FieldRules field = 1159; }
enum Ignore { IGNORE_UNSPECIFIED = 0; IGNORE_IF_ZERO_VALUE = 1; IGNORE_ALWAYS = 3; }
message FieldRules {
  optional bool required = 25;
  optional Ignore ignore = 27;
  oneof type {
    StringRules string = 14;
    Int32Rules int32 = 3;
    UInt64Rules uint64 = 6;
    EnumRules enum = 16;
    RepeatedRules repeated = 18;
    MapRules map = 19;
  }
}
message StringRules {
  optional string const = 1; optional uint64 len = 19; optional uint64 min_len = 2;
  optional uint64 max_len = 3; optional string pattern = 6;
  repeated string in = 10; repeated string not_in = 11;
}
message Int32Rules {
  optional int32 const = 1; optional int32 lt = 2; optional int32 lte = 3;
  optional int32 gt = 4; optional int32 gte = 5; repeated int32 in = 6; repeated int32 not_in = 7;
}
message UInt64Rules { optional uint64 gte = 5; }
message EnumRules { optional int32 const = 1; optional bool defined_only = 2; repeated int32 in = 3; repeated int32 not_in = 4; }
message RepeatedRules { optional uint64 min_items = 1; optional uint64 max_items = 2; optional bool unique = 3; optional FieldRules items = 4; }
message MapRules { optional uint64 min_pairs = 1; optional uint64 max_pairs = 2; }
"#;

const ROOT: &str = r#"
syntax = "proto3";
package s;
import "buf/validate/validate.proto";
import "google/protobuf/descriptor.proto";
extend google.protobuf.FieldOptions { string default = 70001; }
// A color.
enum Color { COLOR_UNSPECIFIED = 0; RED = 1; GREEN = 2; BLUE = 3; }
// The root.
message Root {
  // The name.
  string name = 1 [(buf.validate.field).string = {min_len: 2, max_len: 5, pattern: "^[a-z]+$"}];
  int32 count = 2 [(buf.validate.field).int32 = {gt: 0, lte: 10}];
  int32 skipped = 3 [(buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE, (buf.validate.field).int32.gt = 5];
  repeated string tags = 4 [(buf.validate.field).repeated = {min_items: 1, max_items: 3, unique: true, items: {string: {in: ["a", "b"]}}}];
  Child child = 5 [(buf.validate.field).required = true];
  map<string, int64> sizes = 6 [(buf.validate.field).map.max_pairs = 2];
  Root again = 7;
  Color color = 8 [(buf.validate.field).enum = {not_in: [2]}];
  optional uint64 big = 9 [(default) = "18446744073709551615", (buf.validate.field).uint64.gte = 1];
  int32 outside = 10 [(buf.validate.field).int32 = {gt: 10, lt: 0}];
  string id = 11 [(buf.validate.field).required = true];
  optional string mode = 12 [(default) = "fast", (buf.validate.field).required = true];
}
message Child { string long_name = 1; }
"#;

struct Sources;

impl FileResolver for Sources {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        match name {
            "buf/validate/validate.proto" => File::from_source(name, VALIDATE),
            "root.proto" => File::from_source(name, ROOT),
            _ => Err(protox::Error::file_not_found(name)),
        }
    }
}

fn schema() -> serde_json::Value {
    let mut resolver = ChainFileResolver::new();
    resolver.add(Sources);
    resolver.add(GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler.include_imports(true).include_source_info(true);
    compiler.open_file("root.proto").unwrap();
    let pool = DescriptorPool::decode(compiler.encode_file_descriptor_set().as_slice()).unwrap();
    let root = pool.get_message_by_name("s.Root").unwrap();
    JsonSchema::new(&root)
        .title("t")
        .default_option("s.default")
        .build()
}

#[test]
fn rules_a_schema_can_say_are_written() {
    let s = schema();
    assert_eq!(s["$ref"], "#/definitions/s.Root");
    assert_eq!(s["title"], "t");
    let root = &s["definitions"]["s.Root"];
    let p = &root["properties"];
    assert_eq!(root["additionalProperties"], false);
    assert_eq!(root["description"], "The root.");
    assert_eq!(p["name"]["description"], "The name.");
    assert_eq!(p["name"]["minLength"], 2);
    assert_eq!(p["name"]["maxLength"], 5);
    assert_eq!(p["name"]["pattern"], "^[a-z]+$");
    assert_eq!(p["count"]["exclusiveMinimum"], 0);
    assert_eq!(p["count"]["maximum"], 10);
    assert_eq!(p["count"]["type"], json!(["integer", "string", "null"]));
    // `ignore` set: the rules are left to planton.
    assert_eq!(p["skipped"]["minimum"], i32::MIN);
    assert!(p["skipped"].get("exclusiveMinimum").is_none());
    // A range that means "outside" is not a schema range.
    assert!(p["outside"].get("exclusiveMinimum").is_none());
    assert_eq!(p["tags"]["minItems"], 1);
    assert_eq!(p["tags"]["maxItems"], 3);
    assert_eq!(p["tags"]["uniqueItems"], true);
    assert_eq!(p["tags"]["items"]["enum"], json!(["a", "b"]));
    // List items cannot be null.
    assert_eq!(
        p["tags"]["items"]["type"],
        json!(["string", "number", "boolean"])
    );
    assert_eq!(p["sizes"]["maxProperties"], 2);
    assert_eq!(p["sizes"]["additionalProperties"]["maximum"], i64::MAX);
    assert_eq!(p["again"]["$ref"], "#/definitions/s.Root");
    assert_eq!(
        p["color"]["anyOf"][0]["enum"],
        json!(["COLOR_UNSPECIFIED", "RED", "BLUE"])
    );
    assert_eq!(p["color"]["anyOf"][1]["enum"], json!([0, 1, 3]));
    assert_eq!(p["big"]["default"], json!(u64::MAX));
    assert_eq!(p["big"]["minimum"], 1);
    assert_eq!(p["big"]["maximum"], json!(u64::MAX));
    // The proto name is accepted and not suggested.
    assert_eq!(p["long_name"], serde_json::Value::Null);
    let child = &s["definitions"]["s.Child"]["properties"];
    assert_eq!(
        child["longName"]["type"],
        json!(["string", "number", "boolean", "null"])
    );
    assert_eq!(child["long_name"]["doNotSuggest"], true);
    // Required: the message, the implicit-presence string (non-empty too),
    // not the one with a default.
    assert_eq!(
        root["allOf"],
        json!([{"required": ["child"]}, {"required": ["id"]}])
    );
    assert_eq!(p["id"]["minLength"], 1);
}

#[test]
fn the_schema_is_deterministic() {
    assert_eq!(
        serde_json::to_string(&schema()).unwrap(),
        serde_json::to_string(&schema()).unwrap()
    );
}
