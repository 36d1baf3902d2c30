//! Violation reports: rustc-like text for people, one JSON document for tools.

use std::fmt::Write as _;

use planton_manifest::{Span, Violation};
use serde_json::json;

/// What checking one file gave.
pub(crate) enum Outcome {
    /// The file could not be read or loaded.
    Error(String),
    /// The file loaded; these are its violations (possibly none).
    Checked {
        violations: Vec<Violation>,
        /// The span of each violation's value, when it was written.
        spans: Vec<Option<Span>>,
        /// Spans of secret values, masked in quoted source lines.
        secrets: Vec<Span>,
    },
}

pub(crate) struct FileResult {
    pub file: String,
    pub text: Option<String>,
    pub outcome: Outcome,
}

/// A rendered report: what goes to standard output and to standard error.
pub(crate) struct Rendered {
    pub stdout: String,
    pub stderr: String,
}

/// The text report: each violation with its source line and a caret.
pub(crate) fn human(results: &[FileResult]) -> Rendered {
    let mut out = Rendered {
        stdout: String::new(),
        stderr: String::new(),
    };
    let mut summary = Summary::default();
    for r in results {
        let one = human_one(r);
        out.stdout.push_str(&one.stdout);
        out.stderr.push_str(&one.stderr);
        summary.add(r);
    }
    if results.len() > 1 {
        out.stdout.push_str(&summary.line());
    }
    out
}

/// Counts of a run over several files.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Summary {
    pub files: usize,
    pub invalid: usize,
    pub errors: usize,
    pub violations: usize,
    pub warnings: usize,
}

impl Summary {
    pub(crate) fn add(&mut self, r: &FileResult) {
        self.files += 1;
        match &r.outcome {
            Outcome::Error(_) => self.errors += 1,
            Outcome::Checked { violations, .. } => {
                let errors = violations.iter().filter(|v| v.is_error()).count();
                self.invalid += usize::from(errors > 0);
                self.violations += errors;
                self.warnings += violations.len() - errors;
            }
        }
    }

