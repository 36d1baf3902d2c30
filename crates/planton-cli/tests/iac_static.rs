//! The Terraform module's files, without a cluster: `variables.tf` is the
//! generated one and `terraform fmt` has nothing to change. What the module
//! creates is proven by the real tools in `iac_live.rs`.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{planton, root};

#[test]
fn variables_tf_is_the_generated_one() {
    let committed = std::fs::read_to_string(root().join("iac/tf/variables.tf")).unwrap();
    let generated = planton(&["tf", "variables"], None);
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    assert!(
        committed == generated.stdout,
        "iac/tf/variables.tf is stale: regenerate it with `cargo build -p planton-cli && target/debug/planton tf variables > iac/tf/variables.tf`"
    );
}

#[test]
fn terraform_fmt_check() {
    let out = Command::new(terraform())
        .args(["fmt", "-check", "-diff", "-recursive", "iac/tf"])
        .current_dir(root())
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "terraform fmt -check iac/tf:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Tfvars in the shape of upstream's module (`namespace` a string,
/// `metadata` with only a name, `target_cluster` without a kind) are refused
/// by our `variables.tf`, as `iac/tf/README.md` documents, by Terraform's own
/// type conversion (no provider or cluster needed: variables only). Terraform
/// names one problem per variable: the image is given in our shape here, so
/// that the namespace or the cluster is the problem named for `spec`.
#[test]
fn upstream_shaped_tfvars_are_refused_as_documented() {
    let terraform = terraform();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("upstream-shape");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(root().join("iac/tf/variables.tf"), dir.join("variables.tf")).unwrap();
    std::fs::write(
        dir.join("upstream.tfvars.json"),
        r#"{"metadata": {"name": "nightly"},
            "spec": {"target_cluster": {"cluster_name": "c1"}, "namespace": "jobs",
                     "create_namespace": true,
                     "image": {"repo": "busybox", "tag": "1.36", "pull_secret_name": ""}}}"#,
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(&terraform)
            .args(args)
            .current_dir(&dir)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .output()
            .unwrap()
    };
    assert!(run(&["init", "-no-color"]).status.success());
    let plan = run(&["plan", "-no-color", "-var-file=upstream.tfvars.json"]);
    let stderr = String::from_utf8_lossy(&plan.stderr).replace('\n', " ");
    assert!(
        !plan.status.success(),
        "upstream-shaped tfvars were accepted"
    );
    let metadata = r#"attributes "env", "group", "id", "org", and "slug" are required"#;
    assert!(stderr.contains(metadata), "{metadata:?} not in: {stderr}");
    // For `spec`, Terraform names the first problem it meets, and the order
    // differs between Terraform versions: either documented difference.
    let spec = [
        r#"attribute "namespace": object required"#,
        r#"attribute "target_cluster": attribute "cluster_kind" is required"#,
    ];
    assert!(
        spec.iter().any(|e| stderr.contains(e)),
        "neither of {spec:?} in: {stderr}"
    );
}

fn terraform() -> PathBuf {
    let found = Command::new(root().join("scripts/terraform"))
        .output()
        .expect("scripts/terraform runs");
    assert!(
        found.status.success(),
        "no terraform: {}",
        String::from_utf8_lossy(&found.stderr)
    );
    PathBuf::from(String::from_utf8(found.stdout).unwrap().trim())
}
