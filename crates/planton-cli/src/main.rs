//! `planton`: load, validate and render Project Planton KubernetesJob manifests.
//!
//! Exit codes: 0 success, 1 invalid input found (violations), 2 usage, I/O or
//! parse errors. A closed output pipe (`planton load x | head`) is not an error.

mod cli;
mod input;
mod output;

use std::process::ExitCode;

use clap::Parser;

/// How a command ended, mapped to the exit code in [`main`].
#[derive(Debug)]
pub(crate) enum Failure {
    /// Usage, I/O or parse error (exit 2), with the message to print.
    Error(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Error(e.into())
    }
}

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout and succeed; the rest are usage errors.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Error(e)) if output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(Failure::Error(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
