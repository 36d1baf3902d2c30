//! Any `Serialize` value written straight to pretty-printed JSON, with the
//! output of [`crate::json_to_string`] for its JSON value, byte for byte,
//! but without building that value first.
//!
//! Like [`crate::yaml_ser`], the writer streams and settles afterwards what
//! it cannot know before: an object's or array's closing line is only
//! written once it is known not to be empty, and each object member is a
//! self-contained segment (its text does not depend on its place), so that
//! when an object's keys did not arrive sorted, its members are put in order
//! when it ends.

use std::fmt::{self, Write as _};
use std::ops::Range;

use serde::ser::{self, Serialize};

/// Why a value could not be written as JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Error(String);

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// Writes `value` as pretty-printed JSON (two-space indentation, object keys
/// sorted) ending with a newline: the same text as [`crate::json_to_string`]
/// of `serde_json::to_value(value)`.
///
/// # Errors
///
/// [`Error`] when `value`'s `Serialize` implementation fails, or has a map
/// key that is not a string, a number or a boolean.
pub fn to_json_pretty<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut writer = JsonWriter::new();
    writer.write(value)?;
    writer.push_str("\n");
    Ok(writer.finish())
}

/// Writes JSON values into one buffer, reusing its scratch space; text of
/// one's own (an enclosing object's opening) may go around them.
pub struct JsonWriter {
    w: Writer,
}

impl Default for JsonWriter {
    fn default() -> Self {
        JsonWriter::new()
    }
}

impl fmt::Debug for JsonWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonWriter").finish_non_exhaustive()
    }
}

impl JsonWriter {
    /// An empty writer, sized for a few Kubernetes objects.
    pub fn new() -> Self {
        JsonWriter {
            w: Writer {
                out: String::with_capacity(4096),
                entries: Vec::with_capacity(32),
                keys: String::with_capacity(512),
            },
        }
    }

    /// Appends text as it is.
    pub fn push_str(&mut self, text: &str) {
        self.w.out.push_str(text);
    }

    /// Appends `value` as pretty-printed JSON whose nested lines are indented
    /// by `level` spaces more than [`to_json_pretty`] indents them (its first
    /// line is not indented: it continues the current one). No newline
    /// follows it.
    ///
    /// # Errors
    ///
    /// As [`to_json_pretty`]; the output is then left as it was before the
    /// call.
    pub fn write_at<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        level: usize,
    ) -> Result<(), Error> {
        let start = self.w.out.len();
        let first_entry = self.w.entries.len();
        let keys_start = self.w.keys.len();
        let result = value.serialize(Slot {
            w: &mut self.w,
            level,
        });
        if result.is_err() {
            self.w.out.truncate(start);
            self.w.entries.truncate(first_entry);
            self.w.keys.truncate(keys_start);
        }
        result
    }

    /// [`write_at`](Self::write_at) at level 0.
    ///
    /// # Errors
    ///
    /// As [`write_at`](Self::write_at).
    pub fn write<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.write_at(value, 0)
    }

    /// The text written.
    pub fn finish(self) -> String {
        self.w.out
    }
}

struct Writer {
    out: String,
    /// The members of the objects being written, innermost last: where each
    /// member's text starts in `out`, and its key in `keys`.
    entries: Vec<(usize, Range<usize>)>,
    keys: String,
}

/// Between two members or items: serde_json's pretty separator.
const SEPARATOR: &str = ",\n";

fn indent(out: &mut String, level: usize) {
    out.extend(std::iter::repeat_n(' ', level));
}

/// A JSON string, escaped as serde_json escapes it: `"`, `\`, and control
/// characters (short forms for the usual ones, `\u00XX` for the others).
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if short.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(short);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Where a value goes: at which indentation its nested lines start.
struct Slot<'w> {
    w: &'w mut Writer,
    level: usize,
}

impl<'w> Slot<'w> {
    fn display(self, v: impl fmt::Display) -> Result<(), Error> {
        // Writing to a String cannot fail.
        let _ = write!(self.w.out, "{v}");
        Ok(())
    }

