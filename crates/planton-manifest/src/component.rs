//! What a Planton component is ([`Component`]), and the pipeline generic
//! over it ([`Engine`]): text in, defaults from the engine's options,
//! `buf.validate` and the component's own rules, its transform, one error.
//!
//! In the spirit of kube-rs's `Resource`: a component names its descriptors
//! (the manifest's and the stack input's), and supplies its rules and its
//! transform; loading, defaults, validation, locating violations in the text
//! and reporting them are the engine's, the same for every component.

use prost_reflect::{
    DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, ReflectMessage, Value,
};

use crate::{
    BufValidator, DefaultOptions, Defaults, DefaultsError, Document, FieldErrors, LoadError,
    LoadRule, Loader, RuleError, Severity, SourceMap, Span, Violation, report,
};

/// The option holding a field's scalar default
/// (`(org.project_planton.shared.options.default)`), read by the engine for
/// every component.
pub const DEFAULT_OPTION: &str = "org.project_planton.shared.options.default";

/// The text handed to a pipeline, and what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Input<'t> {
    /// A manifest (YAML or JSON), as a user writes it.
    Manifest(&'t str),
    /// A whole stack input (the manifest as its `target`, and what the
    /// orchestrator adds), as an orchestrator hands it over.
    StackInput(&'t str),
}

impl<'t> Input<'t> {
    /// The text itself.
    pub fn text(&self) -> &'t str {
        match self {
            Input::Manifest(text) | Input::StackInput(text) => text,
        }
    }
}

/// Loads `input` as the stack input `stack_input`: a manifest becomes its
/// `target` field, its source map moved under the target's name (so
/// violations of the stack input still point into the manifest's text).
///
/// # Errors
///
/// [`LoadError`] when the text does not load.
pub fn load_stack_input(
    loader: &Loader,
    input: Input<'_>,
    stack_input: &MessageDescriptor,
    target: &FieldDescriptor,
) -> Result<(DynamicMessage, SourceMap), LoadError> {
    Ok(match input {
        Input::Manifest(text) => {
            let (manifest, map) = loader.load_str(text)?.into_parts();
            let mut message = DynamicMessage::new(stack_input.clone());
            message.set_field(target, Value::Message(manifest));
            (message, map.into_prefixed(target.name()))
        }
        Input::StackInput(text) => loader.load_str_as(text, stack_input)?.into_parts(),
    })
}

/// The paths of `violations` as the manifest writes them: a field of the
/// manifest without the stack input's `target.` (the other fields of the
/// stack input, the side inputs, keep their names). So paths are the same
/// whichever [`Input`] form was given.
pub fn paths_from_target(violations: &mut [Violation], target: &FieldDescriptor) {
    let target = target.name();
    for v in violations {
        if let Some(rest) = v.field_path.strip_prefix(target)
            && let Some(rest) = rest.strip_prefix('.')
        {
            v.field_path = rest.to_owned();
        }
    }
}

/// A Planton component: a kind, its stack input, its rules and its
/// transform.
pub trait Component {
    /// What the orchestrator adds to the text (namespace, credentials, a
    /// reference resolver, ...), set on the stack input by
    /// [`Component::set_side_inputs`].
    type SideInputs<'a>;
    /// What the transform renders (objects and stack outputs).
    type Rendered;
    /// Why setting the side inputs or the transform failed.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The manifest's message (its `kind:` is the message's name).
    fn manifest_descriptor(&self) -> MessageDescriptor;

    /// The stack input's message: it holds the manifest in a field of the
    /// manifest's type (its `target`).
    fn stack_input_descriptor(&self) -> MessageDescriptor;

    /// Adds the component's own default options to the engine's
    /// ([`DEFAULT_OPTION`]); none by default.
    fn default_options(&self, options: &mut DefaultOptions) {
        let _ = options;
    }

    /// Sets the side inputs on the stack input message, through typed
    /// fields or field descriptors.
    ///
    /// # Errors
    ///
    /// The component's error when a side input cannot be set (a reference
    /// resolver failed, ...).
    fn set_side_inputs(
        &self,
        input: &mut DynamicMessage,
        side: &Self::SideInputs<'_>,
    ) -> Result<(), Self::Error>;

    /// Adjusts the stack input before the defaults are applied; nothing by
    /// default.
    fn before_defaults(&self, input: &mut DynamicMessage) {
        let _ = input;
    }

