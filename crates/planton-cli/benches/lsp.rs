//! The language server after an edit: the diagnostics of a typical manifest
//! (examples/data-migration.yaml) once a user changed a value, computed from
//! the document's text as the server does on every change.
//!
//! - `lsp/diagnostics/valid`: the edit leaves it valid (`backoffLimit: 4`);
//! - `lsp/diagnostics/violations`: the edit breaks two rules
//!   (`restartPolicy: Always`, an upper-case name);
//! - `lsp/diagnostics/typo`: the edit is an unknown field (a load error with
//!   a suggestion);
//! - `lsp/did_change/valid`: the whole path of a `didChange` notification:
//!   its JSON parameters read, the text stored, the diagnostics computed and
//!   the `publishDiagnostics` notification built.

#![allow(missing_docs)]

#[allow(unused_imports)]
use planton_manifest::sanitize;

#[allow(dead_code, unused_imports)]
#[path = "../src/report.rs"]
mod report;

#[allow(dead_code, unused_imports)]
#[path = "../src/lsp.rs"]
mod lsp;

use std::hint::black_box;

/// The allocator of the `planton` binary, so the server is measured as it runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{Criterion, criterion_group, criterion_main};
use planton_kubernetes_job::JobValidator;
use serde_json::json;

fn bench(c: &mut Criterion) {
    let validator: &'static JobValidator = Box::leak(Box::new(JobValidator::new().unwrap()));
    let example = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data-migration.yaml"),
    )
    .unwrap();
    let valid = example.replace("backoffLimit: 3", "backoffLimit: 4");
    let violations = example
        .replace("name: data-migration", "name: Data-Migration")
        .replace(
            "backoffLimit: 3",
            "backoffLimit: 3\n  restartPolicy: Always",
        );
    let typo = example.replace("backoffLimit: 3", "backofLimit: 3");
    let count = |t: &str| lsp::diagnostics(validator.engine(), t).len();
    assert_eq!(count(&valid), 0);
    assert_eq!(count(&violations), 2);
    assert_eq!(count(&typo), 1);

    let mut g = c.benchmark_group("lsp/diagnostics");
    for (name, text) in [
        ("valid", &valid),
        ("violations", &violations),
        ("typo", &typo),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| lsp::diagnostics(validator.engine(), black_box(text)))
        });
    }
    g.finish();

    let mut server = lsp::Server::new(validator);
    let uri = "file:///work/job.yaml";
    let open = lsp_server::Notification::new(
        "textDocument/didOpen".into(),
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": example}}),
    );
    assert_eq!(server.notification(open).len(), 1);
    let change = lsp_server::Notification::new(
        "textDocument/didChange".into(),
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": valid}]}),
    );
    c.bench_function("lsp/did_change/valid", |b| {
        b.iter(|| server.notification(black_box(change.clone())))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
