//! Private copies of the descriptor pool, for threads that would otherwise
//! all count references on the one shared pool.
//!
//! Every prost-reflect descriptor and dynamic message holds the pool it
//! comes from by reference count, and reading a message takes and drops
//! such references all the time (a field's kind, its oneof, a nested
//! message's default). Threads working on messages of one pool write to
//! that one count: on two cores, a batch spent a tenth more CPU than on one.
//! A thread inside [`with_private_pool`] works on its own copy instead.
//!
//! Copies are decoded on demand and never freed: a copy whose call returned
//! is kept for the next call, so there are never more copies than threads
//! that were inside [`with_private_pool`] at the same time, and at most
//! [`MAX_COPIES`].

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use prost_reflect::DescriptorPool;

use crate::view::Fields;

/// The most copies ever made; further calls run on the shared pool.
pub(crate) const MAX_COPIES: usize = 64;

/// A private copy of the pool, and what is derived from it.
pub(crate) struct Copy {
    pub(crate) pool: DescriptorPool,
    fields: OnceLock<Option<Fields>>,
}

impl Copy {
    /// The views' descriptors, resolved in this copy on first use.
    pub(crate) fn fields(&self) -> Option<&Fields> {
        self.fields.get_or_init(|| Fields::new(&self.pool)).as_ref()
    }
}

/// The copies made, in the order made; a slot once set stays set.
static COPIES: [OnceLock<Copy>; MAX_COPIES] = [const { OnceLock::new() }; MAX_COPIES];
/// How many slots of `COPIES` were handed out (set, or being set).
static MADE: AtomicUsize = AtomicUsize::new(0);
/// Copies made and not in use, by slot.
static SPARE: Mutex<Vec<usize>> = Mutex::new(Vec::new());

thread_local! {
    /// The copy the calling thread is inside, if any.
    static CURRENT: Cell<Option<&'static Copy>> = const { Cell::new(None) };
}

/// The copy the calling thread is inside.
#[inline]
pub(crate) fn current() -> Option<&'static Copy> {
    // While the thread's locals are torn down: the shared pool.
    CURRENT.try_with(Cell::get).ok().flatten()
}

/// The copy that is `pool`, if it is one.
pub(crate) fn of(pool: &DescriptorPool) -> Option<&'static Copy> {
    if let Some(copy) = current()
        && copy.pool == *pool
    {
        return Some(copy);
    }
    let made = MADE.load(Ordering::Acquire).min(MAX_COPIES);
    COPIES[..made]
        .iter()
        .filter_map(OnceLock::get)
        .find(|copy| copy.pool == *pool)
}

/// Runs `f` with a private copy of the descriptor pool as this thread's:
/// inside, [`descriptor_pool()`](crate::descriptor_pool) and every generated
/// message's `descriptor()` are of the copy, and so is whatever is built
/// from them (a validator, the messages it loads).
///
/// For a thread of a batch: threads that each work inside their own copy
/// share no reference counts. The copy is decoded on the first call (about
/// as long as the shared pool's first use) and reused by later calls, on
/// any thread; a call inside another is the outer call's copy.
///
/// Descriptors and messages of the copy are not equal (`==`) to those of
/// the shared pool, and prost-reflect does not check which pool a message
/// set into a field comes from, so a message mixing two pools goes
/// unnoticed. What is built from descriptors keeps its pool wherever it is
/// used: a validator made inside works outside too, and on the documents it
/// loaded (the views, [`sensitive`](crate::sensitive) and the transform
/// read messages of any of this crate's pools); give it no message of
/// another pool to fill in. Once 64 copies are in use, `f` runs
/// on the shared pool.
///
/// # Examples
///
/// ```
/// use planton_api::prost_reflect::ReflectMessage;
/// use planton_api::{descriptor_pool, with_private_pool, KubernetesJob};
///
/// let shared = KubernetesJob::default().descriptor();
/// let private = with_private_pool(|| KubernetesJob::default().descriptor());
/// assert_eq!(private.full_name(), shared.full_name());
/// assert_ne!(private, shared);
/// assert_ne!(private.parent_pool(), descriptor_pool());
/// ```
pub fn with_private_pool<R>(f: impl FnOnce() -> R) -> R {
    if current().is_some() {
        return f();
    }
    let Some(slot) = take() else {
        return f();
    };
    let Some(copy) = COPIES[slot].get() else {
        return f();
    };
    /// Leaves the copy (on return or unwinding) and gives it back.
    struct Leave(usize);
    impl Drop for Leave {
        fn drop(&mut self) {
            let _ = CURRENT.try_with(|c| c.set(None));
            SPARE
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(self.0);
        }
    }
    let _leave = Leave(slot);
    CURRENT.with(|c| c.set(Some(copy)));
    f()
}

