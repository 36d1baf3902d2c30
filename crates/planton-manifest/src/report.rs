//! Violation reports: the rustc-like text `planton validate` prints (each
//! finding with its source line and a caret, secret values masked, every
//! piece of input text through [`crate::sanitize`], output bounded), one JSON
//! document for tools, and the regions the CI formats and editors need.
//!
//! An embedder that prints [`human_one`] of a [`FileResult`] prints what
//! `planton validate` prints for that file.

use std::fmt::Write as _;

use crate::component::{CheckError, Checked, Component, Engine};
use crate::wire::{Reader, Writer};
use crate::{LoadError, Location, Severity, Source, Span, Violation};
use serde_json::json;

use crate::sanitize;

/// What checking one file gave.
// Not `#[non_exhaustive]`: every report writer (text, JSON, SARIF, JUnit,
// GitHub, the language server) matches it, and a new outcome must be
// handled by each of them: a compile error is what we want.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The file could not be read or loaded.
    Error {
        /// The message, already cleaned by the sanitizer (see [`load_error`]).
        message: String,
        /// Where in the file, when the error points at a place.
        location: Option<Location>,
        /// For a file read but not loaded, the load error as a finding: its
        /// rule (`load.syntax`, ...), field path, message and location.
        finding: Option<Violation>,
    },
    /// The file loaded; these are its violations (possibly none).
    Checked {
        /// The findings (load errors and violations), sorted by position.
        violations: Vec<Violation>,
        /// The span of each violation's value, when it was written.
        spans: Vec<Option<Span>>,
        /// Spans of secret values, masked in quoted source lines; empty
        /// when there are no findings, as no line is quoted.
        secrets: Vec<Span>,
        /// Load errors found beyond those the loader kept (it keeps the
        /// first 100): counted, not listed.
        unkept: usize,
    },
}

/// One checked file: its name, its text (when it was read) and what the
/// check gave.
///
/// Not `Debug`: the text may hold secret values.
#[derive(Clone, PartialEq, Eq)]
pub struct FileResult {
    /// The file's name as the report shows it (cleaned when shown).
    pub file: String,
    /// The text, quoted in the report; `None` when it was not read (a
    /// caller may also leave it out when the check found nothing, as
    /// nothing is quoted then).
    pub text: Option<String>,
    /// What checking it gave.
    pub outcome: Outcome,
}

impl FileResult {
    /// Appends the result in the byte form of [`crate::wire`] (for another
    /// process of the same build, which reads it with
    /// [`FileResult::decode`]).
    pub fn encode(&self, w: &mut Writer<'_>) {
        w.str(&self.file);
        w.option(self.text.as_ref(), |w, text| w.str(text));
        match &self.outcome {
            Outcome::Error {
                message,
                location,
                finding,
            } => {
                w.u8(0);
                w.str(message);
                w.option(location.as_ref(), put_location);
                w.option(finding.as_ref(), put_violation);
            }
            Outcome::Checked {
                violations,
                spans,
                secrets,
                unkept,
            } => {
                w.u8(1);
                w.list(violations, put_violation);
                w.list(spans, |w, span| w.option(span.as_ref(), put_span));
                w.list(secrets, put_span);
                w.usize(*unkept);
            }
        }
    }

    /// Reads a result written by [`FileResult::encode`]; `None` if the bytes
    /// are not one.
    pub fn decode(r: &mut Reader<'_>) -> Option<FileResult> {
        let file = r.string()?;
        let text = r.option(Reader::string)?;
        let outcome = match r.u8()? {
            0 => Outcome::Error {
                message: r.string()?,
                location: r.option(get_location)?,
                finding: r.option(get_violation)?,
            },
            1 => Outcome::Checked {
                violations: r.list(get_violation)?,
                spans: r.list(|r| r.option(get_span))?,
                secrets: r.list(get_span)?,
                unkept: r.usize()?,
            },
            _ => return None,
        };
        Some(FileResult {
            file,
            text,
            outcome,
        })
    }
}

fn put_location(w: &mut Writer<'_>, at: &Location) {
    w.usize(at.line);
    w.usize(at.column);
}

fn get_location(r: &mut Reader<'_>) -> Option<Location> {
    Some(Location::new(r.usize()?, r.usize()?))
}

fn put_span(w: &mut Writer<'_>, span: &Span) {
    put_location(w, &span.start);
    put_location(w, &span.end);
}

fn get_span(r: &mut Reader<'_>) -> Option<Span> {
    Some(Span {
        start: get_location(r)?,
        end: get_location(r)?,
    })
}

fn put_violation(w: &mut Writer<'_>, v: &Violation) {
    w.str(&v.field_path);
    w.str(&v.rule_id);
    w.str(&v.message);
    w.u8(match v.source {
        Source::BufValidate => 0,
        Source::Kubernetes => 1,
        Source::Load => 2,
    });
    w.option(v.location.as_ref(), put_location);
    w.option(v.span.as_ref(), put_span);
    w.bool(v.for_key);
    w.u8(match v.severity {
        Severity::Error => 0,
        Severity::Warning => 1,
    });
}

