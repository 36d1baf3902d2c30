//! The `planton` binary, run as a user runs it.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::{planton, root};

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

#[test]
fn load_applies_the_defaults_unless_told_not_to() {
    let with = planton(&["load", "-o", "json", "examples/minimal.yaml"], None);
    let v: serde_json::Value = serde_json::from_str(&with.stdout).unwrap();
    let spec = &v["spec"];
    assert_eq!(spec["backoffLimit"], 6);
    assert_eq!(spec["parallelism"], 1);
    assert_eq!(spec["restartPolicy"], "Never");
    assert_eq!(spec["resources"]["limits"]["cpu"], "1000m");
    assert_eq!(spec["resources"]["requests"]["memory"], "100Mi");
    let without = planton(
        &[
            "load",
            "--no-defaults",
            "-o",
            "json",
            "examples/minimal.yaml",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_str(&without.stdout).unwrap();
    assert!(v["spec"].get("backoffLimit").is_none() && v["spec"].get("resources").is_none());
}

#[test]
fn validate_reports_like_rustc_and_exits_1() {
    let r = planton(
        &["validate", "tests/data/validate/mixed/many-violations.yaml"],
        None,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.is_empty());
    insta::assert_snapshot!("validate-human-many-violations", r.stdout);
    let ok = planton(
        &[
            "validate",
            "examples/data-migration.yaml",
            "examples/minimal.yaml",
        ],
        None,
    );
    assert_eq!(ok.code, 0, "{}", ok.stdout);
    assert_eq!(
        ok.stdout,
        "examples/data-migration.yaml: valid\nexamples/minimal.yaml: valid\n2 files: 2 valid, 0 invalid (0 violations), 0 not loaded\n"
    );
}

#[test]
fn validate_json_is_one_document_for_all_files() {
    let r = planton(
        &[
            "validate",
            "-o",
            "json",
            "examples/minimal.yaml",
            "tests/data/validate/spec/invalid-restart-policy-always.yaml",
        ],
        None,
    );
    assert_eq!(r.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("one JSON document");
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["file"], "examples/minimal.yaml");
    assert_eq!(files[0]["valid"], true);
    assert_eq!(files[0]["violations"], serde_json::json!([]));
    assert_eq!(files[1]["valid"], false);
    let v = &files[1]["violations"][0];
    assert_eq!(v["field_path"], "spec.restart_policy");
    assert_eq!(v["rule_id"], "string.in");
    assert_eq!(v["source"], "buf.validate");
    let text = std::fs::read_to_string(
        root().join("tests/data/validate/spec/invalid-restart-policy-always.yaml"),
    )
    .unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("restartPolicy: Always"))
        .unwrap()
        + 1;
    assert_eq!(
        (v["line"].as_u64(), v["column"].as_u64()),
        (Some(line as u64), Some(18))
    );
}

#[test]
fn validate_exits_2_when_a_file_does_not_load_and_still_reports_the_others() {
    let r = planton(
        &[
            "validate",
            "-o",
            "json",
            "tests/data/load/unknown-field.yaml",
            "missing.yaml",
            "examples/minimal.yaml",
        ],
        None,
    );
    assert_eq!(r.code, 2);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let files = doc["files"].as_array().unwrap();
    // An unknown field is a finding; the rest of the file was checked.
    assert_eq!(files[0]["loaded"], true);
    assert_eq!(files[0]["valid"], false);
    let unknown = files[0]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["rule_id"] == "load.unknown_field")
        .unwrap();
    assert_eq!(unknown["source"], "load");
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .contains("unknown field 'backofLimit'"),
        "{unknown}"
    );
    assert!(
        files[1]["error"]
            .as_str()
            .unwrap()
            .contains("cannot open 'missing.yaml'")
    );
    assert_eq!(files[1]["loaded"], false);
    assert_eq!(files[2]["valid"], true);
    let human = planton(&["validate", "missing.yaml"], None);
    assert_eq!(human.code, 2);
    assert_eq!(human.stderr, "");
    assert!(
        human
            .stdout
            .starts_with("error: cannot open 'missing.yaml'"),
        "{}",
        human.stdout
    );
    let usage = planton(&["validate"], None);
    assert_eq!(usage.code, 2);
}

#[test]
fn secret_values_never_appear_in_reports() {
    let secret = "Zq9-hunter2-SECRET";
    let manifest = format!(
        "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {{name: job}}\nspec:\n  namespace: {{value: ns}}\n  image: {{repo: busybox, tag: latest}}\n  env:\n    secrets: {{\"BAD NAME\": {{value: {secret}}}, OK: {{value: \"{secret}\"}}}}\n    variables:\n      K8S_POD_ID: {{value: x}}\n"
    );
    for args in [&["validate", "-"][..], &["validate", "-o", "json", "-"][..]] {
        let r = planton(args, Some(manifest.as_bytes()));
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stdout.contains("env_var_name"), "{}", r.stdout);
        assert!(
            !r.stdout.contains(secret) && !r.stderr.contains(secret),
            "{}",
            r.stdout
        );
    }
    // The quoted line is shown, masked.
    let r = planton(&["validate", "-"], Some(manifest.as_bytes()));
    assert!(
        r.stdout
            .contains("{\"BAD NAME\": {value: ******************}"),
        "{}",
        r.stdout
    );
}