    fn float(self, v: f64) -> Result<(), Error> {
        // As serde_json's value: a non-finite float is null.
        match serde_json::Number::from_f64(v) {
            Some(n) => self.display(n),
            None => self.display("null"),
        }
    }

    fn text(self, s: &str) -> Result<(), Error> {
        write_str(&mut self.w.out, s);
        Ok(())
    }

    fn seq(self) -> Seq<'w> {
        self.w.out.push('[');
        Seq {
            level: self.level,
            count: 0,
            w: self.w,
        }
    }

    fn map(self) -> Map<'w> {
        let w = self.w;
        w.out.push('{');
        Map {
            level: self.level,
            content_start: w.out.len() + 1,
            first_entry: w.entries.len(),
            keys_start: w.keys.len(),
            w,
        }
    }
}

struct Seq<'w> {
    w: &'w mut Writer,
    /// The indentation of the array's brackets.
    level: usize,
    count: usize,
}

impl Seq<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let out = &mut self.w.out;
        out.push_str(if self.count == 0 { "\n" } else { SEPARATOR });
        self.count += 1;
        indent(out, self.level + 2);
        value.serialize(Slot {
            w: self.w,
            level: self.level + 2,
        })
    }

    fn end(self) -> Result<(), Error> {
        let out = &mut self.w.out;
        if self.count > 0 {
            out.push('\n');
            indent(out, self.level);
        }
        out.push(']');
        Ok(())
    }
}

struct Map<'w> {
    w: &'w mut Writer,
    /// The indentation of the object's braces.
    level: usize,
    /// Where the first member's text starts (after `{` and a newline).
    content_start: usize,
    /// This object's members are `w.entries[first_entry..]`.
    first_entry: usize,
    keys_start: usize,
}

impl Map<'_> {
    fn key(&mut self, key: &str) {
        let key_start = self.w.keys.len();
        self.w.keys.push_str(key);
        self.entry(key_start);
    }

    /// A map key given to serde's `serialize_key`, its text (as serde_json
    /// makes it) written straight into the key buffer.
    fn serialized_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let key_start = self.w.keys.len();
        if let Err(e) = key_text(key, &mut self.w.keys) {
            self.w.keys.truncate(key_start);
            return Err(e);
        }
        self.entry(key_start);
        Ok(())
    }

    /// Starts the entry whose key is `w.keys[key_start..]`.
    fn entry(&mut self, key_start: usize) {
        let w = &mut *self.w;
        w.out.push_str(if w.entries.len() == self.first_entry {
            "\n"
        } else {
            SEPARATOR
        });
        w.entries.push((w.out.len(), key_start..w.keys.len()));
        indent(&mut w.out, self.level + 2);
        write_str(&mut w.out, &w.keys[key_start..]);
        w.out.push_str(": ");
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(Slot {
            w: self.w,
            level: self.level + 2,
        })
    }

    fn end(self) -> Result<(), Error> {
        let w = self.w;
        if w.entries.len() == self.first_entry {
            w.out.push('}');
            return Ok(());
        }
        let entries = &w.entries[self.first_entry..];
        let key = |e: &(usize, Range<usize>)| &w.keys[e.1.clone()];
        if !entries.windows(2).all(|p| key(&p[0]) <= key(&p[1])) {
            // Put the members in key order: each runs to the separator before
            // the next, the last to the end of the output. Equal keys keep
            // their order (the sort is stable).
            let mut order: Vec<(Range<usize>, &str)> = entries
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let end = entries
                        .get(i + 1)
                        .map_or(w.out.len(), |n| n.0 - SEPARATOR.len());
                    (e.0..end, key(e))
                })
                .collect();
            order.sort_by(|a, b| a.1.cmp(b.1));
            let mut sorted = String::with_capacity(w.out.len() - self.content_start);
            for (i, (range, _)) in order.iter().enumerate() {
                if i > 0 {
                    sorted.push_str(SEPARATOR);
                }
                sorted.push_str(&w.out[range.clone()]);
            }
            w.out.truncate(self.content_start);
            w.out.push_str(&sorted);
        }
        w.entries.truncate(self.first_entry);
        w.keys.truncate(self.keys_start);
        w.out.push('\n');
        indent(&mut w.out, self.level);
        w.out.push('}');
        Ok(())
    }
}

