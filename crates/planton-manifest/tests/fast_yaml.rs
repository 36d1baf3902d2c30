//! The fast YAML reader against saphyr-parser: on every manifest in the
//! repository (examples, test data, fuzz seeds) and on mutations of each,
//! the fast reader either declines the text or gives the very events and
//! spans saphyr-parser gives (so the same tree, positions and errors).

use std::path::{Path, PathBuf};

use planton_api::registry;
use planton_manifest::__test_support::fast_reader_agrees;
use planton_manifest::{LoadError, Loader};

fn corpus() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    let mut dirs = vec![
        root.join("examples"),
        root.join("tests/data"),
        root.join("fuzz/seeds"),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            {
                // Every file of the corpus is text: one that is not fails.
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                out.push((path, text));
            }
        }
    }
    out.sort();
    assert!(
        out.len() >= 250,
        "the corpus is found ({} files)",
        out.len()
    );
    out
}

/// Texts near `text`: each line removed, re-indented, commented, cut,
/// doubled; characters that matter to YAML put in at places; line ends
/// dropped.
fn mutations(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let join = |ls: &[String]| ls.concat();
    let mut out = Vec::new();
    let owned: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    for i in 0..lines.len() {
        let mut v = owned.clone();
        v.remove(i);
        out.push(join(&v));
        for pad in [" ", "  ", "   "] {
            let mut v = owned.clone();
            v[i] = format!("{pad}{}", lines[i]);
            out.push(join(&v));
        }
        if let Some(rest) = lines[i].strip_prefix(' ') {
            let mut v = owned.clone();
            v[i] = rest.to_string();
            out.push(join(&v));
        }
        let mut v = owned.clone();
        v.insert(i, "  # a comment\n".into());
        out.push(join(&v));
        let mut v = owned.clone();
        v.insert(i, "\n".into());
        out.push(join(&v));
        let mut v = owned.clone();
        v.insert(i, "   \n".into());
        out.push(join(&v));
        let mut v = owned.clone();
        v.insert(i, lines[i].to_string());
        out.push(join(&v));
        out.push(join(&owned[..i]));
        let body = lines[i].trim_end_matches('\n');
        for tail in [" ", "  # c", " #c", "#c", ":", ": x", " - y", " |", " [a]"] {
            let mut v = owned.clone();
            v[i] = format!("{body}{tail}\n");
            out.push(join(&v));
        }
        // Characters of YAML's syntax at a few places of the line.
        let chars: Vec<(usize, char)> = body.char_indices().collect();
        for &(at, _) in chars.iter().step_by(3.max(chars.len() / 6).max(1)) {
            for c in [
                "[", "]", "{", "}", ",", ":", ": ", "#", " #", "'", "\"", "''", "|", ">", "-",
                "- ", "&a ", "*a", "!", "?", "%", "@", "`", "\\", "\t", "\r", "é", "---", "...",
                "|-", "|+", "|2", "{a: b}", "[a, b]", " ", "x: ",
            ] {
                let mut v = owned.clone();
                v[i] = format!("{}{c}{}\n", &body[..at], &body[at..]);
                out.push(join(&v));
                let mut v = owned.clone();
                v[i] = format!("{}{c}\n", &body[..at]);
                out.push(join(&v));
            }
        }
    }
    out.push(text.trim_end().to_string());
    out.push(format!("{text}\n\n"));
    out.push(format!("{text}# end"));
    out
}

/// Where a value starts on `line`: past each `: ` and `- ` (at most four).
fn value_starts(line: &str) -> Vec<usize> {
    let b = line.as_bytes();
    (1..b.len())
        .filter(|&i| b[i] == b' ' && (b[i - 1] == b':' || b[i - 1] == b'-'))
        .map(|i| i + 1)
        .take(4)
        .collect()
}