/// Load errors and violations are findings alike: one run reports every
/// load error and every violation of the rest of the file, in order, each
/// with its rule, place and source line, all on standard output (so a
/// redirected report holds everything), and as structured entries in JSON.
#[test]
fn load_errors_are_findings_on_the_same_stream_as_violations() {
    let dir = temp_dir("findings");
    std::fs::write(
        dir.join("a.yaml"),
        "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata:\n  name: Report\n  labls: {team: a}\nspec:\n  namespace: {value: batch}\n  image: {repo: busybox, tag: latest}\n  parallelism: three\n  restartPolicy: Always\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b.yaml"),
        "kind: KubernetesJob\nspec: {command: [a\n",
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let r = planton(&["validate", d], None);
    assert_eq!(r.code, 2, "b.yaml does not load");
    assert_eq!(r.stderr, "", "everything on standard output");
    let heads: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("error["))
        .collect();
    assert_eq!(
        heads,
        [
            "error[kubernetes.dns1123_label]: must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit; it names the Job and is the value of its 'job-name' label",
            "error[load.unknown_field]: unknown field 'labls' in CloudResourceMetadata (did you mean 'labels'?)",
            "error[load.type]: expected an unsigned integer, found \"three\"",
            "error[string.in]: must be in list [OnFailure, Never]",
            "error[load.syntax]: invalid YAML: while parsing a flow sequence, expected ',' or ']'",
        ],
        "{}",
        r.stdout
    );
    for snippet in [
        "9 |   parallelism: three\n  |                ^^^^^ spec.parallelism\n",
        // The value of the unknown field is not known: masked.
        "5 |   labls: ****** **\n  |   ^^^^^ metadata.labls\n",
    ] {
        assert!(r.stdout.contains(snippet), "{snippet:?} in\n{}", r.stdout);
    }
    assert!(
        r.stdout.contains(&format!(" --> {d}/b.yaml:3:1\n")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .ends_with("2 files: 0 valid, 1 invalid (4 violations), 1 not loaded\n")
    );
    // Redirected to a file, the report is the same.
    let report = dir.join("report.txt");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_planton"))
        .args(["validate", d])
        .stdout(std::fs::File::create(&report).unwrap())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&report).unwrap(), r.stdout);

    let json = planton(&["validate", "-o", "json", d], None);
    assert_eq!((json.code, json.stderr.as_str()), (2, ""));
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let a = &doc["files"][0];
    assert_eq!(a["loaded"], true);
    let found: Vec<(String, String, u64, u64, u64, u64)> = a["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let n = |k: &str| v[k].as_u64().unwrap();
            (
                v["rule_id"].as_str().unwrap().to_owned(),
                v["source"].as_str().unwrap().to_owned(),
                n("line"),
                n("column"),
                n("end_line"),
                n("end_column"),
            )
        })
        .collect();
    let row =
        |rule: &str, source: &str, l, c, el, ec| (rule.to_owned(), source.to_owned(), l, c, el, ec);
    assert_eq!(
        found,
        [
            row("kubernetes.dns1123_label", "kubernetes", 4, 9, 4, 15),
            row("load.unknown_field", "load", 5, 3, 5, 8),
            row("load.type", "load", 9, 16, 9, 21),
            row("string.in", "buf.validate", 10, 18, 10, 24),
        ]
    );
    let b = &doc["files"][1];
    assert_eq!(
        (&b["loaded"], &b["valid"]),
        (&serde_json::json!(false), &serde_json::json!(false))
    );
    assert_eq!(b["violations"][0]["rule_id"], "load.syntax");
    assert_eq!(b["violations"][0]["line"], 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn standard_input_only_once() {
    let r = planton(&["validate", "-", "-"], Some(b""));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("only once"));
}

fn list_items(json: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(
        (&v["apiVersion"], &v["kind"]),
        (&serde_json::json!("v1"), &serde_json::json!("List"))
    );
    v["items"].as_array().unwrap().clone()
}

#[test]
fn render_prints_the_objects_in_apply_order() {
    for name in examples() {
        let path = format!("examples/{name}");
        let yaml = planton(&["render", &path], None);
        assert_eq!(yaml.code, 0, "{name}: {}", yaml.stderr);
        assert!(yaml.stdout.starts_with("---\n"));
        let json = planton(&["render", "-o", "json", &path], None);
        let items = list_items(&json.stdout);
        assert_eq!(items.last().unwrap()["kind"], "Job");
        assert_eq!(yaml.stdout.matches("---\n").count(), items.len(), "{name}");
    }
}

