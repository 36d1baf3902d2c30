//! A YAML (and JSON) text parsed into a tree of nodes with positions.
//!
//! saphyr-parser supplies the events; this module builds the tree with the
//! limits a service needs against hostile input (alias expansion, depth), the
//! YAML 1.1 merge key `<<` that kubectl understands, and the one-document rule.
//! Scalars keep their text and style: what they *mean* depends on the target
//! field and is decided by the decoder.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use crate::error::LoadError;
use crate::location::Location;

/// Limits applied while parsing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub max_depth: usize,
    pub max_nodes: usize,
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
pub(crate) enum Value {
    Scalar {
        text: String,
        style: Style,
        tag: Option<CoreTag>,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub value: Value,
    pub loc: Location,
    /// Where the node's text ends (exclusive).
    pub end: Location,
    /// Nodes in this subtree, itself included (for the alias budget).
    size: usize,
}

impl Node {
    /// Nodes in this subtree, itself included.
    pub fn size(&self) -> usize {
        self.size
    }

    pub fn is_null(&self) -> bool {
        match &self.value {
            Value::Scalar {
                text,
                style: Style::Plain,
                tag: None,
            } => {
                matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL")
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

enum Frame {
    Seq {
        items: Vec<Node>,
        loc: Location,
        anchor: usize,
        size: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        loc: Location,
        anchor: usize,
        size: usize,
    },
}

/// Parses `text` into the tree of its single document.
pub(crate) fn parse(text: &str, limits: Limits) -> Result<Node, LoadError> {
    // JSON documents may be indented with tabs, which YAML forbids as
    // indentation. Tabs outside strings are insignificant in JSON, and raw tabs
    // inside JSON strings are invalid, so a tab-free copy parses the same and
    // keeps every character (hence column) in place.
    let text: Cow<'_, str> = if text.trim_start().starts_with(['{', '[']) && text.contains('\t') {
        Cow::Owned(text.replace('\t', " "))
    } else {
        Cow::Borrowed(text)
    };
    // JSON writes characters outside the BMP as surrogate pairs
    // (`\ud83d\ude00`), which YAML does not accept; YAML's own escape for
    // them is `\U0001f600`.
    let text: Cow<'_, str> = if text.contains("\\u") {
        rewrite_surrogate_pairs(&text)
    } else {
        text
    };
    let mut parser = Parser::new_from_str(&text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut total = 0usize;
    let mut root: Option<Node> = None;
    let mut documents = 0usize;

    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| {
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
        })?;
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => continue,
            Event::DocumentStart(_) => {
                documents += 1;
                continue;
            }
            Event::SequenceStart(anchor, tag) => {
                check_collection_tag(tag.as_deref(), "seq", &span)?;
                if stack.len() >= limits.max_depth {
                    return Err(LoadError::TooDeep {
                        limit: limits.max_depth,
                        location: loc(&span),
                    });
                }
                total += 1;
                stack.push(Frame::Seq {
                    items: Vec::with_capacity(4),
                    loc: loc(&span),
                    anchor,
                    size: 1,
                });
                continue;
            }
            Event::MappingStart(anchor, tag) => {
                check_collection_tag(tag.as_deref(), "map", &span)?;
                if stack.len() >= limits.max_depth {
                    return Err(LoadError::TooDeep {
                        limit: limits.max_depth,
                        location: loc(&span),
                    });
                }
                total += 1;
                stack.push(Frame::Map {
                    entries: Vec::with_capacity(4),
                    key: None,
                    loc: loc(&span),
                    anchor,
                    size: 1,
                });
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    items,
                    loc,
                    anchor,
                    size,
                }) => {
                    let node = Node {
                        value: Value::Seq(items),
                        loc,
                        end: end(&span),
                        size,
                    };
                    remember(&mut anchors, anchor, &node);
                    node
                }
                _ => unreachable!("the parser balances sequence events"),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    entries,
                    loc,
                    anchor,
                    size,
                    ..
                }) => {
                    let node = Node {
                        value: Value::Map(merge_keys(entries)?),
                        loc,
                        end: end(&span),
                        size,
                    };
                    remember(&mut anchors, anchor, &node);
                    node
                }
                _ => unreachable!("the parser balances mapping events"),
            },
            Event::Scalar(text, style, anchor, tag) => {
                let tag = scalar_tag(tag.as_deref(), &span)?;
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    _ => Style::Quoted,
                };
                total += 1;
                let node = Node {
                    value: Value::Scalar {
                        text: text.into_owned(),
                        style,
                        tag,
                    },
                    loc: loc(&span),
                    end: end(&span),
                    size: 1,
                };
                remember(&mut anchors, anchor, &node);
                node
            }
            Event::Alias(anchor) => {
                let Some(target) = anchors.get(&anchor) else {
                    return Err(LoadError::Syntax {
                        message: "alias to an unknown anchor".into(),
                        location: loc(&span),
                    });
                };
                // The aliased subtree is copied: charge all of its nodes.
                total = total.saturating_add(target.size);
                if total > limits.max_nodes {
                    return Err(LoadError::TooManyNodes {
                        limit: limits.max_nodes,
                        location: loc(&span),
                    });
                }
                let mut node = target.clone();
                node.loc = loc(&span);
                node.end = end(&span);
                node
            }
        };
        if total > limits.max_nodes {
            return Err(LoadError::TooManyNodes {
                limit: limits.max_nodes,
                location: node.loc,
            });
        }
        // Attach the finished node to its parent, or make it the document root.
        match stack.last_mut() {
            None => {
                if documents > 1 && !node.is_null() {
                    return Err(LoadError::MultipleDocuments { location: node.loc });
                }
                if root.is_none() || root.as_ref().is_some_and(Node::is_null) {
                    root = Some(node);
                }
            }
            Some(Frame::Seq { items, size, .. }) => {
                *size += node.size;
                items.push(node);
            }
            Some(Frame::Map {
                entries, key, size, ..
            }) => {
                *size += node.size;
                match key.take() {
                    None => {
                        if !matches!(node.value, Value::Scalar { .. }) {
                            return Err(LoadError::Syntax {
                                message: format!(
                                    "mapping keys must be scalars, found {}",
                                    node.describe()
                                ),
                                location: node.loc,
                            });
                        }
                        *key = Some(node);
                    }
                    Some(k) => entries.push((k, node)),
                }
            }
        }
    }
    match root {
        Some(root) if !root.is_null() => Ok(root),
        _ => Err(LoadError::Empty),
    }
}

