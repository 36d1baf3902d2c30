//! Cold starts of the `planton` binary (the bench profile's build, spawned
//! as a user runs it), wall time from spawn to exit:
//!
//! - `cold/validate-data-migration`: `planton validate
//!   examples/data-migration.yaml`, the whole run of one valid manifest
//!   (the descriptor pool decoded, the rules compiled, the report written);
//! - `cold/version`: `planton --version`, the same binary started and its
//!   arguments parsed, nothing loaded: what the loader, the kernel and the
//!   argument parser cost;
//! - `cold/true`: `/bin/true` (or `true` on `PATH`), the cost of a spawn on
//!   this machine, the baseline of the two.
//!
//! The binary is the bench profile's build, which skips the release
//! profile's link-time optimisation; `PLANTON_BENCH_BINARY=target/release/planton`
//! times the release build instead (build it first). With
//! `PLANTON_BENCH_BASELINE=/path/to/planton` (another build, e.g. of the
//! parent commit), the two `planton` lines are measured for that binary too,
//! as `baseline/...`, interleaved in the same run. The machine's load
//! average is printed before and after.

#![allow(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

mod spawn;
use spawn::{load_average, timed};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `binary ARGS` with its standard output read to the end, and checks
/// it succeeded and (for `planton`) wrote something.
fn run(binary: &Path, args: &[&std::ffi::OsStr], prints: bool) -> Duration {
    let (output, took) = timed(Command::new(binary).args(args));
    assert!(output.status.success(), "{binary:?} {args:?}");
    assert_eq!(!output.stdout.is_empty(), prints, "{binary:?} {args:?}");
    took
}

fn cold(c: &mut Criterion) {
    let manifest = workspace().join("examples/data-migration.yaml");
    let validate = [std::ffi::OsStr::new("validate"), manifest.as_os_str()];
    let version = [std::ffi::OsStr::new("--version")];
    let truth = ["/bin/true", "/usr/bin/true"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("true"));
    eprintln!("load average before: {}", load_average());
    let mut group = c.benchmark_group("cold");
    group
        .sample_size(50)
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));
    let binary = std::env::var_os("PLANTON_BENCH_BINARY").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_planton")),
        PathBuf::from,
    );
    eprintln!("timing {}", binary.display());
    let mut binaries = vec![(String::new(), binary)];
    if let Some(base) = std::env::var_os("PLANTON_BENCH_BASELINE") {
        binaries.push(("baseline/".to_owned(), PathBuf::from(base)));
    }
    group.bench_function("true", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run(&truth, &[], false)).sum())
    });
    for (prefix, binary) in &binaries {
        group.bench_function(format!("{prefix}version"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| run(binary, &version, true)).sum())
        });
        group.bench_function(format!("{prefix}validate-data-migration"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| run(binary, &validate, true)).sum())
        });
    }
    group.finish();
    eprintln!("load average after: {}", load_average());
}

criterion_group!(benches, cold);
criterion_main!(benches);
