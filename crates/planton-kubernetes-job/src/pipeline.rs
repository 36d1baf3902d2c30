//! The front door: from a manifest's (or a stack input's) text and the
//! orchestrator's side inputs to the validated input and the rendered
//! objects, with one error type for everything that stops the way.

use planton_api::KubernetesJobStackInput;
use planton_api::prost_reflect::{DynamicMessage, FieldDescriptor, ReflectMessage};
pub use planton_manifest::component::Input;
use planton_manifest::{LoadError, RuleError, Span, Violation};

use crate::{
    JobValidator, ReferenceResolver, Rendered, ResolveError, TransformError, Validated,
    resolve_references, transform,
};

/// What the orchestrator adds to the text: the resolved namespace, the
/// docker config, the values of `valueFrom` references; and whether
/// warnings refuse the input.
///
/// Build it with [`SideInputs::new`] (or `Default`) and its setters:
///
/// ```
/// use planton_kubernetes_job::{MapResolver, SideInputs};
///
/// let resolver = MapResolver::new();
/// let mut side = SideInputs::new();
/// side.namespace("batch").resolver(&resolver).strict(true);
/// assert_eq!(side.namespace.as_deref(), Some("batch"));
/// ```
#[derive(Clone, Copy, Default)]
#[non_exhaustive]
pub struct SideInputs<'a> {
    /// The stack input's `kubernetes_namespace`: wins over `spec.namespace`.
    pub namespace: Option<&'a str>,
    /// The stack input's `docker_config_json` (a credential: never shown),
    /// rendered as the image-pull Secret.
    pub docker_config_json: Option<&'a str>,
    /// Resolves the `valueFrom` references before validation; references it
    /// does not know stay, and the transform refuses them.
    pub resolver: Option<&'a dyn ReferenceResolver>,
    /// Whether warnings refuse the input as errors do (`planton --strict`).
    pub strict: bool,
}

impl<'a> SideInputs<'a> {
    /// No side input: the text alone, as a constant (`&SideInputs::NONE`).
    pub const NONE: SideInputs<'static> = SideInputs {
        namespace: None,
        docker_config_json: None,
        resolver: None,
        strict: false,
    };

    /// No side input: the text alone.
    pub fn new() -> Self {
        SideInputs::default()
    }

    /// Sets the namespace the orchestrator resolved.
    pub fn namespace(&mut self, namespace: &'a str) -> &mut Self {
        self.namespace = Some(namespace);
        self
    }

    /// Sets the docker config JSON (the content of a docker `config.json`).
    pub fn docker_config_json(&mut self, config: &'a str) -> &mut Self {
        self.docker_config_json = Some(config);
        self
    }

    /// Sets the resolver of `valueFrom` references.
    pub fn resolver(&mut self, resolver: &'a dyn ReferenceResolver) -> &mut Self {
        self.resolver = Some(resolver);
        self
    }

    /// Makes warnings refuse the input.
    pub fn strict(&mut self, strict: bool) -> &mut Self {
        self.strict = strict;
        self
    }
}

impl std::fmt::Debug for SideInputs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The docker config is a credential: only whether it is there.
        f.debug_struct("SideInputs")
            .field("namespace", &self.namespace)
            .field(
                "docker_config_json",
                &self.docker_config_json.map(|_| "<redacted>"),
            )
            .field(
                "resolver",
                &self.resolver.map(|_| "<dyn ReferenceResolver>"),
            )
            .field("strict", &self.strict)
            .finish()
    }
}

/// What [`JobValidator::render`] gives: the validated input and what it
/// renders to (the objects and the stack outputs, [`Rendered::outputs`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Output {
    /// The validated input, its warnings in [`Validated::warnings`].
    pub validated: Validated,
    /// The Kubernetes objects and the stack outputs.
    pub rendered: Rendered,
}

/// The violations that refused an input, with what a report quoting the
/// input needs: each violation's span ([`Violation::span`]) and the spans to
/// mask (secret values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    violations: Vec<Violation>,
    masked: Vec<Span>,
}

impl Rejected {
    /// Every violation (warnings included), located and sorted by position.
    /// Paths are the same whichever [`Input`] form was given: the
    /// KubernetesJob's fields as in the manifest (`metadata.name`), the
    /// side inputs by their stack-input names (`kubernetes_namespace`).
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// The spans of the input that hold secret values, which a report
    /// quoting its lines must mask.
    pub fn masked_spans(&self) -> &[Span] {
        &self.masked
    }

    /// The violations, giving up the rest.
    pub fn into_violations(self) -> Vec<Violation> {
        self.violations
    }
}

/// Why [`JobValidator::prepare`] or [`JobValidator::render`] stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not a KubernetesJob manifest (or stack input): a syntax
    /// error, an unknown field, a value of the wrong type, ...
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The resolver failed on a reference.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// The input breaks rules; every violation is in the [`Rejected`].
    #[error("the input breaks {} rule(s)", .0.violations.len())]
    Invalid(Box<Rejected>),
    /// A `buf.validate` rule could not be evaluated.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// `valueFrom` references are left that the resolver did not know.
    #[error(transparent)]
    Unresolved(TransformError),
    /// The valid input could not be rendered (no namespace, ...).
    #[error(transparent)]
    Transform(TransformError),
}

impl Error {
    /// The violations, when the input broke rules.
    pub fn violations(&self) -> Option<&[Violation]> {
        match self {
            Error::Invalid(rejected) => Some(rejected.violations()),
            _ => None,
        }
    }
}

impl From<TransformError> for Error {
    fn from(e: TransformError) -> Self {
        match e {
            e @ TransformError::UnresolvedReferences { .. } => Error::Unresolved(e),
            e => Error::Transform(e),
        }
    }
}

