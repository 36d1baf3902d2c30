//! The JUnit XML report (`validate -o junit`), for GitLab's test reports,
//! Jenkins and other JUnit consumers: a `<testsuite>` holding one
//! `<testcase>` per file, with a `<failure>` per violation shown (at most
//! [`report::MAX_SHOWN_PER_FILE`]; a `<system-out>` counts the others) or an
//! `<error>` when the file does not load.
//!
//! Streamed like the JSON report: [`OPEN`], one [`entry`] per file in input
//! order, [`CLOSE`]. Each file is its own suite, so the counts a suite's
//! start tag carries are known when it is written.
//!
//! Every text is escaped for XML, and the characters XML 1.0 forbids are
//! dropped (the sanitizer has already made the control characters visible
//! escapes; U+FFFE and U+FFFF remain).

use std::fmt::Write as _;

use crate::report::{self, FileResult, Outcome};
use planton_manifest::sanitize;

/// The start of the document.
pub(crate) const OPEN: &str =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"planton validate\">\n";
/// The end of the document.
pub(crate) const CLOSE: &str = "</testsuites>\n";

/// The `classname` of every test case.
const CLASS: &str = "planton.validate";

/// The suite of one file.
pub(crate) fn entry(r: &FileResult) -> String {
    let file = sanitize::path(&r.file);
    let name = attr(&file);
    let mut out = String::new();
    match &r.outcome {
        Outcome::Error {
            message, finding, ..
        } => {
            let _ = writeln!(
                out,
                "  <testsuite name=\"{name}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">"
            );
            let _ = writeln!(
                out,
                "    <testcase name=\"{name}\" classname=\"{CLASS}\" file=\"{name}\">"
            );
            // The message names the place (`at line:column`) when there is one.
            let first = message.lines().next().unwrap_or_default();
            let _ = writeln!(
                out,
                "      <error type=\"{}\" message=\"{}\">{}</error>",
                attr(finding.as_ref().map_or("load", |v| v.rule_id.as_str())),
                attr(first),
                text(message)
            );
            out.push_str("    </testcase>\n");
        }
        Outcome::Checked {
            violations,
            spans,
            unkept,
            ..
        } => {
            let failures = usize::from(*unkept > 0 || violations.iter().any(|v| v.is_error()));
            let _ = writeln!(
                out,
                "  <testsuite name=\"{name}\" tests=\"1\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">"
            );
            let _ = write!(
                out,
                "    <testcase name=\"{name}\" classname=\"{CLASS}\" file=\"{name}\""
            );
            let (shown, omitted) = report::shown(violations, *unkept);
            if shown.is_empty() {
                out.push_str("/>\n");
            } else {
                out.push_str(">\n");
                let regions = report::regions(r.text.as_deref().unwrap_or(""), shown, spans);
                // Warnings do not fail the test case: they are listed in its
                // output.
                let mut notes = String::new();
                for (v, region) in shown.iter().zip(regions) {
                    let rule = sanitize::clean(&v.rule_id);
                    let path = sanitize::clean(&v.field_path);
                    let message = format!("{path}: {}", sanitize::clean(&v.message));
                    let at = region.map_or(String::new(), |(l, _)| format!(":{l}"));
                    if !v.is_error() {
                        let _ = writeln!(
                            notes,
                            "warning[{}] {}{at}: {}",
                            text(&rule),
                            text(&file),
                            text(&message)
                        );
                        continue;
                    }
                    let _ = writeln!(
                        out,
                        "      <failure type=\"{}\" message=\"{}\">{}{at}: {}\nrule {} ({})</failure>",
                        attr(&rule),
                        attr(&message),
                        text(&file),
                        text(&message),
                        text(&rule),
                        v.source
                    );
                }
                if omitted > 0 {
                    let _ = writeln!(
                        notes,
                        "{omitted} more violation{} not shown (at most {} per file)",
                        if omitted == 1 { "" } else { "s" },
                        report::MAX_SHOWN_PER_FILE
                    );
                }
                if !notes.is_empty() {
                    let _ = writeln!(out, "      <system-out>{}</system-out>", notes.trim_end());
                }
                out.push_str("    </testcase>\n");
            }
        }
    }
    out.push_str("  </testsuite>\n");
    out
}

/// Whether XML 1.0 allows `c` in a document.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}')
}

/// `s` as XML character data: `&`, `<`, `>` escaped, forbidden characters
/// dropped.
fn text(s: &str) -> String {
    escape(s, false)
}

/// `s` as an attribute value in double quotes: also `"`, `'` and the
/// whitespace characters a parser would normalize to spaces.
fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|&c| allowed(c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_and_forbidden_characters_dropped() {
        assert_eq!(text("a<b>&c\"'"), "a&lt;b&gt;&amp;c\"'");
        assert_eq!(attr("a\"'\n\t<"), "a&quot;&apos;&#10;&#9;&lt;");
        assert_eq!(
            text("x\u{0}\u{1b}\u{fffe}\u{ffff}y\u{10000}\r"),
            "xy\u{10000}&#13;"
        );
        assert_eq!(text("ünï ok"), "ünï ok");
    }
}
