//! `planton validate` with worker processes (`--jobs N`, N > 1): the same
//! report as one process, byte for byte, whatever the files; the hidden
//! worker command's answers in the wire form; a worker killed part way
//! changes nothing in the report.

use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use planton_manifest::report::{FileResult, Outcome};
use planton_manifest::wire::{Reader, Writer};

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("planton-workers-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn example(name: &str) -> String {
    std::fs::read_to_string(root().join("examples").join(name)).unwrap()
}

/// A tree of every kind of input a walk meets, `count` manifests and more.
fn mixed(dir: &Path, count: usize) {
    let texts = [
        example("data-migration.yaml"),
        example("configmap-script.yaml"),
        example("indexed.yaml"),
        example("parallel.yaml"),
        // Warnings: valid, or refused with --strict.
        std::fs::read_to_string(root().join("tests/data/tf/env-overrides.yaml")).unwrap(),
        // A violation, quoting a line next to a secret.
        example("data-migration.yaml") + "  restartPolicy: Always\n",
        // Not loaded.
        "apiVersion: kubernetes.project-planton.org/v1\nkind: [\n".to_owned(),
        // Another tool's YAML: skipped with a note.
        "steps:\n  - run: make\n".to_owned(),
    ];
    for i in 0..count {
        let sub = dir.join(format!("d{}/e{}", i % 3, i % 7));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(format!("m-{i:04}.yaml")), &texts[i % texts.len()]).unwrap();
    }
    // A name that is not UTF-8, a link to a manifest, a FIFO, an empty file.
    let odd = dir.join("odd");
    std::fs::create_dir_all(&odd).unwrap();
    let name = std::ffi::OsStr::from_bytes(b"bad-\xff-name.yaml");
    std::fs::write(odd.join(name), &texts[5]).unwrap();
    std::os::unix::fs::symlink(dir.join("d0/e0/m-0000.yaml"), odd.join("link.yaml")).unwrap();
    let fifo = odd.join("pipe.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    std::fs::write(odd.join("empty.yaml"), "").unwrap();
}

/// What `planton args` printed and how it ended, with `stdin` as its input.
fn run<A: AsRef<std::ffi::OsStr>>(args: &[A], stdin: &[u8]) -> (Vec<u8>, Vec<u8>, Option<i32>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_planton"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.stdout, out.stderr, out.status.code())
}

#[test]
fn worker_processes_give_the_report_of_one_process() {
    let dir = temp_dir("same");
    mixed(&dir, 300);
    let named = dir.join("d1/e1/m-0001.yaml");
    let stdin = example("indexed.yaml") + "  backoffLimit: -1\n";
    for format in ["human", "json", "sarif", "junit", "github"] {
        for strict in [false, true] {
            let report = |jobs: &str| {
                let mut args: Vec<std::ffi::OsString> =
                    vec!["validate".into(), "-o".into(), format.into(), jobs.into()];
                if strict {
                    args.push("--strict".into());
                }
                // A directory, a file named, standard input, part of the
                // directory again: every kind of item, in this order.
                args.extend([
                    dir.clone().into_os_string(),
                    named.clone().into_os_string(),
                    "-".into(),
                    dir.join("d2").into_os_string(),
                ]);
                run(&args, stdin.as_bytes())
            };
            let one = report("--jobs=1");
            assert_eq!(one.2, Some(2), "{}", String::from_utf8_lossy(&one.1));
            assert!(one.0.len() > 1000 && !one.1.is_empty());
            for jobs in ["--jobs=2", "--jobs=3"] {
                let many = report(jobs);
                assert!(
                    many == one,
                    "{format} strict={strict} {jobs}:\n{}\n---\n{}",
                    String::from_utf8_lossy(&many.0),
                    String::from_utf8_lossy(&one.0)
                );
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn jobs_start_that_many_processes() {
    let dir = temp_dir("count");
    mixed(&dir, 40);
    for (jobs, workers) in [("--jobs=1", 0), ("--jobs=3", 2)] {
        let trace = dir.join("trace");
        let status = Command::new("strace")
            .args(["-f", "-e", "trace=execve", "-o"])
            .arg(&trace)
            .arg(env!("CARGO_BIN_EXE_planton"))
            .args(["validate", jobs])
            .arg(dir.join("d0"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("strace runs (.ci/run installs it)");
        assert_eq!(status.code(), Some(2));
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
    let (stdout, stderr, code) = run(&["__validate-worker"], &input);
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
    let (stdout, _, code) = run(&["__validate-worker"], &bad);
    assert_eq!((stdout.len(), code), (0, Some(2)));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The worker processes of `pid`, from `/proc`.
fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect()
}

#[test]
fn a_worker_killed_part_way_changes_nothing_in_the_report() {
    let dir = temp_dir("killed");
    mixed(&dir, 1500);
    let args = |jobs: &str| -> Vec<std::ffi::OsString> {
        vec![
            "validate".into(),
            "-o".into(),
            "json".into(),
            jobs.into(),
            dir.clone().into(),
        ]
    };
    let expected = Command::new(env!("CARGO_BIN_EXE_planton"))
        .args(args("--jobs=1"))
        .output()
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_planton"))
        .args(args("--jobs=2"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Nothing is read until the worker is killed: the report fills the pipe,
    // the parent stops writing, and its window of chunks (the worker's
    // included) stops it handing out more. The worker is there, waiting.
    let worker = loop {
        if let Some(&worker) = children(child.id()).first() {
            break worker;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    std::thread::sleep(std::time::Duration::from_millis(200));
    let killed = Command::new("kill")
        .args(["-KILL", &worker.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut stdout = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut stdout)
        .unwrap();
    let mut stderr = Vec::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_end(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), expected.status.code());
    assert!(
        stdout == expected.stdout,
        "{}",
        String::from_utf8_lossy(&stdout)
    );
    assert_eq!(
        String::from_utf8_lossy(&stderr),
        String::from_utf8_lossy(&expected.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