/// Texts near `lines` in the constructs of anchors, aliases and keys:
/// an anchor put before a value (or alone before the lines below), an
/// alias to it (or to a name never defined) put in place of a later value,
/// keys quoted, given inner spaces, anchored or aliased.
fn anchored(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let join = |ls: &[String]| ls.concat();
    for i in 0..lines.len() {
        let body = lines[i].trim_end_matches('\n');
        // Where a value starts, and the end of a line whose value is
        // below it (`key:`, `-`), where an anchor goes after a space.
        let mut starts: Vec<(usize, &str)> =
            value_starts(body).into_iter().map(|p| (p, "")).collect();
        if body.ends_with(':') || body.trim_start() == "-" {
            starts.push((body.len(), " "));
        }
        for &(at, pre) in &starts {
            let with = |c: &str| format!("{}{pre}{c}{}\n", &body[..at], &body[at..]);
            for c in [
                "&a ", "&a", "&a  ", "&a # c", "&a # c\n", "&b ", "&a:b ", "&a,b ", "*a ", "&a *a ",
            ] {
                let mut v = lines.to_vec();
                v[i] = with(c);
                out.push(join(&v));
            }
            // An anchor, then an alias in place of a value on a later line.
            for (j, later) in lines.iter().enumerate().skip(i + 1).take(6) {
                let later = later.trim_end_matches('\n');
                for &to in value_starts(later).iter().rev().take(2) {
                    // The alias up to the value's end: the line's, or the
                    // next `,` or closing bracket.
                    let stop = later[to..]
                        .find([',', '}', ']'])
                        .map_or(later.len(), |p| to + p);
                    for alias in ["*a", "*a ", "*a # c", "*a :", "*b", "*a:"] {
                        let mut v = lines.to_vec();
                        v[i] = with("&a ");
                        v[j] = format!("{}{alias}{}\n", &later[..to], &later[stop..]);
                        out.push(join(&v));
                    }
                    // The alias before its anchor, or with none.
                    let mut v = lines.to_vec();
                    v[j] = format!("{}*a{}\n", &later[..to], &later[stop..]);
                    out.push(join(&v));
                }
            }
        }
        // Keys quoted, with spaces, anchored, aliased.
        let indent = body.len() - body.trim_start_matches([' ', '-']).len();
        let rest = &body[indent..];
        if let Some(colon) = rest.find(':') {
            let (key, after) = rest.split_at(colon);
            for k in [
                format!("\"{key}\""),
                format!("'{key}'"),
                format!("\"{key} x\""),
                format!("'{key}''s'"),
                format!("\"{key}\" "),
                format!("{key} x"),
                format!("{key} x y"),
                format!("{key}  x"),
                format!("{key} "),
                format!("x {key}"),
                format!("&a {key}"),
                format!("*a {key}"),
                "*a".to_string(),
                format!("\"{key}\\\"\""),
            ] {
                let mut v = lines.to_vec();
                v[i] = format!("{}{k}{after}\n", &body[..indent]);
                out.push(join(&v));
            }
        }
    }
    out
}

/// Runs the differential check over every text of the corpus and a fixed
/// sample of its texts near it (`near`): at most `cap` of each bundled
/// example's, `cap / 20` of any other file's (all of them take too long in
/// a debug build); the same texts on every run. Returns how many texts
/// there were, how many the fast reader took, and how many of those hold
/// `*a`; fails on any text read otherwise.
fn agree_on(near: fn(&[String]) -> Vec<String>, cap: usize) -> (usize, usize, usize) {
    let (mut total, mut taken, mut aliased) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    for (path, text) in corpus() {
        if !seen.insert(text.clone()) {
            continue;
        }
        let lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
        let mut picked = near(&lines);
        // A Fisher-Yates shuffle by a fixed xorshift: a fixed sample.
        for i in (1..picked.len()).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            picked.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        let bundled = path.parent().is_some_and(|p| p.ends_with("examples"));
        picked.truncate(if bundled { cap } else { cap / 20 });
        for t in std::iter::once(text.clone()).chain(picked) {
            total += 1;
            match fast_reader_agrees(&t) {
                Ok(true) => {
                    taken += 1;
                    aliased += usize::from(t.contains("*a"));
                }
                Ok(false) => {}
                Err(e) => {
                    if failures.len() < 5 {
                        failures.push(format!("{}:\n--- text\n{t}--- events\n{e}", path.display()));
                    } else {
                        failures.push(String::new());
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} texts read otherwise; first ones:\n{}",
        failures.len(),
        failures.join("\n")
    );
    (total, taken, aliased)
}

#[test]
fn fast_reader_agrees_with_saphyr_on_every_manifest_and_mutations() {
    let (total, taken, _) = agree_on(|lines| mutations(&lines.concat()), 3000);
    // The fast reader is used, not declining everything.
    assert!(taken * 4 > total, "fast reader took {taken} of {total}");
}

#[test]
fn fast_reader_agrees_with_saphyr_on_anchors_aliases_and_keys() {
    let (total, taken, aliased) = agree_on(anchored, 1000);
    // Anchors, aliases and the new keys are taken, not all declined.
    assert!(taken * 4 > total, "fast reader took {taken} of {total}");
    assert!(aliased * 10 > total, "{aliased} of {total} with an alias");
}

#[test]
fn fast_reader_takes_every_bundled_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut n = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert_eq!(fast_reader_agrees(&text), Ok(true), "{}", path.display());
            n += 1;
        }
    }
    assert!(n >= 5);
}

