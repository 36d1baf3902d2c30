//! A `buf.validate` engine for [prost-reflect] messages.
//!
//! It reads the `buf.validate` options of any message descriptor from the
//! message's own descriptor pool (which must contain `buf/validate/validate.proto`
//! for any rule to be found), compiles them once into a [`Plan`], and
//! evaluates that plan on a message in place: no copy of the message, no
//! second descriptor pool. Standard rules run the CEL expressions that
//! `validate.proto` itself declares for them (`(buf.validate.predefined)`),
//! as do predefined rules of your own; `cel` rules likewise; the few rules
//! that are not CEL (`required`, `ignore`, oneofs, `enum.defined_only`,
//! `any.in`, nested messages, list items and map entries) are native. The
//! most common expressions (the `const`, `in`, `not_in`, length, prefix,
//! pattern and item-count rules, and a string field's own `this in [...]`
//! membership rules) are evaluated natively too, with CEL's verdicts and
//! messages.
//!
//! # Examples
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use planton_validate::Validator;
//! use prost_reflect::{DescriptorPool, DynamicMessage};
//!
//! // Any pool: here one without buf.validate, whose messages have no rules.
//! let pool = DescriptorPool::global();
//! let desc = pool.get_message_by_name("google.protobuf.Duration").unwrap();
//! let validator = Validator::new();
//! let violations = validator.validate(&DynamicMessage::new(desc))?;
//! assert!(violations.is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! [prost-reflect]: https://docs.rs/prost-reflect

mod celx;
mod editions;
mod formats;
mod native;
mod plan;
mod violation;
mod zone;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

pub use editions::{EditionsError, downgrade_editions};
pub use plan::Plan;
pub use prost_reflect;
pub use violation::{FieldType, PathElement, Subscript, Violation, path_string};

use prost_reflect::{DynamicMessage, MessageDescriptor, ReflectMessage};

/// Why a message could not be validated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The rules of a message type are broken: rules of the wrong type for
    /// their field, an expression that does not parse, a oneof rule naming
    /// an unknown field.
    #[error("cannot compile the rules of '{message}': {reason}")]
    Compile {
        /// The message type (or `type.field`) whose rules are broken.
        message: String,
        /// What is wrong.
        reason: String,
    },
    /// A rule failed to evaluate (a CEL error, such as a division by zero).
    #[error("cannot evaluate a rule: {0}")]
    Runtime(String),
    /// The message nests deeper than the engine follows (it keeps its stack
    /// bounded).
    #[error("the message nests more than {limit} levels deep")]
    TooDeep {
        /// The deepest nesting followed.
        limit: usize,
    },
    /// A plan was given a message of another type (or of the same name from
    /// another descriptor pool).
    #[error("the plan is for '{expected}', not '{found}'")]
    WrongMessage {
        /// The plan's message type.
        expected: String,
        /// The message's type.
        found: String,
    },
}

type Cached = (MessageDescriptor, Result<Arc<Plan>, Error>);

/// Validates messages of any type, compiling the rules of each type once, on
/// first use, and caching the plan.
pub struct Validator {
    cel: celx::Cel,
    /// Plans by message name, then by descriptor: two pools may define the
    /// same name with different rules.
    plans: Mutex<HashMap<String, Vec<Cached>>>,
    /// The first type's plan, found again without the lock or a hash: most
    /// validators see one message type.
    first: OnceLock<(MessageDescriptor, Arc<Plan>)>,
    fail_fast: bool,
    lazy_expressions: bool,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("fail_fast", &self.fail_fast)
            .field("lazy_expressions", &self.lazy_expressions)
            .finish_non_exhaustive()
    }
}

impl Default for Validator {
    fn default() -> Self {
        Validator::new()
    }
}

impl Validator {
    /// A validator that reports every violation.
    pub fn new() -> Self {
        Validator {
            cel: celx::Cel::new(),
            plans: Mutex::default(),
            first: OnceLock::new(),
            fail_fast: false,
            lazy_expressions: false,
        }
    }

    /// Parses each CEL expression on its first evaluation rather than when
    /// the plan is compiled: a plan then compiles without parsing the
    /// expressions of fields a message leaves unset (the first parse costs
    /// most of a cold start's plan compilation).
    ///
    /// A broken expression is then reported as [`Error::Runtime`] when it
    /// is first evaluated, and not at all while unevaluated, instead of as
    /// [`Error::Compile`] by [`plan`](Self::plan). Use it for rules known to
    /// compile (e.g. held to it by a test compiling them eagerly).
    pub fn lazy_expressions(&mut self, yes: bool) -> &mut Self {
        self.lazy_expressions = yes;
        self
    }

    /// Stops at the first violation: message rules come first, then oneofs,
    /// then fields in declaration order.
    pub fn fail_fast(&mut self, yes: bool) -> &mut Self {
        self.fail_fast = yes;
        self
    }

    /// The plan of `desc`, compiled on first use.
    ///
    /// # Errors
    ///
    /// [`Error::Compile`] when the rules of `desc`, or of a message type it
    /// reaches, are broken.
    pub fn plan(&self, desc: &MessageDescriptor) -> Result<Arc<Plan>, Error> {
        if let Some((d, p)) = self.first.get()
            && d == desc
        {
            return Ok(Arc::clone(p));
        }
        let mut plans = self.plans.lock().unwrap_or_else(|e| e.into_inner());
        let same_name = plans.entry(desc.full_name().to_owned()).or_default();
        if let Some((_, p)) = same_name.iter().find(|(d, _)| d == desc) {
            return p.clone();
        }
        let p = Plan::compile(&self.cel, desc, self.lazy_expressions).map(Arc::new);
        same_name.push((desc.clone(), p.clone()));
        if let Ok(plan) = &p {
            // Only the first type compiled takes the slot.
            let _ = self.first.set((desc.clone(), Arc::clone(plan)));
        }
        p
    }

    /// Every rule `msg` breaks, in evaluation order: a message's own rules,
    /// its oneofs, then its fields in declaration order (list items by index,
    /// map entries by key), nested messages in place.
    ///
    /// # Errors
    ///
    /// [`Error::Compile`] when the rules are broken, [`Error::Runtime`] when
    /// one fails to evaluate.
    pub fn validate(&self, msg: &DynamicMessage) -> Result<Vec<Violation>, Error> {
        let desc = msg.descriptor();
        if let Some((d, p)) = self.first.get()
            && *d == desc
        {
            return self.validate_with(p, msg);
        }
        let plan = self.plan(&desc)?;
        self.validate_with(&plan, msg)
    }

    /// As [`validate`](Self::validate), with a plan from [`plan`](Self::plan).
    ///
    /// # Errors
    ///
    /// As [`validate`](Self::validate); [`Error::WrongMessage`] when the plan
    /// is for another message type.
    pub fn validate_with(
        &self,
        plan: &Plan,
        msg: &DynamicMessage,
    ) -> Result<Vec<Violation>, Error> {
        let mut run = plan::Run {
            cel: &self.cel,
            now: std::cell::OnceCell::new(),
            // Deep enough for most messages without growing.
            path: Vec::with_capacity(16),
            out: Vec::new(),
            fail_fast: self.fail_fast,
            depth: 0,
        };
        plan.eval(&mut run, msg)?;
        Ok(run.out)
    }
}

#[cfg(test)]
mod tests {
    /// A validator is built once and shared, across threads too.
    #[test]
    fn validators_and_plans_are_send_and_sync() {
        fn shareable<T: Send + Sync>() {}
        shareable::<super::Validator>();
        shareable::<super::Plan>();
        shareable::<super::Error>();
    }
}
