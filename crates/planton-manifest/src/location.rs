//! Positions in the input text and the map from field paths to them.

use std::cell::Cell;
use std::fmt;

use crate::spare;

/// A position in the input text: 1-based line and 1-based column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// Line number, starting at 1.
    pub line: usize,
    /// Column number in characters, starting at 1.
    pub column: usize,
}

impl Location {
    /// A location from a 1-based line and column.
    pub fn new(line: usize, column: usize) -> Self {
        Location { line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A range of the input text: from `start` (inclusive) to `end` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// The first character.
    pub start: Location,
    /// Just past the last character.
    pub end: Location,
}

impl Span {
    /// Whether the span covers part of `line`.
    pub fn touches_line(&self, line: usize) -> bool {
        self.start.line <= line && line <= self.end.line
    }
}

/// Where each field of a loaded message was written in the input.
///
/// Keys are field paths in protovalidate's string form, with proto field names
/// (`spec.volume_mounts[1].name`, `spec.env.secrets["API_KEY"].secret_ref.name`);
/// the location is that of the field's value. Paths of messages, lists and maps
/// are recorded too, so any violation can be placed at its nearest written
/// ancestor (see [`SourceMap::locate`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMap {
    /// In document order; paths are unique. A list, not a map: recording is
    /// on the hot path of every load, looking up only on violations.
    entries: Vec<Entry>,
    /// Every entry's path, one after the other: one buffer instead of a
    /// string per field.
    paths: String,
    /// A path prefix for the whole map (see [`SourceMap::prefixed`]).
    prefix: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    /// The path's bytes in `paths`.
    path: std::ops::Range<usize>,
    value: Span,
    key: Option<Location>,
}

thread_local! {
    /// The thread's lists from its last dropped map (see [`crate::spare`]).
    static ENTRIES: Cell<Vec<Entry>> = const { Cell::new(Vec::new()) };
    static PATHS: Cell<String> = const { Cell::new(String::new()) };
}

impl SourceMap {
    /// An empty map with room for about `nodes` paths.
    pub(crate) fn with_capacity(nodes: usize) -> Self {
        SourceMap {
            entries: spare::take(&ENTRIES, nodes),
            // Paths of a typical manifest average under 24 bytes.
            paths: spare::take(&PATHS, nodes.saturating_mul(24)),
            prefix: String::new(),
        }
    }

    pub(crate) fn record(&mut self, path: &str, key: Option<Location>, value: Span) {
        let start = self.paths.len();
        self.paths.push_str(path);
        self.entries.push(Entry {
            path: start..self.paths.len(),
            value,
            key,
        });
    }

    /// The location of the value written at `path`, if it was written.
    pub fn value(&self, path: &str) -> Option<Location> {
        self.find(path).map(|e| e.value.start)
    }

    /// The span of the value written at `path`, if it was written.
    pub fn span(&self, path: &str) -> Option<Span> {
        self.find(path).map(|e| e.value)
    }

    /// The location of the key (field name or map key) of `path`, if written.
    pub fn key(&self, path: &str) -> Option<Location> {
        self.find(path).and_then(|e| e.key)
    }

    /// The location of `path` or, when it was not written (a missing required
    /// field, a default), of the key of its nearest written ancestor (the
    /// ancestor's value when it has no key, as the document itself).
    pub fn locate(&self, path: &str) -> Option<Location> {
        if let Some(e) = self.find(path) {
            return Some(e.value.start);
        }
        let mut p = path;
        loop {
            p = parent_path(p)?;
            if let Some(e) = self.find(p) {
                return Some(e.key.unwrap_or(e.value.start));
            }
        }
    }

    /// Every recorded path with the span of its value, in document order.
    pub fn iter(&self) -> impl Iterator<Item = (std::borrow::Cow<'_, str>, Span)> {
        self.entries
            .iter()
            .map(|e| (self.full_path(&self.paths[e.path.clone()]), e.value))
    }

    fn find(&self, path: &str) -> Option<&Entry> {
        let path = if self.prefix.is_empty() {
            path
        } else if path == self.prefix {
            ""
        } else {
            path.strip_prefix(self.prefix.as_str())?.strip_prefix('.')?
        };
        self.entries
            .iter()
            .find(|e| &self.paths[e.path.clone()] == path)
    }

    fn full_path<'a>(&self, path: &'a str) -> std::borrow::Cow<'a, str> {
        match (self.prefix.is_empty(), path.is_empty()) {
            (true, _) => path.into(),
            (false, true) => self.prefix.clone().into(),
            (false, false) => format!("{}.{path}", self.prefix).into(),
        }
    }

    /// The same map with every path under `prefix` (`spec.x` becomes
    /// `target.spec.x`; the root becomes `target`), for a message embedded in another.
    pub fn prefixed(&self, prefix: &str) -> SourceMap {
        self.clone().into_prefixed(prefix)
    }

    /// As [`SourceMap::prefixed`], without copying the map.
    pub fn into_prefixed(mut self, prefix: &str) -> SourceMap {
        if !prefix.is_empty() {
            self.prefix = if self.prefix.is_empty() {
                prefix.to_owned()
            } else {
                format!("{prefix}.{}", self.prefix)
            };
        }
        self
    }

    /// The number of recorded paths.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Drop for SourceMap {
    fn drop(&mut self) {
        spare::give(&ENTRIES, std::mem::take(&mut self.entries));
        spare::give(&PATHS, std::mem::take(&mut self.paths));
    }
}

