//! The defaults engine on test protos compiled here: presence semantics,
//! nested creation, whole and partial message defaults, and bad defaults.

use planton_manifest::prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor, Value};
use planton_manifest::{DefaultOptions, Defaults, DefaultsError, Loader, to_json_value};
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};
use serde_json::json;

const OPTIONS: &str = r#"
syntax = "proto3";
package t;
import "google/protobuf/descriptor.proto";
extend google.protobuf.FieldOptions {
  string default = 70001;
  Resources default_resources = 70002;
}
message Resources { Pair limits = 1; Pair requests = 2; }
message Pair { string cpu = 1; string memory = 2; }
"#;

const ROOT: &str = r#"
syntax = "proto3";
package t;
import "options.proto";
enum Color { COLOR_UNSPECIFIED = 0; RED = 1; }
message Root {
  optional string s = 1 [(default) = "text"];
  optional int32 i32 = 2 [(default) = "-5"];
  optional int64 i64 = 3 [(default) = "9000000000"];
  optional uint32 u32 = 4 [(default) = "7"];
  optional uint64 u64 = 5 [(default) = "18446744073709551615"];
  optional bool b = 6 [(default) = "true"];
  optional float f = 7 [(default) = "1.5"];
  optional double d = 8 [(default) = "2.25"];
  optional Color color = 9 [(default) = "RED"];
  int32 plain = 10 [(default) = "3"];
  string plain_s = 11 [(default) = "x"];
  Nested nested = 12;
  NoDefaults none = 13;
  Resources res = 14 [(default_resources) = {
    limits: {cpu: "1", memory: "1Gi"}
    requests: {cpu: "100m", memory: "128Mi"}
  }];
  repeated Nested list = 15;
  map<string, Nested> by_name = 16;
  oneof choice { Nested a = 17; string b_text = 18; }
  Recursive rec = 19;
  optional string empty_default = 20 [(default) = ""];
}
message Nested { optional string ns = 1 [(default) = "nested"]; Deeper deeper = 2; }
message Deeper { optional int32 depth = 1 [(default) = "2"]; }
message NoDefaults { string x = 1; }
message Recursive { Recursive child = 1; optional int32 n = 2 [(default) = "1"]; }
"#;

