//! The `planton` binary, run as a user runs it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn planton(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_planton"))
        .args(args)
        .current_dir(root())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("planton runs");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().expect("exited, not killed by a signal"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn examples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    names
}

#[test]
fn version_and_help() {
    let v = planton(&["--version"], None);
    assert_eq!(
        (v.code, v.stdout.as_str()),
        (0, concat!("planton ", env!("CARGO_PKG_VERSION"), "\n"))
    );
    let h = planton(&["--help"], None);
    assert_eq!(h.code, 0);
    assert!(
        h.stdout.contains("load") && h.stdout.contains("Usage: planton"),
        "{}",
        h.stdout
    );
    let h = planton(&["load", "--help"], None);
    assert!(h.stdout.contains("'-' for standard input"), "{}", h.stdout);
}

#[test]
fn load_prints_every_example_in_normalized_form() {
    for name in examples() {
        let path = format!("examples/{name}");
        let yaml = planton(&["load", &path], None);
        assert_eq!(yaml.code, 0, "{name}: {}", yaml.stderr);
        assert!(yaml.stderr.is_empty());
        insta::assert_snapshot!(format!("load-yaml-{name}"), yaml.stdout);
        let json = planton(&["load", "--output", "json", &path], None);
        assert_eq!(json.code, 0, "{name}: {}", json.stderr);
        insta::assert_snapshot!(format!("load-json-{name}"), json.stdout);
        // The printed forms load again to the same output.
        let again = planton(&["load", "-o", "json", "-"], Some(yaml.stdout.as_bytes()));
        assert_eq!(again.stdout, json.stdout, "{name}");
    }
}

#[test]
fn load_reads_standard_input() {
    let text = std::fs::read(root().join("examples/minimal.yaml")).unwrap();
    let from_stdin = planton(&["load", "-"], Some(&text));
    let from_file = planton(&["load", "examples/minimal.yaml"], None);
    assert_eq!(from_stdin.code, 0);
    assert_eq!(from_stdin.stdout, from_file.stdout);
}

#[test]
fn invalid_manifests_exit_2_with_the_field_and_position_and_print_nothing() {
    let r = planton(&["load", "tests/data/load/wrong-type-integer.yaml"], None);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "error: tests/data/load/wrong-type-integer.yaml: spec.parallelism: expected an unsigned integer, found \"three\" at 14:16\n"
    );
    let r = planton(&["load", "-"], Some(b"kind: KubernetesDeployment\n"));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "unsupported kind 'KubernetesDeployment' at 1:7; supported kinds: KubernetesJob"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn io_and_usage_errors_exit_2() {
    let r = planton(&["load", "no/such/file.yaml"], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("error: cannot open 'no/such/file.yaml'"),
        "{}",
        r.stderr
    );
    let r = planton(
        &["load", "-"],
        Some(b"kind: KubernetesJob\nmetadata: {name: \xff}\n"),
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not valid UTF-8 (at byte 37)"),
        "{}",
        r.stderr
    );
    let r = planton(&["frobnicate"], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unrecognized subcommand"), "{}", r.stderr);
    let r = planton(&["load", "-o", "xml", "examples/minimal.yaml"], None);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
}

#[test]
fn a_closed_output_pipe_is_not_an_error() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let status = Command::new(env!("CARGO_BIN_EXE_planton"))
        .args(["load", "examples/data-migration.yaml"])
        .current_dir(root())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(
        status.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(status.stderr.is_empty());
}
