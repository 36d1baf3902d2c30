//! Command-line arguments and the commands they run.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use planton_kubernetes_job::JobValidator;

use crate::input::Source;
use crate::{Failure, apply, batch, github, input, junit, output, render, report, sanitize, sarif};

/// Load, validate and render Project Planton KubernetesJob manifests.
#[derive(Debug, Parser)]
#[command(name = "planton", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load a manifest, apply the defaults of the protos, and print it in
    /// normalized proto3-JSON form.
    ///
    /// The manifest is read strictly: unknown fields, wrong types and values
    /// that YAML 1.1 and 1.2 read differently are errors naming the field and
    /// the line:column.
    #[command(override_usage = "planton load [OPTIONS] <FILE|->")]
    Load {
        /// The manifest file (YAML or JSON), or '-' for standard input.
        file: PathBuf,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Format::Yaml)]
        output: Format,
        /// Print the manifest as written, without the defaults.
        #[arg(long)]
        no_defaults: bool,
    },
    /// Render a manifest as the Kubernetes objects to apply: Namespace,
    /// Secrets, ConfigMaps and the Job, in apply order.
    ///
    /// The input is validated first; on any violation the report goes to
    /// standard error, nothing to standard output, and the exit status is 1.
    /// The YAML output pipes into `kubectl apply -f -`.
    #[command(
        override_usage = "planton render [OPTIONS] <FILE|DIR|->\n       planton render [OPTIONS] --stack-input <FILE>"
    )]
    Render {
        #[command(flatten)]
        input: RenderInput,
        /// Output format: a multi-document YAML stream, or one JSON `List`.
        #[arg(short, long, value_enum, default_value_t = Format::Yaml)]
        output: Format,
        /// Write one file per manifest into DIR (same relative path, extension
        /// .yaml or .json) instead of standard output; needed for a directory
        /// of manifests. A manifest that fails writes nothing and removes its
        /// output of an earlier run. A DIR where an output would overwrite an
        /// input is refused before anything is written.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
        #[command(flatten)]
        walk: WalkArgs,
    },
    /// Apply the rendered objects to a cluster by server-side apply (field
    /// manager 'planton'), in apply order, with a line per object (created,
    /// configured or unchanged).
    ///
    /// Every manifest is validated and rendered before anything is sent.
    /// Exit status: 0 applied (and, with --wait, the Job completed), 1 the
    /// server refused an object or the Job failed, 2 usage, I/O or
    /// connection errors.
    #[command(
        override_usage = "planton apply [OPTIONS] <FILE|DIR|->\n       planton apply [OPTIONS] --stack-input <FILE>"
    )]
    Apply {
        #[command(flatten)]
        input: RenderInput,
        #[command(flatten)]
        target: apply::Target,
        /// Delete and create again a Job whose pod template changed (a Job's
        /// template cannot be changed in place).
        #[arg(long)]
        replace: bool,
        /// Wait until the Job completes (exit 0) or fails (exit 1).
        #[arg(long)]
        wait: bool,
        /// How long --wait waits, in seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 600, requires = "wait")]
        timeout: u64,
        #[command(flatten)]
        walk: WalkArgs,
    },
    /// Delete the rendered objects from a cluster, the Job first.
    #[command(
        override_usage = "planton delete [OPTIONS] <FILE|DIR|->\n       planton delete [OPTIONS] --stack-input <FILE>"
    )]
    Delete {
        #[command(flatten)]
        input: RenderInput,
        #[command(flatten)]
        target: apply::Target,
        #[command(flatten)]
        walk: WalkArgs,
    },
    /// Print the stack outputs (namespace, job_name) of a manifest as proto3 JSON.
    #[command(
        override_usage = "planton outputs [OPTIONS] <FILE|->\n       planton outputs [OPTIONS] --stack-input <FILE>"
    )]
    Outputs {
        #[command(flatten)]
        input: RenderInput,
    },
    /// Terraform: the module's variables.tf and a manifest's tfvars.
    #[command(subcommand)]
    Tf(TfCommand),
    /// Pulumi: a Pulumi YAML program deploying the rendered objects.
    #[command(subcommand)]
    Pulumi(PulumiCommand),
    /// Print the JSON Schema (draft-07) of a KubernetesJob manifest, for
    /// editors (yaml-language-server, VS Code's YAML extension), generated
    /// from the protos.
    Schema,
    /// Run the language server on standard input and output (LSP): the
    /// diagnostics of `planton validate` as you type, completion of field
    /// names and enum values, hover documentation, and quick fixes.
    Lsp,
    /// Validate manifests: every buf.validate rule of the protos and the
    /// Kubernetes rules the API server would enforce, after defaults.
    ///
    /// Exit status: 0 when every file is valid, 1 when any breaks a rule, 2 on
    /// usage, I/O or parse errors.
    #[command(override_usage = "planton validate [OPTIONS] <FILE|DIR|->...")]
    Validate {
        /// Manifest files (YAML or JSON), directories (walked recursively for
        /// *.yaml, *.yml and *.json, in sorted order), or '-' for standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format: a rustc-like report, one JSON document, or a CI
        /// format (SARIF 2.1.0, JUnit XML, GitHub Actions annotations).
        #[arg(short, long, value_enum, default_value_t = ReportFormat::Human)]
        output: ReportFormat,
        /// Treat warnings (what the API server accepts with a warning, such as
        /// a variable defined twice) as violations.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        walk: WalkArgs,
    },
}

