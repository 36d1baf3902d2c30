//! Writing results to standard output.

use std::io::{ErrorKind, Write};

/// Writes `text` to standard output in one piece and flushes it.
pub(crate) fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Whether the error is a closed pipe on output (the reader went away).
pub(crate) fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == ErrorKind::BrokenPipe)
    })
}

/// The bytes [`Stream`] gathers before it writes (a batch's report goes out
/// in a few large writes, not one per file).
const STREAM_BUFFER: usize = 64 * 1024;

/// An output (standard output by default) written piece by piece, buffered
/// by [`STREAM_BUFFER`]; the first write error (a closed pipe) stops further
/// writes and is reported by [`Stream::finish`].
pub(crate) struct Stream<W: Write = std::io::StdoutLock<'static>> {
    out: std::io::BufWriter<W>,
    error: Option<std::io::Error>,
}

impl Stream {
    pub(crate) fn stdout() -> Self {
        Stream::new(std::io::stdout().lock())
    }
}

impl<W: Write> Stream<W> {
    pub(crate) fn new(out: W) -> Self {
        Stream {
            out: std::io::BufWriter::with_capacity(STREAM_BUFFER, out),
            error: None,
        }
    }

    pub(crate) fn write(&mut self, text: &str) {
        if self.error.is_none()
            && let Err(e) = self.out.write_all(text.as_bytes())
        {
            self.error = Some(e);
        }
    }

    /// Whether a write failed (later ones are dropped).
    pub(crate) fn failed(&self) -> bool {
        self.error.is_some()
    }

    pub(crate) fn finish(mut self) -> std::io::Result<()> {
        match self.error.take() {
            Some(e) => Err(e),
            None => self.out.flush(),
        }
    }
}
