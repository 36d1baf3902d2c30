//! The text of YAML scalars and keys for the YAML writer
//! ([`crate::YamlWriter`], behind [`crate::json_to_yaml`] too).
//!
//! Strings are left unquoted only when both YAML 1.1 (kubectl) and YAML 1.2
//! read them back as the same string; anything that could turn into a
//! boolean, number, null or timestamp, or that holds YAML syntax, is
//! double-quoted. Multi-line strings use literal blocks.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::scalar::{self, Plain};

/// Appends `n` spaces.
pub(crate) fn indent(out: &mut String, n: usize) {
    const SPACES: &str = "                                ";
    let mut n = n;
    while n > SPACES.len() {
        out.push_str(SPACES);
        n -= SPACES.len();
    }
    out.push_str(&SPACES[..n]);
}

/// Writes `key:`; a key too long for an implicit key (YAML allows 1024
/// characters) is written explicitly, `? key` then `:` on the next line.
pub(crate) fn write_key(out: &mut String, key: &str, level: usize) {
    if key.len() <= 1000 && is_plain_safe(key) {
        out.push_str(key);
        out.push(':');
        return;
    }
    let mut rendered = String::new();
    write_string(&mut rendered, key, level, true);
    if rendered.len() > 1000 && rendered.chars().count() > 1000 {
        out.push_str("? ");
        out.push_str(&rendered);
        out.push('\n');
        indent(out, level);
    } else {
        out.push_str(&rendered);
    }
    out.push(':');
}

/// [`write_key`] for a struct's field name, which is most often plain
/// and written again and again (`name`, `metadata`): a name found plain is
/// remembered, and found again by its address instead of being checked.
pub(crate) fn write_static_key(out: &mut String, key: &'static str, level: usize) {
    if static_key_is_plain(key) {
        out.push_str(key);
        out.push(':');
    } else {
        write_key(out, key, level);
    }
}

/// The field names known to be plain keys, each as its address and length
/// (`address << 16 | length`; 0 is an empty slot), in a slot chosen by its
/// address. A `&'static str` is never freed nor changed: the text at an
/// address with a length is always the same, so a slot holding that pair
/// answers for it. Another name taking the slot only costs a check.
static PLAIN_STATIC_KEYS: [AtomicU64; 256] = [const { AtomicU64::new(0) }; 256];

/// Whether `key` is written plain by [`write_key`], remembered in
/// [`PLAIN_STATIC_KEYS`].
fn static_key_is_plain(key: &'static str) -> bool {
    let plain = |key: &str| key.len() <= 1000 && is_plain_safe(key);
    let address = key.as_ptr() as usize as u64;
    let len = key.len() as u64;
    if len == 0 || len > 1000 || address >> 48 != 0 {
        return plain(key);
    }
    let tag = (address << 16) | len;
    let slot = &PLAIN_STATIC_KEYS[((address ^ (address >> 8)) & 0xff) as usize];
    // The tag is the whole answer: no other memory is read through it, so
    // no ordering is needed.
    if slot.load(Ordering::Relaxed) == tag {
        return true;
    }
    let is_plain = plain(key);
    if is_plain {
        slot.store(tag, Ordering::Relaxed);
    }
    is_plain
}

/// Appends the string `s` as a scalar (a key when `is_key`) of a value
/// indented by `level`: plain, a literal block or double-quoted.
pub(crate) fn write_string(out: &mut String, s: &str, level: usize, is_key: bool) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else if !is_key && level > 0 && literal_block_fits(s) {
        write_literal_block(out, s, level);
    } else {
        write_double_quoted(out, s);
    }
}

/// Whether `s` can be written unquoted and read back as the same string by
/// YAML 1.1 and YAML 1.2 readers alike.
fn is_plain_safe(s: &str) -> bool {
    word_is_plain(s).unwrap_or_else(|| is_plain_safe_in_general(s))
}

