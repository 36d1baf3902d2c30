//! What an unquoted scalar means to kubectl and the upstream CLI.
//!
//! Both read YAML with go-yaml v2 (sigs.k8s.io/yaml), which resolves plain
//! scalars by the YAML 1.1 rules: `yes`/`on`/`y` are booleans, `0755` is the
//! octal integer 493, `1_000` is 1000, `2024-01-01` is a timestamp. This module
//! reproduces that resolution so a manifest means here what it means there.

/// The YAML 1.1 reading of a plain scalar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Plain {
    Null,
    Bool(bool),
    /// An integer (within `i64` or `u64`, as go-yaml keeps it).
    Int(i128),
    Float(f64),
    /// A date or date-time: go-yaml reads it as a timestamp.
    Timestamp,
    Str,
}

/// Resolves a plain scalar the way go-yaml v2 does.
pub(crate) fn resolve(text: &str) -> Plain {
    // Most scalars are words or paths: every text below but a string starts
    // with one of these bytes (or is empty).
    if let Some(first) = text.as_bytes().first()
        && !matches!(
            first,
            b'0'..=b'9'
                | b'+'
                | b'-'
                | b'.'
                | b'~'
                | b'y'
                | b'Y'
                | b'n'
                | b'N'
                | b'o'
                | b'O'
                | b't'
                | b'T'
                | b'f'
                | b'F'
        )
    {
        return Plain::Str;
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Plain::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Plain::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Plain::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Plain::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Plain::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Plain::Float(f64::NAN),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return Plain::Str;
    }
    if first != b'.' && is_timestamp(text) {
        return Plain::Timestamp;
    }
    let plain = without_underscores(text);
    if let Some(i) = parse_go_int(&plain) {
        return Plain::Int(i);
    }
    if is_yaml_float(&plain)
        && let Ok(f) = plain.parse::<f64>()
    {
        return Plain::Float(f);
    }
    Plain::Str
}

/// `text` without its `_` digit separators; borrowed when it has none (the
/// common case: no allocation per number read).
fn without_underscores(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('_') {
        std::borrow::Cow::Owned(text.replace('_', ""))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// `strconv.ParseInt(s, 0, 64)`, falling back to `ParseUint`: an optional sign,
/// then `0x`/`0o`/`0b` prefixes or a leading `0` for octal.
fn parse_go_int(s: &str) -> Option<i128> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) =
        if let Some(d) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, d)
        } else if let Some(d) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (8, d)
        } else if let Some(d) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (2, d)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..])
        } else {
            (10, body)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    let value = if neg {
        -i128::from(magnitude)
    } else {
        i128::from(magnitude)
    };
    // ParseInt covers i64; ParseUint covers the positive rest of u64.
    (value >= i128::from(i64::MIN)).then_some(value)
}

/// The exact integer a plain scalar in go-yaml's float syntax (`1e3`,
/// `5.0`, `-9223372036854775809`) writes, or `None` when it is beyond
/// `i128` or not an integer. Linear in the text, with no float rounding.
pub(crate) fn exact_integer(text: &str) -> Option<i128> {
    let plain = without_underscores(text);
    if !is_yaml_float(&plain) {
        return None;
    }
    let (negative, body) = match plain.as_bytes().first()? {
        b'-' => (true, &plain[1..]),
        b'+' => (false, &plain[1..]),
        _ => (false, &plain[..]),
    };
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, "0"),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // Digits past the last non-zero one only scale the value.
    let digits = int.bytes().chain(frac.bytes());
    let significant: Vec<u8> = digits.skip_while(|&b| b == b'0').collect();
    let trailing_zeros = significant.iter().rev().take_while(|&&b| b == b'0').count();
    let kept = &significant[..significant.len() - trailing_zeros];
    if kept.is_empty() {
        return Some(0);
    }
    if kept.len() > 38 {
        return None;
    }
    let exponent: i64 = match exponent.parse() {
        Ok(e) => e,
        // An exponent beyond i64, with a non-zero mantissa: huge or tiny.
        Err(_) => return None,
    };
    // value = kept × 10^(exponent − len(frac) + trailing_zeros)
    let frac_len = i64::try_from(frac.len()).ok()?;
    let zeros = i64::try_from(trailing_zeros).ok()?;
    let scale = exponent.checked_sub(frac_len)?.checked_add(zeros)?;
    if scale < 0 {
        // A fraction remains.
        return None;
    }
    let magnitude = kept.iter().try_fold(0i128, |m, &b| {
        m.checked_mul(10)?.checked_add(i128::from(b - b'0'))
    })?;
    let factor = 10i128.checked_pow(u32::try_from(scale).ok()?)?;
    let value = magnitude.checked_mul(factor)?;
    Some(if negative { -value } else { value })
}