serializer_plumbing!();

/// Appends `key` as the text serde_json would make of it as a map key.
fn key_text<T: Serialize + ?Sized>(key: &T, text: &mut String) -> Result<(), Error> {
    crate::yaml_ser::key_text(key, text).map_err(|e| Error(e.to_string()))
}

#[cfg(test)]
mod tests {
    use serde::ser::{SerializeStruct, Serializer};
    use serde_json::json;

    use super::*;

    fn both(v: &serde_json::Value) {
        assert_eq!(
            to_json_pretty(v).unwrap(),
            crate::json_to_string(v),
            "for {v}"
        );
    }

    #[test]
    fn equals_the_json_value_route() {
        for v in [
            json!({"b": [1, {"w": true, "x": "s"}, [2]], "a": {}, "c": []}),
            json!([]),
            json!({}),
            json!("yes"),
            json!(3.5),
            json!(null),
            json!([[], {}, [[1]], [{"a": {"b": []}}], {"k": [{}]}]),
            json!({"s": {"script": "#!/bin/sh\necho \"hi\"\\\n\nexit 0\t\r\n", "u": "a\u{1}\u{1f}\u{7f}\u{8}\u{c}é\u{2028}/"}}),
            json!({"k\u{8}\"".repeat(60): 1, "l": [{"k\u{8}".repeat(60): {"x": [1]}}]}),
            json!({"0755": "0755", "on": "off", "": "", "a: b": "#c", "x": [1.0, -2, 1e300, 0.1, u64::MAX, i64::MIN]}),
            json!([{"a": [{"b": {"c": "d"}}, "e"], "f": {"g": [[{"h": 1, "i": 2}]]}}]),
        ] {
            both(&v);
        }
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
            st.serialize_field("beta", &f64::NAN)?;
            st.end()
        }
    }

    #[test]
    fn fields_out_of_order_are_sorted_like_the_json_value() {
        for depth in 0..4 {
            let direct = to_json_pretty(&Unordered(depth)).unwrap();
            let via_value = crate::json_to_string(&serde_json::to_value(Unordered(depth)).unwrap());
            assert_eq!(direct, via_value);
        }
        assert_eq!(
            to_json_pretty(&Unordered(0)).unwrap(),
            "{\n  \"alpha\": [],\n  \"beta\": null,\n  \"zeta\": \"z\"\n}\n"
        );
    }

    #[test]
    fn non_scalar_keys_are_refused_and_leave_nothing() {
        let mut m = std::collections::BTreeMap::new();
        m.insert(vec![1], 2);
        assert!(to_json_pretty(&m).is_err());
        let mut writer = JsonWriter::new();
        writer.push_str("[");
        assert!(
            writer
                .write(&[json!({"b": 1, "a": 2}), json!(m.len())])
                .is_ok()
        );
        assert!(writer.write(&[&m]).is_err());
        writer.push_str("]");
        assert_eq!(
            writer.finish(),
            "[[\n  {\n    \"a\": 2,\n    \"b\": 1\n  },\n  1\n]]"
        );
    }

    #[test]
    fn a_value_nested_by_hand_is_indented_like_the_whole() {
        let item = json!({"z": [1], "a": {"b": "c"}});
        let mut writer = JsonWriter::new();
        writer.push_str("{\n  \"items\": [\n    ");
        writer.write_at(&item, 4).unwrap();
        writer.push_str("\n  ]\n}\n");
        assert_eq!(
            writer.finish(),
            crate::json_to_string(&json!({ "items": [item] }))
        );
    }
}
