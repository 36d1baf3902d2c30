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
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Whether a path names a manifest: `*.yaml`, `*.yml` or `*.json`.
pub(crate) fn is_manifest(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
}

/// The `--exclude GLOB` patterns of a walk, matched against each path
/// relative to the walked directory: a pattern without a '/' (a trailing one
/// aside) matches a file or directory name at any depth (`vendor`, `*.json`,
/// `vendor/`), one with a '/' inside or at its start (`./`) the whole relative
/// path (`charts/*/values.yaml`, `a/**`, `./vendor`); `*` and `?` do not cross
/// a '/', `**` does. An excluded directory is not entered.
#[derive(Debug, Clone, Default)]
pub(crate) struct Excludes(Option<globset::GlobSet>);

impl Excludes {
    /// Compiles the patterns (none: nothing is excluded).
    pub(crate) fn new(patterns: &[String]) -> anyhow::Result<Self> {
        if patterns.is_empty() {
            return Ok(Excludes(None));
        }
        let mut set = globset::GlobSetBuilder::new();
        for pattern in patterns {
            // A leading './' or '/' anchors the pattern at the walked
            // directory, as a '/' inside it does; a trailing '/' is dropped.
            let rooted = pattern
                .strip_prefix("./")
                .or_else(|| pattern.strip_prefix('/'));
            let body = rooted.unwrap_or(pattern).trim_end_matches('/');
            let full = if rooted.is_some() || body.contains('/') {
                body.to_owned()
            } else {
                format!("**/{body}")
            };
            let glob = globset::GlobBuilder::new(&full)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| {
                    anyhow::anyhow!(
                        "--exclude '{}': {}",
                        planton_manifest::sanitize::clean_to(pattern, 200),
                        e.kind()
                    )
                })?;
            set.add(glob);
        }
        let set = set
            .build()
            .map_err(|e| anyhow::anyhow!("--exclude: {}", e.kind()))?;
        Ok(Excludes(Some(set)))
    }

    /// Whether there are no patterns.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Whether `relative` (a path below the walked directory) is excluded.
    pub(crate) fn matches(&self, relative: &Path) -> bool {
        self.0.as_ref().is_some_and(|set| set.is_match(relative))
    }
}

/// What a walk finds.
#[derive(Debug)]
pub(crate) enum Found {
    /// A manifest: a regular file, or a symbolic link to one.
    File(PathBuf),
    /// A manifest's name on a special file (a FIFO, a socket, a device):
    /// skipped, never opened (opening a FIFO blocks until a writer comes).
    Special(PathBuf, &'static str),
    /// A directory that could not be read.
    Unreadable(PathBuf, std::io::Error),
}

/// The manifests under `root` (recursively), in sorted order, produced lazily:
/// a stack of sorted directory listings, so only the current path through the
/// tree is held.
pub(crate) struct Walk {
    root: PathBuf,
    /// Each entry with its type as the directory listing gave it (no
    /// `stat` for a regular file), `None` where it has to be asked.
    stack: Vec<std::vec::IntoIter<(PathBuf, Option<fs::FileType>)>>,
    globs: Excludes,
    /// The directory skipped (an output directory inside the input tree),
    /// by identity (device and inode), so any spelling of it matches.
    exclude: Option<(u64, u64)>,
    at_root: bool,
}

impl Walk {
    /// Symbolic links to directories below `root` are not followed (they could
    /// form cycles); `root` itself may be one.
    pub(crate) fn new(root: &Path) -> Self {
        Walk {
            root: root.to_path_buf(),
            stack: vec![vec![(root.to_path_buf(), None)].into_iter()],
            globs: Excludes::default(),
            exclude: None,
            at_root: true,
        }
    }

    /// Skips what the `--exclude` patterns match below the root.
    pub(crate) fn excluding_globs(mut self, globs: &Excludes) -> Self {
        self.globs = globs.clone();
        self
    }