/// The common cases, decided without the general checks: a word-like ASCII
/// string starting with a letter cannot be a number, a timestamp or YAML
/// syntax; it is plain unless it is one of the boolean or null words of
/// YAML 1.1 or 1.2 (none is longer than five characters). An absolute path
/// of word bytes and a quantity (`256Mi`) are plain too. `None` for other
/// strings.
fn word_is_plain(s: &str) -> Option<bool> {
    let b = s.as_bytes();
    match b.first() {
        // An absolute path of word bytes (`/scripts/run.sh`): no indicator,
        // number or word of YAML starts with a slash.
        Some(b'/') if b.iter().all(|&c| WORD_BYTE[usize::from(c)]) => return Some(true),
        // A quantity such as `256Mi` or `100m`: digits, then letters among
        // which one that no number has (not a hex digit, nor a radix's `x`
        // or `o`), so no YAML 1.1 or 1.2 number, nor a timestamp (no `-`).
        Some(c) if c.is_ascii_digit() => {
            let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
            let suffix = &b[digits..];
            let quantity = !suffix.is_empty()
                && suffix.iter().all(u8::is_ascii_alphabetic)
                && suffix
                    .iter()
                    .any(|&c| !c.is_ascii_hexdigit() && !matches!(c, b'x' | b'o' | b'X' | b'O'));
            return quantity.then_some(true);
        }
        _ => {}
    }
    let word_byte = |c: &u8| WORD_BYTE[usize::from(*c)];
    // A short string without a branch per byte; a long one (a script, a
    // file) stops at its first other byte.
    let word = !b.is_empty()
        && b[0].is_ascii_alphabetic()
        && if b.len() <= 64 {
            b.iter().fold(true, |all, c| all & word_byte(c))
        } else {
            b.iter().all(word_byte)
        };
    word.then(|| {
        b.len() > 5
            // Every boolean or null word starts with one of these letters.
            || !matches!(b[0].to_ascii_lowercase(), b'y' | b'n' | b'o' | b't' | b'f')
            // Nor is any other word, whatever its case (`name`, `type`).
            || !is_bool_or_null_word_ignoring_case(b)
            || (scalar::resolve(s) == Plain::Str && reads_as_string_in_yaml_1_2(s))
    })
}

/// Whether `b` is, ignoring ASCII case, one of the boolean or null words of
/// YAML 1.1 or 1.2: only those can read as something else than a string
/// among the words [`word_is_plain`] takes.
fn is_bool_or_null_word_ignoring_case(b: &[u8]) -> bool {
    const WORDS: [&[u8]; 9] = [
        b"y", b"yes", b"n", b"no", b"on", b"off", b"true", b"false", b"null",
    ];
    WORDS.iter().any(|w| w.eq_ignore_ascii_case(b))
}

/// The bytes of a word-like string ([`word_is_plain`]): ASCII letters and
/// digits, `-`, `_`, `.` and `/` (also those of a plain key the fast reader
/// takes, but the space).
pub(crate) static WORD_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        table[i] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/');
        i += 1;
    }
    table
};

/// [`is_plain_safe`] for any string.
fn is_plain_safe_in_general(s: &str) -> bool {
    let syntax_free = if s.is_ascii() {
        ascii_has_no_syntax(s.as_bytes())
    } else {
        has_no_syntax(s)
    };
    if !syntax_free {
        return false;
    }
    if scalar::resolve(s) != Plain::Str || !reads_as_string_in_yaml_1_2(s) {
        return false;
    }
    // YAML 1.1 sexagesimal numbers (`1:30`) and anything number-like with a colon.
    let first = s.as_bytes()[0];
    !(first.is_ascii_digit() && s.contains(':'))
}

/// [`has_no_syntax`] for an ASCII string, in one pass over its bytes.
fn ascii_has_no_syntax(b: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return false;
    };
    // Indicators that start other syntax; a space or a colon at an end.
    if first == b' ' || last == b' ' || last == b':' || INDICATOR[usize::from(first)] {
        return false;
    }
    let mut previous = 0u8;
    for &c in b {
        // Control characters (whitespace other than the space is among them),
        // flow indicators, `: ` and ` #`.
        if c < 0x20
            || c == 0x7f
            || matches!(c, b',' | b'[' | b']' | b'{' | b'}')
            || (previous == b':' && c == b' ')
            || (previous == b' ' && c == b'#')
        {
            return false;
        }
        previous = c;
    }
    true
}

/// The ASCII indicators that start other syntax when they start a scalar.
static INDICATOR: [bool; 256] = {
    let mut table = [false; 256];
    let indicators = b"-?:,[]{}#&*!|>'\"%@`<=~";
    let mut i = 0;
    while i < indicators.len() {
        table[indicators[i] as usize] = true;
        i += 1;
    }
    table
};

