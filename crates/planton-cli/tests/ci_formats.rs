//! The CI outputs of `validate`, each checked by a real consumer: SARIF by
//! the SARIF Multitool's validator (npm `@microsoft/sarif-multitool` 5.7.0),
//! JUnit XML by `junitparser` 5.0.3 (PyPI), GitHub annotations by the
//! runner's escaping rules, and the repository's pre-commit hook by
//! `pre-commit` 4.7.0 in a scratch git repository.
//!
//! The tools are installed on first use into `<target>/ci-tools` (npm into
//! `npm/`, a Python venv into `venv/`); a failed install fails the test,
//! saying why.

#[allow(dead_code)]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

const SECRET: &str = "Zx9-Unique-CI-Secret";

const HEAD: &str = "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\n";

/// Three violations (lines 3, 7, 11), a percent, comma and colon in a key, a
/// literal secret on a line with a violation.
fn bad() -> String {
    format!(
        "{HEAD}metadata: {{name: Bad_Name}}\nspec:\n  namespace: {{value: ns}}\n  image: {{repo: busybox, tag: latest}}\n  restartPolicy: Always\n  env:\n    variables:\n      OK: {{value: x}}\n      \"50%,a:b=c\": {{value: v}}\n    secrets:\n      GOOD: {{value: {SECRET}}}\n"
    )
}

/// Breaks a load rule: a string where a number goes, at 3:16; the rest
/// loads and is valid.
const NOT_LOADING: &str = "kind: KubernetesJob\nspec:\n  parallelism: three\n  namespace: {value: ns}\n  image: {repo: busybox, tag: latest}\nmetadata: {name: job}\napiVersion: kubernetes.project-planton.org/v1\n";

/// 60 invalid secret names, each with a literal secret: 50 shown, 10 omitted.
fn many() -> String {
    let secrets: String = (0..60)
        .map(|i| format!("      \"bad name {i}\": {{value: {SECRET}-{i}}}\n"))
        .collect();
    format!(
        "{HEAD}metadata: {{name: many}}\nspec:\n  namespace: {{value: ns}}\n  image: {{repo: busybox, tag: latest}}\n  env:\n    secrets:\n{secrets}"
    )
}

/// A key with markup, an escape sequence and a character XML forbids.
fn hostile() -> String {
    format!(
        "{HEAD}metadata: {{name: hostile}}\nspec:\n  namespace: {{value: ns}}\n  image: {{repo: busybox, tag: latest}}\n  env:\n    variables:\n      \"k<&>'\\\"\\uFFFE\\e[2J\": {{value: v}}\n"
    )
}

/// A scratch directory under the target directory, emptied.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ci-formats-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The manifests of a run, written into `dir`, in the order given to
/// `validate`.
fn write_inputs(dir: &Path) -> Vec<PathBuf> {
    let files = [
        ("bad.yaml", bad()),
        ("not-loading.yaml", NOT_LOADING.to_owned()),
        ("many.yaml", many()),
        ("we,ird:name %.yaml", hostile()),
        (
            "valid.yaml",
            std::fs::read_to_string(common::root().join("examples/data-migration.yaml")).unwrap(),
        ),
    ];
    files
        .into_iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

/// `planton validate -o FORMAT` on the files, run in `dir` with relative
/// names (as a CI job runs it in the checkout).
fn validate(dir: &Path, format: &str, files: &[PathBuf]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_planton"))
        .args(["validate", "-o", format])
        .args(files.iter().map(|f| f.file_name().unwrap()))
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn tools() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("../ci-tools")
}

fn check(what: &str, out: std::io::Result<Output>) -> Output {
    let out = out.unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// One install at a time (the tests of this file run in parallel).
static INSTALL: Mutex<()> = Mutex::new(());

/// The SARIF Multitool, installed with npm on first use.
fn multitool() -> PathBuf {
    static TOOL: OnceLock<PathBuf> = OnceLock::new();
    TOOL.get_or_init(|| {
        let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tools().join("npm");
        let tool = dir.join("node_modules/.bin/sarif-multitool");
        let stamp = dir.join("node_modules/@microsoft/sarif-multitool/package.json");
        let installed =
            std::fs::read_to_string(&stamp).is_ok_and(|p| p.contains("\"version\": \"5.7.0\""));
        if !installed || !tool.exists() {
            std::fs::create_dir_all(&dir).unwrap();
            check(
                "npm install @microsoft/sarif-multitool@5.7.0",
                Command::new("npm")
                    .args(["install", "--no-audit", "--no-fund", "--prefix"])
                    .arg(&dir)
                    .args([
                        "@microsoft/sarif-multitool@5.7.0",
                        "@microsoft/sarif-multitool-linux@5.7.0",
                    ])
                    .output(),
            );
        }
        tool
    })
    .clone()
}

/// A venv with junitparser and pre-commit, created on first use.
fn venv() -> PathBuf {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tools().join("venv");
        let python = dir.join("bin/python");
        let wanted = ["junitparser==5.0.3", "pre-commit==4.7.0"];
        let stamp = dir.join("ci-formats.requirements");
        // A venv's scripts name its directory: a moved venv is rebuilt.
        let stamped = format!("{}\n{}", dir.display(), wanted.join("\n"));
        if std::fs::read_to_string(&stamp).ok().as_deref() != Some(&stamped) {
            let _ = std::fs::remove_dir_all(&dir);
            check(
                "python3 -m venv",
                Command::new("python3")
                    .args(["-m", "venv"])
                    .arg(&dir)
                    .output(),
            );
            check(
                "pip install junitparser pre-commit",
                Command::new(&python)
                    .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
                    .args(wanted)
                    .output(),
            );
            std::fs::write(&stamp, stamped).unwrap();
        }
        dir
    })
    .clone()
}

