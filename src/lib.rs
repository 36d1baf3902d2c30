//! Protobuf API types of the Project Planton **KubernetesJob** component.
//!
//! The `.proto` sources under `proto/` are compiled at build time by
//! [protox](https://docs.rs/protox) (no system `protoc`) and turned into Rust by
//! prost-build. Every generated message implements [`prost::Message`] and
//! [`prost_reflect::ReflectMessage`], backed by [`descriptor_pool()`], in which
//! the custom options of the protos (`buf.validate` rules, Planton defaults,
//! foreign-key hints, kind metadata) are readable.
//!
//! Modules follow the proto packages (for example
//! [`org::project_planton::provider::kubernetes::kubernetesjob::v1`]); the
//! common types are re-exported at the crate root, and [`registry`] maps each
//! [`CloudResourceKind`] to its metadata.
//!
//! # Examples
//!
//! ```
//! use planton_api::{registry, CloudResourceKind, KubernetesJob};
//! use prost_reflect::ReflectMessage;
//!
//! let info = registry::kind_info(CloudResourceKind::KubernetesJob).unwrap();
//! assert_eq!(info.api_version(), "kubernetes.project-planton.org/v1");
//! assert_eq!(info.id_prefix(), "k8sjob");
//!
//! // Generated types carry their descriptor, options included.
//! let descriptor = KubernetesJob::default().descriptor();
//! assert_eq!(descriptor.full_name(), "org.project_planton.provider.kubernetes.kubernetesjob.v1.KubernetesJob");
//! ```

#![deny(missing_docs)]

use std::sync::LazyLock;

pub use prost;
pub use prost_reflect;
use prost_reflect::DescriptorPool;

mod private;
mod redact;
pub mod registry;
pub mod sensitive;
pub mod view;

/// Generated code, one module per proto package.
#[allow(missing_docs, clippy::all, rustdoc::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/_includes.rs"));
}

pub use generated::org;
pub use private::with_private_pool;

pub use org::project_planton::provider::kubernetes::kubernetesjob::v1::{
    KubernetesJob, KubernetesJobContainerAppEnv, KubernetesJobSpec, KubernetesJobStackInput,
    KubernetesJobStackOutputs, KubernetesJobStatus,
};
pub use org::project_planton::provider::kubernetes::{
    ConfigMapVolumeSource, ContainerImage, ContainerResources, CpuMemory, EmptyDirVolumeSource,
    HostPathVolumeSource, KubernetesClusterSelector, KubernetesProviderConfig,
    KubernetesSecretKeyRef, KubernetesSensitiveValue, PvcVolumeSource, SecretVolumeSource,
    VolumeMount,
};
pub use org::project_planton::shared::CloudResourceMetadata;
pub use org::project_planton::shared::cloudresourcekind::{
    CloudResourceKind, CloudResourceKindMeta, CloudResourceKindVersion, CloudResourceProvider,
};
pub use org::project_planton::shared::foreignkey::v1::{StringValueOrRef, ValueFromRef};

/// The encoded `FileDescriptorSet` of every proto file of this crate and its
/// imports (`buf/validate/validate.proto`, `google/protobuf/descriptor.proto`),
/// without source info. Custom options are kept.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/descriptor_set.bin"));

/// The same set as [`FILE_DESCRIPTOR_SET`] with source info, so that the proto
/// comments can be read (for documentation and generated variable files).
pub const FILE_DESCRIPTOR_SET_WITH_SOURCE: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/descriptor_set_with_source.bin"));

/// The process-wide pool.
static SHARED_POOL: LazyLock<DescriptorPool> = LazyLock::new(|| {
    // The bytes were produced and decoded once by build.rs: they are valid.
    DescriptorPool::decode(FILE_DESCRIPTOR_SET).expect("embedded descriptor set is valid")
});

/// What the generated `ReflectMessage::descriptor` implementations read:
/// [`descriptor_pool()`], the calling thread's pool.
struct CurrentPool;

impl std::ops::Deref for CurrentPool {
    type Target = DescriptorPool;

    #[inline]
    fn deref(&self) -> &DescriptorPool {
        descriptor_pool()
    }
}

static DESCRIPTOR_POOL: CurrentPool = CurrentPool;

/// The descriptor pool behind every generated message's
/// [`ReflectMessage::descriptor`](prost_reflect::ReflectMessage::descriptor).
///
/// It is the one pool of the process, decoded on first use, except on a
/// thread inside [`with_private_pool`], where it is that call's private copy.
#[inline]
pub fn descriptor_pool() -> &'static DescriptorPool {
    match private::current() {
        Some(copy) => &copy.pool,
        None => &SHARED_POOL,
    }
}

/// Whether `pool` is one of this crate's: the shared pool or a private copy
/// (each has the same files, so the same messages by name).
pub(crate) fn is_ours(pool: &DescriptorPool) -> bool {
    *pool == *SHARED_POOL || private::of(pool).is_some()
}
