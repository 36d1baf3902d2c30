//! Batch runs of the `planton` binary (the bench profile's build, spawned as
//! a user runs it) over 10,000 manifests written by `benches/gen-corpus`,
//! one iteration per run, wall time:
//!
//! - `batch/validate-10k/cores=1` and `cores=2`: `planton validate DIR`
//!   pinned with `taskset` to one core and to two (the process sizes its
//!   pool from the cores it may run on), output to a pipe that is drained;
//! - `batch/render-10k/cores=2`: `planton render DIR --out-dir OUT`, `OUT`
//!   removed before each run (its time is not measured).
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

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};

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
    for (prefix, binary) in &binaries {
        group.bench_function(format!("{prefix}validate-10k/cores=1"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| run(binary, "0", &validate)).sum())
        });
    }
    if cores >= 2 {
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
criterion_main!(benches);
