//! `planton apply` and `planton delete` against the test cluster. No kubelet
//! or controller runs there: the test drives the Job's status itself,
//! through the status subresource.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use kube::client::Body;
use kube::core::Request;
use kube::core::params::{Patch, PatchParams};
use serde_json::json;

use crate::harness::{VERSIONS, kubeconfig, runtime};

fn planton(args: &[&str], kubeconfig: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_planton"));
    cmd.args(args)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .env_remove("KUBECONFIG");
    cmd
}

fn run(args: &[&str], kubeconfig: &Path) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = planton(args, kubeconfig).output().expect("planton runs");
    (
        status.code().expect("exited"),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

fn manifest(namespace: &str, command: &str) -> String {
    format!(
        "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {{name: applied}}\nspec:\n  namespace: {{value: {namespace}}}\n  createNamespace: true\n  image: {{repo: busybox, tag: \"1.36\"}}\n  command: [sh, -c, {command}]\n  env:\n    secrets:\n      TOKEN: {{value: not-shown}}\n  configMaps:\n    settings: \"mode = full\"\n"
    )
}

/// Sets the Job's status as its controller would on success or failure.
fn finish(version: &'static str, namespace: &str, success: bool) {
    let now = "2026-01-01T00:00:00Z";
    let condition = |kind: &str| {
        json!({"type": kind, "status": "True", "lastTransitionTime": now, "lastProbeTime": now,
               "reason": "Test", "message": "set by the test"})
    };
    let status = if success {
        json!({"startTime": now, "completionTime": now, "succeeded": 1,
               "conditions": [condition("SuccessCriteriaMet"), condition("Complete")]})
    } else {
        json!({"startTime": now, "failed": 1,
               "conditions": [condition("FailureTarget"), condition("Failed")]})
    };
    runtime().block_on(async {
        let client = crate::harness::client(version).await;
        let request = Request::new(format!("/apis/batch/v1/namespaces/{namespace}/jobs"))
            .patch_subresource(
                "status",
                "applied",
                &PatchParams::default(),
                &Patch::Merge(json!({ "status": status })),
            )
            .unwrap();
        let response = client.send(request.map(Body::from)).await.unwrap();
        let code = response.status();
        let body = response.into_body().collect_bytes().await.unwrap();
        assert!(
            code.is_success(),
            "status patch: {code} {}",
            String::from_utf8_lossy(&body)
        );
    });
}

/// Waits for a `planton apply --wait` child, which must still be waiting
/// until the status is set.
fn waited(child: Child) -> (i32, String, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().expect("exited"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn spawn_wait(args: &[&str], kubeconfig: &Path) -> Child {
    planton(args, kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn apply_reports_each_object_waits_replaces_and_deletes() {
    for version in VERSIONS {
        let kubeconfig = kubeconfig(version);
        let dir =
            std::env::temp_dir().join(format!("planton-apply-{}-{version}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let namespace = format!("apply-{}-{}", std::process::id(), &version[3..5]);
        let first = dir.join("job.yaml");
        std::fs::write(&first, manifest(&namespace, "'echo one'")).unwrap();
        let changed = dir.join("changed.yaml");
        std::fs::write(&changed, manifest(&namespace, "'echo two'")).unwrap();
        let (first, changed) = (first.to_str().unwrap(), changed.to_str().unwrap());
        // After a successful apply, the stack outputs as `planton outputs`
        // prints them.
        let outputs = {
            let out = Command::new(env!("CARGO_BIN_EXE_planton"))
                .args(["outputs", first])
                .output()
                .unwrap();
            assert!(out.status.success());
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(
                text.contains("\"jobName\"") && text.ends_with('\n'),
                "{text}"
            );
            text
        };
        let lines = |word: &str, suffix: &str| {
            format!(
                "namespace/{namespace} {word}{suffix}\nsecret/applied-env-secrets {word}{suffix}\nconfigmap/settings {word}{suffix}\njob.batch/applied {word}{suffix}\n"
            )
        };

        // A dry run stores nothing; objects in the namespace it would create
        // cannot be checked, and it says so.
        let (code, out, err) = run(&["apply", first, "--dry-run=server"], &kubeconfig);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.starts_with(&format!("namespace/{namespace} created (server dry run)\n")),
            "{out}"
        );
        assert!(out.contains("(not checked: its namespace"), "{out}");
        let (code, out, _) = run(&["apply", first], &kubeconfig);
        assert_eq!((code, out), (0, lines("created", "") + &outputs));
        let (code, out, _) = run(&["apply", first], &kubeconfig);
        assert_eq!((code, out), (0, lines("unchanged", "") + &outputs));
        let (code, out, _) = run(&["apply", first, "--dry-run=server"], &kubeconfig);
        assert_eq!((code, out), (0, lines("unchanged", " (server dry run)")));
        assert!(!err.contains("not-shown"));

        // A changed pod template: refused with the explanation, then replaced.
        let (code, out, err) = run(&["apply", changed], &kubeconfig);
        assert_eq!(code, 1, "{out}");
        assert!(
            err.contains("field is immutable") && err.contains("--replace"),
            "{err}"
        );
        assert!(err.len() < 1000, "bounded: {err}");
        let (code, out, err) = run(&["apply", changed, "--replace"], &kubeconfig);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.ends_with(&format!("job.batch/applied replaced\n{outputs}")),
            "{out}"
        );

        // --wait: exit 0 once the Job completes.
        let child = spawn_wait(
            &["apply", changed, "--wait", "--timeout", "60"],
            &kubeconfig,
        );
        std::thread::sleep(Duration::from_millis(1500));
        finish(version, &namespace, true);
        let (code, out, err) = waited(child);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.ends_with(&format!("job.batch/applied complete\n{outputs}")),
            "{out}"
        );

        // ... and 1 once it fails.
        let (code, _, err) = run(&["apply", first, "--replace"], &kubeconfig);
        assert_eq!(code, 0, "{err}");
        let child = spawn_wait(&["apply", first, "--wait", "--timeout", "60"], &kubeconfig);
        std::thread::sleep(Duration::from_millis(1500));
        finish(version, &namespace, false);
        let (code, _, err) = waited(child);
        assert_eq!(code, 1);
        assert!(err.contains("job.batch/applied failed"), "{err}");

        // --wait gives up after its timeout.
        let started = Instant::now();
        let (code, out, err) = run(
            &["apply", changed, "--replace", "--wait", "--timeout", "1"],
            &kubeconfig,
        );
        assert_eq!(code, 1, "{out}");
        assert!(
            err.contains("neither complete nor failed after 1 s"),
            "{err}"
        );
        assert!(started.elapsed() < Duration::from_secs(30));

        // delete: the Job first, the namespace last.
        let (code, out, err) = run(&["delete", first], &kubeconfig);
        assert_eq!(code, 0, "{err}");
        let expected: Vec<String> = lines("deleted", "")
            .lines()
            .rev()
            .map(str::to_owned)
            .collect();
        assert_eq!(out.lines().collect::<Vec<_>>(), expected);
        let (code, out, _) = run(&["delete", first], &kubeconfig);
        assert_eq!(code, 0);
        assert!(out.contains("job.batch/applied not found"), "{out}");

        // A context the kubeconfig lacks: a usage error, nothing sent.
        let (code, _, err) = run(&["apply", first, "--context", "missing"], &kubeconfig);
        assert_eq!(code, 2);
        assert!(err.contains("missing"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// `apply --stack-input` connects with the orchestrator's credentials: the
/// DigitalOcean variant's `kubeConfig` (here the test cluster's), with no
/// kubeconfig anywhere else; they are never printed. A GKE provider config
/// is refused with the reason (it needs a Google login).
#[test]
fn apply_connects_with_the_stack_inputs_kubeconfig() {
    let version = VERSIONS[VERSIONS.len() - 1];
    let kubeconfig = std::fs::read_to_string(kubeconfig(version)).unwrap();
    let token = kubeconfig
        .lines()
        .find_map(|l| l.trim().strip_prefix("token:"))
        .map(|t| t.trim().trim_matches('"').to_owned())
        .expect("the test cluster's kubeconfig has a token");
    let dir = std::env::temp_dir().join(format!("planton-apply-doks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let namespace = format!("doks-{}", std::process::id());
    let job = manifest(&namespace, "'echo doks'");
    let indented =
        |text: &str, by: &str| -> String { text.lines().map(|l| format!("{by}{l}\n")).collect() };
    let stack = |provider: &str| {
        format!(
            "target:\n{}provider_config:\n{provider}",
            indented(&job, "  ")
        )
    };
    let doks = dir.join("doks.yaml");
    std::fs::write(
        &doks,
        stack(&format!(
            "  provider: digital_ocean_doks\n  digital_ocean_doks:\n    kube_config: |\n{}",
            indented(&kubeconfig, "      ")
        )),
    )
    .unwrap();
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let planton = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_planton"))
            .args(args)
            .env_remove("KUBECONFIG")
            .env("HOME", &home)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let doks = doks.to_str().unwrap();
    let (code, out, err) = planton(&["apply", "--stack-input", doks]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!("namespace/{namespace} created\n"))
            && out.contains("job.batch/applied created\n")
            && out.contains("\"jobName\": \"applied\""),
        "{out}"
    );
    let (code, out, err) = planton(&["delete", "--stack-input", doks]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("job.batch/applied deleted"), "{out}");
    for text in [&out, &err] {
        assert!(!text.contains(&token) && !text.contains("not-shown"));
    }

    // A kubeconfig that does not parse: refused without quoting it.
    let broken = dir.join("broken.yaml");
    std::fs::write(
        &broken,
        stack(&format!(
            "  provider: digital_ocean_doks\n  digital_ocean_doks:\n    kube_config: \"{token}: [\"\n"
        )),
    )
    .unwrap();
    let (code, out, err) = planton(&["apply", "--stack-input", broken.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("kubeConfig is not a kubeconfig document"),
        "{err}"
    );
    assert!(!err.contains(&token) && !out.contains(&token));

    // GKE: the reason, and the way out.
    let gke = dir.join("gke.yaml");
    std::fs::write(
        &gke,
        stack("  provider: gcp_gke\n  gcp_gke: {cluster_endpoint: https://127.0.0.1:1, cluster_ca_data: Y2E=, service_account_key_base64: a2V5}\n"),
    )
    .unwrap();
    let (code, _, err) = planton(&["apply", "--stack-input", gke.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("GKE") && err.contains("--kubeconfig"), "{err}");
    assert!(!err.contains("a2V5"));
    std::fs::remove_dir_all(&dir).unwrap();
}
