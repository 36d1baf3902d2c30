//! The system calls a batch run makes per file, counted by `strace` (which
//! `.ci/run` installs; the test fails when it is missing): the difference
//! between a run over 300 manifests and one over 100, divided by 200, so
//! what a run makes once (start-up, the walk's directories) cancels out.
//!
//! - `validate DIR` (with a worker process): one `open`, one `read`, one
//!   `close` per file, no `stat`, and the calls on the worker's pipes well
//!   under one per file;
//!   each file opened by its name relative to its open directory, not by
//!   its whole path;
//! - `render DIR --out-dir OUT` into a new `OUT`: the input's three, then
//!   the temporary file's `open`, `write` and `close` and the `rename`; no
//!   `stat`, `mkdir` or `getcwd` per file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A new directory of its own (the tests run in parallel).
fn temp_dir(tag: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("planton-syscalls-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `count` manifests (copies of the bundled examples, one of them invalid)
/// in `dir`.
fn corpus(dir: &Path, count: usize) {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let texts: Vec<String> = [
        "data-migration.yaml",
        "configmap-script.yaml",
        "indexed.yaml",
    ]
    .iter()
    .map(|name| std::fs::read_to_string(examples.join(name)).unwrap())
    .collect();
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..count {
        let mut text = texts[i % texts.len()].clone();
        if i == 7 {
            text.push_str("  restartPolicy: Always\n");
        }
        std::fs::write(dir.join(format!("job-{i:04}.yaml")), text).unwrap();
    }
}

/// The calls of each kind that `planton args` makes (its worker processes
/// included), from a full trace by `strace -f -y`: a call on a pipe (to or
/// from a worker) counts as `pipe:NAME`, any other as `NAME`.
fn calls(args: &[&std::ffi::OsStr]) -> BTreeMap<String, u64> {
    let dir = temp_dir("strace");
    let trace = dir.join("trace");
    let status = Command::new("strace")
        // Every descriptor with what it is (`3</path>`, `4<pipe:[9]>`), no
        // data.
        .args(["-f", "-y", "-s", "0", "-qq", "-o"])
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_planton"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("strace runs (.ci/run installs it)");
    // The corpus has one invalid manifest.
    assert_eq!(status.code(), Some(1), "{args:?}");
    let text = std::fs::read_to_string(&trace).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for line in text.lines() {
        // `PID name(args) = result`, or the first half of a call another
        // thread interrupted (`PID name(args <unfinished ...>`); its second
        // half (`PID <... name resumed>`) and signals are not calls.
        let call = line
            .split_once(' ')
            .map_or(line, |(_, call)| call)
            .trim_start();
        let Some((name, rest)) = call.split_once('(') else {
            continue;
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        // The parent's waits for its workers are about pipes too.
        let on_pipe = rest.contains("<pipe:[") || matches!(name, "poll" | "ppoll");
        let key = if on_pipe {
            format!("pipe:{name}")
        } else {
            name.to_owned()
        };
        *counts.entry(key).or_default() += 1;
    }
    assert!(counts.contains_key("openat"), "{text}");
    counts
}

/// The calls per file of `run` over a directory of manifests: the run over
/// 300 less the run over 100, by 200; and the calls of the run over 300.
fn per_file(
    run: impl Fn(&Path, &Path) -> BTreeMap<String, u64>,
) -> (BTreeMap<String, f64>, BTreeMap<String, u64>) {
    let dir = temp_dir("runs");
    let (small, large) = (dir.join("small"), dir.join("large"));
    corpus(&small, 100);
    corpus(&large, 300);
    let few = run(&small, &dir.join("out-small"));
    let many = run(&large, &dir.join("out-large"));
    std::fs::remove_dir_all(&dir).unwrap();
    let per_file = many
        .iter()
        .map(|(name, &n)| {
            let base = few.get(name).copied().unwrap_or(0);
            (name.clone(), (n as f64 - base as f64) / 200.0)
        })
        .collect();
    (per_file, many)
}

fn get(calls: &BTreeMap<String, f64>, name: &str) -> f64 {
    calls.get(name).copied().unwrap_or(0.0)
}

/// The allocator's calls (it maps and returns memory in large pieces) and
/// the threads' lock traffic: not counted per file, but bounded.
const NOT_PER_FILE: [&str; 6] = ["futex", "mmap", "munmap", "madvise", "mprotect", "brk"];

/// Every call per file but [`NOT_PER_FILE`], which stay under a fifth of
/// a call per file together. With debug assertions (the build `cargo test`
/// runs), the standard library asks each descriptor's flags
/// (`fcntl(F_GETFD)`) before it closes it, to check that it is open: that
/// call comes with each `close`, and is not counted; a release build makes
/// none.
fn total(calls: &BTreeMap<String, f64>) -> f64 {
    let other: f64 = NOT_PER_FILE.iter().map(|n| get(calls, n).abs()).sum();
    assert!(other < 0.2, "{calls:?}");
    let checks = if cfg!(debug_assertions) {
        get(calls, "close")
    } else {
        0.0
    };
    assert_eq!(get(calls, "fcntl"), checks, "{calls:?}");
    calls
        .iter()
        .filter(|(name, _)| {
            !NOT_PER_FILE.contains(&name.as_str()) && *name != "fcntl" && !name.starts_with("pipe:")
        })
        .map(|(_, n)| n)
        .sum()
}

#[test]
fn validate_reads_each_file_with_one_open_one_read_one_close() {
    // This process and a worker process.
    let (calls, run) = per_file(|input, _| {
        calls(&[
            std::ffi::OsStr::new("validate"),
            std::ffi::OsStr::new("--jobs=2"),
            input.as_os_str(),
        ])
    });
    assert_eq!(get(&calls, "openat"), 1.0, "{calls:?}");
    assert_eq!(get(&calls, "read"), 1.0, "{calls:?}");
    assert_eq!(get(&calls, "close"), 1.0, "{calls:?}");
    for stat in ["statx", "newfstatat", "fstat", "lstat", "stat"] {
        assert_eq!(get(&calls, stat), 0.0, "{stat}: {calls:?}");
    }
    // The report goes out in large writes, not one per file.
    assert!(get(&calls, "write") < 0.05, "{calls:?}");
    // And nothing else.
    assert!((total(&calls) - 3.0).abs() < 0.05, "{calls:?}");
    // The worker's chunks and results, and the waits for them: a few calls
    // per chunk of files, not per file (how many depends on who waits for
    // whom, so they are counted in the run over 300, not per file); and
    // some (the worker took files).
    let pipes: u64 = run
        .iter()
        .filter(|(name, _)| name.starts_with("pipe:"))
        .map(|(_, n)| n)
        .sum();
    assert!(pipes > 0 && pipes < 100, "{run:?}");
}

#[test]
fn render_writes_each_file_with_seven_calls() {
    let (calls, _) = per_file(|input, out| {
        calls(&[
            std::ffi::OsStr::new("render"),
            input.as_os_str(),
            std::ffi::OsStr::new("--out-dir"),
            out.as_os_str(),
        ])
    });
    // The input's open, the temporary file's.
    assert_eq!(get(&calls, "openat"), 2.0, "{calls:?}");
    assert_eq!(get(&calls, "read"), 1.0, "{calls:?}");
    assert_eq!(get(&calls, "close"), 2.0, "{calls:?}");
    assert_eq!(get(&calls, "write"), 1.0, "{calls:?}");
    assert_eq!(
        get(&calls, "rename") + get(&calls, "renameat"),
        1.0,
        "{calls:?}"
    );
    for per_run in ["statx", "newfstatat", "mkdir", "getcwd"] {
        assert_eq!(get(&calls, per_run), 0.0, "{per_run}: {calls:?}");
    }
    assert!((total(&calls) - 7.0).abs() < 0.05, "{calls:?}");
}

#[test]
fn validate_opens_each_file_relative_to_its_directory() {
    let dir = temp_dir("openat");
    let input = dir.join("deep/er/jobs");
    corpus(&input, 20);
    let trace = dir.join("trace");
    let status = Command::new("strace")
        .args(["-f", "-e", "trace=openat", "-o"])
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_planton"))
        .arg("validate")
        .arg(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("strace runs (.ci/run installs it)");
    assert_eq!(status.code(), Some(1));
    let text = std::fs::read_to_string(&trace).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    // `PID openat(DIRFD, "NAME", FLAGS) = FD`, for the manifests.
    let opens: Vec<&str> = text
        .lines()
        .filter(|line| line.contains(".yaml\""))
        .collect();
    assert_eq!(opens.len(), 20, "{text}");
    for line in opens {
        let call = line.split_once("openat(").map_or("", |(_, call)| call);
        let (dirfd, rest) = call.split_once(", ").unwrap_or_default();
        assert!(
            dirfd.parse::<u32>().is_ok(),
            "not relative to a directory: {line}"
        );
        assert!(rest.starts_with("\"job-"), "not by its name alone: {line}");
    }
}
