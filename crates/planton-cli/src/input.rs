//! Reading manifests from files or standard input.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, bail};
use planton_manifest::DEFAULT_MAX_INPUT_BYTES;

/// A text read from a file or standard input, with the name to show for it.
pub(crate) struct Source {
    pub name: String,
    pub text: String,
}

/// Reads `path` (`-` for standard input), refusing more than the input limit
/// and text that is not UTF-8.
pub(crate) fn read(path: &Path) -> anyhow::Result<Source> {
    read_opened(path, false)
}

/// As [`read`], for a file found in a directory walk: opened without
/// blocking and refused unless it is a regular file, so a FIFO put in place
/// after the walk cannot stall the run.
pub(crate) fn read_regular(path: &Path) -> anyhow::Result<Source> {
    read_opened(path, true)
}

fn read_opened(path: &Path, regular_only: bool) -> anyhow::Result<Source> {
    use std::os::unix::fs::OpenOptionsExt;
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
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        if regular_only {
            options.custom_flags(libc::O_NONBLOCK);
        }
        let file = options
            .open(path)
            .with_context(|| format!("cannot open '{name}'"))?;
        let meta = file.metadata().ok();
        if regular_only && !meta.as_ref().is_some_and(|m| m.is_file()) {
            bail!("{name}: not a regular file");
        }
        // Room for the whole file and one byte more: the text comes in one
        // read and the end of the file in a second (not a small first read
        // and doublings).
        let size = meta
            .filter(|m| m.is_file())
            .map_or(0, |m| usize::try_from(m.len()).unwrap_or(usize::MAX));
        let mut bytes = Vec::with_capacity(size.min(limit) + 1);
        file.take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read '{name}'"))?;
        (name, bytes)
    };
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
