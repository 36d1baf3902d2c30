//! The KubernetesJob component: loading manifests with their defaults,
//! validating them against every `buf.validate` rule of the protos and the
//! rules the Kubernetes API server would enforce, in one [`Violation`] report.
//!
//! Nothing here reads files or terminals: the caller hands in text and gets
//! values back.
//!
//! # Examples
//!
//! ```
//! use planton_kubernetes_job::JobValidator;
//!
//! let validator = JobValidator::new().unwrap();
//! let checked = validator.check("
//! apiVersion: kubernetes.project-planton.org/v1
//! kind: KubernetesJob
//! metadata: {name: Report}
//! spec:
//!   namespace: {value: batch}
//!   image: {repo: busybox, tag: latest}
//!   restartPolicy: Always
//! ").unwrap();
//! let found: Vec<String> = checked.violations.iter()
//!     .map(|v| format!("{} {} {}", v.location.unwrap(), v.field_path, v.rule_id))
//!     .collect();
//! assert_eq!(found, [
//!     "4:18 metadata.name kubernetes.dns1123_label",
//!     "8:18 spec.restart_policy string.in",
//! ]);
//! // Defaults were applied before validation.
//! let job: planton_api::KubernetesJob = checked.document.to_typed().unwrap();
//! assert_eq!(job.spec.unwrap().backoff_limit, Some(6));
//! ```

#![deny(missing_docs)]

mod component;
mod iac;
mod pipeline;
pub mod report;
mod resolve;
mod resources;
mod rules;
mod schema;
mod transform;

use std::fmt;

use planton_api::KubernetesJobStackInput;
use planton_api::prost_reflect::{DynamicMessage, MessageDescriptor, ReflectMessage};
use planton_api::view::{KubernetesJobStackInputView, KubernetesJobView};
use planton_manifest::component::Engine;
use planton_manifest::{Document, Loader, SourceMap, Span};

pub use component::JobComponent;
pub use iac::{pulumi_program, terraform_variables, terraform_vars};
pub use pipeline::{Error, Input, Output, Rejected, SideInputs};
pub use planton_api;
pub use planton_kubernetes;
pub use planton_kubernetes::rules::{DATA_MAX, ENV_SECRETS_SUFFIX, IMAGE_PULL_SECRET_SUFFIX};
pub use planton_kubernetes::{Quantity, QuantityError, Rule};
pub use planton_manifest;
pub use planton_manifest::component::{CheckError, Checked};
pub use planton_manifest::{LoadError, RuleError, Severity, Source, Violation};
pub use resolve::{
    MapResolver, Reference, ReferenceResolver, Resolution, ResolveError, ResolverError,
    resolve_references,
};
pub use rules::{INDEXED_MAX, JobRule, RESERVED_ENV};
pub use transform::{
    CONTAINER_NAME, DOCKER_CONFIG_KEY, Object, Rendered, TransformError, transform,
};

/// The option holding scalar defaults: the engine's, for every component.
pub use planton_manifest::component::DEFAULT_OPTION;
/// The option holding the default container resources.
pub const DEFAULT_RESOURCES_OPTION: &str =
    "org.project_planton.provider.kubernetes.default_container_resources";

/// Why a [`JobValidator`] could not be built: the protos it was compiled
/// with are broken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// A default option does not convert to its field's type.
    #[error("the protos declare an unusable default")]
    Default(
        #[from]
        #[source]
        planton_manifest::DefaultsError,
    ),
    /// A field the Kubernetes rules read is missing from the protos.
    #[error("the protos lack a field the Kubernetes rules read")]
    MissingField,
    /// A field of `KubernetesJobStackInput` the front door sets is missing
    /// from the protos.
    #[error("the protos' KubernetesJobStackInput lacks its field '{0}'")]
    MissingStackInputField(&'static str),
}

/// Loads, defaults and validates KubernetesJob manifests and stack inputs.
///
/// Build it once and reuse it: the defaults plan is compiled at construction
/// and the `buf.validate` rules on first use.
#[derive(Debug)]
pub struct JobValidator {
    /// The engine's generic pipeline, running the KubernetesJob component.
    engine: Engine<JobComponent>,
    stack_desc: MessageDescriptor,
}

