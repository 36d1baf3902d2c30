//! A YAML (and JSON) text parsed into a tree of nodes with positions.
//!
//! saphyr-parser supplies the events; this module builds the tree with the
//! limits a service needs against hostile input (alias expansion, depth), the
//! YAML 1.1 merge key `<<` that kubectl understands, and the one-document rule.
//! Scalars keep their text and style: what they *mean* depends on the target
//! field and is decided by the decoder.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;

use planton_text::Excerpt;
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use crate::error::LoadError;
use crate::location::Location;
use crate::spare;
use crate::yaml_fast::{self, Located};

/// Limits applied while parsing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Deepest nesting of collections, aliases expanded.
    pub max_depth: usize,
    /// Most nodes, counting every copy made for an anchor or an alias.
    pub max_nodes: usize,
    /// Most bytes of scalar text copied for anchors and aliases.
    pub max_alias_bytes: usize,
}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Unquoted: its meaning follows YAML 1.1 resolution (kubectl's reading).
    Plain,
    /// Quoted or block: always a string.
    Quoted,
}

/// An explicit core-schema tag on a scalar (`!!str`, `!!int`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CoreTag {
    Str,
    Int,
    Float,
    Bool,
    Null,
}

#[derive(Debug, Clone)]
pub(crate) enum Value<'a> {
    Scalar {
        /// Borrowed from the text where it is written as it reads (no
        /// escapes, folding or line joins), so that keys and most scalars
        /// cost no allocation.
        text: Cow<'a, str>,
        style: Style,
        tag: Option<CoreTag>,
    },
    Seq(Vec<Node<'a>>),
    Map(Vec<(Node<'a>, Node<'a>)>),
}

#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    pub value: Value<'a>,
    pub loc: Location,
    /// Where the node's text ends (exclusive).
    pub end: Location,
}

impl Node<'_> {
    pub fn is_null(&self) -> bool {
        match &self.value {
            Value::Scalar {
                text,
                style: Style::Plain,
                tag: None,
            } => {
                matches!(&**text, "" | "~" | "null" | "Null" | "NULL")
            }
            Value::Scalar {
                tag: Some(CoreTag::Null),
                ..
            } => true,
            _ => false,
        }
    }

    /// A short description for error messages: never the content of a scalar.
    pub fn describe(&self) -> &'static str {
        match &self.value {
            Value::Scalar { .. } if self.is_null() => "null",
            Value::Scalar { .. } => "a scalar",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

fn loc(span: &Span) -> Location {
    Location::new(span.start.line(), span.start.col() + 1)
}

fn end(span: &Span) -> Location {
    Location::new(span.end.line(), span.end.col() + 1)
}

/// What a subtree holds, for the limits of anchors and aliases (kept beside
/// the tree, not in its nodes, so that nodes stay small to move).
#[derive(Clone, Copy)]
struct Counts {
    /// Nodes, itself included.
    size: usize,
    /// Bytes of scalar text (keys included).
    bytes: usize,
    /// Levels of collections: 0 for a scalar.
    height: usize,
}

impl Counts {
    /// An empty collection.
    fn new() -> Self {
        Counts {
            size: 1,
            bytes: 0,
            height: 1,
        }
    }

    /// A scalar of `bytes` bytes.
    fn scalar(bytes: usize) -> Self {
        Counts {
            size: 1,
            bytes,
            height: 0,
        }
    }

    /// Adds a child's subtree to a collection's.
    fn add(&mut self, child: Counts) {
        self.size = self.size.saturating_add(child.size);
        self.bytes = self.bytes.saturating_add(child.bytes);
        self.height = self.height.max(child.height.saturating_add(1));
    }
}

/// A collection being built. Its children so far are the builder's pending
/// nodes from `start` on (a mapping's keys and values in turn): one list for
/// the whole tree, so that a collection's own list is made once, at its end,
/// at its size.
struct Frame {
    map: bool,
    start: usize,
    loc: Location,
    anchor: usize,
    counts: Counts,
}

/// The copies made for anchors and aliases, against their budgets.
struct Budget {
    limits: Limits,
    /// Nodes, input and copies.
    nodes: usize,
    /// Bytes of scalar text copied.
    alias_bytes: usize,
}

impl Budget {
    /// Charges a copy of a subtree of `counts`, made at `at`.
    fn copy(&mut self, counts: Counts, at: Location) -> Result<(), LoadError> {
        self.nodes = self.nodes.saturating_add(counts.size);
        self.alias_bytes = self.alias_bytes.saturating_add(counts.bytes);
        if self.nodes > self.limits.max_nodes {
            return Err(LoadError::TooManyNodes {
                limit: self.limits.max_nodes,
                location: at,
            });
        }
        if self.alias_bytes > self.limits.max_alias_bytes {
            return Err(LoadError::TooManyAliasBytes {
                limit: self.limits.max_alias_bytes,
                location: at,
            });
        }
        Ok(())
    }
}

/// A text made ready for the reader ([`prepare`]): the tree read from it
/// borrows its scalars from it.
pub(crate) struct Source<'t> {
    text: Cow<'t, str>,
    pairs: Pairs,
}