/// How directories are walked.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct WalkArgs {
    /// Skip what GLOB matches in a directory walk (repeatable): without a
    /// '/', a file or directory name at any depth ('vendor', '*.json'); with
    /// one, the path relative to the walked directory ('charts/**'). Files
    /// named on the command line are never skipped.
    #[arg(long, value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,
}

#[derive(Debug, Subcommand)]
enum TfCommand {
    /// Print variables.tf for the Terraform module, generated from the protos
    /// (iac/tf/variables.tf is this output).
    Variables,
    /// Print the tfvars JSON for a manifest: validated, with defaults,
    /// references resolved, namespace and docker config from the stack input.
    #[command(
        override_usage = "planton tf vars [OPTIONS] <FILE|->\n       planton tf vars [OPTIONS] --stack-input <FILE>"
    )]
    Vars {
        #[command(flatten)]
        input: RenderInput,
    },
}

#[derive(Debug, Subcommand)]
enum PulumiCommand {
    /// Print a Pulumi YAML program (Pulumi.yaml) creating the rendered objects.
    #[command(
        override_usage = "planton pulumi program [OPTIONS] <FILE|->\n       planton pulumi program [OPTIONS] --stack-input <FILE>"
    )]
    Program {
        #[command(flatten)]
        input: RenderInput,
    },
}

/// The input of `render`, `outputs`, `tf vars` and `pulumi program`.
#[derive(Debug, clap::Args)]
pub(crate) struct RenderInput {
    /// The KubernetesJob manifest (YAML or JSON), or '-' for standard input.
    #[arg(
        required_unless_present = "stack_input",
        conflicts_with = "stack_input"
    )]
    pub(crate) file: Option<PathBuf>,
    /// A whole KubernetesJobStackInput (target, provider config, namespace,
    /// docker config) instead of a bare manifest; '-' for standard input.
    #[arg(long, value_name = "FILE")]
    pub(crate) stack_input: Option<PathBuf>,
    /// The namespace resolved by the orchestrator (the stack input's
    /// kubernetes_namespace); wins over spec.namespace.
    #[arg(long, value_name = "NS")]
    pub(crate) namespace: Option<String>,
    /// A docker config JSON file: rendered as the image-pull Secret.
    #[arg(long, value_name = "FILE")]
    pub(crate) docker_config_json: Option<PathBuf>,
    /// Values for valueFrom references: a YAML map from 'KIND/NAME' (or
    /// 'KIND/ENV/NAME') to a map from field path to value.
    #[arg(long, value_name = "FILE")]
    pub(crate) resolve: Option<PathBuf>,
    /// Treat warnings (what the API server accepts with a warning, such as a
    /// variable defined twice) as violations: report them and render nothing.
    #[arg(long)]
    pub(crate) strict: bool,
}

/// An output format for manifests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// YAML (the default).
    Yaml,
    /// JSON.
    Json,
}

/// An output format for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    /// Each violation with its source line and a caret, like rustc.
    Human,
    /// One JSON document for all files.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning (upload-sarif).
    Sarif,
    /// JUnit XML: a test case per file, a failure per violation.
    Junit,
    /// GitHub Actions workflow commands (`::error file=…,line=…::…`).
    Github,
}