/// go-yaml's float syntax: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_yaml_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// A YAML timestamp: `YYYY-MM-DD`, optionally followed by a time.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 8 {
        return false;
    }
    // YYYY-M-D with one- or two-digit month and day, as the YAML 1.1 regexp.
    let mut parts = s.splitn(3, '-');
    let (Some(y), Some(m), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let day_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let all_digits = |t: &str| t.bytes().all(|c| c.is_ascii_digit());
    if y.len() != 4
        || !all_digits(y)
        || m.is_empty()
        || m.len() > 2
        || !all_digits(m)
        || !(1..=2).contains(&day_len)
    {
        return false;
    }
    let tail = &rest[day_len..];
    tail.is_empty() || tail.starts_with(['T', 't', ' ', '\t'])
}

/// How kubectl turns a non-string plain scalar into the text of a string field
/// (sigs.k8s.io/yaml formats the resolved value back), or `None` when it
/// keeps the text.
pub(crate) fn kubectl_string(text: &str) -> Option<String> {
    match resolve(text) {
        Plain::Null | Plain::Str => None,
        Plain::Bool(b) => Some(b.to_string()),
        Plain::Int(i) => Some(i.to_string()),
        Plain::Float(f) if f.is_nan() => Some("NaN".into()),
        Plain::Float(f) if f.is_infinite() => Some(if f > 0.0 { "+Inf" } else { "-Inf" }.into()),
        Plain::Float(f) => Some(f.to_string()),
        Plain::Timestamp => Some(format!("{text} (as a timestamp)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_booleans_and_nulls() {
        for t in ["yes", "Yes", "on", "ON", "y", "TRUE"] {
            assert_eq!(resolve(t), Plain::Bool(true), "{t}");
        }
        for t in ["no", "off", "N", "False"] {
            assert_eq!(resolve(t), Plain::Bool(false), "{t}");
        }
        for t in ["", "~", "null", "NULL"] {
            assert_eq!(resolve(t), Plain::Null, "{t}");
        }
        assert_eq!(resolve("yess"), Plain::Str);
    }

    #[test]
    fn yaml_1_1_integers() {
        assert_eq!(resolve("0755"), Plain::Int(493));
        assert_eq!(resolve("0o755"), Plain::Int(493));
        assert_eq!(resolve("0x1F"), Plain::Int(31));
        assert_eq!(resolve("0b101"), Plain::Int(5));
        assert_eq!(resolve("-42"), Plain::Int(-42));
        assert_eq!(resolve("+7"), Plain::Int(7));
        assert_eq!(resolve("1_000"), Plain::Int(1000));
        assert_eq!(resolve("0"), Plain::Int(0));
        assert_eq!(resolve("18446744073709551615"), Plain::Int(u64::MAX.into()));
        // Not octal, so go-yaml falls back to the float reading.
        assert_eq!(resolve("08"), Plain::Float(8.0));
        // Beyond u64: a float.
        assert_eq!(
            resolve("18446744073709551616"),
            Plain::Float(18446744073709551616.0)
        );
    }

    #[test]
    fn yaml_1_1_floats_and_strings() {
        assert_eq!(resolve("1.10"), Plain::Float(1.1));
        assert_eq!(resolve("1e3"), Plain::Float(1000.0));
        assert_eq!(resolve(".5"), Plain::Float(0.5));
        assert_eq!(resolve("1."), Plain::Float(1.0));
        assert_eq!(resolve(".inf"), Plain::Float(f64::INFINITY));
        assert!(matches!(resolve(".nan"), Plain::Float(f) if f.is_nan()));
        for t in [
            "1.2.0",
            "v1",
            "1e",
            "0x",
            "-",
            "+",
            ".",
            "3-2",
            "1:20x",
            "postgres://db:5432",
        ] {
            assert_eq!(resolve(t), Plain::Str, "{t}");
        }
    }

    #[test]
    fn exact_integers_of_float_syntax() {
        assert_eq!(exact_integer("1e3"), Some(1000));
        assert_eq!(exact_integer("5.0"), Some(5));
        assert_eq!(exact_integer("-1_000.000e-3"), Some(-1));
        assert_eq!(exact_integer("0.0e99999999999999999999"), Some(0));
        assert_eq!(
            exact_integer("-9223372036854775809"),
            Some(-9_223_372_036_854_775_809)
        );
        assert_eq!(exact_integer("18446744073709551616"), Some(1 << 64));
        assert_eq!(exact_integer("1.5"), None);
        assert_eq!(exact_integer("1e40"), None);
        assert_eq!(exact_integer("1e2147483647"), None);
        assert_eq!(exact_integer("1e-2147483648"), None);
        assert_eq!(exact_integer("abc"), None);
    }

    #[test]
    fn timestamps() {
        assert_eq!(resolve("2024-01-31"), Plain::Timestamp);
        assert_eq!(resolve("2024-1-3T10:00:00Z"), Plain::Timestamp);
        assert_eq!(resolve("2024-01-31x"), Plain::Str);
    }

    #[test]
    fn kubectl_rewrites_non_strings() {
        assert_eq!(kubectl_string("1.10").as_deref(), Some("1.1"));
        assert_eq!(kubectl_string("0755").as_deref(), Some("493"));
        assert_eq!(kubectl_string("yes").as_deref(), Some("true"));
        assert_eq!(kubectl_string("123").as_deref(), Some("123"));
        assert_eq!(kubectl_string("v1.2").as_deref(), None);
    }
}
