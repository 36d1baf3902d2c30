//! A validation suite: every manifest of a directory validated inside
//! `cargo test`, each failure shown as `planton validate` shows it. Built and
//! run by `cargo test` (`test = true` in Cargo.toml); point `MANIFEST_DIR`
//! at your own directory to use it as a template.
//!
//! `cargo test -p planton-kubernetes-job --example validation_suite`

use std::path::{Path, PathBuf};

use planton_kubernetes_job::JobValidator;

/// The manifests (`*.yaml`, `*.yml`, `*.json`) directly in `dir`, sorted.
fn manifests(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read '{}': {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        })
        .collect();
    found.sort();
    found
}

/// The report of every invalid manifest in `dir` (empty when all are
/// valid), and how many were checked.
fn validate_dir(validator: &JobValidator, dir: &Path) -> (String, usize) {
    let mut failures = String::new();
    let files = manifests(dir);
    for path in &files {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read '{}': {e}", path.display()));
        let checked = validator.check(&text);
        if !checked.as_ref().is_ok_and(|c| c.is_valid()) {
            failures.push_str(&validator.validation_report(&path.display().to_string(), &text));
        }
    }
    (failures, files.len())
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map_or_else(default_dir, PathBuf::from);
    let validator = JobValidator::new().expect("the protos are usable");
    let (failures, n) = validate_dir(&validator, &dir);
    print!("{failures}");
    println!("{n} manifests checked");
}

fn default_dir() -> PathBuf {
    std::env::var_os("MANIFEST_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples"),
        PathBuf::from,
    )
}

#[test]
fn every_manifest_is_valid() {
    let validator = JobValidator::new().unwrap();
    let (failures, n) = validate_dir(&validator, &default_dir());
    assert!(n > 0, "no manifests found");
    assert!(failures.is_empty(), "invalid manifests:\n{failures}");
}

#[test]
fn a_broken_manifest_fails_the_suite_with_the_cli_report() {
    let dir = std::env::temp_dir().join(format!("planton-suite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {name: Bad_Name}\nspec: {namespace: {value: batch}, image: {repo: busybox, tag: latest}}\n";
    std::fs::write(dir.join("broken.yaml"), broken).unwrap();
    let validator = JobValidator::new().unwrap();
    let (failures, n) = validate_dir(&validator, &dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(n, 1);
    assert!(
        failures.contains("error[kubernetes.dns1123_label]"),
        "{failures}"
    );
    assert!(failures.contains("broken.yaml:3:"), "{failures}");
}
