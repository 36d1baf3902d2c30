//! What an embedder of the library prints is what `planton` prints: the
//! reports come from the library, byte for byte.

mod common;

use common::planton;
use planton_kubernetes_job::{Input, JobValidator, SideInputs};

/// Broken in several ways, with a literal secret on a line a violation
/// quotes.
const BROKEN: &str = "\
apiVersion: kubernetes.project-planton.org/v1
kind: KubernetesJob
metadata: {name: Bad_Name}
spec:
  namespace: {value: batch}
  image: {repo: busybox, tag: latest}
  restartPolicy: Always
  env: {secrets: {bad key: {value: hunter2}}}
";

fn write(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path.display().to_string())
}

#[test]
fn validate_prints_the_librarys_report() {
    let (_dir, path) = write("broken.yaml", BROKEN);
    let cli = planton(&["validate", &path], None);
    assert_eq!(cli.code, 1, "{}", cli.stderr);
    let library = JobValidator::new()
        .unwrap()
        .validation_report(&path, BROKEN);
    assert_eq!(cli.stdout, library);
    assert!(
        library.contains("error[kubernetes.dns1123_label]"),
        "{library}"
    );
    assert!(!library.contains("hunter2"), "{library}");
}

#[test]
fn render_prints_the_door_errors_report() {
    let validator = JobValidator::new().unwrap();
    let (_dir, path) = write("broken.yaml", BROKEN);
    let cli = planton(&["render", &path], None);
    assert_eq!((cli.code, cli.stdout.as_str()), (1, ""), "{}", cli.stderr);
    let err = validator
        .render(Input::Manifest(BROKEN), &SideInputs::new())
        .unwrap_err();
    assert_eq!(cli.stderr, err.report(&path, BROKEN));
    assert!(!cli.stderr.contains("hunter2"), "{}", cli.stderr);

    // A load error: `main` prints it, as the library words it.
    let text = "kind: KubernetesJob\nspec: {imag: {}}\n";
    let (_dir, path) = write("typo.yaml", text);
    let cli = planton(&["render", &path], None);
    assert_eq!(cli.code, 2, "{}", cli.stderr);
    let err = validator
        .render(Input::Manifest(text), &SideInputs::new())
        .unwrap_err();
    assert_eq!(cli.stderr, err.report(&path, text));

    // With --namespace, as with SideInputs::namespace.
    let ok = "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {name: job}\nspec: {namespace: {value: a}, image: {repo: busybox, tag: latest}}\n";
    let (_dir, path) = write("ok.yaml", ok);
    let cli = planton(&["render", &path, "--namespace", "batch"], None);
    assert_eq!(cli.code, 0, "{}", cli.stderr);
    let mut side = SideInputs::new();
    side.namespace("batch");
    let out = validator.render(Input::Manifest(ok), &side).unwrap();
    assert_eq!(cli.stdout, out.rendered.to_yaml());
}
