//! The string formats of protovalidate's CEL functions: `isEmail`,
//! `isHostname`, `isIp`, `isIpPrefix`, `isUri`, `isUriRef`, `isHostAndPort`.
//! Each is linear in its input.

use std::net::{Ipv4Addr, Ipv6Addr};

/// An email address as the HTML standard defines a valid one (which
/// protovalidate follows): `local@host`, the host a hostname of labels.
pub(crate) fn is_email(s: &str) -> bool {
    let Some((local, host)) = s.split_once('@') else {
        return false;
    };
    if local.is_empty() {
        return false;
    }
    let local_ok = local
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b));
    if !local_ok || host.is_empty() || host.len() > 253 {
        return false;
    }
    host.split('.').all(|label| {
        let b = label.as_bytes();
        !b.is_empty()
            && b.len() <= 63
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
    })
}

/// A hostname: dot-separated labels of letters, digits and hyphens, at most
/// 63 characters each, not starting or ending with a hyphen, the last not
/// all digits; at most 253 characters; one trailing dot allowed.
pub(crate) fn is_hostname(s: &str) -> bool {
    if s.len() > 253 {
        return false;
    }
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() {
        return false;
    }
    let mut last_all_digits = false;
    for label in s.split('.') {
        let b = label.as_bytes();
        if b.is_empty()
            || b.len() > 63
            || b[0] == b'-'
            || b[b.len() - 1] == b'-'
            || !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        {
            return false;
        }
        last_all_digits = b.iter().all(u8::is_ascii_digit);
    }
    !last_all_digits
}

fn is_ipv4(s: &str) -> bool {
    s.parse::<Ipv4Addr>().is_ok()
}

fn is_ipv6(s: &str, allow_zone: bool) -> bool {
    match s.split_once('%') {
        Some((addr, zone)) => {
            allow_zone
                && !zone.is_empty()
                && !zone.contains('\0')
                && addr.parse::<Ipv6Addr>().is_ok()
        }
        None => s.parse::<Ipv6Addr>().is_ok(),
    }
}

/// An IP address of `version` 4 or 6, or of either for 0. IPv6 addresses
/// may carry a zone (`fe80::1%eth0`).
pub(crate) fn is_ip(s: &str, version: i64) -> bool {
    match version {
        0 => is_ipv4(s) || is_ipv6(s, true),
        4 => is_ipv4(s),
        6 => is_ipv6(s, true),
        _ => false,
    }
}

/// An IP prefix `address/length`; with `strict`, the address must be the
/// network address (its host bits zero).
pub(crate) fn is_ip_prefix(s: &str, version: i64, strict: bool) -> bool {
    let Some((addr, len)) = s.split_once('/') else {
        return false;
    };
    if len.is_empty()
        || len.len() > 3
        || !len.bytes().all(|b| b.is_ascii_digit())
        || (len.len() > 1 && len.starts_with('0'))
    {
        return false;
    }
    let Ok(len) = len.parse::<u32>() else {
        return false;
    };
    let v4 = |addr: &str| {
        addr.parse::<Ipv4Addr>().is_ok_and(|a| {
            len <= 32 && (!strict || u32::from(a).checked_shl(len).unwrap_or(0) == 0)
        })
    };
    let v6 = |addr: &str| {
        addr.parse::<Ipv6Addr>().is_ok_and(|a| {
            len <= 128 && (!strict || u128::from(a).checked_shl(len).unwrap_or(0) == 0)
        })
    };
    match version {
        0 => v4(addr) || v6(addr),
        4 => v4(addr),
        6 => v6(addr),
        _ => false,
    }
}

/// An absolute URI (RFC 3986 `URI`, with RFC 6874 zone identifiers in IPv6
/// hosts, and a percent-encoded host name that decodes to UTF-8).
pub(crate) fn is_uri(s: &str) -> bool {
    let Some(s) = without_zone(s) else {
        return false;
    };
    fluent_uri::Uri::parse(s.as_ref())
        .is_ok_and(|u| u.authority().is_none_or(|a| host_decodes(a.host())))
}

/// A URI or a relative reference (RFC 3986 `URI-reference`), as [`is_uri`].
pub(crate) fn is_uri_ref(s: &str) -> bool {
    let Some(s) = without_zone(s) else {
        return false;
    };
    fluent_uri::UriRef::parse(s.as_ref())
        .is_ok_and(|u| u.authority().is_none_or(|a| host_decodes(a.host())))
}

