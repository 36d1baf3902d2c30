//! Plan compilation and evaluation on a schema of our own (tests/proto).

use std::time::{Duration, Instant};

use planton_validate::{Error, Validator, Violation};
use prost_reflect::{DescriptorPool, DynamicMessage, ReflectMessage};

fn pool() -> DescriptorPool {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/proto");
    let mut compiler = protox::Compiler::new([dir]).expect("include path");
    compiler.include_imports(true);
    compiler
        .open_files(["engine_test.proto"])
        .expect("test protos compile");
    compiler.descriptor_pool()
}

fn message(pool: &DescriptorPool, name: &str, json: &str) -> DynamicMessage {
    let desc = pool
        .get_message_by_name(&format!("engine.test.v1.{name}"))
        .expect("message type");
    let mut de = serde_json::Deserializer::from_str(json);
    DynamicMessage::deserialize(desc, &mut de).expect("valid JSON for the message")
}

/// `field_path rule_id rule_path [key]`, sorted.
fn summary(violations: &[Violation]) -> Vec<String> {
    let mut out: Vec<String> = violations
        .iter()
        .map(|v| {
            format!(
                "{} {} {}{}",
                v.field_path(),
                v.rule_id,
                v.rule_path(),
                if v.for_key { " [key]" } else { "" }
            )
        })
        .collect();
    out.sort();
    out
}

const VALID_JOB: &str = r#"{
    "name": "migrate", "image": "registry.example.com", "replicas": 2,
    "ports": [{"number": 80}], "labels": {"app": "x"}, "main": {"number": 1},
    "url": "https://example.com", "policy": "POLICY_ALWAYS", "tags": ["ab", "cd"],
    "secret": "s3cr3t"
}"#;

#[test]
fn a_valid_message_has_no_violation() {
    let pool = pool();
    let v = Validator::new()
        .validate(&message(&pool, "Job", VALID_JOB))
        .unwrap();
    assert_eq!(summary(&v), Vec::<String>::new());
}

#[test]
fn every_violation_with_its_field_and_rule_paths() {
    let pool = pool();
    let job = message(
        &pool,
        "Job",
        r#"{
        "name": "ab", "image": "ab", "replicas": 3,
        "ports": [{"number": 80}, {"number": 0}], "labels": {"a": "x", "bb": "z"},
        "policy": 7, "note": "abc", "tags": ["ab", "ab", "c"], "secret": "plain:hunter2"
    }"#,
    );
    let v = Validator::new().validate(&job).unwrap();
    assert_eq!(
        summary(&v),
        vec![
            " job.name_not_image ",
            "labels[\"a\"] string.min_len map.keys.string.min_len [key]",
            "labels[\"bb\"] string.in map.values.string.in",
            "main required required",
            "name string.min_len string.min_len",
            "note string.min_len string.min_len",
            "policy enum.defined_only enum.defined_only",
            "ports[1].number int32.gt int32.gt",
            "replicas int32.even int32.[engine.test.v1.even]",
            "secret secret.not_plain cel[0]",
            "source required ",
            "tags repeated.unique repeated.unique",
            "tags[2] string.min_len repeated.items.string.min_len",
        ]
    );
    // Messages come from the rules; the value itself is never quoted.
    let by_id = |id: &str| v.iter().find(|x| x.rule_id == id).unwrap().message.clone();
    assert_eq!(by_id("string.in"), "must be in list [x, y]");
    assert_eq!(by_id("int32.gt"), "must be greater than 0");
    assert_eq!(by_id("job.name_not_image"), "name and image must differ");
    assert!(v.iter().all(|x| !x.message.contains("hunter2")));
}

