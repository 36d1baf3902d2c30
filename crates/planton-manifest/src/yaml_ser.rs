//! The YAML writer: any `Serialize` value written straight to YAML (a JSON
//! value too: [`crate::json_to_yaml`]), keys in sorted order, scalars as
//! [`crate::yaml_scalar`] writes them, without building a tree first.
//!
//! The writer streams. Two things a block-style writer must know before it
//! can start are settled afterwards instead:
//! - whether a mapping or sequence is empty (`{}` / `[]`) is known when it
//!   ends, since nothing is written for it until its first entry;
//! - key order: each mapping entry is written as a self-contained segment
//!   (its text does not depend on its place), and when a mapping's keys did
//!   not arrive sorted, its segments are put in order when it ends.

use std::cell::Cell;
use std::fmt::{self, Write as _};
use std::ops::Range;

use serde::ser::{self, Serialize};

use crate::spare;
use crate::yaml_scalar::{indent, write_key, write_static_key, write_string};

/// Writes `value` as a YAML document (no `---` marker) ending with a newline:
/// the same text whether `value` is given typed or as its JSON value
/// (`serde_json::to_value(value)`, through [`crate::json_to_yaml`]).
///
/// # Errors
///
/// [`Error`] when `value`'s `Serialize` implementation fails, or has a map
/// key that is not a string, a number or a boolean.
pub fn to_yaml<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut writer = YamlWriter::new();
    writer.write(value)?;
    Ok(writer.finish())
}

/// Writes values as YAML documents one after the other into one buffer,
/// reusing its scratch space (for a multi-document stream).
pub struct YamlWriter {
    w: Writer,
}

impl Default for YamlWriter {
    fn default() -> Self {
        YamlWriter::new()
    }
}

thread_local! {
    /// The thread's scratch lists from its last writer (see [`crate::spare`]).
    static ENTRIES: Cell<Vec<(usize, Key)>> = const { Cell::new(Vec::new()) };
    static KEYS: Cell<String> = const { Cell::new(String::new()) };
}

impl YamlWriter {
    /// An empty writer, sized for a few Kubernetes objects.
    pub fn new() -> Self {
        YamlWriter {
            w: Writer {
                out: String::with_capacity(4096),
                entries: spare::take(&ENTRIES, 32),
                keys: spare::take(&KEYS, 512),
            },
        }
    }

    /// Appends text as it is (a `---` separator, a comment).
    pub fn push_str(&mut self, text: &str) {
        self.w.out.push_str(text);
    }

    /// Appends `value` as a YAML document, as [`to_yaml`] writes it.
    ///
    /// # Errors
    ///
    /// As [`to_yaml`]; the output is then left as it was before the call.
    pub fn write<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let start = self.w.out.len();
        let result = value.serialize(Slot {
            w: &mut self.w,
            at: At::Root,
        });
        if result.is_err() {
            self.w.out.truncate(start);
            self.w.entries.clear();
            self.w.keys.clear();
        }
        result
    }

    /// The text written.
    pub fn finish(mut self) -> String {
        std::mem::take(&mut self.w.out)
    }
}

impl Drop for YamlWriter {
    fn drop(&mut self) {
        spare::give(&ENTRIES, std::mem::take(&mut self.w.entries));
        spare::give(&KEYS, std::mem::take(&mut self.w.keys));
    }
}

/// A scalar written as its `Display` text: integers and booleans without
/// the formatting machinery, the rest through it.
trait DisplayText: fmt::Display {
    fn write_to(&self, out: &mut String) {
        // Writing to a String cannot fail.
        let _ = write!(out, "{self}");
    }
}

/// The integer types that fit in 64 bits, written digit by digit.
macro_rules! small_integers {
    ($($ty:ty),*) => {$(
        impl DisplayText for $ty {
            #[allow(clippy::cast_lossless, unused_comparisons)]
            fn write_to(&self, out: &mut String) {
                let v = *self;
                write_integer(out, v < 0, (v as i128).unsigned_abs() as u64);
            }
        }
    )*};
}

small_integers!(i8, i16, i32, i64, u8, u16, u32, u64);

impl DisplayText for i128 {}
impl DisplayText for u128 {}
impl DisplayText for serde_json::Number {}

