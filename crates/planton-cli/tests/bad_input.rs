//! Hostile and broken input: one case per class. Each must end with a clear
//! message naming the problem, exit status 2, nothing on standard output and
//! no panic; `validate` reports it on standard output as a finding of its
//! load rule (exit 2 when the file did not load at all, 1 when the rest of
//! it loaded and was checked).

mod common;

fn run(args: &[&str], stdin: &[u8]) -> common::Run {
    common::planton(args, Some(stdin))
}

/// How `validate` reports a refused input.
enum Validate {
    /// The file did not load: one finding of this rule, exit 2.
    NotLoaded(&'static str),
    /// The rest of the file loaded: findings of this rule, exit 1.
    Finding(&'static str),
    /// The file could not be read: the message, exit 2.
    NotRead,
}

/// Feeds `input` to `load` and `render` and checks the refusal, then to
/// `validate` (text and JSON reports) and checks its report.
fn refused(input: &[u8], message: &str, validate: Validate) {
    for cmd in [&["load", "-"][..], &["render", "-"]] {
        let r = run(cmd, input);
        assert!(!r.stderr.contains("panicked"), "{cmd:?}: {}", r.stderr);
        assert_eq!(r.code, 2, "{cmd:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(message),
            "{cmd:?}: expected {message:?} in {}",
            r.stderr
        );
        assert_eq!(r.stdout, "", "{cmd:?}");
    }
    let (code, rule) = match validate {
        Validate::NotLoaded(rule) => (2, Some(rule)),
        Validate::Finding(rule) => (1, Some(rule)),
        Validate::NotRead => (2, None),
    };
    let r = run(&["validate", "-"], input);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(r.code, code, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stderr, "", "validate: everything on stdout");
    let json = run(&["validate", "-o", "json", "-"], input);
    assert_eq!(json.code, code, "{}", json.stderr);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let file = &report["files"][0];
    match rule {
        Some(rule) => {
            let head = format!("error[{rule}]: ");
            assert!(
                r.stdout.contains(&head),
                "expected {head:?} in {}",
                r.stdout
            );
            let found = file["violations"].as_array().unwrap();
            assert!(
                found
                    .iter()
                    .any(|v| v["rule_id"] == rule && v["source"] == "load"),
                "{file}"
            );
            assert_eq!(file["loaded"], code == 1, "{file}");
        }
        None => {
            assert!(
                r.stdout.contains(message),
                "expected {message:?} in {}",
                r.stdout
            );
            assert!(file["error"].as_str().unwrap().contains(message), "{file}");
        }
    }
}

const HEAD: &str =
    "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {name: job}\n";

#[test]
fn input_over_the_size_limit() {
    let mut big = HEAD.as_bytes().to_vec();
    big.extend(std::iter::repeat_n(b'#', 5 << 20));
    refused(&big, "over the limit of 4194304 bytes", Validate::NotRead);
}

#[test]
fn alias_expansion_bomb() {
    let mut text = String::from(HEAD);
    text.push_str("spec:\n  command: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = "a".to_owned();
    for i in 0..9 {
        let name = format!("l{i}");
        text.push_str(&format!(
            "  args{i}: &{name} [{}]\n",
            vec![format!("*{prev}"); 10].join(", ")
        ));
        prev = name;
    }
    refused(
        text.as_bytes(),
        "more than 100000 nodes",
        Validate::NotLoaded("load.limit"),
    );
}

#[test]
fn nesting_too_deep() {
    let text = format!("{HEAD}spec: {}{}\n", "[".repeat(500), "]".repeat(500));
    refused(
        text.as_bytes(),
        "nesting deeper than 100 levels",
        Validate::NotLoaded("load.limit"),
    );
}

#[test]
fn huge_list() {
    let items = vec!["x"; 150_000].join(", ");
    let text = format!("{HEAD}spec:\n  command: [{items}]\n");
    refused(
        text.as_bytes(),
        "more than 100000 nodes",
        Validate::NotLoaded("load.limit"),
    );
}

#[test]
fn invalid_utf8() {
    let mut bytes = HEAD.as_bytes().to_vec();
    bytes.extend_from_slice(b"spec: {command: [\xc3\x28]}\n");
    refused(&bytes, "not valid UTF-8 (at byte 105)", Validate::NotRead);
}

#[test]
fn several_documents() {
    refused(
        format!("{HEAD}---\n{HEAD}").as_bytes(),
        "a second YAML document starts at 5:1",
        Validate::NotLoaded("load.multiple_documents"),
    );
}

#[test]
fn numbers_out_of_range() {
    refused(
        format!("{HEAD}spec: {{parallelism: 4294967296}}\n").as_bytes(),
        "spec.parallelism: 4294967296 is out of range for uint32 at 4:21",
        Validate::Finding("load.range"),
    );
    refused(
        format!("{HEAD}spec: {{volumeMounts: [{{configMap: {{defaultMode: 99999999999}}}}]}}\n")
            .as_bytes(),
        "out of range for int32",
        Validate::Finding("load.range"),
    );
}

#[test]
fn duplicate_keys() {
    refused(
        format!("{HEAD}metadata: {{name: again}}\n").as_bytes(),
        "metadata: duplicate field 'metadata' (first set at 3:1) at 4:1",
        Validate::Finding("load.duplicate"),
    );
}

#[test]
fn binary_garbage_and_nul_bytes() {
    refused(
        b"\x00\x01\x02kind\x00",
        "invalid YAML",
        Validate::NotLoaded("load.syntax"),
    );
    refused(
        &[0xff, 0xfe, 0x00, 0x00],
        "not valid UTF-8",
        Validate::NotRead,
    );
}

#[test]
fn not_a_manifest() {
    refused(
        b"",
        "the input holds no document",
        Validate::NotLoaded("load.empty"),
    );
    refused(
        b"- a\n- b\n",
        "expected a mapping at the top level, found a list at 1:1",
        Validate::NotLoaded("load.not_a_mapping"),
    );
    refused(
        b"just text\n",
        "expected a mapping at the top level",
        Validate::NotLoaded("load.not_a_mapping"),
    );
    refused(
        b"kind: Deployment\n",
        "unsupported kind 'Deployment' at 1:7; supported kinds: KubernetesJob",
        Validate::NotLoaded("load.unsupported_kind"),
    );
}

#[test]
fn unterminated_structures() {
    refused(
        format!("{HEAD}spec: {{command: [a, b\n").as_bytes(),
        "invalid YAML",
        Validate::NotLoaded("load.syntax"),
    );
    refused(
        b"{\"kind\": \"KubernetesJob\", \"spec\": {\"command\": \"x\"",
        "invalid YAML",
        Validate::NotLoaded("load.syntax"),
    );
    refused(
        format!("{HEAD}spec:\n  command: \"unterminated\n").as_bytes(),
        "invalid YAML",
        Validate::NotLoaded("load.syntax"),
    );
}

#[test]
fn a_very_long_line_and_a_long_unknown_key() {
    let key = "k".repeat(100_000);
    refused(
        format!("{HEAD}spec: {{{key}: 1}}\n").as_bytes(),
        "unknown field",
        Validate::Finding("load.unknown_field"),
    );
}
