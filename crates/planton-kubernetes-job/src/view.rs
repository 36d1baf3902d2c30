//! Helpers for the rules' bookkeeping. The rules and the transform read a
//! loaded document through the typed views generated in
//! [`planton_api::view`].

use std::collections::HashMap;

/// Up to this many entries, a linear scan beats hashing.
const SHORT: usize = 16;

/// The first index at which each string was seen: a list while short (no
/// hashing), a hash map once long (no quadratic time on hostile input).
#[derive(Default)]
pub(crate) struct FirstSeen<'a> {
    short: Vec<(&'a str, usize)>,
    long: HashMap<&'a str, usize>,
}

impl<'a> FirstSeen<'a> {
    /// Records `key` at `index`; returns where it was first seen, if before.
    pub(crate) fn insert(&mut self, key: &'a str, index: usize) -> Option<usize> {
        if let Some(&(_, first)) = self.short.iter().find(|(k, _)| *k == key) {
            return Some(first);
        }
        if self.short.len() < SHORT {
            self.short.push((key, index));
            return None;
        }
        match self.long.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(index);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_seen_answers_alike_short_and_long() {
        let keys: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
        let mut seen = FirstSeen::default();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(seen.insert(k, i), None, "{k}");
        }
        // Repeats of keys kept in the list and in the map.
        assert_eq!(seen.insert(&keys[3], 50), Some(3));
        assert_eq!(seen.insert(&keys[30], 51), Some(30));
        assert_eq!(seen.insert("new", 52), None);
        assert_eq!(seen.insert("new", 53), Some(52));
    }
}
