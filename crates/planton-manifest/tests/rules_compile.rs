//! `BufValidator` parses CEL expressions when first evaluated (see its
//! docs): every message of the Planton protos must therefore have rules
//! that compile eagerly, expressions included.

use planton_validate::Validator;

#[test]
fn every_planton_message_has_rules_that_compile_eagerly() {
    let pool = planton_api::descriptor_pool();
    let eager = Validator::new();
    let mut checked = 0;
    for desc in pool.all_messages() {
        if !desc.package_name().starts_with("org.project_planton") {
            continue;
        }
        if let Err(e) = eager.plan(&desc) {
            panic!("{}: {e}", desc.full_name());
        }
        checked += 1;
    }
    // The KubernetesJob, its spec, stack input, metadata and shared types.
    assert!(checked >= 10, "only {checked} Planton messages found");
}

#[test]
fn expressions_parsed_when_evaluated_give_the_eager_verdicts() {
    // The KubernetesJob's field `cel` rules (host path type, emptyDir
    // medium), broken and kept, lazily and eagerly.
    let pool = planton_api::descriptor_pool();
    let lazy = planton_manifest::BufValidator::new();
    let eager = Validator::new();
    let mut broken = 0;
    for (name, json) in [
        (
            "HostPathVolumeSource",
            r#"{"path": "/x", "type": "Sideways"}"#,
        ),
        (
            "HostPathVolumeSource",
            r#"{"path": "/x", "type": "Directory"}"#,
        ),
        ("EmptyDirVolumeSource", r#"{"medium": "Disk"}"#),
        ("EmptyDirVolumeSource", r#"{"medium": "Memory"}"#),
    ] {
        let desc = pool
            .get_message_by_name(&format!("org.project_planton.provider.kubernetes.{name}"))
            .expect(name);
        let mut de = serde_json::Deserializer::from_str(json);
        let m = prost_reflect::DynamicMessage::deserialize(desc, &mut de).expect(json);
        let from_lazy: Vec<String> = lazy
            .validate(&m)
            .unwrap()
            .into_iter()
            .map(|v| format!("{} {} {}", v.field_path, v.rule_id, v.message))
            .collect();
        let from_eager: Vec<String> = eager
            .validate(&m)
            .unwrap()
            .into_iter()
            .map(|v| format!("{} {} {}", v.field_path(), v.rule_id, v.message))
            .collect();
        assert_eq!(from_lazy, from_eager, "{name} {json}");
        broken += usize::from(!from_lazy.is_empty());
    }
    assert_eq!(broken, 2, "the two bad values are violations");
}
