//! The hostile-input corpus, CLI side (`tests/hostile/cli`): one case per
//! class, small ones committed, large ones generated here into a temporary
//! directory. Each test asserts the outcome: what is refused and how, what is
//! never printed, how much is printed at most, and that nothing is
//! overwritten.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{planton, root};

/// The committed corpus files, each used by a test below.
const CORPUS: &[&str] = &[
    "cli-cr-only.yaml",
    "cli-escape-sequences-valid-load.yaml",
    "cli-escape-sequences-valid.yaml",
    "cli-escape-sequences.yaml",
    "cli-surrogate-secret.json",
];

fn corpus(name: &str) -> String {
    assert!(CORPUS.contains(&name), "{name} is not listed in CORPUS");
    format!("tests/hostile/cli/{name}")
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("planton-hostile-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `planton args`, failing the test if it takes longer than `limit`
/// (a guard against hangs and quadratic blow-ups, far above the budget).
fn planton_within(args: &[&str], limit: Duration) -> common::Run {
    let started = Instant::now();
    let r = planton(args, None);
    assert!(
        started.elapsed() < limit,
        "{args:?} took {:?}",
        started.elapsed()
    );
    r
}

const HEAD: &str =
    "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {name: job}\n";
const VALID: &str = "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {name: job}\nspec:\n  namespace: {value: ns}\n  image: {repo: busybox, tag: latest}\n  env:\n    secrets:\n      TOKEN: {value: Valid-Secret-3}\n";

#[test]
fn every_corpus_file_is_used() {
    let mut found: Vec<String> = std::fs::read_dir(root().join("tests/hostile/cli"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    assert_eq!(found, CORPUS);
}

/// Characters that act on a terminal or reorder what it shows.
fn unsafe_for_terminal(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

fn assert_terminal_safe(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|&c| unsafe_for_terminal(c)) {
        panic!("{what}: {c:?} reaches the terminal:\n{text:?}");
    }
}

#[test]
fn terminal_escapes_in_field_names_and_values_are_shown_escaped() {
    // Raw bytes too: a bidi override and a DEL in a comment on the line of
    // a violation, shown in the snippet.
    let dir = temp_dir("escapes");
    let raw = dir.join("raw\u{1b}[2J-name.yaml");
    std::fs::write(
        &raw,
        format!(
            "{HEAD}spec:\n  namespace: {{value: ns}}\n  image: {{repo: busybox, tag: latest}}\n  restartPolicy: Always # \u{202e}evil\u{7f}\u{2066}\n"
        ),
    )
    .unwrap();
    let raw = raw.to_str().unwrap().to_owned();
    let files = [
        corpus("cli-escape-sequences.yaml"),
        corpus("cli-escape-sequences-valid-load.yaml"),
        raw.clone(),
    ];
    for file in &files {
        for args in [
            &["validate", file][..],
            &["validate", "-o", "json", file],
            &["validate", "-o", "sarif", file],
            &["validate", "-o", "junit", file],
            &["validate", "-o", "github", file],
            &["render", file],
            &["render", "-o", "json", file],
            &["outputs", file],
            &["tf", "vars", file],
            &["pulumi", "program", file],
            &["load", file],
        ] {
            let r = planton(args, None);
            if args[0] != "load" {
                assert_ne!(r.code, 0, "{args:?}");
            }
            assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
            assert_terminal_safe(&format!("{args:?} stderr"), &r.stderr);
            if args[0] == "validate" {
                assert_terminal_safe(&format!("{args:?} stdout"), &r.stdout);
            }
            if args.starts_with(&["validate", "-o", "json"]) {
                let doc: serde_json::Value = serde_json::from_str(&r.stdout)
                    .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}):\n{}", r.stdout));
                assert_eq!(doc["files"][0]["valid"], false);
            }
        }
    }
    // What the escapes look like.
    let r = planton(&["validate", &files[0]], None);
    assert!(
        r.stdout
            .contains(r"unknown field '\u{1b}]0;owned\u{7}\u{1b}[2J\u{1b}[H\u{202e}\u{9b}31m'"),
        "{}",
        r.stdout
    );
    let r = planton(&["validate", &raw], None);
    assert!(
        r.stdout
            .contains(r"restartPolicy: Always # \u{202e}evil\u{7f}\u{2066}"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(r"raw\u{1b}[2J-name.yaml:"),
        "{}",
        r.stdout
    );
    // The caret still stands under the value.
    let lines: Vec<&str> = r.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("restartPolicy: Always"))
        .unwrap();
    assert_eq!(
        lines[at].find("Always").unwrap(),
        lines[at + 1].find('^').unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// JSON written to standard output (rendered objects, tfvars, outputs, a
/// loaded manifest) escapes what would act on a terminal and keeps its value.
#[test]
fn json_outputs_escape_terminal_controls_and_keep_their_values() {
    let file = corpus("cli-escape-sequences-valid.yaml");
    for args in [
        &["render", "-o", "json", &file][..],
        &["tf", "vars", &file],
        &["outputs", &file],
        &["load", "-o", "json", &file],
    ] {
        let r = planton(args, None);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert_terminal_safe(&format!("{args:?}"), &r.stdout);
        let value: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        if args[0] != "outputs" {
            let strings = strings(&value);
            for expected in ["\u{1b}]0;owned\u{7}", "\u{1b}[31mred\u{9b}\u{2066}"] {
                assert!(strings.contains(&expected), "{args:?}: {strings:?}");
            }
        }
    }
}

/// Every string in a JSON value.
fn strings(value: &serde_json::Value) -> Vec<&str> {
    match value {
        serde_json::Value::String(s) => vec![s],
        serde_json::Value::Array(items) => items.iter().flat_map(strings).collect(),
        serde_json::Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn cr_only_files_are_reported_line_by_line() {
    let file = corpus("cli-cr-only.yaml");
    for args in [&["validate", &file][..], &["render", &file]] {
        let r = planton(args, None);
        assert_eq!(r.code, 1, "{}", r.stderr);
        let report = if args[0] == "validate" {
            &r.stdout
        } else {
            &r.stderr
        };
        assert!(report.contains("6 |   restartPolicy: Always\n"), "{report}");
        assert!(
            report.contains("8 |   image: {repo: busybox, tag: \"bad tag\"}\n"),
            "{report}"
        );
        assert!(!report.contains("Cr-Only-Secret"), "{report}");
        assert!(!report.contains('\r'), "{report:?}");
    }
}

#[test]
fn surrogate_pairs_do_not_shift_masks_or_carets() {
    let r = planton(&["validate", &corpus("cli-surrogate-secret.json")], None);
    assert_eq!(r.code, 1, "{}", r.stderr);
    // The secret value (the messages may name the env Secret itself).
    assert!(!r.stdout.contains("Pairs-Then-Secret"), "{}", r.stdout);
    assert!(!r.stdout.contains("ude00"), "the pairs are masked whole");
    let lines: Vec<Vec<char>> = r.stdout.lines().map(|l| l.chars().collect()).collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with(&['1', ' ', '|']))
        .unwrap();
    let caret = lines[at + 1].iter().position(|&c| c == '^').unwrap();
    let width = lines[at + 1][caret..]
        .iter()
        .take_while(|&&c| c == '^')
        .count();
    let under: String = lines[at][caret..caret + width].iter().collect();
    assert_eq!(under, "\"BAD NAME\"", "{}", r.stdout);
}

/// A one-line JSON manifest of about 1 MiB: `n` environment variables with
/// invalid names (an '=' in each), each with a long value, and `secrets` literal secrets with
/// invalid names.
fn one_line_json(n: usize, value_len: usize, secrets: usize) -> String {
    let value = "v".repeat(value_len);
    let variables: Vec<String> = (0..n)
        .map(|i| format!(r#""bad=name {i}":{{"value":"{value}"}}"#))
        .collect();
    let secrets: Vec<String> = (0..secrets)
        .map(|i| format!(r#""bad secret {i}":{{"value":"Line-Secret-{i:04}"}}"#))
        .collect();
    format!(
        r#"{{"apiVersion":"kubernetes.project-planton.org/v1","kind":"KubernetesJob","metadata":{{"name":"job"}},"spec":{{"namespace":{{"value":"ns"}},"image":{{"repo":"busybox","tag":"latest"}},"env":{{"variables":{{{}}},"secrets":{{{}}}}}}}}}"#,
        variables.join(","),
        secrets.join(",")
    )
}

#[test]
fn a_one_line_mebibyte_with_a_thousand_bad_names_prints_little() {
    let dir = temp_dir("one-line");
    // About 1 MiB, and just under the 4 MiB input limit.
    for (value_len, name) in [(1100, "big.json"), (4150, "huge.json")] {
        let file = dir.join(name);
        let text = one_line_json(1000, value_len, 0);
        assert!(text.len() > 1 << 20 && text.len() <= 4 << 20);
        std::fs::write(&file, &text).unwrap();
        let file = file.to_str().unwrap();
        // Before: 1.7 GB (1 MiB) and 6 GB (4 MiB) of report, 2.3 and 8 GB
        // of memory.
        let limit = Duration::from_secs(30);
        let r = planton_within(&["validate", file], limit);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stdout.len() < 64 << 10, "{} bytes", r.stdout.len());
        assert!(
            r.stdout.contains("… and 950 more violations in"),
            "{}",
            &r.stdout[r.stdout.len() - 300..]
        );
        assert!(r.stdout.ends_with(&format!("{name}: 1000 violations\n\n")));
        // A window of the line around each column, as rustc shows it.
        let snippet = r.stdout.lines().find(|l| l.starts_with("1 | ")).unwrap();
        assert!(snippet.chars().count() < 200, "{snippet}");
        let r = planton_within(&["validate", "-o", "json", file], limit);
        assert!(r.stdout.len() < 64 << 10, "{} bytes", r.stdout.len());
        let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(doc["files"][0]["violations"].as_array().unwrap().len(), 50);
        assert_eq!(doc["files"][0]["violations_omitted"], 950);
        // The CI formats: 50 findings and a note, in bounded time and size.
        for (format, findings) in [
            ("sarif", "\"ruleId\":\"kubernetes.env_var_name\""),
            ("junit", "<failure "),
            ("github", "::error "),
        ] {
            let r = planton_within(&["validate", "-o", format, file], limit);
            assert_eq!(r.code, 1, "{format}: {}", r.stderr);
            assert!(
                r.stdout.len() < 64 << 10,
                "{format}: {} bytes",
                r.stdout.len()
            );
            assert_eq!(r.stdout.matches(findings).count(), 50, "{format}");
            assert!(r.stdout.contains("950 more violations"), "{format}");
        }
        let r = planton_within(&["render", file], limit);
        assert_eq!((r.code, r.stdout.as_str()), (1, ""));
        assert!(r.stderr.len() < 64 << 10, "{} bytes", r.stderr.len());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_thousand_secrets_on_one_line_are_masked_in_linear_time() {
    let dir = temp_dir("secrets-line");
    let file = dir.join("secrets.json");
    std::fs::write(&file, one_line_json(0, 0, 1000)).unwrap();
    let file = file.to_str().unwrap();
    // Cubic masking took 18 to 28 s here (release); linear takes well
    // under a second.
    let r = planton_within(&["validate", file], Duration::from_secs(20));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stdout.contains("Line-Secret"), "{}", r.stdout);
    let masked = format!("\"bad secret 7\":{{\"value\":{}}}", "*".repeat(18));
    assert!(r.stdout.contains(&masked), "{}", r.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn long_keys_and_many_field_errors_are_cut() {
    let key = "k".repeat(100_000);
    let unknown = format!("{HEAD}spec: {{{key}: 1}}\n");
    let bad_name = format!(
        "{HEAD}spec:\n  namespace: {{value: ns}}\n  image: {{repo: busybox, tag: latest}}\n  env: {{variables: {{\"{key}=x\": {{value: a}}}}}}\n"
    );
    let many: String = (0..1000).map(|i| format!("  unknown{i}: 1\n")).collect();
    let many = format!("{HEAD}spec:\n{many}");
    for (text, code) in [(&unknown, 2), (&bad_name, 1), (&many, 2)] {
        for args in [
            &["validate", "-"][..],
            &["validate", "-o", "json", "-"],
            &["render", "-"],
            &["load", "-"],
        ] {
            let r = planton(args, Some(text.as_bytes()));
            if args[0] == "load" && code == 1 {
                continue; // loads: violations are not its business
            }
            // `validate` recovers from field errors: they are findings.
            let code = if args[0] == "validate" { 1 } else { code };
            assert_eq!(r.code, code, "{args:?}: {}", r.stderr);
            let printed = r.stdout.len() + r.stderr.len();
            assert!(printed < 16 << 10, "{args:?}: {printed} bytes");
            assert!(r.stderr.lines().count() < 60, "{args:?}: {}", r.stderr);
            if text == &many && args[0] == "validate" {
                // The 1000 unknown fields (100 kept by the loader) and the
                // two missing required fields: 50 shown.
                let rest = if args[1] == "-o" {
                    "\"violations_omitted\":952"
                } else {
                    "… and 952 more violations in <stdin>\n\n<stdin>: 1002 violations\n"
                };
                assert!(r.stdout.contains(rest), "{args:?}: {}", r.stdout);
            } else if text == &many {
                assert!(
                    r.stderr.contains(": 1000 errors:\n")
                        && r.stderr.ends_with("\n  … and 950 more\n"),
                    "{args:?}: {}",
                    r.stderr
                );
            }
        }
    }
}

fn copy_valid(dir: &Path, name: &str) {
    if name.ends_with(".json") {
        std::fs::write(
            dir.join(name),
            r#"{"apiVersion":"kubernetes.project-planton.org/v1","kind":"KubernetesJob","metadata":{"name":"j"},"spec":{"namespace":{"value":"ns"},"image":{"repo":"busybox","tag":"latest"}}}"#,
        )
        .unwrap();
    } else {
        std::fs::write(dir.join(name), VALID).unwrap();
    }
}

/// The files under `dir`, relative, sorted, with their contents.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                stack.push(p);
            } else if meta.is_file() {
                let name = p.strip_prefix(dir).unwrap().display().to_string();
                all.push((name, std::fs::read(&p).unwrap()));
            }
        }
    }
    all.sort();
    all
}

#[test]
fn no_spelling_of_the_output_directory_overwrites_an_input() {
    let dir = temp_dir("spellings");
    let input = dir.join("in");
    std::fs::create_dir_all(input.join("sub")).unwrap();
    copy_valid(&input, "a.json");
    copy_valid(&input, "a.yaml");
    copy_valid(&input.join("sub"), "b.yml");
    std::os::unix::fs::symlink(&input, dir.join("link")).unwrap();
    let before = snapshot(&dir);
    let input_arg = input.to_str().unwrap();
    let dotdot = format!("{input_arg}/../in");
    let link = dir.join("link").display().to_string();
    let sub_dotdot = format!("{input_arg}/sub/..");
    for (out, format) in [
        (input_arg, "yaml"),
        (input_arg, "json"),
        (dotdot.as_str(), "yaml"),
        (link.as_str(), "yaml"),
        (link.as_str(), "json"),
        (sub_dotdot.as_str(), "json"),
    ] {
        let r = planton(&["render", input_arg, "--out-dir", out, "-o", format], None);
        assert_eq!(r.code, 2, "{out} -o {format}: {}", r.stderr);
        assert!(
            r.stderr.contains("would overwrite")
                && r.stderr
                    .contains("nothing written; choose another --out-dir"),
            "{out} -o {format}: {}",
            r.stderr
        );
        assert_eq!(r.stdout, "", "refused before any work");
        assert_eq!(snapshot(&dir), before, "{out} -o {format}: files changed");
    }
    // The same directory is fine when no output is an input: `.yml` in,
    // `.yaml` out.
    std::fs::remove_file(input.join("a.yaml")).unwrap();
    std::fs::remove_file(input.join("a.json")).unwrap();
    let r = planton(&["render", input_arg, "--out-dir", input_arg], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(input.join("sub/b.yaml").is_file());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_new_output_directory_inside_the_input_is_not_read_back() {
    let dir = temp_dir("inside");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for i in 0..300 {
        copy_valid(&input, &format!("m{i:03}.yaml"));
    }
    let out = input.join("zz-out");
    for _ in 0..2 {
        let r = planton(
            &[
                "render",
                input.to_str().unwrap(),
                "--out-dir",
                out.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stdout.starts_with("300 files: 300 rendered"),
            "{}",
            r.stdout
        );
        assert!(!out.join("zz-out").exists());
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 300);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs planton, killing it and failing if it has not ended after `limit`.
fn run_or_kill(args: &[&str], limit: Duration) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_planton"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("{args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn special_files_in_a_walk_are_skipped_never_opened() {
    let dir = temp_dir("fifo");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    copy_valid(&input, "a.yaml");
    let status = Command::new("mkfifo")
        .arg(input.join("b-fifo.yaml"))
        .status()
        .unwrap();
    assert!(status.success());
    copy_valid(&input, "c.yaml");
    let input = input.to_str().unwrap();
    let out = dir.join("out");
    for args in [
        &["validate", input][..],
        &["validate", "-o", "json", input],
        &["render", input, "--out-dir", out.to_str().unwrap()],
    ] {
        let r = run_or_kill(args, Duration::from_secs(30));
        let stderr = String::from_utf8_lossy(&r.stderr);
        let stdout = String::from_utf8_lossy(&r.stdout);
        assert_eq!(r.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(
            stderr.contains("b-fifo.yaml': a FIFO, not a regular file"),
            "{stderr}"
        );
        assert!(!stdout.contains("b-fifo"), "{stdout}");
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_invalid_manifest_leaves_no_stale_output() {
    let dir = temp_dir("stale");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    copy_valid(&input, "a.yaml");
    copy_valid(&input, "b.yaml");
    let out = dir.join("out");
    let args = [
        "render",
        input.to_str().unwrap(),
        "--out-dir",
        out.to_str().unwrap(),
    ];
    assert_eq!(planton(&args, None).code, 0);
    assert!(out.join("a.yaml").is_file() && out.join("b.yaml").is_file());
    std::fs::write(
        input.join("a.yaml"),
        VALID.replace("tag: latest", "tag: \"bad tag\""),
    )
    .unwrap();
    std::fs::write(input.join("b.yaml"), "kind: [").unwrap();
    let r = planton(&args, None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!out.join("a.yaml").exists(), "the invalid one's old output");
    assert!(
        !out.join("b.yaml").exists(),
        "the unloadable one's old output"
    );
    assert_eq!(
        r.stderr.matches("note: removed the stale output").count(),
        2
    );
    assert!(
        r.stdout
            .ends_with("1 invalid, 1 not rendered (2 stale outputs removed)\n"),
        "{}",
        r.stdout
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_signal_removes_the_temporary_files_and_leaves_complete_outputs() {
    let dir = temp_dir("signal");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for i in 0..6000 {
        copy_valid(&input, &format!("m{i:04}.yaml"));
    }
    let expected = planton(
        &["render", input.join("m0000.yaml").to_str().unwrap()],
        None,
    );
    assert_eq!(expected.code, 0);
    let out = dir.join("out");
    let child = Command::new(env!("CARGO_BIN_EXE_planton"))
        .args([
            "render",
            input.to_str().unwrap(),
            "--out-dir",
            out.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Signalled once it is writing.
    let started = Instant::now();
    while std::fs::read_dir(&out).map_or(0, |d| d.count()) < 20 {
        assert!(started.elapsed() < Duration::from_secs(60), "no output");
        std::thread::sleep(Duration::from_millis(2));
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let r = child.wait_with_output().unwrap();
    assert_eq!(
        r.status.code(),
        Some(128 + 15),
        "finished before the signal? {}",
        String::from_utf8_lossy(&r.stderr)
    );
    let written = snapshot(&out);
    assert!(written.len() < 6000, "the run was cut short");
    for (name, content) in &written {
        assert!(!name.contains(".tmp"), "temporary file left: {name}");
        assert_eq!(
            String::from_utf8_lossy(content),
            expected.stdout,
            "{name} is incomplete"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `planton ARGS` under a limit of `files` open files (`ulimit -n`).
fn planton_with_open_files(files: u32, args: &[&std::ffi::OsStr]) -> std::process::Output {
    common::planton_limited(&format!("ulimit -n {files}"), args)
}

#[test]
fn a_low_open_file_limit_loses_no_file() {
    // 120 sibling directories with a manifest each, 60 levels of nesting
    // with one at each level, and two more walks named beside them: the
    // walks hold directories open only within an eighth of the limit.
    let dir = temp_dir("nofile");
    let input = dir.join("in");
    for i in 0..120 {
        let sub = input.join(format!("wide/d{i:03}"));
        std::fs::create_dir_all(&sub).unwrap();
        copy_valid(&sub, "job.yaml");
    }
    let mut deep = input.join("deep");
    for i in 0..60 {
        deep = deep.join(format!("l{i}"));
        std::fs::create_dir_all(&deep).unwrap();
        copy_valid(&deep, "job.yaml");
    }
    let wide = input.join("wide");
    let deep_root = input.join("deep");
    for files in [16, 24, 64] {
        let out = planton_with_open_files(
            files,
            &[
                "validate".as_ref(),
                input.as_os_str(),
                wide.as_os_str(),
                deep_root.as_os_str(),
            ],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "ulimit -n {files}: {stdout}");
        assert!(
            stdout.ends_with("360 files: 360 valid, 0 invalid (0 violations), 0 not loaded\n"),
            "ulimit -n {files}: {}",
            stdout.lines().last().unwrap_or_default()
        );
        let rendered = dir.join(format!("out-{files}"));
        let out = planton_with_open_files(
            files,
            &[
                "render".as_ref(),
                input.as_os_str(),
                "--out-dir".as_ref(),
                rendered.as_os_str(),
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "ulimit -n {files}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(snapshot(&rendered).len(), 180, "ulimit -n {files}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