    /// Skips the directory `dir` (an output directory inside the input
    /// tree), if it exists.
    pub(crate) fn excluding(mut self, dir: Option<&Path>) -> Self {
        self.exclude = dir
            .and_then(|d| fs::metadata(d).ok())
            .map(|m| (m.dev(), m.ino()));
        self
    }
}

/// What kind of special file `t` is, if it is one.
fn special_kind(t: fs::FileType) -> Option<&'static str> {
    if t.is_fifo() {
        Some("a FIFO")
    } else if t.is_socket() {
        Some("a socket")
    } else if t.is_block_device() || t.is_char_device() {
        Some("a device")
    } else {
        None
    }
}

impl Iterator for Walk {
    type Item = Found;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let top = self.stack.last_mut()?;
            let Some((path, listed)) = top.next() else {
                self.stack.pop();
                continue;
            };
            let at_root = std::mem::take(&mut self.at_root);
            if !at_root
                && let Ok(relative) = path.strip_prefix(&self.root)
                && self.globs.matches(relative)
            {
                continue;
            }
            // A regular file known so from its directory's listing: no
            // `stat` (one per file, twice per batch, counted and progress).
            if let Some(t) = listed
                && t.is_file()
            {
                if is_manifest(&path) {
                    return Some(Found::File(path));
                }
                continue;
            }
            // The entry itself (a link is not followed), then what a link
            // points to: a link to a directory is followed only at the root.
            let Ok(own) = fs::symlink_metadata(&path) else {
                if is_manifest(&path) {
                    return Some(Found::File(path)); // reading it says why
                }
                continue;
            };
            let meta = if own.file_type().is_symlink() {
                match fs::metadata(&path) {
                    Ok(m) if m.is_dir() && !at_root => continue,
                    Ok(m) => m,
                    Err(_) if is_manifest(&path) => return Some(Found::File(path)),
                    Err(_) => continue,
                }
            } else {
                own
            };
            if meta.is_dir() {
                if !at_root && self.exclude == Some((meta.dev(), meta.ino())) {
                    continue;
                }
                match fs::read_dir(&path) {
                    Ok(entries) => {
                        let mut children: Vec<(PathBuf, Option<fs::FileType>)> = entries
                            .filter_map(|e| e.ok().map(|e| (e.path(), e.file_type().ok())))
                            .collect();
                        children.sort_by(|a, b| a.0.cmp(&b.0));
                        self.stack.push(children.into_iter());
                    }
                    Err(e) => return Some(Found::Unreadable(path, e)),
                }
            } else if !is_manifest(&path) {
                continue;
            } else if let Some(kind) = special_kind(meta.file_type()) {
                return Some(Found::Special(path, kind));
            } else {
                return Some(Found::File(path));
            }
        }
    }
}

/// Counts the manifests under `root` that `globs` leave (for the progress bar).
pub(crate) fn count(root: &Path, globs: &Excludes) -> usize {
    Walk::new(root)
        .excluding_globs(globs)
        .filter(|f| !matches!(f, Found::Special(..)))
        .count()
}

/// How many items may be handed out ahead of the oldest one not yet emitted,
/// per worker: results that finish early wait for their turn, and this caps
/// them, so one slow file can hold back the batch but not make its memory
/// grow with the number of files behind it.
const WINDOW_PER_WORKER: usize = 8;