impl Cli {
    pub(crate) fn run(self) -> Result<(), Failure> {
        match self.command {
            Command::Load {
                file,
                output,
                no_defaults,
            } => load(&file, output, no_defaults),
            Command::Validate {
                files,
                output,
                strict,
                walk,
            } => validate(&files, output, strict, &walk_excludes(&walk)?),
            Command::Render {
                input,
                output,
                out_dir: Some(out_dir),
                walk,
            } => render_to_dir(
                validator()?,
                &input,
                output,
                &out_dir,
                &walk_excludes(&walk)?,
            ),
            Command::Render {
                input,
                output,
                out_dir: None,
                walk: _,
            } => {
                if input
                    .file
                    .as_ref()
                    .or(input.stack_input.as_ref())
                    .is_some_and(|p| p.is_dir())
                {
                    return Err(anyhow::anyhow!("rendering a directory needs --out-dir DIR").into());
                }
                let rendered = render::render(validator()?, &input)?;
                let text = match output {
                    Format::Yaml => rendered.to_yaml(),
                    Format::Json => sanitize::json(rendered.to_json()),
                };
                output::write_stdout(&text)?;
                Ok(())
            }
            Command::Schema => {
                let schema = validator()?.json_schema();
                output::write_stdout(&planton_manifest::json_to_string(&schema))?;
                Ok(())
            }
            Command::Lsp => Ok(crate::lsp::run(validator()?)?),
            Command::Tf(TfCommand::Variables) => {
                output::write_stdout(&planton_kubernetes_job::terraform_variables())?;
                Ok(())
            }
            Command::Tf(TfCommand::Vars { input }) => {
                let (validated, _) = render::prepare_rendered(validator()?, &input)?;
                let vars = planton_kubernetes_job::terraform_vars(&validated);
                output::write_stdout(&sanitize::json(planton_manifest::json_to_string(&vars)))?;
                Ok(())
            }
            Command::Pulumi(PulumiCommand::Program { input }) => {
                let (_, rendered) = render::prepare_rendered(validator()?, &input)?;
                let program = planton_kubernetes_job::pulumi_program(&rendered);
                output::write_stdout(&planton_manifest::json_to_yaml(&program))?;
                Ok(())
            }
            Command::Apply {
                input,
                target,
                replace,
                wait,
                timeout,
                walk,
            } => {
                let rollout = rendered_objects(validator()?, &input, &walk_excludes(&walk)?)?;
                let options = apply::ApplyOptions {
                    replace,
                    wait: wait.then(|| std::time::Duration::from_secs(timeout)),
                };
                apply::apply(&target, &rollout, options)
            }
            Command::Delete {
                input,
                target,
                walk,
            } => {
                let rollout = rendered_objects(validator()?, &input, &walk_excludes(&walk)?)?;
                apply::delete(&target, &rollout)
            }
            Command::Outputs { input } => {
                let rendered = render::render(validator()?, &input)?;
                output::write_stdout(&sanitize::json(planton_manifest::to_json_string(
                    &rendered.outputs,
                )))?;
                Ok(())
            }
        }
    }
}

/// The compiled `--exclude` patterns.
fn walk_excludes(walk: &WalkArgs) -> Result<batch::Excludes, Failure> {
    Ok(batch::Excludes::new(&walk.exclude)?)
}