fn get_violation(r: &mut Reader<'_>) -> Option<Violation> {
    let field_path = r.str()?;
    let rule_id = r.str()?;
    let message = r.str()?;
    let source = match r.u8()? {
        0 => Source::BufValidate,
        1 => Source::Kubernetes,
        2 => Source::Load,
        _ => return None,
    };
    let mut v = Violation::new(source, field_path, rule_id, message);
    v.location = r.option(get_location)?;
    v.span = r.option(get_span)?;
    v.for_key = r.bool()?;
    v.severity = match r.u8()? {
        0 => Severity::Error,
        1 => Severity::Warning,
        _ => return None,
    };
    Some(v)
}

/// A rendered text report. All of it goes to standard output: load errors
/// and violations alike (see the README).
pub struct Rendered {
    /// The report's text.
    pub stdout: String,
}

/// The text report: each violation with its source line and a caret.
pub fn human(results: &[FileResult]) -> Rendered {
    let mut out = Rendered {
        stdout: String::new(),
    };
    let mut summary = Summary::default();
    for r in results {
        let one = human_one(r);
        out.stdout.push_str(&one.stdout);
        summary.add(r);
    }
    if results.len() > 1 {
        out.stdout.push_str(&summary.line());
    }
    out
}

/// Counts of a run over several files.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    /// Files seen.
    pub files: usize,
    /// Files that loaded and break rules.
    pub invalid: usize,
    /// Files that could not be read or loaded.
    pub errors: usize,
    /// Violations (errors) in all files.
    pub violations: usize,
    /// Warnings in all files.
    pub warnings: usize,
}

impl Summary {
    /// Counts the file `r`.
    pub fn add(&mut self, r: &FileResult) {
        self.files += 1;
        match &r.outcome {
            Outcome::Error { .. } => self.errors += 1,
            Outcome::Checked {
                violations, unkept, ..
            } => {
                let errors = violations.iter().filter(|v| v.is_error()).count();
                self.invalid += usize::from(errors + unkept > 0);
                self.violations += errors + unkept;
                self.warnings += violations.len() - errors;
            }
        }
    }

    /// The closing line of a multi-file report.
    pub fn line(&self) -> String {
        let warnings = match self.warnings {
            0 => String::new(),
            1 => ", 1 warning".to_owned(),
            n => format!(", {n} warnings"),
        };
        format!(
            "{} files: {} valid, {} invalid ({} violations){warnings}, {} not loaded\n",
            self.files,
            self.files - self.invalid - self.errors,
            self.invalid,
            self.violations,
            self.errors
        )
    }
}

/// The most violations shown in full per file; the others are counted.
pub const MAX_SHOWN_PER_FILE: usize = 50;
/// The most lines of one error message (one per field error) shown.
pub const MAX_ERROR_LINES: usize = 50;
/// A source line up to this many bytes is shown whole; a longer one (a
/// one-line JSON document) as a window around the column, as rustc does.
const MAX_WHOLE_LINE: usize = 160;
/// Characters shown before and after the column in a window.
const WINDOW_BEFORE: usize = 60;
const WINDOW_AFTER: usize = 100;

/// The text report of one file.
pub fn human_one(r: &FileResult) -> Rendered {
    let mut out = String::new();
    let file = sanitize::path(&r.file);
    match &r.outcome {
        Outcome::Error {
            finding: Some(v), ..
        } => {
            // No source line is quoted: the file did not load, so where its
            // secret values are is not known.
            let text = SourceText::new("");
            diagnostic(&mut out, &file, &text, &[], v, None, None);
            let _ = writeln!(out, "{file}: not loaded\n");
        }
        Outcome::Error { message, .. } => {
            let _ = writeln!(out, "error: {message}\n");
        }
        Outcome::Checked { violations, .. } if violations.is_empty() => {
            let _ = writeln!(out, "{file}: valid");
        }
        Outcome::Checked {
            violations,
            spans,
            secrets,
            unkept,
        } => {
            let text = SourceText::new(r.text.as_deref().unwrap_or(""));
            let shown = &violations[..violations.len().min(MAX_SHOWN_PER_FILE)];
            let locations: Vec<Option<Location>> = shown.iter().map(|v| v.location).collect();
            let offsets = text.offsets(&locations);
            let masks = text.ranges(secrets);
            for ((v, span), offset) in shown.iter().zip(spans).zip(offsets) {
                diagnostic(&mut out, &file, &text, &masks, v, *span, offset);
            }
            let errors = violations.iter().filter(|v| v.is_error()).count();
            let n = errors + unkept;
            let plural = |n: usize| if n == 1 { "" } else { "s" };
            let omitted = violations.len() - shown.len() + unkept;
            if omitted > 0 {
                let _ = writeln!(
                    out,
                    "… and {omitted} more violation{} in {file}\n",
                    plural(omitted)
                );
            }
            let warnings = match violations.len() - errors {
                0 => String::new(),
                w => format!(", {w} warning{}", plural(w)),
            };
            if n == 0 {
                let _ = writeln!(out, "{file}: valid{warnings}\n");
            } else {
                let _ = writeln!(out, "{file}: {n} violation{}{warnings}\n", plural(n));
            }
        }
    }
    Rendered { stdout: out }
}

