//! Parity between the Terraform module in `iac/tf` and `planton render`.
//!
//! The module is parsed with [hcl-rs](https://docs.rs/hcl-rs) and evaluated
//! with its expression evaluator ([`hcl::eval`]), under Terraform's rules
//! where hcl-rs has none of its own:
//!
//! - **variables**: the tfvars converted to each variable's type constraint
//!   (`string`/`number`/`bool`/`any`, `list`, `map`, `object` with
//!   `optional(T, default)`); undeclared or missing values are errors;
//! - **locals**: evaluated in rounds until all are known (any order of
//!   declaration, across files); a cycle or failing expression is an error;
//! - **resources**: `count` (`count.index`) and `for_each` over a map
//!   (`each.key`, `each.value`), attributes, nested blocks (lists of
//!   objects, as in Terraform's state) and `dynamic` blocks; `depends_on`
//!   must name resources of the module; `lifecycle` is ignored;
//! - **outputs**: their `value`;
//! - **functions**: only [`FUNCTIONS`], with Terraform's semantics;
//! - **maps and objects** iterate in lexicographic key order, as in
//!   Terraform (hcl-rs keeps written order: every stored value is sorted, and
//!   a `for` that builds a list from an object literal is refused).
//!
//! Not modelled: unknown values, sensitivity (`sensitive`/`nonsensitive` are
//! the identity), type unification of conditional branches, sets, data
//! sources, modules. The parity tests also run the module's locals through
//! real `terraform` to cover those.
//!
//! [`object`] turns each resource instance into the Kubernetes object it
//! creates; [`diff_objects`] compares them with the rendered objects.

mod diff;
mod functions;
mod kubernetes;
mod module;
mod types;
mod value;

use std::fmt;

pub use diff::{diff_objects, diff_values, object_key};
pub use functions::FUNCTIONS;
pub use kubernetes::object;
pub use module::{Evaluation, InstanceKey, Module, ResourceInstance};
pub use value::drop_nulls;

/// Why a module could not be loaded or evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl Error {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Error(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl Evaluation {
    /// The Kubernetes objects the resource instances create, in declaration
    /// order (see [`object`]).
    ///
    /// # Errors
    ///
    /// When a resource is not one [`object`] models.
    pub fn kubernetes_objects(&self) -> Result<Vec<serde_json::Value>, Error> {
        self.resources.iter().map(object).collect()
    }
}
