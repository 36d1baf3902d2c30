//! Hostile and broken input: one case per class. Each must end with a clear
//! message naming the problem, exit status 2, nothing on standard output and
//! no panic.

mod common;

fn run(args: &[&str], stdin: &[u8]) -> common::Run {
    common::planton(args, Some(stdin))
}

/// Feeds `input` to `load`, `validate` and `render` and checks the refusal.
fn refused(input: &[u8], message: &str) {
    for cmd in [&["load", "-"][..], &["validate", "-"], &["render", "-"]] {
        let r = run(cmd, input);
        assert!(!r.stderr.contains("panicked"), "{cmd:?}: {}", r.stderr);
        assert_eq!(r.code, 2, "{cmd:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(message),
            "{cmd:?}: expected {message:?} in {}",
            r.stderr
        );
        if cmd[0] != "validate" {
            assert_eq!(r.stdout, "", "{cmd:?}");
        }
    }
}

const HEAD: &str =
    "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {name: job}\n";

#[test]
fn input_over_the_size_limit() {
    let mut big = HEAD.as_bytes().to_vec();
    big.extend(std::iter::repeat_n(b'#', 5 << 20));
    refused(&big, "over the limit of 4194304 bytes");
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
    refused(text.as_bytes(), "more than 100000 nodes");
}

#[test]
fn nesting_too_deep() {
    let text = format!("{HEAD}spec: {}{}\n", "[".repeat(500), "]".repeat(500));
    refused(text.as_bytes(), "nesting deeper than 100 levels");
}

#[test]
fn huge_list() {
    let items = vec!["x"; 150_000].join(", ");
    let text = format!("{HEAD}spec:\n  command: [{items}]\n");
    refused(text.as_bytes(), "more than 100000 nodes");
}

#[test]
fn invalid_utf8() {
    let mut bytes = HEAD.as_bytes().to_vec();
    bytes.extend_from_slice(b"spec: {command: [\xc3\x28]}\n");
    refused(&bytes, "not valid UTF-8 (at byte 105)");
}

#[test]
fn several_documents() {
    refused(
        format!("{HEAD}---\n{HEAD}").as_bytes(),
        "a second YAML document starts at 5:1",
    );
}

#[test]
fn numbers_out_of_range() {
    refused(
        format!("{HEAD}spec: {{parallelism: 4294967296}}\n").as_bytes(),
        "spec.parallelism: 4294967296 is out of range for uint32 at 4:21",
    );
    refused(
        format!("{HEAD}spec: {{volumeMounts: [{{configMap: {{defaultMode: 99999999999}}}}]}}\n")
            .as_bytes(),
        "out of range for int32",
    );
}

#[test]
fn duplicate_keys() {
    refused(
        format!("{HEAD}metadata: {{name: again}}\n").as_bytes(),
        "metadata: duplicate field 'metadata' (first set at 3:1) at 4:1",
    );
}

#[test]
fn binary_garbage_and_nul_bytes() {
    refused(b"\x00\x01\x02kind\x00", "invalid YAML");
    refused(&[0xff, 0xfe, 0x00, 0x00], "not valid UTF-8");
}

#[test]
fn not_a_manifest() {
    refused(b"", "the input holds no document");
    refused(
        b"- a\n- b\n",
        "expected a mapping at the top level, found a list at 1:1",
    );
    refused(b"just text\n", "expected a mapping at the top level");
    refused(
        b"kind: Deployment\n",
        "unsupported kind 'Deployment' at 1:7; supported kinds: KubernetesJob",
    );
}

#[test]
fn unterminated_structures() {
    refused(
        format!("{HEAD}spec: {{command: [a, b\n").as_bytes(),
        "invalid YAML",
    );
    refused(
        b"{\"kind\": \"KubernetesJob\", \"spec\": {\"command\": \"x\"",
        "invalid YAML",
    );
    refused(
        format!("{HEAD}spec:\n  command: \"unterminated\n").as_bytes(),
        "invalid YAML",
    );
}

#[test]
fn a_very_long_line_and_a_long_unknown_key() {
    let key = "k".repeat(100_000);
    refused(
        format!("{HEAD}spec: {{{key}: 1}}\n").as_bytes(),
        "unknown field",
    );
}
