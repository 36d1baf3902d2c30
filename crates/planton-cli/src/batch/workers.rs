//! Worker processes: a batch `planton validate` on several cores.
//!
//! Threads of one process share its table of open files, and a batch opens,
//! reads and closes one file after another: every `open` and `close` takes
//! the table's one lock, every call on a descriptor counts a reference on
//! the file once a second thread exists, and the cores pass those cache
//! lines back and forth. On two cores a batch in two threads did 12% more
//! work than on one core, where two processes, each on one core with half
//! the files, did 5% more (the README has the figures). So on a machine with
//! more than one core, `planton validate` starts a worker process per
//! further core: this very binary (`/proc/self/exe`, the same file even if
//! its path was replaced meanwhile) with the hidden command
//! `__validate-worker`, started before the parent makes its own validator,
//! so that both are ready at once.
//!
//! The parent walks the inputs, hands chunks of files to the workers, checks
//! chunks itself in between, and writes every result in input order, with
//! the same window of chunks and bytes as threads ([`super::run_with`]).
//! It never blocks writing to a worker, only waiting for one to answer, and
//! a worker only blocks on its own pipes, so neither can wait on the other
//! for ever (a worker stopped by a signal holds the run until it goes on,
//! as any stopped part of a pipeline does). A worker that ends, fails or
//! sends what does not read is stopped, and the parent checks its files
//! itself: the report is the same.
//!
//! Frames both ways are a length (`u32`, little-endian) and that many bytes,
//! in the form of [`planton_manifest::wire`]. To a worker, one frame per
//! chunk: the number of files, then each one's kind and path. From a
//! worker, one frame per file, in order: its result, or the note it was
//! skipped with.

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufWriter, ErrorKind, Read, Write};
use std::ops::ControlFlow;
use std::os::fd::AsFd;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use planton_manifest::wire::{Reader, Writer};

use super::{CHUNKS_PER_WORKER, Feed, HELD_BYTES, Progress};

/// The most worker processes: beyond, a batch uses this many cores plus
/// the parent's.
const MAX_WORKERS: usize = 15;

/// Files handed to a worker and not yet answered, at most: three full
/// chunks, so that it does not wait while the parent checks a chunk of its
/// own (nor while the first, small chunks come and go: a second earlier on
/// two cores than three chunks).
const AHEAD: usize = 3 * super::MAX_CHUNK;

/// Chunks handed to a worker and not yet answered, at most: the first
/// chunks are small and their results unknown, and this bounds what goes
/// out before any result is back (the first six chunks are 14 files; 96
/// invalid 3.9 MB files sent at once took 260 MB).
const AHEAD_CHUNKS: usize = 6;

/// The longest frame either side accepts. A result holds at most one
/// file's text (4 MiB) and a report of bounded length; one longer than this
/// (a pathological report) drops the worker, and the parent checks the
/// chunk itself: the run is slower, the report the same.
const MAX_FRAME: usize = 64 << 20;

/// The size asked for a worker's result pipe (Linux's default cap on it).
#[cfg(target_os = "linux")]
const PIPE_SIZE: usize = 1 << 20;

/// What a pipe read takes at a time.
const READ_SIZE: usize = 1 << 16;

/// The hidden command a worker runs.
pub(crate) const WORKER_COMMAND: &str = "__validate-worker";

/// The worker processes of one run, each with its two pipes. Dropping them
/// stops any still running.
pub(crate) struct Workers(Vec<Worker>);

impl Workers {
    /// None: the run is checked by threads, if any.
    pub(crate) fn none() -> Self {
        Workers(Vec::new())
    }

    /// Starts a worker for each of `jobs` beyond this process's (at most
    /// [`MAX_WORKERS`], and [`room_for_workers`]), each running
    /// `__validate-worker` with `args`. None off Linux; where a process
    /// cannot be started (a limit on processes), as many as could be.
    pub(crate) fn start(jobs: usize, args: &[&str]) -> Self {
        if !cfg!(target_os = "linux") {
            return Workers::none();
        }
        let most = jobs
            .saturating_sub(1)
            .min(MAX_WORKERS)
            .min(room_for_workers());
        let workers = (0..most).map_while(|_| Worker::start(args).ok()).collect();
        Workers(workers)
    }