/// The findings the SARIF Multitool's validator reports on `sarif`: (level,
/// rule id, message arguments).
fn multitool_findings(dir: &Path, sarif: &Path) -> Vec<(String, String, String)> {
    let log = dir.join("validation.sarif");
    check(
        "sarif-multitool validate",
        Command::new(multitool())
            .arg("validate")
            .arg(sarif)
            .arg("--output")
            .arg(&log)
            .args(["--log", "ForceOverwrite"])
            .output(),
    );
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&log).unwrap()).unwrap();
    log["runs"][0]["results"]
        .as_array()
        .expect("the validator's log has results")
        .iter()
        .map(|r| {
            (
                r["level"].as_str().unwrap_or("warning").to_owned(),
                r["ruleId"].as_str().unwrap_or_default().to_owned(),
                r["message"]["arguments"].to_string(),
            )
        })
        .collect()
}

#[test]
fn sarif_passes_the_multitool_validator() {
    let dir = scratch("sarif");
    let files = write_inputs(&dir);
    let (code, stdout, stderr) = validate(&dir, "sarif", &files);
    assert_eq!(code, 1, "a file breaks a load rule: {stderr}");
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
    assert!(
        !stdout.chars().any(|c| c.is_control() && c != '\n'),
        "raw control character in:\n{stdout}"
    );
    let sarif: Value = serde_json::from_str(&stdout).unwrap();
    let path = dir.join("out.sarif");
    std::fs::write(&path, &stdout).unwrap();

    // The validator finds nothing to say: no error, no warning, no note.
    let findings = multitool_findings(&dir, &path);
    assert_eq!(findings, [], "SARIF Multitool on:\n{stdout}");
    // Findings without a place (an empty file, a missing one) cover the
    // whole file.
    std::fs::write(dir.join("empty.yaml"), "# nothing\n").unwrap();
    let placeless = [dir.join("empty.yaml"), dir.join("missing.yaml")];
    let (code, text, _) = validate(&dir, "sarif", &placeless);
    assert_eq!(code, 2);
    let other = dir.join("placeless.sarif");
    std::fs::write(&other, &text).unwrap();
    assert_eq!(multitool_findings(&dir, &other), [], "{text}");
    let doc: Value = serde_json::from_str(&text).unwrap();
    let regions: Vec<&Value> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["locations"][0]["physicalLocation"]["region"])
        .collect();
    let first_line = serde_json::json!({"startLine": 1, "endLine": 1});
    assert_eq!(regions, [&first_line, &first_line], "{text}");
    // It would: the same document with a line 0 is an error.
    let broken = stdout.replacen("\"startLine\":3", "\"startLine\":0", 1);
    assert_ne!(broken, stdout);
    std::fs::write(&path, broken).unwrap();
    let findings = multitool_findings(&dir, &path);
    assert!(
        findings.iter().any(|(level, _, _)| level == "error"),
        "{findings:?}"
    );

    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    // bad: 3, not-loading: 1, many: 50 + the note, hostile: 1, valid: 0.
    assert_eq!(results.len(), 3 + 1 + 51 + 1, "{stdout}");
    for r in results {
        let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], r["ruleId"]);
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
    }
    let find = |uri: &str, rule: &str| {
        results
            .iter()
            .filter(|r| {
                r["ruleId"] == rule
                    && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri
            })
            .collect::<Vec<_>>()
    };
    let region = |r: &Value| {
        let g = &r["locations"][0]["physicalLocation"]["region"];
        [
            &g["startLine"],
            &g["startColumn"],
            &g["endLine"],
            &g["endColumn"],
        ]
        .map(|v| v.as_u64().unwrap())
    };
    // restartPolicy: Always, at 7:18, 6 characters.
    let restart = find("bad.yaml", "string.in");
    assert_eq!(restart.len(), 1);
    assert_eq!(region(restart[0]), [7, 18, 7, 24]);
    assert_eq!(restart[0]["level"], "error");
    assert!(
        restart[0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("spec.restart_policy: "),
        "{}",
        restart[0]
    );
    let load = find("not-loading.yaml", "load.type");
    assert_eq!(load.len(), 1);
    assert_eq!(region(load[0]), [3, 16, 3, 21]);
    assert_eq!(load[0]["properties"]["source"], "load");
    let rule = &rules[load[0]["ruleIndex"].as_u64().unwrap() as usize];
    assert!(
        rule["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .contains("Every value has its field's type"),
        "{rule}"
    );
    assert_eq!(find("many.yaml", "kubernetes.env_var_name").len(), 50);
    let omitted = find("many.yaml", "omitted");
    assert_eq!(omitted.len(), 1);
    assert_eq!(omitted[0]["level"], "note");
    assert!(
        omitted[0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("10 more violations"),
        "{}",
        omitted[0]
    );
    assert_eq!(
        find("we%2Cird%3Aname%20%25.yaml", "kubernetes.env_var_name").len(),
        1,
        "{stdout}"
    );
    assert_eq!(find("valid.yaml", "load").len(), 0);

    // Only violations: exit 1, as with the other formats.
    let (code, stdout, _) = validate(&dir, "sarif", &files[..1]);
    assert_eq!(code, 1);
    let one: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(one["runs"][0]["results"].as_array().unwrap().len(), 3);
    let (code, stdout, _) = validate(&dir, "sarif", &files[4..]);
    assert_eq!(code, 0);
    let none: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(none["runs"][0]["results"], serde_json::json!([]));
}

/// Reads a JUnit XML file with junitparser: per suite, its counts and each
/// case's results.
const READ_JUNIT: &str = r#"
import json, sys
from junitparser import JUnitXml
xml = JUnitXml.fromfile(sys.argv[1])
out = []
for suite in xml:
    cases = []
    for case in suite:
        cases.append({
            "name": case.name,
            "classname": case.classname,
            "results": [[type(r).__name__, r.type, r.message, r.text] for r in case.result],
            "system_out": case.system_out,
        })
    out.append({"name": suite.name, "tests": suite.tests, "failures": suite.failures,
                "errors": suite.errors, "cases": cases})
json.dump(out, sys.stdout)
"#;

#[test]
fn junit_reads_back_in_junitparser() {
    let dir = scratch("junit");
    let files = write_inputs(&dir);
    let (code, stdout, stderr) = validate(&dir, "junit", &files);
    assert_eq!(code, 1, "{stderr}");
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
    assert!(
        !stdout.contains('\u{fffe}') && !stdout.chars().any(|c| c.is_control() && c != '\n'),
        "{stdout}"
    );
    let path = dir.join("report.xml");
    std::fs::write(&path, &stdout).unwrap();
    let out = check(
        "junitparser",
        Command::new(venv().join("bin/python"))
            .args(["-c", READ_JUNIT])
            .arg(&path)
            .output(),
    );
    let suites: Value = serde_json::from_slice(&out.stdout).unwrap();
    let suites = suites.as_array().unwrap();
    let names: Vec<&str> = suites.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "bad.yaml",
            "not-loading.yaml",
            "many.yaml",
            "we,ird:name %.yaml",
            "valid.yaml"
        ]
    );
    for s in suites {
        assert_eq!(s["tests"], 1);
        assert_eq!(s["cases"].as_array().unwrap().len(), 1, "a case per file");
        assert_eq!(s["cases"][0]["name"], s["name"]);
    }
    let results = |i: usize| suites[i]["cases"][0]["results"].as_array().unwrap().clone();
    let bad = results(0);
    assert_eq!(bad.len(), 3);
    assert_eq!(suites[0]["failures"], 1);
    assert!(bad.iter().all(|r| r[0] == "Failure"));
    let types: Vec<&str> = bad.iter().map(|r| r[1].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "kubernetes.dns1123_label",
            "string.in",
            "kubernetes.env_var_name"
        ]
    );
    assert!(
        bad[1][3]
            .as_str()
            .unwrap()
            .starts_with("bad.yaml:7:18: spec.restart_policy: "),
        "{}",
        bad[1]
    );
    let load = results(1);
    assert_eq!(suites[1]["errors"], 0);
    assert_eq!(suites[1]["failures"], 1);
    assert_eq!(load.len(), 1);
    assert_eq!(load[0][0], "Failure");
    assert_eq!(load[0][1], "load.type");
    assert!(
        load[0][3]
            .as_str()
            .unwrap()
            .starts_with("not-loading.yaml:3:16: spec.parallelism: "),
        "{}",
        load[0]
    );
    assert_eq!(results(2).len(), 50);
    assert!(
        suites[2]["cases"][0]["system_out"]
            .as_str()
            .unwrap()
            .starts_with("10 more violations not shown"),
        "{}",
        suites[2]
    );
    // The key's markup reads back as written; the escape character as the
    // field path's escape; U+FFFE, which XML forbids, is dropped.
    let hostile = results(3);
    assert_eq!(hostile.len(), 1);
    let message = hostile[0][2].as_str().unwrap();
    assert!(
        message.starts_with("spec.env.variables[\"k<&>'\\\"\\u001b[2J\"]: "),
        "{message}"
    );
    assert!(results(4).is_empty());
    assert_eq!(suites[4]["failures"], 0);
}

