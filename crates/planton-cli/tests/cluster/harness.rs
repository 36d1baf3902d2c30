//! The test cluster: `tests/cluster/up` per Kubernetes version, a kube-rs
//! client from its kubeconfig, and server-side apply (field manager
//! `planton`) returning the server's verdict and warnings.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use kube::client::Body;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::Request;
use kube::core::params::{Patch, PatchParams};
use serde_json::Value;

/// The Kubernetes releases the README claims: the oldest and the pinned one.
pub const VERSIONS: [&str; 2] = ["v1.34.4", "v1.37.2"];

/// The field manager of every apply.
pub const FIELD_MANAGER: &str = "planton";

/// The repository root.
pub fn root() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The kubeconfig of the test cluster of `version`, started (built on first
/// use) by `tests/cluster/up`, which keeps it running while this process
/// lives. Panics with the script's explanation when it cannot start.
pub fn kubeconfig(version: &'static str) -> PathBuf {
    static STARTED: Mutex<Vec<(&'static str, PathBuf)>> = Mutex::new(Vec::new());
    let mut started = STARTED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, path)) = started.iter().find(|(v, _)| *v == version) {
        return path.clone();
    }
    let out = Command::new(root().join("tests/cluster/up"))
        .args(["--version", version, "--hold"])
        .arg(std::process::id().to_string())
        .output()
        .expect("tests/cluster/up runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the test cluster (kube-apiserver {version}) did not start: {}\n{stderr}",
        out.status
    );
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(
        path.is_file(),
        "tests/cluster/up printed no kubeconfig: {stderr}"
    );
    started.push((version, path.clone()));
    path
}

/// A single-threaded runtime for one test.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// A client of the test cluster of `version` (call inside the runtime).
pub async fn client(version: &'static str) -> kube::Client {
    let path = kubeconfig(version);
    let kubeconfig = Kubeconfig::read_from(&path).expect("the kubeconfig reads");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("the kubeconfig is usable");
    let client = kube::Client::try_from(config).expect("a client");
    let info = client
        .apiserver_version()
        .await
        .expect("the server answers /version");
    assert_eq!(
        info.git_version,
        version,
        "the server at {} is not the version asked for",
        path.display()
    );
    client
}

/// What the server said to one apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted, with the `Warning` headers it sent (agent and code stripped).
    Accepted(Vec<String>),
    /// Rejected: the HTTP status and the server's message.
    Rejected(u16, String),
}

impl Verdict {
    /// Whether the server accepted the object.
    pub fn accepted(&self) -> bool {
        matches!(self, Verdict::Accepted(_))
    }
}

/// The REST path of the collection of `object` (the kinds we render).
fn collection(object: &Value) -> String {
    let api_version = object["apiVersion"].as_str().expect("apiVersion");
    let kind = object["kind"].as_str().expect("kind");
    let plural = match kind {
        "Namespace" => "namespaces",
        "Secret" => "secrets",
        "ConfigMap" => "configmaps",
        "Job" => "jobs",
        other => panic!("no REST path known for kind '{other}'"),
    };
    let base = if api_version.contains('/') {
        format!("/apis/{api_version}")
    } else {
        format!("/api/{api_version}")
    };
    match object["metadata"]["namespace"].as_str() {
        Some(ns) if kind != "Namespace" => format!("{base}/namespaces/{}/{plural}", escape(ns)),
        _ => format!("{base}/{plural}"),
    }
}

/// `s` percent-encoded for a URL path segment (names the server must judge
/// may hold any character).
fn escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Server-side apply of `object` by field manager `planton` (forced), as a
/// dry run (`dryRun=All`) unless `dry_run` is false. Transport errors panic.
pub async fn apply(client: &kube::Client, object: &Value, dry_run: bool) -> Verdict {
    let name = object["metadata"]["name"].as_str().expect("metadata.name");
    let mut params = PatchParams::apply(FIELD_MANAGER).force();
    if dry_run {
        params = params.dry_run();
    }
    let request = Request::new(collection(object))
        .patch(&escape(name), &params, &Patch::Apply(object))
        .expect("an apply request");
    let response = client
        .send(request.map(Body::from))
        .await
        .unwrap_or_else(|e| panic!("apply of '{name}' reached no server: {e}"));
    let status = response.status();
    let warnings: Vec<String> = response
        .headers()
        .get_all("warning")
        .iter()
        .map(|w| {
            // `299 - "text"`: keep the text.
            let w = w.to_str().unwrap_or_default();
            let text = w.splitn(3, ' ').nth(2).unwrap_or(w);
            text.trim_matches('"').to_owned()
        })
        .collect();
    let body = response.into_body().collect_bytes().await.expect("a body");
    if status.is_success() {
        Verdict::Accepted(warnings)
    } else {
        let message = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|s| s["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
        Verdict::Rejected(status.as_u16(), message)
    }
}

/// Creates the namespace `name` for real (objects in it can then be applied
/// as dry runs); idempotent.
pub async fn ensure_namespace(client: &kube::Client, name: &str) {
    let namespace = serde_json::json!({
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}
    });
    let verdict = apply(client, &namespace, false).await;
    assert!(verdict.accepted(), "namespace '{name}': {verdict:?}");
}

/// The namespaces the objects (other than Namespaces) live in, sorted, once each.
pub fn namespaces_of(objects: &[Value]) -> Vec<&str> {
    let mut namespaces: Vec<&str> = objects
        .iter()
        .filter(|o| o["kind"] != "Namespace")
        .filter_map(|o| o["metadata"]["namespace"].as_str())
        .collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    namespaces
}

/// Applies a rendered list in order, as dry runs after creating each
/// namespace the objects live in; the verdict of each object by
/// `Kind/name`.
pub async fn apply_all(client: &kube::Client, objects: &[Value]) -> Vec<(String, Verdict)> {
    for ns in namespaces_of(objects) {
        ensure_namespace(client, ns).await;
    }
    let mut verdicts = Vec::with_capacity(objects.len());
    for object in objects {
        let id = format!(
            "{}/{}",
            object["kind"].as_str().unwrap_or("?"),
            object["metadata"]["name"].as_str().unwrap_or("?")
        );
        verdicts.push((id, apply(client, object, true).await));
    }
    verdicts
}
