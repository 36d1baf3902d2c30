//! The committed schema in the real yaml-language-server (the server of VS
//! Code's YAML extension and Neovim's yamlls), pinned and installed by
//! scripts/yaml-language-server, driven over LSP stdio with the schema
//! named by a modeline, as the README shows.

mod lsp_client;

use std::process::Command;

use serde_json::{Value, json};

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn yaml_language_server() -> std::path::PathBuf {
    let out = Command::new(root().join("scripts/yaml-language-server"))
        .output()
        .expect("scripts/yaml-language-server runs");
    assert!(
        out.status.success(),
        "yaml-language-server is needed (npm): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::path::PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

/// The position (line, UTF-16 column) of the first `needle` in `text`.
fn find(text: &str, needle: &str) -> (u64, u64) {
    let at = text.find(needle).unwrap();
    let line = text[..at].matches('\n').count();
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line as u64, text[start..at].encode_utf16().count() as u64)
}

fn range_of(text: &str, needle: &str) -> Value {
    let (line, col) = find(text, needle);
    json!({"start": {"line": line, "character": col}, "end": {"line": line, "character": col + needle.len() as u64}})
}

#[test]
fn yaml_language_server_completes_documents_and_flags_with_the_schema() {
    let root = root().canonicalize().unwrap();
    let schema = root.join("schema/kubernetesjob.v1.json");
    let text = format!(
        "# yaml-language-server: $schema={}
apiVersion: kubernetes.project-planton.org/v1
kind: KubernetesJob
metadata:
  name: nightly
spec:
  namespace: {{value: batch}}
  image: {{repo: busybox, tag: latest}}
  backofLimit: 3
  restartPolicy: Always
  backoffLimit: 2
  
",
        schema.display()
    );
    let settings = json!({
        "validate": true, "hover": true, "completion": true,
        "schemaStore": {"enable": false}, "format": {"enable": false},
    });
    let mut command = Command::new(yaml_language_server());
    command.arg("--stdio");
    let mut client = lsp_client::Client::start(
        command,
        &format!("file://{}", root.display()),
        settings.clone(),
    );
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"yaml": settings}}),
    );
    let uri = format!("file://{}/job.yaml", root.display());
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    );

    // Diagnostics: the unknown field on its key, the bad restartPolicy on
    // its value.
    let diagnostics = client.diagnostics(&uri, |d| d.len() >= 2);
    let at = |range: Value| diagnostics.iter().find(|d| d["range"] == range).cloned();
    let unknown = at(range_of(&text, "backofLimit"))
        .unwrap_or_else(|| panic!("no diagnostic on 'backofLimit': {}", json!(diagnostics)));
    assert!(
        unknown["message"].as_str().unwrap().contains("backofLimit"),
        "{unknown}"
    );
    let policy = at(range_of(&text, "Always"))
        .unwrap_or_else(|| panic!("no diagnostic on 'Always': {}", json!(diagnostics)));
    let message = policy["message"].as_str().unwrap();
    assert!(
        message.contains("OnFailure") && message.contains("Never"),
        "{policy}"
    );
    assert_eq!(diagnostics.len(), 2, "{}", json!(diagnostics));

    // Completion on the blank line under `spec:`.
    let (line, _) = find(&text, "  backoffLimit: 2");
    let items = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": line + 1, "character": 2}}),
    );
    let items = items
        .get("items")
        .unwrap_or(&items)
        .as_array()
        .unwrap()
        .clone();
    let labels: Vec<&str> = items.iter().filter_map(|i| i["label"].as_str()).collect();
    for field in [
        "parallelism",
        "completions",
        "ttlSecondsAfterFinished",
        "suspend",
        "volumeMounts",
    ] {
        assert!(labels.contains(&field), "no '{field}' in {labels:?}");
    }
    // The proto names are accepted, not suggested.
    assert!(
        !labels.contains(&"ttl_seconds_after_finished"),
        "{labels:?}"
    );
    // backoffLimit is set already in this document: on a fresh line of
    // another spec it is offered.
    let fresh = format!(
        "# yaml-language-server: $schema={}\nkind: KubernetesJob\nspec:\n  \n",
        schema.display()
    );
    let fresh_uri = format!("file://{}/fresh.yaml", root.display());
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": fresh_uri, "languageId": "yaml", "version": 1, "text": fresh}}),
    );
    let items = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": fresh_uri}, "position": {"line": 3, "character": 2}}),
    );
    let items = items
        .get("items")
        .unwrap_or(&items)
        .as_array()
        .unwrap()
        .clone();
    let labels: Vec<&str> = items.iter().filter_map(|i| i["label"].as_str()).collect();
    assert!(labels.contains(&"backoffLimit"), "{labels:?}");

    // Hover on a key shows its proto comment.
    let (line, col) = find(&text, "backoffLimit: 2");
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": col + 3}}),
    );
    let shown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(shown.contains("Number of retries allowed"), "{hover}");

    // Every example, named by a modeline, gets no diagnostic at all.
    let mut examples: Vec<_> = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 5);
    for p in &examples {
        let text = format!(
            "# yaml-language-server: $schema={}\n{}",
            schema.display(),
            std::fs::read_to_string(p).unwrap()
        );
        let uri = format!("file://{}", p.display());
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        );
        let d = client.diagnostics(&uri, |_| true);
        assert!(d.is_empty(), "{}: {}", p.display(), json!(d));
    }
    client.stop();
}