    /// The component's rules beyond `buf.validate`, on the defaulted stack
    /// input, unlocated, with paths from the stack input's root.
    fn rules(&self, input: &DynamicMessage) -> Vec<Violation>;

    /// Renders the valid, defaulted stack input.
    ///
    /// # Errors
    ///
    /// The component's error when the input cannot be rendered.
    fn transform(&self, input: &DynamicMessage) -> Result<Self::Rendered, Self::Error>;

    /// The component's rules on a bare manifest (no stack input around
    /// it), defaulted, unlocated, with paths from the manifest's root, when
    /// the component can check a manifest alone; `None` (the default) has
    /// the engine check the manifest as the target of an otherwise empty
    /// stack input with [`Component::rules`].
    fn manifest_rules(&self, manifest: &DynamicMessage) -> Option<Vec<Violation>> {
        let _ = manifest;
        None
    }

    /// How the component tells its secret values apart (a report quoting
    /// the input masks them); none by default.
    fn secrets(&self) -> Secrets {
        Secrets::NONE
    }

    /// Whether warnings refuse the input as errors do (the side inputs ask
    /// for it: `planton --strict`); never by default.
    fn strict(&self, side: &Self::SideInputs<'_>) -> bool {
        let _ = side;
        false
    }
}

/// Why an [`Engine`] could not be built for a component.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// A default option does not convert to its field's type.
    #[error("the protos declare an unusable default")]
    Default(#[from] DefaultsError),
    /// The stack input has no field of the manifest's type.
    #[error("the stack input '{stack_input}' has no field of the manifest's type '{manifest}'")]
    NoTarget {
        /// The stack input's full name.
        stack_input: String,
        /// The manifest's full name.
        manifest: String,
    },
}

/// Why [`Engine::prepare`] or [`Engine::render`] stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E: std::error::Error + 'static> {
    /// The text does not load.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The input breaks rules: every violation (located, sorted; paths as
    /// the manifest writes them), and the spans of secret values.
    #[error("the input breaks {} rule(s)", .0.len())]
    Invalid(Vec<Violation>, Vec<Span>),
    /// A `buf.validate` rule could not be evaluated.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// The component failed: setting a side input, or its transform.
    #[error(transparent)]
    Component(E),
}

impl<E: std::error::Error + 'static> Error<E> {
    /// This error as the component's own error type `F` (a component's
    /// front door keeping its one error enum): `invalid` makes the refusal
    /// from the violations and the masked spans, the rest convert by `From`.
    pub fn into_error<F>(self, invalid: impl FnOnce(Vec<Violation>, Vec<Span>) -> F) -> F
    where
        F: From<LoadError> + From<RuleError> + From<E>,
    {
        match self {
            Error::Load(e) => e.into(),
            Error::Invalid(violations, masked) => invalid(violations, masked),
            Error::Rule(e) => e.into(),
            Error::Component(e) => e.into(),
        }
    }

    /// What `planton` prints for this error, for the input `text` named
    /// `name`: the violation report, or one `error: ` line.
    pub fn report(&self, name: &str, text: &str) -> String {
        match self {
            Error::Invalid(violations, masked) => {
                let result = report::FileResult {
                    file: name.to_owned(),
                    text: Some(text.to_owned()),
                    outcome: report::Outcome::Checked {
                        violations: violations.clone(),
                        spans: violations.iter().map(|v| v.span).collect(),
                        secrets: masked.clone(),
                        unkept: 0,
                    },
                };
                report::human(&[result]).stdout
            }
            Error::Load(e) => format!("error: {}\n", report::load_error(name, e)),
            other => format!(
                "error: {}\n",
                crate::sanitize::clean_to(&format!("{name}: {other}"), report::MAX_ERROR_CHARS)
            ),
        }
    }
}

/// How a component tells its secret values apart, from the descriptors:
/// plain functions of a message type (the manifest's or the stack input's)
/// and a path from its root, so a [`Checked`] finds its secrets when asked.
#[derive(Debug, Clone, Copy)]
pub struct Secrets {
    is_secret: fn(&MessageDescriptor, &str) -> bool,
    in_secret_field: fn(&MessageDescriptor, &str) -> bool,
}

fn never(_: &MessageDescriptor, _: &str) -> bool {
    false
}