#[test]
fn rule_paths_carry_numbers_and_types() {
    let pool = pool();
    let job = message(&pool, "Job", r#"{"name": "ab"}"#);
    let v = Validator::new().validate(&job).unwrap();
    let min_len = v.iter().find(|x| x.rule_id == "string.min_len").unwrap();
    let rule: Vec<(i32, &str, i32)> = min_len
        .rule
        .iter()
        .map(|e| (e.field_number, e.field_name.as_str(), e.field_type))
        .collect();
    // FieldRules.string (14, message), StringRules.min_len (2, uint64).
    assert_eq!(rule, vec![(14, "string", 11), (2, "min_len", 4)]);
    let field = &min_len.field[0];
    assert_eq!((field.field_number, field.field_type), (1, 9));
}

#[test]
fn ignore_if_zero_skips_a_zero_value_only() {
    let pool = pool();
    let base =
        |replicas: &str| VALID_JOB.replace("\"replicas\": 2", &format!("\"replicas\": {replicas}"));
    let validator = Validator::new();
    let zero = validator
        .validate(&message(&pool, "Job", &base("0")))
        .unwrap();
    assert!(zero.is_empty(), "{zero:?}");
    let neg = validator
        .validate(&message(&pool, "Job", &base("-2")))
        .unwrap();
    assert_eq!(summary(&neg), vec!["replicas int32.gt int32.gt"]);
}

#[test]
fn recursion_into_nested_messages_extends_the_path() {
    let pool = pool();
    let tree = message(
        &pool,
        "Tree",
        r#"{"name": "root", "children": [{"name": "a", "children": [{"name": ""}]}]}"#,
    );
    let v = Validator::new().validate(&tree).unwrap();
    assert_eq!(
        summary(&v),
        vec!["children[0].children[0].name string.min_len string.min_len"]
    );
}

#[test]
fn rules_deep_down_are_reached_and_rule_free_subtrees_skipped() {
    let pool = pool();
    let outer = message(
        &pool,
        "Outer",
        r#"{"middle": {"leaf": {"s": ""}, "free": "", "leaves": {"k": {"s": ""}, "j": {"s": "ok"}}},
            "plain": {"x": "", "next": {"next": {}}}}"#,
    );
    let v = Validator::new().validate(&outer).unwrap();
    assert_eq!(
        summary(&v),
        vec![
            "middle.leaf.s string.min_len string.min_len",
            "middle.leaves[\"k\"].s string.min_len string.min_len",
        ]
    );
}

