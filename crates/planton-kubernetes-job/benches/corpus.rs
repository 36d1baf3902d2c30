//! Validation over the comparison corpus (the examples and every validation
//! case), one pass per iteration: the Rust side of benches/compare-python.
//! The corpus list comes from `CORPUS_LIST` (a file of paths) when set, else
//! from the same directories the script uses.

/// The `planton` binary's allocator, unless the `bench-system-allocator`
/// feature asks for the system one.
#[cfg(not(feature = "bench-system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use planton_kubernetes_job::JobValidator;

fn corpus() -> Vec<PathBuf> {
    if let Ok(list) = std::env::var("CORPUS_LIST") {
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
    let docs: Vec<_> = corpus()
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
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