/// The stack input's fields the door sets, found through the generated type
/// (a renamed proto field is a compile error here, not a silent no-op).
#[derive(Debug, Clone)]
pub(crate) struct StackFields {
    pub(crate) namespace: FieldDescriptor,
    pub(crate) docker_config_json: FieldDescriptor,
}

impl StackFields {
    /// The fields; the name of the one the protos lack, if any.
    pub(crate) fn new() -> Result<Self, &'static str> {
        // Each probe sets exactly one field: the one we are after.
        let field = |probe: KubernetesJobStackInput, name: &'static str| {
            probe
                .transcode_to_dynamic()
                .fields()
                .next()
                .map(|(field, _)| field)
                .ok_or(name)
        };
        Ok(StackFields {
            namespace: field(
                KubernetesJobStackInput {
                    kubernetes_namespace: "-".to_owned(),
                    ..Default::default()
                },
                "kubernetes_namespace",
            )?,
            docker_config_json: field(
                KubernetesJobStackInput {
                    docker_config_json: "-".to_owned(),
                    ..Default::default()
                },
                "docker_config_json",
            )?,
        })
    }
}

impl JobValidator {
    /// Loads the text, sets the side inputs, resolves the references,
    /// applies the defaults and validates: the input ready for
    /// [`transform`], or why not.
    ///
    /// # Errors
    ///
    /// [`Error::Load`] when the text does not load, [`Error::Resolve`] when
    /// the resolver fails, [`Error::Invalid`] with every violation (located
    /// in the text) when the input breaks a rule, [`Error::Rule`] when a
    /// rule cannot be evaluated. Warnings alone refuse nothing unless
    /// [`SideInputs::strict`] is set.
    ///
    /// # Examples
    ///
    /// ```
    /// use planton_kubernetes_job::{Input, JobValidator, SideInputs};
    ///
    /// let validator = JobValidator::new()?;
    /// let text = "\
    /// apiVersion: kubernetes.project-planton.org/v1
    /// kind: KubernetesJob
    /// metadata: {name: Report}
    /// spec: {namespace: {value: batch}, image: {repo: busybox, tag: latest}}
    /// ";
    /// let err = validator
    ///     .prepare(Input::Manifest(text), &SideInputs::new())
    ///     .unwrap_err();
    /// let found = err.violations().unwrap();
    /// assert_eq!(found.len(), 1);
    /// // `file:line:col`-friendly: `job.yaml:3:18: error: metadata.name: …`.
    /// assert!(found[0].to_string().starts_with("3:18: error: metadata.name: must be a DNS-1123 label"), "{}", found[0]);
    /// assert!(found[0].to_string().ends_with(" [kubernetes.dns1123_label]"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn prepare(&self, input: Input<'_>, side: &SideInputs<'_>) -> Result<Validated, Error> {
        let prepared = self.engine().prepare(input, side).map_err(|e| {
            e.into_error(|violations, masked| {
                Error::Invalid(Box::new(Rejected { violations, masked }))
            })
        })?;
        Ok(Validated {
            message: prepared.input,
            typed: std::sync::OnceLock::new(),
            warnings: prepared.warnings,
            masked: prepared.masked,
        })
    }

    /// [`JobValidator::prepare`], then [`transform`]: from text to the
    /// Kubernetes objects and the stack outputs in one call.
    ///
    /// # Errors
    ///
    /// As [`JobValidator::prepare`]; [`Error::Unresolved`] when `valueFrom`
    /// references are left, [`Error::Transform`] when the input cannot be
    /// rendered.
    ///
    /// # Examples
    ///
    /// ```
    /// use planton_kubernetes_job::{Input, JobValidator, SideInputs};
    ///
    /// let validator = JobValidator::new()?;
    /// // A packaged crate has no `examples/` beside it: the text is inline.
    /// let text = "
    /// apiVersion: kubernetes.project-planton.org/v1
    /// kind: KubernetesJob
    /// metadata: {name: data-migration}
    /// spec:
    ///   namespace: {value: batch-jobs}
    ///   image: {repo: myregistry/migration-runner, tag: v1.2.0}
    /// ";
    /// let out = validator.render(Input::Manifest(&text), &SideInputs::NONE)?;
    /// assert!(out.rendered.to_yaml().contains("kind: Job\n"));
    /// assert_eq!(out.rendered.outputs.job_name, "data-migration");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn render(&self, input: Input<'_>, side: &SideInputs<'_>) -> Result<Output, Error> {
        let validated = self.prepare(input, side)?;
        let rendered = transform(&validated)?;
        Ok(Output {
            validated,
            rendered,
        })
    }
}

/// The stack input with the references `resolver` knows replaced by their
/// values.
pub(crate) fn resolved(
    message: DynamicMessage,
    resolver: &dyn ReferenceResolver,
) -> Result<DynamicMessage, Error> {
    // The message was loaded as a stack input; our encoding of it always
    // decodes as one (the resolver works on the generated type).
    let Ok(mut input) = planton_manifest::transcode::<KubernetesJobStackInput>(&message) else {
        return Ok(message);
    };
    resolve_references(&mut input, resolver)?;
    // Back in the message's own pool, which need not be the calling thread's
    // (see `planton_api::with_private_pool`). The input decoded from this
    // message's encoding, so its own encoding decodes back; were it not to,
    // the references left would stop the render as unresolved.
    let mut resolved = DynamicMessage::new(message.descriptor());
    match resolved.transcode_from(&input) {
        Ok(()) => Ok(resolved),
        Err(_) => Ok(message),
    }
}