/// The objects of every manifest the input names (a directory is walked),
/// in apply order; all are rendered before any is used. On violations the
/// report goes to standard error.
fn rendered_objects(
    validator: &JobValidator,
    args: &RenderInput,
    globs: &batch::Excludes,
) -> Result<apply::Rollout, Failure> {
    let outputs = |rendered: &planton_kubernetes_job::Rendered| {
        sanitize::json(planton_manifest::to_json_string(&rendered.outputs))
    };
    let dir = args.file.as_ref().filter(|p| p.is_dir());
    let Some(dir) = dir else {
        let (validated, rendered) = render::prepare_rendered(validator, args)?;
        let orchestrator =
            apply::Orchestrator::from_provider_config(validated.input().provider_config.as_ref());
        return Ok(apply::Rollout {
            objects: rendered.objects().map(|o| o.to_json()).collect(),
            outputs: vec![outputs(&rendered)],
            orchestrator,
        });
    };
    let side = render::side_inputs(args)?;
    let (inputs, _) = items(std::slice::from_ref(dir), None, globs);
    let mut rollout = apply::Rollout::default();
    let mut invalid = false;
    for item in inputs {
        let source = item.read()?;
        if let Some(note) = item.not_a_manifest(&source.text) {
            eprint!("{note}");
            continue;
        }
        match render::prepare_source(validator, &source, false, &side)? {
            render::Prepared::Valid(validated, warnings) => {
                eprint!("{warnings}");
                let rendered = planton_kubernetes_job::transform(&validated)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", source.name))?;
                rollout
                    .objects
                    .extend(rendered.objects().map(|o| o.to_json()));
                rollout.outputs.push(outputs(&rendered));
            }
            render::Prepared::Invalid(report) => {
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

/// The validator, for the life of the process: it is never dropped, since
/// freeing its descriptor pools and compiled rules at exit would only slow
/// down a short-lived command.
pub(crate) fn validator() -> Result<&'static JobValidator, Failure> {
    Ok(Box::leak(Box::new(JobValidator::new()?)))
}

fn load(file: &std::path::Path, format: Format, no_defaults: bool) -> Result<(), Failure> {
    let validator = validator()?;
    let source = input::read(file)?;
    let mut doc = validator
        .load(&source.text)
        .map_err(|e| report::Shown(report::load_error(&source.name, &e)))?;
    if !no_defaults {
        validator.apply_defaults(&mut doc);
    }
    let text = match format {
        Format::Yaml => planton_manifest::to_yaml_string(doc.message()),
        Format::Json => sanitize::json(planton_manifest::to_json_string(doc.message())),
    };
    output::write_stdout(&text)?;
    Ok(())
}

/// One input of a multi-file command.
pub(crate) enum Item {
    /// A file given on the command line.
    File(PathBuf),
    /// A file found in a directory: read only if it is a regular file.
    Found(PathBuf),
    /// Standard input.
    Stdin,
    /// A directory that could not be read.
    Unreadable(PathBuf, std::io::Error),
    /// A special file found in a directory, skipped with a note.
    Special(PathBuf, &'static str),
}

impl Item {
    pub(crate) fn name(&self) -> String {
        match self {
            Item::File(p) | Item::Found(p) | Item::Unreadable(p, _) | Item::Special(p, _) => {
                p.display().to_string()
            }
            Item::Stdin => "<stdin>".to_owned(),
        }
    }

    fn path(&self) -> Option<&std::path::Path> {
        match self {
            Item::File(p) | Item::Found(p) => Some(p),
            _ => None,
        }
    }

    pub(crate) fn read(&self) -> anyhow::Result<Source> {
        match self {
            Item::File(p) => input::read(p),
            Item::Found(p) => input::read_regular(p),
            Item::Stdin => input::read(std::path::Path::new("-")),
            Item::Unreadable(p, e) => Err(anyhow::anyhow!(
                "cannot read directory '{}': {e}",
                p.display()
            )),
            Item::Special(p, kind) => Err(anyhow::anyhow!(
                "'{}' is {kind}, not a regular file",
                p.display()
            )),
        }
    }

    /// The note for a file found in a directory walk that is not a Planton
    /// manifest: its top level is not a mapping, or has neither `apiVersion`
    /// nor `kind` (other YAML in a repository: CI configuration, Helm values).
    /// A file named on the command line is always a manifest.
    pub(crate) fn not_a_manifest(&self, text: &str) -> Option<String> {
        let Item::Found(path) = self else {
            return None;
        };
        not_a_manifest(text).map(|why| {
            format!(
                "note: skipped '{}': not a Planton manifest ({why})\n",
                sanitize::path(&path.display().to_string())
            )
        })
    }

    /// The note for a skipped special file.
    fn note(&self) -> Option<String> {
        match self {
            Item::Special(p, kind) => Some(format!(
                "note: skipped '{}': {kind}, not a regular file\n",
                sanitize::path(&p.display().to_string())
            )),
            _ => None,
        }
    }
}

/// Why `text` (a YAML or JSON document) is surely not a Planton manifest, if
/// it is not one: its top level has neither `apiVersion` nor `kind`, or it
/// has another tool's `apiVersion` (not `*.project-planton.org/*`) and a kind
/// planton does not know (a Kubernetes object). Anything else, a text that
/// does not parse included, is left to the loader, which says what is wrong.
/// A text naming `project-planton.org` is not parsed here; another one at
/// most once, within the loader's limits.
fn not_a_manifest(text: &str) -> Option<&'static str> {
    const NEITHER: &str = "no apiVersion/kind";
    if text.contains("project-planton.org") {
        return None;
    }
    if !text.contains("apiVersion") && !text.contains("api_version") && !text.contains("kind") {
        // Neither key can be present (a key is written out in full).
        return Some(NEITHER);
    }
    let top = match planton_manifest::yaml_to_json(text) {
        Ok(serde_json::Value::Object(top)) => top,
        // A manifest with a syntax error is still reported as one.
        Err(_) => return None,
        Ok(_) => return Some(NEITHER),
    };
    let api_version = top.get("apiVersion").or_else(|| top.get("api_version"));
    let kind = top.get("kind");
    match (api_version, kind) {
        (None, None) => Some(NEITHER),
        (Some(serde_json::Value::String(_)), kind)
            if !kind.and_then(|k| k.as_str()).is_some_and(|k| {
                planton_api::registry::supported_kinds().any(|known| known.name() == k)
            }) =>
        {
            Some("another apiVersion than *.project-planton.org")
        }
        _ => None,
    }
}

/// The inputs named on the command line, directories walked recursively
/// (skipping `exclude`, and what `globs` match), and how many there are.
pub(crate) fn items<'a>(
    args: &'a [PathBuf],
    exclude: Option<&'a std::path::Path>,
    globs: &'a batch::Excludes,
) -> (impl Iterator<Item = Item> + Send + 'a, usize) {
    let total = args
        .iter()
        .map(|a| {
            if a.is_dir() {
                batch::count(a, globs).max(1)
            } else {
                1
            }
        })
        .sum();
    (walk(args, exclude, globs), total)
}

/// The inputs named on the command line, directories walked recursively
/// (skipping `exclude`, and what `globs` match).
fn walk<'a>(
    args: &'a [PathBuf],
    exclude: Option<&'a std::path::Path>,
    globs: &'a batch::Excludes,
) -> impl Iterator<Item = Item> + Send + 'a {
    args.iter()
        .flat_map(move |arg| -> Box<dyn Iterator<Item = Item> + Send> {
            if arg.as_os_str() == "-" {
                Box::new(std::iter::once(Item::Stdin))
            } else if arg.is_dir() {
                if batch::count(arg, globs) == 0 {
                    let none = std::io::Error::other(if globs.is_empty() {
                        "no manifests (*.yaml, *.yml, *.json) in it"
                    } else {
                        "no manifests (*.yaml, *.yml, *.json) in it that --exclude leaves"
                    });
                    return Box::new(std::iter::once(Item::Unreadable(arg.clone(), none)));
                }
                Box::new(
                    batch::Walk::new(arg)
                        .excluding(exclude)
                        .excluding_globs(globs)
                        .map(|found| match found {
                            batch::Found::File(p) => Item::Found(p),
                            batch::Found::Special(p, kind) => Item::Special(p, kind),
                            batch::Found::Unreadable(p, e) => Item::Unreadable(p, e),
                        }),
                )
            } else {
                Box::new(std::iter::once(Item::File(arg.clone())))
            }
        })
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
    let mut input_ids: std::collections::HashMap<(u64, u64), &std::path::Path> =
        std::collections::HashMap::new();
    for item in &inputs {
        if let Some(path) = item.path()
            && let Some(id) = identity(path)
        {
            input_ids.entry(id).or_insert(path);
        }
    }
    let root_is_dir = root.is_dir();
    let destination = |path: &std::path::Path| -> PathBuf {
        let relative = if root_is_dir {
            path.strip_prefix(root).unwrap_or(path)
        } else {
            std::path::Path::new(path.file_name().unwrap_or_default())
        };
        out_dir.join(relative).with_extension(extension)
    };
    let mut dests = Vec::with_capacity(inputs.len());
    for item in &inputs {
        let Some(path) = item.path() else {
            dests.push(None);
            continue;
        };
        let dest = destination(path);
        if let Some(id) = identity(&dest)
            && let Some(input) = input_ids.get(&id)
        {
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
        dests.push(Some(dest));
    }
    let mut taken: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    Ok(inputs
        .into_iter()
        .zip(dests)
        .map(|(item, dest)| {
            let Some(dest) = dest else {
                return (item, out_dir.to_path_buf(), None);
            };
            let absolute = std::path::absolute(&dest).unwrap_or_else(|_| dest.clone());
            let conflict = (!taken.insert(absolute)).then(|| {
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

fn render_to_dir(
    validator: &JobValidator,
    args: &RenderInput,
    format: Format,
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
    let side = render::side_inputs(args)?;
    let extension = match format {
        Format::Yaml => "yaml",
        Format::Json => "json",
    };
    let planned = plan(&root, out_dir, extension, globs)?;
    let total = planned.len();
    batch::remove_temporaries_on_signal()?;
    let work = |(item, dest, conflict): Planned| -> RenderOutcome {
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
        let (validated, warnings) = match render::prepare_source(validator, &source, stack, &side) {
            Ok(render::Prepared::Valid(v, warnings)) => (v, warnings),
            Ok(render::Prepared::Invalid(report)) => {
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
    // Files are written by this one thread, in input order, while the workers
    // render: writers racing for one directory's lock cost more than they gain.
    batch::run(planned.into_iter(), total, work, |outcome| match outcome {
        RenderOutcome::Rendered(dest, text, warnings) => {
            eprint!("{warnings}");
            match batch::write_atomically(&dest, &text) {
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
    });
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

fn validate(
    files: &[PathBuf],
    format: ReportFormat,
    strict: bool,
    globs: &batch::Excludes,
) -> Result<(), Failure> {
    if files.iter().filter(|f| f.as_os_str() == "-").count() > 1 {
        return Err(anyhow::anyhow!("standard input ('-') can be given only once").into());
    }
    let validator = validator()?;
    let (inputs, total) = items(files, None, globs);
    let mut summary = report::Summary::default();
    let mut out = output::Stream::stdout();
    let mut sarif = sarif::Sarif::default();
    match format {
        ReportFormat::Json => out.write(report::JSON_OPEN),
        ReportFormat::Sarif => out.write(sarif::OPEN),
        ReportFormat::Junit => out.write(junit::OPEN),
        ReportFormat::Human | ReportFormat::Github => {}
    }
    let work = |item: Item| {
        if let Some(note) = item.note() {
            return Err(note);
        }
        let name = item.name();
        let (outcome, text) = match item.read() {
            Err(e) => (
                report::Outcome::Error {
                    message: report::error_text(&e),
                    location: None,
                    finding: None,
                },
                None,
            ),
            Ok(source) => {
                if let Some(note) = item.not_a_manifest(&source.text) {
                    return Err(note);
                }
                (check(validator, &source, strict), Some(source.text))
            }
        };
        Ok(report::FileResult {
            file: name,
            outcome,
            text,
        })
    };
    batch::run(inputs, total, work, |result| {
        let result = match result {
            Ok(result) => result,
            Err(note) => {
                eprint!("{note}");
                return;
            }
        };
        match format {
            ReportFormat::Human => out.write(&report::human_one(&result).stdout),
            ReportFormat::Json => out.write(&report::json_entry(&result, summary.files == 0)),
            ReportFormat::Sarif => out.write(&sarif.entry(&result)),
            ReportFormat::Junit => out.write(&junit::entry(&result)),
            ReportFormat::Github => out.write(&github::entry(&result)),
        }
        summary.add(&result);
    });
    match format {
        ReportFormat::Json => out.write(report::JSON_CLOSE),
        ReportFormat::Sarif => out.write(&sarif.close()),
        ReportFormat::Junit => out.write(junit::CLOSE),
        ReportFormat::Human if summary.files > 1 => out.write(&summary.line()),
        ReportFormat::Human | ReportFormat::Github => {}
    }
    out.finish()?;
    if summary.errors > 0 {
        Err(Failure::Error(None))
    } else if summary.invalid > 0 {
        Err(Failure::Invalid)
    } else {
        Ok(())
    }
}

/// Checks one manifest; with `strict`, warnings become errors.
pub(crate) fn check(validator: &JobValidator, source: &Source, strict: bool) -> report::Outcome {
    report::outcome(validator, &source.name, &source.text, strict)
}
