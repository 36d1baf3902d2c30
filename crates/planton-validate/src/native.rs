//! Native evaluation of the common standard rules.
//!
//! A standard rule is the CEL expression `validate.proto` declares for it.
//! When that expression is, character for character, one of the few below
//! (the `const`, `in`, `not_in`, length, prefix and item-count rules of
//! protovalidate 1.x), it is evaluated here instead, with the same verdict and
//! message; any other expression, or a value of an unexpected type, goes to
//! the CEL interpreter. The conformance suite runs both paths.

use std::fmt::Write as _;

use prost_reflect::{DynamicMessage, ReflectMessage, Value};

/// A comparable scalar: what `this` and the rule values reduce to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scalar {
    Int(i64),
    Uint(u64),
    Bool(bool),
    Str(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Size {
    Chars,
    Bytes,
    Items,
    Pairs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    /// Violated when the size is below the rule.
    Min,
    /// Violated when the size is above the rule.
    Max,
    /// Violated when the size differs from the rule.
    Exact,
}

#[derive(Debug, Clone)]
enum Check {
    /// A regular expression, compiled once (RE2 syntax, as CEL's).
    Pattern(regex::Regex),
    Const(Scalar),
    In(Vec<Scalar>),
    NotIn(Vec<Scalar>),
    Size(Size, Cmp, u64),
    Prefix(String),
    Suffix(String),
    Contains(String),
    NotContains(String),
    /// A string in a list of literals (`this in [...]`), or empty too when
    /// `empty_ok` (`size(this) == 0 || this in [...]`).
    OneOf {
        empty_ok: bool,
        list: Vec<String>,
    },
}

/// A standard rule evaluated natively, with its violation message.
#[derive(Debug, Clone)]
pub(crate) struct Native {
    check: Check,
    message: String,
}

/// The expressions recognized, the check they make and their message
/// template (`{}` for the formatted rule value): the published schema's, then
/// those of this repository's own `proto/buf/validate/validate.proto` (the
/// same rules, worded differently).
const KNOWN: &[(&str, &str, &str)] = &[
    (
        "this != getField(rules, 'const') ? 'must equal %s'.format([getField(rules, 'const')]) : ''",
        "const",
        "must equal {}",
    ),
    (
        "this != getField(rules, 'const') ? 'must equal `%s`'.format([getField(rules, 'const')]) : ''",
        "const",
        "must equal `{}`",
    ),
    (
        "!(this in getField(rules, 'in')) ? 'must be in list %s'.format([getField(rules, 'in')]) : ''",
        "in",
        "must be in list {}",
    ),
    (
        "this in rules.not_in ? 'must not be in list %s'.format([rules.not_in]) : ''",
        "not_in",
        "must not be in list {}",
    ),
    (
        "uint(this.size()) != rules.len ? 'must be %s characters'.format([rules.len]) : ''",
        "chars=",
        "must be {} characters",
    ),
    (
        "uint(this.size()) < rules.min_len ? 'must be at least %s characters'.format([rules.min_len]) : ''",
        "chars>",
        "must be at least {} characters",
    ),
    (
        "uint(this.size()) > rules.max_len ? 'must be at most %s characters'.format([rules.max_len]) : ''",
        "chars<",
        "must be at most {} characters",
    ),
    (
        "uint(bytes(this).size()) != rules.len_bytes ? 'must be %s bytes'.format([rules.len_bytes]) : ''",
        "bytes=",
        "must be {} bytes",
    ),
    (
        "uint(bytes(this).size()) < rules.min_bytes ? 'must be at least %s bytes'.format([rules.min_bytes]) : ''",
        "bytes>",
        "must be at least {} bytes",
    ),
    (
        "uint(bytes(this).size()) > rules.max_bytes ? 'must be at most %s bytes'.format([rules.max_bytes]) : ''",
        "bytes<",
        "must be at most {} bytes",
    ),
    (
        "!this.matches(rules.pattern) ? 'does not match regex pattern `%s`'.format([rules.pattern]) : ''",
        "pattern",
        "does not match regex pattern `{}`",
    ),
    (
        "!this.startsWith(rules.prefix) ? 'does not have prefix `%s`'.format([rules.prefix]) : ''",
        "prefix",
        "does not have prefix `{}`",
    ),
    (
        "!this.endsWith(rules.suffix) ? 'does not have suffix `%s`'.format([rules.suffix]) : ''",
        "suffix",
        "does not have suffix `{}`",
    ),
    (
        "!this.contains(rules.contains) ? 'does not contain substring `%s`'.format([rules.contains]) : ''",
        "contains",
        "does not contain substring `{}`",
    ),
    (
        "this.contains(rules.not_contains) ? 'contains substring `%s`'.format([rules.not_contains]) : ''",
        "not_contains",
        "contains substring `{}`",
    ),
    (
        "uint(this.size()) < rules.min_items ? 'must contain at least %d item(s)'.format([rules.min_items]) : ''",
        "items>",
        "must contain at least {} item(s)",
    ),
    (
        "uint(this.size()) > rules.max_items ? 'must contain no more than %s item(s)'.format([rules.max_items]) : ''",
        "items<",
        "must contain no more than {} item(s)",
    ),
    (
        "uint(this.size()) < rules.min_pairs ? 'map must be at least %d entries'.format([rules.min_pairs]) : ''",
        "pairs>",
        "map must be at least {} entries",
    ),
    (
        "uint(this.size()) > rules.max_pairs ? 'map must be at most %d entries'.format([rules.max_pairs]) : ''",
        "pairs<",
        "map must be at most {} entries",
    ),
    (
        "this == getField(rules, 'const') ? '' : 'must equal `%s`'.format([getField(rules, 'const')])",
        "const",
        "must equal `{}`",
    ),
    (
        "this in getField(rules, 'in') ? '' : 'must be in list %s'.format([getField(rules, 'in')])",
        "in",
        "must be in list {}",
    ),
];

fn scalar(v: &Value) -> Option<Scalar> {
    Some(match v {
        Value::Bool(b) => Scalar::Bool(*b),
        Value::I32(i) | Value::EnumNumber(i) => Scalar::Int(i64::from(*i)),
        Value::I64(i) => Scalar::Int(*i),
        Value::U32(u) => Scalar::Uint(u64::from(*u)),
        Value::U64(u) => Scalar::Uint(*u),
        Value::String(s) => Scalar::Str(s.clone()),
        // Floats and bytes format differently: left to CEL.
        _ => return None,
    })
}

/// Whether [`scalar`] takes `v`, without making the scalar.
fn is_scalar(v: &Value) -> bool {
    matches!(
        v,
        Value::Bool(_)
            | Value::I32(_)
            | Value::EnumNumber(_)
            | Value::I64(_)
            | Value::U32(_)
            | Value::U64(_)
            | Value::String(_)
    )
}

fn write_scalar(out: &mut String, s: &Scalar) {
    let _ = match s {
        Scalar::Int(i) => write!(out, "{i}"),
        Scalar::Uint(u) => write!(out, "{u}"),
        Scalar::Bool(b) => write!(out, "{b}"),
        Scalar::Str(s) => write!(out, "{s}"),
    };
}

impl Native {
    /// The native form of a predefined rule with expression `expr`, whose
    /// rule field holds `value`; `None` when it must stay CEL.
    pub(crate) fn recognize(expr: &str, value: &Value) -> Option<Native> {
        let &(_, kind, template) = KNOWN.iter().find(|(e, _, _)| *e == expr)?;
        let mut formatted = String::new();
        let check = match kind {
            "const" => {
                let s = scalar(value)?;
                write_scalar(&mut formatted, &s);
                Check::Const(s)
            }
            "in" | "not_in" => {
                let list = value
                    .as_list()?
                    .iter()
                    .map(scalar)
                    .collect::<Option<Vec<_>>>()?;
                formatted.push('[');
                for (i, s) in list.iter().enumerate() {
                    if i > 0 {
                        formatted.push_str(", ");
                    }
                    write_scalar(&mut formatted, s);
                }
                formatted.push(']');
                if kind == "in" {
                    Check::In(list)
                } else {
                    Check::NotIn(list)
                }
            }
            "pattern" => {
                let p = value.as_str()?;
                // A pattern the regex crate refuses is left to CEL, which
                // reports it when evaluating.
                let re = regex::Regex::new(p).ok()?;
                formatted.push_str(p);
                Check::Pattern(re)
            }
            "prefix" | "suffix" | "contains" | "not_contains" => {
                let s = value.as_str()?.to_owned();
                formatted.push_str(&s);
                match kind {
                    "prefix" => Check::Prefix(s),
                    "suffix" => Check::Suffix(s),
                    "contains" => Check::Contains(s),
                    _ => Check::NotContains(s),
                }
            }
            size => {
                let n = value.as_u64()?;
                let _ = write!(formatted, "{n}");
                let (what, cmp) = size.split_at(size.len() - 1);
                let what = match what {
                    "chars" => Size::Chars,
                    "bytes" => Size::Bytes,
                    "items" => Size::Items,
                    _ => Size::Pairs,
                };
                let cmp = match cmp {
                    ">" => Cmp::Min,
                    "<" => Cmp::Max,
                    _ => Cmp::Exact,
                };
                Check::Size(what, cmp, n)
            }
        };
        Some(Native {
            check,
            message: template.replace("{}", &formatted),
        })
    }

    /// The native form of a field's own `cel` rule (not a standard one)
    /// with expression `expr`, `id` and `message`: `None` unless the
    /// expression is, tokens for tokens, `this in [S, ...]` or
    /// `size(this) == 0 || this in [S, ...]` with `S` string literals
    /// without escapes. Its message is the rule's, or `"<id>" returned
    /// false` when the rule has none, as the CEL path reports a `false`.
    pub(crate) fn recognize_custom(expr: &str, id: &str, message: &str) -> Option<Native> {
        let tokens = tokens(expr)?;
        let (empty_ok, rest) = match tokens.as_slice() {
            [
                Tok::Ident("size"),
                Tok::Punct("("),
                Tok::Ident("this"),
                Tok::Punct(")"),
                Tok::Punct("=="),
                Tok::Zero,
                Tok::Punct("||"),
                rest @ ..,
            ] => (true, rest),
            rest => (false, rest),
        };
        let [
            Tok::Ident("this"),
            Tok::Ident("in"),
            Tok::Punct("["),
            items @ ..,
            Tok::Punct("]"),
        ] = rest
        else {
            return None;
        };
        // `S (, S)*`: literals at even places, commas between.
        let mut list = Vec::with_capacity(items.len().div_ceil(2));
        for (i, t) in items.iter().enumerate() {
            match (i % 2, t) {
                (0, Tok::Str(s)) => list.push((*s).to_owned()),
                (1, Tok::Punct(",")) => {}
                _ => return None,
            }
        }
        if list.is_empty() || items.len() % 2 == 0 {
            return None;
        }
        let message = if message.is_empty() {
            format!("\"{id}\" returned false")
        } else {
            message.to_owned()
        };
        Some(Native {
            check: Check::OneOf { empty_ok, list },
            message,
        })
    }

    /// `Some(None)` when `value` passes, `Some(Some(message))` when it
    /// breaks the rule, `None` when the value is not of a type handled here
    /// (the caller then runs the CEL expression).
    pub(crate) fn check(&self, value: &Value) -> Option<Option<&str>> {
        if let Check::OneOf { empty_ok, list } = &self.check {
            // A string field's own value; anything else (a wrapper, a list)
            // is left to CEL.
            let Value::String(s) = value else {
                return None;
            };
            let ok = (*empty_ok && s.is_empty()) || list.iter().any(|x| x == s);
            return Some((!ok).then_some(self.message.as_str()));
        }
        let value = unwrap(value)?;
        let ok = match &self.check {
            Check::Const(c) => scalar_eq(value, c)?,
            Check::In(list) => {
                is_scalar(value).then_some(())?;
                list.iter().any(|c| scalar_eq(value, c) == Some(true))
            }
            Check::NotIn(list) => {
                is_scalar(value).then_some(())?;
                !list.iter().any(|c| scalar_eq(value, c) == Some(true))
            }
            Check::Size(what, cmp, n) => {
                let size = match (what, value) {
                    (Size::Chars, Value::String(s)) => s.chars().count() as u64,
                    (Size::Bytes, Value::String(s)) => s.len() as u64,
                    (Size::Items, Value::List(l)) => l.len() as u64,
                    (Size::Pairs, Value::Map(m)) => m.len() as u64,
                    _ => return None,
                };
                match cmp {
                    Cmp::Min => size >= *n,
                    Cmp::Max => size <= *n,
                    Cmp::Exact => size == *n,
                }
            }
            Check::Pattern(re) => re.is_match(value.as_str()?),
            Check::Prefix(p) => value.as_str()?.starts_with(p.as_str()),
            Check::Suffix(p) => value.as_str()?.ends_with(p.as_str()),
            Check::Contains(p) => value.as_str()?.contains(p.as_str()),
            Check::NotContains(p) => !value.as_str()?.contains(p.as_str()),
            // Decided above.
            Check::OneOf { .. } => return None,
        };
        Some((!ok).then_some(self.message.as_str()))
    }
}

/// A token of the expressions [`Native::recognize_custom`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Ident(&'a str),
    Punct(&'static str),
    /// A quoted string literal's content (no escape inside).
    Str(&'a str),
    /// The integer literal `0`.
    Zero,
}

/// The tokens of `src`, or `None` at anything outside the little language
/// of [`Tok`] (an escape, another number, an operator not listed): such an
/// expression stays CEL.
fn tokens(src: &str) -> Option<Vec<Tok<'_>>> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => i += 1,
            b'(' | b')' | b'[' | b']' | b',' => {
                out.push(Tok::Punct(match c {
                    b'(' => "(",
                    b')' => ")",
                    b'[' => "[",
                    b']' => "]",
                    _ => ",",
                }));
                i += 1;
            }
            b'=' | b'|' if b.get(i + 1) == Some(&c) => {
                out.push(Tok::Punct(if c == b'=' { "==" } else { "||" }));
                i += 2;
            }
            b'0' if !b.get(i + 1).is_some_and(|&n| ident(n) || n == b'.') => {
                out.push(Tok::Zero);
                i += 1;
            }
            b'"' | b'\'' => {
                let len = b[i + 1..].iter().position(|&x| x == c)?;
                let body = &src[i + 1..i + 1 + len];
                if body.contains(['\\', '\n', '\r']) {
                    return None;
                }
                out.push(Tok::Str(body));
                i += len + 2;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let len = b[i..].iter().take_while(|&&x| ident(x)).count();
                out.push(Tok::Ident(&src[i..i + len]));
                i += len;
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Compares without cloning strings.
fn scalar_eq(v: &Value, c: &Scalar) -> Option<bool> {
    Some(match (v, c) {
        (Value::String(s), c) => matches!(c, Scalar::Str(c) if s == c),
        (v, c) => scalar(v)? == *c,
    })
}

/// A wrapper message (`google.protobuf.StringValue`, ...) as its value, as
/// CEL sees it; any other value as it is.
fn unwrap(value: &Value) -> Option<&Value> {
    match value {
        Value::Message(m) => wrapped(m),
        v => Some(v),
    }
}

fn wrapped(m: &DynamicMessage) -> Option<&Value> {
    let desc = m.descriptor();
    let name = desc.full_name().strip_prefix("google.protobuf.")?;
    if !name.ends_with("Value") || matches!(name, "Value" | "ListValue") {
        return None;
    }
    let f = desc.get_field_by_name("value")?;
    // An unset wrapper value is the default: hand it to CEL.
    m.fields().find(|(g, _)| *g == f).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_expressions_become_native_checks_with_protovalidate_messages() {
        let n = Native::recognize(
            KNOWN[2].0,
            &Value::List(vec![Value::String("a".into()), Value::String("b".into())]),
        )
        .unwrap();
        assert_eq!(n.check(&Value::String("a".into())), Some(None));
        assert_eq!(
            n.check(&Value::String("c".into())),
            Some(Some("must be in list [a, b]"))
        );
        // A float is not handled here.
        assert_eq!(n.check(&Value::F64(1.0)), None);

        let n = Native::recognize(KNOWN[5].0, &Value::U64(3)).unwrap();
        assert_eq!(n.check(&Value::String("héé".into())), Some(None));
        assert_eq!(
            n.check(&Value::String("hé".into())),
            Some(Some("must be at least 3 characters"))
        );

        let n = Native::recognize(KNOWN[0].0, &Value::I32(5)).unwrap();
        assert_eq!(n.check(&Value::EnumNumber(5)), Some(None));
        assert_eq!(n.check(&Value::I64(4)), Some(Some("must equal 5")));

        let pattern = KNOWN.iter().find(|k| k.1 == "pattern").unwrap().0;
        let n = Native::recognize(pattern, &Value::String("^[a-z]+$".into())).unwrap();
        assert_eq!(n.check(&Value::String("abc".into())), Some(None));
        assert_eq!(
            n.check(&Value::String("a1".into())),
            Some(Some("does not match regex pattern `^[a-z]+$`"))
        );
        assert!(Native::recognize(pattern, &Value::String("(".into())).is_none());

        // The expressions of our own validate.proto, same checks and messages.
        let n = Native::recognize(KNOWN[KNOWN.len() - 2].0, &Value::String("v1".into())).unwrap();
        assert_eq!(n.check(&Value::String("v1".into())), Some(None));
        assert_eq!(
            n.check(&Value::String("v2".into())),
            Some(Some("must equal `v1`"))
        );
        let n = Native::recognize(
            KNOWN[KNOWN.len() - 1].0,
            &Value::List(vec![Value::I32(400), Value::I32(207)]),
        )
        .unwrap();
        assert_eq!(n.check(&Value::EnumNumber(207)), Some(None));
        assert_eq!(
            n.check(&Value::EnumNumber(1)),
            Some(Some("must be in list [400, 207]"))
        );

        assert!(Native::recognize("this > 3", &Value::I32(5)).is_none());
        assert!(Native::recognize(KNOWN[0].0, &Value::F32(5.0)).is_none());
    }

    /// A field's own membership rule gives, natively, CEL's verdict on
    /// every string tried, with the rule's message (or CEL's stand-in).
    #[test]
    fn a_custom_membership_rule_agrees_with_cel() {
        let cel = crate::celx::Cel::new();
        let now = chrono::Utc::now().fixed_offset();
        let exprs = [
            r#"size(this) == 0 || this in ["", "Memory"]"#,
            r#"size(this) == 0 || this in ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"]"#,
            r#"this in ["a", 'b', "Memory"]"#,
            "size( this )==0||this in\n[ 'x' ,\t\"é\" ]",
            r#"this in ["Memory"]"#,
        ];
        let strings = [
            "",
            "Memory",
            "memory",
            "Memory ",
            " Memory",
            "Directory",
            "File",
            "x",
            "é",
            "a",
            "b",
            "\u{0}",
            "MemoryMemory",
        ];
        for expr in exprs {
            for message in ["", "Medium must be either \"\" or \"Memory\""] {
                let native = Native::recognize_custom(expr, "r.id", message)
                    .unwrap_or_else(|| panic!("{expr} is recognized"));
                let compiled = cel
                    .compile(expr, Some(&prost_reflect::Kind::String))
                    .unwrap();
                for s in strings {
                    let value = Value::String(s.to_owned());
                    let this = crate::celx::single_value(&value, &compiled.tested).unwrap();
                    let verdict = match cel.eval(&compiled, Some(this), None, None, &now).unwrap() {
                        cel::Value::Bool(true) => None,
                        cel::Value::Bool(false) if message.is_empty() => {
                            Some("\"r.id\" returned false")
                        }
                        cel::Value::Bool(false) => Some(message),
                        other => panic!("{expr}: {other:?}"),
                    };
                    assert_eq!(native.check(&value), Some(verdict), "{expr} on {s:?}");
                }
                // Another type of value is left to CEL.
                assert_eq!(native.check(&Value::I32(0)), None);
                assert_eq!(native.check(&Value::List(vec![])), None);
            }
        }
        // Anything else stays CEL: other operators, escapes, raw or
        // triple-quoted strings, numbers, a trailing or missing comma, an
        // empty list, a field of `this`.
        for expr in [
            r#"size(this) > 0 || this in ["a"]"#,
            r#"size(this) == 1 || this in ["a"]"#,
            r#"size(this) == 0 && this in ["a"]"#,
            r#"this in ["a\"b"]"#,
            r#"this in [r"a"]"#,
            r#"this in ["""a"""]"#,
            r#"this in ["a", 1]"#,
            r#"this in ["a",]"#,
            r#"this in ["a" "b"]"#,
            r#"this in []"#,
            r#"this.x in ["a"]"#,
            r#"!(this in ["a"])"#,
            r#"size(this) == 00 || this in ["a"]"#,
            r#"this in ["a"] || size(this) == 0"#,
            r#"this in ["a"#,
        ] {
            assert!(Native::recognize_custom(expr, "r", "").is_none(), "{expr}");
        }
    }

    #[test]
    fn is_scalar_agrees_with_scalar() {
        for v in [
            Value::Bool(true),
            Value::I32(-1),
            Value::EnumNumber(2),
            Value::I64(3),
            Value::U32(4),
            Value::U64(5),
            Value::String("s".into()),
            Value::F32(1.0),
            Value::F64(1.0),
            Value::Bytes(vec![1].into()),
            Value::List(vec![]),
        ] {
            assert_eq!(is_scalar(&v), scalar(&v).is_some(), "{v:?}");
        }
        // A string is never equal to a number, and is compared in place.
        assert_eq!(
            scalar_eq(&Value::String("1".into()), &Scalar::Int(1)),
            Some(false)
        );
        assert_eq!(
            scalar_eq(&Value::String("a".into()), &Scalar::Str("a".into())),
            Some(true)
        );
    }
}