    /// The closing line of a multi-file report.
    pub(crate) fn line(&self) -> String {
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

/// The text report of one file.
pub(crate) fn human_one(r: &FileResult) -> Rendered {
    let mut out = String::new();
    let mut err = String::new();
    match &r.outcome {
        Outcome::Error(e) => {
            let _ = writeln!(err, "error: {e}");
        }
        Outcome::Checked { violations, .. } if violations.is_empty() => {
            let _ = writeln!(out, "{}: valid", r.file);
        }
        Outcome::Checked {
            violations,
            spans,
            secrets,
        } => {
            let lines: Vec<&str> = r.text.as_deref().unwrap_or("").lines().collect();
            for (v, span) in violations.iter().zip(spans) {
                diagnostic(&mut out, &r.file, &lines, v, *span, secrets);
            }
            let n = violations.iter().filter(|v| v.is_error()).count();
            let plural = |n: usize| if n == 1 { "" } else { "s" };
            let warnings = match violations.len() - n {
                0 => String::new(),
                w => format!(", {w} warning{}", plural(w)),
            };
            if n == 0 {
                let _ = writeln!(out, "{}: valid{warnings}\n", r.file);
            } else {
                let _ = writeln!(out, "{}: {n} violation{}{warnings}\n", r.file, plural(n));
            }
        }
    }
    Rendered {
        stdout: out,
        stderr: err,
    }
}

fn diagnostic(
    out: &mut String,
    file: &str,
    lines: &[&str],
    v: &Violation,
    span: Option<Span>,
    secrets: &[Span],
) {
    let _ = writeln!(out, "{}[{}]: {}", v.severity, v.rule_id, v.message);
    let Some(loc) = v.location else {
        let _ = writeln!(
            out,
            "  --> {file}\n   = field: {}\n   = source: {}\n",
            v.field_path, v.source
        );
        return;
    };
    let gutter = loc.line.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(out, "{pad}--> {file}:{loc}");
    let _ = writeln!(out, "{pad} |");
    if let Some(line) = lines.get(loc.line - 1) {
        // Control characters would act on the terminal, and a tab would
        // misalign the caret: show each as one visible character.
        let shown: String = mask(line, loc.line, secrets)
            .chars()
            .map(|c| {
                if c == '\t' {
                    ' '
                } else if c.is_control() {
                    '\u{fffd}'
                } else {
                    c
                }
            })
            .collect();
        let width = match span {
            Some(s)
                if s.start == loc && s.end.line == loc.line && s.end.column > s.start.column =>
            {
                s.end.column - s.start.column
            }
            _ => token_width(&shown, loc.column),
        };
        let _ = writeln!(out, "{} | {}", loc.line, shown);
        let _ = writeln!(
            out,
            "{pad} | {}{} {}",
            " ".repeat(loc.column - 1),
            "^".repeat(width.max(1)),
            v.field_path
        );
    }
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{pad} = rule {} ({})\n", v.rule_id, v.source);
}

/// The line with every character inside a secret span replaced by `*`.
fn mask(line: &str, number: usize, secrets: &[Span]) -> String {
    let covering: Vec<&Span> = secrets.iter().filter(|s| s.touches_line(number)).collect();
    if covering.is_empty() {
        return line.to_owned();
    }
    line.chars()
        .enumerate()
        .map(|(i, c)| {
            let col = i + 1;
            let hidden = covering.iter().any(|s| {
                let after_start = number > s.start.line || col >= s.start.column;
                let before_end = number < s.end.line || col < s.end.column;
                after_start && before_end
            });
            if hidden && !c.is_whitespace() { '*' } else { c }
        })
        .collect()
}

/// The width of the token starting at `column` (1-based): a quoted string to
/// its closing quote, else up to a flow indicator, a comment or a `: `.
fn token_width(line: &str, column: usize) -> usize {
    let rest: Vec<char> = line.chars().skip(column - 1).collect();
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

/// The start of the JSON report, before the first entry.
pub(crate) const JSON_OPEN: &str = "{\"files\": [";
/// The end of the JSON report, after the last entry.
pub(crate) const JSON_CLOSE: &str = "\n]}\n";

/// One file's entry of the JSON report, on its own line, with the separating
/// comma unless it is the first.
pub(crate) fn json_entry(r: &FileResult, first: bool) -> String {
    let value = match &r.outcome {
        Outcome::Error(e) => json!({ "file": r.file, "valid": false, "error": e }),
        Outcome::Checked { violations, .. } => json!({
            "file": r.file,
            "valid": violations.iter().all(|v| !v.is_error()),
            "violations": violations.iter().map(|v| {
                let mut o = json!({
                    "field_path": v.field_path,
                    "rule_id": v.rule_id,
                    "message": v.message,
                    "source": v.source.as_str(),
                    "severity": v.severity.as_str(),
                });
                if let Some(l) = v.location {
                    o["line"] = json!(l.line);
                    o["column"] = json!(l.column);
                }
                o
            }).collect::<Vec<_>>(),
        }),
    };
    format!("{}\n  {}", if first { "" } else { "," }, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use planton_manifest::Location;

    #[test]
    fn tokens_end_at_flow_indicators_and_quotes() {
        assert_eq!(token_width("  name: Report", 9), 6);
        assert_eq!(token_width("metadata: {name: Report, x: 1}", 18), 6);
        assert_eq!(token_width(r#"  tag: "1.10" # c"#, 8), 6);
        assert_eq!(token_width("  - a: b", 5), 1);
    }

    #[test]
    fn secrets_are_masked_in_quoted_lines() {
        let s = Span {
            start: Location::new(3, 16),
            end: Location::new(3, 22),
        };
        assert_eq!(
            mask("  KEY: {value: hunter}", 3, &[s]),
            "  KEY: {value: ******}"
        );
        let block = Span {
            start: Location::new(2, 10),
            end: Location::new(4, 1),
        };
        assert_eq!(
            mask("    line of secret", 3, &[block]),
            "    **** ** ******"
        );
        assert_eq!(mask("untouched", 5, &[block]), "untouched");
    }
}
