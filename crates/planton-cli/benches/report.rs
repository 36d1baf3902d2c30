//! The violation report on hostile shapes, each beside a benign baseline of
//! the same size measured in the same run:
//!
//! - `mask`: 1,000 literal secrets with invalid names on one JSON line
//!   (1,000 violations, every snippet on the line of every secret), against
//!   the same line with plain variables (nothing to mask);
//! - `snippet`: a one-line JSON mebibyte with 1,000 invalid names (each
//!   snippet a window of the line), against the same manifest written one
//!   entry per line.
//!
//! - `ci/FORMAT/...`: the SARIF, JUnit and GitHub entries of the two
//!   `snippet` manifests (their regions walk the text once).
//!
//! The manifests are checked once, outside the measurement: only the report
//! is timed.

#![allow(missing_docs)]

#[allow(unused_imports)]
use planton_manifest::sanitize;

#[allow(dead_code, unused_imports)]
#[path = "../src/report.rs"]
mod report;

#[allow(dead_code, unused_imports)]
#[path = "../src/sarif.rs"]
mod sarif;

#[allow(dead_code, unused_imports)]
#[path = "../src/junit.rs"]
mod junit;

#[allow(dead_code, unused_imports)]
#[path = "../src/github.rs"]
mod github;

use criterion::{Criterion, criterion_group, criterion_main};
use planton_kubernetes_job::JobValidator;

fn manifest(entries: &[String], secrets: bool, separator: &str) -> String {
    let (variables, secrets) = if secrets {
        (String::new(), entries.join(separator))
    } else {
        (entries.join(separator), String::new())
    };
    format!(
        r#"{{"apiVersion":"kubernetes.project-planton.org/v1","kind":"KubernetesJob","metadata":{{"name":"job"}},"spec":{{"namespace":{{"value":"ns"}},"image":{{"repo":"busybox","tag":"latest"}},"env":{{"variables":{{{variables}}},"secrets":{{{secrets}}}}}}}}}"#
    )
}

fn entries(n: usize, value: &str) -> Vec<String> {
    (0..n)
        .map(|i| format!(r#""bad name {i}":{{"value":"{value}-{i:04}"}}"#))
        .collect()
}

/// The checked file, ready for the report.
fn checked(validator: &JobValidator, text: String) -> report::FileResult {
    let checked = validator.check(&text).expect("loads");
    assert!(checked.violations.len() >= 1000);
    let spans = checked
        .violations
        .iter()
        .map(|v| checked.document.source_map().span(&v.field_path))
        .collect();
    let secrets = planton_kubernetes_job::secret_spans(&checked.document);
    report::FileResult {
        file: "bench.json".to_owned(),
        outcome: report::Outcome::Checked {
            violations: checked.violations,
            spans,
            secrets,
            unkept: 0,
        },
        text: Some(text),
    }
}

fn bench(c: &mut Criterion) {
    let validator = JobValidator::new().unwrap();
    let short = entries(1000, "Secret-Value");
    let cases = [
        ("mask/1000-secrets-one-line", manifest(&short, true, ",")),
        (
            "mask/baseline-1000-variables-one-line",
            manifest(&short, false, ","),
        ),
        (
            "snippet/one-line-mebibyte",
            manifest(&entries(1000, &"v".repeat(1050)), false, ","),
        ),
        (
            "snippet/baseline-one-entry-per-line",
            manifest(&entries(1000, &"v".repeat(1050)), false, ",\n"),
        ),
    ];
    let mut group = c.benchmark_group("report");
    for (name, text) in cases {
        let result = checked(&validator, text);
        group.bench_function(name, |b| {
            b.iter(|| {
                std::hint::black_box(report::human_one(&result))
                    .stdout
                    .len()
            })
        });
        if let Some(shape) = name.strip_prefix("snippet/") {
            group.bench_function(format!("ci/sarif/{shape}"), |b| {
                b.iter(|| {
                    std::hint::black_box(sarif::Sarif::new("KubernetesJob").entry(&result)).len()
                })
            });
            group.bench_function(format!("ci/junit/{shape}"), |b| {
                b.iter(|| std::hint::black_box(junit::entry(&result)).len())
            });
            group.bench_function(format!("ci/github/{shape}"), |b| {
                b.iter(|| std::hint::black_box(github::entry(&result)).len())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
