//! `validate`: every file's violations, in the report format asked for.

use std::ffi::OsStr;
use std::io::Write;
use std::ops::ControlFlow;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use planton_kubernetes_job::{JobComponent, JobValidator};
use planton_manifest::component::{Component, Engine};
use planton_manifest::wire::{Reader, Writer};

use crate::app::Failure;
use crate::args::ReportFormat;
use crate::input::Source;
use crate::items::{Item, items};
use crate::{batch, github, junit, output, report, sarif};

/// Refuses standard input (`-`) named more than once.
pub(crate) fn stdin_once(files: &[PathBuf]) -> Result<(), Failure> {
    if files.iter().filter(|f| f.as_os_str() == "-").count() > 1 {
        return Err(anyhow::anyhow!("standard input ('-') can be given only once").into());
    }
    Ok(())
}

/// What a thread of a batch checks with: an engine, or what holds one.
pub(crate) trait HasEngine<C> {
    /// The engine.
    fn engine(&self) -> &Engine<C>;
}

impl<C> HasEngine<C> for Engine<C> {
    fn engine(&self) -> &Engine<C> {
        self
    }
}

impl HasEngine<JobComponent> for JobValidator {
    fn engine(&self) -> &Engine<JobComponent> {
        JobValidator::engine(self)
    }
}