/// A workflow command's property value or message as GitHub's runner reads
/// it back.
fn unescape(s: &str) -> String {
    s.replace("%2C", ",")
        .replace("%3A", ":")
        .replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%25", "%")
}

#[test]
fn github_annotations_are_escaped_as_the_runner_reads_them() {
    let dir = scratch("github");
    let files = write_inputs(&dir);
    let (code, stdout, stderr) = validate(&dir, "github", &files);
    assert_eq!(code, 1, "{stderr}");
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3 + 1 + 51 + 1, "{stdout}");
    assert_eq!(
        &lines[..4],
        [
            "::error file=bad.yaml,line=3,col=18,endColumn=26,title=kubernetes.dns1123_label (kubernetes)::metadata.name: must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit; it names the Job and is the value of its 'job-name' label",
            "::error file=bad.yaml,line=7,col=18,endColumn=24,title=string.in (buf.validate)::spec.restart_policy: must be in list [OnFailure, Never]",
            "::error file=bad.yaml,line=11,col=7,endColumn=18,title=kubernetes.env_var_name (kubernetes)::spec.env.variables[\"50%25,a:b=c\"]: must be a valid environment variable name: printable ASCII characters other than '='",
            "::error file=not-loading.yaml,line=3,col=16,endColumn=21,title=load.type (load)::spec.parallelism: expected an unsigned integer, found \"three\"",
        ]
    );
    assert_eq!(
        lines[54],
        "::notice file=many.yaml,title=omitted::10 more violations not shown (at most 50 per file)"
    );
    // Every line is one command whose properties read back: the file name
    // with its comma, colon and percent.
    for line in &lines {
        let rest = line
            .strip_prefix("::error ")
            .or_else(|| line.strip_prefix("::notice "))
            .unwrap_or_else(|| panic!("not a command: {line}"));
        let (properties, _message) = rest.split_once("::").unwrap();
        let file = properties
            .split(',')
            .find_map(|p| p.strip_prefix("file="))
            .unwrap();
        assert!(
            files
                .iter()
                .any(|f| f.file_name().unwrap() == &*unescape(file)),
            "{line}"
        );
    }
    assert!(stdout.contains("::error file=we%2Cird%3Aname %25.yaml,line=9,"));
    // Several load errors are one command each, at its place.
    let multi = dir.join("multi.yaml");
    let text = NOT_LOADING.replace("three\n", "three\n  completions: x\n");
    std::fs::write(&multi, text).unwrap();
    let (code, stdout, _) = validate(&dir, "github", &[multi]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "::error file=multi.yaml,line=3,col=16,endColumn=21,title=load.type (load)::spec.parallelism: expected an unsigned integer, found \"three\"\n::error file=multi.yaml,line=4,col=16,endColumn=17,title=load.type (load)::spec.completions: expected an unsigned integer, found \"x\"\n"
    );
    // A file that does not load at all: one command under its load rule.
    let broken = dir.join("broken.yaml");
    std::fs::write(&broken, "kind: KubernetesJob\nspec: {command: [a\n").unwrap();
    let (code, stdout, _) = validate(&dir, "github", &[broken]);
    assert_eq!(code, 2);
    assert!(
        stdout.starts_with("::error file=broken.yaml,line=3,col=1,endColumn=2,title=load.syntax (load)::broken.yaml: invalid YAML: "),
        "{stdout}"
    );
}

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap()
}