impl JobValidator {
    /// A validator for the KubernetesJob protos of [`planton_api`].
    ///
    /// # Errors
    ///
    /// [`SetupError`] if a default option in the protos does not convert to its
    /// field's type.
    pub fn new() -> Result<Self, SetupError> {
        // Cheap: the rules are compiled on first validation, and only the
        // KubernetesJob kind is loaded (building the whole kind registry would
        // cost a CLI run more than everything else it does).
        let fields = planton_api::view::fields().ok_or(SetupError::MissingField)?;
        let job = JobComponent {
            stack_desc: stack_input_descriptor(),
            resource_defaults: resources::defaults(fields, DEFAULT_RESOURCES_OPTION),
            fields,
            stack_fields: pipeline::StackFields::new()
                .map_err(SetupError::MissingStackInputField)?,
        };
        let engine = Engine::new(job).map_err(|e| match e {
            planton_manifest::component::SetupError::Default(e) => SetupError::Default(e),
            _ => SetupError::MissingStackInputField("target"),
        })?;
        Ok(JobValidator {
            engine,
            stack_desc: stack_input_descriptor(),
        })
    }

    /// The engine running the KubernetesJob component, whose pipeline
    /// [`JobValidator::prepare`] and [`JobValidator::render`] are: for code
    /// generic over the component (the reports, `planton validate`).
    pub fn engine(&self) -> &Engine<JobComponent> {
        &self.engine
    }

    /// The manifest loader (KubernetesJob kind), to adjust its limits.
    pub fn loader_mut(&mut self) -> &mut Loader {
        self.engine.loader_mut()
    }

    /// Loads a KubernetesJob manifest (no defaults applied).
    ///
    /// # Errors
    ///
    /// [`LoadError`] when the text is not a KubernetesJob manifest.
    pub fn load(&self, text: &str) -> Result<Document, LoadError> {
        self.engine.loader().load_str(text)
    }

    /// Loads a whole `KubernetesJobStackInput` (no defaults applied).
    ///
    /// # Errors
    ///
    /// [`LoadError`] when the text is not a stack input.
    pub fn load_stack_input(&self, text: &str) -> Result<Document, LoadError> {
        self.engine.loader().load_str_as(text, &self.stack_desc)
    }

    /// Applies the defaults declared in the protos (Planton's `default` and
    /// `default_container_resources` options) where the document leaves fields unset.
    ///
    /// Where the user set only one side of a resource (a limit without its
    /// request, or the reverse), the missing side is first made consistent
    /// with it the way Kubernetes does, so the default never creates a
    /// violation the user did not write (see the README).
    pub fn apply_defaults(&self, document: &mut Document) {
        self.apply_defaults_to(document.message_mut());
    }

    fn apply_defaults_to(&self, message: &mut DynamicMessage) {
        self.engine.apply_defaults(message);
    }

    /// Every rule the document breaks (`buf.validate` and Kubernetes), located
    /// and sorted by position, warnings included. Works on manifests and stack
    /// inputs.
    ///
    /// # Errors
    ///
    /// [`RuleError`] when a `buf.validate` rule cannot be evaluated.
    pub fn validate(&self, document: &Document) -> Result<Vec<Violation>, RuleError> {
        self.violations(document.message(), document.source_map())
    }

    /// Every violation of `message` (`buf.validate` and, for a KubernetesJob
    /// or a stack input, the Kubernetes rules), located and sorted. The rules
    /// read the message where it is: no conversion to the generated types.
    fn violations(
        &self,
        message: &DynamicMessage,
        map: &SourceMap,
    ) -> Result<Vec<Violation>, RuleError> {
        let mut violations = self.engine.violations(message)?;
        planton_manifest::locate(&mut violations, map);
        Ok(violations)
    }

    /// The Kubernetes rules `message` breaks (for a KubernetesJob or a stack
    /// input), unlocated.
    pub(crate) fn kubernetes_violations(message: &DynamicMessage) -> Vec<Violation> {
        let mut violations = Vec::new();
        if let Some(job) = KubernetesJobView::new(message) {
            violations.extend(rules::check(job, None));
        } else if let Some(input) = KubernetesJobStackInputView::new(message) {
            let docker_config_json = input.docker_config_json();
            if !docker_config_json.is_empty()
                && !matches!(
                    serde_json::from_str::<serde_json::Value>(docker_config_json),
                    Ok(serde_json::Value::Object(_))
                )
            {
                // The value is a credential: never quoted.
                violations.push(Violation::kubernetes(
                    "docker_config_json",
                    Rule::DockerConfigJson.id(),
                    "must be a JSON object (the content of a docker config.json)",
                ));
            }
            if docker_config_json.len() > DATA_MAX {
                violations.push(Violation::kubernetes(
                    "docker_config_json",
                    Rule::DataSize.id(),
                    format!(
                        "the image-pull Secret's data must be at most {} bytes (it has {})",
                        DATA_MAX,
                        docker_config_json.len()
                    ),
                ));
            }
            if let Some(job) = input.target() {
                let ns = Some(input.kubernetes_namespace()).filter(|s| !s.is_empty());
                for mut v in rules::check(job, ns) {
                    if !v.field_path.starts_with("kubernetes_namespace") {
                        v.field_path = format!("target.{}", v.field_path);
                    }
                    violations.push(v);
                }
            }
        }
        violations
    }

