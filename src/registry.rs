//! The [`CloudResourceKind`] registry: each kind's metadata (provider, version,
//! id prefix, api version) as declared by the `kind_meta` and `provider_meta`
//! options of the protos, and lookups by name.
//!
//! # Examples
//!
//! ```
//! use planton_api::{registry, CloudResourceKind};
//!
//! assert_eq!(registry::parse_kind("KubernetesJob").unwrap(), CloudResourceKind::KubernetesJob);
//! let err = registry::parse_kind("KubernetesJobs").unwrap_err();
//! assert_eq!(err.to_string(), "unknown kind 'KubernetesJobs' (did you mean 'KubernetesJob'?)");
//!
//! let job = registry::kind_info(CloudResourceKind::KubernetesJob).unwrap();
//! assert_eq!(job.manifest_message().unwrap().name(), "KubernetesJob");
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use prost_reflect::{MessageDescriptor, Value};

use crate::{
    CloudResourceKind, CloudResourceKindMeta, CloudResourceKindVersion, CloudResourceProvider,
};

const KIND_ENUM: &str = "org.project_planton.shared.cloudresourcekind.CloudResourceKind";
const PROVIDER_ENUM: &str = "org.project_planton.shared.cloudresourcekind.CloudResourceProvider";
const KIND_META: &str = "org.project_planton.shared.cloudresourcekind.kind_meta";
const PROVIDER_META: &str = "org.project_planton.shared.cloudresourcekind.provider_meta";

/// Metadata of one [`CloudResourceKind`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KindInfo {
    kind: CloudResourceKind,
    name: String,
    provider: CloudResourceProvider,
    version: CloudResourceKindVersion,
    id_prefix: String,
    is_service_kind: bool,
    api_version: String,
}

impl KindInfo {
    /// The enum value.
    pub fn kind(&self) -> CloudResourceKind {
        self.kind
    }

    /// The name written in a manifest's `kind` field: the `kind_meta.name`
    /// option when set, else the enum value's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The provider the kind belongs to.
    pub fn provider(&self) -> CloudResourceProvider {
        self.provider
    }

    /// The kind's API version.
    pub fn version(&self) -> CloudResourceKindVersion {
        self.version
    }

    /// The prefix of generated resource ids (for example `k8sjob`).
    pub fn id_prefix(&self) -> &str {
        &self.id_prefix
    }

    /// Whether the kind can be used to launch a service.
    pub fn is_service_kind(&self) -> bool {
        self.is_service_kind
    }

    /// The manifest `apiVersion`: the provider's group and the version, for
    /// example `kubernetes.project-planton.org/v1`.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// The descriptor of the manifest message of this kind, when this crate
    /// compiles it (for example `...kubernetesjob.v1.KubernetesJob`).
    pub fn manifest_message(&self) -> Option<MessageDescriptor> {
        let provider = self.provider.as_str_name().replace('_', "");
        let full_name = format!(
            "org.project_planton.provider.{provider}.{package}.{version}.{name}",
            package = self.name.to_ascii_lowercase(),
            version = self.version.as_str_name(),
            name = self.name,
        );
        crate::descriptor_pool().get_message_by_name(&full_name)
    }
}

/// A kind name that is not in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownKind {
    name: String,
    suggestion: Option<String>,
}

impl UnknownKind {
    /// The name that was looked up.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The closest known name, when one is close (names longer than 64 bytes
    /// get no suggestion).
    pub fn suggestion(&self) -> Option<&str> {
        self.suggestion.as_deref()
    }
}

