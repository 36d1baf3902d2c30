//! Structure-aware: manifests built from the shapes that blew up before
//! (anchors, aliases of aliases, merge keys, long scalars, many secrets on
//! one line, backslash runs, every line-break style: LF, CRLF, lone CR,
//! U+0085, U+2028, U+2029), in YAML or JSON, through the whole pipeline.
//! Never a panic; every error message stays short.
#![no_main]

use std::fmt::Write;
use std::sync::LazyLock;

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use planton_kubernetes_job::{Input, JobValidator, LoadError, SideInputs, transform};

static VALIDATOR: LazyLock<JobValidator> =
    LazyLock::new(|| JobValidator::new().expect("the protos' defaults are valid"));

/// The most a case's repeated runs add up to (so also its longest scalar):
/// a mebibyte, as `-max_len` bounds the byte-level targets' inputs; the
/// loader's 4 MiB limit itself is the hostile tests' to probe.
const MAX_LONG: usize = 1 << 20;

#[derive(Arbitrary, Debug)]
struct Manifest {
    json: bool,
    line_break: LineBreak,
    name: Text,
    fields: Vec<(Name, Value)>,
    secrets: Vec<(Name, Text)>,
    secrets_on_one_line: bool,
    tail: Option<Value>,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum LineBreak {
    Lf,
    CrLf,
    Cr,
    Nel,
    Ls,
    Ps,
}

impl LineBreak {
    fn text(self) -> &'static str {
        match self {
            LineBreak::Lf => "\n",
            LineBreak::CrLf => "\r\n",
            LineBreak::Cr => "\r",
            LineBreak::Nel => "\u{85}",
            LineBreak::Ls => "\u{2028}",
            LineBreak::Ps => "\u{2029}",
        }
    }
}

/// Field and key names: the schema's, or any text.
#[derive(Arbitrary, Debug)]
enum Name {
    Known(u8),
    Merge,
    Null,
    Text(Text),
}

const KNOWN: &[&str] = &[
    "kind", "metadata", "name", "spec", "namespace", "value", "valueFrom", "image", "repo", "tag",
    "env", "variables", "secrets", "secretRef", "key", "configMaps", "volumeMounts", "mountPath",
    "parallelism", "completions", "backoffLimit", "activeDeadlineSeconds", "resources", "limits",
    "requests", "cpu", "memory", "restartPolicy", "completionMode", "suspend", "command", "args",
    "createNamespace", "labels", "defaultMode", "items", "path", "emptyDir", "sizeLimit",
];

