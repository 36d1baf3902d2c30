//! `render` and `outputs`: from a manifest (or stack input) and the side
//! inputs to the validated, rendered objects.

use std::path::PathBuf;

use anyhow::anyhow;
use planton_kubernetes_job::{
    Error, Input, JobValidator, MapResolver, Rendered, SideInputs, Validated, transform,
};

use crate::app::Failure;
use crate::args::{Format, RenderInput};
use crate::input::{self, Source};
use crate::items::{Item, items, walk};
use crate::report;
use crate::{apply, batch, output};
use planton_manifest::sanitize;

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
fn prepare_input(
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
    match prepare_input(validator, &source, stack, &side)? {
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

/// The objects of every manifest the input names (a directory is walked),
/// in apply order; all are rendered before any is used. On violations the
/// report goes to standard error.
pub(crate) fn rendered_objects(
    validator: &JobValidator,
    args: &RenderInput,
    globs: &batch::Excludes,
) -> Result<apply::Rollout, Failure> {
    let outputs = |rendered: &planton_kubernetes_job::Rendered| {
        sanitize::json(planton_manifest::to_json_string(&rendered.outputs))
    };
    let dir = args.file.as_ref().filter(|p| p.is_dir());
    let Some(dir) = dir else {
        let (validated, rendered) = prepare_rendered(validator, args)?;
        let orchestrator =
            apply::Orchestrator::from_provider_config(validated.input().provider_config.as_ref());
        return Ok(apply::Rollout {
            objects: rendered.objects().map(|o| o.to_json()).collect(),
            outputs: vec![outputs(&rendered)],
            orchestrator,
        });
    };
    let side = side_inputs(args)?;
    let (inputs, _) = items(std::slice::from_ref(dir), None, globs);
    let mut rollout = apply::Rollout::default();
    let mut invalid = false;
    for item in inputs {
        let source = item.read()?;
        if let Some(note) = item.not_a_manifest(&source.text) {
            eprint!("{note}");
            continue;
        }
        match prepare_input(validator, &source, false, &side)? {
            Prepared::Valid(validated, warnings) => {
                eprint!("{warnings}");
                let rendered = planton_kubernetes_job::transform(&validated)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", source.name))?;
                rollout
                    .objects
                    .extend(rendered.objects().map(|o| o.to_json()));
                rollout.outputs.push(outputs(&rendered));
            }
            Prepared::Invalid(report) => {
                eprint!("{report}");
                invalid = true;
            }
        }
    }
    if invalid {
        return Err(Failure::Invalid);
    }
    Ok(rollout)
}

/// What rendering one manifest to a file gave.
enum RenderOutcome {
    /// Rendered, to be written to the path; the warnings report.
    Rendered(PathBuf, String, String),
    /// Invalid: the report, and the output path to clear of a stale output.
    Invalid(String, Option<PathBuf>),
    /// Not rendered: the message (cleaned), and the output path to clear.
    Failed(String, Option<PathBuf>),
    /// A special file, skipped.
    Skipped(String),
    /// Not a Planton manifest, skipped: the note, and the output path to clear.
    NotManifest(String, Option<PathBuf>),
}

impl RenderOutcome {
    /// The bytes it holds until written: the output and the reports.
    fn weight(&self) -> usize {
        match self {
            RenderOutcome::Rendered(_, text, warnings) => text.len() + warnings.len(),
            RenderOutcome::Invalid(report, _)
            | RenderOutcome::Failed(report, _)
            | RenderOutcome::Skipped(report)
            | RenderOutcome::NotManifest(report, _) => report.len(),
        }
    }
}

/// The device and inode of an existing file (following links).
fn identity(path: &std::path::Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// A manifest to render, its output path, and why it cannot be written there.
type Planned = (Item, PathBuf, Option<String>);

/// The inputs of `render --out-dir` and their output paths, fixed before
/// anything is written: the walk is complete (so an output directory inside
/// the input tree, new or not, is never read back), and an output that is an
/// input file (compared by device and inode, so `in/../in`, a symbolic link
/// to the input directory, or `-o json` over an `a.json` next to `a.yaml`
/// all match) refuses the whole run. Two inputs with one output path fail
/// the later one. Holds a path or two per input (about 200 bytes).
fn plan(
    root: &std::path::Path,
    out_dir: &std::path::Path,
    extension: &str,
    globs: &batch::Excludes,
) -> Result<Vec<Planned>, Failure> {
    let root_arg = [root.to_path_buf()];
    let inputs: Vec<Item> = walk(&root_arg, Some(out_dir), globs).collect();
    let root_is_dir = root.is_dir();
    let destination = |path: &std::path::Path| -> PathBuf {
        let relative = if root_is_dir {
            path.strip_prefix(root).unwrap_or(path)
        } else {
            std::path::Path::new(path.file_name().unwrap_or_default())
        };
        out_dir.join(relative).with_extension(extension)
    };
    let dests: Vec<Option<PathBuf>> = inputs
        .iter()
        .map(|item| item.path().map(destination))
        .collect();
    // The outputs that exist already, by identity: none when the output
    // directory does not exist (a first run), so no file is asked about.
    let existing: Vec<(usize, (u64, u64))> = if identity(out_dir).is_some() {
        dests
            .iter()
            .enumerate()
            .filter_map(|(i, dest)| Some((i, identity(dest.as_deref()?)?)))
            .collect()
    } else {
        Vec::new()
    };
    // The inputs' identities, needed only to compare with existing outputs.
    let mut input_ids: std::collections::HashMap<(u64, u64), &std::path::Path> =
        std::collections::HashMap::new();
    if !existing.is_empty() {
        for item in &inputs {
            if let Some(path) = item.path()
                && let Some(id) = identity(path)
            {
                input_ids.entry(id).or_insert(path);
            }
        }
    }
    for (i, id) in existing {
        let (Some(path), Some(dest)) = (inputs[i].path(), &dests[i]) else {
            continue;
        };
        if let Some(input) = input_ids.get(&id) {
            let whose = if identity(path) == Some(id) {
                "its own input".to_owned()
            } else {
                format!("the input '{}'", input.display())
            };
            return Err(report::Shown(sanitize::clean_to(
                &format!(
                    "'{}' (the output of '{}') would overwrite {whose}: nothing written; choose another --out-dir",
                    dest.display(),
                    path.display()
                ),
                2000,
            ).into_owned())
            .into());
        }
    }
    // Every output path is the output directory joined with a relative
    // path: equal paths (compared by components) are equal files.
    let mut taken: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    Ok(inputs
        .into_iter()
        .zip(dests)
        .map(|(item, dest)| {
            let Some(dest) = dest else {
                return (item, out_dir.to_path_buf(), None);
            };
            let conflict = (!taken.insert(dest.clone())).then(|| {
                format!(
                    "'{}' is also the output of an earlier input: {} would overwrite it",
                    dest.display(),
                    item.name()
                )
            });
            (item, dest, conflict)
        })
        .collect())
}

pub(crate) fn render_to_dir(
    validator: &JobValidator,
    args: &RenderInput,
    format: Format,
    jobs: Option<std::num::NonZeroUsize>,
    out_dir: &std::path::Path,
    globs: &batch::Excludes,
) -> Result<(), Failure> {
    let (root, stack) = match (&args.file, &args.stack_input) {
        (Some(f), None) => (f.clone(), false),
        (None, Some(f)) => (f.clone(), true),
        _ => return Err(anyhow::anyhow!("give a manifest FILE or --stack-input FILE").into()),
    };
    if root.as_os_str() == "-" {
        return Err(
            anyhow::anyhow!("--out-dir needs a file or directory, not standard input").into(),
        );
    }
    let side = side_inputs(args)?;
    let extension = match format {
        Format::Yaml => "yaml",
        Format::Json => "json",
    };
    let planned = plan(&root, out_dir, extension, globs)?;
    let total = planned.len();
    batch::remove_temporaries_on_signal()?;
    let work = |validator: &JobValidator, (item, dest, conflict): Planned| -> RenderOutcome {
        if let Some(note) = item.note() {
            return RenderOutcome::Skipped(note);
        }
        let clear = item.path().is_some().then(|| dest.clone());
        if let Some(conflict) = conflict {
            // The path belongs to the earlier input: leave it.
            return RenderOutcome::Failed(sanitize::clean(&conflict).into_owned(), None);
        }
        let failed =
            |e: anyhow::Error| RenderOutcome::Failed(report::error_text(&e), clear.clone());
        let source = match item.read() {
            Ok(s) => s,
            Err(e) => return failed(e),
        };
        if let Some(note) = item.not_a_manifest(&source.text) {
            // Not rendered: an output of an earlier run is stale.
            return RenderOutcome::NotManifest(note, clear);
        }
        let (validated, warnings) = match prepare_input(validator, &source, stack, &side) {
            Ok(Prepared::Valid(v, warnings)) => (v, warnings),
            Ok(Prepared::Invalid(report)) => {
                return RenderOutcome::Invalid(report, clear);
            }
            Err(e) => return failed(e),
        };
        let rendered = match planton_kubernetes_job::transform(&validated) {
            Ok(r) => r,
            Err(e) => return failed(anyhow::anyhow!("{}: {e}", source.name)),
        };
        let text = match format {
            Format::Yaml => rendered.to_yaml(),
            Format::Json => rendered.to_json(),
        };
        RenderOutcome::Rendered(dest, text, warnings)
    };
    let (mut written, mut invalid, mut failed, mut removed) = (0usize, 0usize, 0usize, 0usize);
    let mut clear_stale = |dest: Option<PathBuf>| {
        // The output of an earlier run would be applied as if it were this
        // manifest's: an invalid manifest leaves no output behind.
        if let Some(dest) = dest
            && std::fs::symlink_metadata(&dest).is_ok_and(|m| !m.is_dir())
        {
            match std::fs::remove_file(&dest) {
                Ok(()) => {
                    removed += 1;
                    eprintln!(
                        "note: removed the stale output '{}'",
                        sanitize::path(&dest.display().to_string())
                    );
                }
                Err(e) => eprintln!(
                    "error: cannot remove the stale output '{}': {e}",
                    sanitize::path(&dest.display().to_string())
                ),
            }
        }
    };
    // Files are written by this one thread, in input order, between its
    // own renders: writers racing for one directory's lock cost more than
    // they gain. Written by absolute paths (the working directory asked
    // once, not for every temporary file).
    let cwd = std::env::current_dir().ok();
    let mut writer = batch::AtomicWriter::default();
    let own = || JobValidator::new().ok();
    let engines = batch::Engines::own(validator, &own).jobs(jobs);
    batch::run_with(
        planned.into_iter(),
        total,
        engines,
        work,
        RenderOutcome::weight,
        |outcome| {
            match outcome {
                RenderOutcome::Rendered(dest, text, warnings) => {
                    eprint!("{warnings}");
                    let target = match &cwd {
                        Some(cwd) if dest.is_relative() => cwd.join(&dest),
                        _ => dest.clone(),
                    };
                    match writer.write(&target, &text) {
                        Ok(()) => written += 1,
                        Err(e) => {
                            failed += 1;
                            eprintln!(
                                "error: cannot write '{}': {e}",
                                sanitize::path(&dest.display().to_string())
                            );
                        }
                    }
                }
                RenderOutcome::Invalid(report, dest) => {
                    invalid += 1;
                    eprint!("{report}");
                    clear_stale(dest);
                }
                RenderOutcome::Failed(message, dest) => {
                    failed += 1;
                    eprintln!("error: {message}");
                    clear_stale(dest);
                }
                RenderOutcome::Skipped(note) => eprint!("{note}"),
                RenderOutcome::NotManifest(note, dest) => {
                    eprint!("{note}");
                    clear_stale(dest);
                }
            }
            // Every outcome is written: the run goes on.
            std::ops::ControlFlow::Continue(())
        },
    );
    let files = written + invalid + failed;
    output::write_stdout(&format!(
        "{files} file{}: {written} rendered into {}, {invalid} invalid, {failed} not rendered{}\n",
        if files == 1 { "" } else { "s" },
        sanitize::path(&out_dir.display().to_string()),
        if removed > 0 {
            format!(
                " ({removed} stale output{} removed)",
                if removed == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        }
    ))?;
    if failed > 0 {
        Err(Failure::Error(None))
    } else if invalid > 0 {
        Err(Failure::Invalid)
    } else {
        Ok(())
    }
}