/// `text` made ready for the reader: a JSON document's tabs and surrogate
/// pairs rewritten ([`json_as_yaml`]), any other text as it is.
pub(crate) fn prepare(text: &str) -> Result<Source<'_>, LoadError> {
    let (text, pairs) = json_as_yaml(text)?;
    Ok(Source { text, pairs })
}

impl Source<'_> {
    /// Parses the text into the tree of its single document, by the fast
    /// reader when it takes the text (and `fast` is true), else by
    /// saphyr-parser.
    ///
    /// Every location in the tree and in the error is in the characters of
    /// the text as written, JSON surrogate pairs included.
    ///
    /// Also returns the number of nodes in the tree (aliases expanded).
    pub fn parse(&self, limits: Limits, fast: bool) -> Result<(Node<'_>, usize), LoadError> {
        let result = parse_prepared(&self.text, limits, fast);
        if self.pairs.is_empty() {
            return result;
        }
        match result {
            Ok((mut root, size)) => {
                self.pairs.shift_tree(&mut root);
                Ok((root, size))
            }
            Err(mut e) => {
                if let Some(location) = e.location_mut() {
                    *location = self.pairs.apply(*location);
                }
                Err(e)
            }
        }
    }
}

/// [`parse`] of a text prepared by [`json_as_yaml`]: by the fast reader
/// when it takes the text, else by saphyr-parser.
fn parse_prepared(text: &str, limits: Limits, fast: bool) -> Result<(Node<'_>, usize), LoadError> {
    if fast {
        // The fast reader feeds the builder as it reads; when it gives up,
        // what it built is dropped and saphyr-parser reads the text.
        let mut builder = Builder::new(limits);
        if yaml_fast::read(text, &mut builder).is_some() {
            return builder.finish();
        }
    }
    build(saphyr_events(text, limits), limits)
}

/// saphyr-parser's events of `text`, located, its errors as load errors.
fn saphyr_events(
    text: &str,
    limits: Limits,
) -> impl Iterator<Item = Result<Located<'_>, LoadError>> {
    let mut parser = Parser::new_from_str(text);
    std::iter::from_fn(move || {
        let event = parser.next_event()?;
        Some(
            event
                .map(|(event, span)| (event, loc(&span), end(&span)))
                .map_err(|e| {
                    let location = Location::new(e.marker().line(), e.marker().col() + 1);
                    // The scanner has its own nesting limit for flow collections,
                    // which it may hit while scanning ahead of the events.
                    if e.info().contains("recursion limit") {
                        LoadError::TooDeep {
                            limit: limits.max_depth,
                            location,
                        }
                    } else {
                        LoadError::Syntax {
                            message: e.info().to_owned(),
                            location,
                        }
                    }
                }),
        )
    })
}

/// The events the tree is built from, as the fast reader gives them
/// (stream and document-end events left out), read by saphyr-parser or
/// `None` for an error; and those of the fast reader, or `None` when it
/// does not take the text. For the differential test of the two.
pub(crate) fn both_readers(text: &str) -> (Option<Vec<Located<'_>>>, Option<Vec<Located<'_>>>) {
    let full: Option<Vec<Located<'_>>> = saphyr_events(
        text,
        Limits {
            max_depth: usize::MAX,
            max_nodes: usize::MAX,
            max_alias_bytes: usize::MAX,
        },
    )
    .filter(|e| {
        !matches!(
            e,
            Ok((
                Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing,
                ..
            ))
        )
    })
    .collect::<Result<_, _>>()
    .ok();
    (full, yaml_fast::events(text))
}

/// Builds the tree from located events, with the limits.
fn build<'a>(
    events: impl Iterator<Item = Result<Located<'a>, LoadError>>,
    limits: Limits,
) -> Result<(Node<'a>, usize), LoadError> {
    let mut builder = Builder::new(limits);
    for event in events {
        let (event, at, stop) = event?;
        builder.step(event, at, stop)?;
    }
    builder.finish()
}

thread_local! {
    /// The thread's pending list from its last tree (see [`crate::spare`]).
    static PENDING: Cell<Vec<Node<'static>>> = const { Cell::new(Vec::new()) };
    /// The thread's stack of collections from its last tree.
    static STACK: Cell<Vec<Frame>> = const { Cell::new(Vec::new()) };
    /// Entry lists of large mappings the decoder is done with, empty (at
    /// most [`SPARE_MAPS`]), for the thread's next trees.
    static MAPS: Cell<Vec<Vec<(Node<'static>, Node<'static>)>>> = const { Cell::new(Vec::new()) };
}

/// From this many entries a mapping's list is a kilobyte or more: with
/// glibc such an allocation consolidates the small free chunks (see
/// [`crate::spare`]), so these lists are taken from [`MAPS`] when it has one.
const LARGE_MAP: usize = 8;

/// The most entry lists kept in [`MAPS`].
const SPARE_MAPS: usize = 4;

