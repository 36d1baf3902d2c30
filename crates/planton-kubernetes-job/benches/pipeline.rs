//! Per-stage timings on the bundled examples, with baselines measured in the
//! same run: raw YAML event parsing (for load) and the `buf.validate` rules
//! alone (for validate).

/// The `planton` binary's allocator, unless the `bench-system-allocator`
/// feature asks for the system one.
#[cfg(not(feature = "bench-system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use planton_kubernetes_job::{Input, JobValidator, SideInputs, transform};

fn example(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(name),
    )
    .unwrap()
}

fn stages(c: &mut Criterion) {
    let validator = JobValidator::new().unwrap();
    // The loader before the fast reader, for the same run's baseline.
    let mut saphyr_only = JobValidator::new().unwrap();
    saphyr_only.loader_mut().without_fast_reader();
    let buf_only = planton_manifest::BufValidator::new();
    for name in ["data-migration.yaml", "configmap-script.yaml"] {
        let text = example(name);
        let mut doc = validator.load(&text).unwrap();
        validator.apply_defaults(&mut doc);
        assert!(validator.validate(&doc).unwrap().is_empty());
        let mut group = c.benchmark_group(name.trim_end_matches(".yaml"));
        group.bench_function("baseline/yaml_events", |b| {
            b.iter(|| {
                let mut parser = saphyr_parser::Parser::new_from_str(black_box(&text));
                let mut n = 0usize;
                while let Some(Ok(_)) = parser.next_event() {
                    n += 1;
                }
                n
            })
        });
        group.bench_function("load", |b| {
            b.iter(|| validator.load(black_box(&text)).unwrap())
        });
        group.bench_function("baseline/load (saphyr reader alone)", |b| {
            b.iter(|| saphyr_only.load(black_box(&text)).unwrap())
        });
        let loaded = validator.load(&text).unwrap();
        group.bench_function("defaults", |b| {
            b.iter_batched_ref(
                || loaded.clone(),
                |d| validator.apply_defaults(d),
                criterion::BatchSize::SmallInput,
            )
        });
        group.bench_function("baseline/buf_validate_only", |b| {
            b.iter(|| buf_only.validate(black_box(doc.message())).unwrap())
        });
        group.bench_function("validate", |b| {
            b.iter(|| validator.validate(black_box(&doc)).unwrap())
        });
        group.bench_function("transcode (to the generated type)", |b| {
            b.iter(|| {
                planton_manifest::transcode::<planton_api::KubernetesJob>(black_box(doc.message()))
            })
        });
        group.bench_function("transcode/encode only", |b| {
            b.iter(|| {
                let mut buf = Vec::with_capacity(256);
                planton_manifest::encode_dynamic(black_box(doc.message()), &mut buf);
                buf
            })
        });
        group.bench_function("check (load+defaults+validate)", |b| {
            b.iter(|| validator.check(black_box(&text)).unwrap())
        });
        group.bench_function("baseline/check (saphyr reader alone)", |b| {
            b.iter(|| saphyr_only.check(black_box(&text)).unwrap())
        });
        let input = planton_api::KubernetesJobStackInput {
            target: Some(doc.to_typed().unwrap()),
            ..Default::default()
        };
        let validated = validator.validate_input(input.clone(), None).unwrap();
        group.bench_function("validate_input (typed)", |b| {
            b.iter(|| {
                validator
                    .validate_input(black_box(input.clone()), None)
                    .unwrap()
            })
        });
        group.bench_function("transform", |b| {
            b.iter(|| transform(black_box(&validated)).unwrap())
        });
        let rendered = transform(&validated).unwrap();
        group.bench_function("render_to_yaml", |b| {
            b.iter(|| black_box(&rendered).to_yaml())
        });
        group.bench_function("render_to_json", |b| {
            b.iter(|| black_box(&rendered).to_json())
        });
        group.bench_function("baseline/render_to_json via serde_json::Value", |b| {
            b.iter(|| black_box(&rendered).to_json_via_value())
        });
        // The same pipeline assembled by hand (the route before the door),
        // measured in the same run: the door must cost no more.
        group.bench_function(
            "baseline/pipeline by hand (wrap_manifest + validate_document)",
            |b| {
                b.iter(|| {
                    let doc = validator.load(black_box(&text)).unwrap();
                    let mut input = validator.wrap_manifest(doc);
                    let validated = validator.validate_document(&mut input).unwrap();
                    transform(&validated).unwrap().to_yaml()
                })
            },
        );
        group.bench_function("pipeline (text to YAML objects)", |b| {
            b.iter(|| {
                validator
                    .render(Input::Manifest(black_box(&text)), &SideInputs::new())
                    .unwrap()
                    .rendered
                    .to_yaml()
            })
        });
        group.bench_function("to_yaml", |b| {
            b.iter(|| planton_manifest::to_yaml_string(black_box(doc.message())))
        });
        group.bench_function("to_json", |b| {
            b.iter(|| planton_manifest::to_json_string(black_box(doc.message())))
        });
        group.finish();
    }
}

