//! Container image references (the grammar of distribution/reference).

use std::sync::LazyLock;

use regex::Regex;

static DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$")
        .expect("a valid built-in pattern")
});
static PATH_COMPONENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$").expect("a valid built-in pattern")
});
// ASCII classes and a separate length check: a Unicode `\w{0,127}` takes
// tens of milliseconds to compile, which a CLI run cannot afford.
static TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$").expect("a valid built-in pattern")
});
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
    let mut parts: Vec<&str> = repo.split('/').collect();
    // The first part is a registry host when it looks like one.
    if parts.len() > 1
        && (parts[0].contains(['.', ':'])
            || parts[0] == "localhost"
            || parts[0].chars().any(|c| c.is_ascii_uppercase()))
    {
        let domain = parts.remove(0);
        if !DOMAIN.is_match(domain) {
            return Some(format!(
                "has an invalid registry host '{}'",
                planton_text::Excerpt(domain)
            ));
        }
    }
    if let Some(last) = parts.last()
        && last.contains(':')
    {
        return Some("must not contain a tag: put it in 'tag'".to_owned());
    }
    if parts.iter().any(|p| !PATH_COMPONENT.is_match(p)) {
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
    (tag.len() > TAG_MAX || !TAG.is_match(tag)).then(|| {
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
