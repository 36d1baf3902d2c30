//! The `buf.validate` bridge: a message handed over by value is validated
//! exactly as one lent by reference.

use planton_api::KubernetesJob;
use planton_api::prost_reflect::ReflectMessage;
use planton_manifest::{BufValidator, Loader};

fn findings(violations: Vec<planton_manifest::Violation>) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = violations
        .into_iter()
        .map(|v| (v.field_path, v.rule_id, v.message))
        .collect();
    out.sort();
    out
}

#[test]
fn owned_and_borrowed_messages_get_the_same_violations() {
    let job = KubernetesJob::default().descriptor();
    let loader = Loader::for_kinds([(job.name().to_owned(), job)]);
    let buf = BufValidator::new();
    for text in [
        // Breaks rules at several depths: the message, the spec, a map value.
        "apiVersion: wrong\nkind: KubernetesJob\nmetadata: {name: x}\nspec:\n  restartPolicy: Always\n  env:\n    variables: {A: {valueFrom: {env: e}}}\n",
        // Valid.
        "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {name: x}\nspec:\n  namespace: {value: ns}\n  image: {repo: busybox, tag: '1'}\n",
    ] {
        let doc = loader.load_str(text).unwrap();
        let borrowed = findings(buf.validate(doc.message()).unwrap());
        let owned = findings(buf.validate_owned(doc.message().clone()).unwrap());
        assert_eq!(owned, borrowed, "{text}");
    }
    let broken = loader
        .load_str("apiVersion: wrong\nkind: KubernetesJob\nmetadata: {name: x}\nspec: {restartPolicy: Always}\n")
        .unwrap();
    let owned = findings(buf.validate_owned(broken.message().clone()).unwrap());
    let rules: Vec<&str> = owned.iter().map(|(_, r, _)| r.as_str()).collect();
    assert!(rules.contains(&"string.const"), "{owned:?}");
    assert!(rules.contains(&"string.in"), "{owned:?}");
}
