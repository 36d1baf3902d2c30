//! The YAML writer of `planton_manifest` on every example and test
//! manifest, as loaded (defaults applied) and, where it renders, on its
//! rendered objects: what it writes reads back (as kubectl reads YAML) as the
//! JSON value written, and an object written from its Kubernetes type is the
//! same text as from its JSON value.

use std::path::{Path, PathBuf};

use planton_kubernetes_job::{Input, JobValidator, SideInputs};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// `value` written as YAML and read back is `value`; gives the text.
fn reads_back(value: &serde_json::Value, what: &str) -> String {
    let text = planton_manifest::json_to_yaml(value);
    assert_eq!(
        planton_manifest::yaml_to_json(&text).unwrap(),
        *value,
        "{what}:\n{text}"
    );
    text
}

#[test]
fn yaml_output_reads_back_on_every_manifest() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["examples", "tests/data", "tests/differential/corpus"] {
        yaml_files(&root.join(dir), &mut files);
    }
    let validator = JobValidator::new().unwrap();
    let mut side = SideInputs::new();
    side.namespace("batch");
    let (mut loaded, mut rendered) = (0, 0);
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let what = path.display().to_string();
        if let Ok(checked) = validator.check(&text) {
            reads_back(
                &planton_manifest::to_json_value(checked.document.message()),
                &what,
            );
            loaded += 1;
        }
        if let Ok(out) = validator.render(Input::Manifest(&text), &side) {
            for object in out.rendered.objects() {
                assert_eq!(object.to_yaml(), reads_back(&object.to_json(), &what));
            }
            rendered += 1;
        }
    }
    assert!(loaded >= 100, "only {loaded} manifests loaded");
    assert!(rendered >= 5, "only {rendered} manifests rendered");
}
