//! A fast reader for the YAML that manifests are written in, beside
//! saphyr-parser.
//!
//! It reads a strict subset: block mappings with plain keys (inner spaces
//! allowed) or quoted keys on one line without escapes, block sequences
//! (indented or not), plain scalars on one line, single- and double-quoted
//! scalars on one line without escapes, literal block scalars (`|`, `|-`,
//! `|+`), flow collections on one line (`[a, b]`, `{name: x}`), anchors
//! (`&name`) on values and aliases (`*name`) as values, with comments and
//! blank lines anywhere. It produces the very events, with the very
//! positions and anchor ids, that saphyr-parser produces for such a text,
//! and gives up (returns `None`) on anything else: tabs, CR, non-ASCII,
//! anchors on keys, aliases as keys or to an anchor not yet defined, tags,
//! folded scalars, multi-line plain or quoted scalars, escapes, document
//! markers, JSON, a text not ending in a line break, or anything it is not
//! sure of. The caller then reads the text with saphyr-parser, which
//! makes every error message and every rarer construct its business: this
//! reader never reports an error of its own.
//!
//! It is linear in the text: every step moves forward, and nesting is capped
//! ([`MAX_NESTING`]) so that recursion stays shallow. The differential test
//! (`tests/fast_yaml.rs`) holds it to saphyr-parser's events and spans over
//! every manifest in the repository and mutations of them.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, ScalarStyle};

use crate::location::Location;

/// An event with the locations of its first character and just past its
/// last, as the tree builder takes them.
pub(crate) type Located<'a> = (Event<'a>, Location, Location);

/// Deepest nesting this reader follows; deeper texts go to saphyr-parser
/// (and meet the loader's depth limit there).
const MAX_NESTING: usize = 64;

/// Longest plain key this reader takes (saphyr-parser refuses implicit keys
/// over 1024 characters).
const MAX_KEY: usize = 1000;

/// Longest anchor or alias name this reader takes.
const MAX_ANCHOR: usize = 1000;

/// An anchor read before a node: its id (as saphyr-parser numbers anchors,
/// from 1 in the order they appear) and where its `&` and its name's end
/// are.
#[derive(Clone, Copy)]
struct Anchor {
    id: usize,
    start: Location,
    end: Location,
}

/// The id an optional anchor gives its node's event (0 for none).
fn id(anchor: Option<Anchor>) -> usize {
    anchor.map_or(0, |a| a.id)
}

// The bytes of a plain key (`Reader::plain_key_end`) but the space: ASCII
// letters and digits, `_`, `-`, `.` and `/`, the bytes of a word.
use crate::yaml_scalar::WORD_BYTE as KEY_BYTE;

/// Where the reader's events go, as it reads them.
pub(crate) trait Sink<'a> {
    /// Takes the next event, located.
    fn event(&mut self, event: Event<'a>, start: Location, end: Location);
}

impl<'a> Sink<'a> for Vec<Located<'a>> {
    fn event(&mut self, event: Event<'a>, start: Location, end: Location) {
        self.push((event, start, end));
    }
}

/// The events of `text`, or `None` when this reader does not take the text.
pub(crate) fn events(text: &str) -> Option<Vec<Located<'_>>> {
    let mut out = Vec::with_capacity(text.len() / 8);
    read(text, &mut out)?;
    Some(out)
}

/// Reads `text` into `sink`; `None` when this reader does not take the
/// text, the sink then holding the events of a part of it.
pub(crate) fn read<'a>(text: &'a str, sink: &mut impl Sink<'a>) -> Option<()> {
    let b = text.as_bytes();
    if b.last() != Some(&b'\n') {
        return None;
    }
    // Printable ASCII and LF only; JSON (and flow documents) go the other way.
    if !printable_ascii(b) {
        return None;
    }
    let mut r = Reader {
        text,
        b,
        pos: 0,
        line: 1,
        line_start: 0,
        depth: 0,
        anchors: HashMap::new(),
        next_anchor: 1,
        out: sink,
    };
    r.out.event(
        Event::DocumentStart(false),
        Location::new(1, 1),
        Location::new(1, 1),
    );
    match r.next_content()? {
        Some(0) => {}
        _ => return None,
    }
    let next = if r.is_entry(r.pos) {
        r.block_seq(0, None, None)?
    } else {
        r.block_map(0, None)?
    };
    if next.is_some() {
        return None;
    }
    Some(())
}

