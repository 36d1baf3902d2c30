//! The two YAML writers of `planton_manifest` (the tree writer behind
//! `json_to_yaml` and the streaming `serialize_to_yaml`) promise the same
//! bytes: checked on every example and test manifest, as loaded (defaults
//! applied) and, where it renders, on its rendered objects.

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

fn same(value: &serde_json::Value, what: &str) {
    assert_eq!(
        planton_manifest::serialize_to_yaml(value).unwrap(),
        planton_manifest::json_to_yaml(value),
        "{what}"
    );
}

#[test]
fn both_writers_give_the_same_bytes_on_every_manifest() {
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
            same(
                &planton_manifest::to_json_value(checked.document.message()),
                &what,
            );
            loaded += 1;
        }
        if let Ok(out) = validator.render(Input::Manifest(&text), &side) {
            for object in out.rendered.objects() {
                same(&object.to_json(), &what);
            }
            rendered += 1;
        }
    }
    assert!(loaded >= 100, "only {loaded} manifests loaded");
    assert!(rendered >= 5, "only {rendered} manifests rendered");
}
