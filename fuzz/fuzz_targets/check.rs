//! Load, defaults and validation: never a panic; every violation is located.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planton_kubernetes_job::JobValidator;
use std::sync::LazyLock;

static VALIDATOR: LazyLock<JobValidator> = LazyLock::new(|| JobValidator::new().expect("the protos' defaults are valid"));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(checked) = VALIDATOR.check(text) {
        for v in &checked.violations {
            assert!(v.location.is_some(), "unlocated violation {v}");
        }
    }
});