/// Whether every byte is printable ASCII or LF. Checked 64 bytes at a time
/// without stopping early inside a block, so that the compiler vectorizes it
/// (a byte-by-byte `any` cost 11 instructions a byte).
fn printable_ascii(b: &[u8]) -> bool {
    let bad = |c: u8| (c != b'\n') & !(0x20..0x7f).contains(&c);
    let mut blocks = b.chunks_exact(64);
    for block in blocks.by_ref() {
        if block.iter().fold(false, |acc, &c| acc | bad(c)) {
            return false;
        }
    }
    !blocks.remainder().iter().any(|&c| bad(c))
}

struct Reader<'a, 's, S> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    /// Line of `pos`, from 1.
    line: usize,
    /// Byte where that line starts.
    line_start: usize,
    depth: usize,
    /// The anchors defined so far, by name: the id of the latest of each.
    anchors: HashMap<&'a str, usize>,
    /// The id the next anchor takes.
    next_anchor: usize,
    out: &'s mut S,
}

impl<'a, S: Sink<'a>> Reader<'a, '_, S> {
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(b'\n')
    }

    /// The location of byte `i` on the current line.
    fn loc(&self, i: usize) -> Location {
        Location::new(self.line, i - self.line_start + 1)
    }

    fn push(&mut self, event: Event<'a>, start: usize, end: usize) {
        let (s, e) = (self.loc(start), self.loc(end));
        self.out.event(event, s, e);
    }

    /// Pushes the event of a node from `start` to `end` on the current
    /// line, or from its anchor's `&` when it has one.
    fn push_node(&mut self, event: Event<'a>, anchor: Option<Anchor>, start: usize, end: usize) {
        let s = anchor.map_or_else(|| self.loc(start), |a| a.start);
        let e = self.loc(end);
        self.out.event(event, s, e);
    }

    /// The end of the anchor or alias name after the `&` or `*` at `i`:
    /// letters, digits, `_`, `-` and `.` up to a space, a line break or a
    /// flow indicator (which end a name for saphyr-parser); `None` for an
    /// empty or long name or any other character in it.
    fn name_end(&self, i: usize) -> Option<usize> {
        let mut j = i + 1;
        while matches!(self.at(j), b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' | b'.') {
            j += 1;
        }
        (j > i + 1
            && j - i <= MAX_ANCHOR
            && matches!(self.at(j), b' ' | b'\n' | b',' | b'[' | b']' | b'{' | b'}'))
        .then_some(j)
    }

    /// The anchor whose `&` is at `pos`, defined (so numbered) here; `pos`
    /// moves past its name, which a space must follow (or, in block
    /// context, a line break).
    fn anchor(&mut self, flow: bool) -> Option<Anchor> {
        let start = self.pos;
        let end = self.name_end(start)?;
        if !(self.at(end) == b' ' || (!flow && self.at(end) == b'\n')) {
            return None;
        }
        let id = self.next_anchor;
        self.next_anchor += 1;
        self.anchors.insert(&self.text[start + 1..end], id);
        self.pos = end;
        Some(Anchor {
            id,
            start: self.loc(start),
            end: self.loc(end),
        })
    }

    /// The alias whose `*` is at `pos`, to an anchor defined before it;
    /// `pos` moves past its name.
    fn alias(&mut self) -> Option<()> {
        let start = self.pos;
        let end = self.name_end(start)?;
        let id = *self.anchors.get(&self.text[start + 1..end])?;
        self.push(Event::Alias(id), start, end);
        self.pos = end;
        Some(())
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_NESTING).then_some(())
    }

    /// Moves `pos` past the line break at `pos`.
    fn newline(&mut self) {
        self.pos += 1;
        self.line += 1;
        self.line_start = self.pos;
    }

    /// From the start of a line, skips blank and comment lines: `Some(indent)`
    /// with `pos` on the first character of the next content line, or `None`
    /// at the end of the text.
    fn next_content(&mut self) -> Option<Option<usize>> {
        loop {
            let mut i = self.pos;
            while self.at(i) == b' ' {
                i += 1;
            }
            if i >= self.b.len() {
                self.pos = i;
                return Some(None);
            }
            match self.b[i] {
                b'\n' => {
                    self.pos = i;
                    self.newline();
                }
                b'#' => {
                    self.pos = self.line_end(i);
                    self.newline();
                }
                _ => {
                    let indent = i - self.line_start;
                    if indent == 0 {
                        let rest = &self.b[i..];
                        if rest.starts_with(b"---") || rest.starts_with(b"...") {
                            return None;
                        }
                    }
                    self.pos = i;
                    return Some(Some(indent));
                }
            }
        }
    }

    /// The line break at or after `i`.
    fn line_end(&self, i: usize) -> usize {
        self.b[i..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(self.b.len(), |p| i + p)
    }

    /// Whether a block sequence entry (`-` then a space or a line break)
    /// starts at `i`.
    fn is_entry(&self, i: usize) -> bool {
        self.at(i) == b'-' && matches!(self.at(i + 1), b' ' | b'\n')
    }

    /// After a token ending at `i`: past the spaces and a comment that
    /// follow it on its line (where the reader's next token would start
    /// looking), or `None` for a `#` that is not a comment.
    fn skip_trailing(&self, mut i: usize) -> Option<usize> {
        let from = i;
        while self.at(i) == b' ' {
            i += 1;
        }
        if self.at(i) == b'#' {
            if i == from {
                return None;
            }
            i = self.line_end(i);
        }
        Some(i)
    }

    /// The key of a block mapping starting at `start`, with its `:` then
    /// a space or a line break after it: where the `:` is, the key's text
    /// and style; or `None` when no key this reader takes starts there.
    fn key(&self, start: usize) -> Option<(usize, &'a str, ScalarStyle)> {
        let (colon, text, style) = match self.at(start) {
            b'"' | b'\'' => {
                let close = self.quoted_key(start)?;
                let style = if self.at(start) == b'"' {
                    ScalarStyle::DoubleQuoted
                } else {
                    ScalarStyle::SingleQuoted
                };
                (close + 1, &self.text[start + 1..close], style)
            }
            _ => {
                let end = self.plain_key_end(start)?;
                (end, &self.text[start..end], ScalarStyle::Plain)
            }
        };
        (colon - start <= MAX_KEY
            && self.at(colon) == b':'
            && matches!(self.at(colon + 1), b' ' | b'\n'))
        .then_some((colon, text, style))
    }

    /// Whether a block mapping's key starts at `start`.
    fn is_key(&self, start: usize) -> bool {
        self.key(start).is_some()
    }

    /// The end of a plain key starting at `start`: letters, digits, `_`,
    /// `-`, `.` and `/`, with single spaces inside (each followed by a
    /// letter, a digit or `_`); a first `-` or `.` must be followed by one
    /// of those too. The caller checks for the `:` after it.
    fn plain_key_end(&self, start: usize) -> Option<usize> {
        let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        let mut i = start;
        if matches!(self.at(i), b'-' | b'.') && !word(self.at(i + 1)) {
            return None;
        }
        loop {
            let c = self.at(i);
            if KEY_BYTE[usize::from(c)] || (c == b' ' && i > start && word(self.at(i + 1))) {
                i += 1;
            } else {
                break;
            }
        }
        (i > start).then_some(i)
    }

    /// The closing quote of a quoted key whose opening quote is at
    /// `start`: on its line, without escapes (nor `''`), a `:` right after
    /// it.
    fn quoted_key(&self, start: usize) -> Option<usize> {
        let q = self.at(start);
        let mut i = start + 1;
        loop {
            match self.at(i) {
                b'\n' | b'\\' => return None,
                c if c == q => break,
                _ => i += 1,
            }
        }
        (self.at(i + 1) == b':').then_some(i)
    }

    /// A block mapping whose first key is at `pos`, in column `indent`.
    /// Returns what follows it: the indent of the next content line, or
    /// `None` at the end of the text.
    fn block_map(&mut self, indent: usize, anchor: Option<Anchor>) -> Option<Option<usize>> {
        self.enter()?;
        self.push_node(
            Event::MappingStart(id(anchor), None),
            anchor,
            self.pos,
            self.pos,
        );
        let next = loop {
            let start = self.pos;
            let (end, key, style) = self.key(start)?;
            self.push(
                Event::Scalar(Cow::Borrowed(key), style, 0, None),
                start,
                end,
            );
            self.pos = end + 1;
            let next = self.value(indent, end, false)?;
            match next {
                Some(m) if m == indent => continue,
                Some(m) if m > indent => return None,
                _ => break next,
            }
        };
        self.push(Event::MappingEnd, self.pos, self.pos);
        self.depth -= 1;
        Some(next)
    }

    /// A block sequence whose first `-` is at `pos`, in column `indent`;
    /// `parent` is the indent of the mapping it is the value of, if it is
    /// not indented beyond it (the sequence then starts at its first item).
    fn block_seq(
        &mut self,
        indent: usize,
        parent: Option<usize>,
        anchor: Option<Anchor>,
    ) -> Option<Option<usize>> {
        self.enter()?;
        // An indentless sequence starts where its first item's token
        // does: past the spaces and comment after the dash.
        let start = match parent {
            Some(_) => self.skip_trailing(self.pos + 1)?,
            None => self.pos,
        };
        self.push_node(Event::SequenceStart(id(anchor), None), anchor, start, start);
        let next = loop {
            let dash = self.pos;
            self.pos = dash + 1;
            let next = self.value(indent, dash, true)?;
            match next {
                Some(m) if m == indent && self.is_entry(self.pos) => continue,
                Some(m) if m == indent && parent.is_none() => return None,
                Some(m) if m > indent => return None,
                _ => break next,
            }
        };
        self.push(Event::SequenceEnd, self.pos, self.pos);
        self.depth -= 1;
        Some(next)
    }

    /// The value after a key's `:` or an entry's `-` (`pos` just past it),
    /// of a collection in column `n`; `mark` is the `:` or `-`. Returns what
    /// follows, as [`Reader::block_map`] does.
    fn value(&mut self, n: usize, mark: usize, entry: bool) -> Option<Option<usize>> {
        let token = self.skip_trailing(self.pos)?;
        if self.at(token) == b'\n' {
            return self.below(n, mark, entry, None, token);
        }
        if token == self.pos {
            // `key:x` or `-x`: not a value separator after all.
            return None;
        }
        self.pos = token;
        let mut anchor = None;
        if self.at(token) == b'&' {
            let a = self.anchor(false)?;
            let next = self.skip_trailing(self.pos)?;
            if self.at(next) == b'\n' {
                // `key: &a` then a node below, or empty.
                return self.below(n, mark, entry, Some(a), next);
            }
            self.pos = next;
            anchor = Some(a);
        }
        let token = self.pos;
        match self.at(token) {
            _ if entry && self.is_key(token) => {
                // A compact mapping in a sequence item: `- name: x` (an
                // anchor before it would be the key's).
                if anchor.is_some() {
                    return None;
                }
                return self.block_map(token - self.line_start, None);
            }
            b'|' => return self.literal(n, anchor),
            b'[' | b'{' => self.flow(true, anchor)?,
            b'"' | b'\'' => {
                self.quoted(false, anchor)?;
                if self.at(self.pos) != b'\n' {
                    return None;
                }
            }
            b'*' if anchor.is_none() => {
                self.alias()?;
                // Only a comment may follow (`*a :` would make it a key).
                self.pos = self.skip_trailing(self.pos)?;
            }
            _ => self.plain_block(anchor)?,
        }
        // The rest of the line was read; the next content line may not be
        // deeper (that would continue a plain scalar, or be an error).
        if self.at(self.pos) != b'\n' {
            return None;
        }
        if self.pos < self.b.len() {
            self.newline();
        }
        let next = self.next_content()?;
        match next {
            Some(m) if m > n => None,
            _ => Some(next),
        }
    }

    /// A value with nothing more on its line (its anchor, if any, read;
    /// `token` at the line break): a collection on the lines below, or an
    /// empty scalar. The arguments are [`Reader::value`]'s.
    fn below(
        &mut self,
        n: usize,
        mark: usize,
        entry: bool,
        anchor: Option<Anchor>,
        token: usize,
    ) -> Option<Option<usize>> {
        let empty_at = if entry { token } else { mark };
        let empty = self.loc(empty_at);
        self.pos = token;
        if token < self.b.len() {
            self.newline();
        }
        let next = self.next_content()?;
        match next {
            Some(m) if m > n => {
                if self.is_entry(self.pos) {
                    self.block_seq(m, None, anchor)
                } else {
                    self.block_map(m, anchor)
                }
            }
            Some(m) if m == n && !entry && self.is_entry(self.pos) => {
                self.block_seq(m, Some(n), anchor)
            }
            _ => {
                // An empty scalar: where the `:` or the `-`'s line break
                // is, or the span of its anchor.
                let (start, end) = anchor.map_or((empty, empty), |a| (a.start, a.end));
                self.out.event(
                    Event::Scalar(Cow::Borrowed(""), ScalarStyle::Plain, id(anchor), None),
                    start,
                    end,
                );
                Some(next)
            }
        }
    }

    /// A plain scalar in block context at `pos`, to the end of its line.
    fn plain_block(&mut self, anchor: Option<Anchor>) -> Option<()> {
        let start = self.pos;
        let c = self.at(start);
        if matches!(
            c,
            b'[' | b']'
                | b'{'
                | b'}'
                | b','
                | b'#'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
                | b'?'
                | b':'
        ) || (c == b'-' && matches!(self.at(start + 1), b' ' | b'\n'))
        {
            return None;
        }
        let eol = self.line_end(start);
        let line = &self.b[start..eol];
        // The scalar ends at a comment (` #`) or the line's end.
        let mut end = line
            .windows(2)
            .position(|w| w == b" #")
            .map_or(eol, |p| start + p);
        while end > start && self.b[end - 1] == b' ' {
            end -= 1;
        }
        let body = &self.b[start..end];
        if body.ends_with(b":") || body.windows(2).any(|w| w == b": ") {
            return None;
        }
        self.push_node(
            Event::Scalar(
                Cow::Borrowed(&self.text[start..end]),
                ScalarStyle::Plain,
                id(anchor),
                None,
            ),
            anchor,
            start,
            end,
        );
        self.pos = eol;
        Some(())
    }

    /// A quoted scalar at `pos`, on one line, without escapes; `pos` moves
    /// past it and what [`Reader::skip_trailing`] skips. In a flow
    /// collection (`flow`) it may be followed by more on its line.
    fn quoted(&mut self, flow: bool, anchor: Option<Anchor>) -> Option<()> {
        let start = self.pos;
        let q = self.at(start);
        let mut i = start + 1;
        let mut escaped = false;
        loop {
            match self.at(i) {
                b'\n' => return None,
                b'\\' if q == b'"' => return None,
                c if c == q => {
                    if q == b'\'' && self.at(i + 1) == b'\'' {
                        escaped = true;
                        i += 2;
                        continue;
                    }
                    break;
                }
                _ => i += 1,
            }
        }
        let inner = &self.text[start + 1..i];
        let owned = escaped.then(|| inner.replace("''", "'"));
        let close = i + 1;
        let text: Cow<'a, str> = match owned {
            Some(s) => Cow::Owned(s),
            None => Cow::Borrowed(inner),
        };
        let style = if q == b'"' {
            ScalarStyle::DoubleQuoted
        } else {
            ScalarStyle::SingleQuoted
        };
        if self.at(close) == b':' {
            return None;
        }
        let end = if flow {
            // In a flow collection, a comment cannot follow on this line.
            let mut e = close;
            while self.at(e) == b' ' {
                e += 1;
            }
            e
        } else {
            self.skip_trailing(close)?
        };
        self.push_node(
            Event::Scalar(text, style, id(anchor), None),
            anchor,
            start,
            end,
        );
        self.pos = end;
        Some(())
    }

    /// A literal block scalar whose `|` is at `pos`, in a collection in
    /// column `n`. Returns what follows, as [`Reader::block_map`] does.
    fn literal(&mut self, n: usize, anchor: Option<Anchor>) -> Option<Option<usize>> {
        let mut i = self.pos + 1;
        let chomp = self.at(i);
        if matches!(chomp, b'-' | b'+') {
            i += 1;
        }
        let eol = self.skip_trailing(i)?;
        if self.at(eol) != b'\n' || (eol == i && self.at(i) != b'\n') {
            return None;
        }
        if eol >= self.b.len() {
            return None;
        }
        self.pos = eol;
        self.newline();
        // The first line sets the indentation: it must hold text, deeper
        // than the collection.
        let mut k = 0;
        while self.at(self.pos + k) == b' ' {
            k += 1;
        }
        if self.pos + k >= self.b.len() || self.at(self.pos + k) == b'\n' || k <= n {
            return None;
        }
        let ci = k;
        let start = anchor.map_or_else(|| self.loc(self.pos + ci), |a| a.start);
        let mut body = String::new();
        let mut blank = 0usize;
        let end = loop {
            let ls = self.pos;
            let mut k = 0;
            while self.at(ls + k) == b' ' {
                k += 1;
            }
            if ls + k >= self.b.len() {
                self.pos = ls + k;
                if k > 0 {
                    // Spaces and no line break at the end: not taken.
                    return None;
                }
                break self.loc(self.pos);
            }
            if self.b[ls + k] == b'\n' {
                if k > ci {
                    return None;
                }
                blank += 1;
                self.pos = ls + k;
                self.newline();
                continue;
            }
            if k < ci {
                // The first line back out ends the scalar, where its first
                // character is (a comment's `#` included).
                let at = self.loc(ls + k);
                self.pos = ls;
                break at;
            }
            for _ in 0..blank {
                body.push('\n');
            }
            blank = 0;
            let eol = self.line_end(ls);
            body.push_str(&self.text[ls + ci..eol]);
            body.push('\n');
            self.pos = eol;
            self.newline();
        };
        match chomp {
            b'-' => {
                body.pop();
            }
            b'+' => {
                for _ in 0..blank {
                    body.push('\n');
                }
            }
            _ => {}
        }
        self.out.event(
            Event::Scalar(Cow::Owned(body), ScalarStyle::Literal, id(anchor), None),
            start,
            end,
        );
        let next = self.next_content()?;
        match next {
            Some(m) if m > n => None,
            _ => Some(next),
        }
    }

    /// A flow collection on one line at `pos`; `pos` moves past it and
    /// the spaces after it, and, for the outermost (`outer`), a comment
    /// after those.
    fn flow(&mut self, outer: bool, anchor: Option<Anchor>) -> Option<()> {
        self.enter()?;
        let map = self.at(self.pos) == b'{';
        let close = if map { b'}' } else { b']' };
        let (start_event, end_event) = if map {
            (Event::MappingStart(id(anchor), None), Event::MappingEnd)
        } else {
            (Event::SequenceStart(id(anchor), None), Event::SequenceEnd)
        };
        let start = self.pos;
        self.pos += 1;
        self.spaces();
        self.push_node(start_event, anchor, start, self.pos);
        if self.at(self.pos) != close {
            loop {
                if map {
                    match self.at(self.pos) {
                        b'"' | b'\'' => {
                            // A quoted key, its `:` right after it.
                            let start = self.pos;
                            let close = self.quoted_key(start)?;
                            if close - start > MAX_KEY {
                                return None;
                            }
                            let style = if self.at(start) == b'"' {
                                ScalarStyle::DoubleQuoted
                            } else {
                                ScalarStyle::SingleQuoted
                            };
                            let key = &self.text[start + 1..close];
                            self.push(
                                Event::Scalar(Cow::Borrowed(key), style, 0, None),
                                start,
                                close + 1,
                            );
                            self.pos = close + 1;
                        }
                        _ => self.flow_plain(true, None)?,
                    }
                    // `key:` then a space (flow_plain stopped at the `:`).
                    if self.at(self.pos) != b':' || self.at(self.pos + 1) != b' ' {
                        return None;
                    }
                    self.pos += 1;
                    self.spaces();
                }
                let anchor = if self.at(self.pos) == b'&' {
                    let a = self.anchor(true)?;
                    self.spaces();
                    Some(a)
                } else {
                    None
                };
                match self.at(self.pos) {
                    b'[' | b'{' => self.flow(false, anchor)?,
                    b'"' | b'\'' => self.quoted(true, anchor)?,
                    b'*' if anchor.is_none() => self.alias()?,
                    _ => self.flow_plain(false, anchor)?,
                }
                self.spaces();
                match self.at(self.pos) {
                    b',' => {
                        self.pos += 1;
                        self.spaces();
                        if matches!(self.at(self.pos), b']' | b'}' | b',') {
                            return None;
                        }
                    }
                    c if c == close => break,
                    _ => return None,
                }
            }
        }
        let end = self.pos;
        let after = if outer {
            self.skip_trailing(end + 1)?
        } else {
            self.pos = end + 1;
            self.spaces();
            self.pos
        };
        self.push(end_event, end, after);
        self.pos = after;
        self.depth -= 1;
        Some(())
    }

    fn spaces(&mut self) {
        while self.at(self.pos) == b' ' {
            self.pos += 1;
        }
    }

    /// A plain scalar in a flow collection at `pos`: a key (`key`, ended by
    /// `: `) or a value (ended by `,`, `]` or `}`). `pos` moves to where it
    /// ends (before any spaces).
    fn flow_plain(&mut self, key: bool, anchor: Option<Anchor>) -> Option<()> {
        let start = self.pos;
        let c = self.at(start);
        if matches!(
            c,
            b'[' | b']'
                | b'{'
                | b'}'
                | b','
                | b'#'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
                | b'?'
                | b':'
                | b'\n'
        ) || (c == b'-'
            && matches!(
                self.at(start + 1),
                b' ' | b',' | b'[' | b']' | b'{' | b'}' | b'\n'
            ))
        {
            return None;
        }
        let mut i = start;
        loop {
            match self.at(i) {
                b',' | b']' | b'}' | b'\n' => break,
                b':' if key => break,
                b':' | b'#' | b'[' | b'{' | b'"' | b'\'' => return None,
                // An indicator after a space (`x -}`): saphyr-parser may
                // read it as one.
                b'-' | b'?' if self.b[i - 1] == b' ' => return None,
                _ => i += 1,
            }
        }
        let mut end = i;
        while end > start && self.b[end - 1] == b' ' {
            end -= 1;
        }
        if end == start || (key && end != i) {
            return None;
        }
        self.push_node(
            Event::Scalar(
                Cow::Borrowed(&self.text[start..end]),
                ScalarStyle::Plain,
                id(anchor),
                None,
            ),
            anchor,
            start,
            end,
        );
        self.pos = end;
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::printable_ascii;

    #[test]
    fn printable_ascii_finds_any_other_byte_wherever_it_is() {
        for len in [0, 1, 63, 64, 65, 130, 200] {
            let good: Vec<u8> = (0..len).map(|i| b" ~a\nZ0"[i % 6]).collect();
            assert!(printable_ascii(&good), "len {len}");
            for at in 0..len {
                for bad in [b'\t', b'\r', 0x1f, 0x7f, 0x80, 0xff, 0] {
                    let mut text = good.clone();
                    text[at] = bad;
                    assert!(!printable_ascii(&text), "len {len}, {bad:#x} at {at}");
                }
            }
        }
    }
}
