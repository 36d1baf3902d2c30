//! Directories of manifests: walked recursively in sorted order, processed on
//! every core, reported in input order as results arrive, with a progress bar
//! on a terminal.
//!
//! Memory stays flat whatever the number of files: paths are produced one at
//! a time by the walker, at most a bounded number of files are in flight, and
//! each result is written out (and dropped) as soon as the ones before it are.

mod workers;

pub(crate) use workers::{Codec, WORKER_COMMAND, Workers, run_with_workers, serve};

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{IsTerminal, Write};
use std::ops::ControlFlow;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::channel;
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
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

/// A directory a walk holds open: the files found in it are opened relative
/// to it (`openat`), so the kernel does not resolve their whole path again,
/// one directory after another, for each (a tenth of a batch's system time).
#[derive(Debug)]
pub(crate) struct OpenDir {
    fd: OwnedFd,
    /// The count it is one of.
    held: &'static HeldDirs,
}

impl OpenDir {
    /// Holds the directory `path` open, if the count has room and it opens
    /// (a worker process opens the directories of the files it is sent).
    pub(crate) fn at(path: &Path) -> Option<OpenDir> {
        let held = held_dirs();
        if !held.take() {
            return None;
        }
        match open_dir(path) {
            Ok(fd) => Some(OpenDir { fd, held }),
            Err(_) => {
                held.count.fetch_sub(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Opens the file `name` of this directory for reading, without
    /// blocking (a FIFO that slipped in after the walk does not stall).
    pub(crate) fn open(&self, name: &OsStr) -> std::io::Result<fs::File> {
        use rustix::fs::{Mode, OFlags};
        let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC;
        Ok(rustix::fs::openat(&self.fd, name, flags, Mode::empty())?.into())
    }
}

impl Drop for OpenDir {
    fn drop(&mut self) {
        self.held.count.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How many directories walks hold open, and how many they may: those on a
/// walk's current path and those whose files are still in flight. Beyond,
/// a directory is listed and closed, and its files are opened by their
/// whole path.
#[derive(Debug)]
pub(crate) struct HeldDirs {
    count: AtomicUsize,
    max: usize,
}

impl HeldDirs {
    /// A hold on one more directory, if there is room.
    fn take(&self) -> bool {
        if self.count.fetch_add(1, Ordering::Relaxed) < self.max {
            return true;
        }
        self.count.fetch_sub(1, Ordering::Relaxed);
        false
    }
}

/// The most directories held at once: 64, and no more than an eighth of the
/// process's limit of open files, so that walks never take the descriptors
/// the files need (under `ulimit -n 16`, two).
const MAX_OPEN_DIRS: usize = 64;

/// The count every walk of the process shares (`validate a b c` walks
/// three directories, a render walks its input first and holds what it
/// found until it is rendered).
fn held_dirs() -> &'static HeldDirs {
    static HELD: OnceLock<HeldDirs> = OnceLock::new();
    HELD.get_or_init(|| {
        use rustix::process::{Resource, getrlimit};
        let limit = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
        HeldDirs {
            count: AtomicUsize::new(0),
            max: usize::try_from(limit / 8).map_or(MAX_OPEN_DIRS, |m| m.min(MAX_OPEN_DIRS)),
        }
    })
}

/// What a walk finds.
#[derive(Debug)]
pub(crate) enum Found {
    /// A manifest: a regular file, or a symbolic link to one; with its
    /// directory, when the walk holds that open.
    File(PathBuf, Option<Arc<OpenDir>>),
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
    /// The directories being listed, each (held open if it could be) with
    /// the entries left, sorted by name (the order of the paths, for
    /// siblings).
    stack: Vec<(PathBuf, Option<Arc<OpenDir>>, std::vec::IntoIter<Entry>)>,
    /// How many directories are held open, by this walk and the others.
    held: &'static HeldDirs,
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
            stack: Vec::new(),
            held: held_dirs(),
            globs: Excludes::default(),
            exclude: None,
            at_root: true,
        }
    }

    /// Counts the directories it holds in `held` (a test's own count).
    #[cfg(test)]
    fn holding(mut self, held: &'static HeldDirs) -> Self {
        self.held = held;
        self
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

/// A directory entry: its name, and what its listing says it is.
type Entry = (OsString, Listed);

/// What a directory's listing says an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listed {
    /// A regular file: no `stat` is needed.
    Regular,
    /// A directory: one that cannot be asked about is reported, not skipped.
    Directory,
    /// Anything else, or not said: a `stat` tells.
    Other,
}

/// The entries of the directory `path`, sorted by name, and the directory
/// itself, held open when `held` has room for it.
fn list(path: &Path, held: &'static HeldDirs) -> std::io::Result<(Vec<Entry>, Option<OpenDir>)> {
    use rustix::fs::{Dir, FileType};
    let fd = open_dir(path)?;
    let mut entries = Vec::new();
    // Listed through a descriptor opened from this one (the same directory,
    // whatever happened to its path meanwhile), since a listing moves its
    // descriptor's position.
    let mut listing = Dir::read_from(&fd)?;
    while let Some(entry) = listing.read() {
        // A listing that fails part way is reported as a whole.
        let entry = entry?;
        let name = entry.file_name().to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        let listed = match entry.file_type() {
            FileType::RegularFile => Listed::Regular,
            FileType::Directory => Listed::Directory,
            _ => Listed::Other,
        };
        entries.push((OsStr::from_bytes(name).to_owned(), listed));
    }
    // Names in one directory are distinct.
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let open = held.take().then(|| OpenDir { fd, held });
    Ok((entries, open))
}

/// Opens the directory `path` (never blocking, not inherited).
fn open_dir(path: &Path) -> std::io::Result<OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NONBLOCK | OFlags::CLOEXEC;
    Ok(rustix::fs::open(path, flags, Mode::empty())?)
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
            let at_root = std::mem::take(&mut self.at_root);
            let (path, listed, open) = if at_root {
                (self.root.clone(), Listed::Other, None)
            } else {
                let (dir, open, entries) = self.stack.last_mut()?;
                let Some((name, listed)) = entries.next() else {
                    self.stack.pop();
                    continue;
                };
                (dir.join(name), listed, open.clone())
            };
            if !at_root
                && let Ok(relative) = path.strip_prefix(&self.root)
                && self.globs.matches(relative)
            {
                continue;
            }
            // A regular file known so from its directory's listing: no
            // `stat` (one per file, twice per batch, counted and progress).
            if listed == Listed::Regular {
                if is_manifest(&path) {
                    return Some(Found::File(path, open));
                }
                continue;
            }
            // The entry itself (a link is not followed), then what a link
            // points to: a link to a directory is followed only at the root.
            let own = match fs::symlink_metadata(&path) {
                Ok(own) => own,
                Err(_) if is_manifest(&path) => {
                    return Some(Found::File(path, open)); // reading it says why
                }
                // A directory that cannot be asked about (its path longer
                // than the system takes, gone meanwhile): said, not skipped.
                Err(e) if listed == Listed::Directory => {
                    return Some(Found::Unreadable(path, e));
                }
                Err(_) => continue,
            };
            let meta = if own.file_type().is_symlink() {
                match fs::metadata(&path) {
                    Ok(m) if m.is_dir() && !at_root => continue,
                    Ok(m) => m,
                    Err(_) if is_manifest(&path) => return Some(Found::File(path, open)),
                    Err(_) => continue,
                }
            } else {
                own
            };
            if meta.is_dir() {
                if !at_root && self.exclude == Some((meta.dev(), meta.ino())) {
                    continue;
                }
                match list(&path, self.held) {
                    Ok((entries, open)) => {
                        self.stack
                            .push((path, open.map(Arc::new), entries.into_iter()));
                    }
                    Err(e) => return Some(Found::Unreadable(path, e)),
                }
            } else if !is_manifest(&path) {
                continue;
            } else if let Some(kind) = special_kind(meta.file_type()) {
                return Some(Found::Special(path, kind));
            } else {
                return Some(Found::File(path, open));
            }
        }
    }
}

/// Counts the manifests under `root` that `globs` leave, up to `cap` (the
/// walk stops there): all of them for the progress bar, whether there is
/// one, or more than one, for the rest.
pub(crate) fn count(root: &Path, globs: &Excludes, cap: usize) -> usize {
    Walk::new(root)
        .excluding_globs(globs)
        .filter(|f| !matches!(f, Found::Special(..)))
        .take(cap)
        .count()
}

/// Whether a run's progress bar is drawn: standard error is a terminal and
/// the report does not go to one too (the lines would mix).
pub(crate) fn progress_shown() -> bool {
    std::io::stderr().is_terminal() && !std::io::stdout().is_terminal()
}

/// The most items one worker takes at a time. Chunks start at one item and
/// double (per round of workers) up to this, so a short run still spreads
/// over every core while a long one takes the shared lock, and wakes the
/// thread that writes the results, once per this many items.
const MAX_CHUNK: usize = 32;

/// How many chunks may be handed out ahead of the oldest one not yet emitted,
/// per worker: results that finish early wait for their turn, and this caps
/// them, so one slow file can hold back the batch but not make its memory
/// grow with the number of files behind it (at most
/// `CHUNKS_PER_WORKER * MAX_CHUNK` items per worker; a valid file's result
/// holds no text).
///
/// Wide enough that a worker whose core is taken away for a while does not
/// stop the others: on a 2-vCPU machine the kernel's own threads took one of
/// a batch's cores for up to 12 ms at a time, and two workers' window is
/// about 13 ms of one core's work.
const CHUNKS_PER_WORKER: usize = 16;

/// How many bytes the results waiting for their turn may hold (the texts of
/// invalid files, kept for their reports; rendered outputs) before no more
/// chunks are handed out: the window's count alone would let a directory of
/// large invalid files pile up gigabytes behind one slow file. The chunks
/// being worked on come on top: at most one per worker.
const HELD_BYTES: usize = 64 << 20;

/// How many results of `typical` bytes (the texts of invalid files they
/// hold, on average lately; 0 when unknown) make a sixteenth of
/// [`HELD_BYTES`]: a chunk is no larger, so that a chunk in flight holds
/// about that much at most.
fn fitting(typical: usize) -> usize {
    (HELD_BYTES / 16)
        .checked_div(typical)
        .map_or(usize::MAX, |n| n.max(1))
}

/// The size of chunk number `seq` for `workers` workers.
fn chunk_size(seq: usize, workers: usize) -> usize {
    let doublings = (seq / workers).min(MAX_CHUNK.trailing_zeros() as usize);
    (1usize << doublings).min(MAX_CHUNK)
}

/// The items as the workers take them: in chunks, numbered in input order,
/// no further ahead of what was emitted than the window.
struct Feed<I> {
    items: I,
    /// The number of the next chunk handed out.
    next: usize,
    /// How many chunks have been emitted.
    emitted: usize,
    /// Whether the items have run out.
    exhausted: bool,
    /// Whether the run stops (it ended, or a thread panicked).
    stop: bool,
    /// How many helpers wait for the window to open (notified only then).
    waiting: usize,
}

impl<I: Iterator> Feed<I> {
    /// The items, none handed out yet.
    fn new(items: I) -> Self {
        Feed {
            items,
            next: 0,
            emitted: 0,
            exhausted: false,
            stop: false,
            waiting: 0,
        }
    }