impl Secrets {
    /// No value is a secret.
    pub const NONE: Secrets = Secrets {
        is_secret: never,
        in_secret_field: never,
    };

    /// Secrets told by `is_secret` (whether the value at a path is a
    /// secret) and `in_secret_field` (whether a path is in a field that may
    /// hold one: a load error there may be about a secret written in the
    /// wrong place, so its value is masked too).
    pub fn new(
        is_secret: fn(&MessageDescriptor, &str) -> bool,
        in_secret_field: fn(&MessageDescriptor, &str) -> bool,
    ) -> Self {
        Secrets {
            is_secret,
            in_secret_field,
        }
    }

    /// Whether the value at `path`, from the root of a `root` message, is a
    /// secret.
    pub fn is_secret(&self, root: &MessageDescriptor, path: &str) -> bool {
        (self.is_secret)(root, path)
    }

    /// Whether `path`, from the root of a `root` message, is in a field that
    /// may hold a secret.
    pub fn in_secret_field(&self, root: &MessageDescriptor, path: &str) -> bool {
        (self.in_secret_field)(root, path)
    }
}

/// Why a text could not be checked ([`Engine::check`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// The text could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A `buf.validate` rule could not be evaluated.
    #[error(transparent)]
    Rule(#[from] RuleError),
}

/// A loaded, defaulted text and every rule it breaks: what every report
/// (text, JSON, the CI formats, a language server's diagnostics) is made
/// from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Checked {
    /// The text's message, with defaults applied.
    pub document: Document,
    /// The fields that did not load (unknown, of the wrong type, ...), sorted
    /// by position. They were left unset, and the rest of the text was
    /// defaulted and validated: `violations` holds what that found, less
    /// the violations of these fields and of fields under them, which would
    /// only repeat the load error.
    pub load_errors: FieldErrors,
    /// Every violation, warnings included, located in the input text.
    pub violations: Vec<Violation>,
    secrets: Secrets,
}

impl Checked {
    /// Whether the text loaded cleanly and breaks no rule, warnings aside.
    pub fn is_valid(&self) -> bool {
        self.load_errors.is_empty() && self.violations.iter().all(|v| !v.is_error())
    }

    /// The load errors and the violations in one list, sorted by position:
    /// each load error as a violation of its rule (`load.unknown_field`, ...)
    /// from [`Source::Load`](crate::Source::Load).
    pub fn findings(&self) -> Vec<Violation> {
        let mut all: Vec<Violation> = self
            .load_errors
            .iter()
            .map(crate::FieldError::to_violation)
            .collect();
        all.extend(self.violations.iter().cloned());
        crate::sort(&mut all);
        all
    }

    /// The spans of the input that a report quoting its lines must mask:
    /// the secret values ([`Component::secrets`]), the values the loader did
    /// not read ([`Document::skipped`]: nothing is known of them), and the
    /// values of load errors in a field that may hold secrets.
    pub fn masked_spans(&self) -> Vec<Span> {
        let document = &self.document;
        let root = document.message().descriptor();
        let mut spans: Vec<Span> = document
            .source_map()
            .iter()
            .filter(|(path, _)| self.secrets.is_secret(&root, path))
            .map(|(_, span)| span)
            .collect();
        spans.extend_from_slice(document.skipped());
        spans.extend(
            self.load_errors
                .iter()
                // About a value (not a key): the value may be a secret
                // written where it does not fit.
                .filter(|e| {
                    !matches!(
                        e.rule,
                        LoadRule::UnknownField | LoadRule::Duplicate | LoadRule::Oneof
                    ) && self.secrets.in_secret_field(&root, &e.path)
                })
                .map(|e| Span {
                    start: e.location,
                    end: e.end,
                }),
        );
        spans
    }
}

/// Whether `path` is `field` or a path under it.
fn is_at_or_under(path: &str, field: &str) -> bool {
    path.strip_prefix(field)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

/// A valid, defaulted stack input of a component, and its warnings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Prepared {
    /// The stack input message.
    pub input: DynamicMessage,
    /// The warnings validation found (they refused nothing), located,
    /// sorted, with paths as the manifest writes them.
    pub warnings: Vec<Violation>,
    /// The spans of secret values in the text, when there are warnings (a
    /// report quoting the text masks them); empty otherwise.
    pub masked: Vec<Span>,
}

