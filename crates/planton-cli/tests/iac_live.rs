//! Terraform and Pulumi, the real tools, against the test cluster: for every
//! example and IaC test case, `iac/tf` (with `planton tf vars`) and the
//! program of `planton pulumi program` create exactly the objects that
//! `planton render` renders, read back from the API server.
//!
//! Three clusters (`tests/cluster/up`, one API server each, held by this test
//! process): one where the rendered objects are applied with server-side
//! apply (the reference), one for Terraform, one for Pulumi. The objects are
//! read back and normalised (server-set fields dropped), then compared; a
//! second `terraform plan` / `pulumi preview` must show no changes, and the
//! tools' outputs must equal `planton outputs`.
//!
//! The tools are built from the Go module proxy on first use
//! (`scripts/terraform`, `scripts/terraform-provider-kubernetes`,
//! `scripts/pulumi-tools`); when one cannot be had the test fails saying why.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{planton, root};
use serde_json::{Value as Json, json};

/// One input: how `planton render`/`tf vars`/`pulumi program` are called.
struct Case {
    name: String,
    args: Vec<String>,
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "yaml")
                && !p.to_string_lossy().ends_with(".resolve.yaml")
        })
        .collect();
    files.sort();
    files
}

/// Every example, the render test data with its side inputs, every
/// `tests/data/tf` case (with `NAME.resolve.yaml` when there is one).
fn cases() -> Vec<Case> {
    let rel = |p: &Path| p.strip_prefix(root()).unwrap().display().to_string();
    let input = |path: &Path| {
        let text = std::fs::read_to_string(path).unwrap();
        let doc = planton_manifest::yaml_to_json(&text).unwrap();
        if doc.get("target").is_some() {
            vec!["--stack-input".to_owned(), rel(path)]
        } else {
            vec![rel(path)]
        }
    };
    let mut out: Vec<Case> = yaml_files(&root().join("examples"))
        .iter()
        .chain(&yaml_files(&root().join("tests/data/tf")))
        .map(|p| {
            let mut args = input(p);
            let resolve = p.with_extension("resolve.yaml");
            if resolve.exists() {
                args.extend(["--resolve".to_owned(), rel(&resolve)]);
            }
            Case { name: rel(p), args }
        })
        .collect();
    out.push(Case {
        name: "tests/data/render/everything.yaml".into(),
        args: [
            "tests/data/render/everything.yaml",
            "--docker-config-json",
            "tests/data/render/docker-config.json",
        ]
        .map(String::from)
        .into(),
    });
    out.push(Case {
        name: "tests/data/render/stack-input.yaml".into(),
        args: [
            "--stack-input",
            "tests/data/render/stack-input.yaml",
            "--resolve",
            "tests/data/render/resolve.yaml",
        ]
        .map(String::from)
        .into(),
    });
    out
}

/// `planton COMMAND... ARGS`, which must succeed.
fn planton_ok(command: &[&str], case: &Case) -> String {
    let mut args: Vec<&str> = command.to_vec();
    args.extend(case.args.iter().map(String::as_str));
    let run = planton(&args, None);
    assert_eq!(run.code, 0, "planton {args:?}: {}", run.stderr);
    run.stdout
}

/// What `planton render -o json` renders for a case, and its outputs.
struct Rendered {
    objects: Vec<Json>,
    namespace: String,
    job_name: String,
}

fn render(case: &Case) -> Rendered {
    let list: Json = serde_json::from_str(&planton_ok(&["render", "-o", "json"], case)).unwrap();
    let outputs: Json = serde_json::from_str(&planton_ok(&["outputs"], case)).unwrap();
    let text = |v: &Json| v.as_str().unwrap_or_default().to_owned();
    Rendered {
        objects: list["items"].as_array().unwrap().clone(),
        namespace: text(&outputs["namespace"]),
        job_name: text(&outputs["jobName"]),
    }
}