#[derive(Arbitrary, Debug)]
enum Text {
    Short(String),
    /// `count` copies of `unit` (a long scalar, a backslash run, ...).
    Repeat { unit: Unit, count: u32 },
    Escapes(Vec<Escape>),
    Number(Number),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Unit {
    Backslash,
    X,
    KubernetesJob,
    Digit,
    Space,
    Quote,
    LineBreak(LineBreak),
    Char(char),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Escape {
    SurrogatePair,
    LoneSurrogate,
    Tab,
    RawTab,
    Backslashes(u8),
    Unicode(u16),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Number {
    I64(i64),
    U64(u64),
    F64(f64),
    Exponent { mantissa: i32, exponent: i64 },
    Quantity { mantissa: u32, suffix: u8 },
}

#[derive(Arbitrary, Debug)]
enum Value {
    Plain(Text),
    DoubleQuoted(Text),
    SingleQuoted(Text),
    Block(Text),
    Anchor(u8, Box<Value>),
    Alias(u8),
    Seq(Vec<Value>),
    Map(Vec<(Name, Value)>),
    Null,
    Tag(u8, Box<Value>),
}

const TAGS: &[&str] = &[
    "!!str", "!!int", "!!bool", "!!null", "!!float", "!!map", "!!seq", "!", "!<tag:yaml.org,2002:str>",
    "!<tag:yaml.org,2002:int>", "!<tag:example.com,2026:x>", "!custom",
];

struct Writer {
    out: String,
    json: bool,
    line_break: &'static str,
    /// What repeated runs may still add ([`MAX_LONG`] in all).
    budget: usize,
}

impl Writer {
    fn text(&mut self, text: &Text, quoted: bool) {
        match text {
            Text::Short(s) => {
                for c in s.chars() {
                    self.char(c, quoted);
                }
            }
            Text::Repeat { unit, count } => {
                // Log-uniform: the magnitude (0 to 20 bits) is uniform, the
                // count uniform below it, so runs of up to a mebibyte stay in
                // the mix without making nearly every case that long.
                let magnitude = (*count >> 27) % 21;
                let count = (*count & ((1 << magnitude) - 1)) as usize;
                let count = count.min(MAX_LONG).min(self.budget);
                for _ in 0..count {
                    match unit {
                        Unit::Backslash => self.out.push_str(if quoted { "\\\\" } else { "\\" }),
                        Unit::X => self.out.push('x'),
                        Unit::KubernetesJob => self.out.push_str("KubernetesJob"),
                        Unit::Digit => self.out.push('9'),
                        Unit::Space => self.out.push(' '),
                        Unit::Quote => self.char('"', quoted),
                        Unit::LineBreak(b) => self.out.push_str(b.text()),
                        Unit::Char(c) => self.char(*c, quoted),
                    }
                }
                self.budget = self.budget.saturating_sub(count);
            }
            Text::Escapes(escapes) => {
                for e in escapes {
                    match e {
                        Escape::SurrogatePair => self.out.push_str("\\ud83d\\ude00"),
                        Escape::LoneSurrogate => self.out.push_str("\\ud83d"),
                        Escape::Tab => self.out.push_str("\\t"),
                        Escape::RawTab => self.out.push('\t'),
                        Escape::Backslashes(n) => {
                            self.out.push_str(&"\\".repeat(usize::from(*n)))
                        }
                        Escape::Unicode(u) => {
                            let _ = write!(self.out, "\\u{u:04x}");
                        }
                    }
                }
            }
            Text::Number(n) => {
                let _ = match n {
                    Number::I64(v) => write!(self.out, "{v}"),
                    Number::U64(v) => write!(self.out, "{v}"),
                    Number::F64(v) => write!(self.out, "{v:?}"),
                    Number::Exponent { mantissa, exponent } => {
                        write!(self.out, "{mantissa}e{exponent}")
                    }
                    Number::Quantity { mantissa, suffix } => {
                        let suffixes = ["", "m", "Ki", "Mi", "Gi", "E", "Ei", "n", "e3", "k"];
                        let s = suffixes[usize::from(*suffix) % suffixes.len()];
                        write!(self.out, "{mantissa}{s}")
                    }
                };
            }
        }
    }

    fn char(&mut self, c: char, quoted: bool) {
        if quoted && (c == '"' || c == '\\') {
            self.out.push('\\');
        }
        self.out.push(c);
    }

    fn name(&mut self, name: &Name) {
        match name {
            Name::Known(i) => {
                let n = KNOWN[usize::from(*i) % KNOWN.len()];
                if self.json {
                    let _ = write!(self.out, "\"{n}\"");
                } else {
                    self.out.push_str(n);
                }
            }
            Name::Merge => self.out.push_str(if self.json { "\"<<\"" } else { "<<" }),
            Name::Null => self.out.push_str(if self.json { "\"\"" } else { "~" }),
            Name::Text(t) => {
                self.out.push('"');
                self.text(t, true);
                self.out.push('"');
            }
        }
    }

    fn value(&mut self, value: &Value, depth: usize) {
        if depth > 120 || self.budget == 0 {
            self.out.push_str("null");
            return;
        }
        match value {
            Value::Plain(t) if !self.json => self.text(t, false),
            Value::Plain(t) | Value::DoubleQuoted(t) => {
                self.out.push('"');
                self.text(t, true);
                self.out.push('"');
            }
            Value::SingleQuoted(t) if !self.json => {
                self.out.push('\'');
                self.text(t, false);
                self.out.push('\'');
            }
            Value::Block(t) if !self.json => {
                self.out.push('|');
                self.out.push_str(self.line_break);
                self.out.push_str("      ");
                self.text(t, false);
                self.out.push_str(self.line_break);
            }
            Value::SingleQuoted(t) | Value::Block(t) => {
                self.out.push('"');
                self.text(t, true);
                self.out.push('"');
            }
            Value::Anchor(id, v) if !self.json => {
                let _ = write!(self.out, "&a{} ", id % 8);
                self.value(v, depth + 1);
            }
            Value::Alias(id) if !self.json => {
                let _ = write!(self.out, "*a{}", id % 8);
            }
            Value::Tag(t, v) if !self.json => {
                self.out.push_str(TAGS[usize::from(*t) % TAGS.len()]);
                self.out.push(' ');
                self.value(v, depth + 1);
            }
            Value::Anchor(_, v) | Value::Tag(_, v) => self.value(v, depth + 1),
            Value::Seq(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.value(item, depth + 1);
                }
                self.out.push(']');
            }
            Value::Map(entries) => {
                self.out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.name(k);
                    self.out.push_str(": ");
                    self.value(v, depth + 1);
                }
                self.out.push('}');
            }
            Value::Null | Value::Alias(_) => self.out.push_str("null"),
        }
    }
}

fn render(m: &Manifest) -> String {
    let mut w = Writer {
        out: String::new(),
        json: m.json,
        line_break: if m.json { "\n" } else { m.line_break.text() },
        budget: MAX_LONG,
    };
    let br = w.line_break;
    let (open, sep, close) = if m.json { ("{", ",", "}") } else { ("", "", "") };
    w.out.push_str(open);
    w.out.push_str(if m.json {
        "\"kind\": \"KubernetesJob\", \"metadata\": {\"name\": "
    } else {
        "kind: KubernetesJob"
    });
    if !m.json {
        w.out.push_str(br);
        w.out.push_str("metadata: {name: ");
    }
    w.value(&Value::DoubleQuoted(clone_text(&m.name)), 0);
    w.out.push('}');
    w.out.push_str(sep);
    w.out.push_str(br);
    // Many secrets, on one line or one per line.
    w.out.push_str(if m.json {
        "\"spec\": {\"env\": {\"secrets\": {"
    } else {
        "spec:"
    });
    if !m.json {
        w.out.push_str(br);
        w.out.push_str("  env:");
        w.out.push_str(br);
        w.out.push_str("    secrets: {");
    }
    for (i, (k, v)) in m.secrets.iter().enumerate() {
        if i > 0 {
            w.out.push_str(", ");
            if !m.secrets_on_one_line && m.json {
                w.out.push_str(br);
            }
        }
        w.name(k);
        w.out.push_str(": {");
        w.out.push_str(if m.json { "\"value\": " } else { "value: " });
        w.value(&Value::DoubleQuoted(clone_text(v)), 0);
        w.out.push('}');
    }
    w.out.push_str(if m.json { "}}}" } else { "}" });
    for (k, v) in &m.fields {
        w.out.push_str(sep);
        w.out.push_str(br);
        w.name(k);
        w.out.push_str(": ");
        w.value(v, 0);
    }
    if let Some(v) = &m.tail {
        w.out.push_str(sep);
        w.out.push_str(br);
        w.out.push_str(if m.json { "\"tail\": " } else { "tail: " });
        w.value(v, 0);
    }
    w.out.push_str(close);
    w.out.push_str(br);
    w.out
}

fn clone_text(t: &Text) -> Text {
    match t {
        Text::Short(s) => Text::Short(s.clone()),
        Text::Repeat { unit, count } => Text::Repeat { unit: *unit, count: *count },
        Text::Escapes(e) => Text::Escapes(e.clone()),
        Text::Number(n) => Text::Number(*n),
    }
}

/// Every message the library writes about the input stays short, whatever
/// the input's size.
fn check_bounded(e: &LoadError) {
    if let LoadError::Fields(errors) = e {
        assert!(errors.len() <= planton_manifest::MAX_FIELD_ERRORS);
        for f in errors.iter() {
            assert!(f.message.len() < 1024, "{} bytes: {}", f.message.len(), &f.message[..200]);
        }
    }
    let shown = e.to_string();
    assert!(shown.len() < 4 << 20, "{} bytes of error", shown.len());
}

fuzz_target!(|m: Manifest| {
    let text = render(&m);
    if let Err(e) = VALIDATOR.load(&text) {
        return check_bounded(&e);
    }
    // The door: defaults, rules and transform (the recovering load of
    // `check` is the `check` target's).
    match VALIDATOR.render(Input::Manifest(&text), &SideInputs::new()) {
        Ok(out) => {
            assert_eq!(out.rendered.to_yaml(), transform(&out.validated).unwrap().to_yaml());
        }
        Err(e) => {
            for v in e.violations().unwrap_or_default() {
                assert!(v.message.len() < 1024, "{}: {} bytes", v.rule_id, v.message.len());
            }
            let shown = e.to_string();
            assert!(shown.len() < 4096, "{} bytes of error", shown.len());
        }
    }
});
