//! A compact byte form for passing results between processes of one build:
//! `planton validate` hands the files of a batch to worker processes and
//! takes their [`FileResult`](crate::report::FileResult)s back this way.
//!
//! Not a stable format: both sides must be the same build. Numbers are
//! LEB128 varints, byte strings their length then their bytes. Reading
//! never panics and never allocates more than the bytes it was given could
//! hold: anything malformed reads as `None`.
//!
//! ```
//! use planton_manifest::wire::{Reader, Writer};
//!
//! let mut bytes = Vec::new();
//! let mut w = Writer::new(&mut bytes);
//! w.u64(300);
//! w.str("job.yaml");
//! let mut r = Reader::new(&bytes);
//! assert_eq!(r.u64(), Some(300));
//! assert_eq!(r.str(), Some("job.yaml"));
//! assert!(r.is_empty());
//! ```

/// Appends values to a byte buffer.
#[derive(Debug)]
pub struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> Writer<'a> {
    /// A writer appending to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        Writer { out }
    }

    /// One byte.
    pub fn u8(&mut self, v: u8) {
        self.out.push(v);
    }

    /// A number, as a varint (one byte below 128).
    pub fn u64(&mut self, mut v: u64) {
        while v >= 0x80 {
            // The low seven bits, with the bit that says more follow.
            self.out.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.out.push(v as u8);
    }

    /// A length or count.
    pub fn usize(&mut self, v: usize) {
        self.u64(v as u64);
    }

    /// A flag, as one byte.
    pub fn bool(&mut self, v: bool) {
        self.u8(u8::from(v));
    }

    /// A byte string: its length, then its bytes.
    pub fn bytes(&mut self, v: &[u8]) {
        self.usize(v.len());
        self.out.extend_from_slice(v);
    }

    /// A string, as [`Writer::bytes`].
    pub fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }

    /// An optional value: a flag, then the value if there is one.
    pub fn option<T>(&mut self, v: Option<&T>, mut put: impl FnMut(&mut Self, &T)) {
        self.bool(v.is_some());
        if let Some(v) = v {
            put(self, v);
        }
    }

    /// A list: its length, then each item.
    pub fn list<T>(&mut self, items: &[T], mut put: impl FnMut(&mut Self, &T)) {
        self.usize(items.len());
        for item in items {
            put(self, item);
        }
    }
}

/// Reads values from the front of a byte slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// One byte.
    pub fn u8(&mut self) -> Option<u8> {
        let (&first, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(first)
    }

    /// A number written by [`Writer::u64`]; `None` past ten bytes or 64 bits.
    pub fn u64(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            let bits = u64::from(byte & 0x7f);
            // The tenth byte holds one bit.
            if shift == 63 && bits > 1 {
                return None;
            }
            v |= bits << shift;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    /// A length or count; `None` if it does not fit a `usize`.
    pub fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }

    /// A flag: `None` for a byte other than 0 or 1.
    pub fn bool(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    /// A byte string, borrowed from the input.
    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = self.usize()?;
        if len > self.rest.len() {
            return None;
        }
        let (bytes, rest) = self.rest.split_at(len);
        self.rest = rest;
        Some(bytes)
    }

    /// A string; `None` if it is not UTF-8.
    pub fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    /// An owned string.
    pub fn string(&mut self) -> Option<String> {
        self.str().map(str::to_owned)
    }

    /// An optional value written by [`Writer::option`].
    pub fn option<T>(&mut self, get: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.bool()? {
            get(self).map(Some)
        } else {
            Some(None)
        }
    }

    /// A list written by [`Writer::list`]. Every item takes at least one
    /// byte, so a count larger than what is left is refused before anything
    /// is allocated; room is made for at most 64 items ahead (an item may
    /// be much larger in memory than its bytes).
    pub fn list<T>(&mut self, mut get: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let len = self.usize()?;
        if len > self.rest.len() {
            return None;
        }
        let mut items = Vec::with_capacity(len.min(64));
        for _ in 0..len {
            items.push(get(self)?);
        }
        Some(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_at_every_width() {
        let values = [
            0,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ];
        let mut bytes = Vec::new();
        let mut w = Writer::new(&mut bytes);
        for v in values {
            w.u64(v);
        }
        // One byte below 128, ten for the largest.
        assert_eq!(bytes[0], 0);
        assert_eq!(bytes.len(), 1 + 1 + 1 + 2 + 2 + 2 + 3 + 5 + 10);
        let mut r = Reader::new(&bytes);
        for v in values {
            assert_eq!(r.u64(), Some(v));
        }
        assert!(r.is_empty());
    }

    #[test]
    fn malformed_input_reads_as_none() {
        // A varint that never ends, or overflows 64 bits.
        assert_eq!(Reader::new(&[0x80; 11]).u64(), None);
        assert_eq!(
            Reader::new(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]).u64(),
            None
        );
        // A length past the end, a count past the end, a bad flag, bad UTF-8.
        assert_eq!(Reader::new(&[5, b'a']).bytes(), None);
        assert_eq!(
            Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x0f]).list(Reader::u8),
            None
        );
        assert_eq!(Reader::new(&[2]).bool(), None);
        assert_eq!(Reader::new(&[2, 0xc3, 0x28]).str(), None);
        assert_eq!(Reader::new(&[]).u8(), None);
    }

    #[test]
    fn options_and_lists_round_trip() {
        let mut bytes = Vec::new();
        let mut w = Writer::new(&mut bytes);
        w.option(Some(&"a"), |w, s| w.str(s));
        w.option(None::<&&str>, |w, s| w.str(s));
        w.list(&[true, false], |w, b| w.bool(*b));
        let mut r = Reader::new(&bytes);
        assert_eq!(r.option(Reader::string), Some(Some("a".to_owned())));
        assert_eq!(r.option(Reader::string), Some(None));
        assert_eq!(r.list(Reader::bool), Some(vec![true, false]));
        assert!(r.is_empty());
    }
}