/// Rewrites every escaped UTF-16 surrogate pair into a `\U` escape; other
/// text (lone surrogates included, which stay errors) is left as it is.
fn rewrite_surrogate_pairs(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let hex4 = |at: usize| -> Option<u32> {
        let digits = text.get(at..at + 4)?;
        if digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            u32::from_str_radix(digits, 16).ok()
        } else {
            None
        }
    };
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i + 12 <= bytes.len() {
        // A backslash that is not itself escaped, starting `\uD8xx\uDCxx`.
        let escaped = bytes[..i].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1;
        if bytes[i] == b'\\'
            && !escaped
            && bytes[i + 1] == b'u'
            && bytes[i + 6] == b'\\'
            && bytes[i + 7] == b'u'
            && let (Some(hi), Some(lo)) = (hex4(i + 2), hex4(i + 8))
            && (0xD800..0xDC00).contains(&hi)
            && (0xDC00..0xE000).contains(&lo)
        {
            let code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            out.push_str(&text[copied..i]);
            out.push_str(&format!("\\U{code:08X}"));
            i += 12;
            copied = i;
            continue;
        }
        i += 1;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

fn remember(anchors: &mut HashMap<usize, Node>, anchor: usize, node: &Node) {
    if anchor != 0 {
        anchors.insert(anchor, node.clone());
    }
}

fn core_tag(tag: &Tag) -> Option<&str> {
    (tag.is_yaml_core_schema() || tag.handle == "!!").then_some(tag.suffix.as_str())
}

fn check_collection_tag(tag: Option<&Tag>, expected: &str, span: &Span) -> Result<(), LoadError> {
    match tag {
        None => Ok(()),
        Some(t) if core_tag(t) == Some(expected) => Ok(()),
        Some(t) => Err(LoadError::Syntax {
            message: format!("unsupported tag '{t}'"),
            location: loc(span),
        }),
    }
}

fn scalar_tag(tag: Option<&Tag>, span: &Span) -> Result<Option<CoreTag>, LoadError> {
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
        _ => Err(LoadError::Syntax {
            message: format!("unsupported tag '{tag}'"),
            location: loc(span),
        }),
    }
}

/// Applies YAML 1.1 merge keys (`<<: *base` or `<<: [*a, *b]`): keys of the
/// merged mappings are added unless the mapping itself has them; among several
/// merged mappings, the earlier wins.
fn merge_keys(entries: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, LoadError> {
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
    let key_text = |n: &Node| match &n.value {
        Value::Scalar { text, .. } => text.clone(),
        _ => String::new(),
    };
    let mut seen: std::collections::HashSet<String> =
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
    };

    fn map_keys(node: &Node) -> Vec<String> {
        match &node.value {
            Value::Map(entries) => entries
                .iter()
                .map(|(k, _)| match &k.value {
                    Value::Scalar { text, .. } => text.clone(),
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
            Value::Scalar { text, .. } => text.clone(),
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
    fn tab_indented_json_parses() {
        let root = parse("{\n\t\"a\": {\n\t\t\"b\": 1\n\t}\n}\n", LIMITS).unwrap();
        assert_eq!(map_keys(&root), ["a"]);
    }
}