/// Checks the manifest `text` (named `name` in messages) with the
/// component engine `engine` ([`Engine::check`]): the outcome that every
/// report (text, JSON, the CI formats, a language server's diagnostics) is
/// made from. With `strict`, warnings become errors.
pub fn outcome<C: Component>(engine: &Engine<C>, name: &str, text: &str, strict: bool) -> Outcome {
    from_check(name, engine.check(text), strict)
}

/// The outcome of a check of a text named `name` in messages, see
/// [`outcome`].
pub fn from_check(name: &str, result: Result<Checked, CheckError>, strict: bool) -> Outcome {
    match result {
        Ok(mut checked) => {
            if strict {
                for v in &mut checked.violations {
                    v.severity = crate::Severity::Error;
                }
            }
            // The load errors (with the span of the text at fault) and the
            // violations (with their value's span), in one list by position.
            let mut found: Vec<(Violation, Option<Span>)> = checked
                .load_errors
                .iter()
                .map(|e| {
                    let span = Span {
                        start: e.location,
                        end: e.end,
                    };
                    (e.to_violation(), Some(span))
                })
                .collect();
            found.extend(checked.violations.iter().map(|v| {
                let span = if v.for_key {
                    None
                } else {
                    checked.document.source_map().span(&v.field_path)
                };
                (v.clone(), span)
            }));
            found.sort_by(|(a, _), (b, _)| crate::violation::order(a, b));
            // Nothing is quoted from a file without findings: its secrets
            // are not looked for (a test of every path of the source map,
            // a twentieth of a batch's time).
            let secrets = if found.is_empty() {
                Vec::new()
            } else {
                checked.masked_spans()
            };
            let unkept = checked.load_errors.omitted();
            let (violations, spans) = found.into_iter().unzip();
            Outcome::Checked {
                violations,
                spans,
                secrets,
                unkept,
            }
        }
        Err(CheckError::Load(e)) => load_failure(name, &e),
        Err(e) => Outcome::Error {
            message: sanitize::clean_to(&format!("{name}: {e}"), 1000).into_owned(),
            location: None,
            finding: None,
        },
    }
}

/// The outcome of a file `name` that does not load: the message of
/// [`load_error`] and the place the error points at.
pub fn load_failure(name: &str, e: &LoadError) -> Outcome {
    let location = e.location();
    let (field_path, message) = match e {
        LoadError::Fields(errors) if !errors.is_empty() => {
            (errors[0].path.clone(), errors[0].message.clone())
        }
        _ => {
            let whole = e.to_string();
            // The message without the place, which the finding has apart.
            let message = match e.location() {
                Some(l) => whole
                    .strip_suffix(&format!(" at {l}"))
                    .map_or_else(|| whole.clone(), str::to_owned),
                None => whole,
            };
            (String::new(), message)
        }
    };
    Outcome::Error {
        message: load_error(name, e),
        location,
        finding: Some(Violation {
            field_path: sanitize::clean(&field_path).into_owned(),
            rule_id: e.rule().id().to_owned(),
            message: sanitize::clean_to(&message, 1000).into_owned(),
            source: crate::Source::Load,
            location,
            span: None,
            for_key: false,
            severity: crate::Severity::Error,
        }),
    }
}

/// The message of a load error of the file `name`, safe for a terminal: at
/// most [`MAX_ERROR_LINES`] field errors, each piece cleaned and cut.
pub fn load_error(name: &str, e: &LoadError) -> String {
    let name = sanitize::path(name);
    let LoadError::Fields(errors) = e else {
        return format!("{name}: {}", sanitize::clean(&e.to_string()));
    };
    // The errors the library kept (it may keep fewer than it found).
    let kept: &[crate::FieldError] = errors;
    // The library's own text starts with the count of all it found, those
    // it did not keep included.
    let total = e
        .to_string()
        .split_once(" errors:")
        .and_then(|(n, _)| n.parse::<usize>().ok())
        .map_or(kept.len(), |n| n.max(kept.len()));
    let one = |e: &crate::FieldError| {
        let path = if e.path.is_empty() {
            "(top level)"
        } else {
            &e.path
        };
        format!(
            "{}: {} at {}",
            sanitize::clean(path),
            sanitize::clean(&e.message),
            e.location
        )
    };
    match kept {
        [e] if total == 1 => format!("{name}: {}", one(e)),
        many => {
            let mut text = format!("{name}: {total} errors:");
            for e in many.iter().take(MAX_ERROR_LINES) {
                let _ = write!(text, "\n  {}", one(e));
            }
            let shown = many.len().min(MAX_ERROR_LINES);
            if total > shown {
                let _ = write!(text, "\n  … and {} more", total - shown);
            }
            text
        }
    }
}

/// The most characters of an error message (with its causes) shown.
pub const MAX_ERROR_CHARS: usize = 1000;

