//! Data-driven loading cases (`tests/data/load/*`, one case per file, the
//! expected outcome in `snapshots/`) and round trips of the bundled examples.

use std::path::Path;

use planton_api::registry;
use planton_manifest::{Loader, to_json_string, to_yaml_string};

fn loader() -> Loader {
    Loader::for_kinds(
        registry::supported_kinds().map(|k| (k.name().to_owned(), k.manifest_message().unwrap())),
    )
}

/// The strict outcome (the document, or the error as `Display` shows it),
/// and, for a text whose fields break rules, each error with its rule and
/// span and what loading recovered.
fn outcome(text: &str) -> String {
    let loader = loader();
    let strict = match loader.load_str(text) {
        Ok(doc) => {
            return format!(
                "loaded as {}\n{}",
                doc.kind(),
                to_json_string(doc.message())
            );
        }
        Err(e) => format!("error\n{e}\n"),
    };
    match loader.load_str_recovering(text) {
        Ok(recovered) => {
            assert!(
                !recovered.errors.is_empty(),
                "a strict error is recovered from"
            );
            let mut out = format!("{strict}\nrules:\n");
            for e in recovered.errors.iter() {
                assert!(e.rule.is_recoverable());
                out.push_str(&format!(
                    "  {} {}-{} {}\n",
                    e.rule, e.location, e.end, e.path
                ));
            }
            let doc = recovered.document;
            out.push_str(&format!(
                "recovered as {}\n{}",
                doc.kind(),
                to_json_string(doc.message())
            ));
            out
        }
        Err(e) => {
            assert_eq!(strict, format!("error\n{e}\n"));
            format!("{strict}rule: {}\n", e.rule())
        }
    }
}

#[test]
fn load_cases() {
    insta::glob!("../../../tests/data/load", "*.{yaml,json}", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        insta::assert_snapshot!(outcome(&text));
    });
}

fn examples() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(out.len() >= 5, "the bundled examples are found");
    out
}

#[test]
fn examples_round_trip_through_json_and_yaml() {
    let loader = loader();
    for (name, text) in examples() {
        let first = loader
            .load_str(&text)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let json = to_json_string(first.message());
        let from_json = loader
            .load_str(&json)
            .unwrap_or_else(|e| panic!("{name} (JSON): {e}\n{json}"));
        assert_eq!(
            from_json.message(),
            first.message(),
            "{name}: YAML -> JSON -> message"
        );
        let yaml = to_yaml_string(first.message());
        let from_yaml = loader
            .load_str(&yaml)
            .unwrap_or_else(|e| panic!("{name} (YAML): {e}\n{yaml}"));
        assert_eq!(
            from_yaml.message(),
            first.message(),
            "{name}: YAML -> YAML -> message"
        );
        // Writing is deterministic and stable: a second round writes the same text.
        assert_eq!(to_yaml_string(from_yaml.message()), yaml, "{name}");
        assert_eq!(to_json_string(from_json.message()), json, "{name}");
        // And the typed message agrees with the dynamic one.
        let typed: planton_api::KubernetesJob = first.to_typed().unwrap();
        assert_eq!(
            typed.metadata.unwrap().name,
            first
                .message()
                .get_field_by_name("metadata")
                .unwrap()
                .as_message()
                .unwrap()
                .get_field_by_name("name")
                .unwrap()
                .as_str()
                .unwrap()
        );
    }
}

#[test]
fn the_fast_transcode_agrees_with_prost_reflect_on_every_manifest() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in [
        "examples",
        "tests/data/validate/spec",
        "tests/data/validate/kubernetes",
        "tests/data/validate/mixed",
        "tests/data/load",
    ] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    let mut compared = 0;
    for path in files {
        let Ok(doc) = loader().load_str(&std::fs::read_to_string(&path).unwrap()) else {
            continue;
        };
        let ours: planton_api::KubernetesJob = planton_manifest::transcode(doc.message()).unwrap();
        let reference: planton_api::KubernetesJob = doc.message().transcode_to().unwrap();
        assert_eq!(ours, reference, "{}", path.display());
        compared += 1;
    }
    assert!(compared > 90, "{compared}");
}

