//! `planton`: load, validate and render Project Planton KubernetesJob manifests.
//!
//! Exit codes: 0 success, 1 invalid input found (violations), 2 usage, I/O or
//! parse errors. A closed output pipe (`planton load x | head`) is not an error.

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

use std::process::ExitCode;

use clap::Parser;
use planton_manifest::sanitize;

use crate::app::{Failure, validator};
use crate::args::{Cli, Command, Format, PulumiCommand, TfCommand};
use crate::items::walk_excludes;

/// mimalloc (its v2 line, which holds less memory than v3 here): a run
/// allocates and frees many small strings and maps (YAML nodes, messages,
/// Kubernetes objects); against glibc's allocator it makes a manifest's
/// pipeline about a sixth faster and a cold start two milliseconds shorter,
/// for about 15 MB more peak memory in batch runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout and succeed; the rest are usage errors.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Invalid) => ExitCode::from(1),
        Err(Failure::Error(Some(e))) if output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(Failure::Error(Some(e))) => {
            eprintln!("error: {}", report::error_text(&e));
            ExitCode::from(2)
        }
        Err(Failure::Error(None)) => ExitCode::from(2),
    }
}

/// Runs the command `cli` names.
fn run(cli: Cli) -> Result<(), Failure> {
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
            walk,
        } => validate::validate(&files, output, strict, &walk_excludes(&walk)?),
        Command::Render {
            input,
            output,
            out_dir: Some(out_dir),
            walk,
        } => render::render_to_dir(
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
