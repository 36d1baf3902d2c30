//! Manifest loading (YAML and JSON text, both through the same reader): any
//! input gives a document or an error, never a panic; a loaded document
//! writes back to YAML and JSON that load again to the same message; an
//! error keeps at most 100 field errors, each message short.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planton_manifest::{Loader, to_json_string, to_yaml_string};
use std::sync::LazyLock;

static LOADER: LazyLock<Loader> = LazyLock::new(|| {
    let desc = planton_api::prost_reflect::ReflectMessage::descriptor(&planton_api::KubernetesJob::default());
    Loader::for_kinds([(desc.name().to_owned(), desc)])
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let doc = match LOADER.load_str(text) {
        Ok(doc) => doc,
        Err(planton_manifest::LoadError::Fields(errors)) => {
            assert!(errors.len() <= planton_manifest::MAX_FIELD_ERRORS);
            for e in errors.iter() {
                assert!(e.message.len() < 1024, "{} bytes of message", e.message.len());
            }
            return;
        }
        Err(_) => return,
    };
    let json = to_json_string(doc.message());
    let again = LOADER.load_str(&json).expect("written JSON loads");
    assert_eq!(again.message(), doc.message(), "JSON round trip");
    let yaml = to_yaml_string(doc.message());
    let again = LOADER.load_str(&yaml).expect("written YAML loads");
    assert_eq!(again.message(), doc.message(), "YAML round trip");
});