    /// The next chunk and its number, if the window has room for it: fewer
    /// than `window` chunks past the last emitted, and the results waiting
    /// hold at most [`HELD_BYTES`] (`held`), unless nothing is in flight.
    fn take(
        &mut self,
        window: usize,
        workers: usize,
        held: usize,
        typical: usize,
    ) -> Option<(usize, Vec<I::Item>)> {
        if self.exhausted
            || self.stop
            || self.next >= self.emitted + window
            || (self.next > self.emitted && held > HELD_BYTES)
        {
            return None;
        }
        // While results waiting hold more than a sixteenth of the cap (the
        // texts of large invalid files), a chunk is one item: a chunk in
        // flight holds up to its size in such results, which the cap does
        // not count until they are back.
        let size = if held > HELD_BYTES / 16 {
            1
        } else {
            chunk_size(self.next, workers).min(fitting(typical))
        };
        let chunk: Vec<I::Item> = self.items.by_ref().take(size).collect();
        if chunk.len() < size {
            self.exhausted = true;
        }
        if chunk.is_empty() {
            return None;
        }
        self.next += 1;
        Some((self.next - 1, chunk))
    }
}

/// The feed and the condition its helpers wait on.
struct Shared<I> {
    feed: Mutex<Feed<I>>,
    opened: Condvar,
    /// The bytes the finished results not yet emitted hold ([`HELD_BYTES`]).
    held: AtomicUsize,
}

impl<I> Shared<I> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Feed<I>> {
        self.feed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops the run and wakes every helper.
    fn stop(&self) {
        self.lock().stop = true;
        self.opened.notify_all();
    }
}

/// Stops the run when dropped: when the thread holding it ends, normally or
/// by a panic, no other one waits for it forever.
struct StopOnDrop<'a, I>(&'a Shared<I>);