/// The pipeline of a component `C`: load, side inputs, defaults,
/// validation, transform. Build it once and reuse it.
#[derive(Debug)]
pub struct Engine<C> {
    component: C,
    manifest: MessageDescriptor,
    stack_input: MessageDescriptor,
    target: FieldDescriptor,
    loader: Loader,
    defaults: Defaults,
    buf: BufValidator,
}

impl<C: Component> Engine<C> {
    /// The engine of `component`.
    ///
    /// # Errors
    ///
    /// [`SetupError`] when a default does not convert to its field, or the
    /// stack input holds no manifest.
    pub fn new(component: C) -> Result<Self, SetupError> {
        let manifest = component.manifest_descriptor();
        let stack_input = component.stack_input_descriptor();
        let target = stack_input
            .fields()
            .find(|f| matches!(f.kind(), Kind::Message(m) if m == manifest) && !f.is_list())
            .ok_or_else(|| SetupError::NoTarget {
                stack_input: stack_input.full_name().to_owned(),
                manifest: manifest.full_name().to_owned(),
            })?;
        let mut options = DefaultOptions::new();
        options.scalar_option(DEFAULT_OPTION);
        component.default_options(&mut options);
        let defaults = Defaults::new(&stack_input, &options)?;
        let loader = Loader::for_kinds([(manifest.name().to_owned(), manifest.clone())]);
        Ok(Engine {
            component,
            manifest,
            stack_input,
            target,
            loader,
            defaults,
            buf: BufValidator::new(),
        })
    }

    /// The component.
    pub fn component(&self) -> &C {
        &self.component
    }

    /// Loads, sets the side inputs, applies the defaults and validates.
    ///
    /// # Errors
    ///
    /// [`Error::Load`], [`Error::Component`] when a side input cannot be
    /// set, [`Error::Invalid`] with every violation when one is an error (or
    /// is a warning and [`Component::strict`] holds, all then made errors),
    /// [`Error::Rule`].
    pub fn prepare(
        &self,
        input: Input<'_>,
        side: &C::SideInputs<'_>,
    ) -> Result<Prepared, Error<C::Error>> {
        let (mut message, map) =
            load_stack_input(&self.loader, input, &self.stack_input, &self.target)?;
        self.component
            .set_side_inputs(&mut message, side)
            .map_err(Error::Component)?;
        self.apply_defaults(&mut message);
        let mut violations = self.violations(&message)?;
        crate::locate(&mut violations, &map);
        paths_from_target(&mut violations, &self.target);
        if violations.is_empty() {
            return Ok(Prepared {
                input: message,
                warnings: violations,
                masked: Vec::new(),
            });
        }
        let secrets = self.component.secrets();
        let masked = map
            .iter()
            .filter(|(path, _)| secrets.is_secret(&self.stack_input, path))
            .map(|(_, span)| span)
            .collect();
        if violations.iter().any(|v| v.severity == Severity::Error) {
            return Err(Error::Invalid(violations, masked));
        }
        if self.component.strict(side) {
            for v in &mut violations {
                v.severity = Severity::Error;
            }
            return Err(Error::Invalid(violations, masked));
        }
        Ok(Prepared {
            input: message,
            warnings: violations,
            masked,
        })
    }

    /// The component's adjustments ([`Component::before_defaults`]), then the
    /// defaults of the engine's and the component's options, where `input`
    /// leaves fields unset.
    pub fn apply_defaults(&self, input: &mut DynamicMessage) {
        self.component.before_defaults(input);
        self.defaults.apply(input);
    }

    /// Every rule `input` breaks: `buf.validate`'s, then the component's
    /// ([`Component::rules`]); unlocated, paths from the message's root.
    ///
    /// # Errors
    ///
    /// [`RuleError`] when a `buf.validate` rule cannot be evaluated.
    pub fn violations(&self, input: &DynamicMessage) -> Result<Vec<Violation>, RuleError> {
        let mut violations = self.buf.validate(input)?;
        violations.extend(self.component.rules(input));
        Ok(violations)
    }

    /// The `buf.validate` rules alone.
    pub fn buf_validator(&self) -> &BufValidator {
        &self.buf
    }

    /// The loader of the manifest's kind.
    pub fn loader(&self) -> &Loader {
        &self.loader
    }

    /// The loader of the manifest's kind, to adjust its limits.
    pub fn loader_mut(&mut self) -> &mut Loader {
        &mut self.loader
    }

