//! Command-line arguments: their types, as clap reads them. Nothing here
//! runs a command (see `main.rs` for the dispatch).

use std::path::PathBuf;

use crate::apply;
use clap::{Parser, Subcommand, ValueEnum};

/// Load, validate and render Project Planton KubernetesJob manifests.
#[derive(Debug, Parser)]
#[command(name = "planton", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// A command and its arguments.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
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
        /// How many manifests are rendered at once with --out-dir (threads,
        /// at most 16); by default, one per core.
        #[arg(short, long, value_name = "N")]
        jobs: Option<std::num::NonZeroUsize>,
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
        /// How many files are checked at once: this process and N-1 worker
        /// processes (at most 16 in all); by default, one per core.
        #[arg(short, long, value_name = "N")]
        jobs: Option<std::num::NonZeroUsize>,
        #[command(flatten)]
        walk: WalkArgs,
    },
    /// A worker process of `planton validate` on several cores, started by
    /// it (not for users): reads the paths of files on standard input and
    /// writes their results on standard output, in this build's byte form.
    #[command(name = crate::batch::WORKER_COMMAND, hide = true)]
    ValidateWorker {
        /// As `validate --strict`.
        #[arg(long)]
        strict: bool,
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

/// `planton tf` commands.
#[derive(Debug, Subcommand)]
pub(crate) enum TfCommand {
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

/// `planton pulumi` commands.
#[derive(Debug, Subcommand)]
pub(crate) enum PulumiCommand {
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
pub enum ReportFormat {
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
