//! A library starts no thread its caller did not ask for: building the
//! validator and going through the door leave the process's thread count as
//! it was. (One test in this binary, so the harness runs nothing beside it.)

use planton_kubernetes_job::{Input, JobValidator, SideInputs};

/// The threads of this process, from Linux's /proc.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task (Linux)")
        .count()
}

#[test]
fn the_validator_and_the_door_start_no_thread() {
    let before = threads();
    let validator = JobValidator::new().unwrap();
    assert_eq!(threads(), before, "JobValidator::new started a thread");
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data-migration.yaml"),
    )
    .unwrap();
    let out = validator
        .render(Input::Manifest(&text), &SideInputs::new())
        .unwrap();
    assert!(out.rendered.to_yaml().contains("kind: Job"));
    assert!(validator.check(&text).unwrap().is_valid());
    assert_eq!(
        threads(),
        before,
        "validating or rendering started a thread"
    );
}