    /// Whether no worker runs.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// How many workers the limit of open files leaves room for: each holds
/// two descriptors in this process (its pipes), and they take at most a
/// quarter of the limit, so that the walk's directories (an eighth) and the
/// files being read keep theirs (under `ulimit -n 16`, two workers).
fn room_for_workers() -> usize {
    use rustix::process::{Resource, getrlimit};
    getrlimit(Resource::Nofile)
        .current
        .map_or(usize::MAX, |n| usize::try_from(n / 8).unwrap_or(usize::MAX))
}

/// One worker process.
struct Worker {
    child: Child,
    /// Its standard input, where chunks go; `None` once closed.
    to: Option<ChildStdin>,
    /// Its standard output, where results come from.
    from: ChildStdout,
    /// Frames not yet written (the pipe was full).
    unsent: Vec<u8>,
    /// Bytes read and not yet taken as frames: `read[start..end]`.
    read: Vec<u8>,
    start: usize,
    end: usize,
}

impl Worker {
    fn start(args: &[&str]) -> std::io::Result<Worker> {
        use std::os::unix::process::CommandExt;
        let mut command = Command::new("/proc/self/exe");
        command.arg0("planton").arg(WORKER_COMMAND).args(args);
        Worker::spawn(command)
    }

    /// Runs `command` as a worker.
    fn spawn(mut command: Command) -> std::io::Result<Worker> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // A worker says all it has to say in its frames. Anything else
            // (a start that failed: not this program, as under `ld.so
            // planton`; a fault) is not the report's: its files are checked
            // here, and reported as on one core.
            .stderr(Stdio::null())
            .spawn()?;
        let (Some(to), Some(from)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ErrorKind::BrokenPipe.into());
        };
        let mut worker = Worker {
            child,
            to: Some(to),
            from,
            unsent: Vec::new(),
            read: Vec::new(),
            start: 0,
            end: 0,
        };
        // Our ends only (each end of a pipe has its own flags).
        let nonblocking = |fd: std::os::fd::BorrowedFd<'_>| {
            use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
            fcntl_setfl(fd, fcntl_getfl(fd)? | OFlags::NONBLOCK)
        };
        if let Some(to) = &worker.to {
            nonblocking(to.as_fd())?;
        }
        nonblocking(worker.from.as_fd())?;
        // Room for a large result (an invalid file's text) in few pieces:
        // through the default 64 KiB, a 4 MiB text took 64 wake-ups of
        // each side. The system's cap may refuse; the default then works.
        #[cfg(target_os = "linux")]
        let _ = rustix::pipe::fcntl_setpipe_size(worker.from.as_fd(), PIPE_SIZE);
        worker.read.resize(READ_SIZE, 0);
        Ok(worker)
    }

    /// Writes what the pipe takes of the frames not yet written; `false` if
    /// the worker is gone.
    fn flush(&mut self) -> bool {
        let Some(to) = &mut self.to else {
            return self.unsent.is_empty();
        };
        let mut written = 0;
        while written < self.unsent.len() {
            match to.write(&self.unsent[written..]) {
                Ok(0) => return false,
                Ok(n) => written += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => return false,
            }
        }
        self.unsent.drain(..written);
        true
    }

    /// Reads what the pipe holds and hands each whole frame to `frame`, in
    /// order, until `frame` says to pause (`Ok(false)`: the frames after
    /// wait here, and in the pipe); `Ok(false)` once the worker closed its
    /// output, `Err` on a frame too long or one `frame` refuses.
    fn receive(&mut self, mut frame: impl FnMut(&[u8]) -> Result<bool, ()>) -> Result<bool, ()> {
        loop {
            // Whole frames first.
            while let Some(header) = self.read.get(self.start..self.start + 4)
                && self.start + 4 <= self.end
            {
                let len = u32::from_le_bytes(header.try_into().map_err(|_| ())?) as usize;
                if len > MAX_FRAME {
                    return Err(());
                }
                let body = self.start + 4..self.start + 4 + len;
                if body.end > self.end {
                    // Room for the whole frame, at the front.
                    if self.read.len() - self.start < 4 + len {
                        self.read.copy_within(self.start..self.end, 0);
                        self.end -= self.start;
                        self.start = 0;
                        if self.read.len() < 4 + len {
                            self.read.resize(4 + len, 0);
                        }
                    }
                    break;
                }
                let go_on = frame(&self.read[body.clone()])?;
                self.start = body.end;
                if !go_on {
                    return Ok(true);
                }
            }
            if self.start == self.end {
                (self.start, self.end) = (0, 0);
            } else if self.end == self.read.len() {
                self.read.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            match self.from.read(&mut self.read[self.end..]) {
                Ok(0) => return Ok(false),
                Ok(n) => self.end += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(true),
                Err(_) => return Ok(false),
            }
        }
    }
}

impl Worker {
    /// Ends a worker whose results were all taken: its input closed, it
    /// exits.
    fn finish(mut self) {
        self.to = None;
        let _ = self.child.wait();
    }
}