#[test]
fn positions_are_recorded_for_every_written_field() {
    let (_, text) = examples()
        .into_iter()
        .find(|(n, _)| n == "data-migration.yaml")
        .unwrap();
    let doc = loader().load_str(&text).unwrap();
    let map = doc.source_map();
    let at = |path: &str| map.value(path).map(|l| (l.line, l.column));
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert_eq!(
        at("spec.backoff_limit"),
        Some((line_of("backoffLimit: 3"), 17))
    );
    assert_eq!(at("spec.command[1]"), Some((line_of("/app/migrate.py"), 7)));
    assert_eq!(
        at(r#"spec.env.secrets["DATABASE_PASSWORD"].secret_ref.name"#),
        Some((line_of("name: db-credentials"), 17))
    );
    assert_eq!(map.key("spec.backoff_limit").map(|l| l.column), Some(3));
    // A path that was not written points at the key of its nearest written ancestor.
    assert_eq!(
        map.locate("spec.image.pull_secret_name"),
        map.key("spec.image")
    );
}

#[test]
fn all_field_errors_are_reported_in_input_order() {
    let text =
        "kind: KubernetesJob\nspec:\n  suspend: maybe\n  parallelism: -2\n  image: {repo: [x]}\n";
    let err = loader().load_str(text).unwrap_err();
    let planton_manifest::LoadError::Fields(errors) = err else {
        panic!("{err}")
    };
    let paths: Vec<_> = errors
        .iter()
        .map(|e| (e.path.as_str(), e.location.line))
        .collect();
    assert_eq!(
        paths,
        [
            ("spec.suspend", 3),
            ("spec.parallelism", 4),
            ("spec.image.repo", 5)
        ]
    );
}

#[test]
fn limits_are_configurable() {
    let mut small = loader();
    small.max_input_bytes(10);
    assert_eq!(
        small
            .load_str("kind: KubernetesJob\n")
            .unwrap_err()
            .to_string(),
        "the input is 20 bytes, over the limit of 10 bytes"
    );
    let mut shallow = loader();
    shallow.max_depth(2);
    let err = shallow
        .load_str("kind: KubernetesJob\nspec: {image: {repo: x}}\n")
        .unwrap_err();
    assert_eq!(err.to_string(), "nesting deeper than 2 levels at 2:15");
}

#[test]
fn secret_values_never_appear_in_errors() {
    // Literal secrets that YAML 1.1 would misread: the error names the field, not the value.
    for secret in ["0123456789", "1.50", "yes", "2026-01-01"] {
        let text = format!(
            "kind: KubernetesJob\nspec:\n  env:\n    secrets:\n      API_KEY: {{value: {secret}}}\n"
        );
        let err = loader().load_str(&text).unwrap_err().to_string();
        assert!(
            err.contains(r#"spec.env.secrets["API_KEY"].value"#),
            "{err}"
        );
        assert!(!err.contains(secret), "{err}");
    }
    let doc = loader()
        .load_str(
            "kind: KubernetesJob\nspec: {env: {secrets: {K: {value: hunter2-very-secret}}}}\n",
        )
        .unwrap();
    assert!(!format!("{doc:?}").contains("hunter2"));
}

/// Found by fuzzing: an empty list or map, or a default value of a field
/// without presence, decoded as a set field made the message differ from its
/// own JSON round trip (proto3 has no empty-but-set for those). Presence
/// fields keep an explicit zero.
#[test]
fn empty_lists_and_maps_are_unset() {
    let text = "kind: KubernetesJob\nmetadata: {name: job, labels: {}, org: ''}\nspec:\n  command: []\n  configMaps: {}\n  createNamespace: false\n  parallelism: 0\n";
    let doc = loader().load_str(text).unwrap();
    let again = loader().load_str(&to_json_string(doc.message())).unwrap();
    assert_eq!(again.message(), doc.message());
    let spec = doc
        .message()
        .get_field_by_name("spec")
        .unwrap()
        .into_owned();
    let spec = spec.as_message().unwrap();
    assert!(!spec.has_field_by_name("command") && !spec.has_field_by_name("create_namespace"));
    assert!(
        spec.has_field_by_name("parallelism"),
        "proto3 optional keeps an explicit 0"
    );
}

/// Found by fuzzing: a map key over 1024 characters was written as an
/// implicit key, which YAML does not allow; the written YAML did not load.
#[test]
fn long_map_keys_round_trip_through_yaml() {
    let key = format!("FLAG{}", "\u{8}".repeat(1500));
    let text = format!(
        "kind: KubernetesJob\nspec:\n  env:\n    variables:\n      ? \"{}\"\n      : {{value: x}}\n",
        key.replace('\u{8}', "\\b")
    );
    let doc = loader().load_str(&text).unwrap();
    let again = loader().load_str(&to_yaml_string(doc.message())).unwrap();
    assert_eq!(again.message(), doc.message());
}

#[test]
fn field_errors_after_json_surrogate_pairs_point_at_the_text_as_written() {
    // Three pairs before the misspelt field on the one line.
    let text = r#"{"kind": "KubernetesJob", "metadata": {"name": "\ud83d\ude00\ud83d\ude00\ud83d\ude00", "nmae": "x"}}"#;
    let err = loader().load_str(text).unwrap_err();
    let planton_manifest::LoadError::Fields(errors) = err else {
        panic!("{err}")
    };
    let written = text.find(r#""nmae""#).unwrap() + 1;
    assert_eq!(errors[0].path, "metadata.nmae");
    assert_eq!(
        errors[0].location,
        planton_manifest::Location::new(1, written)
    );
}

/// Side tables (`--resolve`) read their text by the manifest's string-map
/// rules, and report every error with its rule and place.
#[test]
fn text_tables_follow_the_string_map_rules() {
    let table = planton_manifest::load_text_table(
        "A/a:\n  port: 5432\n  tls: true\n  host: \"1.10\"\n  nv: 'null'\nB/b: {}\n",
    )
    .unwrap();
    let pairs = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        table,
        [
            (
                "A/a".to_owned(),
                pairs(&[
                    ("port", "5432"),
                    ("tls", "true"),
                    ("host", "1.10"),
                    ("nv", "null")
                ])
            ),
            ("B/b".to_owned(), vec![]),
        ]
    );
    let err = planton_manifest::load_text_table(
        "A/a:\n  v: 1.10\n  yes: x\n  nv: null\n  l: [x]\n  v: y\nA/a: {}\nC: 3\n",
    )
    .unwrap_err();
    let planton_manifest::LoadError::Fields(errors) = &err else {
        panic!("{err}");
    };
    let found: Vec<String> = errors
        .iter()
        .map(|e| format!("{} {} {}", e.rule, e.location, e.path))
        .collect();
    assert_eq!(
        found,
        [
            "load.ambiguous_scalar 2:6 [\"A/a\"][\"v\"]",
            "load.ambiguous_scalar 3:3 [\"A/a\"][\"yes\"]",
            "load.null 4:7 [\"A/a\"][\"nv\"]",
            "load.type 5:6 [\"A/a\"][\"l\"]",
            "load.duplicate 6:3 [\"A/a\"][\"v\"]",
            "load.duplicate 7:1 [\"A/a\"]",
            "load.type 8:4 [\"C\"]",
        ]
    );
    assert!(
        errors[1]
            .message
            .starts_with("this unquoted key is a boolean")
    );
    let err =
        planton_manifest::load_text_table(r#"{"A/a": {"port": 5432, "ok": "x"}}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "[\"A/a\"][\"port\"]: expected a string, found a number at 1:18"
    );
}
