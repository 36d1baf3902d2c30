//! `planton`: load, validate and render Project Planton KubernetesJob manifests.
//!
//! The binary is [`run`]. Exit codes: 0 success, 1 invalid input found
//! (violations), 2 usage, I/O or parse errors. A closed output pipe
//! (`planton load x | head`) is not an error.
//!
//! The validation side (`planton validate` on files and directories, every
//! report format, the language server's diagnostics) is generic over the
//! component ([`Component`], run by its [`Engine`]): the dispatch instantiates
//! it once, for KubernetesJob, and [`validate`] runs that same code for any
//! other component. The commands that are KubernetesJob's by nature (`load`,
//! `render` and its objects, `apply`/`delete`, `tf`, `pulumi`, `outputs`,
//! `schema`, the language server's completion and hover from the Job's
//! schema) take the Job's own types.

mod app;
mod apply;
mod args;
mod batch;
mod github;
mod input;
mod items;
mod junit;
mod load;
mod lsp;
mod output;
mod render;
mod report;
mod sarif;
mod validate;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use planton_kubernetes_job::JobValidator;
use planton_manifest::component::{Component, Engine};
use planton_manifest::sanitize;

use crate::app::{Failure, validator};
use crate::args::{Cli, Command, Format, PulumiCommand, TfCommand};
use crate::items::walk_excludes;

pub use args::ReportFormat;

/// The `planton` command: parses the process's arguments, runs the command
/// they name, and gives the exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout and succeed; the rest are usage errors.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    ExitCode::from(exit_code(dispatch(cli)))
}

/// The exit code of a command's result; an error not yet reported is
/// printed on standard error.
fn exit_code(result: Result<(), Failure>) -> u8 {
    match result {
        Ok(()) => 0,
        Err(Failure::Invalid) => 1,
        Err(Failure::Error(Some(e))) if output::is_broken_pipe(&e) => 0,
        Err(Failure::Error(Some(e))) => {
            eprintln!("error: {}", report::error_text(&e));
            2
        }
        Err(Failure::Error(None)) => 2,
    }
}

/// `planton validate FILES --format FORMAT [--strict]` for the component
/// that `engine` runs: the very code the command runs for KubernetesJob.
/// Files and directories (walked recursively, as the command walks them),
/// `-` for standard input; the report goes to `out`, notes on skipped files
/// and errors to standard error. Gives the command's exit code: 0 all valid,
/// 1 a violation found, 2 a file could not be read or loaded.
pub fn validate<C, W>(
    engine: &Engine<C>,
    files: &[PathBuf],
    format: ReportFormat,
    strict: bool,
    out: W,
) -> u8
where
    C: Component + Sync,
    W: Write,
{
    let result = validate::stdin_once(files).and_then(|()| {
        validate::validate(
            batch::Engines::shared(engine),
            files,
            format,
            strict,
            &batch::Excludes::default(),
            batch::Workers::none(),
            output::Stream::new(out),
        )
    });
    exit_code(result)
}

/// Runs the command `cli` names.
fn dispatch(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Load {
            file,
            output,
            no_defaults,
        } => load::load(&file, output, no_defaults),
        Command::Validate {
            files,
            output,
            strict,
            jobs,
            walk,
        } => {
            let globs = walk_excludes(&walk)?;
            validate::stdin_once(&files)?;
            // Worker processes for a batch, started by a thread of their own
            // while this one makes its validator, as they make theirs: a
            // start holds its thread until the worker's `exec`.
            let several =
                batch::jobs(jobs) > 1 && (files.len() > 1 || files.iter().any(|f| f.is_dir()));
            let start = || {
                let args: &[&str] = if strict { &["--strict"] } else { &[] };
                batch::Workers::start(batch::jobs(jobs), args)
            };
            let (workers, validator) = std::thread::scope(|scope| {
                // Where no thread can start (`ulimit -u`), no process can.
                let starting = several
                    .then(|| std::thread::Builder::new().spawn_scoped(scope, start).ok())
                    .flatten();
                let validator = validator();
                let workers = starting
                    .and_then(|s| s.join().ok())
                    .unwrap_or_else(batch::Workers::none);
                (workers, validator)
            });
            validate::validate(
                batch::Engines::own(validator?, &|| JobValidator::new().ok()).jobs(jobs),
                &files,
                output,
                strict,
                &globs,
                workers,
                output::Stream::stdout(),
            )
        }
        Command::ValidateWorker { strict } => validate::serve_worker(validator()?.engine(), strict),
        Command::Render {
            input,
            output,
            out_dir: Some(out_dir),
            jobs,
            walk,
        } => render::render_to_dir(
            validator()?,
            &input,
            output,
            jobs,
            &out_dir,
            &walk_excludes(&walk)?,
        ),
        Command::Render {
            input,
            output,
            out_dir: None,
            jobs: _,
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
            let rollout = render::rendered_objects(validator()?, &input, &walk_excludes(&walk)?)?;
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
            let rollout = render::rendered_objects(validator()?, &input, &walk_excludes(&walk)?)?;
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