/// Each construct the fast reader takes, at its edges: taken, and read as
/// saphyr-parser reads it.
#[test]
fn fast_reader_takes_its_constructs_as_saphyr_reads_them() {
    let taken = [
        "a: 1\n",
        "a: 1\nb:\n  c: x y  # c\n  d:\n    - p\n    - k: v\n      m: n\n",
        "a:\n- x\n-\n- # c\n-   \n- k: v\n  m: [a, {b: c}]\n-\n  k: v\nz: 1\n",
        "a:\n-\n  - x\n  - y\nb:\n- [a]\n- {}\n- [ ]\n- \"q\"\n- 'it''s'\n",
        "s: |\n  one\n    two\n\n  three\n\n\nt: |-\n  x\n\nu: |+\n  y\n\n\nv: 1\n",
        "l:\n  - |\n    a\n    b\n  - |-\n    c\n  # after\nw: |\n  at the end\n",
        "e:   # c\nf:\ng: \"\"  # c\nh: ''\n",
        "k.with/dots_and-dashes: {value: x, key: \"y\" }  # c\n",
        "p: echo {a} [b] \"c\" 'd' x#y a:b\nq: -1\nr: --flag=1\n",
        "deep:\n  a:\n    b:\n      c:\n        d: [[[1, 2], [3]], {x: [y]}]\n",
        "# head\n\n   # indented comment\na: 1 # trailing\n\n# tail\n",
        "- a\n- b: c\n",
        "n: ~\no: null\nyes: no\nnum: 0755\n",
        // Indicators inside block plain scalars are text.
        "a: x -\n",
        "a: x -\nb: x - y\nc: x ? y\nd: x ] } ,\ne: x ! & * | > % @ ` y\n",
        "- x -\n- {q: x-}\n- [x  y]\n",
        // Keys with inner spaces, quoted keys, keys starting with `.` or `-`.
        "a note: x\nb c d:\n  e f: 1\n",
        "\"-dashed\":\n  value: b\n'A=B': x\n\"\": y\n\"MY VAR\": {\"k\": v, 'l m': w}\n",
        ".dotted: 1\n-dashed: 2\n_x: 3\n",
        "- \"k\": v\n  'l': w\n- a b: c\n",
        // Anchors and aliases on scalars and collections, block and flow.
        "a: &x 1\nb: *x\n",
        "s: {value: &v \"xxx\"}\nt: {value: *v}\nu: [*v, &w x, *w, &y [z], *y]\n",
        "a: &m\n  k: v\nb: *m\nc: &s\n- 1\nd: &e\ne: *e\nf: &g # c\n  - 2\n",
        "- &x [a]\n- *x\n- &y\n  - z\n- &z # c\n  k: v\n- &e\n- *e # c\n",
        "a: &x |\n  text\nb: *x # c\nc: &q 'q'\nd: &r-1.b_2 {}\ne: *r-1.b_2\n",
        // A redefined anchor: aliases take the latest.
        "a: &x 1\nb: &x 2\nc: *x\n",
    ];
    for t in taken {
        assert_eq!(fast_reader_agrees(t), Ok(true), "{t}");
    }
    let declined = [
        "a: 1",
        // Aliases to no anchor (saphyr-parser reports them), before their
        // anchor, as keys, after an anchor.
        "a: *x\n",
        "a: *x\nb: &x 1\n",
        "a: &x 1\n*x : 2\n",
        "a: &x 1\nb: *x : 2\n",
        "a: &x 1\nb: [*x: 2]\n",
        "a: &x 1\nb: {*x: 2}\n",
        "a: &x *x\n",
        // Anchors on keys, on the root, without a space after them.
        "a:\n  &a k: v\n",
        "- &a k: v\n",
        "&a\nk: v\n",
        "a: &x\n  &y b: c\n",
        "a: {&x k: v}\n",
        "a: &x[b]\n",
        "a: [&x, b]\n",
        "a: &x:y 1\n",
        // Quoted keys with escapes, a space before the colon, or on lines
        // of their own; keys with spaces where saphyr-parser is subtle.
        "\"a\" : 1\n",
        "\"a\\\"\": 1\n",
        "'it''s': 1\n",
        "a  b: 1\n",
        "a : 1\n",
        "a: {\"k\":v}\n",
        "a: !!str 1\n",
        "a: >\n  folded\n",
        "a: \"esc\\n\"\n",
        "a: multi\n  line\n",
        "a:\n\tb: 1\n",
        "a: 1\r\nb: 2\r\n",
        "a: é\n",
        "---\na: 1\n",
        "{\"a\": 1}\n",
        "? a\n: b\n",
        "<<: {a: 1}\n",
        "a: [b,\n  c]\n",
        "a: |2\n   x\n",
        // An indicator after a space in a flow scalar (found by fuzzing:
        // saphyr-parser refuses `x -}`).
        "iqq: {q:     )        -}\n",
        "a: [x -]\n",
        "a: [x, y -1]\n",
        "a: {k: v, l: ?x}\n",
        "a: x :\n",
    ];
    for t in declined {
        assert_eq!(fast_reader_agrees(t), Ok(false), "{t}");
    }
    // Nesting past the reader's cap goes to saphyr-parser.
    let mut deep = String::new();
    for i in 0..80 {
        deep.push_str(&" ".repeat(i));
        deep.push_str("k:\n");
    }
    deep.push_str(&" ".repeat(80));
    deep.push_str("k: v\n");
    assert_eq!(fast_reader_agrees(&deep), Ok(false));
    let long_key = format!("{}: v\n", "k".repeat(1500));
    assert_eq!(fast_reader_agrees(&long_key), Ok(false));
    let long_quoted = format!("\"{}\": v\n", "k".repeat(1500));
    assert_eq!(fast_reader_agrees(&long_quoted), Ok(false));
}