impl DisplayText for bool {
    fn write_to(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl DisplayText for &str {
    fn write_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

/// Writes an integer of magnitude `abs` as `Display` does: `-` when
/// `negative`, then its decimal digits.
fn write_integer(out: &mut String, negative: bool, abs: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut n = abs;
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if negative {
        out.push('-');
    }
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
}

/// Why a value could not be written as YAML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Error(String);

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

struct Writer {
    out: String,
    /// The entries of the mappings being written, innermost last: where each
    /// entry's text starts in `out`, and its key. A stack, so no
    /// mapping allocates its own list.
    entries: Vec<(usize, Key)>,
    keys: String,
}

/// An entry's key: a struct's field name as it is, or another key's text in
/// [`Writer::keys`].
#[derive(Clone)]
enum Key {
    Static(&'static str),
    Buffered(Range<usize>),
}

/// Where a value goes, which decides what is written around it.
#[derive(Clone, Copy)]
enum At {
    /// The document itself.
    Root,
    /// After `key:` of an entry indented by `level`.
    MapValue { level: usize },
    /// After the `-` of an item indented by `level`.
    SeqItem { level: usize },
}

impl At {
    /// The indentation of a nested block's entries, and that of the lines of
    /// a literal block scalar.
    fn inner(self) -> usize {
        match self {
            At::Root => 0,
            At::MapValue { level } | At::SeqItem { level } => level + 2,
        }
    }
}

struct Slot<'w> {
    w: &'w mut Writer,
    at: At,
}

impl<'w> Slot<'w> {
    /// A scalar, written inline.
    fn inline(self, write: impl FnOnce(&mut String, usize)) -> Result<(), Error> {
        let level = self.at.inner();
        let out = &mut self.w.out;
        if !matches!(self.at, At::Root) {
            out.push(' ');
        }
        write(out, level);
        out.push('\n');
        Ok(())
    }

    fn text(self, s: &str) -> Result<(), Error> {
        self.inline(|out, level| write_string(out, s, level, false))
    }

    fn display(self, v: impl DisplayText) -> Result<(), Error> {
        self.inline(|out, _| v.write_to(out))
    }

    fn float(self, v: f64) -> Result<(), Error> {
        // As serde_json: a non-finite float is null, others print as its
        // `Number` does.
        match serde_json::Number::from_f64(v) {
            Some(n) => self.display(n),
            None => self.display("null"),
        }
    }

    fn seq(self) -> Seq<'w> {
        let start = self.w.out.len();
        Seq {
            level: self.at.inner(),
            at: self.at,
            start,
            count: 0,
            w: self.w,
        }
    }

    fn map(self) -> Map<'w> {
        let w = self.w;
        let out_start = w.out.len();
        if let At::MapValue { .. } = self.at {
            // Taken back if the mapping turns out empty.
            w.out.push('\n');
        }
        Map {
            level: self.at.inner(),
            at: self.at,
            out_start,
            content_start: w.out.len(),
            first_entry: w.entries.len(),
            keys_start: w.keys.len(),
            w,
        }
    }
}

struct Seq<'w> {
    w: &'w mut Writer,
    at: At,
    /// The indentation of the items' dashes.
    level: usize,
    start: usize,
    count: usize,
}

impl Seq<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if self.count == 0 && !matches!(self.at, At::Root) {
            self.w.out.push('\n');
        }
        self.count += 1;
        indent(&mut self.w.out, self.level);
        self.w.out.push('-');
        value.serialize(Slot {
            w: self.w,
            at: At::SeqItem { level: self.level },
        })
    }

    fn end(self) -> Result<(), Error> {
        if self.count == 0 {
            self.w.out.truncate(self.start);
            Slot {
                w: self.w,
                at: self.at,
            }
            .display("[]")?;
        }
        Ok(())
    }
}

struct Map<'w> {
    w: &'w mut Writer,
    at: At,
    /// The indentation of the entries' keys.
    level: usize,
    out_start: usize,
    /// Where the first entry's text starts.
    content_start: usize,
    /// This mapping's entries are `w.entries[first_entry..]`.
    first_entry: usize,
    keys_start: usize,
}

