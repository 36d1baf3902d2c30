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
    let found = Command::new(root().join("scripts/terraform"))
        .output()
        .expect("scripts/terraform runs");
    assert!(
        found.status.success(),
        "no terraform: {}",
        String::from_utf8_lossy(&found.stderr)
    );
    let terraform = PathBuf::from(String::from_utf8(found.stdout).unwrap().trim());
    let out = Command::new(terraform)
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
