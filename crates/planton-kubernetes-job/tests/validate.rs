//! Data-driven validation cases: each file under `tests/data/validate/` is a
//! manifest whose header states the expected violations (`# expect: RULE PATH`
//! lines, or `# expect: valid`; warnings are expected the same way). The test
//! checks exactly those, and the whole report (positions and messages too) is
//! reviewed as a snapshot.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::LazyLock;

use planton_kubernetes_job::{JobValidator, Severity};

static VALIDATOR: LazyLock<JobValidator> = LazyLock::new(|| JobValidator::new().unwrap());

fn run_case(path: &Path) -> String {
    run(path, false)
}

/// A case that is a manifest, or a stack input (`stack_input`).
fn run(path: &Path, stack_input: bool) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy();
    let checked = if stack_input {
        VALIDATOR.check_stack_input(&text)
    } else {
        VALIDATOR.check(&text)
    }
    .unwrap_or_else(|e| panic!("{name} loads: {e}"));
    assert!(
        checked.load_errors.is_empty(),
        "{name} loads cleanly: {:?}",
        checked.load_errors
    );

    let mut expected: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .filter(|l| *l != "valid")
        .map(str::to_owned)
        .collect();
    assert!(
        text.contains("# expect: "),
        "{name} states its expected outcome"
    );
    let mut actual: Vec<String> = checked
        .violations
        .iter()
        .map(|v| format!("{} {}", v.rule_id, v.field_path))
        .collect();
    expected.sort();
    actual.sort();
    assert_eq!(
        actual, expected,
        "{name}: violations (rule path) differ from the '# expect:' lines"
    );

    assert_eq!(
        checked.is_valid(),
        checked
            .violations
            .iter()
            .all(|v| v.severity == Severity::Warning),
        "{name}: valid exactly when every finding is a warning"
    );
    if checked.violations.is_empty() {
        return "valid\n".into();
    }
    let mut out = String::new();
    for v in &checked.violations {
        let at = v.location.map_or("-".into(), |l| l.to_string());
        let warning = if v.is_error() { "" } else { ", warning" };
        let _ = writeln!(
            out,
            "{at} {} [{}] ({}{warning}) {}",
            v.field_path, v.rule_id, v.source, v.message
        );
    }
    out
}

#[test]
fn upstream_spec_cases() {
    insta::glob!("../../../tests/data/validate/spec", "*.yaml", |path| {
        let report = run_case(path);
        // As in upstream's spec_test.go, the file name gives the verdict.
        let name = path.file_name().unwrap().to_string_lossy();
        assert_eq!(report == "valid\n", name.starts_with("valid-"), "{name}");
        insta::assert_snapshot!(report);
    });
}

#[test]
fn kubernetes_rule_cases() {
    insta::glob!(
        "../../../tests/data/validate/kubernetes",
        "*.yaml",
        |path| {
            let report = run_case(path);
            let name = path.file_stem().unwrap().to_string_lossy();
            assert_eq!(report == "valid\n", name.ends_with("-ok"), "{name}");
            insta::assert_snapshot!(report);
        }
    );
}

#[test]
fn mixed_cases() {
    insta::glob!(
        "../../../tests/data/validate/mixed",
        "*.{yaml,json}",
        |path| {
            insta::assert_snapshot!(run_case(path));
        }
    );
}

/// Cases of the rules on what only a stack input has (its docker config),
/// under `tests/data/stack-input/` (not manifests: the differential test,
/// which reads `tests/data/validate/`, has no stack inputs).
#[test]
fn stack_input_cases() {
    insta::glob!("../../../tests/data/stack-input", "*.yaml", |path| {
        insta::assert_snapshot!(run(path, true));
    });
}

#[test]
fn every_rule_has_a_case() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data");
    let mut covered = String::new();
    for dir in ["validate/kubernetes", "stack-input"] {
        for entry in std::fs::read_dir(data.join(dir)).unwrap() {
            covered.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
    }
    let shared = planton_kubernetes_job::Rule::ALL.map(|r| r.id());
    let job_only = planton_kubernetes_job::JobRule::ALL.map(|r| r.id());
    for id in shared.iter().chain(&job_only) {
        assert!(
            covered.contains(&format!("# expect: {id} ")),
            "no case expects {id}"
        );
    }
}