/// A scratch directory under the test target dir, emptied.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("iac-live")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a command with a wall-clock limit; the output, or a panic naming
/// the command, its status and its output.
fn run(cmd: &mut Command, what: &str, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let (stdout, stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let read = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let (out, err) = (read(Box::new(stdout)), read(Box::new(stderr)));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{what}: still running after {} s, killed:\n{}",
                limit.as_secs(),
                String::from_utf8_lossy(&err.join().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn run_ok(cmd: &mut Command, what: &str, limit: Duration) -> String {
    let out = run(cmd, what, limit);
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A script of this repository that prints a path (building the tool on
/// first use); its failure fails the test with the script's message.
fn tool(script: &str) -> PathBuf {
    let out = run_ok(
        Command::new(root().join(script)).current_dir(root()),
        &format!("{script} (builds the tool from the Go module proxy on first use)"),
        Duration::from_secs(3 * 3600),
    );
    PathBuf::from(out.trim())
}

/// A test cluster of its own (`tests/cluster/up` with a state directory per
/// name), held by this process, and a small client for it (curl).
struct Cluster {
    kubeconfig: PathBuf,
    server: String,
    ca: PathBuf,
    auth_header: PathBuf,
}

impl Cluster {
    fn up(name: &str) -> Cluster {
        let state = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("iac-live-clusters")
            .join(name);
        let kubeconfig = PathBuf::from(
            run_ok(
                Command::new(root().join("tests/cluster/up"))
                    .args(["--hold", &std::process::id().to_string()])
                    .env("PLANTON_CLUSTER_STATE", &state),
                &format!("tests/cluster/up (cluster '{name}')"),
                Duration::from_secs(3 * 3600),
            )
            .trim(),
        );
        let config =
            planton_manifest::yaml_to_json(&std::fs::read_to_string(&kubeconfig).unwrap()).unwrap();
        let server = config["clusters"][0]["cluster"]["server"]
            .as_str()
            .unwrap()
            .to_owned();
        let token = config["users"][0]["user"]["token"].as_str().unwrap();
        let dir = kubeconfig.parent().unwrap();
        // The token goes to curl in a file, not on its command line.
        let auth_header = dir.join("auth-header");
        std::fs::write(&auth_header, format!("Authorization: Bearer {token}\n")).unwrap();
        Cluster {
            ca: dir.join("pki/ca.crt"),
            kubeconfig,
            server,
            auth_header,
        }
    }

    /// One API request; the status code and the JSON body.
    fn request(&self, method: &str, path: &str, content_type: &str, body: &str) -> (u16, Json) {
        let mut cmd = Command::new("curl");
        cmd.args(["-sS", "--max-time", "60", "-X", method, "--cacert"])
            .arg(&self.ca)
            .arg("-H")
            .arg(format!("@{}", self.auth_header.display()))
            .args(["-H", &format!("Content-Type: {content_type}")])
            .args(["-w", "\n%{http_code}"])
            .arg(format!("{}{path}", self.server));
        if method != "GET" {
            cmd.args(["--data-binary", body]);
        }
        let out = run_ok(
            &mut cmd,
            &format!("curl {method} {path}"),
            Duration::from_secs(90),
        );
        let (body, code) = out.rsplit_once('\n').unwrap();
        let code: u16 = code.parse().unwrap();
        (code, serde_json::from_str(body).unwrap_or(Json::Null))
    }

    fn get(&self, path: &str) -> Option<Json> {
        match self.request("GET", path, "application/json", "") {
            (200, v) => Some(v),
            (404, _) => None,
            (code, v) => panic!("GET {path}: {code} {v}"),
        }
    }

    /// Server-side apply of one object, as `kubectl apply --server-side`.
    fn apply(&self, object: &Json) {
        let path = format!(
            "{}?fieldManager=planton-test&force=true",
            object_path(object)
        );
        let (code, body) = self.request(
            "PATCH",
            &path,
            "application/apply-patch+yaml",
            &object.to_string(),
        );
        assert!(
            code == 200 || code == 201,
            "apply {}: {code} {body}",
            object_key(object)
        );
    }

    /// The namespace, created unless it exists (the orchestrator's job when
    /// the manifest does not create it).
    fn ensure_namespace(&self, name: &str) {
        self.apply(&json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}));
    }

    /// Every object of the case's kinds labelled as a KubernetesJob's, in
    /// `namespace` (and the namespace itself when so labelled), normalised.
    fn objects_of(&self, namespace: &str) -> BTreeMap<String, Json> {
        let selector = "labelSelector=planton.ai%2Fkind%3DKubernetesJob";
        let mut out = BTreeMap::new();
        if let Some(ns) = self.get(&format!("/api/v1/namespaces/{namespace}"))
            && ns["metadata"]["labels"]["planton.ai/kind"] == "KubernetesJob"
        {
            let ns = with_kind(ns, "v1", "Namespace");
            out.insert(object_key(&ns), normalise(ns));
        }
        for (api, plural, kind) in [
            ("/api/v1", "secrets", "Secret"),
            ("/api/v1", "configmaps", "ConfigMap"),
            ("/apis/batch/v1", "jobs", "Job"),
        ] {
            let list = self
                .get(&format!("{api}/namespaces/{namespace}/{plural}?{selector}"))
                .unwrap();
            let version = api.trim_start_matches("/api/").trim_start_matches("/apis/");
            for item in list["items"].as_array().unwrap() {
                let item = with_kind(item.clone(), version, kind);
                out.insert(object_key(&item), normalise(item));
            }
        }
        out
    }
}

/// List items come without apiVersion and kind.
fn with_kind(mut object: Json, api_version: &str, kind: &str) -> Json {
    object["apiVersion"] = json!(api_version);
    object["kind"] = json!(kind);
    object
}

fn object_path(object: &Json) -> String {
    let name = object["metadata"]["name"].as_str().unwrap();
    let ns = object["metadata"]["namespace"].as_str().unwrap_or_default();
    match object["kind"].as_str().unwrap() {
        "Namespace" => format!("/api/v1/namespaces/{name}"),
        "Secret" => format!("/api/v1/namespaces/{ns}/secrets/{name}"),
        "ConfigMap" => format!("/api/v1/namespaces/{ns}/configmaps/{name}"),
        "Job" => format!("/apis/batch/v1/namespaces/{ns}/jobs/{name}"),
        other => panic!("planton render made an unexpected kind {other}"),
    }
}

fn object_key(object: &Json) -> String {
    format!(
        "{}/{}/{}",
        object["kind"].as_str().unwrap_or_default(),
        object["metadata"]["namespace"].as_str().unwrap_or("-"),
        object["metadata"]["name"].as_str().unwrap_or_default()
    )
}

/// A live object without what the server sets on its own: identity,
/// versions, timestamps, managed fields, status, and the Job's generated
/// selector and controller-uid labels (different on every create).
fn normalise(mut object: Json) -> Json {
    let metadata = object["metadata"].as_object_mut().unwrap();
    for field in [
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "generation",
        "managedFields",
        "selfLink",
    ] {
        metadata.remove(field);
    }
    let map = object.as_object_mut().unwrap();
    map.remove("status");
    if map["kind"] == "Job" {
        let spec = map["spec"].as_object_mut().unwrap();
        spec.remove("selector");
        if let Some(labels) = spec["template"]["metadata"]["labels"].as_object_mut() {
            labels.remove("controller-uid");
            labels.remove("batch.kubernetes.io/controller-uid");
        }
    }
    object
}

/// The differences between two JSON values, one line each, by path; Secret
/// data values are not shown.
fn diff(path: &str, left: &Json, right: &Json, out: &mut Vec<String>) {
    match (left, right) {
        (Json::Object(a), Json::Object(b)) => {
            for key in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
                let sub = format!("{path}.{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => diff(&sub, x, y, out),
                    (Some(_), None) => out.push(format!("{sub}: only in the reference")),
                    (None, _) => out.push(format!("{sub}: only in the tool's object")),
                }
            }
        }
        (Json::Array(a), Json::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff(&format!("{path}[{i}]"), x, y, out);
            }
        }
        _ if left == right => {}
        _ if path.contains(".data.") => out.push(format!("{path}: differs (secret data)")),
        _ => out.push(format!("{path}: reference {left}, tool {right}")),
    }
}

fn diff_objects(reference: &BTreeMap<String, Json>, live: &BTreeMap<String, Json>) -> Vec<String> {
    let mut out = Vec::new();
    for (key, object) in reference {
        match live.get(key) {
            Some(l) => diff(key, object, l, &mut out),
            None => out.push(format!("{key}: not created by the tool")),
        }
    }
    for key in live.keys().filter(|k| !reference.contains_key(*k)) {
        out.push(format!("{key}: created by the tool, but not rendered"));
    }
    out
}

/// The rendered objects applied (server-side) to a cluster of their own and
/// read back: per case, the reference objects and the outputs.
struct Reference {
    cases: Vec<(Case, Rendered, BTreeMap<String, Json>)>,
}

fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let cluster = Cluster::up("render");
        let cases = cases();
        assert!(cases.len() >= 10, "the cases were not found");
        let mut namespaces = BTreeMap::new();
        let mut out = Vec::new();
        for case in cases {
            let rendered = render(&case);
            // Cases share one cluster per tool: their namespaces differ.
            if let Some(other) = namespaces.insert(rendered.namespace.clone(), case.name.clone()) {
                panic!(
                    "{} and {other} render into the same namespace '{}': give one another namespace",
                    case.name, rendered.namespace
                );
            }
            if !rendered.objects.iter().any(|o| o["kind"] == "Namespace") {
                cluster.ensure_namespace(&rendered.namespace);
            }
            for object in &rendered.objects {
                cluster.apply(object);
            }
            let live = cluster.objects_of(&rendered.namespace);
            let keys: Vec<String> = rendered.objects.iter().map(object_key).collect();
            assert_eq!(
                live.keys().cloned().collect::<Vec<_>>(),
                {
                    let mut k = keys.clone();
                    k.sort();
                    k
                },
                "{}: the applied render reads back as other objects",
                case.name
            );
            out.push((case, rendered, live));
        }
        Reference { cases: out }
    })
}