impl fmt::Display for UnknownKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown kind '{}'", planton_text::Excerpt(&self.name))?;
        if let Some(s) = &self.suggestion {
            write!(f, " (did you mean '{s}'?)")?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownKind {}

struct Registry {
    kinds: Vec<KindInfo>,
    by_name: HashMap<String, usize>,
    by_kind: HashMap<i32, usize>,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(build);

fn build() -> Registry {
    let pool = crate::descriptor_pool();
    let kind_enum = pool
        .get_enum_by_name(KIND_ENUM)
        .expect("CloudResourceKind is in the pool");
    let provider_enum = pool
        .get_enum_by_name(PROVIDER_ENUM)
        .expect("CloudResourceProvider is in the pool");
    let kind_ext = pool
        .get_extension_by_name(KIND_META)
        .expect("kind_meta is in the pool");
    let provider_ext = pool
        .get_extension_by_name(PROVIDER_META)
        .expect("provider_meta is in the pool");

    let group_of = |provider: CloudResourceProvider| -> String {
        provider_enum
            .get_value(provider as i32)
            .map(|v| v.options())
            .filter(|o| o.has_extension(&provider_ext))
            .and_then(|o| match o.get_extension(&provider_ext).as_ref() {
                Value::Message(m) => m
                    .get_field_by_name("group")
                    .and_then(|g| g.as_str().map(str::to_owned)),
                _ => None,
            })
            .unwrap_or_default()
    };

    let mut kinds = Vec::new();
    for value in kind_enum.values() {
        let options = value.options();
        if !options.has_extension(&kind_ext) {
            continue;
        }
        let Value::Message(meta) = options.get_extension(&kind_ext).into_owned() else {
            continue;
        };
        let meta: CloudResourceKindMeta = meta.transcode_to().expect("kind_meta decodes");
        let Ok(kind) = CloudResourceKind::try_from(value.number()) else {
            continue;
        };
        let name = if meta.name.is_empty() {
            value.name().to_owned()
        } else {
            meta.name.clone()
        };
        let provider = meta.provider();
        let version = meta.version();
        kinds.push(KindInfo {
            kind,
            api_version: format!("{}/{}", group_of(provider), version.as_str_name()),
            name,
            provider,
            version,
            id_prefix: meta.id_prefix,
            is_service_kind: meta.is_service_kind,
        });
    }
    let by_name = kinds
        .iter()
        .enumerate()
        .map(|(i, k)| (k.name.clone(), i))
        .collect();
    let by_kind = kinds
        .iter()
        .enumerate()
        .map(|(i, k)| (k.kind as i32, i))
        .collect();
    Registry {
        kinds,
        by_name,
        by_kind,
    }
}

/// Every registered kind, in enum order. `unspecified` is not a kind.
pub fn all_kinds() -> &'static [KindInfo] {
    &REGISTRY.kinds
}

/// The metadata of `kind`, or `None` for `unspecified`.
pub fn kind_info(kind: CloudResourceKind) -> Option<&'static KindInfo> {
    REGISTRY
        .by_kind
        .get(&(kind as i32))
        .map(|&i| &REGISTRY.kinds[i])
}

/// Looks up a kind by the name a manifest uses (case-sensitive, as in Kubernetes).
pub fn find_kind(name: &str) -> Option<&'static KindInfo> {
    REGISTRY.by_name.get(name).map(|&i| &REGISTRY.kinds[i])
}

/// Parses a kind from its manifest name.
///
/// # Errors
///
/// [`UnknownKind`] when no kind has that name; it carries the closest name
/// when one differs by case or a couple of characters.
pub fn parse_kind(name: &str) -> Result<CloudResourceKind, UnknownKind> {
    find_kind(name)
        .map(KindInfo::kind)
        .ok_or_else(|| UnknownKind {
            name: name.to_owned(),
            suggestion: planton_text::closest(name, all_kinds().iter().map(KindInfo::name))
                .map(str::to_owned),
        })
}

/// The kinds whose manifest message this crate compiles: the ones a manifest
/// can be loaded as.
pub fn supported_kinds() -> impl Iterator<Item = &'static KindInfo> {
    all_kinds()
        .iter()
        .filter(|k| k.manifest_message().is_some())
}
