//! Renders a KubernetesJob manifest to the Kubernetes objects (YAML), as
//! `planton render FILE` does, through the library's front door; on a refused
//! input prints what `planton render` prints and exits with 1.
//!
//! `cargo run -p planton-kubernetes-job --example render -- examples/data-migration.yaml [NAMESPACE]`

use std::process::ExitCode;

use planton_kubernetes_job::{Input, JobValidator, SideInputs};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: render MANIFEST [NAMESPACE]");
        return ExitCode::from(2);
    };
    let namespace = args.next();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read '{path}': {e}");
            return ExitCode::from(2);
        }
    };
    let validator = match JobValidator::new() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut side = SideInputs::new();
    if let Some(ns) = &namespace {
        side.namespace(ns);
    }
    match validator.render(Input::Manifest(&text), &side) {
        Ok(out) => {
            eprint!("{}", out.validated.warnings_report(&path, &text));
            print!("{}", out.rendered.to_yaml());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprint!("{}", e.report(&path, &text));
            ExitCode::from(if e.violations().is_some() { 1 } else { 2 })
        }
    }
}