/// The addresses of the module's resources (`resource "TYPE" "NAME"` lines).
fn module_resources() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(root().join("iac/tf")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "tf") {
            continue;
        }
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            if let Some(rest) = line.strip_prefix("resource ") {
                let words: Vec<&str> = rest.split('"').filter(|w| !w.trim().is_empty()).collect();
                out.insert(format!("{}.{}", words[0], words[1]));
            }
        }
    }
    assert!(out.len() >= 5, "no resources found in iac/tf: {out:?}");
    out
}

const MINUTE: Duration = Duration::from_secs(60);

fn terraform_cmd(bin: &Path, dir: &Path, config: &Path, cluster: &Cluster) -> Command {
    let mut cmd = Command::new(bin);
    cmd.current_dir(dir)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_CLI_CONFIG_FILE", config)
        .env("KUBE_CONFIG_PATH", &cluster.kubeconfig)
        .env_remove("KUBECONFIG")
        .env_remove("KUBE_CTX");
    cmd
}

#[test]
fn terraform_creates_what_render_applies() {
    let terraform = tool("scripts/terraform");
    let mirror = tool("scripts/terraform-provider-kubernetes");
    let reference = reference();
    let cluster = Cluster::up("terraform");
    let base = scratch("terraform");
    // Providers only from the mirror: `init` needs no registry.
    let config = base.join("terraformrc");
    std::fs::write(
        &config,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = {:?}\n    include = [\"registry.terraform.io/hashicorp/kubernetes\"]\n  }}\n}}\n",
            mirror.display().to_string()
        ),
    )
    .unwrap();
    let mut report = String::new();
    let mut created = BTreeSet::new();
    for (i, (case, rendered, expected)) in reference.cases.iter().enumerate() {
        let dir = base.join(format!("case-{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(root().join("iac/tf")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|x| x == "tf") {
                std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
            }
        }
        std::fs::write(
            dir.join("case.tfvars.json"),
            planton_ok(&["tf", "vars"], case),
        )
        .unwrap();
        if !rendered.objects.iter().any(|o| o["kind"] == "Namespace") {
            cluster.ensure_namespace(&rendered.namespace);
        }
        let tf = |args: &[&str]| {
            run_ok(
                terraform_cmd(&terraform, &dir, &config, &cluster).args(args),
                &format!("{}: terraform {}", case.name, args.join(" ")),
                5 * MINUTE,
            )
        };
        tf(&["init", "-input=false", "-no-color"]);
        tf(&["validate", "-no-color"]);
        let vars = "-var-file=case.tfvars.json";
        tf(&["plan", "-input=false", "-no-color", vars, "-out=tfplan"]);
        tf(&["apply", "-input=false", "-no-color", "tfplan"]);
        // A second plan: no changes (exit code 0; 2 means changes).
        let replan = run(
            terraform_cmd(&terraform, &dir, &config, &cluster).args([
                "plan",
                "-input=false",
                "-no-color",
                "-detailed-exitcode",
                vars,
            ]),
            &format!("{}: terraform plan (again)", case.name),
            5 * MINUTE,
        );
        if replan.status.code() != Some(0) {
            report.push_str(&format!(
                "\n{}: a second plan is not empty (exit {}):\n{}{}\n",
                case.name,
                replan.status,
                String::from_utf8_lossy(&replan.stdout),
                String::from_utf8_lossy(&replan.stderr)
            ));
        }
        for address in tf(&["state", "list"]).lines() {
            created.insert(address.split('[').next().unwrap().to_owned());
        }
        let outputs: Json = serde_json::from_str(&tf(&["output", "-json", "-no-color"])).unwrap();
        let got = (
            outputs["namespace"]["value"].as_str().unwrap_or_default(),
            outputs["job_name"]["value"].as_str().unwrap_or_default(),
        );
        if got != (rendered.namespace.as_str(), rendered.job_name.as_str()) {
            report.push_str(&format!(
                "\n{}: outputs {got:?}, planton outputs {:?}\n",
                case.name,
                (&rendered.namespace, &rendered.job_name)
            ));
        }
        let diffs = diff_objects(expected, &cluster.objects_of(&rendered.namespace));
        if !diffs.is_empty() {
            report.push_str(&format!("\n{}:\n  {}\n", case.name, diffs.join("\n  ")));
        }
    }
    assert!(
        report.is_empty(),
        "iac/tf applied by terraform differs from `planton render` applied server-side:{report}"
    );
    // Every resource of the module was created by some case.
    assert_eq!(
        created,
        module_resources(),
        "the cases do not exercise every resource of iac/tf"
    );
    // The comparison and the re-plan can fail: a label changed behind
    // Terraform's back is seen by both.
    let (i, (case, rendered, expected)) = reference
        .cases
        .iter()
        .enumerate()
        .find(|(_, (c, _, _))| c.name.ends_with("minimal.yaml"))
        .unwrap();
    let job = format!(
        "/apis/batch/v1/namespaces/{}/jobs/{}",
        rendered.namespace, rendered.job_name
    );
    let (code, body) = cluster.request(
        "PATCH",
        &job,
        "application/merge-patch+json",
        r#"{"metadata":{"labels":{"planton.ai/kind":"Changed"}}}"#,
    );
    assert_eq!(code, 200, "{body}");
    let diffs = diff_objects(expected, &cluster.objects_of(&rendered.namespace));
    assert!(
        diffs.iter().any(|d| d.contains("not created by the tool")),
        "{}: a relabelled Job was not missed: {diffs:?}",
        case.name
    );
    let replan = run(
        terraform_cmd(
            &terraform,
            &base.join(format!("case-{i}")),
            &config,
            &cluster,
        )
        .args([
            "plan",
            "-input=false",
            "-no-color",
            "-detailed-exitcode",
            "-var-file=case.tfvars.json",
        ]),
        "terraform plan (after a change)",
        5 * MINUTE,
    );
    assert_eq!(
        replan.status.code(),
        Some(2),
        "terraform plan does not see the changed label:\n{}",
        String::from_utf8_lossy(&replan.stdout)
    );
}