/// The repository's `.pre-commit-hooks.yaml`, used by the real pre-commit
/// from a scratch project: a broken manifest blocks the commit, the fixed one
/// passes. The hook is `language: system` (see the file for why not
/// `language: rust`): the built `planton` is put on PATH, as a user's
/// `cargo install` would.
#[test]
fn pre_commit_hook_blocks_a_broken_manifest() {
    let dir = scratch("pre-commit");
    let venv = venv();
    // The hook repository: this checkout's hooks file, committed.
    let hooks = dir.join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::copy(
        common::root().join(".pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    assert!(git(&hooks, &["init", "-q"]).status.success());
    assert!(git(&hooks, &["add", "."]).status.success());
    assert!(
        git(&hooks, &["commit", "-qm", "hooks"]).status.success(),
        "commit the hooks"
    );
    let rev = String::from_utf8(git(&hooks, &["rev-parse", "HEAD"]).stdout).unwrap();

    let project = dir.join("project");
    std::fs::create_dir_all(project.join("jobs")).unwrap();
    assert!(git(&project, &["init", "-q"]).status.success());
    std::fs::write(
        project.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: planton-validate\n        files: ^jobs/\n",
            hooks.display(),
            rev.trim()
        ),
    )
    .unwrap();
    std::fs::write(project.join("jobs/job.yaml"), bad()).unwrap();
    // Not a manifest, outside `files`: not validated.
    std::fs::write(project.join("notes.yaml"), "just: notes\n").unwrap();

    let bin = Path::new(env!("CARGO_BIN_EXE_planton")).parent().unwrap();
    let path = format!(
        "{}:{}:{}",
        bin.display(),
        venv.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let pre_commit = |args: &[&str]| {
        Command::new(venv.join("bin/pre-commit"))
            .args(args)
            .current_dir(&project)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", dir.join("cache"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap()
    };
    check("pre-commit install", Ok(pre_commit(&["install"])));
    let commit = || {
        let mut c = Command::new("git");
        c.args(["commit", "-m", "jobs"])
            .current_dir(&project)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", dir.join("cache"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com");
        c.output().unwrap()
    };
    assert!(git(&project, &["add", "."]).status.success());
    let blocked = commit();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&blocked.stdout),
        String::from_utf8_lossy(&blocked.stderr)
    );
    assert!(
        !blocked.status.success(),
        "the commit went through:\n{said}"
    );
    assert!(said.contains("planton validate"), "{said}");
    assert!(said.contains("error[string.in]"), "{said}");
    assert!(said.contains("jobs/job.yaml:7:18"), "{said}");
    assert!(!said.contains(SECRET), "{said}");
    assert!(
        !git(&project, &["rev-parse", "--verify", "-q", "HEAD"])
            .status
            .success(),
        "no commit was made"
    );

    // Fixed: the commit passes, with the hook run.
    let fixed = bad()
        .replace("Bad_Name", "good-name")
        .replace("Always", "Never")
        .replace("\"50%,a:b=c\"", "FIFTY");
    std::fs::write(project.join("jobs/job.yaml"), fixed).unwrap();
    assert!(git(&project, &["add", "."]).status.success());
    let passed = commit();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&passed.stdout),
        String::from_utf8_lossy(&passed.stderr)
    );
    assert!(passed.status.success(), "the fixed commit failed:\n{said}");
    assert!(said.contains("planton validate"), "{said}");
    assert!(said.contains("Passed"), "{said}");
    let count = git(&project, &["rev-list", "--count", "HEAD"]);
    assert_eq!(String::from_utf8_lossy(&count.stdout).trim(), "1");
}