impl<I> Drop for StopOnDrop<'_, I> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop();
        }
    }
}

/// Runs `work` on every item of `items` on all cores and hands the results to
/// `emit` in the items' order (as [`run_with`], every thread with `()`).
#[cfg(test)]
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
    run_with(
        items,
        total,
        Engines::shared(&()),
        |(), item| work(item),
        |_| 0,
        |result| {
            emit(result);
            ControlFlow::Continue(())
        },
    );
}

/// The engine (or any state) each thread of a batch works with.
pub(crate) struct Engines<'a, E> {
    /// The calling thread's, and the helpers' when they make none.
    shared: &'a E,
    /// Makes a helper thread's own, on its own copy of the descriptors.
    own: Option<&'a (dyn Fn() -> Option<E> + Sync)>,
    /// How many threads work, the calling one included (`--jobs`).
    jobs: usize,
}

/// The most jobs `--jobs` starts: beyond, more threads or processes only
/// cost their start (and memory), whatever the cores.
const MAX_JOBS: usize = 16;

/// How many items a batch works on at once: `asked` (`--jobs`, at most
/// [`MAX_JOBS`]), or one per core this process may run on.
pub(crate) fn jobs(asked: Option<std::num::NonZeroUsize>) -> usize {
    match asked {
        Some(asked) => asked.get().min(MAX_JOBS),
        None => std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
    }
}