    /// Applies the defaults to a stack input and validates it: the only way
    /// to get the [`Validated`] input that [`transform`] takes.
    ///
    /// `source_map` places the violations in the text the input came from
    /// (for a bare manifest, give its map [prefixed](SourceMap::prefixed) with
    /// `target`).
    ///
    /// # Errors
    ///
    /// [`InvalidInput::Violations`] with every violation (warnings included),
    /// located and sorted, when any is an error; [`InvalidInput::Rule`] when a
    /// rule cannot be evaluated. Warnings alone do not refuse the input: they
    /// are in [`Validated::warnings`].
    pub fn validate_input(
        &self,
        input: KubernetesJobStackInput,
        source_map: Option<&SourceMap>,
    ) -> Result<Validated, InvalidInput> {
        // A message of this validator's pool, which need not be the calling
        // thread's (see `planton_api::with_private_pool`).
        let mut message = DynamicMessage::new(self.stack_desc.clone());
        if let Err(e) = message.transcode_from(&input) {
            return Err(InvalidInput::Violations(vec![Violation::kubernetes(
                "",
                "planton.message_type",
                format!(
                    "the input does not decode as a {}: {e}",
                    self.stack_desc.name()
                ),
            )]));
        }
        let mut document = Document::from_parts(
            self.stack_desc.name(),
            message,
            source_map.cloned().unwrap_or_default(),
        );
        self.validate_document(&mut document)
    }

    /// As [`JobValidator::validate_input`], for a stack input that is already
    /// a document (from [`JobValidator::load_stack_input`] or
    /// [`JobValidator::wrap_manifest`]): no conversion of the message, so the
    /// fastest path from text to a [`Validated`] input.
    ///
    /// # Errors
    ///
    /// As [`JobValidator::validate_input`]; a document of another message type
    /// is refused with a violation at its root.
    ///
    /// The document's message moves into the result: on return the document
    /// holds an empty message and its source map, for reporting.
    pub fn validate_document(&self, document: &mut Document) -> Result<Validated, InvalidInput> {
        if document.message().descriptor() != self.stack_desc {
            return Err(InvalidInput::Violations(vec![Violation::kubernetes(
                "",
                "planton.message_type",
                format!("expected a {} document", self.stack_desc.name()),
            )]));
        }
        self.apply_defaults_to(document.message_mut());
        let violations = self
            .violations(document.message(), document.source_map())
            .map_err(InvalidInput::Rule)?;
        if violations.iter().any(Violation::is_error) {
            return Err(InvalidInput::Violations(violations));
        }
        Ok(self.take_validated(document, violations))
    }

    /// As [`JobValidator::validate_document`], except that the Kubernetes
    /// rules refuse nothing: only `buf.validate` violations are errors, and
    /// the Kubernetes violations come back beside the input.
    ///
    /// For judging our Kubernetes rules by a real API server (the cluster
    /// tests render what the rules reject and let the server decide); the
    /// transform may then fail or produce objects the server rejects.
    ///
    /// # Errors
    ///
    /// [`InvalidInput::Violations`] with the `buf.validate` violations;
    /// [`InvalidInput::Rule`] when a rule cannot be evaluated.
    pub fn validate_document_without_kubernetes_rules(
        &self,
        document: &mut Document,
    ) -> Result<(Validated, Vec<Violation>), InvalidInput> {
        if document.message().descriptor() != self.stack_desc {
            return Err(InvalidInput::Violations(vec![Violation::kubernetes(
                "",
                "planton.message_type",
                format!("expected a {} document", self.stack_desc.name()),
            )]));
        }
        self.apply_defaults_to(document.message_mut());
        let mut buf = self
            .engine
            .buf_validator()
            .validate(document.message())
            .map_err(InvalidInput::Rule)?;
        if !buf.is_empty() {
            planton_manifest::locate(&mut buf, document.source_map());
            return Err(InvalidInput::Violations(buf));
        }
        let mut kubernetes = Self::kubernetes_violations(document.message());
        planton_manifest::locate(&mut kubernetes, document.source_map());
        Ok((self.take_validated(document, Vec::new()), kubernetes))
    }

    fn take_validated(&self, document: &mut Document, warnings: Vec<Violation>) -> Validated {
        let message = std::mem::replace(
            document.message_mut(),
            DynamicMessage::new(self.stack_desc.clone()),
        );
        Validated {
            message,
            typed: std::sync::OnceLock::new(),
            warnings,
            masked: Vec::new(),
        }
    }

