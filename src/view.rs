//! Typed, read-only views of [`DynamicMessage`]s, generated from the
//! descriptors at build time.
//!
//! Every message of the protos has a `<Message>View<'a>` with one accessor per
//! field, named like the field and typed by it: a `string` reads as `&str`, a
//! field with presence (a proto3 `optional`, a oneof member, a message) as an
//! `Option`, a repeated field as a [`List`], a `map<string, _>` as a [`Map`],
//! a message as its view. A renamed, removed or retyped field changes the
//! generated accessor, so code reading it stops compiling; no field is looked
//! up by name at run time. The descriptors are resolved once, by field
//! number.
//!
//! Views read a message where it is (no conversion to the generated structs),
//! which is what makes them cheap enough for validation rules.
//!
//! # Examples
//!
//! ```
//! use planton_api::prost_reflect::{DynamicMessage, ReflectMessage};
//! use planton_api::view::ContainerImageView;
//! use planton_api::ContainerImage;
//!
//! let image = ContainerImage { repo: "busybox".into(), tag: "1.36".into(), ..Default::default() };
//! let message: DynamicMessage = image.transcode_to_dynamic();
//! let view = ContainerImageView::new(&message).unwrap();
//! assert_eq!((view.repo(), view.tag(), view.pull_secret_name()), ("busybox", "1.36", ""));
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::marker::PhantomData;

use prost_reflect::{DescriptorPool, DynamicMessage, FieldDescriptor, MapKey, Value};

#[allow(missing_docs, clippy::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/views.rs"));
}

pub use generated::*;

impl std::fmt::Debug for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fields").finish_non_exhaustive()
    }
}

/// The descriptors of every message and field, resolved once, on first use,
/// for code that also writes messages (views only read). `None` if the
/// embedded descriptor set lacks a message or field the views were generated
/// from (it cannot: both come from the same build, which a test checks).
///
/// They are of [`descriptor_pool()`](crate::descriptor_pool), the calling
/// thread's pool (see [`with_private_pool`](crate::with_private_pool)).
#[inline]
pub fn fields() -> Option<&'static Fields> {
    match crate::private::current() {
        Some(copy) => copy.fields(),
        None => shared_fields(),
    }
}

/// The descriptors of every message and field in `pool`: `None` unless it
/// is one of this crate's pools (the shared one or a private copy).
///
/// What code reading or writing a message it was given uses, so that it
/// works on messages of any of this crate's pools, wherever it runs.
#[inline]
pub fn fields_in(pool: &DescriptorPool) -> Option<&'static Fields> {
    if let Some(copy) = crate::private::current()
        && copy.pool == *pool
    {
        return copy.fields();
    }
    if *pool == *crate::SHARED_POOL {
        return shared_fields();
    }
    crate::private::of(pool)?.fields()
}

fn shared_fields() -> Option<&'static Fields> {
    static FIELDS: std::sync::LazyLock<Option<Fields>> =
        std::sync::LazyLock::new(|| Fields::new(&crate::SHARED_POOL));
    FIELDS.as_ref()
}

/// The value of `field`, a field with presence (a message, a proto3
/// `optional`, a oneof member), in `msg` when it is set, borrowed: `None`
/// without building the field's default.
///
/// Also the read of a map or a list of messages: prost-reflect builds the
/// default of such a field, whenever it is read unset, from its descriptor
/// (a descriptor clone and a look-up of the map-entry option, twice for a
/// map), while `has_field` of an unset field is one look-up. Such fields are
/// mostly unset in manifests; a set one pays that cost once, in `has_field`.
#[doc(hidden)]
#[inline]
pub fn get_present<'a>(msg: &'a DynamicMessage, field: &FieldDescriptor) -> Option<&'a Value> {
    if !msg.has_field(field) {
        return None;
    }
    get_held(msg, field)
}

/// The value `msg` holds for `field`, a field without presence (a list, a
/// map, a proto3 scalar), borrowed; `None` when it holds none (the accessor
/// then reads the default). `has_field` is not asked: for such a field it
/// would compare the value with a default built from the descriptor.
#[doc(hidden)]
#[inline]
pub fn get_held<'a>(msg: &'a DynamicMessage, field: &FieldDescriptor) -> Option<&'a Value> {
    match msg.get_field(field) {
        Cow::Borrowed(v) => Some(v),
        Cow::Owned(_) => None,
    }
}

/// The number of an enum value (known to the enum or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct EnumNumber(pub i32);

/// A value read out of a [`Value`]: a scalar, a string, bytes, or a view.
///
/// A dynamic message only holds values of its fields' types (prost-reflect
/// checks them when setting), so the conversion of a field's value to the
/// field's accessor type always succeeds; `None` is never a silent default
/// for a mismatch that could occur.
pub trait FromValue<'a>: Sized {
    /// `v` as `Self`, `None` if it has another type.
    #[doc(hidden)]
    fn from_value(v: &'a Value, f: &'static Fields) -> Option<Self>;
}

macro_rules! scalar {
    ($($ty:ty => $variant:ident),* $(,)?) => {$(
        impl<'a> FromValue<'a> for $ty {
            #[inline]
            fn from_value(v: &'a Value, _: &'static Fields) -> Option<Self> {
                match v {
                    Value::$variant(x) => Some(*x),
                    _ => None,
                }
            }
        }
    )*};
}

scalar!(bool => Bool, i32 => I32, i64 => I64, u32 => U32, u64 => U64, f32 => F32, f64 => F64);

