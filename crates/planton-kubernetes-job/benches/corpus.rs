//! Validation over the comparison corpus (the examples and every validation
//! case), one pass per iteration: the Rust side of benches/compare-python.
//! The corpus list comes from `CORPUS_LIST` (a file of paths) when set, else
//! from the same directories the script uses; load + defaults + validate
//! runs over `LOAD_CORPUS_LIST` when set (the texts the Python side could
//! load), else over the same corpus.

/// The `planton` binary's allocator, unless the `bench-system-allocator`
/// feature asks for the system one.
#[cfg(not(feature = "bench-system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use planton_kubernetes_job::JobValidator;

fn corpus(var: &str) -> Vec<PathBuf> {
    if let Ok(list) = std::env::var(var) {
        return std::fs::read_to_string(list)
            .unwrap()
            .lines()
            .map(PathBuf::from)
            .collect();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in [
        "examples",
        "tests/data/validate/spec",
        "tests/data/validate/kubernetes",
        "tests/data/validate/mixed",
    ] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    files.sort();
    files
}

fn bench(c: &mut Criterion) {
    let validator = JobValidator::new().unwrap();
    let docs: Vec<_> = corpus("CORPUS_LIST")
        .iter()
        .filter_map(|p| {
            let mut d = validator.load(&std::fs::read_to_string(p).ok()?).ok()?;
            validator.apply_defaults(&mut d);
            Some(d)
        })
        .collect();
    let buf = planton_manifest::BufValidator::new();
    assert!(!docs.is_empty(), "the corpus is not empty");
    eprintln!("corpus: {} manifests", docs.len());
    let mut group = c.benchmark_group("corpus");
    group.bench_function("buf_validate_only", |b| {
        b.iter(|| {
            for d in &docs {
                let _ = black_box(buf.validate(d.message()));
            }
        })
    });
    group.bench_function("validate", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(validator.validate(d).unwrap());
            }
        })
    });
    let texts: Vec<String> = corpus("LOAD_CORPUS_LIST")
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|t| validator.check(t).is_ok())
        .collect();
    assert!(!texts.is_empty(), "the load corpus is not empty");
    eprintln!("load corpus: {} texts", texts.len());
    group.bench_function("load_defaults_validate", |b| {
        b.iter(|| {
            for t in &texts {
                let _ = black_box(validator.check(black_box(t)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