/// A warning (a variable defined twice) is a warning in every CI format and
/// does not fail the run; `--strict` makes it an error.
#[test]
fn warnings_stay_warnings_in_the_ci_formats() {
    let dir = scratch("warnings");
    let path = dir.join("dup.yaml");
    std::fs::write(
        &path,
        format!(
            "{HEAD}metadata: {{name: dup}}\nspec:\n  namespace: {{value: ns}}\n  image: {{repo: busybox, tag: latest}}\n  env:\n    variables:\n      A: {{value: x}}\n    secrets:\n      A: {{value: {SECRET}}}\n"
        ),
    )
    .unwrap();
    let files = [path];
    let (code, github, stderr) = validate(&dir, "github", &files);
    assert_eq!(code, 0, "{github}{stderr}");
    assert!(
        github.starts_with("::warning file=dup.yaml,line=")
            && github.contains("title=kubernetes.env_var_duplicate (kubernetes)::"),
        "{github}"
    );
    assert!(!github.contains("::error"), "{github}");

    let (code, sarif, _) = validate(&dir, "sarif", &files);
    assert_eq!(code, 0);
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let levels: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["warning"]);

    let (code, junit, _) = validate(&dir, "junit", &files);
    assert_eq!(code, 0);
    assert!(junit.contains("failures=\"0\""), "{junit}");
    assert!(!junit.contains("<failure"), "{junit}");
    assert!(
        junit.contains("<system-out>warning[kubernetes.env_var_duplicate] dup.yaml:"),
        "{junit}"
    );
    assert!(!junit.contains(SECRET) && !format!("{sarif}").contains(SECRET));

    let out = Command::new(env!("CARGO_BIN_EXE_planton"))
        .args(["validate", "--strict", "-o", "github", "dup.yaml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("::error file=dup.yaml"));
}

/// The second component's manifests (tests/second-component), one per
/// outcome: its own rule broken, a buf.validate rule broken, a field that
/// does not load (the rest still checked), a valid one.
fn write_widgets(dir: &Path) {
    let head = "apiVersion: example.project-planton.org/v1\nkind: Widget\nmetadata: {name: knob}\n";
    for (name, spec) in [
        ("a-red.yaml", "spec: {color: red, replicas: 9}\n"),
        ("b-purple.yaml", "spec: {color: purple}\n"),
        ("c-typo.yaml", "spec: {colour: red, color: pink}\n"),
        ("d-good.yaml", "spec: {color: green}\n"),
    ] {
        std::fs::write(dir.join(name), format!("{head}{spec}")).unwrap();
    }
}

/// `planton validate DIR -o FORMAT`'s own code (`planton_cli::validate`,
/// which the command runs for KubernetesJob) run on the second component:
/// its exit code and report.
fn validate_widgets(dir: &Path, format: planton_cli::ReportFormat) -> (u8, String) {
    use planton_manifest::component::Engine;
    static ENGINE: OnceLock<Engine<planton_second_component::WidgetComponent>> = OnceLock::new();
    let engine =
        ENGINE.get_or_init(|| Engine::new(planton_second_component::WidgetComponent).unwrap());
    let mut out = Vec::new();
    let code = planton_cli::validate(engine, &[dir.to_path_buf()], format, false, &mut out);
    (code, String::from_utf8(out).unwrap())
}

#[test]
fn the_validation_side_is_generic_over_the_component() {
    use planton_cli::ReportFormat;
    let dir = scratch("widgets");
    write_widgets(&dir);
    let name = |f: &str| dir.join(f).display().to_string();

    // The rustc-like report: each file's findings, the summary.
    let (code, human) = validate_widgets(&dir, ReportFormat::Human);
    assert_eq!(code, 1, "{human}");
    for expected in [
        format!(
            "error[widget.red_replicas]: a red widget has at most 3 replicas\n --> {}:4:30\n",
            name("a-red.yaml")
        ),
        format!(
            "error[string.in]: must be in list [red, green, blue]\n --> {}:4:15\n",
            name("b-purple.yaml")
        ),
        "error[load.unknown_field]: unknown field 'colour' in WidgetSpec (did you mean 'color'?)\n"
            .to_owned(),
        "4 files: 1 valid, 3 invalid (4 violations), 0 not loaded\n".to_owned(),
    ] {
        assert!(human.contains(&expected), "{expected:?} not in:\n{human}");
    }
    // The unknown field did not stop the check of the rest of the file.
    let typo = &human[human.find(&name("c-typo.yaml")).unwrap()..];
    assert!(typo.contains("error[string.in]"), "{human}");

    // JSON: a result per file, the same findings.
    let (code, json) = validate_widgets(&dir, ReportFormat::Json);
    assert_eq!(code, 1);
    let json: Value = serde_json::from_str(&json).unwrap();
    let rules: Vec<Vec<&str>> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["violations"]
                .as_array()
                .map(|vs| vs.iter().map(|v| v["rule_id"].as_str().unwrap()).collect())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        rules,
        [
            vec!["widget.red_replicas"],
            vec!["string.in"],
            vec!["load.unknown_field", "string.in"],
            vec![],
        ],
        "{json:#}"
    );

    // SARIF: valid by the Multitool, the rules described as the Widget's.
    let (code, sarif) = validate_widgets(&dir, ReportFormat::Sarif);
    assert_eq!(code, 1);
    let path = dir.join("out.sarif");
    std::fs::write(&path, &sarif).unwrap();
    assert_eq!(multitool_findings(&dir, &path), [], "{sarif}");
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let rules = &log["runs"][0]["tool"]["driver"]["rules"];
    let described = |id: &str| {
        rules
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["shortDescription"]["text"].as_str().unwrap().to_owned())
    };
    assert_eq!(
        described("string.in").as_deref(),
        Some("buf.validate rule 'string.in' of the Widget protos.")
    );
    assert!(sarif.contains("widget.red_replicas"), "{sarif}");

    // JUnit: read back by junitparser, a suite per file.
    let (code, junit) = validate_widgets(&dir, ReportFormat::Junit);
    assert_eq!(code, 1);
    let path = dir.join("report.xml");
    std::fs::write(&path, &junit).unwrap();
    let out = check(
        "junitparser",
        Command::new(venv().join("bin/python"))
            .args(["-c", READ_JUNIT])
            .arg(&path)
            .output(),
    );
    let suites: Value = serde_json::from_slice(&out.stdout).unwrap();
    let failures: Vec<i64> = suites
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["failures"].as_i64().unwrap() + s["errors"].as_i64().unwrap())
        .collect();
    assert_eq!(failures, [1, 1, 1, 0], "{junit}");

    // GitHub annotations: one per finding, at the file and line.
    let (code, github) = validate_widgets(&dir, ReportFormat::Github);
    assert_eq!(code, 1);
    let lines: Vec<&str> = github.lines().collect();
    assert_eq!(lines.len(), 4, "{github}");
    assert!(
        lines[0].starts_with(&format!("::error file={},line=4,", name("a-red.yaml"))),
        "{github}"
    );

    // A directory of valid widgets: exit 0 in every format.
    let good = scratch("widgets-good");
    std::fs::copy(dir.join("d-good.yaml"), good.join("good.yaml")).unwrap();
    for format in [
        ReportFormat::Human,
        ReportFormat::Json,
        ReportFormat::Sarif,
        ReportFormat::Junit,
        ReportFormat::Github,
    ] {
        assert_eq!(validate_widgets(&good, format).0, 0, "{format:?}");
    }
}

/// The library's `validate` is the command's code: on KubernetesJob
/// manifests it writes what `planton validate` writes, in every format.
#[test]
fn the_library_validation_is_the_commands() {
    use planton_cli::ReportFormat;
    let dir = scratch("same-as-command");
    let files = write_inputs(&dir);
    let validator = planton_kubernetes_job::JobValidator::new().unwrap();
    for (format, flag) in [
        (ReportFormat::Human, "human"),
        (ReportFormat::Json, "json"),
        (ReportFormat::Sarif, "sarif"),
        (ReportFormat::Junit, "junit"),
        (ReportFormat::Github, "github"),
    ] {
        let paths: Vec<PathBuf> = files.iter().map(|f| dir.join(f)).collect();
        let mut out = Vec::new();
        let code = planton_cli::validate(validator.engine(), &paths, format, false, &mut out);
        let command = Command::new(env!("CARGO_BIN_EXE_planton"))
            .args(["validate", "-o", flag])
            .args(&paths)
            .output()
            .unwrap();
        assert_eq!(i32::from(code), command.status.code().unwrap(), "{flag}");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            String::from_utf8(command.stdout).unwrap(),
            "{flag}"
        );
    }
}