/// Runs `work` on every item of `items` on all cores and hands the results to
/// `emit` in the items' order. At most `WINDOW_PER_WORKER` items per worker
/// are in flight or finished-but-waiting at any time.
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
    let window = workers * WINDOW_PER_WORKER;
    let wake = (window / 2).max(1);
    let mut progress = Progress::new(total);
    // How many results have been emitted, for the producer to wait on.
    let emitted = (Mutex::new(0usize), Condvar::new());
    std::thread::scope(|scope| {
        let (job_tx, job_rx) = sync_channel::<(usize, T)>(workers * 4);
        let (result_tx, result_rx) = sync_channel::<(usize, R)>(workers * 4);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let emitted_ref = &emitted;
        scope.spawn(move || {
            for (seq, item) in items.enumerate() {
                let (lock, turn) = emitted_ref;
                let mut done = lock.lock().unwrap_or_else(PoisonError::into_inner);
                while seq >= *done + window {
                    done = turn.wait(done).unwrap_or_else(PoisonError::into_inner);
                }
                drop(done);
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
                let (lock, turn) = &emitted;
                *lock.lock().unwrap_or_else(PoisonError::into_inner) = next;
                // The producer waits for `next` to pass a point at most
                // `window` behind what it holds; any `window` consecutive
                // counts include a multiple of `wake`, so waking it at those
                // alone (not once per result, a system call each) lets it
                // go on as soon as it could before, give or take `wake`.
                if next % wake == 0 {
                    turn.notify_all();
                }
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

/// The temporary files of this run that exist right now, removed by the
/// signal handler; `terminating` stops new ones once it has run.
struct Live {
    paths: Vec<PathBuf>,
    terminating: bool,
}

static LIVE: Mutex<Live> = Mutex::new(Live {
    paths: Vec::new(),
    terminating: false,
});

fn live() -> std::sync::MutexGuard<'static, Live> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// On SIGINT, SIGTERM or SIGHUP: removes the run's temporary files and exits
/// with 128 + the signal's number, as a shell reports it. Finished outputs
/// stay (each is complete); no temporary file is left behind.
pub(crate) fn remove_temporaries_on_signal() -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            // Held until the process ends: no writer creates another one.
            let mut live = live();
            live.terminating = true;
            for path in live.paths.drain(..) {
                let _ = fs::remove_file(path);
            }
            let _ = std::io::stderr().write_all(b"\ninterrupted: temporary files removed\n");
            std::process::exit(128 + signal);
        }
    });
    Ok(())
}

/// Writes `contents` to `path` through a temporary file in the same directory
/// and a rename, so the file is either complete or absent. The temporary file
/// is created exclusively (`O_EXCL`: no existing file is opened, no planted
/// symbolic link followed) under an unpredictable name, and is registered so
/// that a signal removes it; it is renamed over `path` only after the whole
/// text is written.
pub(crate) fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)?;
    let prefix = format!(
        ".{}.",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    );
    let mut tmp = {
        let mut live = live();
        if live.terminating {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let tmp = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(".tmp")
            // As `fs::write` would: the umask decides.
            .permissions(fs::Permissions::from_mode(0o666))
            .tempfile_in(dir)?;
        live.paths.push(tmp.path().to_path_buf());
        tmp
    };
    let tmp_path = tmp.path().to_path_buf();
    let result = tmp
        .write_all(contents.as_bytes())
        .and_then(|()| tmp.flush())
        .and_then(|()| tmp.persist(path).map(drop).map_err(|e| e.error));
    // On an error the temporary file was dropped, and so removed.
    live().paths.retain(|p| p != &tmp_path);
    result
}

#[cfg(test)]
mod tests {

