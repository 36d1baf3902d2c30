//! `planton validate` with worker processes (`--jobs N`, N > 1): the same
//! report, byte for byte, as on one core, whatever the input, the limits it
//! runs under and the reader of its output; bounded memory; no worker left
//! behind.

mod common;

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use planton_manifest::report::{FileResult, Outcome};
use planton_manifest::wire::{Reader, Writer};
use std::time::{Duration, Instant};

use common::root;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("planton-workers-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn example(name: &str) -> String {
    std::fs::read_to_string(root().join("examples").join(name)).unwrap()
}

/// A manifest with one violation (a restart policy Jobs refuse).
fn invalid() -> String {
    example("minimal.yaml") + "  restartPolicy: Always\n"
}

/// `planton args` with `stdin`, in the repository root.
fn run(args: &[&std::ffi::OsStr], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_planton"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Err(e) = input.write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// A tree with every kind of input a walk meets: valid and invalid
/// manifests, warnings, load errors, files that are not Planton manifests,
/// a FIFO and a socket, symbolic links (to a file, dangling, to a
/// directory), names that are not UTF-8, text that is not UTF-8, enough
/// files for every worker to take chunks.
fn mixed_tree(dir: &Path) {
    let data = root().join("tests/data");
    let copy = |from: &Path, to: &Path| {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
            }
        }
    };
    copy(&data.join("load"), &dir.join("load"));
    copy(&data.join("validate/mixed"), &dir.join("mixed"));
    copy(&root().join("examples"), &dir.join("examples"));
    for i in 0..150 {
        let text = if i % 3 == 0 {
            invalid()
        } else {
            example("minimal.yaml")
        };
        std::fs::write(dir.join(format!("many/{:03}.yaml", i)).tap_dir(), text).unwrap();
    }
    std::fs::write(dir.join("other/ci.yaml").tap_dir(), "on: push\njobs: {}\n").unwrap();
    std::fs::write(
        dir.join("other/deploy.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\n",
    )
    .unwrap();
    std::fs::write(dir.join("other/latin1.yaml"), b"kind: \xe9\n").unwrap();
    let status = Command::new("mkfifo")
        .arg(dir.join("fifo.yaml"))
        .status()
        .unwrap();
    assert!(status.success());
    let _socket = std::os::unix::net::UnixListener::bind(dir.join("socket.yaml")).unwrap();
    std::os::unix::fs::symlink("examples/minimal.yaml", dir.join("link.yaml")).unwrap();
    std::os::unix::fs::symlink("nowhere.yaml", dir.join("dangling.yaml")).unwrap();
    std::os::unix::fs::symlink("load", dir.join("linked-dir")).unwrap();
    let name = |bytes: &[u8]| dir.join(std::ffi::OsStr::from_bytes(bytes));
    std::fs::write(name(b"bad-\xff-name.yaml"), invalid()).unwrap();
    std::fs::write(name(b"bad-\xfe-valid.yaml"), example("minimal.yaml")).unwrap();
}

/// Creates the parent directory of a path on the way.
trait TapDir {
    fn tap_dir(self) -> Self;
}

impl TapDir for PathBuf {
    fn tap_dir(self) -> Self {
        std::fs::create_dir_all(self.parent().unwrap()).unwrap();
        self
    }
}

