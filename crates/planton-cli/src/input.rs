//! Reading manifests from files or standard input.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, bail};

use crate::batch::OpenDir;
use planton_manifest::DEFAULT_MAX_INPUT_BYTES;

/// A text read from a file or standard input, with the name to show for it.
pub(crate) struct Source {
    pub name: String,
    pub text: String,
}

/// Reads `path` (`-` for standard input), refusing more than the input limit
/// and text that is not UTF-8.
pub(crate) fn read(path: &Path) -> anyhow::Result<Source> {
    read_opened(path)
}

/// As [`read`], for a file found in a directory walk: opened without
/// blocking and refused unless it is a regular file, so a FIFO put in place
/// after the walk cannot stall the run. It is opened relative to `dir`,
/// the directory the walk found it in, when the walk holds that open.
///
/// A file that fits [`FIRST_READ`] costs one `open`, one `read` and one
/// `close`: Linux returns a regular file's bytes up to the count asked
/// unless its end comes first, so a read that comes back short (and not
/// empty) has the whole file. An empty read, a full one or an error is
/// followed by what a careful read does: the file's type (`fstat`: anything
/// but a regular file is refused), then reads to its end, within the limit.
/// A non-regular file that slips in after the walk (a FIFO, a terminal)
/// yields at most what one non-blocking read gives, never a stall.
pub(crate) fn read_regular(path: &Path, dir: Option<&OpenDir>) -> anyhow::Result<Source> {
    use std::os::unix::fs::OpenOptionsExt;
    let limit = DEFAULT_MAX_INPUT_BYTES;
    let name = path.display().to_string();
    let opened = match dir.zip(path.file_name()) {
        Some((dir, file_name)) => dir.open(file_name),
        None => std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path),
    };
    let mut file = opened.with_context(|| format!("cannot open '{name}'"))?;
    // The bytes of the first read, or its error.
    let first = BUFFER.with_borrow_mut(|buffer| {
        buffer.resize(FIRST_READ, 0);
        loop {
            match file.read(buffer) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
                Ok(n) => break Ok(buffer[..n].to_vec()),
            }
        }
    });
    let bytes = match first {
        Ok(bytes) if !bytes.is_empty() && bytes.len() < FIRST_READ => bytes,
        first => {
            let meta = file.metadata().ok();
            if !meta.as_ref().is_some_and(|m| m.is_file()) {
                bail!("{name}: not a regular file");
            }
            let mut bytes = first.with_context(|| format!("cannot read '{name}'"))?;
            let size = meta.map_or(0, |m| usize::try_from(m.len()).unwrap_or(usize::MAX));
            bytes.reserve(size.min(limit).saturating_sub(bytes.len()) + 1);
            let rest = (limit + 1).saturating_sub(bytes.len());
            file.take(rest as u64)
                .read_to_end(&mut bytes)
                .with_context(|| format!("cannot read '{name}'"))?;
            bytes
        }
    };
    checked(name, bytes)
}

/// How much the first read of a file found in a walk asks for: a manifest
/// is a few kilobytes, so nearly all come in one read.
const FIRST_READ: usize = 64 * 1024;

thread_local! {
    /// The buffer of the first read, one per thread (not one per file): a
    /// file's text is copied out of it at its size.
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The text of `bytes`, read from `name`: within the limit, and UTF-8.
fn checked(name: String, bytes: Vec<u8>) -> anyhow::Result<Source> {
    let limit = DEFAULT_MAX_INPUT_BYTES;
    if bytes.len() > limit {
        bail!("{name}: the input is over the limit of {limit} bytes");
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => bail!(
            "{name}: the input is not valid UTF-8 (at byte {})",
            e.utf8_error().valid_up_to()
        ),
    };
    Ok(Source { name, text })
}

fn read_opened(path: &Path) -> anyhow::Result<Source> {
    let limit = DEFAULT_MAX_INPUT_BYTES;
    let (name, bytes) = if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
        ("<stdin>".to_owned(), bytes)
    } else {
        let name = path.display().to_string();
        let file = std::fs::File::open(path).with_context(|| format!("cannot open '{name}'"))?;
        // Room for the whole file and one byte more: the text comes in one
        // read and the end of the file in a second (not a small first read
        // and doublings). A FIFO or a device is read to its end.
        let size = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map_or(0, |m| usize::try_from(m.len()).unwrap_or(usize::MAX));
        let mut bytes = Vec::with_capacity(size.min(limit) + 1);
        file.take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read '{name}'"))?;
        (name, bytes)
    };
    checked(name, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::OpenOptionsExt;

    /// The error of a read that must fail (a `Source` has no `Debug`: its
    /// text may hold secrets).
    fn error(read: anyhow::Result<Source>) -> String {
        match read {
            Ok(source) => panic!("{} was read", source.name),
            Err(e) => format!("{e:#}"),
        }
    }

    fn temp_dir(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("planton-input-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_found_file_is_read_whole_whatever_its_size() {
        let dir = temp_dir("sizes");
        // Around the first read's size: short of it, at it, past it, empty.
        for size in [
            0,
            1,
            1000,
            FIRST_READ - 1,
            FIRST_READ,
            FIRST_READ + 1,
            3 * FIRST_READ + 7,
        ] {
            let text: String = (0..size)
                .map(|i| char::from(b'a' + (i % 26) as u8))
                .collect();
            let path = dir.join(format!("{size}.yaml"));
            std::fs::write(&path, &text).unwrap();
            let source = read_regular(&path, None).unwrap();
            assert_eq!(source.text, text, "{size} bytes");
            assert_eq!(source.name, path.display().to_string());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_found_file_keeps_the_limits() {
        let dir = temp_dir("limits");
        let over = dir.join("over.yaml");
        std::fs::write(&over, vec![b'a'; DEFAULT_MAX_INPUT_BYTES + 1]).unwrap();
        let err = error(read_regular(&over, None));
        assert!(
            err.ends_with("the input is over the limit of 4194304 bytes"),
            "{err}"
        );
        let at = dir.join("at.yaml");
        std::fs::write(&at, vec![b'a'; DEFAULT_MAX_INPUT_BYTES]).unwrap();
        assert_eq!(
            read_regular(&at, None).unwrap().text.len(),
            DEFAULT_MAX_INPUT_BYTES
        );
        let latin1 = dir.join("latin1.yaml");
        std::fs::write(&latin1, b"name: caf\xe9\n").unwrap();
        let err = error(read_regular(&latin1, None));
        assert!(
            err.ends_with("the input is not valid UTF-8 (at byte 9)"),
            "{err}"
        );
        let err = error(read_regular(&dir.join("missing.yaml"), None));
        assert!(err.starts_with("cannot open '"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_fifo_in_place_of_a_found_file_is_refused_without_a_stall() {
        let dir = temp_dir("fifo");
        let fifo = dir.join("late.yaml");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        // No writer: the non-blocking open succeeds and the read is empty.
        let err = error(read_regular(&fifo, None));
        assert!(err.ends_with(": not a regular file"), "{err}");
        // A writer that has written nothing: the read would block.
        let reader = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
            .unwrap();
        let writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        let err = error(read_regular(&fifo, None));
        assert!(err.ends_with(": not a regular file"), "{err}");
        drop((reader, writer));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
