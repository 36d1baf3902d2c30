//! The one sanitizer for text from the input (field names, keys, values, file
//! names, messages of the library) on its way to a terminal or a report.
//!
//! Control characters (C0, DEL, C1: ESC sequences, carriage returns, line
//! breaks), bidirectional overrides and isolates, and the Unicode line and
//! paragraph separators are written as visible escapes (`\u{1b}`), so input
//! can neither drive the terminal nor reorder or fake report lines. Long
//! pieces are cut, so an echoed 1 MiB key costs a few hundred bytes.

use std::borrow::Cow;
use std::fmt::Write as _;

/// The most characters of one echoed piece (a field path, a message, a file
/// name) that are shown; the rest is summarized as "… (N more characters)".
pub const MAX_ECHO_CHARS: usize = 300;

/// Whether `c` must not reach a terminal as itself.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// Writes `c` as a visible escape: `\n`, `\r`, `\t` or `\u{…}`.
pub fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `text` made safe for a terminal, and cut after [`MAX_ECHO_CHARS`]
/// characters.
pub fn clean(text: &str) -> Cow<'_, str> {
    clean_to(text, MAX_ECHO_CHARS)
}

/// The most characters of a file name shown (paths are bounded by the
/// system, but a walk can build long ones).
pub const MAX_PATH_CHARS: usize = 4096;

/// A file name made safe for a terminal.
pub fn path(name: &str) -> Cow<'_, str> {
    clean_to(name, MAX_PATH_CHARS)
}

/// `text` made safe for a terminal, and cut after `max` characters.
pub fn clean_to(text: &str, max: usize) -> Cow<'_, str> {
    // Printable ASCII within `max` bytes (a file name, a field path): as
    // it is, in one pass over the bytes.
    if text.len() <= max && text.bytes().all(|b| (b' '..b'\x7f').contains(&b)) {
        return Cow::Borrowed(text);
    }
    clean_any(text, max)
}

/// [`clean_to`] for any text.
fn clean_any(text: &str, max: usize) -> Cow<'_, str> {
    let cut = text.char_indices().nth(max).map(|(i, _)| i);
    let head = &text[..cut.unwrap_or(text.len())];
    if cut.is_none() && !head.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(head.len() + 16);
    for c in head.chars() {
        if is_unsafe(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    if let Some(cut) = cut {
        let more = text[cut..].chars().count();
        let _ = write!(out, "… ({more} more characters)");
    }
    Cow::Owned(out)
}

/// A JSON text with every unsafe character that is not a line break
/// written as a `\uXXXX` escape: the same JSON value, safe to print. (Outside
/// strings a JSON writer puts only spaces and line breaks, and inside them
/// any character may be escaped; the unsafe ones are all in the BMP.)
pub fn json(text: String) -> String {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 64);
    for c in text.chars() {
        if c != '\n' && is_unsafe(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ascii_shortcut_cleans_as_the_general_way() {
        // Every string of up to two ASCII characters, cut at every length.
        let chars: Vec<char> = (0u8..128).map(char::from).collect();
        let mut texts = vec![String::new()];
        for &a in &chars {
            texts.push(a.to_string());
            for &b in &chars {
                texts.push(format!("{a}{b}"));
            }
        }
        for text in &texts {
            for max in 0..=3 {
                assert_eq!(clean_to(text, max), clean_any(text, max), "{text:?} {max}");
            }
        }
    }

    #[test]
    fn controls_and_bidi_are_escaped_visibly() {
        assert_eq!(clean("plain ünïcode"), "plain ünïcode");
        assert_eq!(
            clean("a\u{1b}]0;owned\u{7}b\u{1b}[2J"),
            "a\\u{1b}]0;owned\\u{7}b\\u{1b}[2J"
        );
        assert_eq!(clean("x\u{9b}31m\u{85}"), "x\\u{9b}31m\\u{85}");
        assert_eq!(clean("l\u{202e}r\u{2066}"), "l\\u{202e}r\\u{2066}");
        assert_eq!(clean("a\nb\rc\td\u{2028}"), "a\\nb\\rc\\td\\u{2028}");
    }

    #[test]
    fn json_keeps_its_value() {
        let value = serde_json::json!({"k\u{1b}": "a\u{9b}b\u{202e}c\u{2028}\n\u{7f}"});
        let text = json(serde_json::to_string_pretty(&value).unwrap());
        assert!(!text.chars().any(|c| c != '\n' && is_unsafe(c)), "{text}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            value
        );
    }

    #[test]
    fn long_text_is_cut() {
        let long = "k".repeat(100_000);
        let shown = clean(&long);
        assert!(shown.starts_with(&"k".repeat(MAX_ECHO_CHARS)));
        assert!(shown.ends_with("… (99700 more characters)"), "{shown}");
        assert!(shown.len() < MAX_ECHO_CHARS + 40);
    }
}