#[test]
fn every_format_is_byte_identical_whatever_the_jobs() {
    let dir = temp_dir("same");
    mixed_tree(&dir);
    let tree = dir.as_os_str();
    let load = dir.join("load");
    let named = root().join("examples/data-migration.yaml");
    let stdin = invalid();
    let formats = ["human", "json", "sarif", "junit", "github"];
    for format in formats {
        for extra in [
            &[][..],
            &["--strict"],
            &["--exclude", "mixed", "--exclude", "*.json"],
        ] {
            let mut outputs = Vec::new();
            for jobs in ["1", "2", "5"] {
                let head = ["validate", "--jobs", jobs, "-o", format];
                let mut args: Vec<&std::ffi::OsStr> =
                    head.iter().chain(extra).map(std::ffi::OsStr::new).collect();
                // A directory, standard input, a named file, a directory
                // again (inside the first).
                args.extend([
                    tree,
                    std::ffi::OsStr::new("-"),
                    named.as_os_str(),
                    load.as_os_str(),
                ]);
                let out = run(&args, stdin.as_bytes());
                outputs.push((jobs, out));
            }
            let (_, first) = &outputs[0];
            assert_eq!(first.status.code(), Some(2), "{format} {extra:?}");
            assert!(first.stdout.len() > 10_000, "{format} {extra:?}");
            for (jobs, out) in &outputs[1..] {
                let what = format!("-o {format} {extra:?} --jobs {jobs}");
                assert_eq!(out.status.code(), first.status.code(), "{what}");
                assert!(out.stdout == first.stdout, "{what}: stdout differs");
                assert_eq!(
                    String::from_utf8_lossy(&out.stderr),
                    String::from_utf8_lossy(&first.stderr),
                    "{what}"
                );
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Many directories (each one held open while its files are in flight)
/// and many jobs: the workers' pipes must not take the descriptors the
/// files need.
#[test]
fn a_low_open_file_limit_with_many_jobs_loses_no_file() {
    let dir = temp_dir("nofile");
    for i in 0..150 {
        let text = if i % 2 == 0 {
            invalid()
        } else {
            example("minimal.yaml")
        };
        std::fs::write(dir.join(format!("d{i:03}/job.yaml")).tap_dir(), text).unwrap();
    }
    let expected = common::planton_limited(
        "true",
        &["validate".as_ref(), "--jobs=1".as_ref(), dir.as_os_str()],
    );
    let stdout = String::from_utf8_lossy(&expected.stdout);
    assert!(
        stdout.ends_with("150 files: 75 valid, 75 invalid (75 violations), 0 not loaded\n"),
        "{stdout}"
    );
    for files in [16, 24] {
        for jobs in ["--jobs=2", "--jobs=8", "--jobs=16"] {
            let out = common::planton_limited(
                &format!("ulimit -n {files}"),
                &["validate".as_ref(), jobs.as_ref(), dir.as_os_str()],
            );
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.stdout == expected.stdout,
                "ulimit -n {files} {jobs}: {}",
                stdout.lines().last().unwrap_or_default()
            );
            assert_eq!(out.status.code(), Some(1), "ulimit -n {files} {jobs}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Under a limit of processes no worker, and no thread, can start: the run
/// is checked by this process alone, with the same report. The limit holds
/// for a user other than root (root is exempt): as root, the run drops to
/// `nobody` with `setpriv` (util-linux).
#[test]
fn when_no_process_can_start_the_run_is_checked_here() {
    let dir = temp_dir("nproc");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for i in 0..40 {
        let text = if i % 4 == 0 {
            invalid()
        } else {
            example("minimal.yaml")
        };
        std::fs::write(input.join(format!("j{i:02}.yaml")), text).unwrap();
    }
    // The binary where another user reaches it (the workspace may be in a
    // home directory closed to others): a link, else a copy.
    let binary = dir.join("planton");
    if std::fs::hard_link(env!("CARGO_BIN_EXE_planton"), &binary).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_planton"), &binary).unwrap();
    }
    // Readable by anyone (the temporary directory is).
    let status = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(&dir)
        .status()
        .unwrap();
    assert!(status.success());
    let expected = common::planton(&["validate", "--jobs=1", input.to_str().unwrap()], None);
    assert_eq!(expected.code, 1);
    let root_user = rustix::process::geteuid().is_root();
    // `prlimit` and `setpriv` are util-linux's.
    let mut command = if root_user {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "prlimit",
        ]);
        c
    } else {
        Command::new("prlimit")
    };
    let out = command
        .arg("--nproc=1")
        .arg(&binary)
        .args(["validate", "--jobs=4"])
        .arg(&input)
        .current_dir("/")
        .stdin(Stdio::null())
        .output()
        .expect("prlimit and setpriv (util-linux) run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected.stdout);
    assert_eq!(stderr, expected.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The peak resident memory (KiB) of the largest process `planton args`
/// ran (itself or a worker), from Python's `getrusage` of its children;
/// its output is dropped.
fn peak_memory(args: &[&std::ffi::OsStr]) -> (Option<i32>, u64) {
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import resource, subprocess, sys\n\
             r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n\
             print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n\
             sys.exit(r.returncode)",
        )
        .arg(env!("CARGO_BIN_EXE_planton"))
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("python3 runs");
    let kib = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    (out.status.code(), kib)
}

/// Hundreds of 3.9 MB manifests that do not load (each result holds its
/// text, for the report) on five jobs: the results that wait for their turn
/// are bounded as with threads (64 MiB, besides the chunk of 32 files being
/// taken in and the one the parent checks), not by what the workers have
/// been sent (1,351 MiB before).
#[test]
fn large_results_waiting_for_their_turn_stay_bounded() {
    let dir = temp_dir("memory");
    let mut text = String::from("apiVersion: kubernetes.project-planton.org/v1\n\tkind: x\n");
    while text.len() < 3_900_000 {
        text.push_str("# a comment that pads the file to a few megabytes, kept for the report\n");
    }
    let first = dir.join("f000.yaml");
    std::fs::write(&first, &text).unwrap();
    // Links to one file: no disk space, the same results.
    for i in 1..700 {
        std::fs::hard_link(&first, dir.join(format!("f{i:03}.yaml"))).unwrap();
    }
    let (code, one) = peak_memory(&["validate".as_ref(), "--jobs=1".as_ref(), dir.as_os_str()]);
    assert_eq!(code, Some(2));
    let (code, five) = peak_memory(&["validate".as_ref(), "--jobs=5".as_ref(), dir.as_os_str()]);
    assert_eq!(code, Some(2));
    // 64 MiB waiting, two chunks of 32 files of 4 MiB (the next one in
    // order, and the parent's own), a result and a read buffer per worker,
    // and room for the process.
    let bound = one + (64 + 2 * 32 * 4 + 4 * 2 * 4 + 96) * 1024;
    assert!(
        five < bound,
        "peak {} MiB with --jobs 5 (--jobs 1: {} MiB)",
        five / 1024,
        one / 1024
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The processes, other than this test's, whose environment holds
/// `mark` (a worker inherits its parent's environment).
fn marked(mark: &str) -> Vec<String> {
    let needle = format!("PLANTON_TEST_MARK={mark}");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        // Gone meanwhile, or a zombie (an empty environment): not running.
        let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        if environ
            .split(|&b| b == 0)
            .any(|var| var == needle.as_bytes())
        {
            found.push(name);
        }
    }
    found
}

/// `planton args` with `mark` in its environment, its output read by
/// nobody (a pipe closed at once, as `| head -1` closes it after a line);
/// killed, failing the test, if it has not ended after `limit`.
fn run_unread(args: &[&std::ffi::OsStr], mark: &str, limit: Duration) -> std::process::ExitStatus {
    let mut child = Command::new(env!("CARGO_BIN_EXE_planton"))
        .args(args)
        .env("PLANTON_TEST_MARK", mark)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{args:?} still running after {limit:?} with its output closed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `planton validate DIR | head -1`: once its output is closed, the run
/// takes no more inputs (it ends with those in flight) and exits 0,
/// leaving no worker. A FIFO named last would stall a run that went on to
/// read it (no one writes to it).
#[test]
fn a_closed_output_stops_the_run_and_its_workers() {
    let dir = temp_dir("closed");
    let many = dir.join("many");
    std::fs::create_dir_all(&many).unwrap();
    for i in 0..4000 {
        std::fs::write(many.join(format!("j{i:04}.yaml")), invalid()).unwrap();
    }
    let fifo = dir.join("last.yaml");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    for jobs in ["--jobs=1", "--jobs=3"] {
        let mark = format!("closed-{}-{jobs}", std::process::id());
        let status = run_unread(
            &[
                "validate".as_ref(),
                jobs.as_ref(),
                many.as_os_str(),
                fifo.as_os_str(),
            ],
            &mark,
            Duration::from_secs(120),
        );
        assert_eq!(status.code(), Some(0), "{jobs}");
        assert_eq!(marked(&mark), Vec::<String>::new(), "{jobs}: workers left");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The dynamic loader this machine runs programs with.
fn dynamic_loader() -> PathBuf {
    let candidates = [
        "/lib64/ld-linux-x86-64.so.2",
        "/lib/ld-linux-aarch64.so.1",
        "/lib/ld-linux-x86-64.so.2",
    ];
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("no dynamic loader among {candidates:?}"))
}

/// Run as `ld.so planton ...`, this process's executable is the loader: a
/// worker started from it is not planton and fails at once. The parent
/// checks its files, and nothing of the failed worker shows.
#[test]
fn a_worker_that_is_not_planton_leaves_no_trace() {
    let dir = temp_dir("loader");
    for i in 0..60 {
        let text = if i % 3 == 0 {
            invalid()
        } else {
            example("minimal.yaml")
        };
        std::fs::write(dir.join(format!("j{i:02}.yaml")), text).unwrap();
    }
    std::fs::write(dir.join("ci.yaml"), "on: push\n").unwrap();
    let run = |jobs: &str| {
        Command::new(dynamic_loader())
            .arg(env!("CARGO_BIN_EXE_planton"))
            .args(["validate", jobs])
            .arg(&dir)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let one = run("--jobs=1");
    assert_eq!(one.status.code(), Some(1));
    let four = run("--jobs=4");
    assert_eq!(four.status.code(), Some(1));
    assert!(four.stdout == one.stdout);
    assert_eq!(
        String::from_utf8_lossy(&four.stderr),
        String::from_utf8_lossy(&one.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The worker processes of `pid` (its children).
fn children(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .flatten()
    {
        let list = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        found.extend(list.split_whitespace().map(|c| c.parse::<u32>().unwrap()));
    }
    found
}

/// What each descriptor of `pid` is (`/proc/PID/fd`), by number.
fn descriptors(pid: u32) -> std::collections::BTreeMap<u32, String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
        .filter_map(|fd| {
            let target = std::fs::read_link(fd.path()).ok()?;
            Some((
                fd.file_name().to_str()?.parse().ok()?,
                target.to_string_lossy().into_owned(),
            ))
        })
        .collect()
}

/// A worker killed mid-run (by SIGKILL, or stopped and then killed): the
/// parent checks its files itself and the report is --jobs 1's, byte for
/// byte; the killed worker is reaped. No worker holds a pipe of another.
#[test]
fn a_killed_worker_changes_nothing_in_the_report() {
    use std::io::Read;
    let dir = temp_dir("killed");
    // Reports larger than the pipe and the report's buffer: the run stops
    // writing until it is read, with its workers alive.
    for i in 0..1500 {
        let text = if i % 5 == 4 {
            example("minimal.yaml")
        } else {
            invalid()
        };
        std::fs::write(dir.join(format!("j{i:04}.yaml")), text).unwrap();
    }
    let expected = run(
        &["validate".as_ref(), "--jobs=1".as_ref(), dir.as_os_str()],
        b"",
    );
    assert_eq!(expected.status.code(), Some(1));
    assert!(expected.stdout.len() > 300_000);
    for stop_first in [false, true] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_planton"))
            .args(["validate", "--jobs=3"])
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let workers = loop {
            let workers = children(child.id());
            if workers.len() == 2 {
                break workers;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "no workers");
            std::thread::sleep(Duration::from_millis(10));
        };
        // Until the output fills up.
        std::thread::sleep(Duration::from_millis(500));
        assert!(child.try_wait().unwrap().is_none(), "ended before the kill");
        // Beside its pipes (and a copy of its output), a worker holds the
        // directory it reads and what this test's process passed down, no
        // more: none of the parent's pipes or directories.
        let inherited = descriptors(std::process::id());
        let parent = descriptors(child.id());
        for w in &workers {
            let own = descriptors(*w);
            for (fd, target) in &own {
                let allowed = *fd <= 2
                    || Some(target) == own.get(&1)
                    || Path::new(target) == dir
                    || inherited.get(fd) == Some(target);
                assert!(allowed, "worker fd {fd}: {own:?} (parent: {parent:?})");
            }
        }
        let victim = workers[0].to_string();
        if stop_first {
            let status = Command::new("kill").args(["-STOP", &victim]).status();
            assert!(status.unwrap().success());
        }
        let status = Command::new("kill").args(["-KILL", &victim]).status();
        assert!(status.unwrap().success());
        let mut stdout = Vec::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_end(&mut stdout)
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(1), "stop first: {stop_first}");
        assert!(stdout == expected.stdout, "stop first: {stop_first}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&expected.stderr)
        );
        assert!(
            !Path::new(&format!("/proc/{victim}")).exists(),
            "the killed worker was not reaped"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A tree deeper than the directories a walk holds open (64), whose
/// deepest file's path is longer than the system takes (4,096 bytes): this
/// process, not holding that directory, cannot open the file by its path,
/// and a worker must not either (it opens the directory itself, and could):
/// the same report whatever the jobs.
#[test]
fn a_path_too_long_fails_alike_in_a_worker() {
    use rustix::fs::{Mode, OFlags};
    let dir = temp_dir("deep");
    let mut deep = dir.clone();
    for level in 0..78 {
        deep.push(format!("d{level:02}{}", "x".repeat(47)));
    }
    std::fs::create_dir_all(&deep).unwrap();
    for i in 0..40 {
        std::fs::write(dir.join(format!("top{i:02}.yaml")), example("minimal.yaml")).unwrap();
    }
    // Written relative to its directory: its whole path is too long.
    let at = rustix::fs::open(&deep, OFlags::DIRECTORY | OFlags::RDONLY, Mode::empty()).unwrap();
    for name in [format!("{}.yaml", "f".repeat(200)), "short.yaml".to_owned()] {
        let fd = rustix::fs::openat(
            &at,
            name.as_str(),
            OFlags::WRONLY | OFlags::CREATE,
            Mode::from_raw_mode(0o644),
        )
        .unwrap();
        std::fs::File::from(fd)
            .write_all(example("minimal.yaml").as_bytes())
            .unwrap();
    }
    assert!(deep.as_os_str().len() < 4096 && deep.as_os_str().len() + 206 > 4096);
    let expected = run(
        &["validate".as_ref(), "--jobs=1".as_ref(), dir.as_os_str()],
        b"",
    );
    let stdout = String::from_utf8_lossy(&expected.stdout);
    assert!(
        stdout.ends_with("42 files: 41 valid, 0 invalid (0 violations), 1 not loaded\n"),
        "{}",
        stdout.lines().last().unwrap_or_default()
    );
    for jobs in ["--jobs=2", "--jobs=5"] {
        let out = run(&["validate".as_ref(), jobs.as_ref(), dir.as_os_str()], b"");
        assert_eq!(out.status.code(), expected.status.code(), "{jobs}");
        assert!(
            out.stdout == expected.stdout,
            "{jobs}: {}",
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .last()
                .unwrap_or_default()
        );
    }
    // Removed directory by directory (std's walk opens each relative to
    // its parent).
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--jobs` far beyond the cores starts no more than 16 jobs: 20,000
/// threads for two files took 7 s and 530 MB.
#[test]
fn jobs_beyond_sixteen_start_no_more() {
    let dir = temp_dir("many-jobs");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for name in ["a.yaml", "b.yaml"] {
        std::fs::write(input.join(name), example("minimal.yaml")).unwrap();
    }
    let out = dir.join("out");
    let (code, peak) = peak_memory(&[
        "render".as_ref(),
        input.as_os_str(),
        "--out-dir".as_ref(),
        out.as_os_str(),
        "--jobs=20000".as_ref(),
    ]);
    assert_eq!(code, Some(0));
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2);
    let (code, one) = peak_memory(&["validate".as_ref(), "--jobs=1".as_ref(), input.as_os_str()]);
    assert_eq!(code, Some(0));
    // Sixteen threads' stacks and pools, at most.
    assert!(
        peak < one + 100 * 1024,
        "peak {} MiB (one job: {} MiB)",
        peak / 1024,
        one / 1024
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn jobs_start_that_many_processes() {
    let dir = temp_dir("count");
    for i in 0..40 {
        std::fs::write(dir.join(format!("m-{i:02}.yaml")), invalid()).unwrap();
    }
    for (jobs, workers) in [("--jobs=1", 0), ("--jobs=3", 2)] {
        let trace = dir.join("trace");
        let status = Command::new("strace")
            .args(["-f", "-e", "trace=execve", "-o"])
            .arg(&trace)
            .arg(env!("CARGO_BIN_EXE_planton"))
            .args(["validate", jobs])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("strace runs (.ci/run installs it)");
        assert_eq!(status.code(), Some(1));
        let text = std::fs::read_to_string(&trace).unwrap();
        std::fs::remove_file(&trace).unwrap();
        let started = text
            .lines()
            .filter(|l| l.contains("execve(") && l.contains("__validate-worker"))
            .count();
        assert_eq!(started, workers, "{text}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A chunk frame as the parent writes it: `(kind, path)` per item, kind 0
/// for a file found in a directory, 1 for one named.
fn chunk(items: &[(u8, &Path)]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut w = Writer::new(&mut body);
    w.usize(items.len());
    for (kind, path) in items {
        w.u8(*kind);
        w.bytes(path.as_os_str().as_bytes());
    }
    let mut frame = u32::try_from(body.len()).unwrap().to_le_bytes().to_vec();
    frame.extend(body);
    frame
}

/// The results a worker wrote: a note (`Err`) or a file's result each.
fn results(mut bytes: &[u8]) -> Vec<Result<FileResult, String>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let len = u32::from_le_bytes(bytes[..4].try_into().unwrap()) as usize;
        let mut r = Reader::new(&bytes[4..4 + len]);
        let result = match r.u8() {
            Some(0) => Err(r.string().unwrap()),
            Some(1) => Ok(FileResult::decode(&mut r).unwrap()),
            other => panic!("tag {other:?}"),
        };
        assert!(r.is_empty());
        out.push(result);
        bytes = &bytes[4 + len..];
    }
    out
}

#[test]
fn the_worker_command_answers_each_file_in_the_wire_form() {
    let dir = temp_dir("wire");
    let valid = dir.join("valid.yaml");
    let invalid = dir.join("invalid.yaml");
    let other = dir.join("other.yaml");
    let missing = dir.join("missing.yaml");
    let invalid_text = example("data-migration.yaml") + "  restartPolicy: Always\n";
    std::fs::write(&valid, example("minimal.yaml")).unwrap();
    std::fs::write(&invalid, &invalid_text).unwrap();
    std::fs::write(&other, "steps: []\n").unwrap();
    let mut input = chunk(&[(0, &valid), (1, &invalid)]);
    input.extend(chunk(&[(0, &other), (1, &missing), (1, &other)]));
    let out = run(&["__validate-worker".as_ref()], &input);
    let (stdout, stderr, code) = (out.stdout, out.stderr, out.status.code());
    assert_eq!(code, Some(0), "{}", String::from_utf8_lossy(&stderr));
    assert!(stderr.is_empty());
    let got = results(&stdout);
    assert_eq!(got.len(), 5);
    let checked = |r: &Result<FileResult, String>| match r {
        Ok(FileResult {
            outcome: Outcome::Checked { violations, .. },
            text,
            file,
        }) => Some((file.clone(), violations.len(), text.clone())),
        _ => None,
    };
    // A valid file: no findings, no text kept.
    assert_eq!(
        checked(&got[0]),
        Some((valid.display().to_string(), 0, None))
    );
    // An invalid one: its findings, and its text to quote.
    let (file, count, text) = checked(&got[1]).unwrap();
    assert_eq!(
        (file, text),
        (invalid.display().to_string(), Some(invalid_text))
    );
    assert!(count > 0);
    // Found in a directory and not a manifest: the note; named: a manifest
    // whatever it holds. A missing file: the error.
    assert!(matches!(&got[2], Err(note) if note.contains("not a Planton manifest")));
    assert!(
        matches!(&got[3], Ok(FileResult { outcome: Outcome::Error { message, .. }, .. })
        if message.contains("cannot open"))
    );
    assert!(
        matches!(&got[4], Ok(FileResult { outcome: Outcome::Error { finding: Some(f), .. }, .. })
        if f.rule_id == "load.missing_kind")
    );
    // A frame that does not read ends the worker with an error and no
    // result.
    let mut bad = chunk(&[(7, &valid)]);
    bad.extend(chunk(&[(0, &valid)]));
    let out = run(&["__validate-worker".as_ref()], &bad);
    let (stdout, code) = (out.stdout, out.status.code());
    assert_eq!((stdout.len(), code), (0, Some(2)));
    std::fs::remove_dir_all(&dir).unwrap();
}
