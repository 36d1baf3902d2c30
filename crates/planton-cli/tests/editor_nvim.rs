//! `planton lsp` in a real editor: Neovim (Debian's package; `.ci/run`
//! installs it) runs tests/editor/nvim-lsp.lua headless, which opens a
//! broken manifest, edits it as a user would, and records the diagnostics,
//! completion, hover and quick fix it gets from the server.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const MANIFEST: &str = "\
apiVersion: kubernetes.project-planton.org/v1
kind: KubernetesJob
metadata:
  name: Nightly_Job
spec:
  namespace: {value: batch}
  image: {repo: busybox, tag: latest}
  restartPolicy: Always
  env:
    secrets:
      API_TOKEN: {value: hunter2-do-not-show}
";

/// The (line, start, end, code) of each diagnostic.
fn summary(diagnostics: &Value) -> Vec<(u64, u64, u64, String)> {
    diagnostics
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {diagnostics}"))
        .iter()
        .map(|d| {
            let r = &d["range"];
            assert_eq!(r["start"]["line"], r["end"]["line"], "{d}");
            (
                r["start"]["line"].as_u64().unwrap(),
                r["start"]["character"].as_u64().unwrap(),
                r["end"]["character"].as_u64().unwrap(),
                d["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn neovim_gets_diagnostics_completion_hover_and_a_quick_fix() {
    let version = Command::new("nvim").arg("--version").output();
    assert!(
        version.as_ref().is_ok_and(|o| o.status.success()),
        "nvim is required for this test: apt-get install -y neovim (.ci/run installs it)"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("job.yaml");
    std::fs::write(&file, MANIFEST).unwrap();
    let out = dir.path().join("seen.json");
    let mut child = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!(
            "luafile {}",
            root().join("tests/editor/nvim-lsp.lua").display()
        ))
        .env("PLANTON_BIN", env!("CARGO_BIN_EXE_planton"))
        .env("PLANTON_LSP_FILE", &file)
        .env("PLANTON_LSP_OUT", &out)
        .env("HOME", dir.path())
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nvim starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("nvim did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let seen: Value = serde_json::from_str(
        &std::fs::read_to_string(&out).expect("the Lua script wrote its results"),
    )
    .unwrap();
    assert!(
        seen.get("error").is_none(),
        "the Lua script failed: {}",
        seen["error"]
    );
    let text = serde_json::to_string(&seen).unwrap();
    assert!(
        !text.contains("hunter2"),
        "a secret value reached the editor: {text}"
    );

    // 1. On open: the Kubernetes rule on the name, the buf.validate rule on
    // restartPolicy, at the ranges of their values.
    let opened = summary(&seen["opened"]);
    assert_eq!(
        opened,
        [
            (3, 8, 19, "kubernetes.dns1123_label".to_owned()),
            (7, 17, 23, "string.in".to_owned()),
        ],
        "{}",
        seen["opened"]
    );
    let messages: Vec<&str> = seen["opened"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert!(
        messages[1].starts_with("spec.restart_policy: "),
        "{messages:?}"
    );
    assert_eq!(seen["opened"][0]["severity"], json!(1));

    // 2. Completion under spec: and hover on restartPolicy.
    let labels: Vec<&str> = seen["completion"]
        .as_array()
        .or_else(|| seen["completion"]["items"].as_array())
        .unwrap_or_else(|| panic!("no completion: {}", seen["completion"]))
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    for field in [
        "backoffLimit",
        "parallelism",
        "completionMode",
        "volumeMounts",
    ] {
        assert!(labels.contains(&field), "no '{field}' in {labels:?}");
    }
    // Set already under spec: not offered again.
    for field in ["restartPolicy", "image", "env"] {
        assert!(
            !labels.contains(&field),
            "'{field}' offered again: {labels:?}"
        );
    }
    let hover = seen["hover"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        hover.contains("`Always` is not valid for Jobs"),
        "{}",
        seen["hover"]
    );

    // 3. A typo typed in: a load error on the key, with a quick fix; the
    // loader skips the key and goes on, so the violations stay shown.
    assert_eq!(
        summary(&seen["typo"]),
        [
            (3, 8, 19, "kubernetes.dns1123_label".to_owned()),
            (7, 17, 23, "string.in".to_owned()),
            (11, 2, 13, "load.unknown_field".to_owned())
        ],
        "{}",
        seen["typo"]
    );
    assert!(
        seen["typo"][2]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean 'backoffLimit'")
    );
    assert_eq!(
        seen["actions"][0]["title"], "Replace with 'backoffLimit'",
        "{}",
        seen["actions"]
    );
    assert_eq!(seen["actions"][0]["kind"], "quickfix");

    // 4. The fix applied: the line is right and the first violations are back.
    assert_eq!(seen["fixed_line"], "  backoffLimit: 3");
    assert_eq!(summary(&seen["fixed"]), opened, "{}", seen["fixed"]);
}
