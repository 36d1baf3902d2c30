//! The whole pipeline, text to YAML objects: never a panic; the output is
//! deterministic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planton_api::KubernetesJobStackInput;
use planton_kubernetes_job::{JobValidator, transform};
use std::sync::LazyLock;

static VALIDATOR: LazyLock<JobValidator> = LazyLock::new(|| JobValidator::new().expect("the protos' defaults are valid"));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(doc) = VALIDATOR.load(text) else { return };
    let Ok(job) = doc.to_typed() else { return };
    let input = KubernetesJobStackInput { target: Some(job), ..Default::default() };
    let Ok(validated) = VALIDATOR.validate_input(input, Some(&doc.source_map().prefixed("target"))) else { return };
    if let Ok(rendered) = transform(&validated) {
        let yaml = rendered.to_yaml();
        assert_eq!(yaml, transform(&validated).unwrap().to_yaml());
        let _ = rendered.to_json();
    }
});