/// A text with its lines counted as the YAML parser counts them: a line
/// ends at LF, CRLF or a lone CR (saphyr-parser's `is_break`; NEL, U+2028
/// and U+2029 are not breaks in YAML 1.2 and are not here).
struct SourceText<'a> {
    text: &'a str,
    /// The byte offset where each line starts (the input is at most 4 MiB,
    /// so `u32` holds any offset).
    starts: Vec<u32>,
}

impl<'a> SourceText<'a> {
    fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0u32];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push((i + 1) as u32),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    i += 1;
                    starts.push((i + 1) as u32);
                }
                b'\r' => starts.push((i + 1) as u32),
                _ => {}
            }
            i += 1;
        }
        SourceText { text, starts }
    }

    /// The byte range of line `line` (1-based) without its line break.
    fn line(&self, line: usize) -> Option<(usize, usize)> {
        let start = *self.starts.get(line.checked_sub(1)?)? as usize;
        let next = self
            .starts
            .get(line)
            .map_or(self.text.len(), |&s| s as usize);
        let content = self.text[start..next].trim_end_matches(['\n', '\r']);
        Some((start, start + content.len()))
    }

    /// The byte offset of each location (a column past the end of its line
    /// stops at the line's end), in one pass per line: the locations are
    /// visited in sorted order, each line walked once from its start.
    fn offsets(&self, locations: &[Option<Location>]) -> Vec<Option<usize>> {
        let mut order: Vec<usize> = (0..locations.len())
            .filter(|&i| locations[i].is_some())
            .collect();
        order.sort_by_key(|&i| locations[i]);
        let mut result = vec![None; locations.len()];
        // (line, column, byte) of the walk so far.
        let mut at: Option<(usize, usize, usize)> = None;
        for i in order {
            let Some(loc) = locations[i] else { continue };
            let Some((start, end)) = self.line(loc.line) else {
                continue;
            };
            let (mut column, mut byte) = match at {
                Some((line, column, byte)) if line == loc.line && column <= loc.column => {
                    (column, byte)
                }
                _ => (1, start),
            };
            let rest = self.text[byte..end].char_indices();
            for (_, c) in rest.take(loc.column.saturating_sub(column)) {
                byte += c.len_utf8();
                column += 1;
            }
            at = Some((loc.line, column, byte));
            result[i] = Some(byte);
        }
        result
    }

    /// The byte ranges of `spans`, sorted and merged.
    fn ranges(&self, spans: &[Span]) -> Vec<(usize, usize)> {
        let ends: Vec<Option<Location>> = spans
            .iter()
            .flat_map(|s| [Some(s.start), Some(s.end)])
            .collect();
        let offsets = self.offsets(&ends);
        let mut ranges: Vec<(usize, usize)> = offsets
            .chunks(2)
            .filter_map(|pair| Some((pair[0]?, pair[1]?)))
            .filter(|(s, e)| s < e)
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
        for (s, e) in ranges {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
    }
}

fn diagnostic(
    out: &mut String,
    file: &str,
    text: &SourceText<'_>,
    masks: &[(usize, usize)],
    v: &Violation,
    span: Option<Span>,
    offset: Option<usize>,
) {
    let _ = writeln!(
        out,
        "{}[{}]: {}",
        v.severity,
        sanitize::clean(&v.rule_id),
        sanitize::clean(&v.message)
    );
    let path = sanitize::clean(&v.field_path);
    let Some(loc) = v.location else {
        let _ = writeln!(out, "  --> {file}");
        // A finding of the whole file (a missing kind) has no field.
        if !path.is_empty() {
            let _ = writeln!(out, "   = field: {path}");
        }
        let _ = writeln!(out, "   = source: {}\n", v.source);
        return;
    };
    let gutter = loc.line.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(out, "{pad}--> {file}:{loc}");
    if let (Some(at), Some((start, end))) = (offset, text.line(loc.line)) {
        let _ = writeln!(out, "{pad} |");
        let width = match span {
            Some(s)
                if s.start == loc && s.end.line == loc.line && s.end.column > s.start.column =>
            {
                Some(s.end.column - s.start.column)
            }
            _ => None,
        };
        let snippet = snippet(text.text, start, end, at, width, masks);
        let _ = writeln!(out, "{} | {}", loc.line, snippet.line);
        let _ = writeln!(
            out,
            "{pad} | {}{} {path}",
            " ".repeat(snippet.caret_column),
            "^".repeat(snippet.caret_width.max(1)),
        );
    }
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(
        out,
        "{pad} = rule {} ({})\n",
        sanitize::clean(&v.rule_id),
        v.source
    );
}

/// A source line as shown under a diagnostic.
struct Snippet {
    /// The line (or a window of it), masked and sanitized.
    line: String,
    /// Characters of `line` before the caret.
    caret_column: usize,
    /// Characters of `line` under the caret.
    caret_width: usize,
}