impl Drop for Worker {
    /// Stops a worker that was not finished (a run that failed part way):
    /// nobody will read its results.
    fn drop(&mut self) {
        self.to = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A chunk handed to a worker: its number, its items (checked here if the
/// worker fails), and the results received so far.
struct Sent<T, R> {
    seq: usize,
    items: Vec<T>,
    results: Vec<R>,
    /// The bytes `results` hold, counted in [`Done::held`] from their
    /// arrival.
    bytes: usize,
}

/// A worker and the chunks it has, oldest first.
struct Busy<T, R> {
    worker: Option<Worker>,
    chunks: VecDeque<Sent<T, R>>,
}

impl<T, R> Busy<T, R> {
    /// How many files the worker has that it has not answered.
    fn unanswered(&self) -> usize {
        self.chunks
            .iter()
            .map(|sent| sent.items.len() - sent.results.len())
            .sum()
    }
}

/// How items and results travel to and from a worker.
pub(crate) struct Codec<S, G> {
    /// Writes an item for a worker; `false` for one that cannot go there
    /// (standard input): its chunk is checked by the parent.
    pub(crate) send: S,
    /// Reads a worker's result.
    pub(crate) receive: G,
}

/// Results that finished before their turn, by chunk number, and the
/// bytes they hold.
struct Done<R> {
    pending: BTreeMap<usize, (Vec<R>, usize)>,
    held: usize,
    /// The bytes a result holds, on average lately.
    typical: usize,
}

impl<R> Done<R> {
    fn add(&mut self, seq: usize, results: Vec<R>, weight: &impl Fn(&R) -> usize) {
        let mut bytes = 0;
        for result in &results {
            let w = weight(result);
            self.saw(w);
            bytes += w;
        }
        self.held += bytes;
        self.pending.insert(seq, (results, bytes));
    }

    /// Counts a result of `bytes` in the typical size.
    fn saw(&mut self, bytes: usize) {
        self.typical = (self.typical.saturating_mul(7)).saturating_add(bytes) / 8;
    }

    fn take(&mut self, seq: usize) -> Option<Vec<R>> {
        let (results, bytes) = self.pending.remove(&seq)?;
        self.held -= bytes;
        Some(results)
    }
}

/// As [`super::run_with`], with `workers` checking chunks in their own
/// processes besides the calling thread, which checks with `engine`. With no
/// worker it is [`super::run_with`] on this one thread. When `emit` breaks,
/// the run ends there and the workers are stopped.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_with_workers<I, T, R, E, S, G>(
    items: I,
    total: usize,
    engine: &E,
    workers: Workers,
    codec: Codec<S, G>,
    work: impl Fn(&E, T) -> R,
    weight: impl Fn(&R) -> usize,
    mut emit: impl FnMut(R) -> ControlFlow<()>,
) where
    I: Iterator<Item = T>,
    S: Fn(&T, &mut Writer<'_>) -> bool,
    G: Fn(&mut Reader<'_>) -> Option<R>,
{
    let mut progress = Progress::new(total);
    let mut busy: Vec<Busy<T, R>> = workers
        .0
        .into_iter()
        .map(|worker| Busy {
            worker: Some(worker),
            chunks: VecDeque::new(),
        })
        .collect();
    let count = busy.len() + 1;
    let window = count * CHUNKS_PER_WORKER;
    let mut feed = Feed::new(items);
    let mut done = Done {
        pending: BTreeMap::new(),
        held: 0,
        typical: 0,
    };
    let here =
        |chunk: Vec<T>| -> Vec<R> { chunk.into_iter().map(|item| work(engine, item)).collect() };
    let mut frame = Vec::new();
    // Every chunk from `next` to `feed.next` is in `done` or with a live
    // worker: when neither this thread nor `done` has anything to do, a
    // worker has, and waiting for it ends.
    let mut next = 0;
    loop {
        while let Some(results) = done.take(next) {
            for result in results {
                if emit(result).is_break() {
                    // The workers are stopped (dropped) with the rest.
                    progress.finish();
                    return;
                }
                progress.advance();
            }
            next += 1;
        }
        feed.emitted = next;
        for b in &mut busy {
            // Keep each worker `AHEAD` files ahead, in a few chunks; a chunk
            // ahead while large results wait (chunks are one file then).
            let ahead = if done.held > HELD_BYTES / 16 {
                1
            } else {
                AHEAD.min(super::fitting(done.typical))
            };
            while b.chunks.len() < AHEAD_CHUNKS
                && b.unanswered() < ahead
                && let Some(worker) = &mut b.worker
                && let Some((seq, items)) = feed.take(window, count, done.held, done.typical)
            {
                if !encode(&mut frame, &items, &codec.send) {
                    done.add(seq, here(items), &weight);
                    continue;
                }
                worker.unsent.extend_from_slice(&frame);
                b.chunks.push_back(Sent {
                    seq,
                    items,
                    results: Vec::new(),
                    bytes: 0,
                });
            }
            let reading = taking(b, next, done.held);
            let live = b.worker.as_mut().is_some_and(Worker::flush)
                && (!reading || take_results(b, &codec.receive, &mut done, &weight, next));
            if !live && b.worker.is_some() {
                // Gone: its chunks are checked here.
                b.worker = None;
                for sent in b.chunks.drain(..) {
                    done.held -= sent.bytes;
                    done.add(sent.seq, here(sent.items), &weight);
                }
            }
            // Nothing more will go to it: its input is closed, so that it
            // exits once it has answered, while this process finishes.
            if feed.exhausted
                && let Some(worker) = &mut b.worker
                && worker.unsent.is_empty()
            {
                worker.to = None;
            }
        }
        if done.pending.contains_key(&next) {
            continue;
        }
        if let Some((seq, items)) = feed.take(window, count, done.held, done.typical) {
            done.add(seq, here(items), &weight);
            continue;
        }
        if feed.exhausted && next == feed.next {
            break;
        }
        wait(&busy, next, done.held);
    }
    for worker in busy.into_iter().filter_map(|b| b.worker) {
        worker.finish();
    }
    progress.finish();
}

/// Writes the frame of a chunk for a worker into `frame`; `false` if an
/// item cannot go.
fn encode<T>(
    frame: &mut Vec<u8>,
    items: &[T],
    send: &impl Fn(&T, &mut Writer<'_>) -> bool,
) -> bool {
    frame.clear();
    frame.extend_from_slice(&[0; 4]);
    let mut w = Writer::new(frame);
    w.usize(items.len());
    if !items.iter().all(|item| send(item, &mut w)) {
        return false;
    }
    let Ok(len) = u32::try_from(frame.len() - 4) else {
        return false;
    };
    frame[..4].copy_from_slice(&len.to_le_bytes());
    true
}

/// Takes in the results a worker has sent, each counted in `done` as it
/// comes, and each chunk it finished into `done`, while [`taking`] it;
/// `false` if the worker failed (ended, or sent what does not read).
fn take_results<T, R>(
    b: &mut Busy<T, R>,
    receive: &impl Fn(&mut Reader<'_>) -> Option<R>,
    done: &mut Done<R>,
    weight: &impl Fn(&R) -> usize,
    next: usize,
) -> bool {
    let Some(worker) = &mut b.worker else {
        return false;
    };
    let chunks = &mut b.chunks;
    let open = worker.receive(|bytes| {
        let mut r = Reader::new(bytes);
        let (Some(result), true) = (receive(&mut r), r.is_empty()) else {
            return Err(());
        };
        let Some(sent) = chunks.front_mut() else {
            return Err(()); // a result for no file
        };
        let bytes = weight(&result);
        sent.bytes += bytes;
        done.saw(bytes);
        done.held += bytes;
        sent.results.push(result);
        if sent.results.len() == sent.items.len()
            && let Some(sent) = chunks.pop_front()
        {
            // Counted already.
            done.pending.insert(sent.seq, (sent.results, sent.bytes));
        }
        Ok(chunks
            .front()
            .is_none_or(|front| done.held <= HELD_BYTES || front.seq == next))
    });
    // A worker ends when its input is closed, once it has answered all:
    // ending before is a failure.
    match open {
        Ok(true) => true,
        Ok(false) => b.chunks.is_empty(),
        Err(()) => false,
    }
}

/// Whether the results of the worker `b` are taken in now: while the
/// results waiting for their turn hold at most [`HELD_BYTES`] (`held`), or
/// when its oldest chunk is the next one in order (`next`). Else they wait
/// in its pipe, and it waits to write them: the window bounds what the
/// workers have finished as it bounds what threads have.
fn taking<T, R>(b: &Busy<T, R>, next: usize, held: usize) -> bool {
    held <= HELD_BYTES || b.chunks.front().is_some_and(|sent| sent.seq == next)
}

/// Waits until a worker whose results are taken has some, or one has room
/// for what it was sent.
fn wait<T, R>(busy: &[Busy<T, R>], next: usize, held: usize) {
    use rustix::event::{PollFd, PollFlags, poll};
    let mut fds: Vec<PollFd<'_>> = Vec::with_capacity(busy.len() * 2);
    for b in busy {
        let Some(worker) = &b.worker else {
            continue;
        };
        if !b.chunks.is_empty() && taking(b, next, held) {
            fds.push(PollFd::new(&worker.from, PollFlags::IN));
        }
        if let Some(to) = &worker.to
            && !worker.unsent.is_empty()
        {
            fds.push(PollFd::new(to, PollFlags::OUT));
        }
    }
    // An error (an interrupt) only sends the caller round again.
    let _ = poll(&mut fds, None);
}

/// The worker's side: reads chunks on standard input, makes each item with
/// `read`, and writes the result `work` gives for it on standard output with
/// `put`, until the input ends.
pub(crate) fn serve<T, R>(
    mut read: impl FnMut(&mut Reader<'_>) -> Option<T>,
    mut work: impl FnMut(T) -> R,
    put: impl Fn(&R, &mut Writer<'_>),
) -> std::io::Result<()> {
    let bad = || std::io::Error::new(ErrorKind::InvalidData, "a chunk that does not read");
    let mut input = std::io::stdin().lock();
    // Not `Stdout`, which flushes at every line break.
    let output = std::fs::File::from(std::io::stdout().as_fd().try_clone_to_owned()?);
    let mut output = BufWriter::with_capacity(READ_SIZE, output);
    let mut frame = Vec::new();
    let mut bytes = Vec::new();
    loop {
        let mut len = [0; 4];
        match input.read_exact(&mut len) {
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok(()),
            result => result?,
        }
        let len = u32::from_le_bytes(len) as usize;
        if len > MAX_FRAME {
            return Err(bad());
        }
        // Grown as the bytes come, not to the length a header claims.
        frame.clear();
        (&mut input).take(len as u64).read_to_end(&mut frame)?;
        if frame.len() < len {
            return Err(ErrorKind::UnexpectedEof.into());
        }
        let mut r = Reader::new(&frame);
        let count = r.usize().ok_or_else(bad)?;
        for _ in 0..count {
            let item = read(&mut r).ok_or_else(bad)?;
            let result = work(item);
            bytes.clear();
            put(&result, &mut Writer::new(&mut bytes));
            let len = u32::try_from(bytes.len()).map_err(|_| bad())?;
            output.write_all(&len.to_le_bytes())?;
            output.write_all(&bytes)?;
        }
        if !r.is_empty() {
            return Err(bad());
        }
        output.flush()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs 0..`count` through `workers`, each item tripled, and gives the
    /// results in the order they were emitted.
    fn tripled(count: u64, workers: Workers) -> Vec<u64> {
        let mut out = Vec::new();
        let codec = Codec {
            send: |item: &u64, w: &mut Writer<'_>| {
                w.u64(*item);
                true
            },
            receive: |r: &mut Reader<'_>| r.u64(),
        };
        run_with_workers(
            0..count,
            count as usize,
            &(),
            workers,
            codec,
            |(), item| item * 3,
            |_| 0,
            |result| {
                out.push(result);
                ControlFlow::Continue(())
            },
        );
        out
    }

    /// A worker that runs the shell script `script`.
    fn shell(script: &str) -> Workers {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        Workers(vec![Worker::spawn(command).unwrap()])
    }

    #[test]
    fn a_worker_that_ends_at_once_leaves_its_chunks_to_the_parent() {
        let expected: Vec<u64> = (0..1000).map(|i| i * 3).collect();
        assert_eq!(tripled(1000, shell("exit 0")), expected);
        // Or after taking a chunk.
        assert_eq!(tripled(1000, shell("head -c 5 >/dev/null")), expected);
    }

    #[test]
    fn a_worker_that_answers_what_does_not_read_is_dropped() {
        let expected: Vec<u64> = (0..500).map(|i| i * 3).collect();
        // Bytes that are no number; a number and a byte too many; a frame
        // longer than any result may be (then waiting); a frame cut short
        // (then gone).
        for (answer, then) in [
            (r"\003\000\000\000\377\377\377", "cat >/dev/null"),
            (r"\002\000\000\000\000\000", "cat >/dev/null"),
            (r"\377\377\377\177", "cat >/dev/null"),
            (r"\010\000\000\000\001", "exit 0"),
        ] {
            let script = format!("printf '{answer}'; {then}");
            assert_eq!(tripled(500, shell(&script)), expected, "{answer}");
        }
    }

    #[test]
    fn no_worker_is_one_thread() {
        let expected: Vec<u64> = (0..100).map(|i| i * 3).collect();
        assert_eq!(tripled(100, Workers::none()), expected);
    }
}