    /// A stack input document whose target is the loaded KubernetesJob
    /// `manifest`; its source map moves under `target`, so violations still
    /// point into the manifest's text.
    pub fn wrap_manifest(&self, manifest: Document) -> Document {
        let (message, map) = manifest.into_parts();
        let target = self.engine.target_field();
        let mut input = DynamicMessage::new(self.stack_desc.clone());
        input.set_field(target, planton_api::prost_reflect::Value::Message(message));
        Document::from_parts(
            self.stack_desc.name(),
            input,
            map.into_prefixed(target.name()),
        )
    }

    /// Loads a manifest, applies the defaults and validates it.
    ///
    /// # Errors
    ///
    /// [`CheckError`] when the text does not load or a rule cannot be evaluated;
    /// broken rules are not errors but [`Checked::violations`].
    ///
    /// Fields that do not load (unknown, of the wrong type, ...) do not stop
    /// the check: they are [`Checked::load_errors`], and the rest of the
    /// manifest is defaulted and validated.
    pub fn check(&self, text: &str) -> Result<Checked, CheckError> {
        self.engine.check(text)
    }

    /// As [`JobValidator::check`], for a whole stack input (paths from the
    /// stack input's root: `target.spec...`).
    ///
    /// # Errors
    ///
    /// As [`JobValidator::check`].
    pub fn check_stack_input(&self, text: &str) -> Result<Checked, CheckError> {
        self.engine.check_stack_input(text)
    }
}

/// A stack input with its defaults applied and no violation: what
/// [`transform`] takes. Only [`JobValidator::validate_input`] and
/// [`JobValidator::validate_document`] make one.
///
/// It keeps the validated message as it was loaded; the transform reads it
/// there, and the generated type is made only when asked for.
#[derive(Clone)]
pub struct Validated {
    message: DynamicMessage,
    typed: std::sync::OnceLock<KubernetesJobStackInput>,
    warnings: Vec<Violation>,
    /// The spans of secret values in the input, when there are warnings to
    /// report (see [`Validated::warnings_report`]).
    masked: Vec<Span>,
}

impl Validated {
    /// The warnings validation found (rules the API server only warns about,
    /// such as a variable defined twice), located and sorted; they did not
    /// refuse the input.
    pub fn warnings(&self) -> &[Violation] {
        &self.warnings
    }

    /// The defaulted, validated stack input (converted on first use).
    pub fn input(&self) -> &KubernetesJobStackInput {
        self.typed.get_or_init(|| self.to_typed())
    }

    /// The stack input, giving up the guarantee.
    pub fn into_inner(self) -> KubernetesJobStackInput {
        match self.typed.into_inner() {
            Some(typed) => typed,
            None => planton_manifest::transcode(&self.message).unwrap_or_default(),
        }
    }

    /// The validated message.
    pub(crate) fn message(&self) -> &DynamicMessage {
        &self.message
    }

    fn to_typed(&self) -> KubernetesJobStackInput {
        // A validated message is a stack input (its descriptor was checked),
        // and our encoding of it always decodes as one.
        planton_manifest::transcode(&self.message).unwrap_or_default()
    }
}

impl PartialEq for Validated {
    fn eq(&self, other: &Self) -> bool {
        let desc = self.message.descriptor();
        if desc == other.message.descriptor() {
            return self.message == other.message;
        }
        // Of two validators on two pools (see
        // `planton_api::with_private_pool`): the messages' descriptors differ
        // by pool alone, so compare the fields in one pool.
        let mut theirs = DynamicMessage::new(desc);
        theirs.transcode_from(&other.message).is_ok() && self.message == theirs
    }
}

impl fmt::Debug for Validated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The generated type's `Debug` redacts secret values.
        f.debug_tuple("Validated").field(self.input()).finish()
    }
}

/// Why a stack input was not accepted for rendering.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidInput {
    /// It breaks rules; every violation, sorted by position.
    #[error("the input breaks {} rule(s)", .0.len())]
    Violations(Vec<Violation>),
    /// A `buf.validate` rule could not be evaluated.
    #[error(transparent)]
    Rule(RuleError),
}

fn stack_input_descriptor() -> MessageDescriptor {
    KubernetesJobStackInput::default().descriptor()
}

/// The spans of the input that hold secret values (literal env secrets, the
/// docker config, provider credentials): a report that quotes input lines
/// must mask them.
pub fn secret_spans(document: &Document) -> Vec<Span> {
    let root = document.message().descriptor();
    document
        .source_map()
        .iter()
        .filter(|(path, _)| planton_api::sensitive::is_secret_path(&root, path))
        .map(|(_, span)| span)
        .collect()
}
