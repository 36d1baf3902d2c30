//! The fast YAML reader against saphyr-parser: on every manifest in the
//! repository (examples, test data, fuzz seeds) and on mutations of each,
//! the fast reader either declines the text or gives the very events and
//! spans saphyr-parser gives (so the same tree, positions and errors).

use std::path::{Path, PathBuf};

use planton_manifest::__test_support::fast_reader_agrees;

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

#[test]
fn fast_reader_agrees_with_saphyr_on_every_manifest_and_mutations() {
    let mut taken = 0usize;
    let mut total = 0usize;
    let mut failures = Vec::new();
    // Every text of the corpus, and a fixed sample of the mutations of
    // each (all of them take too long in a debug build): the same texts on
    // every run.
    let mut seen = std::collections::HashSet::new();
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    for (path, text) in corpus() {
        if !seen.insert(text.clone()) {
            continue;
        }
        let mut picked = mutations(&text);
        // A Fisher-Yates shuffle by a fixed xorshift: a fixed sample.
        for i in (1..picked.len()).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            picked.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        let bundled = path.parent().is_some_and(|p| p.ends_with("examples"));
        picked.truncate(if bundled { 3000 } else { 150 });
        for t in std::iter::once(text.clone()).chain(picked) {
            total += 1;
            match fast_reader_agrees(&t) {
                Ok(true) => taken += 1,
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
    // The fast reader is used, not declining everything.
    assert!(taken * 4 > total, "fast reader took {taken} of {total}");
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
    ];
    for t in taken {
        assert_eq!(fast_reader_agrees(t), Ok(true), "{t}");
    }
    let declined = [
        "a: 1",
        "a: &x 1\nb: *x\n",
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
        "\"a\": 1\n",
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
}