/// Whether `s` holds nothing that makes YAML syntax of a plain scalar: not
/// empty, no space at its ends, no indicator first, no `: `, ` #`, control
/// or line-breaking character, no flow indicator.
fn has_no_syntax(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if first.is_whitespace() || s.ends_with(char::is_whitespace) {
        return false;
    }
    // Indicators that start other syntax.
    if "-?:,[]{}#&*!|>'\"%@`<=~".contains(first) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    if s.chars()
        .any(|c| c.is_control() || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{85}'))
    {
        return false;
    }
    // Any flow indicator is harmless in block context but not inside flow
    // collections; keep the rule simple and quote.
    !s.contains([',', '[', ']', '{', '}'])
}

/// YAML 1.2 core schema: null, booleans, and the numbers it adds (`0o17`, `.5e3`).
fn reads_as_string_in_yaml_1_2(s: &str) -> bool {
    if ["null", "true", "false", ".inf", "+.inf", "-.inf", ".nan"]
        .iter()
        .any(|w| s.eq_ignore_ascii_case(w))
    {
        return false;
    }
    // Anything that starts like a number is quoted unless it clearly is not one
    // (a version `1.2.3`, a quantity `100Mi`): digits, signs and dots only, or an
    // exponent form, are treated as numbers.
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let numeric = !body.is_empty()
        && body.chars().all(|c| {
            c.is_ascii_hexdigit() || matches!(c, '.' | '_' | 'x' | 'o' | 'X' | 'O' | '+' | '-')
        })
        && body.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    !numeric || body.matches('.').count() > 1
}

fn literal_block_fits(s: &str) -> bool {
    if s.is_ascii() {
        return ascii_literal_block_fits(s.as_bytes());
    }
    literal_block_fits_in_general(s)
}

/// [`literal_block_fits`] for an ASCII string, in one pass over its bytes:
/// a line break, no control character but line breaks and tabs (a carriage
/// return is one), no space or tab ending a line, no break, space or tab
/// first.
fn ascii_literal_block_fits(b: &[u8]) -> bool {
    if matches!(b.first(), None | Some(b'\n' | b' ' | b'\t')) {
        return false;
    }
    let mut has_break = false;
    let mut previous = 0u8;
    for &c in b {
        match c {
            b'\n' => {
                if matches!(previous, b' ' | b'\t') {
                    return false;
                }
                has_break = true;
            }
            b'\t' => {}
            c if c < 0x20 || c == 0x7f => return false,
            _ => {}
        }
        previous = c;
    }
    has_break && !matches!(previous, b' ' | b'\t')
}

/// [`literal_block_fits`] for any string.
fn literal_block_fits_in_general(s: &str) -> bool {
    s.contains('\n')
        && !s.contains('\r')
        // YAML 1.1 readers (kubectl's) take U+2028, U+2029 and U+0085 as line breaks.
        && !s.chars().any(|c| (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{85}'))
        // Trailing spaces on a line are kept by literal blocks but are easy to
        // lose in editors; leading blank lines and tabs before text need indentation
        // indicators. Quote those rare cases instead.
        && !s.lines().any(|l| l.ends_with([' ', '\t']))
        && !s.starts_with(['\n', ' ', '\t'])
}

fn write_literal_block(out: &mut String, s: &str, level: usize) {
    let chomp = if !s.ends_with('\n') {
        "-"
    } else if s.ends_with("\n\n") {
        "+"
    } else {
        ""
    };
    out.push('|');
    out.push_str(chomp);
    let body = s.strip_suffix('\n').unwrap_or(s);
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            indent(out, level);
            out.push_str(line);
        }
    }
}

fn write_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{85}') => {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"));
                } else {
                    out.push_str(&format!("\\u{n:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_to_yaml as to_yaml;
    use serde_json::json;

    #[test]
    fn ambiguous_strings_are_quoted() {
        for s in [
            "yes",
            "no",
            "on",
            "y",
            "0755",
            "1.10",
            "123",
            "1e3",
            "null",
            "~",
            "",
            " x",
            "x ",
            "a: b",
            "-c",
            "true",
            "2024-01-01",
            "1:30",
            ".5",
            "0o17",
            "<<",
            "#x",
            "a #b",
            "@x",
            "*x",
            "x:",
        ] {
            let out = to_yaml(&json!({ "k": s }));
            assert!(out.starts_with("k: \""), "{s:?} -> {out}");
        }
    }

    #[test]
    fn the_word_shortcut_agrees_with_the_general_rules() {
        let mut words: Vec<String> = [
            "y", "Y", "yes", "Yes", "YES", "yEs", "n", "N", "no", "No", "NO", "nO", "on", "On",
            "ON", "oN", "off", "Off", "OFF", "oFf", "true", "True", "TRUE", "tRuE", "false",
            "False", "FALSE", "fAlSe", "null", "Null", "NULL", "nUlL", "x", "ab", "nginx", "v1",
            "a.b", "a-b", "a_b", "a/b", "e10", "E5", "inf", "nan", "x1:2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every one- and two-letter word, and longer ones around the cut.
        for a in b'a'..=b'z' {
            words.push((a as char).to_string());
            words.push((a.to_ascii_uppercase() as char).to_string());
            for b in [b'a', b'n', b'o', b'e', b'S', b'1', b'-', b'.'] {
                words.push(format!("{}{}", a as char, b as char));
            }
        }
        words.extend(["nullx", "truex", "falsex", "yesno", "offon"].map(String::from));
        // Paths and quantities, and their neighbours that are numbers or
        // syntax.
        words.extend(
            [
                "/",
                "/data",
                "/scripts/report.sh",
                "/a:b",
                "/a b",
                "/a#b",
                "/-",
                "//",
                "/.",
                "256Mi",
                "1000m",
                "1Gi",
                "50m",
                "100Mi",
                "1k",
                "0x1F",
                "0xG",
                "0x",
                "0b1",
                "0bM",
                "0o17",
                "0oZ",
                "0O",
                "1e3",
                "1e",
                "1E",
                "1ee",
                "1eM",
                "12ab",
                "12abz",
                "0755",
                "1_000m",
                "1.5Gi",
                "1m:2",
                "1-2m",
                "0",
                "1",
                "00m",
                "9Z",
                "1x",
                "1o",
                "1i",
                "1n",
                "1y",
                "1Y",
                "2024-01-01",
                "1:30",
            ]
            .map(String::from),
        );
        for n in ["0", "1", "00", "12", "0x", "0o", "0b"] {
            for suffix in [
                "", "a", "f", "g", "x", "o", "e", "E", "ab", "Mi", "Ki", "m", "xyz", "fF", "eg",
            ] {
                words.push(format!("{n}{suffix}"));
            }
        }
        // Every first letter before the tails of the boolean and null words,
        // and words of up to five letters that are none of them.
        for a in (b'a'..=b'z').chain(b'A'..=b'Z') {
            for tail in [
                "es", "ES", "n", "N", "ff", "FF", "ull", "ULL", "rue", "RUE", "alse",
            ] {
                words.push(format!("{}{tail}", a as char));
            }
            for tail in ["ind", "pec", "mage", "1", "pi"] {
                words.push(format!("{}{tail}", a as char));
            }
        }
        for w in &words {
            if let Some(plain) = word_is_plain(w) {
                assert_eq!(plain, is_plain_safe_in_general(w), "{w:?}");
            }
        }
        // The shortcuts do take the common paths and quantities.
        for w in [
            "/data",
            "/scripts/report.sh",
            "256Mi",
            "1000m",
            "1Gi",
            "50m",
            "nginx",
        ] {
            assert_eq!(word_is_plain(w), Some(true), "{w:?}");
        }
    }

    /// Strings over `alphabet`: every one of up to `exhaustive` characters,
    /// then `per_len` of each length in `lengths`, drawn from a fixed linear
    /// congruential sequence started at `seed`.
    fn strings_over(
        alphabet: &str,
        exhaustive: usize,
        lengths: std::ops::Range<usize>,
        per_len: usize,
        seed: u64,
    ) -> Vec<String> {
        let alphabet: Vec<char> = alphabet.chars().collect();
        let mut strings = vec![String::new()];
        for _ in 0..exhaustive {
            let longer: Vec<String> = strings
                .iter()
                .filter(|s| s.chars().count() < exhaustive)
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            strings.extend(longer);
        }
        let mut state = seed;
        for len in lengths {
            for _ in 0..per_len {
                let s: String = (0..len)
                    .map(|_| {
                        state = state
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1);
                        alphabet[(state >> 33) as usize % alphabet.len()]
                    })
                    .collect();
                strings.push(s);
            }
        }
        strings
    }

    /// The one-pass ASCII check agrees with the general one: every string
    /// of up to three characters from an alphabet of the bytes that matter,
    /// and longer strings drawn from it.
    #[test]
    fn the_ascii_pass_agrees_with_the_general_check() {
        let mut strings = strings_over(
            "a1 :#-?,[]{}&*!|>'\"%@`<=~.\t\n\r\x0b\x0c\x7f\x00_/",
            3,
            4..40,
            200,
            0x2545_f491,
        );
        strings.extend(
            [
                "postgres://db:5432/app",
                "a: b",
                "a #b",
                "a#b",
                "x:",
                "x: ",
                " x",
                "echo hi\n",
            ]
            .map(String::from),
        );
        for s in &strings {
            assert_eq!(ascii_has_no_syntax(s.as_bytes()), has_no_syntax(s), "{s:?}");
        }
    }

    /// The one-pass ASCII check of literal blocks agrees with the general
    /// one: every string of up to four characters from an alphabet of the
    /// bytes that matter, and longer strings drawn from it.
    #[test]
    fn the_ascii_literal_block_pass_agrees_with_the_general_check() {
        let mut strings = strings_over("a \t\n\r\x0b\x0c\x7f\x00#:-", 4, 5..60, 300, 0x9e37_79b9);
        strings.extend(
            [
                "#!/bin/sh\nset -eu\necho hi\n",
                "a\nb",
                "a \nb",
                "a\n\n",
                "a\t\nb",
                "a\nb ",
                "\na",
            ]
            .map(String::from),
        );
        let mut fitting = 0;
        for s in &strings {
            let fits = literal_block_fits_in_general(s);
            fitting += usize::from(fits);
            assert_eq!(ascii_literal_block_fits(s.as_bytes()), fits, "{s:?}");
        }
        assert!(fitting > 100, "{fitting}");
    }

    #[test]
    fn ordinary_strings_are_plain() {
        for s in [
            "nginx",
            "v1.2.0",
            "1.2.3",
            "100Mi",
            "1000m",
            "postgres://db:5432/app",
            "/app/migrate.py",
            "myregistry/migration-runner",
            "NonIndexed",
            "Hello world",
        ] {
            let out = to_yaml(&json!({ "k": s }));
            assert_eq!(out, format!("k: {s}\n"));
        }
    }

    #[test]
    fn nesting_and_sorting() {
        let v = json!({"b": [1, {"w": true, "x": "s"}, [2]], "a": {}, "c": []});
        assert_eq!(
            to_yaml(&v),
            "a: {}\nb:\n  - 1\n  - w: true\n    x: s\n  -\n    - 2\nc: []\n"
        );
    }

    #[test]
    fn unicode_line_separators_force_double_quotes() {
        let out = to_yaml(&json!({"m": {"k": "a\u{2028}b\nc", "l": "l1\nl2\u{2029}"}}));
        assert_eq!(out, "m:\n  k: \"a\\u2028b\\nc\"\n  l: \"l1\\nl2\\u2029\"\n");
    }

    #[test]
    fn long_keys_are_explicit() {
        let key = "k\u{8}".repeat(600);
        let out = to_yaml(&json!({ "m": { key.clone(): 1 }, "l": [{ key.clone(): true }] }));
        assert!(
            out.contains("\n  ? \"") && out.contains("\n  : 1\n"),
            "{out}"
        );
        assert!(
            out.contains("- ? \"") && out.contains("\n    : true\n"),
            "{out}"
        );
    }

    #[test]
    fn multi_line_strings_use_literal_blocks() {
        let v = json!({"s": {"script": "#!/bin/sh\necho hi\n\nexit 0\n", "strip": "a\nb"}});
        assert_eq!(
            to_yaml(&v),
            "s:\n  script: |\n    #!/bin/sh\n    echo hi\n\n    exit 0\n  strip: |-\n    a\n    b\n"
        );
    }
}