/// A slot with a copy not in use: a spare one, or a new one.
fn take() -> Option<usize> {
    if let Some(slot) = SPARE.lock().unwrap_or_else(PoisonError::into_inner).pop() {
        return Some(slot);
    }
    let slot = MADE
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |made| {
            (made < MAX_COPIES).then_some(made + 1)
        })
        .ok()?;
    let pool = DescriptorPool::decode(crate::FILE_DESCRIPTOR_SET).ok()?;
    let _ = COPIES[slot].set(Copy {
        pool,
        fields: OnceLock::new(),
    });
    Some(slot)
}

#[cfg(test)]
mod tests {
    use prost_reflect::{DynamicMessage, ReflectMessage};

    use super::*;
    use crate::view::{ContainerImageView, KubernetesJobStackInputView};
    use crate::{ContainerImage, KubernetesJob, KubernetesJobStackInput, descriptor_pool};

    #[test]
    fn inside_everything_is_of_the_copy_and_outside_of_the_shared_pool() {
        let shared = descriptor_pool().clone();
        let (pool, job) = with_private_pool(|| {
            (
                descriptor_pool().clone(),
                KubernetesJob::default().descriptor(),
            )
        });
        assert_ne!(pool, shared);
        assert_eq!(*job.parent_pool(), pool);
        assert_eq!(
            job.full_name(),
            KubernetesJob::default().descriptor().full_name()
        );
        // Back outside: the shared pool again.
        assert_eq!(*descriptor_pool(), shared);
        assert_eq!(*KubernetesJob::default().descriptor().parent_pool(), shared);
        assert!(crate::is_ours(&pool) && crate::is_ours(&shared));
        let foreign = DescriptorPool::decode(crate::FILE_DESCRIPTOR_SET).unwrap();
        assert!(!crate::is_ours(&foreign));
    }

    #[test]
    fn a_call_inside_another_is_the_outer_copy_and_copies_are_reused() {
        let (outer, inner) = with_private_pool(|| {
            let outer = descriptor_pool().clone();
            (outer, with_private_pool(|| descriptor_pool().clone()))
        });
        assert_eq!(outer, inner);
        // Given back, it is taken again (other tests may hold copies at the
        // same time, so the next call's copy is one of the copies made).
        let again = with_private_pool(|| descriptor_pool().clone());
        assert!(of(&again).is_some());
        assert!(MADE.load(Ordering::Acquire) <= MAX_COPIES);
    }

    #[test]
    fn a_panic_inside_leaves_the_copy() {
        let shared = descriptor_pool().clone();
        let caught = std::panic::catch_unwind(|| with_private_pool(|| panic!("inside")));
        assert!(caught.is_err());
        assert_eq!(*descriptor_pool(), shared);
    }

    #[test]
    fn views_read_messages_of_either_pool_wherever_they_run() {
        let image = ContainerImage {
            repo: "busybox".into(),
            tag: "1.36".into(),
            ..Default::default()
        };
        let shared = image.transcode_to_dynamic();
        let private = with_private_pool(|| image.transcode_to_dynamic());
        assert_ne!(shared.descriptor(), private.descriptor());
        for msg in [&shared, &private] {
            let outside = ContainerImageView::new(msg).map(|v| (v.repo(), v.tag()));
            assert_eq!(outside, Some(("busybox", "1.36")));
            let inside =
                with_private_pool(|| ContainerImageView::new(msg).map(|v| v.repo().to_owned()));
            assert_eq!(inside.as_deref(), Some("busybox"));
        }
        // A message of another type is still refused.
        let input = with_private_pool(|| {
            DynamicMessage::new(KubernetesJobStackInput::default().descriptor())
        });
        assert!(ContainerImageView::new(&input).is_none());
        assert!(KubernetesJobStackInputView::new(&input).is_some());
    }

    #[test]
    fn secret_paths_are_found_from_a_root_of_either_pool() {
        let shared = KubernetesJobStackInput::default().descriptor();
        let private = with_private_pool(|| KubernetesJobStackInput::default().descriptor());
        for root in [&shared, &private] {
            assert!(crate::sensitive::is_secret_path(root, "docker_config_json"));
            assert!(crate::sensitive::is_secret_path(
                root,
                r#"target.spec.env.secrets["A"].value"#
            ));
            assert!(!crate::sensitive::is_secret_path(
                root,
                r#"target.spec.env.variables["A"].value"#
            ));
            assert!(crate::sensitive::in_secret_field(
                root,
                "target.spec.env.secrets"
            ));
        }
    }
}
