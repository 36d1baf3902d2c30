//! planton-validate on the bundled examples (loaded and defaulted as `planton validate` does), and
//! the one-off costs: compiling a plan, building a validator.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use planton_manifest::{DefaultOptions, Defaults, Loader};
use prost_reflect::ReflectMessage;

fn example(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(name),
    )
    .unwrap()
}

fn validate(c: &mut Criterion) {
    let desc = planton_api::KubernetesJob::default().descriptor();
    let loader = Loader::for_kinds([("KubernetesJob".to_owned(), desc.clone())]);
    let mut options = DefaultOptions::new();
    options
        .scalar_option("org.project_planton.shared.options.default")
        .message_option("org.project_planton.provider.kubernetes.default_container_resources");
    let defaults = Defaults::new(&desc, &options).unwrap();
    let ours = planton_validate::Validator::new();
    for name in ["data-migration.yaml", "configmap-script.yaml"] {
        let mut doc = loader.load_str(&example(name)).unwrap();
        defaults.apply(doc.message_mut());
        let msg = doc.message().clone();
        assert!(ours.validate(&msg).unwrap().is_empty());
        let plan = ours.plan(&desc).unwrap();
        let mut group = c.benchmark_group(name.trim_end_matches(".yaml"));
        group.bench_function("planton-validate", |b| {
            b.iter(|| ours.validate_with(&plan, black_box(&msg)).unwrap())
        });
        group.finish();
    }
    let mut group = c.benchmark_group("setup");
    group.bench_function("planton-validate/new", |b| {
        b.iter(planton_validate::Validator::new)
    });
    group.bench_function("planton-validate/new+plan", |b| {
        b.iter(|| planton_validate::Validator::new().plan(&desc).unwrap())
    });
    group.finish();
}

criterion_group!(benches, validate);
criterion_main!(benches);