/// Checks every file (directories walked) with the component the engines
/// run, and writes the report in `format` to `out`.
pub(crate) fn validate<C, E, W>(
    engines: batch::Engines<'_, E>,
    files: &[PathBuf],
    format: ReportFormat,
    strict: bool,
    globs: &batch::Excludes,
    workers: batch::Workers,
    mut out: output::Stream<W>,
) -> Result<(), Failure>
where
    C: Component,
    E: HasEngine<C> + Sync,
    W: Write,
{
    let engine = engines.first().engine();
    let (inputs, total) = items(files, None, globs);
    let mut summary = report::Summary::default();
    let mut sarif = sarif::Sarif::new(engine.manifest_descriptor().name());
    match format {
        ReportFormat::Json => out.write(report::JSON_OPEN),
        ReportFormat::Sarif => out.write(sarif::OPEN),
        ReportFormat::Junit => out.write(junit::OPEN),
        ReportFormat::Human | ReportFormat::Github => {}
    }
    let work = |engine: &E, item: Item| check_item(engine.engine(), item, strict);
    // A result holds its file's text when it quotes it.
    let weight = |result: &Result<report::FileResult, String>| {
        result
            .as_ref()
            .map_or(0, |r| r.text.as_ref().map_or(0, String::len))
    };
    let emit = |result: Result<report::FileResult, String>| {
        let result = match result {
            Ok(result) => result,
            Err(note) => {
                eprint!("{note}");
                return ControlFlow::Continue(());
            }
        };
        match format {
            ReportFormat::Human => out.write(&report::human_one(&result).stdout),
            ReportFormat::Json => out.write(&report::json_entry(&result, summary.files == 0)),
            ReportFormat::Sarif => out.write(&sarif.entry(&result)),
            ReportFormat::Junit => out.write(&junit::entry(&result)),
            ReportFormat::Github => out.write(&github::entry(&result)),
        }
        summary.add(&result);
        // Once the output fails (its reader went away: `| head -1`), the
        // run ends.
        if out.failed() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    if workers.is_empty() || total <= 1 {
        drop(workers);
        batch::run_with(inputs, total, engines, work, weight, emit);
    } else {
        let codec = batch::Codec {
            send: send_item,
            receive: receive_result,
        };
        batch::run_with_workers(
            inputs,
            total,
            engines.first(),
            workers,
            codec,
            work,
            weight,
            emit,
        );
    }
    match format {
        ReportFormat::Json => out.write(report::JSON_CLOSE),
        ReportFormat::Sarif => out.write(&sarif.close()),
        ReportFormat::Junit => out.write(junit::CLOSE),
        ReportFormat::Human if summary.files > 1 => out.write(&summary.line()),
        ReportFormat::Human | ReportFormat::Github => {}
    }
    out.finish()?;
    if summary.errors > 0 {
        Err(Failure::Error(None))
    } else if summary.invalid > 0 {
        Err(Failure::Invalid)
    } else {
        Ok(())
    }
}

/// What `validate` gives for one input: its result, or the note for a file
/// skipped (a special file, or one that is not a Planton manifest). A valid
/// file's result holds no text: nothing of it is quoted.
pub(crate) fn check_item<C: Component>(
    engine: &Engine<C>,
    item: Item,
    strict: bool,
) -> Result<report::FileResult, String> {
    if let Some(note) = item.note() {
        return Err(note);
    }
    let name = item.name();
    let (outcome, text) = match item.read() {
        Err(e) => (
            report::Outcome::Error {
                message: report::error_text(&e),
                location: None,
                finding: None,
            },
            None,
        ),
        Ok(source) => {
            if let Some(note) = item.not_a_manifest(&source.text) {
                return Err(note);
            }
            let outcome = check(engine, &source, strict);
            // Only findings quote the text: a valid file's is dropped
            // here, not held until its turn to be written.
            let quoted = !matches!(
                &outcome,
                report::Outcome::Checked { violations, .. } if violations.is_empty()
            );
            (outcome, quoted.then_some(source.text))
        }
    };
    Ok(report::FileResult {
        file: name,
        outcome,
        text,
    })
}

/// Writes an item for a worker process: a file found in a directory this
/// process holds open (0), or in one it does not (2), or named (1), and its
/// path; nothing else goes. A worker opens a file as this process would:
/// relative to its directory (0), or by its whole path (2), which fails
/// where that path is longer than the system takes.
fn send_item(item: &Item, w: &mut Writer<'_>) -> bool {
    let (kind, path) = match item {
        Item::Found(path, Some(_)) => (0, path),
        Item::Found(path, None) => (2, path),
        Item::File(path) => (1, path),
        Item::Stdin | Item::Unreadable(..) | Item::Special(..) => return false,
    };
    w.u8(kind);
    w.bytes(path.as_os_str().as_bytes());
    true
}

/// Writes a result for the parent: a note (0) or a file's result (1).
fn send_result(result: &Result<report::FileResult, String>, w: &mut Writer<'_>) {
    match result {
        Err(note) => {
            w.u8(0);
            w.str(note);
        }
        Ok(result) => {
            w.u8(1);
            result.encode(w);
        }
    }
}

/// Reads a result written by [`send_result`].
fn receive_result(r: &mut Reader<'_>) -> Option<Result<report::FileResult, String>> {
    match r.u8()? {
        0 => Some(Err(r.string()?)),
        1 => Some(Ok(report::FileResult::decode(r)?)),
        _ => None,
    }
}

/// `planton __validate-worker [--strict]`: checks the files a parent
/// `validate` sends (see `batch::workers`), each found in a directory opened
/// relative to it, as the parent would.
pub(crate) fn serve_worker<C: Component>(engine: &Engine<C>, strict: bool) -> Result<(), Failure> {
    // The directory of the last file found in one, held open.
    let mut dir: Option<(PathBuf, Option<Arc<batch::OpenDir>>)> = None;
    let mut read = |r: &mut Reader<'_>| {
        let kind = r.u8()?;
        let path = PathBuf::from(OsStr::from_bytes(r.bytes()?));
        match kind {
            0 => {
                let parent = path.parent().unwrap_or(Path::new(""));
                let open = match &dir {
                    Some((held, open)) if held == parent => open.clone(),
                    _ => {
                        let open = batch::OpenDir::at(parent).map(Arc::new);
                        dir = Some((parent.to_path_buf(), open.clone()));
                        open
                    }
                };
                Some(Item::Found(path, open))
            }
            1 => Some(Item::File(path)),
            2 => Some(Item::Found(path, None)),
            _ => None,
        }
    };
    batch::serve(
        &mut read,
        |item| check_item(engine, item, strict),
        send_result,
    )?;
    Ok(())
}

/// Checks one manifest; with `strict`, warnings become errors.
pub(crate) fn check<C: Component>(
    engine: &Engine<C>,
    source: &Source,
    strict: bool,
) -> report::Outcome {
    report::outcome(engine, &source.name, &source.text, strict)
}