#[test]
fn nesting_is_bounded_with_an_error_not_a_stack_overflow() {
    let pool = pool();
    // Built in memory: decoders (JSON's, protobuf's) stop at 128 or 100.
    let nested = |depth: usize| {
        let mut tree = message(&pool, "Tree", r#"{"name": "leaf"}"#);
        for _ in 0..depth {
            let mut parent = message(&pool, "Tree", r#"{"name": "n"}"#);
            parent.set_field_by_name(
                "children",
                prost_reflect::Value::List(vec![prost_reflect::Value::Message(tree)]),
            );
            tree = parent;
        }
        tree
    };
    let validator = Validator::new();
    // 99 levels of `children` below the root: 100 messages.
    assert!(validator.validate(&nested(99)).unwrap().is_empty());
    let deep = nested(150);
    assert_eq!(
        validator.validate(&deep),
        Err(Error::TooDeep { limit: 100 })
    );
}

#[test]
fn broken_rules_are_compile_errors() {
    let pool = pool();
    let validator = Validator::new();
    for (name, needle) in [
        ("WrongType", "'string' rules do not apply"),
        ("BadExpression", "rule 'bad'"),
        ("UnknownField", "non-existent field 'nmae'"),
    ] {
        let err = validator.validate(&message(&pool, name, "{}")).unwrap_err();
        assert!(matches!(err, Error::Compile { .. }), "{name}: {err:?}");
        assert!(err.to_string().contains(needle), "{name}: {err}");
    }
}

#[test]
fn lazy_expressions_are_parsed_when_first_evaluated() {
    let pool = pool();
    let mut lazy = Validator::new();
    lazy.lazy_expressions(true);
    let bad = message(&pool, "BadExpression", "{}");
    // The plan compiles without parsing the expression ...
    assert!(lazy.plan(&bad.descriptor()).is_ok());
    // ... which fails when evaluated: a runtime error naming the rule.
    let err = lazy.validate(&bad).unwrap_err();
    assert!(matches!(err, Error::Runtime(_)), "{err:?}");
    assert!(err.to_string().contains("rule 'bad'"), "{err}");
    // Rules that compile give the eager validator's verdicts.
    let eager = Validator::new();
    for (name, json) in [
        ("Job", VALID_JOB),
        ("Job", "{}"),
        ("DivideByThis", r#"{"n": 2}"#),
    ] {
        let m = message(&pool, name, json);
        assert_eq!(
            summary(&lazy.validate(&m).unwrap()),
            summary(&eager.validate(&m).unwrap()),
            "{name} {json}"
        );
    }
}

#[test]
fn evaluation_failures_are_runtime_errors_without_the_value() {
    let pool = pool();
    let validator = Validator::new();
    let err = validator
        .validate(&message(&pool, "DivideByThis", r#"{"n": 0}"#))
        .unwrap_err();
    assert!(matches!(err, Error::Runtime(_)), "{err:?}");
    assert!(err.to_string().contains("division by zero"), "{err}");
    let ok = validator
        .validate(&message(&pool, "DivideByThis", r#"{"n": 1}"#))
        .unwrap();
    assert!(ok.is_empty());

    let err = validator
        .validate(&message(&pool, "SecretInError", r#"{"s": "hunter2"}"#))
        .unwrap_err();
    assert!(matches!(err, Error::Runtime(_)), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("hunter2"), "{err:?}");
}

#[test]
fn a_plan_is_compiled_once_and_checks_the_message_type() {
    let pool = pool();
    let validator = Validator::new();
    let job = message(&pool, "Job", VALID_JOB);
    let plan = validator
        .plan(&pool.get_message_by_name("engine.test.v1.Job").unwrap())
        .unwrap();
    let again = validator
        .plan(&pool.get_message_by_name("engine.test.v1.Job").unwrap())
        .unwrap();
    assert!(std::sync::Arc::ptr_eq(&plan, &again));
    assert_eq!(plan.message_name(), "engine.test.v1.Job");
    assert!(validator.validate_with(&plan, &job).unwrap().is_empty());
    let tree = message(&pool, "Tree", r#"{"name": "x"}"#);
    assert!(matches!(
        validator.validate_with(&plan, &tree),
        Err(Error::WrongMessage { .. })
    ));
}

#[test]
fn the_same_message_name_in_two_pools_gets_two_plans() {
    let (a, b) = (pool(), pool());
    let validator = Validator::new();
    let from_a = message(&a, "Job", VALID_JOB);
    let from_b = message(&b, "Job", r#"{"name": "ab"}"#);
    assert!(validator.validate(&from_a).unwrap().is_empty());
    assert!(!validator.validate(&from_b).unwrap().is_empty());
    let plan_a = validator.plan(&from_a.descriptor()).unwrap();
    let plan_b = validator.plan(&from_b.descriptor()).unwrap();
    assert!(!std::sync::Arc::ptr_eq(&plan_a, &plan_b));
    assert!(matches!(
        validator.validate_with(&plan_a, &from_b),
        Err(Error::WrongMessage { .. })
    ));
}

#[test]
fn a_pool_without_buf_validate_has_no_rules() {
    let desc = DescriptorPool::global()
        .get_message_by_name("google.protobuf.Duration")
        .unwrap();
    assert!(
        Validator::new()
            .validate(&DynamicMessage::new(desc))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn fail_fast_stops_at_the_first_violation() {
    let pool = pool();
    let mut validator = Validator::new();
    validator.fail_fast(true);
    // Message rules and oneofs come before the fields.
    let job = message(&pool, "Job", r#"{"name": "ab", "note": "abc"}"#);
    let v = validator.validate(&job).unwrap();
    assert_eq!(summary(&v), vec!["source required "]);
    // Then the fields, in declaration order.
    let job = message(&pool, "Job", r#"{"name": "ab", "note": "abc", "url": "u"}"#);
    let v = validator.validate(&job).unwrap();
    assert_eq!(summary(&v), vec!["name string.min_len string.min_len"]);
}

/// Linear in the number of items: 20,000 list items with a CEL rule each
/// (and `unique` over them) stay far below a generous guard, 10x the budget
/// of one second for a 4 MiB input, in a debug build too.
#[test]
fn many_items_are_validated_in_linear_time() {
    let pool = pool();
    let tags: Vec<String> = (0..20_000).map(|i| format!("\"t{i}\"")).collect();
    let json = VALID_JOB.replace("[\"ab\", \"cd\"]", &format!("[{}]", tags.join(",")));
    let job = message(&pool, "Job", &json);
    let validator = Validator::new();
    let start = Instant::now();
    let v = validator.validate(&job).unwrap();
    assert!(v.is_empty(), "{:?}", &v[..v.len().min(3)]);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}