impl<'a, E> Engines<'a, E> {
    /// Every thread works with `shared`.
    pub(crate) fn shared(shared: &'a E) -> Self {
        Engines {
            shared,
            own: None,
            jobs: jobs(None),
        }
    }

    /// With `asked` threads (`--jobs`), or one per core.
    pub(crate) fn jobs(mut self, asked: Option<std::num::NonZeroUsize>) -> Self {
        self.jobs = jobs(asked);
        self
    }

    /// The calling thread's.
    pub(crate) fn first(&self) -> &'a E {
        self.shared
    }

    /// The calling thread works with `shared`; each helper thread makes its
    /// own with `own`, inside [`planton_api::with_private_pool`], and works
    /// with `shared` if that gives `None`.
    ///
    /// Threads whose messages all come from one descriptor pool update its
    /// one reference count all the time: on two cores, a batch spent a tenth
    /// more CPU than on one. An engine made inside a private pool loads its
    /// messages there. Making it costs the helper about a cold start (the
    /// copy is decoded and rules compiled again), once per thread.
    pub(crate) fn own(shared: &'a E, own: &'a (dyn Fn() -> Option<E> + Sync)) -> Self {
        Engines {
            shared,
            own: Some(own),
            jobs: jobs(None),
        }
    }
}

/// Runs `work` on every item of `items` on all cores and hands the results to
/// `emit` in the items' order, until `emit` breaks (its output failed: the
/// results still in flight are dropped); each thread passes its engine of
/// `engines` to `work`. `weight` tells the bytes a result holds (its text), which
/// the window counts besides the chunks ([`HELD_BYTES`]).
///
/// The calling thread is one of the workers and the only one that emits:
/// the others (one per further core) take chunks of items under one lock and
/// send each chunk's results back in one message; between its own chunks the
/// calling thread emits whatever is next in order. At most
/// `CHUNKS_PER_WORKER` chunks per worker are in flight or
/// finished-but-waiting at any time. On one core (or for one item) no thread
/// is started.
pub(crate) fn run_with<I, T, R, E>(
    items: I,
    total: usize,
    engines: Engines<'_, E>,
    work: impl Fn(&E, T) -> R + Sync,
    weight: impl Fn(&R) -> usize + Sync,
    mut emit: impl FnMut(R) -> ControlFlow<()>,
) where
    I: Iterator<Item = T> + Send,
    T: Send,
    R: Send,
    E: Sync,
{
    let workers = engines.jobs;
    let mut progress = Progress::new(total);
    if total <= 1 || workers == 1 {
        // One file (the common case of a CLI call), or one core: no threads.
        for item in items {
            if emit(work(engines.shared, item)).is_break() {
                break;
            }
            progress.advance();
        }
        progress.finish();
        return;
    }
    let window = workers * CHUNKS_PER_WORKER;
    let shared = Shared {
        feed: Mutex::new(Feed::new(items)),
        opened: Condvar::new(),
        held: AtomicUsize::new(0),
    };
    let work = &work;
    let weight = &weight;
    // A chunk's results and the bytes they hold, counted until emitted.
    let finish = |results: Vec<R>| {
        let bytes = results.iter().map(weight).sum::<usize>();
        shared.held.fetch_add(bytes, Ordering::Relaxed);
        (results, bytes)
    };
    let finish = &finish;
    std::thread::scope(|scope| {
        let (result_tx, result_rx) = channel::<(usize, (Vec<R>, usize))>();
        let mut helpers = Vec::with_capacity(workers - 1);
        for _ in 1..workers {
            let result_tx = result_tx.clone();
            let shared = &shared;
            let engines = &engines;
            let spawned = std::thread::Builder::new().spawn_scoped(scope, move || {
                let _stop = StopOnDrop(shared);
                let serve = |engine: &E| loop {
                    let (seq, chunk) = {
                        let mut feed = shared.lock();
                        loop {
                            let held = shared.held.load(Ordering::Relaxed);
                            if let Some(taken) = feed.take(window, workers, held, 0) {
                                break taken;
                            }
                            if feed.exhausted || feed.stop {
                                return;
                            }
                            feed.waiting += 1;
                            feed = shared
                                .opened
                                .wait(feed)
                                .unwrap_or_else(PoisonError::into_inner);
                            feed.waiting -= 1;
                        }
                    };
                    let results = chunk.into_iter().map(|item| work(engine, item)).collect();
                    if result_tx.send((seq, finish(results))).is_err() {
                        return;
                    }
                };
                if let Some(own) = engines.own
                    && planton_api::with_private_pool(|| own().map(|engine| serve(&engine)))
                        .is_some()
                {
                    return;
                }
                serve(engines.shared);
            });
            match spawned {
                Ok(helper) => helpers.push(helper),
                // A limit on processes (threads count too): the threads
                // started so far do the work, this one at least.
                Err(_) => break,
            }
        }
        drop(result_tx);
        let _stop = StopOnDrop(&shared);
        // Chunks that finished before their turn, by number.
        let mut pending: BTreeMap<usize, (Vec<R>, usize)> = BTreeMap::new();
        let mut next = 0;
        'run: loop {
            while let Ok((seq, results)) = result_rx.try_recv() {
                pending.insert(seq, results);
            }
            let before = next;
            while let Some((results, bytes)) = pending.remove(&next) {
                for result in results {
                    if emit(result).is_break() {
                        break 'run;
                    }
                    progress.advance();
                }
                shared.held.fetch_sub(bytes, Ordering::Relaxed);
                next += 1;
            }
            let own = {
                let mut feed = shared.lock();
                if next != before {
                    feed.emitted = next;
                    if feed.waiting > 0 {
                        shared.opened.notify_all();
                    }
                }
                match feed.take(window, workers, shared.held.load(Ordering::Relaxed), 0) {
                    Some(taken) => Some(taken),
                    None if feed.exhausted && next == feed.next => break 'run,
                    None => None,
                }
            };
            match own {
                Some((seq, chunk)) => {
                    let results = chunk.into_iter().map(|item| work(engines.shared, item));
                    pending.insert(seq, finish(results.collect()));
                }
                // The window is full, or the last chunks are with the
                // helpers: the next one in order comes from them.
                None => match result_rx.recv() {
                    Ok((seq, results)) => {
                        pending.insert(seq, results);
                    }
                    // Every helper ended without it: one panicked (the
                    // scope passes the panic on).
                    Err(_) => break 'run,
                },
            }
        }
        shared.stop();
        // A helper's panic goes on with its own payload (the scope would
        // only say that a thread panicked).
        for helper in helpers {
            if let Err(payload) = helper.join() {
                std::panic::resume_unwind(payload);
            }
        }
    });
    progress.finish();
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
            enabled: total > 1 && progress_shown(),
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