impl Map<'_> {
    /// A struct's field name (or a variant's), kept where it is.
    fn key(&mut self, key: &'static str) {
        self.entry(Key::Static(key));
    }

    /// A map key given to serde's `serialize_key`, its text (as serde_json
    /// makes it) written straight into the key buffer.
    fn serialized_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let key_start = self.w.keys.len();
        if let Err(e) = key_text(key, &mut self.w.keys) {
            self.w.keys.truncate(key_start);
            return Err(e);
        }
        self.entry(Key::Buffered(key_start..self.w.keys.len()));
        Ok(())
    }

    /// Starts the entry of `key`.
    fn entry(&mut self, key: Key) {
        let w = &mut *self.w;
        let first_on_dash_line =
            matches!(self.at, At::SeqItem { .. }) && w.entries.len() == self.first_entry;
        let start = w.out.len();
        if first_on_dash_line {
            // The first entry of an item sits on the dash line: `- key: ...`.
            w.out.push(' ');
        } else {
            indent(&mut w.out, self.level);
        }
        match &key {
            Key::Static(text) => write_static_key(&mut w.out, text, self.level),
            Key::Buffered(range) => write_key(&mut w.out, &w.keys[range.clone()], self.level),
        }
        w.entries.push((start, key));
    }

    /// How an entry's segment starts: one space after the dash for the
    /// first entry of a sequence item, the indentation otherwise.
    fn prefix_len(at: At, level: usize, position: usize) -> usize {
        if position == 0 && matches!(at, At::SeqItem { .. }) {
            1
        } else {
            level
        }
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(Slot {
            w: self.w,
            at: At::MapValue { level: self.level },
        })
    }

    fn end(self) -> Result<(), Error> {
        let w = self.w;
        if w.entries.len() == self.first_entry {
            w.out.truncate(self.out_start);
            return Slot { w, at: self.at }.display("{}");
        }
        let entries = &w.entries[self.first_entry..];
        let key = |e: &(usize, Key)| match &e.1 {
            Key::Static(text) => *text,
            Key::Buffered(range) => &w.keys[range.clone()],
        };
        if !entries.windows(2).all(|p| in_order(key(&p[0]), key(&p[1]))) {
            // Put the entries' segments in key order; the last one runs to
            // the end of the output. Equal keys keep their order (the sort is
            // stable), as the JSON value would keep only one of them anyway.
            // A segment's text does not depend on its place but for how it
            // starts (`prefix_len`), which is made anew for the new place.
            let mut order: Vec<(Range<usize>, &str)> = entries
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let end = entries.get(i + 1).map_or(w.out.len(), |n| n.0);
                    (e.0 + Map::prefix_len(self.at, self.level, i)..end, key(e))
                })
                .collect();
            order.sort_by(|a, b| a.1.cmp(b.1));
            let mut sorted = String::with_capacity(w.out.len() - self.content_start);
            for (position, (range, _)) in order.iter().enumerate() {
                indent(&mut sorted, Map::prefix_len(self.at, self.level, position));
                sorted.push_str(&w.out[range.clone()]);
            }
            w.out.truncate(self.content_start);
            w.out.push_str(&sorted);
        }
        w.entries.truncate(self.first_entry);
        w.keys.truncate(self.keys_start);
        Ok(())
    }
}

/// `a <= b`, most often decided by the first bytes alone.
fn in_order(a: &str, b: &str) -> bool {
    match (a.as_bytes().first(), b.as_bytes().first()) {
        (Some(x), Some(y)) if x != y => x < y,
        _ => a <= b,
    }
}

serializer_plumbing!();

/// Appends `key` as the text serde_json would make of it as a map key.
pub(crate) fn key_text<T: Serialize + ?Sized>(key: &T, text: &mut String) -> Result<(), Error> {
    key.serialize(KeyText(text))
}

/// A map key as the text serde_json would make of it.
struct KeyText<'a>(&'a mut String);

impl KeyText<'_> {
    fn display(self, v: impl fmt::Display) -> Result<(), Error> {
        let _ = write!(self.0, "{v}");
        Ok(())
    }
}

fn key_must_be_a_scalar() -> Error {
    Error("a map key must be a string, a number or a boolean".into())
}

