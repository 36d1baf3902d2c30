//! A minimal Language Server Protocol client over a child's standard input
//! and output: JSON-RPC frames (`Content-Length` headers), requests matched
//! to responses by id, notifications kept, and the server's own requests
//! (`workspace/configuration`, `client/registerCapability`) answered.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The longest wait for one answer.
const TIMEOUT: Duration = Duration::from_secs(60);
/// The largest frame read.
const MAX_FRAME: usize = 64 << 20;

pub struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications received so far.
    pub notifications: Vec<Value>,
    /// How many of them [`Client::diagnostics`] has looked at.
    consumed: usize,
    /// The `workspace/configuration` answer for the section `yaml`.
    yaml_settings: Value,
}

impl Client {
    /// Starts `command` and completes the `initialize` handshake.
    pub fn start(mut command: Command, root_uri: &str, yaml_settings: Value) -> Client {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the language server starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let Some(n) = length.filter(|&n| n <= MAX_FRAME) else {
                    return;
                };
                let mut body = vec![0; n];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let Ok(v) = serde_json::from_slice::<Value>(&body) else {
                    return;
                };
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            messages: rx,
            next_id: 0,
            notifications: Vec::new(),
            consumed: 0,
            yaml_settings,
        };
        let capabilities = json!({
            "workspace": {"configuration": true, "didChangeConfiguration": {"dynamicRegistration": true}},
            "textDocument": {
                "publishDiagnostics": {"relatedInformation": true},
                "completion": {"completionItem": {"snippetSupport": false, "documentationFormat": ["markdown", "plaintext"]}},
                "hover": {"contentFormat": ["markdown", "plaintext"]},
                "synchronization": {"didSave": true},
                "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix"]}}},
            },
        });
        client.request(
            "initialize",
            json!({"processId": std::process::id(), "rootUri": root_uri, "capabilities": capabilities}),
        );
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        self.stdin.write_all(&body).unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its result (panics on an error response).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let m = self
                .receive(deadline)
                .unwrap_or_else(|| panic!("no answer to {method}"));
            if m.get("method").is_none() && m["id"] == json!(id) {
                assert!(m.get("error").is_none(), "{method} failed: {m}");
                return m["result"].clone();
            }
        }
    }

    /// The next message, answering the server's requests and keeping
    /// notifications on the way.
    fn receive(&mut self, deadline: Instant) -> Option<Value> {
        let left = deadline.saturating_duration_since(Instant::now());
        let m = match self.messages.recv_timeout(left) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
        };
        match (m.get("id"), m.get("method").and_then(Value::as_str)) {
            (Some(id), Some(method)) => {
                let result = if method == "workspace/configuration" {
                    let items = m["params"]["items"].as_array().cloned().unwrap_or_default();
                    Value::Array(
                        items
                            .iter()
                            .map(|i| {
                                if i["section"] == "yaml" {
                                    self.yaml_settings.clone()
                                } else {
                                    Value::Null
                                }
                            })
                            .collect(),
                    )
                } else {
                    Value::Null
                };
                let id = id.clone();
                self.send(&json!({"jsonrpc": "2.0", "id": id, "result": result}));
            }
            (None, Some(_)) => self.notifications.push(m.clone()),
            _ => {}
        }
        Some(m)
    }

    /// Waits for the next `textDocument/publishDiagnostics` of `uri` that
    /// `accept` takes (after those an earlier call looked at), and returns
    /// its diagnostics.
    pub fn diagnostics(&mut self, uri: &str, accept: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            while let Some(n) = self.notifications.get(self.consumed) {
                self.consumed += 1;
                if n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri {
                    let d = n["params"]["diagnostics"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    if accept(&d) {
                        return d;
                    }
                }
            }
            if self.receive(deadline).is_none() {
                panic!(
                    "no accepted diagnostics for {uri}; received: {}",
                    serde_json::to_string(&self.notifications).unwrap()
                );
            }
        }
    }

    /// Asks the server to shut down and exit, and waits for it.
    pub fn stop(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!("the language server did not exit after 'exit'");
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