/// An empty list for `n` entries of a mapping: for a large mapping, the
/// smallest spare one that fits when there is one.
fn map_entries<'a>(n: usize) -> Vec<(Node<'a>, Node<'a>)> {
    if n < LARGE_MAP {
        return Vec::with_capacity(n);
    }
    let Ok(mut spares) = MAPS.try_with(Cell::take) else {
        return Vec::with_capacity(n);
    };
    let best = (0..spares.len())
        .filter(|&i| spares[i].capacity() >= n)
        .min_by_key(|&i| spares[i].capacity());
    let list = match best {
        Some(i) => spares.swap_remove(i),
        None => Vec::with_capacity(n),
    };
    let _ = MAPS.try_with(|c| c.set(spares));
    list
}

/// Gives a large mapping's entry list back for the thread's next trees,
/// once its entries are read: what is left in it is dropped. A small or a
/// huge list (over [`spare::MAX_BYTES`]) is freed.
pub(crate) fn give_map_entries(mut entries: Vec<(Node<'_>, Node<'_>)>) {
    let bytes = entries.capacity().saturating_mul(size_of::<(Node, Node)>());
    if entries.capacity() < LARGE_MAP || bytes > spare::MAX_BYTES {
        return;
    }
    entries.clear();
    // Made a list of `'static` nodes in place, as the pending list is.
    #[allow(clippy::unnecessary_filter_map)]
    let entries: Vec<(Node<'static>, Node<'static>)> =
        entries.into_iter().filter_map(|_| None).collect();
    let _ = MAPS.try_with(|c| {
        let mut spares = c.take();
        if spares.len() < SPARE_MAPS {
            spares.push(entries);
        }
        c.set(spares);
    });
}

/// The tree being built, event by event, with the limits.
pub(crate) struct Builder<'a> {
    limits: Limits,
    stack: Vec<Frame>,
    /// The children of the collections being built, innermost last.
    pending: Vec<Node<'a>>,
    /// Anchored nodes, with what their subtrees hold.
    anchors: HashMap<usize, (Node<'a>, Counts)>,
    budget: Budget,
    /// The document's node, with the nodes of its tree.
    root: Option<(Node<'a>, usize)>,
    documents: usize,
    /// The first error, when fed by [`yaml_fast`]: later events are
    /// ignored.
    failed: Option<LoadError>,
}

impl<'a> Builder<'a> {
    fn new(limits: Limits) -> Self {
        Builder {
            limits,
            stack: spare::take(&STACK, 8),
            // Nodes of no text, of any lifetime then.
            pending: spare::take(&PENDING, 32),
            anchors: HashMap::new(),
            budget: Budget {
                limits,
                nodes: 0,
                alias_bytes: 0,
            },
            root: None,
            documents: 0,
            failed: None,
        }
    }

    /// The tree and its number of nodes, or the first error.
    fn finish(mut self) -> Result<(Node<'a>, usize), LoadError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        match self.root.take() {
            Some((root, size)) if !root.is_null() => Ok((root, size)),
            _ => Err(LoadError::Empty),
        }
    }

    /// Takes one event.
    fn step(&mut self, event: Event<'a>, at: Location, stop: Location) -> Result<(), LoadError> {
        let limits = self.limits;
        let (node, counts) = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => {
                return Ok(());
            }
            Event::DocumentStart(_) => {
                self.documents += 1;
                return Ok(());
            }
            Event::SequenceStart(anchor, tag) => {
                check_collection_tag(tag.as_deref(), "seq", at)?;
                if self.stack.len() >= limits.max_depth {
                    return Err(LoadError::TooDeep {
                        limit: limits.max_depth,
                        location: at,
                    });
                }
                self.budget.nodes += 1;
                self.stack.push(Frame {
                    map: false,
                    start: self.pending.len(),
                    loc: at,
                    anchor,
                    counts: Counts::new(),
                });
                return Ok(());
            }
            Event::MappingStart(anchor, tag) => {
                check_collection_tag(tag.as_deref(), "map", at)?;
                if self.stack.len() >= limits.max_depth {
                    return Err(LoadError::TooDeep {
                        limit: limits.max_depth,
                        location: at,
                    });
                }
                self.budget.nodes += 1;
                self.stack.push(Frame {
                    map: true,
                    start: self.pending.len(),
                    loc: at,
                    anchor,
                    counts: Counts::new(),
                });
                return Ok(());
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame {
                    map: false,
                    start,
                    loc,
                    anchor,
                    counts,
                }) => {
                    let items = self.pending.drain(start..).collect();
                    let node = Node {
                        value: Value::Seq(items),
                        loc,
                        end: stop,
                    };
                    remember(&mut self.anchors, &mut self.budget, anchor, &node, counts)?;
                    (node, counts)
                }
                _ => unreachable!("the parser balances sequence events"),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame {
                    map: true,
                    start,
                    loc,
                    anchor,
                    counts,
                }) => {
                    let mut entries = map_entries((self.pending.len() - start) / 2);
                    let mut children = self.pending.drain(start..);
                    // The parser gives every key a value.
                    while let (Some(k), Some(v)) = (children.next(), children.next()) {
                        entries.push((k, v));
                    }
                    drop(children);
                    let node = Node {
                        value: Value::Map(merge_keys(entries)?),
                        loc,
                        end: stop,
                    };
                    remember(&mut self.anchors, &mut self.budget, anchor, &node, counts)?;
                    (node, counts)
                }
                _ => unreachable!("the parser balances mapping events"),
            },
            Event::Scalar(text, style, anchor, tag) => {
                let tag = scalar_tag(tag.as_deref(), at)?;
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    _ => Style::Quoted,
                };
                self.budget.nodes += 1;
                let counts = Counts::scalar(text.len());
                // The common case, a scalar without an anchor inside a
                // collection, written straight into the pending list (what
                // the general way below does for it: a scalar may be a key).
                if anchor == 0
                    && self.budget.nodes <= limits.max_nodes
                    && let Some(parent) = self.stack.last_mut()
                {
                    parent.counts.add(counts);
                    self.pending.push(Node {
                        value: Value::Scalar { text, style, tag },
                        loc: at,
                        end: stop,
                    });
                    return Ok(());
                }
                let node = Node {
                    value: Value::Scalar { text, style, tag },
                    loc: at,
                    end: stop,
                };
                remember(&mut self.anchors, &mut self.budget, anchor, &node, counts)?;
                (node, counts)
            }
            Event::Alias(anchor) => {
                let Some((target, counts)) = self.anchors.get(&anchor) else {
                    return Err(LoadError::Syntax {
                        message: "alias to an unknown anchor".into(),
                        location: at,
                    });
                };
                // The aliased subtree is copied where the alias is: its
                // depth counts from there, and all of its nodes and text
                // are charged.
                if self.stack.len().saturating_add(counts.height) > limits.max_depth {
                    return Err(LoadError::TooDeep {
                        limit: limits.max_depth,
                        location: at,
                    });
                }
                let counts = *counts;
                self.budget.copy(counts, at)?;
                let mut node = target.clone();
                node.loc = at;
                node.end = stop;
                (node, counts)
            }
        };
        if self.budget.nodes > limits.max_nodes {
            return Err(LoadError::TooManyNodes {
                limit: limits.max_nodes,
                location: node.loc,
            });
        }
        // Attach the finished node to its parent, or make it the document root.
        match self.stack.last_mut() {
            None => {
                if self.documents > 1 && !node.is_null() {
                    return Err(LoadError::MultipleDocuments { location: node.loc });
                }
                if self.root.is_none() || self.root.as_ref().is_some_and(|(r, _)| r.is_null()) {
                    self.root = Some((node, counts.size));
                }
            }
            Some(parent) => {
                parent.counts.add(counts);
                let is_key = parent.map && (self.pending.len() - parent.start).is_multiple_of(2);
                if is_key && !matches!(node.value, Value::Scalar { .. }) {
                    return Err(LoadError::Syntax {
                        message: format!("mapping keys must be scalars, found {}", node.describe()),
                        location: node.loc,
                    });
                }
                self.pending.push(node);
            }
        }
        Ok(())
    }
}