struct Sources(Vec<(&'static str, String)>);

impl FileResolver for Sources {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        match self.0.iter().find(|(n, _)| *n == name) {
            Some((n, src)) => File::from_source(n, src),
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

fn pool(root: &str) -> DescriptorPool {
    let mut resolver = ChainFileResolver::new();
    resolver.add(Sources(vec![
        ("options.proto", OPTIONS.into()),
        ("root.proto", root.into()),
    ]));
    resolver.add(GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler.include_imports(true);
    compiler.open_file("root.proto").unwrap();
    DescriptorPool::decode(compiler.encode_file_descriptor_set().as_slice()).unwrap()
}

fn options() -> DefaultOptions {
    let mut o = DefaultOptions::new();
    o.scalar_option("t.default")
        .message_option("t.default_resources");
    o
}

fn root() -> MessageDescriptor {
    pool(ROOT).get_message_by_name("t.Root").unwrap()
}

/// Loads YAML as `t.Root`, applies the defaults, returns the proto3 JSON.
fn defaulted(yaml: &str) -> serde_json::Value {
    let desc = root();
    let defaults = Defaults::new(&desc, &options()).unwrap();
    let mut doc = Loader::new().load_str_as(yaml, &desc).unwrap();
    defaults.apply(doc.message_mut());
    to_json_value(doc.message())
}

#[test]
fn every_scalar_type_gets_its_default() {
    let v = defaulted("{}");
    assert_eq!(v["s"], "text");
    assert_eq!(v["i32"], -5);
    assert_eq!(v["i64"], "9000000000");
    assert_eq!(v["u32"], 7);
    assert_eq!(v["u64"], "18446744073709551615");
    assert_eq!(v["b"], true);
    assert_eq!(v["f"], 1.5);
    assert_eq!(v["d"], 2.25);
    assert_eq!(v["color"], "RED");
    assert_eq!(v["plain"], 3);
    assert_eq!(v["plainS"], "x");
    // An empty default sets nothing.
    assert!(v.get("emptyDefault").is_none());
}

#[test]
fn explicit_zero_values_of_optional_fields_are_kept() {
    let v = defaulted("{s: '', i32: 0, u64: 0, b: false, color: COLOR_UNSPECIFIED, plain: 0}");
    assert_eq!(v["s"], "");
    assert_eq!(v["i32"], 0);
    assert_eq!(v["u64"], "0");
    assert_eq!(v["b"], false);
    assert_eq!(v["color"], "COLOR_UNSPECIFIED");
    // Without presence, zero is indistinguishable from unset: it gets the default.
    assert_eq!(v["plain"], 3);
}

#[test]
fn set_values_win() {
    let v = defaulted("{s: mine, u32: 1, plain: 9, nested: {ns: own}}");
    assert_eq!(
        (v["s"].as_str(), v["u32"].as_u64(), v["plain"].as_i64()),
        (Some("mine"), Some(1), Some(9))
    );
    assert_eq!(v["nested"]["ns"], "own");
    assert_eq!(v["nested"]["deeper"]["depth"], 2);
}

#[test]
fn unset_messages_are_created_only_when_they_hold_defaults() {
    let v = defaulted("{}");
    assert_eq!(v["nested"], json!({"ns": "nested", "deeper": {"depth": 2}}));
    assert!(
        v.get("none").is_none(),
        "a message without defaults is not created"
    );
    // A recursive type is created once, not forever.
    assert_eq!(v["rec"], json!({"n": 1}));
}

#[test]
fn lists_maps_and_oneofs_are_left_alone() {
    let v = defaulted("{list: [{}], byName: {a: {}}, bText: chosen}");
    assert_eq!(v["list"], json!([{}]));
    assert_eq!(v["byName"], json!({"a": {}}));
    assert_eq!(v["bText"], "chosen");
    assert!(
        v.get("a").is_none(),
        "the other oneof member is not created"
    );
    // A set oneof member does get its defaults.
    let v = defaulted("{a: {}}");
    assert_eq!(v["a"], json!({"ns": "nested", "deeper": {"depth": 2}}));
}

#[test]
fn message_defaults_fill_whole_or_missing_leaves() {
    let whole = defaulted("{}");
    assert_eq!(
        whole["res"],
        json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "100m", "memory": "128Mi"}})
    );
    let partial = defaulted("{res: {limits: {memory: 2Gi}}}");
    assert_eq!(
        partial["res"],
        json!({"limits": {"cpu": "1", "memory": "2Gi"}, "requests": {"cpu": "100m", "memory": "128Mi"}})
    );
    let other_side = defaulted("{res: {requests: {cpu: 10m, memory: 1Mi}}}");
    assert_eq!(
        other_side["res"]["limits"],
        json!({"cpu": "1", "memory": "1Gi"})
    );
    assert_eq!(
        other_side["res"]["requests"],
        json!({"cpu": "10m", "memory": "1Mi"})
    );
}

#[test]
fn applying_twice_changes_nothing() {
    let desc = root();
    let defaults = Defaults::new(&desc, &options()).unwrap();
    let mut m = DynamicMessage::new(desc);
    defaults.apply(&mut m);
    let once = m.clone();
    defaults.apply(&mut m);
    assert_eq!(m, once);
    assert_eq!(
        m.get_field_by_name("u32").unwrap().into_owned(),
        Value::U32(7)
    );
}

fn build_error(field_decl: &str) -> DefaultsError {
    let source = format!(
        "syntax = \"proto3\";\npackage t;\nimport \"options.proto\";\nmessage Root {{ {field_decl} }}\n"
    );
    let desc = pool(&source).get_message_by_name("t.Root").unwrap();
    Defaults::new(&desc, &options()).unwrap_err()
}

#[test]
fn bad_defaults_are_errors_naming_the_field() {
    let cases = [
        (
            r#"optional uint32 count = 1 [(default) = "abc"];"#,
            r#"bad default "abc" on field 't.Root.count': expected a decimal uint32"#,
        ),
        (
            r#"optional uint32 count = 1 [(default) = "-1"];"#,
            r#"bad default "-1" on field 't.Root.count': expected a decimal uint32"#,
        ),
        (
            r#"optional int32 n = 1 [(default) = "3000000000"];"#,
            r#"bad default "3000000000" on field 't.Root.n': expected a decimal int32"#,
        ),
        (
            r#"optional bool on = 1 [(default) = "yes"];"#,
            r#"bad default "yes" on field 't.Root.on': expected a boolean (true or false)"#,
        ),
        (
            r#"optional float f = 1 [(default) = "1e39"];"#,
            r#"bad default "1e39" on field 't.Root.f': expected a float within the float32 range"#,
        ),
        (
            r#"optional bytes raw = 1 [(default) = "x"];"#,
            r#"bad default "x" on field 't.Root.raw': expected a scalar field (bytes and messages take no text default)"#,
        ),
    ];
    for (decl, message) in cases {
        assert_eq!(build_error(decl).to_string(), message, "{decl}");
    }
    let err = build_error(r#"Pair p = 1 [(default_resources) = {limits: {cpu: "1"}}];"#);
    assert!(
        matches!(err, DefaultsError::MessageDefaultType { .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "option 't.default_resources' on field 't.Root.p' has type 't.Resources', not the field's type 't.Pair'"
    );
}

#[test]
fn unknown_options_are_errors() {
    let mut o = DefaultOptions::new();
    o.scalar_option("t.nope");
    assert_eq!(
        Defaults::new(&root(), &o).unwrap_err(),
        DefaultsError::UnknownOption("t.nope".into())
    );
    let mut o = DefaultOptions::new();
    o.scalar_option("t.default_resources");
    assert!(matches!(
        Defaults::new(&root(), &o).unwrap_err(),
        DefaultsError::NotAStringOption(_)
    ));
}
