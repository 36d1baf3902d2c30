//! Command-line arguments and the commands they run.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::{Failure, input, output};

/// Load, validate and render Project Planton KubernetesJob manifests.
#[derive(Debug, Parser)]
#[command(name = "planton", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load a manifest and print it in normalized proto3-JSON form.
    ///
    /// The manifest is read strictly: unknown fields, wrong types and values
    /// that YAML 1.1 and 1.2 read differently are errors naming the field and
    /// the line:column.
    Load {
        /// The manifest file (YAML or JSON), or '-' for standard input.
        file: PathBuf,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Format::Yaml)]
        output: Format,
    },
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// YAML (the default).
    Yaml,
    /// JSON.
    Json,
}

impl Cli {
    pub(crate) fn run(self) -> Result<(), Failure> {
        match self.command {
            Command::Load { file, output } => {
                let source = input::read(&file)?;
                let doc = input::loader()
                    .load_str(&source.text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", source.name))?;
                let text = match output {
                    Format::Yaml => planton_manifest::to_yaml_string(doc.message()),
                    Format::Json => planton_manifest::to_json_string(doc.message()),
                };
                output::write_stdout(&text)?;
                Ok(())
            }
        }
    }
}