#[test]
fn render_is_byte_identical_across_runs() {
    let a = planton(
        &[
            "render",
            "--stack-input",
            "tests/data/render/stack-input.yaml",
            "--resolve",
            "tests/data/render/resolve.yaml",
        ],
        None,
    );
    let b = planton(
        &[
            "render",
            "--stack-input",
            "tests/data/render/stack-input.yaml",
            "--resolve",
            "tests/data/render/resolve.yaml",
        ],
        None,
    );
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn render_refuses_invalid_input_with_the_report_on_stderr_only() {
    let r = planton(
        &["render", "tests/data/validate/mixed/many-violations.yaml"],
        None,
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains("error[string.in]")
            && r.stderr.contains("warning[kubernetes.env_var_reserved]")
            && r.stderr.contains("9 violations, 1 warning"),
        "{}",
        r.stderr
    );
    let r = planton(&["render", "tests/data/load/unknown-field.yaml"], None);
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
}

#[test]
fn render_takes_the_side_inputs() {
    let r = planton(
        &[
            "render",
            "-o",
            "json",
            "examples/minimal.yaml",
            "--namespace",
            "override",
            "--docker-config-json",
            "tests/data/render/docker-config.json",
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let items = list_items(&r.stdout);
    let kinds: Vec<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Secret", "Job"]);
    assert_eq!(items[0]["type"], "kubernetes.io/dockerconfigjson");
    assert!(
        items
            .iter()
            .all(|i| i["metadata"]["namespace"] == "override")
    );

    let r = planton(
        &[
            "render",
            "-o",
            "json",
            "--stack-input",
            "tests/data/render/stack-input.yaml",
            "--resolve",
            "tests/data/render/resolve.yaml",
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let items = list_items(&r.stdout);
    let job = items.last().unwrap();
    assert_eq!(job["metadata"]["namespace"], "sync");
    let env = &job["spec"]["template"]["spec"]["containers"][0]["env"];
    assert_eq!(
        env[2],
        serde_json::json!({"name": "UPSTREAM_URL", "value": "http://api.sync.svc:8080"})
    );
}

#[test]
fn render_names_an_unresolved_reference() {
    let r = planton(
        &[
            "render",
            "--stack-input",
            "tests/data/render/stack-input.yaml",
        ],
        None,
    );
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    assert!(
        r.stderr.contains(
            "spec.env.variables[\"UPSTREAM_URL\"]: the valueFrom reference was not resolved"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn render_rejects_bad_side_inputs_without_echoing_them() {
    let dir = std::env::temp_dir().join(format!("planton-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("config.json");
    std::fs::write(&bad, "not-json Secret-Token-4411").unwrap();
    let r = planton(
        &[
            "render",
            "examples/minimal.yaml",
            "--docker-config-json",
            bad.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    assert!(
        r.stderr.contains("the docker config is not a JSON object")
            && !r.stderr.contains("Secret-Token-4411"),
        "{}",
        r.stderr
    );
    let resolve = dir.join("resolve.yaml");
    std::fs::write(&resolve, "Nope/x: {a: b}\n").unwrap();
    let r = planton(
        &[
            "render",
            "examples/minimal.yaml",
            "--resolve",
            resolve.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown kind 'Nope'"), "{}", r.stderr);
    let r = planton(
        &["render", "examples/minimal.yaml", "--stack-input", "x.yaml"],
        None,
    );
    assert_eq!(r.code, 2, "a manifest and a stack input are exclusive");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn outputs_are_proto3_json() {
    let r = planton(&["outputs", "examples/data-migration.yaml"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "{\n  \"jobName\": \"data-migration\",\n  \"namespace\": \"batch-jobs\"\n}\n"
    );
    let r = planton(
        &["outputs", "--namespace", "elsewhere", "-"],
        Some(&std::fs::read(root().join("examples/minimal.yaml")).unwrap()),
    );
    assert_eq!(
        r.stdout,
        "{\n  \"jobName\": \"hello\",\n  \"namespace\": \"elsewhere\"\n}\n"
    );
}

#[test]
fn tf_and_pulumi_commands() {
    let vars = planton(&["tf", "variables"], None);
    assert_eq!(vars.code, 0);
    let committed = std::fs::read_to_string(root().join("iac/tf/variables.tf")).unwrap();
    assert_eq!(
        vars.stdout, committed,
        "iac/tf/variables.tf is stale: regenerate it with `planton tf variables`"
    );

    let tfvars = planton(
        &[
            "tf",
            "vars",
            "examples/data-migration.yaml",
            "--namespace",
            "resolved",
        ],
        None,
    );
    assert_eq!(tfvars.code, 0, "{}", tfvars.stderr);
    let v: serde_json::Value = serde_json::from_str(&tfvars.stdout).unwrap();
    assert_eq!(v["kubernetes_namespace"], "resolved");
    assert_eq!(v["spec"]["backoff_limit"], 3);
    assert_eq!(v["spec"]["resources"]["limits"]["cpu"], "1000m");
    assert_eq!(v["metadata"]["name"], "data-migration");
    let bad = planton(
        &[
            "tf",
            "vars",
            "tests/data/validate/mixed/many-violations.yaml",
        ],
        None,
    );
    assert_eq!((bad.code, bad.stdout.as_str()), (1, ""));

    let program = planton(&["pulumi", "program", "examples/minimal.yaml"], None);
    assert_eq!(program.code, 0, "{}", program.stderr);
    assert!(
        program.stdout.contains("runtime: yaml")
            && program.stdout.contains("type: kubernetes:batch/v1:Job")
    );
    let secret = planton(&["pulumi", "program", "-"], Some(b"apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {name: j}\nspec: {namespace: {value: ns}, image: {repo: r, tag: t}, env: {secrets: {A: {value: Xyz-Secret-77}}}}\n"));
    assert!(
        secret.stdout.contains("fn::secret: Xyz-Secret-77"),
        "{}",
        secret.stdout
    );
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("planton-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn validate_walks_directories_in_sorted_order() {
    let dir = temp_dir("walk");
    let good = std::fs::read_to_string(root().join("examples/minimal.yaml")).unwrap();
    let bad = std::fs::read_to_string(
        root().join("tests/data/validate/spec/invalid-restart-policy-always.yaml"),
    )
    .unwrap();
    for (path, text) in [
        ("b/2.yaml", &good),
        ("b/1.yml", &bad),
        ("a.json", &good),
        ("notes.txt", &bad),
        ("c/d/e.yaml", &good),
    ] {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    std::fs::write(
        dir.join("a.json"),
        planton(&["load", "-o", "json", "examples/minimal.yaml"], None).stdout,
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let r = planton(&["validate", d], None);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let files: Vec<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.strip_suffix(": valid"))
        .collect();
    assert_eq!(files.len(), 3);
    assert!(
        files[0].ends_with("a.json")
            && files[1].ends_with("b/2.yaml")
            && files[2].ends_with("c/d/e.yaml"),
        "{files:?}"
    );
    assert!(
        r.stdout
            .ends_with("4 files: 3 valid, 1 invalid (1 violations), 0 not loaded\n"),
        "{}",
        r.stdout
    );
    // The same run gives byte-identical output, whatever the thread timing.
    for _ in 0..3 {
        assert_eq!(planton(&["validate", d], None).stdout, r.stdout);
    }
    let json = planton(&["validate", "-o", "json", d], None);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["files"].as_array().unwrap().len(), 4);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn render_into_a_directory_writes_only_what_rendered() {
    let dir = temp_dir("render-in");
    let out = temp_dir("render-out");
    std::fs::create_dir_all(dir.join("team")).unwrap();
    std::fs::copy(
        root().join("examples/data-migration.yaml"),
        dir.join("team/migrate.yaml"),
    )
    .unwrap();
    std::fs::copy(root().join("examples/minimal.yaml"), dir.join("hello.yml")).unwrap();
    std::fs::copy(
        root().join("tests/data/validate/spec/invalid-completion-mode.yaml"),
        dir.join("broken.yaml"),
    )
    .unwrap();
    std::fs::write(dir.join("garbage.yaml"), "kind: [").unwrap();
    let r = planton(
        &[
            "render",
            dir.to_str().unwrap(),
            "--out-dir",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("error[string.in]") && r.stderr.contains("invalid YAML"),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout.starts_with("4 files: 2 rendered into "),
        "{}",
        r.stdout
    );
    let mut written: Vec<String> = Vec::new();
    for e in std::fs::read_dir(&out).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            for f in std::fs::read_dir(&p).unwrap() {
                written.push(
                    f.unwrap()
                        .path()
                        .strip_prefix(&out)
                        .unwrap()
                        .display()
                        .to_string(),
                );
            }
        } else {
            written.push(p.strip_prefix(&out).unwrap().display().to_string());
        }
    }
    written.sort();
    assert_eq!(
        written,
        ["hello.yaml", "team/migrate.yaml"],
        "nothing for the failures, no temporary files"
    );
    let single = planton(&["render", "examples/minimal.yaml"], None);
    assert_eq!(
        std::fs::read_to_string(out.join("hello.yaml")).unwrap(),
        single.stdout
    );
    let r = planton(&["render", dir.to_str().unwrap()], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("needs --out-dir"));
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&out).unwrap();
}

/// Found in review: outputs that collide or overwrite inputs, output
/// directories inside the input tree, symlink cycles, empty directories.
#[test]
fn render_into_a_directory_refuses_clobbering() {
    let dir = temp_dir("clobber");
    std::fs::create_dir_all(dir.join("in/sub")).unwrap();
    for ext in ["yaml", "yml", "json"] {
        std::fs::copy(
            root().join("examples/minimal.yaml"),
            dir.join(format!("in/sub/a.{ext}")),
        )
        .unwrap();
    }
    std::os::unix::fs::symlink("..", dir.join("in/sub/up")).unwrap();
    let out = dir.join("in/out");
    let r = planton(
        &[
            "render",
            dir.join("in").to_str().unwrap(),
            "--out-dir",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stdout.lines().next().unwrap(),
        format!(
            "3 files: 1 rendered into {}, 0 invalid, 2 not rendered",
            out.display()
        )
    );
    assert_eq!(
        r.stderr
            .matches("is also the output of an earlier input")
            .count(),
        2,
        "{}",
        r.stderr
    );
    // A second run does not walk into its own output directory.
    let again = planton(
        &[
            "render",
            dir.join("in").to_str().unwrap(),
            "--out-dir",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(again.stdout.starts_with("3 files:"), "{}", again.stdout);
    // A single file rendered onto itself is refused and left alone.
    let single = dir.join("m.yaml");
    std::fs::copy(root().join("examples/minimal.yaml"), &single).unwrap();
    let r = planton(
        &[
            "render",
            single.to_str().unwrap(),
            "--out-dir",
            dir.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("would overwrite its own input"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read(&single).unwrap(),
        std::fs::read(root().join("examples/minimal.yaml")).unwrap()
    );
    // An empty directory is not a silent success.
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    let r = planton(&["validate", dir.join("empty").to_str().unwrap()], None);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("no manifests"), "{}", r.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn render_takes_standard_input_once() {
    let text = std::fs::read(root().join("examples/minimal.yaml")).unwrap();
    let r = planton(&["render", "-", "--docker-config-json", "-"], Some(&text));
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    assert!(
        r.stderr
            .contains("standard input ('-') can be given only once"),
        "{}",
        r.stderr
    );
}

/// Found in review: resolve values were read as YAML 1.1 numbers and booleans
/// and stringified (1.10 became "1.1"), and duplicate keys were accepted.
#[test]
fn resolve_values_are_strings_and_keys_unique() {
    let dir = temp_dir("resolve");
    let f = dir.join("values.yaml");
    std::fs::write(
        &f,
        "KubernetesPostgres/pg:\n  status.outputs.version: 1.10\n",
    )
    .unwrap();
    let r = planton(
        &[
            "render",
            "examples/minimal.yaml",
            "--resolve",
            f.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    assert!(
        r.stderr.contains(
            "[\"KubernetesPostgres/pg\"][\"status.outputs.version\"]: this unquoted value is a number in YAML 1.1 (as kubectl reads it) and plain text in YAML 1.2; quote it to mean the text at 2:27"
        ),
        "{}",
        r.stderr
    );
    std::fs::write(&f, "KubernetesPostgres/pg:\n  a: \"x\"\n  a: \"y\"\n").unwrap();
    let r = planton(
        &[
            "render",
            "examples/minimal.yaml",
            "--resolve",
            f.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("duplicate key (first at 2:3) at 3:3"),
        "{}",
        r.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--resolve` values follow the manifest's scalar rules (`port: 5432` is
/// the text "5432", `1.10` must be quoted, every problem reported at once),
/// and every unresolved reference is named at once.
#[test]
fn resolve_files_take_the_manifest_scalar_rules_and_all_references_are_named() {
    let dir = temp_dir("resolve-rules");
    let manifest = dir.join("job.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {name: job}\nspec:\n  namespace: {value: ns}\n  image: {repo: busybox, tag: latest}\n  env:\n    variables:\n      DB_HOST: {valueFrom: {kind: KubernetesPostgres, name: pg, fieldPath: status.outputs.host}}\n      DB_PORT: {valueFrom: {kind: KubernetesPostgres, name: pg, fieldPath: status.outputs.port}}\n      DB_TLS: {valueFrom: {kind: KubernetesPostgres, name: pg, fieldPath: status.outputs.tls}}\n",
    )
    .unwrap();
    let m = manifest.to_str().unwrap();
    // No resolver: the three variables are named in one message.
    let r = planton(&["render", m], None);
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    assert!(
        r.stderr.contains("the valueFrom reference was not resolved for 3 variables: spec.env.variables[\"DB_HOST\"], spec.env.variables[\"DB_PORT\"], spec.env.variables[\"DB_TLS\"]; resolve each first"),
        "{}",
        r.stderr
    );
    // Unquoted values that read back unchanged are their text, as in a manifest.
    let values = dir.join("values.yaml");
    std::fs::write(
        &values,
        "KubernetesPostgres/pg:\n  status.outputs.host: pg.db.svc\n  status.outputs.port: 5432\n  status.outputs.tls: true\n",
    )
    .unwrap();
    let r = planton(
        &[
            "render",
            m,
            "--resolve",
            values.to_str().unwrap(),
            "-o",
            "json",
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let job = list_items(&r.stdout)
        .into_iter()
        .find(|o| o["kind"] == "Job")
        .unwrap();
    let env = job["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap()
        .clone();
    let value = |name: &str| {
        env.iter()
            .find(|e| e["name"] == name)
            .map(|e| e["value"].clone())
            .unwrap()
    };
    assert_eq!(
        (value("DB_HOST"), value("DB_PORT"), value("DB_TLS")),
        (
            serde_json::json!("pg.db.svc"),
            serde_json::json!("5432"),
            serde_json::json!("true")
        )
    );
    // Values the two YAML versions read differently are refused, all at once.
    std::fs::write(
        &values,
        "KubernetesPostgres/pg:\n  status.outputs.host: 1.10\n  status.outputs.port: 0755\n  status.outputs.tls: yes\n",
    )
    .unwrap();
    let r = planton(&["render", m, "--resolve", values.to_str().unwrap()], None);
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    assert!(r.stderr.contains(": 3 errors:\n"), "{}", r.stderr);
    for at in ["at 2:24", "at 3:24", "at 4:23"] {
        assert!(r.stderr.contains(at), "{at}: {}", r.stderr);
    }
    // In a JSON file, only strings are text.
    let json = dir.join("values.json");
    std::fs::write(
        &json,
        r#"{"KubernetesPostgres/pg": {"status.outputs.host": "pg", "status.outputs.port": 5432, "status.outputs.tls": "true"}}"#,
    )
    .unwrap();
    let r = planton(&["render", m, "--resolve", json.to_str().unwrap()], None);
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    assert!(
        r.stderr.contains(
            "[\"KubernetesPostgres/pg\"][\"status.outputs.port\"]: expected a string, found a number at 1:80"
        ),
        "{}",
        r.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn warnings_are_reported_and_fail_only_with_strict() {
    let path = "tests/data/tf/env-overrides.yaml";
    let r = planton(&["validate", path], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("warning[kubernetes.env_var_duplicate]")
            && r.stdout.contains("warning[kubernetes.env_var_reserved]")
            && r.stdout.contains(&format!("{path}: valid, 3 warnings")),
        "{}",
        r.stdout
    );
    let r = planton(&["validate", "-o", "json", path], None);
    assert_eq!(r.code, 0);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["files"][0]["valid"], true);
    assert_eq!(report["files"][0]["violations"][0]["severity"], "warning");
    let r = planton(&["validate", "--strict", path], None);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("3 violations"), "{}", r.stdout);

    // render prints the warnings on standard error and renders each name once,
    // with its last definition.
    let r = planton(&["render", "-o", "json", path], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("warning[kubernetes.env_var_duplicate]"),
        "{}",
        r.stderr
    );
    let list: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let job = list["items"].as_array().unwrap().last().unwrap().clone();
    let env = &job["spec"]["template"]["spec"]["containers"][0]["env"];
    let names: Vec<&str> = env
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["HOSTNAME", "MODE", "K8S_POD_ID", "LOG_LEVEL"]);
    assert_eq!(env[0]["value"], "worker-1");
    assert_eq!(
        env[3]["valueFrom"]["secretKeyRef"]["name"],
        "env-overrides-env-secrets"
    );
    let r = planton(&["render", "--strict", path], None);
    assert_eq!((r.code, r.stdout.as_str()), (1, ""), "{}", r.stderr);
    assert!(
        r.stderr.contains("error[kubernetes.env_var_reserved]"),
        "{}",
        r.stderr
    );
}

#[test]
fn validate_help_mentions_directories() {
    let run = planton(&["validate", "--help"], None);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("directories (walked recursively"),
        "{}",
        run.stdout
    );
}

/// A tree like a repository's: Planton manifests beside other YAML (a CI
/// workflow, Helm values that mention `kind` in a nested map, a JSON file,
/// a list, a Kubernetes Deployment) and a vendored copy.
fn mixed_tree(tag: &str) -> PathBuf {
    let dir = temp_dir(tag);
    let good = std::fs::read_to_string(root().join("examples/minimal.yaml")).unwrap();
    for (path, text) in [
        ("jobs/a.yaml", good.as_str()),
        ("jobs/sub/b.yml", good.as_str()),
        ("vendor/lib/c.yaml", good.as_str()),
        ("jobs/generated/d.json", "{\"not\": \"a manifest\"}"),
        (
            ".github/workflows/ci.yml",
            "on: push\njobs:\n  test: {runs-on: ubuntu-latest}\n",
        ),
        ("charts/app/values.yaml", "image: {kind: private}\n"),
        ("lists/steps.yaml", "- one\n- two\n"),
        (
            "k8s/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
        ),
    ] {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn valid_files(stdout: &str, dir: &std::path::Path) -> Vec<String> {
    let prefix = format!("{}/", dir.display());
    stdout
        .lines()
        .filter_map(|l| l.strip_suffix(": valid"))
        .map(|l| l.strip_prefix(&prefix).unwrap_or(l).to_owned())
        .collect()
}

#[test]
fn a_walk_skips_other_yaml_with_a_note_and_does_not_fail() {
    let dir = mixed_tree("not-manifest");
    let d = dir.to_str().unwrap();
    let r = planton(&["validate", d], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        valid_files(&r.stdout, &dir),
        ["jobs/a.yaml", "jobs/sub/b.yml", "vendor/lib/c.yaml"]
    );
    let mut notes: Vec<&str> = r.stderr.lines().collect();
    notes.sort_unstable();
    let expected: Vec<String> = [
        (".github/workflows/ci.yml", "no apiVersion/kind"),
        ("charts/app/values.yaml", "no apiVersion/kind"),
        ("jobs/generated/d.json", "no apiVersion/kind"),
        (
            "k8s/deployment.yaml",
            "another apiVersion than *.project-planton.org",
        ),
        ("lists/steps.yaml", "no apiVersion/kind"),
    ]
    .iter()
    .map(|(p, why)| format!("note: skipped '{d}/{p}': not a Planton manifest ({why})"))
    .collect();
    assert_eq!(notes, expected, "one short line each, nothing else");
    // A file named on the command line is a manifest, whatever it holds.
    let values = format!("{d}/charts/app/values.yaml");
    let r = planton(&["validate", &values], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("error[load.missing_kind]: missing 'kind'"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("= field:"), "no empty field line");
    // A manifest with a syntax error, without only its kind, or with a
    // Planton kind under a wrong apiVersion (refused by the rules), still
    // fails.
    let broken = [
        ("jobs/broken.yaml", "apiVersion: x\nkind: [\n"),
        (
            "jobs/kindless.yaml",
            "apiVersion: kubernetes.project-planton.org/v1\nmetadata: {name: x}\n",
        ),
        (
            "jobs/wrong-api.yaml",
            "apiVersion: v1\nkind: KubernetesJob\nmetadata: {name: x}\n",
        ),
        ("jobs/kind-only.yaml", "kind: Deployment\n"),
    ];
    for (path, text) in broken {
        std::fs::write(dir.join(path), text).unwrap();
    }
    let r = planton(&["validate", d], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    for (path, _) in broken {
        assert!(
            !r.stderr.contains(&format!("skipped '{d}/{path}'")),
            "{path}: {}",
            r.stderr
        );
    }
    for path in [
        "jobs/broken.yaml",
        "jobs/kindless.yaml",
        "jobs/kind-only.yaml",
    ] {
        // Reported like every finding, on the report's stream.
        assert!(
            r.stdout.contains(&format!("--> {d}/{path}")),
            "{path}: {}",
            r.stdout
        );
    }
    assert!(
        r.stdout
            .contains("error[string.const]: must equal `kubernetes.project-planton.org/v1`")
            && r.stdout
                .contains(&format!("{d}/jobs/wrong-api.yaml: 3 violations")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("7 files: 3 valid, 1 invalid (3 violations), 3 not loaded"),
        "{}",
        r.stdout
    );
    // render --out-dir skips them too, and writes nothing for them.
    for (path, _) in broken {
        std::fs::remove_file(dir.join(path)).unwrap();
    }
    let out = temp_dir("not-manifest-out");
    let r = planton(&["render", d, "--out-dir", out.to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("3 files: 3 rendered"), "{}", r.stdout);
    assert!(!out.join("charts").exists() && !out.join("lists").exists());
    assert!(!out.join("k8s").exists());
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn exclude_globs_skip_paths_relative_to_the_walked_directory() {
    let dir = mixed_tree("exclude");
    let d = dir.to_str().unwrap();
    let valid = |extra: &[&str]| {
        let mut args = vec!["validate", d];
        args.extend_from_slice(extra);
        let r = planton(&args, None);
        assert_eq!(r.code, 0, "{extra:?}: {}", r.stderr);
        valid_files(&r.stdout, &dir)
    };
    // A name without '/' matches at any depth; a directory is not entered.
    assert_eq!(
        valid(&["--exclude", "vendor"]),
        ["jobs/a.yaml", "jobs/sub/b.yml"]
    );
    assert_eq!(
        valid(&["--exclude", "*.yml"]),
        ["jobs/a.yaml", "vendor/lib/c.yaml"]
    );
    // With '/', the whole relative path; '*' stays within a component.
    assert_eq!(valid(&["--exclude", "jobs/*"]), ["vendor/lib/c.yaml"]);
    assert_eq!(
        valid(&["--exclude", "jobs/*.yaml"]),
        ["jobs/sub/b.yml", "vendor/lib/c.yaml"]
    );
    assert_eq!(
        valid(&["--exclude", "jobs/**/*.yml", "--exclude", "./vendor/"]),
        ["jobs/a.yaml"]
    );
    // A trailing '/' keeps a name a name; a leading './' anchors it.
    assert_eq!(
        valid(&["--exclude", "lib/"]),
        ["jobs/a.yaml", "jobs/sub/b.yml"]
    );
    assert_eq!(
        valid(&["--exclude", "./lib"]),
        ["jobs/a.yaml", "jobs/sub/b.yml", "vendor/lib/c.yaml"]
    );
    assert_eq!(valid(&["--exclude", "/jobs"]), ["vendor/lib/c.yaml"]);
    // Not matched against the directory's own path: 'planton-*' names it.
    assert_eq!(
        valid(&["--exclude", "planton-*"]),
        ["jobs/a.yaml", "jobs/sub/b.yml", "vendor/lib/c.yaml"]
    );
    // Files named on the command line are never excluded.
    let a = format!("{d}/jobs/a.yaml");
    let r = planton(&["validate", &a, "--exclude", "*.yaml"], None);
    assert_eq!(
        (r.code, r.stdout.trim_end()),
        (0, format!("{a}: valid").as_str())
    );
    // Everything excluded is an error, as an empty directory is.
    let r = planton(&["validate", d, "--exclude", "*"], None);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("that --exclude leaves"), "{}", r.stdout);
    // A bad pattern is a usage error naming it, before anything runs.
    let r = planton(&["validate", d, "--exclude", "a[b"], None);
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    assert!(
        r.stderr.starts_with("error: --exclude 'a[b': "),
        "{}",
        r.stderr
    );
    // render --out-dir takes the same patterns.
    let out = temp_dir("exclude-out");
    let r = planton(
        &[
            "render",
            d,
            "--out-dir",
            out.to_str().unwrap(),
            "--exclude",
            "vendor",
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(out.join("jobs/a.yaml").exists() && !out.join("vendor").exists());
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&out).unwrap();
}

/// A one-line JSON mebibyte: the human report shows a window of the line
/// around the column (60 characters before, 100 after, an ellipsis at each
/// cut end), as rustc does, with the caret under the value; not the line.
#[test]
fn a_long_line_is_shown_as_a_window_around_the_column() {
    let dir = temp_dir("long-line");
    let before = format!(
        "{{\"apiVersion\":\"kubernetes.project-planton.org/v1\",\"kind\":\"KubernetesJob\",\"metadata\":{{\"name\":\"job\"}},\"spec\":{{\"namespace\":{{\"value\":\"batch\"}},\"image\":{{\"repo\":\"busybox\",\"tag\":\"1.36\"}},\"configMaps\":{{\"big\":\"{}\"}},\"restartPolicy\":",
        "x".repeat(512 * 1024)
    );
    let after = format!("\"Always\",\"args\":[\"{}\"]}}}}", "y".repeat(512 * 1024));
    let text = format!("{before}{after}");
    assert!(text.len() > 1 << 20 && !text.contains('\n'));
    let file = dir.join("long.json");
    std::fs::write(&file, &text).unwrap();
    let r = planton(&["validate", file.to_str().unwrap()], None);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let column = before.chars().count() + 1;
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[1],
        format!(" --> {}:1:{column}", file.display()),
        "{}",
        r.stdout
    );
    let window_before: String = before.chars().skip(before.chars().count() - 60).collect();
    let window_after: String = after.chars().take(100).collect();
    assert_eq!(lines[3], format!("1 | …{window_before}{window_after}…"));
    assert_eq!(
        lines[4],
        format!("  | {}^^^^^^^^ spec.restart_policy", " ".repeat(61))
    );
    assert!(r.stdout.len() < 1000, "{} bytes", r.stdout.len());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The `Usage:` block of a clap message (up to the next blank line).
fn usage_block(text: &str) -> String {
    let start = text
        .find("Usage: ")
        .unwrap_or_else(|| panic!("no usage in {text}"));
    text[start..]
        .split("\n\n")
        .next()
        .unwrap()
        .trim_end()
        .to_owned()
}

/// After an argument conflict (or any usage error), the usage printed is
/// the command's own, as `--help` shows it: every form, options included,
/// not clap's guess built from the arguments that were given.
#[test]
fn usage_errors_print_the_commands_whole_usage() {
    let render_like = |cmd: &str, input: &str| {
        format!(
            "Usage: planton {cmd} [OPTIONS] <{input}>\n       planton {cmd} [OPTIONS] --stack-input <FILE>"
        )
    };
    type Case<'a> = (&'a [&'a str], Vec<&'a [&'a str]>, String);
    let cases: Vec<Case> = vec![
        (
            &["render"],
            vec![
                &["--out-dir", "x", "-o", "json", "a.yaml", "b.yaml"],
                &["a.yaml", "--stack-input", "b.yaml"],
                &["--strict"],
            ],
            render_like("render", "FILE|DIR|-"),
        ),
        (
            &["apply"],
            vec![
                &["a.yaml", "--timeout", "5"],
                &["a.yaml", "--stack-input", "b.yaml"],
            ],
            render_like("apply", "FILE|DIR|-"),
        ),
        (
            &["delete"],
            vec![&["a.yaml", "--stack-input", "b.yaml"], &[]],
            render_like("delete", "FILE|DIR|-"),
        ),
        (
            &["outputs"],
            vec![&["a.yaml", "--stack-input", "b.yaml"], &["a", "b"]],
            render_like("outputs", "FILE|-"),
        ),
        (
            &["tf", "vars"],
            vec![&["a.yaml", "--stack-input", "b.yaml"]],
            render_like("tf vars", "FILE|-"),
        ),
        (
            &["pulumi", "program"],
            vec![&["a.yaml", "--stack-input", "b.yaml"]],
            render_like("pulumi program", "FILE|-"),
        ),
        (
            &["validate"],
            vec![&["--strict"], &["-o", "json", "-o", "sarif", "a"]],
            "Usage: planton validate [OPTIONS] <FILE|DIR|->...".to_owned(),
        ),
        (
            &["load"],
            vec![&["a", "b"], &["--no-defaults"]],
            "Usage: planton load [OPTIONS] <FILE|->".to_owned(),
        ),
    ];
    for (command, errors, expected) in cases {
        let mut help = command.to_vec();
        help.push("--help");
        let h = planton(&help, None);
        assert_eq!(h.code, 0, "{help:?}");
        assert_eq!(usage_block(&h.stdout), expected, "{help:?} --help");
        for extra in errors {
            let mut args = command.to_vec();
            args.extend_from_slice(extra);
            let r = planton(&args, None);
            assert_eq!((r.code, r.stdout.as_str()), (2, ""), "{args:?}");
            assert!(r.stderr.starts_with("error: "), "{args:?}: {}", r.stderr);
            assert_eq!(usage_block(&r.stderr), expected, "{args:?}: {}", r.stderr);
        }
    }
}