/// The parent of a field path (a violation's or a source map's): the path of
/// the message or collection holding its last element. `a.b[0]` → `a.b`,
/// `a.b` → `a`, `a` → the root (`""`), the root → `None`. A quoted map key
/// may hold `.`, `[`, `]` and escaped quotes: it is skipped.
///
/// ```
/// use planton_manifest::parent_path;
///
/// assert_eq!(parent_path(r#"spec.env.secrets["a.b[0]\"c"].value"#), Some(r#"spec.env.secrets["a.b[0]\"c"]"#));
/// assert_eq!(parent_path(r#"spec.env.secrets["a.b"]"#), Some("spec.env.secrets"));
/// assert_eq!(parent_path("spec"), Some(""));
/// assert_eq!(parent_path(""), None);
/// ```
pub fn parent_path(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    let mut cut = 0;
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in path.char_indices() {
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            '.' | '[' if i > 0 => cut = i,
            _ => {}
        }
    }
    Some(&path[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_walk_up_to_the_root() {
        assert_eq!(
            parent_path("spec.volume_mounts[1].name"),
            Some("spec.volume_mounts[1]")
        );
        assert_eq!(
            parent_path("spec.volume_mounts[1]"),
            Some("spec.volume_mounts")
        );
        assert_eq!(
            parent_path(r#"spec.env.secrets["a.b[c]"]"#),
            Some("spec.env.secrets")
        );
        assert_eq!(parent_path("spec"), Some(""));
        assert_eq!(parent_path(""), None);
        // An escaped quote, and an escaped backslash before a closing quote.
        assert_eq!(
            parent_path(r#"spec.env.secrets["a.b[0]\"c"]"#),
            Some("spec.env.secrets")
        );
        assert_eq!(
            parent_path(r#"spec.env.secrets["a\\"].value"#),
            Some(r#"spec.env.secrets["a\\"]"#)
        );
        assert_eq!(parent_path("spec.command[2]"), Some("spec.command"));
    }

    #[test]
    fn a_prefixed_map_answers_under_the_prefix_only() {
        let at = |l, c| Span {
            start: Location::new(l, c),
            end: Location::new(l, c + 1),
        };
        let mut map = SourceMap::default();
        map.record("", None, at(1, 1));
        map.record("spec", Some(Location::new(2, 1)), at(3, 3));
        let map = map.into_prefixed("target");
        assert_eq!(map.value("target.spec"), Some(Location::new(3, 3)));
        assert_eq!(map.value("target"), Some(Location::new(1, 1)));
        assert_eq!(map.value("spec"), None);
        assert_eq!(map.value("targets.spec"), None);
        assert_eq!(map.locate("target.spec.image"), Some(Location::new(2, 1)));
        let paths: Vec<String> = map.iter().map(|(p, _)| p.into_owned()).collect();
        assert_eq!(paths, ["target", "target.spec"]);
        assert_eq!(
            map.prefixed("outer").value("outer.target.spec"),
            Some(Location::new(3, 3))
        );
    }

    /// A dropped map's lists serve the thread's next map, empty.
    #[test]
    fn a_dropped_map_lends_its_lists_to_the_next() {
        let here = Span {
            start: Location::new(1, 1),
            end: Location::new(1, 2),
        };
        ENTRIES.take();
        PATHS.take();
        let mut map = SourceMap::with_capacity(40);
        map.record("spec.image", None, here);
        let (entries, paths) = (map.entries.as_ptr(), map.paths.as_ptr());
        drop(map);
        let next = SourceMap::with_capacity(10);
        assert!(next.is_empty() && next.paths.is_empty());
        assert_eq!(
            (next.entries.as_ptr(), next.paths.as_ptr()),
            (entries, paths)
        );
        assert_eq!(next.value("spec.image"), None);
        // A clone has its own lists.
        let mut a = SourceMap::with_capacity(4);
        a.record("x", None, here);
        let b = a.clone();
        drop(a);
        assert_eq!(b.len(), 1);
        assert_eq!(b.value("x"), Some(Location::new(1, 1)));
    }

    #[test]
    fn locate_falls_back_to_the_nearest_ancestor() {
        let at = |l, c| Span {
            start: Location::new(l, c),
            end: Location::new(l, c + 1),
        };
        let mut map = SourceMap::default();
        map.record("", None, at(1, 1));
        map.record("spec", Some(Location::new(3, 1)), at(4, 3));
        assert_eq!(map.locate("spec"), Some(Location::new(4, 3)));
        assert_eq!(map.locate("spec.image.repo"), Some(Location::new(3, 1)));
        assert_eq!(map.locate("metadata"), Some(Location::new(1, 1)));
        assert_eq!(map.key("spec"), Some(Location::new(3, 1)));
    }
}
