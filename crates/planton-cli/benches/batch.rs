//! Batch runs of the `planton` binary (the bench profile's build, spawned as
//! a user runs it) over 10,000 manifests written by `benches/gen-corpus`,
//! one iteration per run, wall time:
//!
//! - `batch/validate-10k/cores=1` and `cores=2`: `planton validate DIR`
//!   pinned with `taskset` to one core and to two (the process starts a
//!   worker process per further core it may run on, which inherits the
//!   pinning), output to a pipe that is drained;
//! - `batch/render-10k/cores=2`: `planton render DIR --out-dir OUT`, `OUT`
//!   removed before each run (its time is not measured);
//! - `batch/ideal/cores=1` and `cores=2`: the reference for the scaling, a
//!   job that scales perfectly, spawned and pinned the same way: this bench's
//!   own binary, which splits a fixed amount of arithmetic over one thread
//!   per core it may run on, sized at the start to take as long on one core
//!   as `planton validate` does. Its ratio of two lines is what the machine
//!   gives a two-thread process of that length (a virtual machine's second
//!   core may be taken away for a while), `planton`'s is measured against it.
//!
//! With `PLANTON_BENCH_BASELINE=/path/to/planton` (another build, e.g. of
//! the parent commit), each line is measured for that binary too, as
//! `baseline/...`, interleaved in the same run.
//!
//! The corpus goes to `/dev/shm` (tmpfs) when it exists, else to the system's
//! temporary directory; it is written once and reused while its marker file
//! says it is complete. The scaling from one core to two is the ratio of the
//! two `validate` lines of one run. The machine's load average is printed
//! before and after, since the figures mean little on a busy machine.

#![allow(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group};

mod spawn;
use spawn::{load_average, timed};

const FILES: usize = 10_000;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The corpus directory, written by `benches/gen-corpus` unless a complete
/// one is there.
fn corpus() -> PathBuf {
    let shm = Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("planton-bench-batch-{FILES}"));
    let marker = dir.join(".complete");
    if !marker.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        let status = Command::new(workspace().join("benches/gen-corpus"))
            .arg(dir.join("in"))
            .arg(FILES.to_string())
            .stdout(Stdio::null())
            .status()
            .expect("benches/gen-corpus runs (it needs python3)");
        assert!(status.success(), "benches/gen-corpus failed");
        std::fs::write(&marker, "").unwrap();
    }
    dir
}

/// Runs `planton ARGS` on the cores `cpus` (a `taskset` list), its standard
/// output read to the end (discarded), and checks its exit status: the
/// corpus has invalid manifests, so `validate` exits with 1, `render` too.
fn run(binary: &Path, cpus: &str, args: &[&std::ffi::OsStr]) -> Duration {
    let (output, took) = timed(
        Command::new("taskset")
            .args(["-c", cpus])
            .arg(binary)
            .args(args),
    );
    assert_eq!(output.status.code(), Some(1), "{args:?}");
    assert!(!output.stdout.is_empty());
    took
}

/// The variable that makes this binary run the ideal job: its units of
/// arithmetic.
const IDEAL_UNITS: &str = "PLANTON_BENCH_IDEAL_UNITS";

/// `units` rounds of a 64-bit generator, split over one thread per core the
/// process may run on (as `planton` sizes its pool).
fn ideal_job(units: u64) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let per = units / threads;
    let work = move |seed: u64| {
        let mut x = seed | 1;
        for _ in 0..per {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            x ^= x >> 29;
        }
        std::hint::black_box(x);
    };
    std::thread::scope(|scope| {
        for t in 1..threads {
            scope.spawn(move || work(t));
        }
        work(0);
    });
}

/// Runs the ideal job of `units` on the cores `cpus`, spawned as `planton` is.
fn run_ideal(units: u64, cpus: &str) -> Duration {
    let (output, took) = timed(
        Command::new("taskset")
            .args(["-c", cpus])
            .arg(std::env::current_exe().unwrap())
            .env(IDEAL_UNITS, units.to_string()),
    );
    assert!(output.status.success());
    took
}

/// The units of the ideal job that take as long on one core as `planton
/// validate` of the corpus (the medians of five runs each).
fn ideal_units(binary: &Path, validate: &[&std::ffi::OsStr]) -> u64 {
    let median = |mut runs: Vec<Duration>| {
        runs.sort();
        runs[runs.len() / 2]
    };
    let target = median((0..5).map(|_| run(binary, "0", validate)).collect());
    let probe = 20_000_000;
    let took = median((0..5).map(|_| run_ideal(probe, "0")).collect());
    let units = probe as f64 * target.as_secs_f64() / took.as_secs_f64();
    eprintln!(
        "ideal job: {units:.0} units, sized on `validate` at {:.1} ms on one core",
        target.as_secs_f64() * 1e3
    );
    units as u64
}

fn batch(c: &mut Criterion) {
    let dir = corpus();
    let input = dir.join("in");
    let out = dir.join("out");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!("load average before: {}", load_average());
    let mut group = c.benchmark_group("batch");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(1));
    let validate = [std::ffi::OsStr::new("validate"), input.as_os_str()];
    let render = [
        std::ffi::OsStr::new("render"),
        input.as_os_str(),
        std::ffi::OsStr::new("--out-dir"),
        out.as_os_str(),
    ];
    let mut binaries = vec![(String::new(), PathBuf::from(env!("CARGO_BIN_EXE_planton")))];
    if let Some(base) = std::env::var_os("PLANTON_BENCH_BASELINE") {
        binaries.push(("baseline/".to_owned(), PathBuf::from(base)));
    }
    let ideal = ideal_units(&binaries[0].1, &validate);
    group.bench_function("ideal/cores=1", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run_ideal(ideal, "0")).sum())
    });
    for (prefix, binary) in &binaries {
        group.bench_function(format!("{prefix}validate-10k/cores=1"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| run(binary, "0", &validate)).sum())
        });
    }
    if cores >= 2 {
        group.bench_function("ideal/cores=2", |b| {
            b.iter_custom(|iters| (0..iters).map(|_| run_ideal(ideal, "0,1")).sum())
        });
        for (prefix, binary) in &binaries {
            group.bench_function(format!("{prefix}validate-10k/cores=2"), |b| {
                b.iter_custom(|iters| (0..iters).map(|_| run(binary, "0,1", &validate)).sum())
            });
        }
        for (prefix, binary) in &binaries {
            group.bench_function(format!("{prefix}render-10k/cores=2"), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| {
                            let _ = std::fs::remove_dir_all(&out);
                            run(binary, "0,1", &render)
                        })
                        .sum()
                })
            });
        }
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&out);
    eprintln!("load average after: {}", load_average());
}

criterion_group!(benches, batch);

fn main() {
    // Spawned by the bench itself as the ideal job.
    if let Some(units) = std::env::var_os(IDEAL_UNITS) {
        ideal_job(units.to_str().and_then(|u| u.parse().ok()).unwrap());
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
