//! `planton schema`: the committed copy is current, and a standard JSON
//! Schema validator (ajv, draft-07, strict mode, as shipped with
//! yaml-language-server) accepts every manifest `planton validate` accepts
//! (read as YAML 1.2, as the editor does, and as YAML 1.1, as kubectl does)
//! and rejects manifests broken in ways a schema can express.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use planton_kubernetes_job::JobValidator;

const COMMITTED: &str = "schema/kubernetesjob.v1.json";

#[test]
fn the_committed_schema_is_current_and_deterministic() {
    let first = common::planton(&["schema"], None);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let second = common::planton(&["schema"], None);
    assert_eq!(
        first.stdout, second.stdout,
        "the schema is not deterministic"
    );
    let committed = std::fs::read_to_string(common::root().join(COMMITTED)).unwrap();
    assert!(
        committed == first.stdout,
        "{COMMITTED} is stale: run `cargo run -q -p planton-cli -- schema > {COMMITTED}`"
    );
}

/// The `node_modules` directory of the pinned yaml-language-server
/// (installed by scripts/yaml-language-server on first use).
pub fn yaml_language_server() -> PathBuf {
    let out = Command::new(common::root().join("scripts/yaml-language-server"))
        .output()
        .expect("scripts/yaml-language-server runs");
    assert!(
        out.status.success(),
        "yaml-language-server is needed (npm): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

/// Whether each file is valid under the schema, per YAML version.
fn ajv(files: &[PathBuf]) -> BTreeMap<(String, String), serde_json::Value> {
    let bin = yaml_language_server();
    let modules = bin.parent().unwrap().parent().unwrap();
    let out = Command::new("node")
        .arg(common::root().join("tests/editor/schema-check.js"))
        .arg(modules)
        .arg(common::root().join(COMMITTED))
        .args(files)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let key = (
                v["file"].as_str().unwrap().to_owned(),
                v["yaml"].as_str().unwrap().to_owned(),
            );
            (key, v)
        })
        .collect()
}

fn manifests(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            manifests(&p, out);
        } else if p
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            && std::fs::metadata(&p).unwrap().len() < 1 << 20
        {
            out.push(p);
        }
    }
}

#[test]
fn every_manifest_planton_accepts_validates_against_the_schema() {
    let root = common::root();
    let mut files = Vec::new();
    for dir in ["examples", "tests/data", "fuzz/seeds"] {
        manifests(&root.join(dir), &mut files);
    }
    let validator = JobValidator::new().unwrap();
    let accepted: Vec<PathBuf> = files
        .into_iter()
        .filter(|p| {
            let Ok(text) = std::fs::read_to_string(p) else {
                return false;
            };
            validator.check(&text).is_ok_and(|c| c.is_valid())
        })
        .collect();
    // The examples and a good part of the corpus.
    assert!(
        accepted.len() >= 40,
        "only {} accepted manifests found",
        accepted.len()
    );
    let results = ajv(&accepted);
    let mut rejected = Vec::new();
    for p in &accepted {
        for yaml in ["1.2", "1.1"] {
            let r = &results[&(p.display().to_string(), yaml.to_owned())];
            if r["valid"] != true {
                rejected.push(format!("{} (YAML {yaml}): {}", p.display(), r));
            }
        }
    }
    assert!(
        rejected.is_empty(),
        "the schema rejects {} of {} manifests planton accepts:\n{}",
        rejected.len(),
        accepted.len(),
        rejected.join("\n")
    );
}

const GOOD: &str = "\
apiVersion: kubernetes.project-planton.org/v1
kind: KubernetesJob
metadata:
  name: nightly
spec:
  namespace: {value: batch}
  image: {repo: busybox, tag: latest}
";

#[test]
fn manifests_broken_in_ways_a_schema_expresses_are_rejected() {
    let cases: &[(&str, String, &str)] = &[
        (
            "unknown-field",
            format!("{GOOD}  backofLimit: 3\n"),
            "additionalProperties",
        ),
        (
            "restart-policy",
            format!("{GOOD}  restartPolicy: Always\n"),
            "enum",
        ),
        (
            "completion-mode",
            format!("{GOOD}  completionMode: Sometimes\n"),
            "enum",
        ),
        (
            "not-a-number",
            format!("{GOOD}  backoffLimit: three\n"),
            "pattern",
        ),
        (
            "negative-uint",
            format!("{GOOD}  parallelism: -1\n"),
            "minimum",
        ),
        (
            "uint32-range",
            format!("{GOOD}  parallelism: 4294967296\n"),
            "maximum",
        ),
        (
            "kind",
            GOOD.replace("kind: KubernetesJob", "kind: KubernetesJobs"),
            "const",
        ),
        ("api-version", GOOD.replace("/v1", "/v2"), "const"),
        (
            "no-metadata",
            GOOD.replace("metadata:\n  name: nightly\n", ""),
            "required",
        ),
        (
            "no-namespace",
            GOOD.replace("  namespace: {value: batch}\n", ""),
            "required",
        ),
        (
            "mount-no-path",
            format!("{GOOD}  volumeMounts:\n    - name: data\n"),
            "required",
        ),
        (
            "secret-ref-empty-key",
            format!("{GOOD}  env:\n    secrets:\n      A: {{secretRef: {{name: s, key: \"\"}}}}\n"),
            "minLength",
        ),
        ("list-not-a-list", format!("{GOOD}  command: sh\n"), "type"),
        (
            "message-not-a-map",
            format!("{GOOD}  image: busybox\n"),
            "type",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let validator = JobValidator::new().unwrap();
    let mut files = Vec::new();
    for (name, text, _) in cases {
        // planton rejects each of them too (load error or violation).
        assert!(
            validator.check(text).map_or(true, |c| !c.is_valid()),
            "{name}: planton accepts it"
        );
        let p = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&p, text).unwrap();
        files.push(p);
    }
    let results = ajv(&files);
    for ((name, _, keyword), p) in cases.iter().zip(&files) {
        let r = &results[&(p.display().to_string(), "1.2".to_owned())];
        assert_eq!(r["valid"], false, "{name}: the schema accepts it");
        let keywords: Vec<&str> = r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["keyword"].as_str())
            .collect();
        assert!(
            keywords.contains(keyword),
            "{name}: expected a '{keyword}' error, got {r}"
        );
    }
}