impl Drop for Builder<'_> {
    fn drop(&mut self) {
        spare::give(&STACK, std::mem::take(&mut self.stack));
        let mut pending = std::mem::take(&mut self.pending);
        pending.clear();
        // The empty list of nodes borrowing the text made a list of
        // `'static` nodes in place (the same allocation: only the lifetime
        // differs).
        // (`filter` would keep the lifetime: the map to `None` is the point.)
        #[allow(clippy::unnecessary_filter_map)]
        let pending: Vec<Node<'static>> = pending.into_iter().filter_map(|_| None).collect();
        spare::give(&PENDING, pending);
    }
}

impl<'a> yaml_fast::Sink<'a> for Builder<'a> {
    fn event(&mut self, event: Event<'a>, start: Location, end: Location) {
        if self.failed.is_none()
            && let Err(e) = self.step(event, start, end)
        {
            self.failed = Some(e);
        }
    }
}

/// Whether `text` is a JSON document (an object, as a manifest is): its
/// values then follow the proto3 JSON mapping, not kubectl's YAML 1.1
/// reading. Linear in the text.
pub(crate) fn is_json(text: &str) -> bool {
    text.trim_start().starts_with('{')
        && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

/// A JSON document prepared for the YAML reader; any other text as it is.
///
/// Valid JSON is valid YAML but for two things, both fixed here in one linear
/// pass: tabs outside strings (JSON allows tab indentation, YAML does not;
/// they become spaces, so every column stays in place) and characters outside
/// the BMP, which JSON escapes as a UTF-16 surrogate pair (`\ud83d\ude00`)
/// and YAML as `\U0001F600`. Nothing else is touched: a YAML text, a block
/// scalar holding `\ud83d` included, is read exactly as written.
///
/// A text that is JSON but for a raw control character inside a string (a
/// tab, say) is refused at that character: JSON does not allow them, and
/// reading the text as YAML would change the string.
///
/// Also returns where the rewritten pairs were, to move the reader's
/// locations back onto the text as written.
fn json_as_yaml(text: &str) -> Result<(Cow<'_, str>, Pairs), LoadError> {
    let unchanged = || Ok((Cow::Borrowed(text), Pairs::default()));
    if !text.trim_start().starts_with(['{', '[']) {
        return unchanged();
    }
    let scan = scan_json(text);
    if matches!(scan.text, Cow::Borrowed(_)) && scan.control.is_none() {
        return unchanged();
    }
    match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Ok(_) => Ok((scan.text, scan.pairs)),
        Err(e) => match scan.control {
            Some(at) if e.to_string().starts_with("control character") => {
                Err(LoadError::Syntax {
                    message: "a raw control character (tab, line break, ...) inside a JSON string; write it as an escape (\\t, \\n, \\u0000)".into(),
                    location: location_at(text, at),
                })
            }
            // Not JSON: a YAML flow collection, read as written.
            _ => unchanged(),
        },
    }
}

