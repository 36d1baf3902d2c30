//! The whole pipeline through the library's front door, text to YAML
//! objects, as a manifest and as a stack input: never a panic; the output is
//! deterministic; a refusal's report is bounded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planton_kubernetes_job::{Input, JobValidator, SideInputs};
use std::sync::LazyLock;

static VALIDATOR: LazyLock<JobValidator> = LazyLock::new(|| JobValidator::new().expect("the protos' defaults are valid"));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for input in [Input::Manifest(text), Input::StackInput(text)] {
        match VALIDATOR.render(input, &SideInputs::new()) {
            Ok(out) => {
                let yaml = out.rendered.to_yaml();
                let again = VALIDATOR.render(input, &SideInputs::new()).unwrap();
                assert_eq!(yaml, again.rendered.to_yaml());
                let _ = out.rendered.to_json();
            }
            Err(e) => {
                let _ = e.report("fuzz.yaml", text);
            }
        }
    }
});