/// The line `start..end` of `text` for a caret at byte `at` that is `width`
/// characters wide (the token's width when `None`): secret values masked
/// (every character in `masks` but whitespace becomes `*`), each unsafe
/// character escaped visibly, a tab shown as a space, and a long line cut to
/// a window around `at`. Costs O(window), whatever the line's length.
fn snippet(
    text: &str,
    start: usize,
    end: usize,
    at: usize,
    width: Option<usize>,
    masks: &[(usize, usize)],
) -> Snippet {
    let at = at.clamp(start, end);
    let (from, to) = if end - start <= MAX_WHOLE_LINE {
        (start, end)
    } else {
        let from = text[start..at]
            .char_indices()
            .rev()
            .nth(WINDOW_BEFORE - 1)
            .map_or(start, |(i, _)| start + i);
        let to = text[at..end]
            .char_indices()
            .nth(WINDOW_AFTER)
            .map_or(end, |(i, _)| at + i);
        (from, to)
    };
    let width = width.unwrap_or_else(|| token_width(&text[at..to]));
    let mut line = String::new();
    let mut shown = 0usize;
    let (mut caret_column, mut caret_width) = (0, 0);
    if from > start {
        line.push('…');
        shown += 1;
    }
    // The first mask that ends after the window's start; masks are sorted
    // and disjoint, so one pointer moves along the window.
    let mut mask = masks.partition_point(|&(_, e)| e <= from);
    let mut chars_after_caret = 0usize;
    for (i, c) in text[from..to].char_indices() {
        let byte = from + i;
        while mask < masks.len() && masks[mask].1 <= byte {
            mask += 1;
        }
        let hidden = mask < masks.len() && masks[mask].0 <= byte && !c.is_whitespace();
        if byte == at {
            caret_column = shown;
        }
        let added = if hidden {
            line.push('*');
            1
        } else if c == '\t' {
            line.push(' ');
            1
        } else if sanitize::is_unsafe(c) {
            let before = line.len();
            sanitize::push_escaped(&mut line, c);
            line.len() - before // escapes are ASCII
        } else {
            line.push(c);
            1
        };
        if byte >= at && chars_after_caret < width {
            caret_width += added;
            chars_after_caret += 1;
        }
        shown += added;
    }
    if at >= to {
        caret_column = shown;
    }
    if to < end {
        line.push('…');
    }
    Snippet {
        line,
        caret_column,
        caret_width,
    }
}

/// The width of the token that `rest` starts with: a quoted string to its
/// closing quote, else up to a flow indicator, a comment or a `: `.
fn token_width(rest: &str) -> usize {
    let rest: Vec<char> = rest.chars().collect();
    match rest.first() {
        Some(&q @ ('"' | '\'')) => rest
            .iter()
            .skip(1)
            .position(|&c| c == q)
            .map_or(rest.len(), |p| p + 2),
        Some(_) => {
            let mut n = 0;
            while n < rest.len() {
                let c = rest[n];
                if matches!(c, ',' | '}' | ']' | '#')
                    || (c == ':' && rest.get(n + 1).is_none_or(|d| d.is_whitespace()))
                {
                    break;
                }
                n += 1;
            }
            rest[..n]
                .iter()
                .rev()
                .skip_while(|c| c.is_whitespace())
                .count()
        }
        None => 1,
    }
}

/// The violations of a file that a report shows in full (at most
/// [`MAX_SHOWN_PER_FILE`]), and how many more there are.
pub fn shown(violations: &[Violation], unkept: usize) -> (&[Violation], usize) {
    let n = violations.len().min(MAX_SHOWN_PER_FILE);
    (&violations[..n], violations.len() - n + unkept)
}

/// The most characters a region computed from the text (a violation
/// without a span) covers: the token at the location, cut there.
pub const MAX_REGION_CHARS: usize = 1000;

/// The region of each violation of `shown`, for the CI formats: from its
/// location to the end of its value's span when the span starts there, else
/// to the end of the token written at the location (as the caret of the
/// text report). `None` for a violation without a location. Linear in the
/// text plus [`MAX_REGION_CHARS`] per violation.
pub fn regions(
    text: &str,
    shown: &[Violation],
    spans: &[Option<Span>],
) -> Vec<Option<(Location, Location)>> {
    let source = SourceText::new(text);
    let locations: Vec<Option<Location>> = shown.iter().map(|v| v.location).collect();
    let offsets = source.offsets(&locations);
    shown
        .iter()
        .zip(offsets)
        .enumerate()
        .map(|(i, (v, offset))| {
            let loc = v.location?;
            if let Some(Some(s)) = spans.get(i)
                && s.start == loc
                && s.end > s.start
            {
                return Some((loc, s.end));
            }
            Some(token_region(&source, loc, offset))
        })
        .collect()
}

/// The region of a load error's location in `text`: the token written
/// there (see [`regions`]).
pub fn load_region(text: &str, loc: Location) -> (Location, Location) {
    let source = SourceText::new(text);
    let offset = source.offsets(&[Some(loc)])[0];
    token_region(&source, loc, offset)
}

