//! Input text as it may appear in an error or violation message: bounded.
//!
//! A message that repeats what the input said (a key, a value, an enum name,
//! a kind, a tag) uses [`Excerpt`], which keeps the first
//! [`EXCERPT_CHARS`] characters and says how many bytes it cut; a "did you
//! mean" hint uses [`closest`], which gives up on long names instead of running
//! an edit distance over megabytes.
//!
//! # Examples
//!
//! ```
//! use planton_text::{Excerpt, closest};
//!
//! assert_eq!(Excerpt("short").to_string(), "short");
//! let long = "x".repeat(100);
//! assert_eq!(Excerpt(&long).to_string(), format!("{}…[+36 bytes]", "x".repeat(64)));
//! assert_eq!(format!("{:?}", Excerpt("a\"b")), r#""a\"b""#);
//!
//! assert_eq!(closest("KubernetesJobs", ["KubernetesJob", "KubernetesCronJob"]), Some("KubernetesJob"));
//! assert_eq!(closest(&long, ["KubernetesJob"]), None);
//! ```

#![deny(missing_docs)]

use std::fmt;

/// The most characters of an input text a message shows.
pub const EXCERPT_CHARS: usize = 64;

/// The longest name (and candidate), in bytes, for which [`closest`] looks
/// for a suggestion.
pub const SUGGEST_MAX_BYTES: usize = 64;

/// A piece of input text, cut for a message.
///
/// `Display` writes the text itself, `Debug` writes it quoted and escaped as
/// a Rust string; either way at most [`EXCERPT_CHARS`] characters of it,
/// followed by `…[+N bytes]` when `N` bytes were cut.
#[derive(Clone, Copy)]
pub struct Excerpt<'a>(pub &'a str);

impl<'a> Excerpt<'a> {
    /// The part that is shown, and how many bytes were cut.
    pub fn split(&self) -> (&'a str, usize) {
        match self.0.char_indices().nth(EXCERPT_CHARS) {
            Some((at, _)) => (&self.0[..at], self.0.len() - at),
            None => (self.0, 0),
        }
    }
}

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (shown, cut) = self.split();
        f.write_str(shown)?;
        if cut > 0 {
            write!(f, "…[+{cut} bytes]")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (shown, cut) = self.split();
        write!(f, "{shown:?}")?;
        if cut > 0 {
            write!(f, "…[+{cut} bytes]")?;
        }
        Ok(())
    }
}

/// The text cut as [`Excerpt`] shows it, as an owned string.
pub fn excerpt(text: &str) -> String {
    Excerpt(text).to_string()
}

/// The candidate nearest to `name` by edit distance (ASCII case ignored), if
/// it is within a third of the name's length (at least 1); ties go to the
/// smallest candidate.
///
/// Bounded: a name or candidate longer than [`SUGGEST_MAX_BYTES`] is never
/// compared, so each comparison costs at most 64 × 64 steps.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if name.is_empty() || name.len() > SUGGEST_MAX_BYTES {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    let max = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| c.len() <= SUGGEST_MAX_BYTES)
        .map(|c| (strsim::levenshtein(&lower, &c.to_ascii_lowercase()), c))
        .filter(|&(d, _)| d <= max)
        .min_by_key(|&(d, c)| (d, c))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_on_character_boundaries() {
        let text = "é".repeat(70);
        let (shown, cut) = Excerpt(&text).split();
        assert_eq!(shown, "é".repeat(64));
        assert_eq!(cut, 12);
        assert_eq!(
            Excerpt(&text).to_string(),
            format!("{}…[+12 bytes]", "é".repeat(64))
        );
        assert_eq!(excerpt(&"a".repeat(64)), "a".repeat(64));
        assert_eq!(excerpt(""), "");
    }

    #[test]
    fn excerpts_stay_small_for_huge_text() {
        let text = "k".repeat(4 << 20);
        let shown = format!("{:?}", Excerpt(&text));
        assert_eq!(
            shown,
            format!("\"{}\"…[+{} bytes]", "k".repeat(64), (4 << 20) - 64)
        );
    }

    #[test]
    fn suggestions() {
        let kinds = ["KubernetesJob", "KubernetesCronJob"];
        assert_eq!(closest("kubernetesjob", kinds), Some("KubernetesJob"));
        assert_eq!(closest("Job", kinds), None);
        assert_eq!(closest("", kinds), None);
        assert_eq!(
            closest("backofLimit", ["backoffLimit", "completions"]),
            Some("backoffLimit")
        );
        // Ties: the smaller candidate.
        assert_eq!(closest("ab", ["ac", "aa"]), Some("aa"));
    }

    #[test]
    fn long_names_and_candidates_get_no_suggestion() {
        let long = "a".repeat(65);
        assert_eq!(closest(&long, [long.as_str()]), None);
        assert_eq!(closest(&long[..64], [long.as_str()]), None);
        let at_limit = "a".repeat(64);
        assert_eq!(
            closest(&at_limit, [at_limit.as_str()]),
            Some(at_limit.as_str())
        );
    }
}
