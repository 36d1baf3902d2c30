//! What every Project Planton Kubernetes component shares: container image
//! references ([`image`]), resource [`Quantity`]s, Kubernetes name syntaxes
//! ([`names`]), the plan-time [`rules`] on images, resources, env and
//! secrets, volumes and mounts, labels and annotations, and the [`builders`]
//! of those parts of the rendered objects.
//!
//! The rules read a loaded manifest in place, through the typed views of
//! [`planton_api::view`]; a component crate (such as `planton-kubernetes-job`)
//! calls them for the parts it shares, adds its own rules, declared with
//! [`declare_rules!`], and collects everything in one [`Findings`].
//!
//! # Examples
//!
//! ```
//! use planton_api::prost_reflect::ReflectMessage;
//! use planton_api::view::ContainerImageView;
//! use planton_kubernetes::{Findings, Quantity, rules};
//!
//! let image = planton_api::ContainerImage {
//!     repo: "Busybox".into(),
//!     tag: "1.36".into(),
//!     ..Default::default()
//! }
//! .transcode_to_dynamic();
//! let mut findings = Findings::new();
//! rules::image(&mut findings, ContainerImageView::new(&image), "spec.image");
//! let found: Vec<_> = findings.violations().iter().map(|v| (v.field_path.as_str(), v.rule_id.as_str())).collect();
//! assert_eq!(found, [("spec.image.repo", "kubernetes.image_reference")]);
//!
//! assert!(Quantity::parse("1Gi").unwrap() > Quantity::parse("1G").unwrap());
//! ```

#![deny(missing_docs)]

pub mod builders;
pub mod image;
pub mod names;
mod quantity;
pub mod resources;
pub mod rules;

pub use k8s_openapi;
pub use planton_api;
pub use planton_manifest::{Severity, Violation};
pub use quantity::{Quantity, QuantityError};
pub use rules::{Findings, KubernetesRule, Rule};
