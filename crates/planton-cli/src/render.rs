//! `render` and `outputs`: from a manifest (or stack input) and the side
//! inputs to the validated, rendered objects.

use anyhow::anyhow;
use planton_kubernetes_job::{
    Error, Input, JobValidator, MapResolver, Rendered, SideInputs, Validated, transform,
};

use crate::Failure;
use crate::cli::RenderInput;
use crate::input::{self, Source};
use crate::report;
use crate::sanitize;

/// Loads, completes, resolves, validates and renders; on violations prints
/// the report to standard error and fails with [`Failure::Invalid`].
pub(crate) fn render(validator: &JobValidator, args: &RenderInput) -> Result<Rendered, Failure> {
    let (validated, name) = prepare(validator, args)?;
    transform(&validated).map_err(|e| anyhow!("{name}: {e}").into())
}

/// As [`render`], returning the validated input (checked to render).
pub(crate) fn prepare_rendered(
    validator: &JobValidator,
    args: &RenderInput,
) -> Result<(Validated, Rendered), Failure> {
    let (validated, name) = prepare(validator, args)?;
    let rendered = transform(&validated).map_err(|e| anyhow!("{name}: {e}"))?;
    Ok((validated, rendered))
}

/// The side inputs of `render`, read once for any number of manifests.
#[derive(Default)]
pub(crate) struct Side {
    namespace: Option<String>,
    docker_config_json: Option<String>,
    resolver: Option<MapResolver>,
    strict: bool,
}

impl Side {
    /// The side inputs as the library's door takes them.
    fn inputs(&self) -> SideInputs<'_> {
        let mut inputs = SideInputs::new();
        if let Some(ns) = &self.namespace {
            inputs.namespace(ns);
        }
        if let Some(config) = &self.docker_config_json {
            inputs.docker_config_json(config);
        }
        if let Some(resolver) = &self.resolver {
            inputs.resolver(resolver);
        }
        inputs.strict(self.strict);
        inputs
    }
}

/// Reads the side inputs named on the command line.
pub(crate) fn side_inputs(args: &RenderInput) -> Result<Side, Failure> {
    let stdin_uses = [
        &args.file,
        &args.stack_input,
        &args.docker_config_json,
        &args.resolve,
    ]
    .iter()
    .filter(|p| p.as_ref().is_some_and(|p| p.as_os_str() == "-"))
    .count();
    if stdin_uses > 1 {
        return Err(anyhow!("standard input ('-') can be given only once").into());
    }
    if args.namespace.as_deref() == Some("") {
        return Err(anyhow!("--namespace needs a name").into());
    }
    let mut side = Side {
        namespace: args.namespace.clone(),
        strict: args.strict,
        ..Side::default()
    };
    if let Some(path) = &args.docker_config_json {
        let config = input::read(path)?;
        if !matches!(
            serde_json::from_str::<serde_json::Value>(&config.text),
            Ok(serde_json::Value::Object(_))
        ) {
            // The content is a credential: say where, not what.
            return Err(anyhow!("{}: the docker config is not a JSON object", config.name).into());
        }
        side.docker_config_json = Some(config.text);
    }
    if let Some(path) = &args.resolve {
        side.resolver = Some(resolver(&input::read(path)?)?);
    }
    Ok(side)
}

/// A manifest prepared for rendering, or the report of its violations.
pub(crate) enum Prepared {
    /// Validated: ready for the transform; the report of its warnings (empty
    /// when there are none), for standard error.
    Valid(Box<Validated>, String),
    /// The rendered violation report (rustc-like text).
    Invalid(String),
}

/// Loads, completes, resolves and validates one manifest (or stack input)
/// through the library's front door.
pub(crate) fn prepare_source(
    validator: &JobValidator,
    source: &Source,
    stack: bool,
    side: &Side,
) -> anyhow::Result<Prepared> {
    let input = if stack {
        Input::StackInput(&source.text)
    } else {
        Input::Manifest(&source.text)
    };
    match validator.prepare(input, &side.inputs()) {
        Ok(v) => {
            let warnings = v.warnings_report(&source.name, &source.text);
            Ok(Prepared::Valid(Box::new(v), warnings))
        }
        Err(Error::Invalid(rejected)) => Ok(Prepared::Invalid(
            Error::Invalid(rejected).report(&source.name, &source.text),
        )),
        Err(e) => Err(report::Shown(e.message(&source.name)).into()),
    }
}

/// Loads, completes, resolves and validates the manifest named on the
/// command line; on violations prints the report to standard error.
fn prepare(validator: &JobValidator, args: &RenderInput) -> Result<(Validated, String), Failure> {
    let side = side_inputs(args)?;
    let (source, stack) = match (&args.file, &args.stack_input) {
        (Some(f), None) => (input::read(f)?, false),
        (None, Some(f)) => (input::read(f)?, true),
        _ => return Err(anyhow!("give a manifest FILE or --stack-input FILE").into()),
    };
    match prepare_source(validator, &source, stack, &side)? {
        Prepared::Valid(v, warnings) => {
            eprint!("{warnings}");
            Ok((*v, source.name))
        }
        Prepared::Invalid(report) => {
            eprint!("{report}");
            Err(Failure::Invalid)
        }
    }
}

/// A resolver from a YAML map `KIND/[ENV/]NAME: {FIELD_PATH: VALUE}`, its
/// values read as a manifest's string fields are (see
/// [`planton_manifest::load_text_table`]). Every problem is reported at once.
fn resolver(source: &Source) -> anyhow::Result<MapResolver> {
    let table = planton_manifest::load_text_table(&source.text)
        .map_err(|e| report::Shown(report::load_error(&source.name, &e)))?;
    let mut resolver = MapResolver::new();
    let mut problems = Vec::new();
    for (resource, fields) in table {
        let shown = planton_manifest::shown_key_subscript(&resource);
        let parts: Vec<&str> = resource.split('/').collect();
        if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty()) {
            problems.push(format!("{shown}: expected 'KIND/NAME' or 'KIND/ENV/NAME'"));
            continue;
        }
        if planton_api::registry::find_kind(parts[0]).is_none() {
            let why = planton_api::registry::parse_kind(parts[0]).unwrap_err();
            problems.push(format!("{shown}: {why}"));
            continue;
        }
        for (field, value) in fields {
            resolver.insert(resource.clone(), field, value);
        }
    }
    // Each line cleaned by the sanitizer, then shown as it is.
    let name = sanitize::path(&source.name);
    let text = match problems.as_slice() {
        [] => return Ok(resolver),
        [one] => format!("{name}: {}", sanitize::clean(one)),
        many => {
            let mut text = format!("{name}: {} errors:", many.len());
            for p in many.iter().take(report::MAX_ERROR_LINES) {
                text.push_str("\n  ");
                text.push_str(&sanitize::clean(p));
            }
            if many.len() > report::MAX_ERROR_LINES {
                let more = many.len() - report::MAX_ERROR_LINES;
                text.push_str(&format!("\n  … and {more} more"));
            }
            text
        }
    };
    Err(report::Shown(text).into())
}
