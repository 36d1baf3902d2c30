//! `validate`: every file's violations, in the report format asked for.

use std::io::Write;
use std::path::PathBuf;

use planton_kubernetes_job::{JobComponent, JobValidator};
use planton_manifest::component::{Component, Engine};

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
    let work = |engine: &E, item: Item| {
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
                let outcome = check(engine.engine(), &source, strict);
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
    };
    // A result holds its file's text when it quotes it.
    let weight = |result: &Result<report::FileResult, String>| {
        result
            .as_ref()
            .map_or(0, |r| r.text.as_ref().map_or(0, String::len))
    };
    batch::run_with(inputs, total, engines, work, weight, |result| {
        let result = match result {
            Ok(result) => result,
            Err(note) => {
                eprint!("{note}");
                return;
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
    });
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

/// Checks one manifest; with `strict`, warnings become errors.
pub(crate) fn check<C: Component>(
    engine: &Engine<C>,
    source: &Source,
    strict: bool,
) -> report::Outcome {
    report::outcome(engine, &source.name, &source.text, strict)
}