/// The result of [`scan_json`].
struct JsonScan<'a> {
    /// The text with tabs outside strings turned into spaces and surrogate
    /// pairs into `\U` escapes.
    text: Cow<'a, str>,
    /// The byte offset of the first raw control character inside a string.
    control: Option<usize>,
    /// The surrogate pairs rewritten.
    pairs: Pairs,
}

/// Where a JSON text's surrogate pairs were rewritten: each pair's line and
/// its column in the rewritten text, in order.
///
/// A pair (`\ud83d\ude00`, 12 characters) becomes `\U0001F600` (10), so
/// the reader's columns after it on its line are two short per pair; lines
/// are never changed.
#[derive(Debug, Default)]
struct Pairs(Vec<(usize, usize)>);

impl Pairs {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `loc` of the rewritten text, as written: two columns further per
    /// pair before it on its line.
    fn apply(&self, loc: Location) -> Location {
        let before = self.0.partition_point(|&p| p < (loc.line, loc.column));
        let first = self.0.partition_point(|&p| p < (loc.line, 0));
        Location::new(loc.line, loc.column + 2 * (before - first))
    }

    /// Moves every location in the tree; linear in its nodes (the node limit
    /// bounds them), iterative so that depth costs no stack.
    fn shift_tree(&self, root: &mut Node) {
        let mut todo = vec![root];
        while let Some(node) = todo.pop() {
            node.loc = self.apply(node.loc);
            node.end = self.apply(node.end);
            match &mut node.value {
                Value::Scalar { .. } => {}
                Value::Seq(items) => todo.extend(items.iter_mut()),
                Value::Map(entries) => {
                    for (k, v) in entries {
                        todo.push(k);
                        todo.push(v);
                    }
                }
            }
        }
    }
}

/// Counts lines and columns (in characters, from 1) forward through a text,
/// lines broken as the YAML reader breaks them (LF, CRLF, lone CR).
struct Cursor {
    at: usize,
    line: usize,
    column: usize,
}

impl Cursor {
    /// Moves to byte `to` (at or after the current byte, on a char
    /// boundary).
    fn advance(&mut self, b: &[u8], to: usize) {
        while self.at < to {
            let c = b[self.at];
            match c {
                b'\n' => (self.line, self.column) = (self.line + 1, 1),
                b'\r' if b.get(self.at + 1) != Some(&b'\n') => {
                    (self.line, self.column) = (self.line + 1, 1)
                }
                b'\r' => {}
                c if c & 0xC0 != 0x80 => self.column += 1,
                _ => {}
            }
            self.at += 1;
        }
    }
}

