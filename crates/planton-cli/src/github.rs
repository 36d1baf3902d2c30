//! GitHub Actions workflow commands (`validate -o github`): an
//! `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message` line
//! per violation shown (at most [`report::MAX_SHOWN_PER_FILE`] per file, then
//! one `::notice` counting the others), one per file that does not load
//! (title `load`), nothing for a valid file. GitHub shows them as annotations
//! on the pull request.
//!
//! Escaped as GitHub's runner reads them: in the message `%`, CR and LF
//! become `%25`, `%0D`, `%0A`; in property values also `:` and `,` become
//! `%3A` and `%2C`. The sanitizer has already made every other control
//! character a visible escape, so no line can start another command.

use std::fmt::Write as _;

use planton_manifest::Location;

use crate::report::{self, FileResult, Outcome};
use planton_manifest::sanitize;

/// The lines of one file.
pub(crate) fn entry(r: &FileResult) -> String {
    let file = sanitize::path(&r.file);
    let mut out = String::new();
    match &r.outcome {
        Outcome::Error {
            message,
            location,
            finding,
        } => {
            let region = location.map(|l| report::load_region(r.text.as_deref().unwrap_or(""), l));
            let title = match finding {
                Some(v) => format!("{} (load)", v.rule_id),
                None => "load".to_owned(),
            };
            command(&mut out, "error", &file, region, &title, message);
        }
        Outcome::Checked {
            violations,
            spans,
            unkept,
            ..
        } => {
            let (shown, omitted) = report::shown(violations, *unkept);
            let regions = report::regions(r.text.as_deref().unwrap_or(""), shown, spans);
            for (v, region) in shown.iter().zip(regions) {
                let title = format!("{} ({})", sanitize::clean(&v.rule_id), v.source);
                let message = format!(
                    "{}: {}",
                    sanitize::clean(&v.field_path),
                    sanitize::clean(&v.message)
                );
                command(
                    &mut out,
                    v.severity.as_str(),
                    &file,
                    region,
                    &title,
                    &message,
                );
            }
            if omitted > 0 {
                let message = format!(
                    "{omitted} more violation{} not shown (at most {} per file)",
                    if omitted == 1 { "" } else { "s" },
                    report::MAX_SHOWN_PER_FILE
                );
                command(&mut out, "notice", &file, None, "omitted", &message);
            }
        }
    }
    out
}

/// One workflow command line.
fn command(
    out: &mut String,
    level: &str,
    file: &str,
    region: Option<(Location, Location)>,
    title: &str,
    message: &str,
) {
    let _ = write!(out, "::{level} file={}", property(file));
    if let Some((start, end)) = region {
        let _ = write!(out, ",line={},col={}", start.line, start.column);
        if end.line == start.line {
            let _ = write!(out, ",endColumn={}", end.column);
        } else {
            let _ = write!(out, ",endLine={}", end.line);
        }
    }
    let _ = writeln!(out, ",title={}::{}", property(title), data(message));
}

/// A message: `%`, CR and LF escaped.
fn data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// A property value: as [`data`], and `:` and `,` escaped.
fn property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(data("50%\r\na: b, c"), "50%25%0D%0Aa: b, c");
        assert_eq!(property("50%\r\na: b, c"), "50%25%0D%0Aa%3A b%2C c");
    }

    #[test]
    fn a_region_on_one_line_has_an_end_column() {
        let mut out = String::new();
        let at = |l, c| Location::new(l, c);
        command(
            &mut out,
            "error",
            "a,b.yaml",
            Some((at(3, 5), at(3, 9))),
            "r",
            "m",
        );
        command(&mut out, "error", "x", Some((at(3, 5), at(6, 1))), "r", "m");
        assert_eq!(
            out,
            "::error file=a%2Cb.yaml,line=3,col=5,endColumn=9,title=r::m\n\
             ::error file=x,line=3,col=5,endLine=6,title=r::m\n"
        );
    }
}
