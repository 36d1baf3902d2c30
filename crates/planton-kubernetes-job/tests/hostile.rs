//! Hostile input, engine side, past loading (`tests/hostile/engine/`): numbers
//! that overflow, secrets in `Debug`, and violation messages that echo input.
//! The loading cases are in planton-manifest's `tests/hostile.rs`.

use std::path::Path;

use planton_api::KubernetesJobStackInput;
use planton_kubernetes_job::{
    JobValidator, MapResolver, Quantity, QuantityError, Rule, resolve_references, transform,
};

fn corpus(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/hostile/engine")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every secret value of `secrets.yaml`.
const SECRETS: [&str; 5] = [
    "S3CRET-literal-api-key-7f3a",
    "S3CRET-token-on-one-line-91bd",
    "S3CRET-docker-auth-c0de",
    "S3CRET-gcp-key-b64-5e5e",
    "S3CRET-doks-kubeconfig-a11a",
];

fn assert_no_secret(what: &str, value: &dyn std::fmt::Debug) {
    for text in [format!("{value:?}"), format!("{value:#?}")] {
        for secret in SECRETS {
            assert!(!text.contains(secret), "{what} shows {secret}: {text}");
        }
        // Nor a part long enough to recognize.
        assert!(!text.contains("S3CRET"), "{what}: {text}");
    }
}

/// `secrets`: `Debug` of every public value along the pipeline, from the
/// text to the rendered objects, shows no secret value.
#[test]
fn debug_output_along_the_pipeline_redacts_every_secret() {
    let text = corpus("secrets.yaml");
    for secret in SECRETS {
        assert!(text.contains(secret), "the case holds {secret}");
    }
    let validator = JobValidator::new().unwrap();
    assert_no_secret("JobValidator", &validator);

    let checked = validator.check_stack_input(&text).unwrap();
    assert_no_secret("Checked", &checked);

    let mut document = validator.load_stack_input(&text).unwrap();
    assert_no_secret("Document", &document);
    assert_no_secret("DynamicMessage wrapper", &document.source_map());
    let mut input: KubernetesJobStackInput = document.to_typed().unwrap();
    assert_no_secret("KubernetesJobStackInput", &input);

    let mut resolver = MapResolver::new();
    resolver.insert("KubernetesPostgres/db", "status.outputs.host", "pg.db.svc");
    assert_no_secret("MapResolver", &resolver);
    let resolution = resolve_references(&mut input, &resolver).unwrap();
    assert_no_secret("Resolution", &resolution);
    assert_no_secret("resolved input", &input);

    let validated = validator
        .validate_input(input, Some(&document.source_map().clone()))
        .unwrap();
    assert_no_secret("Validated", &validated);
    assert_no_secret("Validated::input", validated.input());
    let from_document = validator.validate_document(&mut document);
    assert_no_secret("validate_document", &from_document);

    let rendered = transform(&validated).unwrap();
    assert_no_secret("Rendered", &rendered);
    let objects: Vec<_> = rendered.objects().collect();
    assert_eq!(objects.len(), 3, "{objects:?}");
    assert_no_secret("Object", &objects);
    // The secrets are rendered, where they belong: the literal in the env
    // Secret, the docker config in the pull Secret (both as stringData).
    let env_secret = rendered.env_secret.as_ref().unwrap();
    assert!(
        env_secret
            .string_data
            .as_ref()
            .is_some_and(|d| d.values().any(|v| v == "S3CRET-token-on-one-line-91bd")),
        "the literal is rendered"
    );
    let pull_secret = rendered.image_pull_secret.as_ref().unwrap();
    assert!(
        pull_secret
            .string_data
            .as_ref()
            .is_some_and(|d| d.values().any(|v| v.contains("S3CRET-docker-auth-c0de"))),
        "the docker config is rendered"
    );
}

/// `quantity-huge-exponent`: exponents at the integer limits are reported
/// as too large (a panic in debug builds, "valid" in release before); a tiny
/// one rounds up to one nano-unit.
#[test]
fn quantities_with_huge_exponents_are_too_large() {
    let validator = JobValidator::new().unwrap();
    let checked = validator
        .check(&corpus("check-quantity-huge-exponent.yaml"))
        .unwrap();
    let found: Vec<_> = checked
        .violations
        .iter()
        .map(|v| {
            (
                v.field_path.as_str(),
                v.rule_id.as_str(),
                v.message.as_str(),
                v.location.map(|l| (l.line, l.column)),
            )
        })
        .collect();
    let too_large = "is too large for a Kubernetes quantity";
    let id = Rule::Quantity.id();
    assert_eq!(
        found,
        [
            ("spec.resources.limits.cpu", id, too_large, Some((10, 19))),
            (
                "spec.resources.limits.memory",
                id,
                too_large,
                Some((10, 43))
            ),
        ]
    );
    assert_eq!(
        Quantity::parse("1e2147483647"),
        Err(QuantityError::TooLarge)
    );
    assert_eq!(Quantity::parse("1e-2147483648"), Quantity::parse("1n"));
}

/// Violation messages that quote the input (a namespace, a ConfigMap name)
/// show an excerpt of it.
#[test]
fn violation_messages_echo_excerpts() {
    let validator = JobValidator::new().unwrap();
    let long = "n".repeat(1 << 20);
    let text = format!(
        "target:\n  kind: KubernetesJob\n  metadata: {{name: x}}\n  spec:\n    namespace: {{value: {long}}}\n    image: {{repo: busybox, tag: \"1\"}}\n    env:\n      secrets:\n        K: {{secretRef: {{namespace: other, name: s, key: k}}}}\nkubernetesNamespace: {long}\n"
    );
    let checked = validator.check_stack_input(&text).unwrap();
    let cross = checked
        .violations
        .iter()
        .find(|v| v.rule_id == Rule::SecretRefNamespace.id())
        .expect("the cross-namespace reference is reported");
    assert_eq!(
        cross.message,
        format!(
            "the Secret must be in the Job's namespace '{}…[+{} bytes]': a pod can only read Secrets of its own namespace",
            "n".repeat(64),
            (1 << 20) - 64
        )
    );
    for v in &checked.violations {
        assert!(
            v.message.len() < 1000,
            "{}: {} bytes",
            v.rule_id,
            v.message.len()
        );
    }
}