#[test]
fn pulumi_creates_what_render_applies() {
    let bin = tool("scripts/pulumi-tools");
    let reference = reference();
    let cluster = Cluster::up("pulumi");
    let base = scratch("pulumi");
    let mut report = String::new();
    for (i, (case, rendered, expected)) in reference.cases.iter().enumerate() {
        let dir = base.join(format!("case-{i}"));
        let state = base.join(format!("state-{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::create_dir_all(&state).unwrap();
        let mut program =
            planton_manifest::yaml_to_json(&planton_ok(&["pulumi", "program"], case)).unwrap();
        // The test cluster runs no Job controller: Pulumi would wait (10 min)
        // for the Job to succeed. The annotation is dropped before comparing.
        program["resources"]["job"]["properties"]["metadata"]["annotations"]["pulumi.com/skipAwait"] =
            json!("true");
        std::fs::write(dir.join("Pulumi.yaml"), program.to_string()).unwrap();
        if !rendered.objects.iter().any(|o| o["kind"] == "Namespace") {
            cluster.ensure_namespace(&rendered.namespace);
        }
        let pulumi = |args: &[&str]| pulumi_cmd(&bin, &base, i, &cluster, args);
        let ok = |args: &[&str]| {
            run_ok(
                &mut pulumi(args),
                &format!("{}: pulumi {}", case.name, args.join(" ")),
                5 * MINUTE,
            )
        };
        ok(&["stack", "init", "test"]);
        ok(&["up", "--yes", "--skip-preview"]);
        let preview = run(
            &mut pulumi(&["preview", "--refresh", "--expect-no-changes", "--diff"]),
            &format!("{}: pulumi preview", case.name),
            5 * MINUTE,
        );
        if !preview.status.success() {
            report.push_str(&format!(
                "\n{}: pulumi preview after up shows changes ({}):\n{}{}\n",
                case.name,
                preview.status,
                String::from_utf8_lossy(&preview.stdout),
                String::from_utf8_lossy(&preview.stderr)
            ));
        }
        let outputs: Json = serde_json::from_str(&ok(&["stack", "output", "--json"])).unwrap();
        let got = (
            outputs["namespace"].as_str().unwrap_or_default(),
            outputs["job_name"].as_str().unwrap_or_default(),
        );
        if got != (rendered.namespace.as_str(), rendered.job_name.as_str()) {
            report.push_str(&format!(
                "\n{}: outputs {got:?}, planton outputs {:?}\n",
                case.name,
                (&rendered.namespace, &rendered.job_name)
            ));
        }
        let mut live = cluster.objects_of(&rendered.namespace);
        for object in live.values_mut() {
            if object["kind"] == "Job"
                && let Some(annotations) = object["metadata"]["annotations"].as_object_mut()
            {
                annotations.remove("pulumi.com/skipAwait");
                if annotations.is_empty() {
                    object["metadata"]
                        .as_object_mut()
                        .unwrap()
                        .remove("annotations");
                }
            }
        }
        let diffs = diff_objects(expected, &live);
        if !diffs.is_empty() {
            report.push_str(&format!("\n{}:\n  {}\n", case.name, diffs.join("\n  ")));
        }
    }
    assert!(
        report.is_empty(),
        "the program of `planton pulumi program` applied by pulumi differs from `planton render` applied server-side:{report}"
    );
    // The preview can fail: a label changed behind Pulumi's back is seen.
    let (i, (_, rendered, _)) = reference
        .cases
        .iter()
        .enumerate()
        .find(|(_, (c, _, _))| c.name.ends_with("minimal.yaml"))
        .unwrap();
    let (code, body) = cluster.request(
        "PATCH",
        &format!(
            "/apis/batch/v1/namespaces/{}/jobs/{}",
            rendered.namespace, rendered.job_name
        ),
        "application/merge-patch+json",
        r#"{"metadata":{"labels":{"planton.ai/kind":"Changed"}}}"#,
    );
    assert_eq!(code, 200, "{body}");
    let preview = run(
        &mut pulumi_cmd(
            &bin,
            &base,
            i,
            &cluster,
            &["preview", "--refresh", "--expect-no-changes", "--diff"],
        ),
        "pulumi preview (after a change)",
        5 * MINUTE,
    );
    assert!(
        !preview.status.success()
            && String::from_utf8_lossy(&preview.stdout)
                .contains("\"KubernetesJob\" => \"Changed\""),
        "pulumi preview does not see the changed label:\n{}",
        String::from_utf8_lossy(&preview.stdout)
    );
}

/// `pulumi ARGS` for case `i` under `base` (its program in `case-i`, its
/// local backend in `state-i`), offline: the plugins from `bin` on PATH.
fn pulumi_cmd(bin: &Path, base: &Path, i: usize, cluster: &Cluster, args: &[&str]) -> Command {
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new(bin.join("pulumi"));
    cmd.args(args)
        .args(["--non-interactive", "--color", "never"])
        .current_dir(base.join(format!("case-{i}")))
        .env("PATH", path)
        .env("PULUMI_HOME", base.join("home"))
        .env(
            "PULUMI_BACKEND_URL",
            format!("file://{}", base.join(format!("state-{i}")).display()),
        )
        .env("PULUMI_SKIP_UPDATE_CHECK", "1")
        .env("PULUMI_CONFIG_PASSPHRASE", "planton-test")
        .env("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true")
        .env("KUBECONFIG", &cluster.kubeconfig)
        .env_remove("PULUMI_IGNORE_AMBIENT_PLUGINS")
        .env_remove("PULUMI_ACCESS_TOKEN");
    cmd
}