impl ser::Serializer for KeyText<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    display_scalars!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64);
    fn serialize_f32(self, _v: f32) -> Result<(), Error> {
        Err(key_must_be_a_scalar())
    }
    fn serialize_f64(self, _v: f64) -> Result<(), Error> {
        Err(key_must_be_a_scalar())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.display(v)
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.0.push_str(v);
        Ok(())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Error> {
        Err(key_must_be_a_scalar())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(key_must_be_a_scalar())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), Error> {
        Err(key_must_be_a_scalar())
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(key_must_be_a_scalar())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(key_must_be_a_scalar())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.0.push_str(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(key_must_be_a_scalar())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_scalar())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_scalar())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_scalar())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_scalar())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_scalar())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_scalar())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_scalar())
    }
}

#[cfg(test)]
mod tests {
    use serde::ser::{SerializeStruct, Serializer};
    use serde_json::json;

    use super::*;

    /// A writer's scratch lists serve the thread's next writer, which
    /// writes the same text; a failed write leaves them empty too.
    #[test]
    fn a_writer_lends_its_scratch_lists_to_the_next() {
        ENTRIES.take();
        KEYS.take();
        let v = json!({"b": {"y": 1, "x": [1, {"k": "v"}]}, "a": "z"});
        let first = to_yaml(&v).unwrap();
        let entries = ENTRIES.take();
        let keys = KEYS.take();
        assert!(entries.is_empty() && entries.capacity() >= 32);
        assert!(keys.is_empty() && keys.capacity() >= 512);
        let at = (entries.as_ptr(), keys.as_ptr());
        ENTRIES.set(entries);
        KEYS.set(keys);
        assert_eq!(to_yaml(&v).unwrap(), first);
        let (entries, keys) = (ENTRIES.take(), KEYS.take());
        assert_eq!(
            (entries.as_ptr(), keys.as_ptr()),
            at,
            "the same allocations"
        );
        ENTRIES.set(entries);
        KEYS.set(keys);
        // A map key that is a sequence: refused, after a first entry.
        let bad = std::collections::BTreeMap::from([(vec![], 1), (vec![1], 2)]);
        assert!(to_yaml(&(json!({"x": 1}), bad)).is_err());
        assert!(ENTRIES.take().is_empty() && KEYS.take().is_empty());
        assert_eq!(to_yaml(&v).unwrap(), first);
    }

    /// `v` written (as a document, and under a key), and read back as
    /// kubectl reads YAML (1.1 scalars), is `v` again.
    fn reads_back(v: &serde_json::Value) {
        let text = to_yaml(v).unwrap();
        if !v.is_null() {
            assert_eq!(crate::yaml_to_json(&text).unwrap(), *v, "{text}");
        }
        let under = json!({ "v": v });
        let text = to_yaml(&under).unwrap();
        assert_eq!(crate::yaml_to_json(&text).unwrap(), under, "{text}");
    }

    #[test]
    fn values_read_back_unchanged() {
        for v in [
            json!({"b": [1, {"w": true, "x": "s"}, [2]], "a": {}, "c": []}),
            json!([]),
            json!({}),
            json!("yes"),
            json!(3.5),
            json!(null),
            json!([[], {}, [[1]], [{"a": {"b": []}}], {"k": [{}]}]),
            json!({"s": {"script": "#!/bin/sh\necho hi\n\nexit 0\n", "strip": "a\nb"}}),
            json!({"m": {"k": "a\u{2028}b\nc", "l": "l1\nl2\u{2029}"}}),
            json!({"k\u{8}".repeat(600): 1, "l": [{"k\u{8}".repeat(600): {"x": [1]}}]}),
            json!({"0755": "0755", "on": "off", "": "", "a: b": "#c", "x": [1.0, -2, 1e300]}),
            json!([{"a": [{"b": {"c": "d"}}, "e"], "f": {"g": [[{"h": 1, "i": 2}]]}}]),
        ] {
            reads_back(&v);
        }
        assert_eq!(
            to_yaml(&json!({"b": [1, {"w": true, "x": "s"}, [2]], "a": {}, "c": []})).unwrap(),
            "a: {}\nb:\n  - 1\n  - w: true\n    x: s\n  -\n    - 2\nc: []\n"
        );
        assert_eq!(
            to_yaml(&json!([[], {}, [[1]], [{"a": {"b": []}}], {"k": [{}]}])).unwrap(),
            "- []\n- {}\n-\n  -\n    - 1\n-\n  - a:\n      b: []\n- k:\n    - {}\n"
        );
    }

    /// Fields that do not arrive in key order, nested in every position.
    struct Unordered(u8);

