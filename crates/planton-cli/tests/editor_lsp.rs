//! `planton lsp` over stdio, driven frame by frame: the handshake, the
//! diagnostics of an opened and of a changed document, clearing on close,
//! and a clean exit. (Neovim drives it as a real editor in editor_nvim.rs.)

mod lsp_client;

use std::process::Command;

use serde_json::json;

#[test]
fn the_server_publishes_updates_and_clears_diagnostics_and_exits() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_planton"));
    command.arg("lsp");
    let mut client = lsp_client::Client::start(command, "file:///work", json!({}));
    let uri = "file:///work/job.yaml";
    let text = "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {name: ok}\nspec:\n  namespace: {value: batch}\n  image: {repo: busybox, tag: latest}\n  completionMode: Sometimes\n";
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    );
    let d = client.diagnostics(uri, |d| !d.is_empty());
    assert_eq!(d.len(), 1, "{}", json!(d));
    assert_eq!(d[0]["code"], "string.in");
    assert_eq!(
        d[0]["range"],
        json!({"start": {"line": 6, "character": 18}, "end": {"line": 6, "character": 27}})
    );
    // Fixed by an edit: an empty list is published.
    let fixed = text.replace("Sometimes", "Indexed");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    client.diagnostics(uri, |d| d.is_empty());
    // Broken again, then closed: the diagnostics are cleared.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": text}]}),
    );
    client.diagnostics(uri, |d| d.len() == 1);
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    client.diagnostics(uri, |d| d.is_empty());
    client.stop();
}

/// A hostile client cannot make the server allocate what a header says: a
/// `Content-Length` over the limit ends the session with a clear error (no
/// abort), as does a header line without end.
#[test]
fn oversized_frames_end_the_session_with_an_error() {
    use std::io::Write;
    use std::process::Stdio;
    for input in [
        b"Content-Length: 999999999999999\r\n\r\n".to_vec(),
        [b"X-Long: ".as_slice(), &[b'a'; 1 << 20]].concat(),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_planton"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The server may stop reading before the end: a broken pipe is fine.
        let _ = child.stdin.take().unwrap().write_all(&input);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.starts_with("error: LSP input: "), "{stderr}");
        assert!(stderr.len() < 300, "{stderr}");
    }
}
