//! Container image references (the grammar of distribution/reference).

use std::sync::LazyLock;

use regex::Regex;

static DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$")
        .expect("a valid built-in pattern")
});
/// A path component, `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`, matched by
/// hand: it runs on every manifest, and a regex costs its compilation on
/// every CLI run.
fn is_path_component(p: &str) -> bool {
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let b = p.as_bytes();
    let mut i = 0;
    loop {
        // A run of letters and digits...
        let run = b[i..].iter().take_while(|c| alnum(c)).count();
        if run == 0 {
            return false;
        }
        i += run;
        if i == b.len() {
            return true;
        }
        // ...then a separator: '.', '_', '__' or any number of '-'.
        let sep = b[i..].iter().take_while(|c| !alnum(c)).count();
        let s = &b[i..i + sep];
        if !(s == b"." || s == b"_" || s == b"__" || s.iter().all(|&c| c == b'-')) {
            return false;
        }
        i += sep;
    }
}

/// A tag's characters, `[A-Za-z0-9_][A-Za-z0-9_.-]*`, matched by hand (the
/// length is checked apart).
fn is_tag(tag: &str) -> bool {
    let word = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
    match tag.as_bytes().split_first() {
        Some((first, rest)) => {
            word(first) && rest.iter().all(|c| word(c) || *c == b'.' || *c == b'-')
        }
        None => false,
    }
}
const TAG_MAX: usize = 128;
static DIGEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]+$")
        .expect("a valid built-in pattern")
});

/// The longest image name (repository) distribution accepts.
const NAME_MAX: usize = 255;

/// Why `repo` is not a valid image repository (a name without tag or digest).
pub fn repository(repo: &str) -> Option<String> {
    if repo.len() > NAME_MAX {
        return Some(format!(
            "must be at most {NAME_MAX} characters (it has {})",
            repo.len()
        ));
    }
    if repo.contains('@') {
        return Some("must not contain a digest: put it in 'tag'".to_owned());
    }
    let mut path = repo;
    // The first part is a registry host when it looks like one.
    if let Some((first, rest)) = repo.split_once('/')
        && (first.contains(['.', ':'])
            || first == "localhost"
            || first.chars().any(|c| c.is_ascii_uppercase()))
    {
        if !DOMAIN.is_match(first) {
            return Some(format!(
                "has an invalid registry host '{}'",
                planton_text::Excerpt(first)
            ));
        }
        path = rest;
    }
    if path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains(':'))
    {
        return Some("must not contain a tag: put it in 'tag'".to_owned());
    }
    if !path.split('/').all(is_path_component) {
        return Some(
            "must have path components of lowercase letters and digits, separated by '.', '_', '__' or '-' (for example 'registry.example.com/team/app')".to_owned(),
        );
    }
    None
}

/// Whether `tag` is a digest (`sha256:<hex>`) rather than a tag.
pub fn is_digest(tag: &str) -> bool {
    tag.contains(':')
}

/// Why `tag` is neither a valid tag nor a valid digest.
pub fn tag_or_digest(tag: &str) -> Option<String> {
    if is_digest(tag) {
        if !DIGEST.is_match(tag) || tag.split_once(':').is_some_and(|(_, hex)| hex.len() < 32) {
            return Some(
                "must be a tag, or a digest such as 'sha256:' followed by 64 hex digits".to_owned(),
            );
        }
        if let Some(hex) = tag.strip_prefix("sha256:")
            && hex.len() != 64
        {
            return Some(format!(
                "a sha256 digest has 64 hex digits (this one has {})",
                hex.len()
            ));
        }
        return None;
    }
    (tag.len() > TAG_MAX || !is_tag(tag)).then(|| {
        "must be a tag of at most 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'".to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories() {
        for ok in [
            "busybox",
            "library/busybox",
            "ghcr.io/acme/app",
            "registry.example.com:5000/team/app",
            "localhost/a",
            "a__b",
            "a--b",
            "MyHost.io/app",
            "[::1]:5000/app",
        ] {
            assert_eq!(repository(ok), None, "{ok}");
        }
        for bad in [
            "MyRegistry",
            "app:1.0",
            "app@sha256:abc",
            "a//b",
            "-app",
            "app-",
            "a/B",
            "bad host.io/app",
            "",
        ] {
            assert!(repository(bad).is_some(), "{bad}");
        }
    }

    /// The hand-written matchers agree with the grammar's regexes on every
    /// string of up to five characters from an alphabet that exercises them.
    #[test]
    fn matchers_equal_the_grammar_regexes() {
        let path = Regex::new(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$").unwrap();
        let tag = Regex::new(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$").unwrap();
        let alphabet = ['a', '0', 'Z', '.', '_', '-', ':', 'é'];
        let mut words = vec![String::new()];
        let mut checked = 0;
        for _ in 0..5 {
            let mut next = Vec::new();
            for w in &words {
                for c in alphabet {
                    let mut x = w.clone();
                    x.push(c);
                    assert_eq!(is_path_component(&x), path.is_match(&x), "{x}");
                    assert_eq!(is_tag(&x), tag.is_match(&x), "{x}");
                    checked += 1;
                    next.push(x);
                }
            }
            words = next;
        }
        assert_eq!(is_path_component(""), path.is_match(""));
        assert_eq!(is_tag(""), tag.is_match(""));
        assert!(checked > 30_000);
    }

    #[test]
    fn tags_and_digests() {
        for ok in [
            "latest",
            "1.2.3-rc.1",
            "v1_2",
            &format!("sha256:{}", "a".repeat(64)),
        ] {
            assert_eq!(tag_or_digest(ok), None, "{ok}");
        }
        for bad in [
            ".x",
            "-x",
            "v1:2",
            &"a".repeat(129),
            "sha256:abc",
            "sha256:xyz",
        ] {
            assert!(tag_or_digest(bad).is_some(), "{bad}");
        }
    }
}
