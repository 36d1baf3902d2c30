//! Per-thread spare buffers: a load or a write takes its scratch lists from
//! here and gives them back, emptied, when it is done, so that the next one
//! on the thread does not allocate (and free) them again.
//!
//! With glibc's allocator a kilobyte-sized allocation is not only slower
//! than a small one: it also makes the allocator consolidate the small
//! chunks freed since (those of the last document), which the following
//! small allocations then pay for.
//!
//! Taking leaves the thread's spare empty: a load inside another, or one
//! that panicked before giving back, just allocates anew. A buffer grown
//! past [`MAX_BYTES`] (by a huge input) is freed rather than kept.

use std::cell::Cell;
use std::thread::LocalKey;

/// The largest buffer kept for the thread's next use, in bytes.
pub(crate) const MAX_BYTES: usize = 64 * 1024;

/// A buffer kept for the thread's next use: a list or a string.
pub(crate) trait Buffer: Default {
    /// The bytes it holds room for.
    fn bytes(&self) -> usize;
    /// Room for at least `more` further items.
    fn reserve(&mut self, more: usize);
    /// Empties it, keeping its room.
    fn clear(&mut self);
}

impl<T> Buffer for Vec<T> {
    fn bytes(&self) -> usize {
        self.capacity().saturating_mul(size_of::<T>())
    }
    fn reserve(&mut self, more: usize) {
        Vec::reserve(self, more);
    }
    fn clear(&mut self) {
        Vec::clear(self);
    }
}

impl Buffer for String {
    fn bytes(&self) -> usize {
        self.capacity()
    }
    fn reserve(&mut self, more: usize) {
        String::reserve(self, more);
    }
    fn clear(&mut self) {
        String::clear(self);
    }
}

/// The spare buffer of `key`, empty, with room for at least `min` items.
pub(crate) fn take<B: Buffer>(key: &'static LocalKey<Cell<B>>, min: usize) -> B {
    // During the thread's exit the spare may be gone: then a new buffer.
    let mut buffer = key.try_with(Cell::take).unwrap_or_default();
    buffer.reserve(min);
    buffer
}

/// Gives `buffer` back to `key` for the thread's next use, emptied, unless
/// it is large.
pub(crate) fn give<B: Buffer>(key: &'static LocalKey<Cell<B>>, mut buffer: B) {
    if buffer.bytes() > MAX_BYTES {
        return;
    }
    buffer.clear();
    // During the thread's exit the buffer is just dropped.
    let _ = key.try_with(|spare| spare.set(buffer));
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static LIST: Cell<Vec<u64>> = const { Cell::new(Vec::new()) };
        static TEXT: Cell<String> = const { Cell::new(String::new()) };
    }

    #[test]
    fn a_list_given_back_is_taken_again_empty() {
        let mut list = take(&LIST, 100);
        assert!(list.capacity() >= 100);
        list.extend(0..50);
        let at = list.as_ptr();
        give(&LIST, list);
        let again = take(&LIST, 10);
        assert!(again.is_empty());
        assert_eq!(again.as_ptr(), at, "the same allocation");
        // Taken: a second taker gets a new list.
        let other = take(&LIST, 10);
        assert_ne!(other.as_ptr(), at);
        give(&LIST, again);
    }

    #[test]
    fn a_large_list_is_not_kept() {
        let mut list = take(&LIST, 0);
        list.reserve(MAX_BYTES / size_of::<u64>() + 1);
        give(&LIST, list);
        assert_eq!(LIST.take().capacity(), 0);
        let mut text = take(&TEXT, 0);
        text.reserve(MAX_BYTES + 1);
        give(&TEXT, text);
        assert_eq!(TEXT.take().capacity(), 0);
    }

    #[test]
    fn a_string_given_back_is_taken_again_empty() {
        let mut text = take(&TEXT, 64);
        text.push_str("some text");
        let at = text.as_ptr();
        give(&TEXT, text);
        let again = take(&TEXT, 8);
        assert!(again.is_empty());
        assert_eq!(again.as_ptr(), at);
    }
}