    impl Serialize for Unordered {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut st = s.serialize_struct("Unordered", 3)?;
            st.serialize_field("zeta", "z")?;
            if self.0 > 0 {
                st.serialize_field("mid", &[Unordered(self.0 - 1), Unordered(self.0 - 1)])?;
                st.serialize_field("inner", &Unordered(self.0 - 1))?;
            }
            st.serialize_field("alpha", &Vec::<u8>::new())?;
            st.end()
        }
    }

    #[test]
    fn fields_out_of_order_are_sorted_like_the_json_value() {
        for depth in 0..4 {
            let direct = to_yaml(&Unordered(depth)).unwrap();
            let via_value = crate::json_to_yaml(&serde_json::to_value(Unordered(depth)).unwrap());
            assert_eq!(direct, via_value);
        }
        assert_eq!(
            to_yaml(&[Unordered(1)]).unwrap(),
            "- alpha: []\n  inner:\n    alpha: []\n    zeta: z\n  mid:\n    - alpha: []\n      zeta: z\n    - alpha: []\n      zeta: z\n  zeta: z\n"
        );
    }

    #[test]
    fn non_scalar_keys_are_refused() {
        let mut m = std::collections::BTreeMap::new();
        m.insert(vec![1], 2);
        assert!(to_yaml(&m).is_err());
    }

    #[test]
    fn a_stream_is_its_documents_one_after_the_other() {
        let docs = [json!({"a": [1, {"b": "c"}]}), json!({"z": {}, "y": "x"})];
        let mut writer = YamlWriter::new();
        for d in &docs {
            writer.push_str("---\n");
            writer.write(d).unwrap();
        }
        // A failed value leaves nothing behind.
        let mut bad = std::collections::BTreeMap::new();
        bad.insert(vec![1], 2);
        assert!(writer.write(&[bad]).is_err());
        let expected: String = docs
            .iter()
            .map(|d| format!("---\n{}", to_yaml(d).unwrap()))
            .collect();
        assert_eq!(writer.finish(), expected);
    }

    /// Field names that must be quoted or written explicitly stay so when
    /// written again (plain names are remembered, these are not).
    #[test]
    fn field_names_are_written_alike_every_time() {
        struct Names;
        impl Serialize for Names {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut st = s.serialize_struct("Names", 6)?;
                st.serialize_field("name", "a")?;
                st.serialize_field("on", "b")?;
                st.serialize_field("y", "c")?;
                st.serialize_field("a: b", "d")?;
                st.serialize_field("0755", "e")?;
                st.serialize_field("metadata", "f")?;
                st.end()
            }
        }
        let via_value = crate::json_to_yaml(&serde_json::to_value(Names).unwrap());
        assert!(via_value.contains("\"on\": b\n") && via_value.contains("name: a\n"));
        for _ in 0..3 {
            assert_eq!(to_yaml(&Names).unwrap(), via_value);
            assert_eq!(
                to_yaml(&[Names]).unwrap(),
                crate::json_to_yaml(&json!([serde_json::to_value(Names).unwrap()]))
            );
        }
    }

    #[test]
    fn integers_and_booleans_are_written_as_display_writes_them() {
        let mut out = String::new();
        for v in [0i64, 1, -1, 9, 10, -10, 493, i64::MAX, i64::MIN] {
            out.clear();
            v.write_to(&mut out);
            assert_eq!(out, v.to_string());
        }
        for v in [0u64, 7, 100, u64::MAX] {
            out.clear();
            v.write_to(&mut out);
            assert_eq!(out, v.to_string());
        }
        for v in [i8::MIN, i8::MAX] {
            out.clear();
            v.write_to(&mut out);
            assert_eq!(out, v.to_string());
        }
        out.clear();
        i32::MIN.write_to(&mut out);
        u16::MAX.write_to(&mut out);
        true.write_to(&mut out);
        false.write_to(&mut out);
        assert_eq!(out, format!("{}{}truefalse", i32::MIN, u16::MAX));
        assert_eq!(
            to_yaml(&json!({"a": [i64::MIN, 0, u64::MAX, true, false, -3]})).unwrap(),
            format!(
                "a:\n  - {}\n  - 0\n  - {}\n  - true\n  - false\n  - -3\n",
                i64::MIN,
                u64::MAX
            )
        );
    }
}
