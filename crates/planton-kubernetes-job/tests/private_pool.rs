//! A validator made inside `planton_api::with_private_pool` (as each helper
//! thread of a `planton` batch makes one) reports and renders exactly as the
//! shared one, on every manifest of the repository: valid, invalid, with
//! secrets, hostile.

use std::path::{Path, PathBuf};

use planton_api::prost_reflect::ReflectMessage;
use planton_api::with_private_pool;
use planton_kubernetes_job::planton_manifest::component::Component;
use planton_kubernetes_job::{Input, JobValidator, MapResolver, SideInputs};

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

/// A manifest that needs every side input: references to resolve, a
/// namespace from another resource, a registry secret, and resources set
/// on one side only (harmonized against the defaults).
const NEEDS_SIDE_INPUTS: &str = "apiVersion: kubernetes.project-planton.org/v1
kind: KubernetesJob
metadata: {name: sides}
spec:
  namespace: {valueFrom: {name: ns}}
  image: {repo: registry.example.com/app, tag: '1', pullSecretName: regcred}
  resources: {limits: {cpu: 10m}}
  env:
    variables:
      URL: {valueFrom: {kind: KubernetesDeployment, name: api, fieldPath: status.outputs.internal_url}}
    secrets: {TOKEN: {value: s3cr3t-value}}
";

/// What each way through the door gives for [`NEEDS_SIDE_INPUTS`].
fn with_side_inputs(v: &JobValidator) -> Vec<String> {
    let mut resolver = MapResolver::new();
    resolver.insert("KubernetesNamespace/ns", "spec.name", "batch");
    resolver.insert(
        "KubernetesDeployment/api",
        "status.outputs.internal_url",
        "http://api:8080",
    );
    let mut side = SideInputs::new();
    side.namespace("batch")
        .docker_config_json(r#"{"auths":{"registry.example.com":{"auth":"dXNlcjpwYXNz"}}}"#)
        .resolver(&resolver);
    let rendered = match v.render(Input::Manifest(NEEDS_SIDE_INPUTS), &side) {
        Ok(out) => out.rendered.to_yaml(),
        Err(e) => e.report("sides.yaml", NEEDS_SIDE_INPUTS),
    };
    let typed = match v.prepare(Input::Manifest(NEEDS_SIDE_INPUTS), &side) {
        Ok(validated) => {
            // The typed door: the generated input back through validation.
            match v.validate_input(validated.input().clone(), None) {
                Ok(again) => {
                    assert!(again == validated, "validate_input changed the input");
                    format!("{:?}", again.warnings())
                }
                Err(e) => format!("refused: {e:?}"),
            }
        }
        Err(e) => format!("not prepared: {e}"),
    };
    vec![rendered, typed]
}

#[test]
fn a_validator_works_the_same_outside_its_pool_and_beside_another() {
    let shared = JobValidator::new().unwrap();
    let expected = with_side_inputs(&shared);
    assert!(expected[0].contains("http://api:8080"), "{}", expected[0]);
    assert!(expected[0].contains("cpu: 10m"), "{}", expected[0]);
    assert!(
        !expected[1].starts_with("refused") && !expected[1].starts_with("not"),
        "{}",
        expected[1]
    );
    let private = with_private_pool(|| JobValidator::new().unwrap());
    // Made in a copy, used outside it.
    assert_eq!(with_side_inputs(&private), expected);
    // The shared one used inside a copy, and the private one inside another.
    assert_eq!(with_private_pool(|| with_side_inputs(&shared)), expected);
    assert_eq!(with_private_pool(|| with_side_inputs(&private)), expected);
    // The same input validated by both compares equal across the pools.
    let side = SideInputs::new();
    let text = NEEDS_SIDE_INPUTS.replace("valueFrom: {kind: KubernetesDeployment, name: api, fieldPath: status.outputs.internal_url}", "value: x");
    let text = text.replace("{valueFrom: {name: ns}}", "{value: batch}");
    let a = shared.prepare(Input::Manifest(&text), &side).unwrap();
    let b = private.prepare(Input::Manifest(&text), &side).unwrap();
    assert!(a == b);
    let other = shared
        .prepare(
            Input::Manifest(&text.replace("name: sides", "name: other")),
            &side,
        )
        .unwrap();
    assert!(other != b);
}