/// A load error as the language server shows it: its rule id, its message
/// and the region of text it covers.
pub type LoadFinding = (&'static str, String, Option<(Location, Location)>);

/// Each error of a load failure of `text` with its region: a field error
/// per field (its path and message, cleaned), any other error as one
/// message, in the columns as written; at most [`MAX_ERROR_LINES`]
/// entries.
pub fn load_errors(text: &str, e: &LoadError) -> Vec<LoadFinding> {
    let source = SourceText::new(text);
    let region = |loc: Location| {
        let offset = source.offsets(&[Some(loc)])[0];
        token_region(&source, loc, offset)
    };
    match e {
        LoadError::Fields(errors) => errors
            .iter()
            .take(MAX_ERROR_LINES)
            .map(|f| {
                let path = if f.path.is_empty() {
                    "(top level)"
                } else {
                    &f.path
                };
                let message = format!("{}: {}", sanitize::clean(path), sanitize::clean(&f.message));
                (f.rule.id(), message, Some(region(f.location)))
            })
            .collect(),
        other => vec![(
            other.rule().id(),
            sanitize::clean_to(&other.to_string(), MAX_ERROR_CHARS).into_owned(),
            other.location().map(region),
        )],
    }
}

/// Each location of `locations` as a zero-based (line, UTF-16 code unit)
/// position, as the Language Server Protocol counts them: a column past
/// its line's end stops there, a line past the text's end is the end of
/// the text. One pass per line.
pub fn utf16_positions(text: &str, locations: &[Location]) -> Vec<(u32, u32)> {
    let source = SourceText::new(text);
    let wanted: Vec<Option<Location>> = locations.iter().map(|&l| Some(l)).collect();
    let offsets = source.offsets(&wanted);
    let last = source.starts.len();
    locations
        .iter()
        .zip(offsets)
        .map(|(loc, offset)| {
            let (line, start, at) = match (offset, source.line(loc.line)) {
                (Some(at), Some((start, _))) => (loc.line, start, at),
                _ => {
                    let start = source.starts[last - 1] as usize;
                    (last, start, text.len())
                }
            };
            let column = text[start..at].encode_utf16().count();
            (
                u32::try_from(line.saturating_sub(1)).unwrap_or(u32::MAX),
                u32::try_from(column).unwrap_or(u32::MAX),
            )
        })
        .collect()
}

/// The byte offset of a zero-based (line, UTF-16 code unit) position in
/// `text` (the Language Server Protocol's counting), clamped to its line;
/// `None` for a line past the end. Linear in the line.
pub fn utf16_offset(text: &str, line: u32, character: u32) -> Option<usize> {
    let source = SourceText::new(text);
    let (start, end) = source.line(usize::try_from(line).ok()?.checked_add(1)?)?;
    let mut units = 0u32;
    for (i, c) in text[start..end].char_indices() {
        if units >= character {
            return Some(start + i);
        }
        units += c.len_utf16() as u32;
    }
    Some(end)
}

/// From `loc` (at byte `offset`) to the end of the token written there, at
/// most [`MAX_REGION_CHARS`] on.
fn token_region(
    source: &SourceText<'_>,
    loc: Location,
    offset: Option<usize>,
) -> (Location, Location) {
    let width = match (offset, source.line(loc.line)) {
        (Some(at), Some((_, end))) => {
            let rest = &source.text[at.min(end)..end];
            let cut = rest
                .char_indices()
                .nth(MAX_REGION_CHARS)
                .map_or(rest.len(), |(i, _)| i);
            token_width(&rest[..cut])
        }
        _ => 1,
    };
    (loc, Location::new(loc.line, loc.column + width.max(1)))
}

/// The start of the JSON report, before the first entry.
pub const JSON_OPEN: &str = "{\"files\": [";
/// The end of the JSON report, after the last entry.
pub const JSON_CLOSE: &str = "\n]}\n";

/// One file's entry of the JSON report, on its own line, with the separating
/// comma unless it is the first. Like the text report it shows at most
/// [`MAX_SHOWN_PER_FILE`] violations (`"violations_omitted"` counts the
/// others) and every string from the input cleaned by the sanitizer.
pub fn json_entry(r: &FileResult, first: bool) -> String {
    let file = sanitize::path(&r.file);
    let text = r.text.as_deref().unwrap_or("");
    let value = match &r.outcome {
        Outcome::Error {
            message, finding, ..
        } => {
            let mut entry =
                json!({ "file": file, "valid": false, "loaded": false, "error": message });
            if let Some(v) = finding {
                let shown = std::slice::from_ref(v);
                let region = regions(text, shown, &[None]);
                entry["violations"] = json!([json_violation(v, region[0])]);
            }
            entry
        }
        Outcome::Checked {
            violations,
            spans,
            unkept,
            ..
        } => {
            let (shown, omitted) = shown(violations, *unkept);
            let region = regions(text, shown, spans);
            let mut entry = json!({
                "file": file,
                "valid": *unkept == 0 && violations.iter().all(|v| !v.is_error()),
                "loaded": true,
                "violations": shown.iter().zip(region).map(|(v, region)| {
                    json_violation(v, region)
                }).collect::<Vec<_>>(),
            });
            if omitted > 0 {
                entry["violations_omitted"] = json!(omitted);
            }
            entry
        }
    };
    format!("{}\n  {}", if first { "" } else { "," }, value)
}

/// One finding of the JSON report: every string cleaned by the sanitizer,
/// with its place (`line`, `column`, `end_line`, `end_column`) when it has
/// one.
fn json_violation(v: &Violation, region: Option<(Location, Location)>) -> serde_json::Value {
    let mut o = json!({
        "field_path": sanitize::clean(&v.field_path),
        "rule_id": sanitize::clean(&v.rule_id),
        "message": sanitize::clean(&v.message),
        "source": v.source.as_str(),
        "severity": v.severity.as_str(),
    });
    if let Some((start, end)) = region {
        o["line"] = json!(start.line);
        o["column"] = json!(start.column);
        o["end_line"] = json!(end.line);
        o["end_column"] = json!(end.column);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(result: &FileResult) -> bool {
        let mut bytes = Vec::new();
        result.encode(&mut Writer::new(&mut bytes));
        let mut r = Reader::new(&bytes);
        let back = FileResult::decode(&mut r);
        // Every shorter prefix is refused, never misread or a panic.
        let prefixes_refused =
            (0..bytes.len()).all(|n| FileResult::decode(&mut Reader::new(&bytes[..n])).is_none());
        back.as_ref() == Some(result) && r.is_empty() && prefixes_refused
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_decoder() {
        // xorshift64: reproducible noise without a dependency.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // A result with every kind of field, as a seed to mutate.
        let mut v = Violation::new(Source::Load, "spec.x", "load.type", "not a number");
        v.location = Some(Location::new(3, 9));
        v.span = Some(Span {
            start: Location::new(3, 9),
            end: Location::new(3, 12),
        });
        let seed = FileResult {
            file: "job.yaml".into(),
            text: Some("a: 1\n".into()),
            outcome: Outcome::Checked {
                violations: vec![v.clone(), v.warning()],
                spans: vec![None, None],
                secrets: vec![],
                unkept: 2,
            },
        };
        let mut valid = Vec::new();
        seed.encode(&mut Writer::new(&mut valid));
        let mut decoded = 0;
        for round in 0..20_000 {
            let bytes: Vec<u8> = if round % 2 == 0 {
                // Noise of any length up to 64 bytes.
                let len = (next() % 65) as usize;
                (0..len).map(|_| next() as u8).collect()
            } else {
                // The valid form with a few bytes changed, and cut.
                let mut bytes = valid.clone();
                for _ in 0..1 + next() % 3 {
                    let at = (next() as usize) % bytes.len();
                    bytes[at] = next() as u8;
                }
                bytes.truncate((next() as usize) % (bytes.len() + 1));
                bytes
            };
            // Either none or a result that survives its byte form; never a
            // panic.
            if let Some(result) = FileResult::decode(&mut Reader::new(&bytes)) {
                assert!(round_trip(&result), "round {round}");
                decoded += 1;
            }
        }
        // Some mutations still read (a changed letter in a string).
        assert!(decoded > 0);
    }

    #[test]
    fn results_survive_their_byte_form() {
        let span = |a, b, c, d| Span {
            start: Location::new(a, b),
            end: Location::new(c, d),
        };
        let mut located = Violation::new(Source::Load, "spec.x", "load.type", "not a number");
        located.location = Some(Location::new(3, 9));
        located.span = Some(span(3, 9, 3, 12));
        let mut key = Violation::new(
            Source::BufValidate,
            "spec.env[\"é\"]",
            "string.min_len",
            "m",
        )
        .on_key()
        .warning();
        key.location = Some(Location::new(usize::MAX, 1));
        let results = [
            FileResult {
                file: "ok.yaml".into(),
                text: None,
                outcome: Outcome::Checked {
                    violations: vec![],
                    spans: vec![],
                    secrets: vec![],
                    unkept: 0,
                },
            },
            FileResult {
                file: "bad.yaml".into(),
                text: Some("a: 1\nb: \u{2028}secret\n".into()),
                outcome: Outcome::Checked {
                    violations: vec![located.clone(), key, Violation::kubernetes("p", "r", "")],
                    spans: vec![Some(span(1, 1, 1, 2)), None, None],
                    secrets: vec![span(2, 4, 2, 11)],
                    unkept: 7,
                },
            },
            FileResult {
                file: "gone.yaml".into(),
                text: None,
                outcome: Outcome::Error {
                    message: "cannot read".into(),
                    location: None,
                    finding: None,
                },
            },
            FileResult {
                file: String::new(),
                text: Some(String::new()),
                outcome: Outcome::Error {
                    message: "syntax".into(),
                    location: Some(Location::new(1, 2)),
                    finding: Some(located),
                },
            },
        ];
        for result in &results {
            assert!(round_trip(result), "{:?}", result.outcome);
        }
        // An outcome tag out of range is refused.
        let mut bytes = Vec::new();
        results[0].encode(&mut Writer::new(&mut bytes));
        let tag = bytes.len() - 5; // before three empty lists and a zero
        bytes[tag] = 2;
        assert!(FileResult::decode(&mut Reader::new(&bytes)).is_none());
    }

    #[test]
    fn regions_cover_the_span_or_the_token() {
        let text = "a: 1\nname: Bad Name # c\nx: {y: \"q\"}\n";
        let v = |line, column| {
            let mut v = Violation::kubernetes("p", "r", "m");
            v.location = Some(Location::new(line, column));
            v
        };
        let shown = [
            v(2, 7),
            v(3, 8),
            v(9, 1),
            Violation::kubernetes("p", "r", "m"),
        ];
        let span = Span {
            start: Location::new(3, 8),
            end: Location::new(3, 11),
        };
        let got = regions(text, &shown, &[None, Some(span), None, None]);
        assert_eq!(
            got,
            [
                Some((Location::new(2, 7), Location::new(2, 15))),
                Some((Location::new(3, 8), Location::new(3, 11))),
                Some((Location::new(9, 1), Location::new(9, 2))),
                None,
            ]
        );
    }

    fn token(line: &str, column: usize) -> usize {
        token_width(&line[line.char_indices().nth(column - 1).unwrap().0..])
    }

    #[test]
    fn tokens_end_at_flow_indicators_and_quotes() {
        assert_eq!(token("  name: Report", 9), 6);
        assert_eq!(token("metadata: {name: Report, x: 1}", 18), 6);
        assert_eq!(token(r#"  tag: "1.10" # c"#, 8), 6);
        assert_eq!(token("  - a: b", 5), 1);
    }

    #[test]
    fn lines_end_where_the_yaml_parser_ends_them() {
        let text = SourceText::new("a\nb\r\nc\rd\u{2028}e\u{85}f\n");
        let lines: Vec<&str> = (1..=5)
            .map_while(|n| text.line(n))
            .map(|(s, e)| &text.text[s..e])
            .collect();
        assert_eq!(lines, ["a", "b", "c", "d\u{2028}e\u{85}f", ""]);
        assert_eq!(text.line(6), None);
        assert_eq!(text.line(0), None);
    }

    fn shown(line: &str, column: usize, secrets: &[Span]) -> Snippet {
        let text = SourceText::new(line);
        let at = text.offsets(&[Some(Location::new(1, column))])[0].unwrap();
        let (start, end) = text.line(1).unwrap();
        snippet(line, start, end, at, None, &text.ranges(secrets))
    }

    #[test]
    fn secrets_are_masked_in_quoted_lines() {
        let s = Span {
            start: Location::new(1, 16),
            end: Location::new(1, 22),
        };
        assert_eq!(
            shown("  KEY: {value: hunter}", 3, &[s]).line,
            "  KEY: {value: ******}"
        );
        let text = SourceText::new("a:\n  b: |\n    line of secret\nc: d\n");
        let block = Span {
            start: Location::new(2, 6),
            end: Location::new(4, 1),
        };
        let masks = text.ranges(&[block]);
        let (start, end) = text.line(3).unwrap();
        let at = text.offsets(&[Some(Location::new(3, 5))])[0].unwrap();
        assert_eq!(
            snippet(text.text, start, end, at, None, &masks).line,
            "    **** ** ******"
        );
        let (start, end) = text.line(4).unwrap();
        assert_eq!(
            snippet(text.text, start, end, start, None, &masks).line,
            "c: d"
        );
    }

    #[test]
    fn a_long_line_shows_a_window_around_the_column() {
        let line = format!("{}\"bad\"{}", "x".repeat(500_000), "y".repeat(500_000));
        let s = shown(&line, 500_001, &[]);
        assert_eq!(s.line.chars().count(), 1 + WINDOW_BEFORE + WINDOW_AFTER + 1);
        assert!(s.line.starts_with('…') && s.line.ends_with('…'));
        assert_eq!(s.caret_column, 1 + WINDOW_BEFORE);
        assert_eq!(s.caret_width, 5);
        assert_eq!(
            s.line
                .chars()
                .skip(s.caret_column)
                .take(5)
                .collect::<String>(),
            "\"bad\""
        );
    }

    #[test]
    fn escapes_in_the_line_keep_the_caret_on_its_token() {
        let s = shown("k: {\u{1b}[2J: 1, bad: x}", 14, &[]);
        assert_eq!(s.line, "k: {\\u{1b}[2J: 1, bad: x}");
        assert_eq!(
            s.line
                .chars()
                .skip(s.caret_column)
                .take(s.caret_width)
                .collect::<String>(),
            "bad"
        );
    }

    #[test]
    fn many_secrets_on_one_line_are_masked_in_one_pass() {
        let n = 1000;
        let line: String = (0..n)
            .map(|i| format!("\"S{i:04}\": \"hunter{i:04}\", "))
            .collect();
        let secrets: Vec<Span> = (0..n)
            .map(|i| {
                let col = i * 23 + 10;
                Span {
                    start: Location::new(1, col),
                    end: Location::new(1, col + 12),
                }
            })
            .collect();
        let text = SourceText::new(&line);
        let masks = text.ranges(&secrets);
        assert_eq!(masks.len(), n);
        let at = text.offsets(&[Some(Location::new(1, 23 * 500 + 1))])[0].unwrap();
        let s = snippet(&line, 0, line.len(), at, None, &masks);
        assert!(!s.line.contains("hunter"), "{}", s.line);
        assert!(s.line.contains("\"S0500\": ************,"), "{}", s.line);
    }
}
