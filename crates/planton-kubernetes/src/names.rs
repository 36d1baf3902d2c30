//! The name and value syntaxes of Kubernetes (k8s.io/apimachinery validation).

// Hand-written matchers rather than regexes: they run on every manifest and
// every name in it, and a regex costs a compilation at start-up.

fn alnum_lower(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
fn is_label(s: &[u8]) -> bool {
    match (s.first(), s.last()) {
        (Some(&f), Some(&l)) => {
            alnum_lower(f) && alnum_lower(l) && s.iter().all(|&b| alnum_lower(b) || b == b'-')
        }
        _ => false,
    }
}

/// Labels joined by dots.
fn is_subdomain(s: &str) -> bool {
    s.split('.').all(|part| is_label(part.as_bytes()))
}

/// `(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?`
fn is_label_value(s: &[u8]) -> bool {
    match (s.first(), s.last()) {
        (None, _) => true,
        (Some(&f), Some(&l)) => {
            f.is_ascii_alphanumeric()
                && l.is_ascii_alphanumeric()
                && s.iter()
                    .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// The longest DNS-1123 label.
pub const LABEL_MAX: usize = 63;
/// The longest DNS-1123 subdomain, and object name.
pub const SUBDOMAIN_MAX: usize = 253;

/// Why `s` is not a DNS-1123 label, if it is not one.
pub fn dns1123_label(s: &str) -> Option<String> {
    if s.len() > LABEL_MAX {
        return Some(format!(
            "must be at most {LABEL_MAX} characters (it has {})",
            s.len()
        ));
    }
    (!is_label(s.as_bytes())).then(|| {
        "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"
            .to_owned()
    })
}

/// Why `s` is not a DNS-1123 subdomain, if it is not one.
pub fn dns1123_subdomain(s: &str) -> Option<String> {
    if s.len() > SUBDOMAIN_MAX {
        return Some(format!(
            "must be at most {SUBDOMAIN_MAX} characters (it has {})",
            s.len()
        ));
    }
    (!is_subdomain(s)).then(|| {
        "must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit".to_owned()
    })
}

/// Why `s` is not a label value, if it is not one.
pub fn label_value(s: &str) -> Option<String> {
    if s.len() > LABEL_MAX {
        return Some(format!(
            "must be at most {LABEL_MAX} characters to be a label value (it has {})",
            s.len()
        ));
    }
    (!is_label_value(s.as_bytes())).then(|| {
        "must be a valid label value: letters, digits, '-', '_' and '.', starting and ending with a letter or digit".to_owned()
    })
}

/// The name part of a qualified name: `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, non-empty.
fn is_qualified_name_part(s: &[u8]) -> bool {
    !s.is_empty() && is_label_value(s)
}

/// Why `s` is not a qualified name (a label or annotation key: an optional
/// DNS-1123 subdomain prefix and '/', then a name of at most 63 letters,
/// digits, '-', '_' and '.', alphanumeric at both ends), if it is not one.
pub fn qualified_name(s: &str) -> Option<String> {
    let (prefix, name) = match s.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, s),
    };
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            return Some("must not have an empty prefix before '/'".to_owned());
        }
        if let Some(why) = dns1123_subdomain(prefix) {
            return Some(format!("has a prefix that {why}"));
        }
    }
    if name.len() > LABEL_MAX {
        return Some(format!(
            "must have a name part of at most {LABEL_MAX} characters (it has {})",
            name.len()
        ));
    }
    (!is_qualified_name_part(name.as_bytes())).then(|| {
        "must be a qualified name: an optional DNS-1123 subdomain prefix and '/', then letters, digits, '-', '_' and '.', starting and ending with a letter or digit".to_owned()
    })
}

/// Whether `s` is a valid environment variable name: printable ASCII
/// characters other than '=', as Kubernetes accepts since 1.32 (relaxed
/// validation, on by default in 1.32 and 1.33, always since 1.34, the oldest
/// release we claim).
pub fn env_var_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| (b' '..=b'~').contains(&b) && b != b'=')
}

/// Why `s` is not a ConfigMap or Secret data key, if it is not one.
pub fn data_key(s: &str) -> Option<String> {
    if s.len() > SUBDOMAIN_MAX {
        return Some(format!(
            "must be at most {SUBDOMAIN_MAX} characters (it has {})",
            s.len()
        ));
    }
    let ok = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if !ok {
        return Some("must consist of letters, digits, '-', '_' or '.'".to_owned());
    }
    // It is also a file name in a mounted volume.
    (s == "." || s.starts_with("..")).then(|| "must not be '.' or start with '..'".to_owned())
}

/// Why `s` is not a relative path without `..` elements, if it is not one.
pub fn relative_path(s: &str) -> Option<String> {
    if s.starts_with('/') {
        return Some("must be a relative path".to_owned());
    }
    backsteps(s)
}

/// Why `s` has a `..` element, if it has one.
pub fn backsteps(s: &str) -> Option<String> {
    s.split('/')
        .any(|part| part == "..")
        .then(|| "must not contain '..'".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_subdomains() {
        assert!(dns1123_label("data-migration").is_none());
        assert!(dns1123_label(&"a".repeat(63)).is_none());
        assert!(dns1123_label(&"a".repeat(64)).is_some());
        for bad in ["Data", "-a", "a-", "a.b", "a_b", ""] {
            assert!(dns1123_label(bad).is_some(), "{bad}");
        }
        assert!(dns1123_subdomain("a.b-c.d").is_none());
        for bad in ["a..b", ".a", "A", "a_b"] {
            assert!(dns1123_subdomain(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn label_values_env_names_and_keys() {
        assert!(label_value("").is_none());
        assert!(label_value("Prod_1.x").is_none());
        assert!(label_value("-x").is_some());
        assert!(env_var_name("_A.b-1") && env_var_name("a") && env_var_name("1A"));
        assert!(env_var_name("A B") && env_var_name("~!@#$%^&*()"));
        assert!(!env_var_name("A=B") && !env_var_name("") && !env_var_name("Ä"));
        assert!(!env_var_name("A\tB") && !env_var_name("A\u{7f}"));
        assert!(data_key("run.sh").is_none());
        assert!(data_key("a/b").is_some());
        assert!(relative_path("a/b").is_none());
        assert!(relative_path("/a").is_some());
        assert!(relative_path("a/../b").is_some());
        assert!(relative_path("a..b").is_none());
    }

    #[test]
    fn qualified_names() {
        for ok in [
            "app",
            "App_1.x-y",
            "example.com/team",
            "planton.ai/name",
            &"a".repeat(63),
            &format!("{}/{}", "p".repeat(253), "n".repeat(63)),
        ] {
            assert!(qualified_name(ok).is_none(), "{ok}");
        }
        for bad in [
            "",
            "/a",
            "a/",
            "a/b/c",
            "Example.com/a",
            "-a",
            "a-",
            "a b",
            "ä",
            &"a".repeat(64),
            &format!("{}/a", "p".repeat(254)),
        ] {
            assert!(qualified_name(bad).is_some(), "{bad}");
        }
    }
}