/// The texts of the load corpus (`benches/compare-python`) that the fast
/// reader declined before it took keys with spaces, quoted keys, anchors
/// and aliases: it takes them now.
#[test]
fn fast_reader_takes_the_manifests_with_anchors_and_unusual_keys() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/validate/kubernetes");
    for name in [
        "annotation.yaml",
        "env-var-name-ok.yaml",
        "env-var-name-equals.yaml",
        "env-var-name-space.yaml",
        "data-size.yaml",
    ] {
        let text = std::fs::read_to_string(root.join(name)).unwrap();
        assert_eq!(fast_reader_agrees(&text), Ok(true), "{name}");
    }
}

/// Alias bombs (the hostile cases, scaled down): the fast reader takes
/// them, and the loader refuses each with the same error whichever reader
/// reads it, the builder charging every alias.
#[test]
fn alias_bombs_are_refused_alike_by_both_readers() {
    let loader = || {
        let mut l = Loader::for_kinds(
            registry::supported_kinds()
                .map(|k| (k.name().to_owned(), k.manifest_message().unwrap())),
        );
        l.max_alias_bytes(4096).max_nodes(2000).max_depth(20);
        l
    };
    let mut texts = Vec::new();
    // Bytes: a 1 KiB scalar aliased 10 times.
    texts.push(format!(
        "kind: KubernetesJob\na: &a {}\nb: [{}]\n",
        "x".repeat(1024),
        ["*a"; 10].join(", ")
    ));
    // Nodes: the billion laughs, in flow and in block.
    let mut laughs = String::from("kind: KubernetesJob\na0: &a0 [x, x, x, x]\n");
    for k in 1..8 {
        let p = k - 1;
        laughs.push_str(&format!("a{k}: &a{k} [*a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    texts.push(laughs);
    let mut block = String::from("kind: KubernetesJob\na0: &a0\n- x\n- x\n- x\n");
    for k in 1..8 {
        let p = k - 1;
        block.push_str(&format!("a{k}: &a{k}\n- *a{p}\n- *a{p}\n- *a{p}\n"));
    }
    texts.push(block);
    // Depth: nested anchors, each aliased one level deeper.
    let mut deep = String::from("kind: KubernetesJob\na0: &a0 {k: x}\n");
    for k in 1..30 {
        deep.push_str(&format!("a{k}: &a{k} {{k: *a{}}}\n", k - 1));
    }
    texts.push(deep);
    for text in &texts {
        assert_eq!(fast_reader_agrees(text), Ok(true), "{text}");
        let fast = loader().load_str(text).unwrap_err();
        let mut slow_loader = loader();
        let slow = slow_loader
            .without_fast_reader()
            .load_str(text)
            .unwrap_err();
        assert_eq!(fast, slow, "{text}");
        assert!(
            matches!(
                fast,
                LoadError::TooManyAliasBytes { .. }
                    | LoadError::TooManyNodes { .. }
                    | LoadError::TooDeep { .. }
            ),
            "{fast:?}"
        );
    }
}

/// An alias inside the node its anchor is on (a cycle): saphyr-parser
/// numbers it, and the loader refuses it the same way whichever reader
/// reads it.
#[test]
fn aliases_inside_their_own_anchor_are_refused_alike() {
    let loader = || {
        Loader::for_kinds(
            registry::supported_kinds()
                .map(|k| (k.name().to_owned(), k.manifest_message().unwrap())),
        )
    };
    for text in [
        "kind: KubernetesJob\na: &x\n  b: *x\n",
        "kind: KubernetesJob\na: &x [y, *x]\n",
        "kind: KubernetesJob\na: &x {b: {c: *x}}\n",
    ] {
        assert_eq!(fast_reader_agrees(text), Ok(true), "{text}");
        let fast = loader().load_str(text).unwrap_err();
        let slow = loader().without_fast_reader().load_str(text).unwrap_err();
        assert_eq!(fast, slow, "{text}");
        assert!(fast.to_string().contains("unknown anchor"), "{fast}");
    }
}