    #[test]
    fn exclude_patterns_match_relative_paths() {
        let ex = |patterns: &[&str]| {
            Excludes::new(&patterns.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>()).unwrap()
        };
        let names = ex(&["vendor", "*.json", "tmp/"]);
        for hit in ["vendor", "a/vendor", "x.json", "a/b/x.json", "tmp", "a/tmp"] {
            assert!(names.matches(Path::new(hit)), "{hit}");
        }
        for miss in ["vendors", "vendor.yaml", "x.json.yaml", "a/b.yaml"] {
            assert!(!names.matches(Path::new(miss)), "{miss}");
        }
        let paths = ex(&["jobs/*.yaml", "./top", "/charts/**"]);
        for hit in ["jobs/a.yaml", "top", "charts/a/b.yaml"] {
            assert!(paths.matches(Path::new(hit)), "{hit}");
        }
        for miss in ["jobs/sub/a.yaml", "x/jobs/a.yaml", "a/top", "x/charts/a"] {
            assert!(!paths.matches(Path::new(miss)), "{miss}");
        }
        assert!(!Excludes::default().matches(Path::new("a")));
        let err = Excludes::new(&["a[b".to_owned()]).unwrap_err().to_string();
        assert!(err.starts_with("--exclude 'a[b': "), "{err}");
    }
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
    fn a_slow_item_does_not_let_finished_results_pile_up() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let started = AtomicUsize::new(0);
        let seen_while_slow = AtomicUsize::new(0);
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut emitted = 0;
        run(
            0..10_000usize,
            10_000,
            |i| {
                started.fetch_add(1, Ordering::SeqCst);
                if i == 0 {
                    // The others run meanwhile, up to the window.
                    std::thread::sleep(Duration::from_millis(300));
                    seen_while_slow.store(started.load(Ordering::SeqCst), Ordering::SeqCst);
                }
                i
            },
            |i| {
                assert_eq!(i, emitted);
                emitted += 1;
            },
        );
        assert_eq!(emitted, 10_000);
        let seen = seen_while_slow.load(Ordering::SeqCst);
        assert!(
            seen <= workers * WINDOW_PER_WORKER,
            "{seen} items started while the first was held"
        );
        assert!(seen > 1, "the others ran meanwhile");
    }

    #[test]
    fn temporary_files_are_exclusive_and_leave_nothing_behind() {
        let dir = std::env::temp_dir().join(format!("planton-tmp-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("out.yaml");
        // A planted link at a predictable temporary name is not followed.
        let victim = dir.join("victim");
        fs::write(&victim, "keep").unwrap();
        for n in 0..50 {
            std::os::unix::fs::symlink(&victim, dir.join(format!(".out.yaml.tmp-{n}"))).unwrap();
        }
        write_atomically(&target, "complete\n").unwrap();
        write_atomically(&target, "second\n").unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "second\n");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
        let names = fs::read_dir(&dir).unwrap().count();
        assert_eq!(names, 1 + 1 + 50, "no temporary file left");
        assert!(live().paths.is_empty());
        // A failed write leaves nothing either.
        assert!(write_atomically(&dir.join("victim/x.yaml"), "x").is_err());
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 52);
        fs::remove_dir_all(&dir).unwrap();
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
            .map(|f| match f {
                Found::File(p) => p.strip_prefix(&dir).unwrap().display().to_string(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(found, ["a.json", "b/a.yml", "b/c/d.yaml", "b/z.yaml"]);
        // A symbolic link back up the tree is not followed.
        std::os::unix::fs::symlink("..", dir.join("b/up")).unwrap();
        assert_eq!(count(&dir, &Excludes::default()), 4);
        // An excluded directory (an output inside the input) is skipped.
        let found = Walk::new(&dir).excluding(Some(&dir.join("b"))).count();
        assert_eq!(found, 1);
        // Whatever its spelling.
        let found = Walk::new(&dir)
            .excluding(Some(&dir.join("b/c/../../b")))
            .count();
        assert_eq!(found, 1);
        assert_eq!(count(&dir, &Excludes::default()), 4);
        // A FIFO named like a manifest is reported, never opened.
        let status = std::process::Command::new("mkfifo")
            .arg(dir.join("b/fifo.yaml"))
            .status()
            .unwrap();
        assert!(status.success());
        let specials: Vec<_> = Walk::new(&dir)
            .filter_map(|f| match f {
                Found::Special(p, kind) => Some((p.strip_prefix(&dir).unwrap().to_owned(), kind)),
                _ => None,
            })
            .collect();
        assert_eq!(specials, [(PathBuf::from("b/fifo.yaml"), "a FIFO")]);
        assert_eq!(count(&dir, &Excludes::default()), 4);
        fs::remove_dir_all(&dir).unwrap();
    }
}