impl<'a> FromValue<'a> for &'a str {
    #[inline]
    fn from_value(v: &'a Value, _: &'static Fields) -> Option<Self> {
        match v {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl<'a> FromValue<'a> for &'a [u8] {
    fn from_value(v: &'a Value, _: &'static Fields) -> Option<Self> {
        match v {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

impl<'a> FromValue<'a> for EnumNumber {
    fn from_value(v: &'a Value, _: &'static Fields) -> Option<Self> {
        match v {
            Value::EnumNumber(n) => Some(EnumNumber(*n)),
            _ => None,
        }
    }
}

/// A repeated field: its items, in order.
#[derive(Clone, Copy)]
pub struct List<'a, T> {
    items: &'a [Value],
    f: &'static Fields,
    item: PhantomData<fn() -> T>,
}

impl<'a, T: FromValue<'a>> List<'a, T> {
    #[doc(hidden)]
    pub fn new(value: Option<&'a Value>, f: &'static Fields) -> Self {
        let items: &'a [Value] = match value {
            Some(Value::List(items)) => items,
            _ => &[],
        };
        List {
            items,
            f,
            item: PhantomData,
        }
    }

    /// The number of items.
    pub fn len(self) -> usize {
        self.items.len()
    }

    /// Whether there is no item.
    pub fn is_empty(self) -> bool {
        self.items.is_empty()
    }

    /// The items, in order.
    pub fn iter(self) -> impl Iterator<Item = T> + 'a {
        let f = self.f;
        self.items.iter().filter_map(move |v| T::from_value(v, f))
    }
}

/// Up to this many entries, a map's key is found by a linear scan (no key to
/// build, no hashing).
const SHORT: usize = 16;

/// A `map<string, _>` field (empty when unset).
#[derive(Clone, Copy)]
pub struct Map<'a, T> {
    map: Option<&'a HashMap<MapKey, Value>>,
    f: &'static Fields,
    item: PhantomData<fn() -> T>,
}

impl<'a, T: FromValue<'a>> Map<'a, T> {
    #[doc(hidden)]
    pub fn new(value: Option<&'a Value>, f: &'static Fields) -> Self {
        let map = match value {
            Some(Value::Map(m)) => Some(m),
            _ => None,
        };
        Map {
            map,
            f,
            item: PhantomData,
        }
    }

    /// The number of entries.
    pub fn len(self) -> usize {
        self.map.map_or(0, HashMap::len)
    }

    /// Whether there is no entry.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The entries, in no particular order.
    pub fn iter(self) -> impl Iterator<Item = (&'a str, T)> + 'a {
        let f = self.f;
        self.map
            .into_iter()
            .flatten()
            .filter_map(move |(k, v)| match k {
                MapKey::String(k) => Some((k.as_str(), T::from_value(v, f)?)),
                _ => None,
            })
    }

    /// Whether the map has the key `key`.
    pub fn contains_key(self, key: &str) -> bool {
        self.map.is_some_and(|m| {
            if m.len() <= SHORT {
                m.keys().any(|k| matches!(k, MapKey::String(s) if s == key))
            } else {
                m.contains_key(&MapKey::String(key.to_owned()))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use prost_reflect::ReflectMessage;

    use super::*;
    use crate::{
        ContainerImage, KubernetesJob, KubernetesJobContainerAppEnv, KubernetesJobSpec,
        KubernetesSensitiveValue,
        org::project_planton::provider::kubernetes::kubernetes_sensitive_value::SensitiveValue,
    };

    #[test]
    fn every_message_and_field_resolves() {
        assert!(fields().is_some());
    }

    #[test]
    fn views_read_what_the_generated_types_wrote() {
        let job = KubernetesJob {
            spec: Some(KubernetesJobSpec {
                image: Some(ContainerImage {
                    repo: "busybox".into(),
                    tag: "1.36".into(),
                    ..Default::default()
                }),
                parallelism: Some(3),
                command: vec!["sh".into(), "-c".into()],
                env: Some(KubernetesJobContainerAppEnv {
                    secrets: [(
                        "A".to_owned(),
                        KubernetesSensitiveValue {
                            sensitive_value: Some(SensitiveValue::Value(String::new())),
                        },
                    )]
                    .into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let message = job.transcode_to_dynamic();
        let view = KubernetesJobView::new(&message).unwrap();
        assert!(view.metadata().is_none());
        let spec = view.spec().unwrap();
        let image = spec.image().unwrap();
        assert_eq!((image.repo(), image.tag()), ("busybox", "1.36"));
        assert_eq!(spec.parallelism(), Some(3));
        assert_eq!(spec.completions(), None);
        assert_eq!(spec.command().iter().collect::<Vec<_>>(), ["sh", "-c"]);
        assert_eq!(spec.args().len(), 0);
        let secrets = spec.env().unwrap().secrets();
        assert!(secrets.contains_key("A") && !secrets.contains_key("B"));
        let (name, value) = secrets.iter().next().unwrap();
        // A oneof member set to "" is set.
        assert_eq!((name, value.value()), ("A", Some("")));
        assert!(value.secret_ref().is_none());
        // A view of another message type is refused.
        assert!(ContainerImageView::new(&message).is_none());
    }

    #[test]
    fn long_maps_find_keys() {
        let message = KubernetesJobContainerAppEnv {
            secrets: (0..40)
                .map(|i| (format!("K{i}"), KubernetesSensitiveValue::default()))
                .collect(),
            ..Default::default()
        }
        .transcode_to_dynamic();
        let secrets = KubernetesJobContainerAppEnvView::new(&message)
            .unwrap()
            .secrets();
        assert_eq!(secrets.len(), 40);
        assert!(secrets.contains_key("K0") && secrets.contains_key("K39"));
        assert!(!secrets.contains_key("K40"));
        let _ = message.descriptor();
    }
}
