//! Directories of manifests: walked recursively in sorted order, processed on
//! every core, reported in input order as results arrive, with a progress bar
//! on a terminal.
//!
//! Memory stays flat whatever the number of files: paths are produced one at
//! a time by the walker, at most a bounded number of files are in flight, and
//! each result is written out (and dropped) as soon as the ones before it are.

use std::collections::BTreeMap;
use std::fs;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Whether a path names a manifest: `*.yaml`, `*.yml` or `*.json`.
pub(crate) fn is_manifest(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
}

/// The manifests under `root` (recursively), in sorted order, produced lazily:
/// a stack of sorted directory listings, so only the current path through the
/// tree is held. Unreadable directories yield an error item.
pub(crate) struct Walk {
    stack: Vec<std::vec::IntoIter<PathBuf>>,
    root: PathBuf,
    exclude: Option<PathBuf>,
}

impl Walk {
    /// Symbolic links to directories below `root` are not followed (they could
    /// form cycles); `root` itself may be one.
    pub(crate) fn new(root: &Path) -> Self {
        Walk {
            stack: vec![vec![root.to_path_buf()].into_iter()],
            root: root.to_path_buf(),
            exclude: None,
        }
    }

    /// Skips the directory `dir` (an output directory inside the input tree).
    pub(crate) fn excluding(mut self, dir: Option<PathBuf>) -> Self {
        self.exclude = dir.and_then(|d| d.canonicalize().ok());
        self
    }

    fn is_walkable_dir(&self, path: &Path) -> bool {
        if path == self.root {
            return true;
        }
        let is_real_dir = fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
        is_real_dir
            && !self
                .exclude
                .as_ref()
                .is_some_and(|x| path.canonicalize().is_ok_and(|p| &p == x))
    }
}

impl Iterator for Walk {
    type Item = Result<PathBuf, (PathBuf, std::io::Error)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let top = self.stack.last_mut()?;
            let Some(path) = top.next() else {
                self.stack.pop();
                continue;
            };
            if path.is_dir() && !self.is_walkable_dir(&path) {
                continue;
            }
            if path.is_dir() {
                match fs::read_dir(&path) {
                    Ok(entries) => {
                        let mut children: Vec<PathBuf> =
                            entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                        children.sort();
                        self.stack.push(children.into_iter());
                    }
                    Err(e) => return Some(Err((path, e))),
                }
            } else if is_manifest(&path) {
                return Some(Ok(path));
            }
        }
    }
}

/// Counts the manifests under `root` (for the progress bar).
pub(crate) fn count(root: &Path) -> usize {
    Walk::new(root).count()
}

/// Runs `work` on every item of `items` on all cores and hands the results to
/// `emit` in the items' order.
pub(crate) fn run<I, T, R>(
    items: I,
    total: usize,
    work: impl Fn(T) -> R + Sync,
    mut emit: impl FnMut(R),
) where
    I: Iterator<Item = T> + Send,
    T: Send,
    R: Send,
{
    if total <= 1 {
        // One file (the common case of a CLI call): no threads to start.
        items.map(work).for_each(emit);
        return;
    }
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .max(1);
    let mut progress = Progress::new(total);
    std::thread::scope(|scope| {
        let (job_tx, job_rx) = sync_channel::<(usize, T)>(workers * 4);
        let (result_tx, result_rx) = sync_channel::<(usize, R)>(workers * 4);
        let job_rx = Arc::new(Mutex::new(job_rx));
        scope.spawn(move || {
            for (seq, item) in items.enumerate() {
                if job_tx.send((seq, item)).is_err() {
                    break;
                }
            }
        });
        for _ in 0..workers {
            let job_rx = Arc::clone(&job_rx);
            let result_tx = result_tx.clone();
            let work = &work;
            scope.spawn(move || {
                while let Some((seq, item)) = next_job(&job_rx) {
                    if result_tx.send((seq, work(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(result_tx);
        // Results arrive out of order; hold the early ones until their turn.
        let mut pending: BTreeMap<usize, R> = BTreeMap::new();
        let mut next = 0;
        for (seq, result) in result_rx {
            pending.insert(seq, result);
            while let Some(result) = pending.remove(&next) {
                emit(result);
                next += 1;
                progress.advance();
            }
        }
    });
    progress.finish();
}

fn next_job<T>(rx: &Mutex<Receiver<(usize, T)>>) -> Option<(usize, T)> {
    rx.lock().ok()?.recv().ok()
}

/// A progress bar on standard error, drawn only when it is a terminal.
struct Progress {
    total: usize,
    done: usize,
    started: Instant,
    last: Instant,
    enabled: bool,
}

impl Progress {
    fn new(total: usize) -> Self {
        let now = Instant::now();
        Progress {
            total,
            done: 0,
            started: now,
            last: now,
            // Not while the report itself goes to the terminal: the lines
            // would mix.
            enabled: std::io::stderr().is_terminal()
                && !std::io::stdout().is_terminal()
                && total > 1,
        }
    }

    fn advance(&mut self) {
        self.done += 1;
        if self.enabled
            && (self.last.elapsed() >= Duration::from_millis(100) || self.done == self.total)
        {
            self.last = Instant::now();
            self.draw();
        }
    }

    fn draw(&self) {
        const WIDTH: usize = 30;
        let filled = (WIDTH * self.done.min(self.total))
            .checked_div(self.total)
            .unwrap_or(WIDTH);
        let bar: String = "#".repeat(filled) + &"-".repeat(WIDTH - filled);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r[{bar}] {}/{} files, {:.1} s",
            self.done,
            self.total,
            self.started.elapsed().as_secs_f64()
        );
        let _ = err.flush();
    }

    fn finish(&self) {
        if self.enabled {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{}\r", " ".repeat(60));
            let _ = err.flush();
        }
    }
}

/// Writes `contents` to `path` through a temporary file in the same directory
/// and a rename, so the file is either complete or absent.
pub(crate) fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_file_name(format!(".{file_name}.tmp-{}-{n}", std::process::id()));
    let result = fs::write(&tmp, contents).and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_input_order() {
        let mut seen = Vec::new();
        run(
            0..500u64,
            500,
            |i| {
                // Uneven work so that results finish out of order.
                std::thread::sleep(Duration::from_micros((i * 7919) % 300));
                i * 2
            },
            |r| seen.push(r),
        );
        assert_eq!(seen, (0..500u64).map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn the_walk_is_sorted_recursive_and_filtered() {
        let dir = std::env::temp_dir().join(format!("planton-walk-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        for f in ["b/z.yaml", "b/a.yml", "a.json", "c.txt", "b/c/d.yaml"] {
            let p = dir.join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "x").unwrap();
        }
        let found: Vec<String> = Walk::new(&dir)
            .map(|p| p.unwrap().strip_prefix(&dir).unwrap().display().to_string())
            .collect();
        assert_eq!(found, ["a.json", "b/a.yml", "b/c/d.yaml", "b/z.yaml"]);
        // A symbolic link back up the tree is not followed.
        std::os::unix::fs::symlink("..", dir.join("b/up")).unwrap();
        assert_eq!(count(&dir), 4);
        // An excluded directory (an output inside the input) is skipped.
        let found = Walk::new(&dir).excluding(Some(dir.join("b"))).count();
        assert_eq!(found, 1);
        assert_eq!(count(&dir), 4);
        fs::remove_dir_all(&dir).unwrap();
    }
}