    /// The stack input's field holding the manifest (its `target`).
    pub fn target_field(&self) -> &FieldDescriptor {
        &self.target
    }

    /// [`Engine::prepare`], then the component's transform.
    ///
    /// # Errors
    ///
    /// As [`Engine::prepare`]; [`Error::Component`] when the transform fails.
    pub fn render(
        &self,
        input: Input<'_>,
        side: &C::SideInputs<'_>,
    ) -> Result<C::Rendered, Error<C::Error>> {
        let prepared = self.prepare(input, side)?;
        self.component
            .transform(&prepared.input)
            .map_err(Error::Component)
    }

    /// Loads a manifest, applies the defaults and validates it, as
    /// `planton validate` does: the fields that do not load (unknown, of the
    /// wrong type, ...) do not stop the check but are
    /// [`Checked::load_errors`], and the rest is defaulted and validated.
    /// Paths are from the manifest's root.
    ///
    /// # Errors
    ///
    /// [`CheckError`] when the text does not load or a rule cannot be
    /// evaluated; broken rules are [`Checked::violations`].
    pub fn check(&self, text: &str) -> Result<Checked, CheckError> {
        let recovered = self.loader.load_str_recovering(text)?;
        self.defaulted_and_checked(recovered.document, recovered.errors)
    }

    /// As [`Engine::check`], for a whole stack input (paths from the stack
    /// input's root).
    ///
    /// # Errors
    ///
    /// As [`Engine::check`].
    pub fn check_stack_input(&self, text: &str) -> Result<Checked, CheckError> {
        let recovered = self
            .loader
            .load_str_as_recovering(text, &self.stack_input)?;
        self.defaulted_and_checked(recovered.document, recovered.errors)
    }

    fn defaulted_and_checked(
        &self,
        mut document: Document,
        load_errors: FieldErrors,
    ) -> Result<Checked, CheckError> {
        // As `apply_defaults`, with the message's descriptor made once for
        // the defaults and the choice of rules below (each making of it is
        // an atomic update of the pool's shared reference count).
        self.component.before_defaults(document.message_mut());
        let desc = document.message().descriptor();
        self.defaults.apply_as(document.message_mut(), &desc);
        let mut violations = if desc == self.manifest {
            self.manifest_violations(document.message_mut())?
        } else {
            self.violations(document.message())?
        };
        crate::locate(&mut violations, document.source_map());
        // A field that did not load is unset: a violation of it, or of a
        // field under it, would only repeat its load error; so would one of
        // the message holding it (`set 'value' or 'secretRef'`), unless the
        // field was unknown or given twice (the message lacks nothing then).
        violations.retain(|v| {
            !load_errors.iter().any(|e| {
                (!e.path.is_empty() && is_at_or_under(&v.field_path, &e.path))
                    || (!matches!(e.rule, LoadRule::UnknownField | LoadRule::Duplicate)
                        && crate::parent_path(&e.path)
                            .is_some_and(|p| !p.is_empty() && p == v.field_path))
            })
        });
        Ok(Checked {
            document,
            load_errors,
            violations,
            secrets: self.component.secrets(),
        })
    }

    /// Every rule the defaulted `manifest` breaks, unlocated, paths from its
    /// root: `buf.validate`'s, then the component's, on the manifest alone
    /// ([`Component::manifest_rules`]) or as the target of an otherwise
    /// empty stack input.
    fn manifest_violations(
        &self,
        manifest: &mut DynamicMessage,
    ) -> Result<Vec<Violation>, RuleError> {
        let mut violations = self.buf.validate(manifest)?;
        match self.component.manifest_rules(manifest) {
            Some(found) => violations.extend(found),
            None => {
                let mut input = DynamicMessage::new(self.stack_input.clone());
                let taken = std::mem::replace(manifest, DynamicMessage::new(self.manifest.clone()));
                input.set_field(&self.target, Value::Message(taken));
                let mut found = self.component.rules(&input);
                paths_from_target(&mut found, &self.target);
                violations.extend(found);
                if let Some(Value::Message(back)) = input.take_field(&self.target) {
                    *manifest = back;
                }
            }
        }
        Ok(violations)
    }

    /// The manifest's message.
    pub fn manifest_descriptor(&self) -> &MessageDescriptor {
        &self.manifest
    }
}