/// One file written as [`AtomicWriter::write`] writes it.
#[cfg(test)]
pub(crate) fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    AtomicWriter::default().write(path, contents)
}

/// Writes files one after another, each through a temporary file in the
/// same directory and a rename, so the file is either complete or absent.
/// The temporary file is created exclusively (`O_EXCL`: no existing file is
/// opened, no planted symbolic link followed) under an unpredictable name,
/// and is registered so that a signal removes it; it is renamed over its
/// path only after the whole text is written. A file's directory (and those
/// above it) is created only when it differs from the previous file's: a
/// walk's outputs come directory by directory.
#[derive(Default)]
pub(crate) struct AtomicWriter {
    /// The directory the last file was written to, known to exist.
    made: Option<PathBuf>,
}

impl AtomicWriter {
    /// Writes `contents` to `path` (an absolute path costs no look-up of the
    /// working directory, which a relative one does for its temporary file).
    pub(crate) fn write(&mut self, path: &Path, contents: &str) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if self.made.as_deref() != Some(dir) {
            self.made = None;
            fs::create_dir_all(dir)?;
            self.made = Some(dir.to_path_buf());
        }
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
            let created = tempfile::Builder::new()
                .prefix(&prefix)
                .suffix(".tmp")
                // As `fs::write` would: the umask decides.
                .permissions(fs::Permissions::from_mode(0o666))
                .tempfile_in(dir);
            let tmp = match created {
                Ok(tmp) => tmp,
                Err(e) => {
                    // The directory may have gone: ask again next time.
                    self.made = None;
                    return Err(e);
                }
            };
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
            seen <= workers * CHUNKS_PER_WORKER * MAX_CHUNK,
            "{seen} items started while the first was held"
        );
        if workers > 1 {
            assert!(seen > 1, "the others ran meanwhile");
        }
    }

    #[test]
    fn a_break_in_emit_ends_the_run() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        for jobs in [1, 4] {
            let worked = AtomicUsize::new(0);
            let mut emitted = Vec::new();
            run_with(
                0..100_000usize,
                100_000,
                Engines::shared(&()).jobs(std::num::NonZeroUsize::new(jobs)),
                |(), i| {
                    worked.fetch_add(1, Ordering::SeqCst);
                    i
                },
                |_| 0,
                |i| {
                    emitted.push(i);
                    if i == 99 {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                },
            );
            assert_eq!(emitted, (0..100).collect::<Vec<_>>(), "--jobs {jobs}");
            // What was handed out at most: the window.
            let worked = worked.load(Ordering::SeqCst);
            assert!(
                worked <= 100 + jobs * CHUNKS_PER_WORKER * MAX_CHUNK,
                "--jobs {jobs}: {worked} items worked on"
            );
        }
    }

    #[test]
    fn results_holding_many_bytes_stop_the_window_early() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let started = AtomicUsize::new(0);
        let seen_while_slow = AtomicUsize::new(0);
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut emitted = 0;
        // Each result says it holds an eighth of the budget (a large invalid
        // file's text): nine waiting results close the window.
        run_with(
            0..10_000usize,
            10_000,
            Engines::shared(&()),
            |(), i| {
                started.fetch_add(1, Ordering::SeqCst);
                if i == 0 {
                    std::thread::sleep(Duration::from_millis(300));
                    seen_while_slow.store(started.load(Ordering::SeqCst), Ordering::SeqCst);
                }
                i
            },
            |_| HELD_BYTES / 8,
            |i| {
                assert_eq!(i, emitted);
                emitted += 1;
                ControlFlow::Continue(())
            },
        );
        assert_eq!(emitted, 10_000);
        let seen = seen_while_slow.load(Ordering::SeqCst);
        // Nine results waiting, the chunk that made them nine, and one chunk
        // in the hands of each worker: far fewer than the window's count.
        let bound = 9 + (workers + 1) * MAX_CHUNK;
        assert!(
            seen <= bound && bound < workers * CHUNKS_PER_WORKER * MAX_CHUNK,
            "{seen} items started while the first was held"
        );
        if workers > 1 {
            assert!(seen > 1, "the others ran meanwhile");
        }
    }

    #[test]
    fn chunks_grow_from_one_item_to_the_cap() {
        assert_eq!(
            (0..14).map(|s| chunk_size(s, 2)).collect::<Vec<_>>(),
            [1, 1, 2, 2, 4, 4, 8, 8, 16, 16, 32, 32, 32, 32]
        );
        assert_eq!(chunk_size(usize::MAX, 1), MAX_CHUNK);
        assert_eq!(chunk_size(0, 64), 1);
    }

    #[test]
    fn chunks_of_large_results_hold_a_sixteenth_of_the_cap() {
        // Unknown or small results: the chunk sizes above.
        assert_eq!(fitting(0), usize::MAX);
        assert_eq!(fitting(1000), HELD_BYTES / 16 / 1000);
        // Texts of 3.9 MB: one file a chunk; of 1 MB: four.
        assert_eq!(fitting(3_900_000), 1);
        assert_eq!(fitting(1 << 20), 4);
        let mut feed = Feed::new(0..1000);
        feed.emitted = 100;
        let sizes: Vec<usize> = [0, 0, 1 << 20, 3_900_000, 0]
            .iter()
            .map(|&typical| feed.take(1000, 1, 0, typical).unwrap().1.len())
            .collect();
        // Chunks 0 to 4 for one worker: 1, 2, 4 (under 4 of 1 MB), 1, 16.
        assert_eq!(sizes, [1, 2, 4, 1, 16]);
    }

    #[test]
    fn every_item_is_emitted_once_whatever_the_count() {
        for n in [0usize, 1, 2, 3, 7, 31, 32, 33, 100, 1000] {
            let mut seen = Vec::new();
            run(0..n, n, |i| i, |r| seen.push(r));
            assert_eq!(seen, (0..n).collect::<Vec<_>>(), "{n} items");
        }
    }

    #[test]
    fn a_panicking_item_ends_the_run_with_its_panic() {
        let outcome = std::panic::catch_unwind(|| {
            run(
                0..5_000usize,
                5_000,
                |i| {
                    assert!(i != 1_234, "item 1234");
                    i
                },
                |_| {},
            );
        });
        let message = outcome.unwrap_err();
        let text = message
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| message.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        assert!(text.contains("item 1234"), "{text}");
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
    fn a_writer_makes_each_directory_and_again_when_it_went() {
        let dir = std::env::temp_dir().join(format!("planton-writer-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let mut writer = AtomicWriter::default();
        writer.write(&dir.join("a/x.yaml"), "1\n").unwrap();
        writer.write(&dir.join("a/y.yaml"), "2\n").unwrap();
        writer.write(&dir.join("b/c/z.yaml"), "3\n").unwrap();
        assert_eq!(fs::read_to_string(dir.join("a/y.yaml")).unwrap(), "2\n");
        assert_eq!(fs::read_to_string(dir.join("b/c/z.yaml")).unwrap(), "3\n");
        // The directory it made is removed behind its back: one write fails
        // (nothing is left), the next makes it again.
        fs::remove_dir_all(dir.join("b")).unwrap();
        assert!(writer.write(&dir.join("b/c/w.yaml"), "4\n").is_err());
        writer.write(&dir.join("b/c/w.yaml"), "5\n").unwrap();
        assert_eq!(fs::read_to_string(dir.join("b/c/w.yaml")).unwrap(), "5\n");
        assert_eq!(fs::read_dir(dir.join("b/c")).unwrap().count(), 1);
        assert!(live().paths.is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn found_files_open_relative_to_their_held_directory() {
        let dir = std::env::temp_dir().join(format!("planton-walk-at-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("a/b")).unwrap();
        fs::write(dir.join("a/b/job.yaml"), "kind: KubernetesJob\n").unwrap();
        let found: Vec<Found> = Walk::new(&dir).collect();
        let [Found::File(path, Some(open))] = &found[..] else {
            panic!("{found:?}");
        };
        assert_eq!(path, &dir.join("a/b/job.yaml"));
        // Its directory moved after the walk: the path is stale, the held
        // directory is not.
        fs::rename(dir.join("a"), dir.join("moved")).unwrap();
        assert!(crate::input::read_regular(path, None).is_err());
        let source = crate::input::read_regular(path, Some(open)).unwrap();
        assert_eq!(source.text, "kind: KubernetesJob\n");
        // A FIFO put in place of the file is still not waited on.
        fs::remove_file(dir.join("moved/b/job.yaml")).unwrap();
        let status = std::process::Command::new("mkfifo")
            .arg(dir.join("moved/b/job.yaml"))
            .status()
            .unwrap();
        assert!(status.success());
        let Err(err) = crate::input::read_regular(path, Some(open)) else {
            panic!("a FIFO was read");
        };
        assert!(format!("{err:#}").contains("not a regular file"), "{err:#}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_walk_holds_a_bounded_number_of_directories_open() {
        let dir = std::env::temp_dir().join(format!("planton-walk-open-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let held: &'static HeldDirs = Box::leak(Box::new(HeldDirs {
            count: AtomicUsize::new(0),
            max: 5,
        }));
        let dirs = 12;
        for i in 0..dirs {
            let sub = dir.join(format!("d{i:04}"));
            fs::create_dir_all(&sub).unwrap();
            fs::write(sub.join("job.yaml"), format!("n: {i}\n")).unwrap();
        }
        // Every file found kept at once, as a window of files in flight
        // keeps theirs; two walks at once (`validate a b`) share the count.
        let found: Vec<Found> = Walk::new(&dir).holding(held).collect();
        let again: Vec<Found> = Walk::new(&dir).holding(held).collect();
        assert_eq!((found.len(), again.len()), (dirs, dirs));
        let with_dir = |f: &Vec<Found>| {
            f.iter()
                .filter(|f| matches!(f, Found::File(_, Some(_))))
                .count()
        };
        // The first walk's root is held while it is listed, then four of
        // its directories; the second walk finds no room.
        assert_eq!((with_dir(&found), with_dir(&again)), (4, 0));
        assert_eq!(held.count.load(Ordering::Relaxed), 4);
        // Each is read all the same, by its path where no directory is held.
        for (i, f) in found.iter().chain(&again).enumerate() {
            let Found::File(path, open) = f else {
                panic!("{f:?}");
            };
            let source = crate::input::read_regular(path, open.as_deref()).unwrap();
            assert_eq!(source.text, format!("n: {}\n", i % dirs));
        }
        // Given back as files are done: a walk made after holds them again.
        drop((found, again));
        assert_eq!(held.count.load(Ordering::Relaxed), 0);
        let mut walk = Walk::new(&dir).holding(held);
        let held_again = walk
            .by_ref()
            .take(3)
            .filter(|f| matches!(f, Found::File(_, Some(_))))
            .count();
        assert_eq!(held_again, 3);
        assert_eq!(held.count.load(Ordering::Relaxed), 2);
        drop(walk);
        assert_eq!(held.count.load(Ordering::Relaxed), 0);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_directory_too_deep_for_its_path_is_reported_not_skipped() {
        use rustix::fs::{Mode, OFlags, mkdirat, openat};
        let dir = std::env::temp_dir().join(format!("planton-walk-deep-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        // 30 levels of 200-byte names: past the 4,096 bytes a path may
        // have. Made level by level, relative to the one above.
        let name = "d".repeat(200);
        let dirs = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let mut at = rustix::fs::open(&dir, dirs, Mode::empty()).unwrap();
        for _ in 0..30 {
            let file = OFlags::WRONLY | OFlags::CREATE | OFlags::CLOEXEC;
            drop(openat(&at, "job.yaml", file, Mode::RUSR | Mode::WUSR).unwrap());
            mkdirat(&at, name.as_str(), Mode::RWXU).unwrap();
            at = openat(&at, name.as_str(), dirs, Mode::empty()).unwrap();
        }
        let found: Vec<Found> = Walk::new(&dir).collect();
        let files = found
            .iter()
            .filter(|f| matches!(f, Found::File(..)))
            .count();
        let unreadable: Vec<_> = found
            .iter()
            .filter_map(|f| match f {
                Found::Unreadable(p, e) => Some((p.as_os_str().len(), e.raw_os_error())),
                _ => None,
            })
            .collect();
        // Every level whose path fits is found; the first that does not is
        // reported, with the system's reason.
        assert!((15..30).contains(&files), "{files}");
        assert_eq!(unreadable.len(), 1, "{found:?}");
        assert!(unreadable[0].0 > 4000, "{unreadable:?}");
        assert_eq!(unreadable[0].1, Some(36), "{unreadable:?}"); // ENAMETOOLONG
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_process_holds_at_most_an_eighth_of_its_open_files() {
        use rustix::process::{Resource, getrlimit};
        let limit = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
        let max = held_dirs().max as u64;
        assert!(max <= 64 && max <= limit / 8, "{max} of {limit}");
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
                Found::File(p, _) => p.strip_prefix(&dir).unwrap().display().to_string(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(found, ["a.json", "b/a.yml", "b/c/d.yaml", "b/z.yaml"]);
        // A symbolic link back up the tree is not followed.
        std::os::unix::fs::symlink("..", dir.join("b/up")).unwrap();
        assert_eq!(count(&dir, &Excludes::default(), usize::MAX), 4);
        // An excluded directory (an output inside the input) is skipped.
        let found = Walk::new(&dir).excluding(Some(&dir.join("b"))).count();
        assert_eq!(found, 1);
        // Whatever its spelling.
        let found = Walk::new(&dir)
            .excluding(Some(&dir.join("b/c/../../b")))
            .count();
        assert_eq!(found, 1);
        assert_eq!(count(&dir, &Excludes::default(), usize::MAX), 4);
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
        assert_eq!(count(&dir, &Excludes::default(), usize::MAX), 4);
        fs::remove_dir_all(&dir).unwrap();
    }
}