/// `s` without the zone identifier (`%25` and what follows up to `]`) of a
/// bracketed IPv6 host, which RFC 3986 parsers do not know; `None` when the
/// zone is not RFC 6874's `1*( unreserved / pct-encoded )`.
fn without_zone(s: &str) -> Option<std::borrow::Cow<'_, str>> {
    let Some(open) = s.find('[') else {
        return Some(s.into());
    };
    let Some(close) = s[open..].find(']').map(|i| open + i) else {
        return Some(s.into());
    };
    let Some(pct) = s[open..close].find("%25").map(|i| open + i) else {
        return Some(s.into());
    };
    let zone = &s[pct + 3..close];
    if zone.is_empty()
        || !pct_encoded_ok(zone, |b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        || !host_decodes(zone)
    {
        return None;
    }
    Some(format!("{}{}", &s[..pct], &s[close..]).into())
}

/// Whether `s` is made of bytes `allowed` accepts and `%XX` escapes.
fn pct_encoded_ok(s: &str, allowed: impl Fn(u8) -> bool) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if i + 2 >= b.len() {
                return false;
            }
            if !(b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit()) {
                return false;
            }
            i += 3;
        } else if allowed(b[i]) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

/// Whether a registered name's percent escapes decode to UTF-8 (an IP
/// literal or address has none).
fn host_decodes(host: &str) -> bool {
    if host.starts_with('[') || !host.contains('%') {
        return true;
    }
    let b = host.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(v) => out.push(v),
                None => return false,
            }
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    std::str::from_utf8(&out).is_ok()
}

/// `host:port`, the host a hostname, an IPv4 address or a bracketed IPv6
/// address, the port 0 to 65535; the port may be left out unless
/// `port_required`.
pub(crate) fn is_host_and_port(s: &str, port_required: bool) -> bool {
    let port_ok = |p: &str| {
        !p.is_empty()
            && p.len() <= 5
            && p.bytes().all(|b| b.is_ascii_digit())
            && (p.len() == 1 || !p.starts_with('0'))
            && p.parse::<u32>().is_ok_and(|n| n <= 65535)
    };
    if let Some(rest) = s.strip_prefix('[') {
        // A zone may hold any character but NUL, `]` too: the host ends at
        // the last `]`.
        return match rest.strip_suffix(']') {
            Some(host) => !port_required && is_ipv6(host, true),
            None => match rest.rsplit_once("]:") {
                Some((host, port)) => is_ipv6(host, true) && port_ok(port),
                None => false,
            },
        };
    }
    match s.rsplit_once(':') {
        Some((host, port)) => (is_hostname(host) || is_ipv4(host)) && port_ok(port),
        None => !port_required && (is_hostname(s) || is_ipv4(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames() {
        assert!(is_hostname("a.example.com"));
        assert!(is_hostname("example.com."));
        assert!(!is_hostname("a..com"));
        assert!(!is_hostname("a-.com"));
        assert!(!is_hostname("example.123"));
        assert!(!is_hostname(&"a".repeat(64)));
    }

    #[test]
    fn ips_and_prefixes() {
        assert!(is_ip("127.0.0.1", 4));
        assert!(!is_ip("127.0.0.01", 4));
        assert!(is_ip("::1", 6));
        assert!(is_ip("fe80::1%eth0", 0));
        assert!(is_ip_prefix("192.168.0.0/16", 4, true));
        assert!(!is_ip_prefix("192.168.0.1/16", 4, true));
        assert!(is_ip_prefix("192.168.0.1/16", 4, false));
        assert!(!is_ip_prefix("192.168.0.0/33", 4, false));
        assert!(is_ip_prefix("2001:db8::/32", 6, true));
    }

    #[test]
    fn uris() {
        assert!(is_uri("https://[::1%25eth0]/a"));
        assert!(is_uri("https://[::1%25foo%c3%96]"));
        assert!(!is_uri("https://[::1%25]"));
        assert!(!is_uri("https://[::1%25foo%c3x%96]"));
        assert!(!is_uri("https://[::1%25a b]"));
        assert!(!is_uri("https://foo%c3x%96"));
        assert!(is_uri("https://foo%c3%96"));
        assert!(!is_uri("//host/path"));
        assert!(is_uri_ref("//host/path"));
        assert!(is_uri_ref("a%20b?q#f"));
        assert!(!is_uri_ref("a b"));
    }

    #[test]
    fn host_and_port() {
        assert!(is_host_and_port("example.com:443", true));
        assert!(is_host_and_port("[::1]:80", true));
        assert!(!is_host_and_port("example.com", true));
        assert!(is_host_and_port("example.com", false));
        assert!(!is_host_and_port("example.com:65536", true));
        assert!(!is_host_and_port("example.com:080", true));
        assert!(is_host_and_port("[::0%00]]", false));
        assert!(!is_host_and_port("[::1%\0]:80", true));
    }
}
