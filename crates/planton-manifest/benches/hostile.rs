//! One case per class of hostile input at 1 MiB (and 256 KiB), beside benign
//! manifests of the same size as the baseline, all loaded with the default
//! limits.

#[path = "hostile_inputs.rs"]
mod inputs;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use planton_api::registry;
use planton_manifest::Loader;

fn hostile(c: &mut Criterion) {
    let loader = Loader::for_kinds(
        registry::supported_kinds().map(|k| (k.name().to_owned(), k.manifest_message().unwrap())),
    );
    let mut group = c.benchmark_group("hostile");
    group.sample_size(10);
    for size in [256 << 10, 1 << 20] {
        for &class in inputs::CLASSES {
            let text = inputs::case(class, size).unwrap_or_default();
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_with_input(BenchmarkId::new(class, size), &text, |b, text| {
                b.iter(|| loader.load_str(text).is_ok())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, hostile);
criterion_main!(benches);