/// The whole pipeline on every bundled example, smallest to largest, through
/// the front door ([`JobValidator::render`]).
fn pipelines(c: &mut Criterion) {
    let validator = JobValidator::new().unwrap();
    let mut saphyr_only = JobValidator::new().unwrap();
    saphyr_only.loader_mut().without_fast_reader();
    let mut group = c.benchmark_group("pipeline");
    for name in [
        "minimal.yaml",
        "indexed.yaml",
        "parallel.yaml",
        "data-migration.yaml",
        "configmap-script.yaml",
    ] {
        let text = example(name);
        group.bench_function(name.trim_end_matches(".yaml"), |b| {
            b.iter(|| {
                validator
                    .render(Input::Manifest(black_box(&text)), &SideInputs::new())
                    .unwrap()
                    .rendered
                    .to_yaml()
            })
        });
        group.bench_function(
            format!(
                "baseline/{} (saphyr reader alone)",
                name.trim_end_matches(".yaml")
            ),
            |b| {
                b.iter(|| {
                    let doc = saphyr_only.load(black_box(&text)).unwrap();
                    let mut input = saphyr_only.wrap_manifest(doc);
                    let validated = saphyr_only.validate_document(&mut input).unwrap();
                    transform(&validated).unwrap().to_yaml()
                })
            },
        );
    }
    group.finish();
}

/// The YAML writer on JSON values (the rendered objects of every bundled
/// example), by its two doors: `json_to_yaml` and `serialize_to_yaml` (one
/// writer since the tree writer was dropped; the lines are kept to compare
/// with measurements from before).
fn yaml_writers(c: &mut Criterion) {
    let validator = JobValidator::new().unwrap();
    let mut values = Vec::new();
    for name in [
        "minimal.yaml",
        "indexed.yaml",
        "parallel.yaml",
        "data-migration.yaml",
        "configmap-script.yaml",
    ] {
        let out = validator
            .render(Input::Manifest(&example(name)), &SideInputs::new())
            .unwrap();
        values.extend(out.rendered.objects().map(|o| o.to_json()));
    }
    let mut group = c.benchmark_group("yaml_writer");
    group.bench_function("json_to_yaml (all objects)", |b| {
        b.iter(|| {
            black_box(&values)
                .iter()
                .map(|v| planton_manifest::json_to_yaml(v).len())
                .sum::<usize>()
        })
    });
    group.bench_function("serialize_to_yaml (all objects)", |b| {
        b.iter(|| {
            black_box(&values)
                .iter()
                .map(|v| planton_manifest::serialize_to_yaml(v).unwrap().len())
                .sum::<usize>()
        })
    });
    group.finish();
}

fn setup(c: &mut Criterion) {
    c.bench_function("setup/JobValidator::new", |b| {
        b.iter(|| JobValidator::new().unwrap())
    });
}

criterion_group!(benches, stages, pipelines, yaml_writers, setup);
criterion_main!(benches);
