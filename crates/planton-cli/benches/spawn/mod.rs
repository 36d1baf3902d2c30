//! What the benches that spawn the `planton` binary share.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The machine's load averages (1, 5, 15 minutes), printed around a run.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// Runs `command` with no standard input and its standard error dropped,
/// its standard output read to the end: the output and the wall time from
/// spawn to exit.
pub fn timed(command: &mut Command) -> (Output, Duration) {
    let started = Instant::now();
    let output = command
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .expect("the command runs");
    (output, started.elapsed())
}
