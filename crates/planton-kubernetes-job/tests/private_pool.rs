//! A validator made inside `planton_api::with_private_pool` (as each helper
//! thread of a `planton` batch makes one) reports and renders exactly as the
//! shared one, on every manifest of the repository: valid, invalid, with
//! secrets, hostile.

use std::path::{Path, PathBuf};

use planton_api::prost_reflect::ReflectMessage;
use planton_api::with_private_pool;
use planton_kubernetes_job::planton_manifest::component::Component;
use planton_kubernetes_job::{Input, JobValidator, SideInputs};

fn manifests() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut dirs: Vec<PathBuf> = ["examples", "tests/data", "tests/hostile"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    let mut found = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            {
                // Some hostile inputs are not UTF-8: the CLI refuses those
                // before any validator sees them.
                if let Ok(text) = std::fs::read_to_string(&path) {
                    found.push((path.display().to_string(), text));
                }
            }
        }
    }
    found.sort();
    found
}

/// What a validator makes of `text`: the report `planton validate` prints,
/// and the rendered YAML or the report `planton render` prints.
fn outcome(v: &JobValidator, name: &str, text: &str) -> (String, String) {
    let report = v.validation_report(name, text);
    let rendered = match v.render(Input::Manifest(text), &SideInputs::new()) {
        Ok(out) => out.rendered.to_yaml(),
        Err(e) => e.report(name, text),
    };
    (report, rendered)
}

#[test]
fn a_validator_on_a_private_pool_reports_and_renders_as_the_shared_one() {
    let shared = JobValidator::new().unwrap();
    let files = manifests();
    assert!(files.len() > 100, "{} manifests found", files.len());
    let (private_pool, outcomes) = with_private_pool(|| {
        let private = JobValidator::new().unwrap();
        let outcomes: Vec<_> = files
            .iter()
            .map(|(name, text)| outcome(&private, name, text))
            .collect();
        (
            private.manifest_descriptor().parent_pool().clone(),
            outcomes,
        )
    });
    // The test compares two pools, not one with itself.
    assert_ne!(&private_pool, shared.manifest_descriptor().parent_pool());
    let (mut valid, mut masked) = (0, 0);
    for ((name, text), private) in files.iter().zip(outcomes) {
        let expected = outcome(&shared, name, text);
        assert_eq!(private, expected, "{name}");
        valid += usize::from(expected.1.contains("kind: Job"));
        masked += usize::from(expected.0.contains("<redacted>") || expected.0.contains("***"));
    }
    // Both kinds of outcome are compared, and reports that hide secrets.
    assert!(valid > 10 && valid < files.len(), "{valid} rendered");
    assert!(masked > 0, "no report masks a secret");
    assert_eq!(
        shared.manifest_descriptor().parent_pool(),
        planton_api::descriptor_pool()
    );
}

#[test]
fn a_validator_keeps_the_pool_it_was_made_in() {
    let private = with_private_pool(|| JobValidator::new().unwrap());
    // Asked outside the call, its descriptors are still of its copy.
    let pool = private.stack_input_descriptor().parent_pool().clone();
    assert_ne!(&pool, planton_api::descriptor_pool());
    assert_eq!(private.manifest_descriptor().parent_pool(), &pool);
    assert_eq!(private.engine().manifest_descriptor().parent_pool(), &pool);
    let checked = private
        .check("apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {name: a}\nspec: {namespace: {value: b}, image: {repo: busybox, tag: '1'}}\n")
        .unwrap();
    assert!(checked.is_valid());
    assert_eq!(
        planton_api::KubernetesJob::default()
            .descriptor()
            .parent_pool(),
        planton_api::descriptor_pool()
    );
}