/// The annotations' total size (keys and values) is bounded as the API
/// server bounds it: 256 KiB is accepted, one byte more is not. Generated
/// here rather than kept as a 256 KiB data file.
#[test]
fn annotations_total_size() {
    let manifest = |total: usize| {
        // Two annotations: "a" + value, "bb" + value, `total` bytes in all.
        let first = total / 2;
        format!(
            "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata:\n  name: job\n  annotations:\n    a: {}\n    bb: {}\nspec:\n  namespace: {{value: batch}}\n  image: {{repo: busybox, tag: \"1.36\"}}\n",
            "x".repeat(first - 1),
            "y".repeat(total - first - 2),
        )
    };
    let findings = |total: usize| -> Vec<(String, String, String)> {
        VALIDATOR
            .check(&manifest(total))
            .unwrap()
            .violations
            .into_iter()
            .map(|v| (v.rule_id, v.field_path, v.message))
            .collect()
    };
    assert_eq!(findings(256 * 1024), []);
    assert_eq!(
        findings(256 * 1024 + 1),
        [(
            "kubernetes.annotation".to_owned(),
            "metadata.annotations".to_owned(),
            "the annotations must be at most 262144 bytes in total, keys and values (they have 262145)".to_owned()
        )]
    );
}

/// A manifest with fields that do not load is still defaulted and validated:
/// the load errors come back beside the violations of the rest, and the
/// violations that would only repeat a load error are left out.
#[test]
fn check_recovers_from_field_errors() {
    let text = "apiVersion: kubernetes.project-planton.org/v1
kind: KubernetesJob
metadata: {name: Report, labls: {a: b}}
spec:
  namespace: {value: ns}
  image: {repo: busybox, tag: latest}
  parallelism: three
  restartPolicy: Always
  env:
    variables: {A: {value: 1.10}}
    secrets: {TOKEN: [hunter2]}
";
    let checked = VALIDATOR.check(text).unwrap();
    assert!(!checked.is_valid());
    let load: Vec<String> = checked
        .load_errors
        .iter()
        .map(|e| format!("{} {} {}-{}", e.rule, e.path, e.location, e.end))
        .collect();
    assert_eq!(
        load,
        [
            "load.unknown_field metadata.labls 3:26-3:31",
            "load.type spec.parallelism 7:16-7:21",
            "load.ambiguous_scalar spec.env.variables[\"A\"].value 10:28-10:32",
            "load.type spec.env.secrets[\"TOKEN\"] 11:22-11:31",
        ]
    );
    // The rest is validated (the name, the restart policy); the variable
    // and the secret whose values did not load are not also reported as
    // lacking a value. The parallelism was defaulted.
    let violations: Vec<String> = checked
        .violations
        .iter()
        .map(|v| format!("{} {}", v.rule_id, v.field_path))
        .collect();
    assert_eq!(
        violations,
        [
            "kubernetes.dns1123_label metadata.name",
            "string.in spec.restart_policy",
        ]
    );
    let job: planton_kubernetes_job::planton_api::KubernetesJob =
        checked.document.to_typed().unwrap();
    assert_eq!(job.spec.unwrap().parallelism, Some(1));
    // Findings: both, by position, load errors as violations of source load.
    let findings: Vec<String> = checked
        .findings()
        .iter()
        .map(|v| format!("{} {}", v.source, v.rule_id))
        .collect();
    assert_eq!(
        findings,
        [
            "kubernetes kubernetes.dns1123_label",
            "load load.unknown_field",
            "load load.type",
            "buf.validate string.in",
            "load load.ambiguous_scalar",
            "load load.type",
        ]
    );
    // The secret written where a mapping goes is masked, and so is the
    // unknown field's value; the ambiguous variable value is not a secret.
    let masked = checked.masked_spans();
    let covers = |line: usize, column: usize| {
        masked.iter().any(|s| {
            (s.start.line, s.start.column) <= (line, column)
                && (line, column) < (s.end.line, s.end.column)
        })
    };
    assert!(covers(11, 23), "{masked:?}");
    assert!(covers(3, 34), "{masked:?}");
    assert!(!covers(10, 28), "{masked:?}");
    // The strict load refuses it.
    assert!(VALIDATOR.load(text).is_err());
}

#[test]
fn secrets_are_looked_for_only_when_a_line_is_quoted() {
    use planton_kubernetes_job::planton_manifest::report::Outcome;
    let valid = "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {name: job}\nspec:\n  namespace: {value: batch}\n  image: {repo: busybox, tag: latest}\n  env: {secrets: {A: {value: hunter2}}}\n";
    let secrets = |text: &str| match planton_kubernetes_job::report::outcome(
        &VALIDATOR, "job.yaml", text, false,
    ) {
        Outcome::Checked {
            violations,
            secrets,
            ..
        } => (violations.len(), secrets),
        Outcome::Error { message, .. } => panic!("{message}"),
    };
    // Nothing is quoted from a valid file: no secret is looked for.
    let (found, spans) = secrets(valid);
    assert_eq!((found, spans.len()), (0, 0));
    // A finding quotes lines: the secret's value is masked.
    let invalid = format!("{valid}  restartPolicy: Always\n");
    let (found, spans) = secrets(&invalid);
    assert_eq!((found, spans.len()), (1, 1));
    let span = spans[0];
    let line = invalid.lines().nth(span.start.line - 1).unwrap();
    let from = span.start.column - 1;
    assert_eq!(&line[from..from + "hunter2".len()], "hunter2");
}