/// One pass over a text lexed as JSON (strings and the rest), linear in its
/// length.
fn scan_json(text: &str) -> JsonScan<'_> {
    let b = text.as_bytes();
    let hex4 = |at: usize| -> Option<u32> {
        let digits = b.get(at..at.checked_add(4)?)?;
        digits.iter().try_fold(0u32, |acc, &d| {
            let v = char::from(d).to_digit(16)?;
            Some(acc * 16 + v)
        })
    };
    let mut out = String::new();
    let mut copied = 0;
    let mut control = None;
    let mut pairs = Pairs::default();
    // Only moved when a pair is found: the common text pays nothing.
    let mut cursor = Cursor {
        at: 0,
        line: 1,
        column: 1,
    };
    let mut on_line = (0, 0);
    let mut in_string = false;
    let mut i = 0;
    // Every position cut at below holds an ASCII byte, so a char boundary.
    while let Some(&c) = b.get(i) {
        if !in_string {
            match c {
                b'"' => in_string = true,
                b'\t' => {
                    out.push_str(&text[copied..i]);
                    out.push(' ');
                    copied = i + 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => {
                in_string = false;
                i += 1;
            }
            b'\\' => {
                if b.get(i + 1) == Some(&b'u')
                    && b.get(i + 6) == Some(&b'\\')
                    && b.get(i + 7) == Some(&b'u')
                    && let (Some(hi), Some(lo)) = (hex4(i + 2), hex4(i + 8))
                    && (0xD800..0xDC00).contains(&hi)
                    && (0xDC00..0xE000).contains(&lo)
                {
                    let code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    cursor.advance(b, i);
                    // Pairs earlier on this line, each two columns shorter.
                    if on_line.0 != cursor.line {
                        on_line = (cursor.line, 0);
                    }
                    pairs.0.push((cursor.line, cursor.column - 2 * on_line.1));
                    on_line.1 += 1;
                    out.push_str(&text[copied..i]);
                    {
                        use std::fmt::Write;
                        // Writing to a String cannot fail.
                        let _ = write!(out, "\\U{code:08X}");
                    }
                    i += 12;
                    copied = i;
                } else {
                    // The escaped character, whatever it is, is not special.
                    i += 2;
                }
            }
            c if c < 0x20 => {
                control.get_or_insert(i);
                i += 1;
            }
            _ => i += 1,
        }
    }
    let text = if copied == 0 {
        Cow::Borrowed(text)
    } else {
        out.push_str(&text[copied.min(text.len())..]);
        Cow::Owned(out)
    };
    JsonScan {
        text,
        control,
        pairs,
    }
}

/// The line and column (in characters, both from 1) of a byte offset, lines
/// broken by LF, CRLF or a lone CR as the YAML reader breaks them.
fn location_at(text: &str, offset: usize) -> Location {
    let before = text.get(..offset).unwrap_or(text);
    let mut line = 1;
    let mut line_start = 0;
    let bytes = before.as_bytes();
    for (i, &c) in bytes.iter().enumerate() {
        let breaks = c == b'\n' || (c == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        if breaks {
            line += 1;
            line_start = i + 1;
        }
    }
    let column = before[line_start..].chars().count() + 1;
    Location::new(line, column)
}

/// Keeps a copy of an anchored node for its aliases, charged to the budget
/// (nothing for a node without an anchor, the common case: decided inline).
#[inline]
fn remember<'a>(
    anchors: &mut HashMap<usize, (Node<'a>, Counts)>,
    budget: &mut Budget,
    anchor: usize,
    node: &Node<'a>,
    counts: Counts,
) -> Result<(), LoadError> {
    if anchor == 0 {
        return Ok(());
    }
    remember_anchored(anchors, budget, anchor, node, counts)
}

/// [`remember`] of a node with an anchor.
#[inline(never)]
fn remember_anchored<'a>(
    anchors: &mut HashMap<usize, (Node<'a>, Counts)>,
    budget: &mut Budget,
    anchor: usize,
    node: &Node<'a>,
    counts: Counts,
) -> Result<(), LoadError> {
    budget.copy(counts, node.loc)?;
    anchors.insert(anchor, (node.clone(), counts));
    Ok(())
}

/// The core-schema type a tag names (`str` for `!!str` or the verbatim
/// `!<tag:yaml.org,2002:str>`), if it names one.
fn core_tag(tag: &Tag) -> Option<&str> {
    const CORE: &str = "tag:yaml.org,2002:";
    if tag.is_yaml_core_schema() || tag.handle == "!!" {
        Some(tag.suffix.as_str())
    } else if tag.handle.is_empty() {
        tag.suffix.strip_prefix(CORE)
    } else {
        None
    }
}

fn unsupported_tag(tag: &Tag, at: Location) -> LoadError {
    let shown = if tag.handle.is_empty() {
        // A verbatim tag, as written.
        format!("!<{}>", tag.suffix)
    } else {
        tag.to_string()
    };
    LoadError::Syntax {
        message: format!("unsupported tag '{}'", Excerpt(&shown)),
        location: at,
    }
}

fn check_collection_tag(tag: Option<&Tag>, expected: &str, at: Location) -> Result<(), LoadError> {
    match tag {
        None => Ok(()),
        Some(t) if core_tag(t) == Some(expected) => Ok(()),
        Some(t) => Err(unsupported_tag(t, at)),
    }
}

fn scalar_tag(tag: Option<&Tag>, at: Location) -> Result<Option<CoreTag>, LoadError> {
    let Some(tag) = tag else { return Ok(None) };
    // A lone `!` is the non-specific tag: the scalar is a string.
    if tag.handle == "!" && tag.suffix.is_empty() {
        return Ok(Some(CoreTag::Str));
    }
    match core_tag(tag) {
        Some("str") => Ok(Some(CoreTag::Str)),
        Some("int") => Ok(Some(CoreTag::Int)),
        Some("float") => Ok(Some(CoreTag::Float)),
        Some("bool") => Ok(Some(CoreTag::Bool)),
        Some("null") => Ok(Some(CoreTag::Null)),
        _ => Err(unsupported_tag(tag, at)),
    }
}

/// Applies YAML 1.1 merge keys (`<<: *base` or `<<: [*a, *b]`): keys of the
/// merged mappings are added unless the mapping itself has them; among several
/// merged mappings, the earlier wins.
#[allow(clippy::type_complexity)]
fn merge_keys<'a>(
    entries: Vec<(Node<'a>, Node<'a>)>,
) -> Result<Vec<(Node<'a>, Node<'a>)>, LoadError> {
    let is_merge = |k: &Node| matches!(&k.value, Value::Scalar { text, style: Style::Plain, tag: None } if text == "<<");
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return Ok(entries);
    }
    let mut own = Vec::new();
    let mut sources = Vec::new();
    for (k, v) in entries {
        if is_merge(&k) {
            match v.value {
                Value::Map(m) => sources.push(m),
                Value::Seq(items) => {
                    for item in items {
                        match item.value {
                            Value::Map(m) => sources.push(m),
                            _ => {
                                return Err(LoadError::Syntax {
                                    message: format!(
                                        "a merge key ('<<') takes mappings, found {}",
                                        item.describe()
                                    ),
                                    location: item.loc,
                                });
                            }
                        }
                    }
                }
                _ => {
                    return Err(LoadError::Syntax {
                        message: format!(
                            "a merge key ('<<') takes a mapping, found {}",
                            v.describe()
                        ),
                        location: v.loc,
                    });
                }
            }
        } else {
            own.push((k, v));
        }
    }
    let key_text = |n: &Node<'a>| match &n.value {
        Value::Scalar { text, .. } => text.clone(),
        _ => Cow::Borrowed(""),
    };
    let mut seen: std::collections::HashSet<Cow<'a, str>> =
        own.iter().map(|(k, _)| key_text(k)).collect();
    for source in sources {
        for (k, v) in source {
            if seen.insert(key_text(&k)) {
                own.push((k, v));
            }
        }
    }
    Ok(own)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_depth: 100,
        max_nodes: 10_000,
        max_alias_bytes: 1 << 20,
    };

    /// The tree of `text` (leaked: tests only).
    fn parse(text: &str, limits: Limits) -> Result<Node<'static>, LoadError> {
        let text: &'static str = Box::leak(text.to_owned().into_boxed_str());
        let source: &'static Source<'static> = Box::leak(Box::new(prepare(text)?));
        source.parse(limits, true).map(|(root, _)| root)
    }

    /// A builder gives its lists back to the thread, the pending nodes'
    /// allocation kept (made `'static` in place), for the next tree; a tree
    /// built then reads the same.
    #[test]
    fn the_builder_lists_are_kept_for_the_next_tree() {
        PENDING.take();
        STACK.take();
        let text = "a: [1, {b: c}]\nd: {e: [f, g]}\n";
        let first = parse(text, LIMITS).unwrap();
        let pending = PENDING.take();
        assert!(pending.is_empty() && pending.capacity() >= 32);
        assert!(STACK.take().capacity() >= 8);
        let at = pending.as_ptr();
        PENDING.set(pending);
        let second = parse(text, LIMITS).unwrap();
        assert_eq!(format!("{first:?}"), format!("{second:?}"));
        let pending = PENDING.take();
        assert_eq!(pending.as_ptr(), at, "the same allocation");
        // Saphyr-parser's way (a flow mapping key the fast reader leaves
        // to it) keeps them too.
        assert!(parse("{[a]: b}", LIMITS).is_err());
        assert!(PENDING.take().capacity() >= 32);
    }

    /// A large mapping's entry list, given back once read, serves the next
    /// large mapping that fits (the smallest such); small lists, and more
    /// than [`SPARE_MAPS`] lists, are not kept.
    #[test]
    fn large_mapping_lists_are_kept_for_the_next_trees() {
        MAPS.take();
        let text: String = (0..10).map(|i| format!("k{i}: {i}\n")).collect();
        let Value::Map(entries) = parse(&text, LIMITS).unwrap().value else {
            panic!("not a map")
        };
        assert_eq!(entries.len(), 10);
        let at = entries.as_ptr();
        give_map_entries(entries);
        give_map_entries(Vec::with_capacity(LARGE_MAP - 1));
        give_map_entries(Vec::with_capacity(64));
        assert_eq!(
            MAPS.with(|c| {
                let s = c.take();
                let n = s.len();
                c.set(s);
                n
            }),
            2
        );
        // The smallest that fits: the tree's list, not the one of 64.
        let again = map_entries(9);
        assert_eq!(again.as_ptr(), at, "the same allocation");
        assert!(again.is_empty());
        // A second tree reads the same with it.
        let Value::Map(second) = parse(&text, LIMITS).unwrap().value else {
            panic!("not a map")
        };
        assert_eq!(second.len(), 10);
        assert_eq!(
            map_keys(&Node {
                value: Value::Map(second),
                loc: Location::new(1, 1),
                end: Location::new(1, 1)
            })[9],
            "k9"
        );
        for _ in 0..SPARE_MAPS + 2 {
            give_map_entries(Vec::with_capacity(LARGE_MAP));
        }
        assert_eq!(MAPS.take().len(), SPARE_MAPS);
        give_map_entries(Vec::with_capacity(
            spare::MAX_BYTES / size_of::<(Node, Node)>() + 1,
        ));
        assert!(MAPS.take().is_empty(), "a huge list is freed");
    }

    fn map_keys(node: &Node) -> Vec<String> {
        match &node.value {
            Value::Map(entries) => entries
                .iter()
                .map(|(k, _)| match &k.value {
                    Value::Scalar { text, .. } => text.to_string(),
                    _ => unreachable!(),
                })
                .collect(),
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn positions_are_one_based() {
        let root = parse("a: 1\nbb:\n  c: x\n", LIMITS).unwrap();
        let Value::Map(entries) = &root.value else {
            panic!()
        };
        assert_eq!(entries[0].1.loc, Location::new(1, 4));
        assert_eq!(entries[1].0.loc, Location::new(2, 1));
        let Value::Map(inner) = &entries[1].1.value else {
            panic!()
        };
        assert_eq!(inner[0].1.loc, Location::new(3, 6));
    }

    #[test]
    fn merge_keys_fill_missing_entries_only() {
        let root = parse("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n", LIMITS).unwrap();
        let Value::Map(entries) = &root.value else {
            panic!()
        };
        let m = &entries[1].1;
        assert_eq!(map_keys(m), ["y", "x"]);
    }

    #[test]
    fn alias_bombs_hit_the_node_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        let err = parse(&text, LIMITS).unwrap_err();
        assert!(
            matches!(err, LoadError::TooManyNodes { limit: 10_000, .. }),
            "{err}"
        );
    }

    #[test]
    fn depth_is_limited() {
        let text = "[".repeat(200) + &"]".repeat(200);
        assert!(matches!(
            parse(&text, LIMITS),
            Err(LoadError::TooDeep { limit: 100, .. })
        ));
    }

    #[test]
    fn a_second_document_is_refused_but_an_empty_one_is_not() {
        assert!(matches!(
            parse("a: 1\n---\nb: 2\n", LIMITS),
            Err(LoadError::MultipleDocuments { .. })
        ));
        assert!(parse("---\na: 1\n---\n", LIMITS).is_ok());
        assert!(matches!(
            parse("# nothing\n", LIMITS),
            Err(LoadError::Empty)
        ));
    }

    #[test]
    fn json_surrogate_pairs_are_read() {
        let root = parse(r#"{"a": "x\ud83d\ude00y", "b": "\\ud83d\\ude00"}"#, LIMITS).unwrap();
        let Value::Map(entries) = &root.value else {
            panic!()
        };
        let text = |n: &Node| match &n.value {
            Value::Scalar { text, .. } => text.to_string(),
            _ => panic!(),
        };
        assert_eq!(text(&entries[0].1), "x\u{1F600}y");
        // An escaped backslash before `u` is not an escape.
        assert_eq!(text(&entries[1].1), r"\ud83d\ude00");
        assert!(
            parse(r#"{"a": "\ud83d"}"#, LIMITS).is_err(),
            "a lone surrogate stays an error"
        );
    }

    #[test]
    fn locations_after_json_surrogate_pairs_are_as_written() {
        // Two pairs on line 1, one on line 2, an escaped backslash that is
        // not a pair, CRLF and a lone CR as line breaks.
        let text = "{\"a\": \"\\ud83d\\ude00\\ud83d\\ude00\", \"b\": \"\\\\ud83d\", \"c\": 1,\r\n\"d\": [\"\\ud83d\\ude00\", \"é\"],\r\"e\": 2}";
        let written = |needle: &str| {
            let at = text.find(needle).unwrap();
            location_at(text, at)
        };
        let root = parse(text, LIMITS).unwrap();
        let Value::Map(entries) = &root.value else {
            panic!()
        };
        assert_eq!(entries[2].0.loc, written("\"c\""));
        assert_eq!(entries[2].1.loc, written("1,"));
        assert_eq!(entries[2].1.end, Location::new(1, written("1,").column + 1));
        assert_eq!(entries[3].0.loc, written("\"d\""));
        let Value::Seq(items) = &entries[3].1.value else {
            panic!()
        };
        assert_eq!(items[1].loc, written("\"é\""));
        assert_eq!(entries[4].0.loc, written("\"e\""));
        // A reader error after a pair points at the text as written too.
        let deep = "{\"a\": \"\\ud83d\\ude00\", \"b\": [[[1]]]}";
        let limits = Limits {
            max_depth: 2,
            ..LIMITS
        };
        let Err(LoadError::TooDeep { location, .. }) = parse(deep, limits) else {
            panic!("the depth limit holds")
        };
        assert_eq!(location, location_at(deep, deep.find("[[1").unwrap()));
    }

    #[test]
    fn tab_indented_json_parses() {
        let root = parse("{\n\t\"a\": {\n\t\t\"b\": 1\n\t}\n}\n", LIMITS).unwrap();
        assert_eq!(map_keys(&root), ["a"]);
    }
}
