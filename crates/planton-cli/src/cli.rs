//! Command-line arguments and the commands they run.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use planton_kubernetes_job::JobValidator;

use crate::input::Source;
use crate::{Failure, input, output, render, report};

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
    Render {
        #[command(flatten)]
        input: RenderInput,
        /// Output format: a multi-document YAML stream, or one JSON `List`.
        #[arg(short, long, value_enum, default_value_t = Format::Yaml)]
        output: Format,
    },
    /// Print the stack outputs (namespace, job_name) of a manifest as proto3 JSON.
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
    /// Validate manifests: every buf.validate rule of the protos and the
    /// Kubernetes rules the API server would enforce, after defaults.
    ///
    /// Exit status: 0 when every file is valid, 1 when any breaks a rule, 2 on
    /// usage, I/O or parse errors.
    Validate {
        /// Manifest files (YAML or JSON), or '-' for standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format: a rustc-like report, or one JSON document.
        #[arg(short, long, value_enum, default_value_t = ReportFormat::Human)]
        output: ReportFormat,
    },
}

#[derive(Debug, Subcommand)]
enum TfCommand {
    /// Print variables.tf for the Terraform module, generated from the protos
    /// (iac/tf/variables.tf is this output).
    Variables,
    /// Print the tfvars JSON for a manifest: validated, with defaults,
    /// references resolved, namespace and docker config from the stack input.
    Vars {
        #[command(flatten)]
        input: RenderInput,
    },
}

#[derive(Debug, Subcommand)]
enum PulumiCommand {
    /// Print a Pulumi YAML program (Pulumi.yaml) creating the rendered objects.
    Program {
        #[command(flatten)]
        input: RenderInput,
    },
}

/// The input of `render` and `outputs`.
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
}

impl Cli {
    pub(crate) fn run(self) -> Result<(), Failure> {
        match self.command {
            Command::Load {
                file,
                output,
                no_defaults,
            } => load(&file, output, no_defaults),
            Command::Validate { files, output } => validate(&files, output),
            Command::Render { input, output } => {
                let rendered = render::render(&validator()?, &input)?;
                let text = match output {
                    Format::Yaml => rendered.to_yaml(),
                    Format::Json => rendered.to_json(),
                };
                output::write_stdout(&text)?;
                Ok(())
            }
            Command::Tf(TfCommand::Variables) => {
                output::write_stdout(&planton_kubernetes_job::terraform_variables())?;
                Ok(())
            }
            Command::Tf(TfCommand::Vars { input }) => {
                let (validated, _) = render::prepare_rendered(&validator()?, &input)?;
                let vars = planton_kubernetes_job::terraform_vars(&validated);
                output::write_stdout(&planton_manifest::json_to_string(&vars))?;
                Ok(())
            }
            Command::Pulumi(PulumiCommand::Program { input }) => {
                let (_, rendered) = render::prepare_rendered(&validator()?, &input)?;
                let program = planton_kubernetes_job::pulumi_program(&rendered);
                output::write_stdout(&planton_manifest::json_to_yaml(&program))?;
                Ok(())
            }
            Command::Outputs { input } => {
                let rendered = render::render(&validator()?, &input)?;
                output::write_stdout(&planton_manifest::to_json_string(&rendered.outputs))?;
                Ok(())
            }
        }
    }
}

pub(crate) fn validator() -> Result<JobValidator, Failure> {
    Ok(JobValidator::new()?)
}

fn load(file: &std::path::Path, format: Format, no_defaults: bool) -> Result<(), Failure> {
    let validator = validator()?;
    let source = input::read(file)?;
    let mut doc = validator
        .load(&source.text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", source.name))?;
    if !no_defaults {
        validator.apply_defaults(&mut doc);
    }
    let text = match format {
        Format::Yaml => planton_manifest::to_yaml_string(doc.message()),
        Format::Json => planton_manifest::to_json_string(doc.message()),
    };
    output::write_stdout(&text)?;
    Ok(())
}

fn validate(files: &[PathBuf], format: ReportFormat) -> Result<(), Failure> {
    if files.iter().filter(|f| f.as_os_str() == "-").count() > 1 {
        return Err(anyhow::anyhow!("standard input ('-') can be given only once").into());
    }
    let validator = validator()?;
    let mut results = Vec::with_capacity(files.len());
    for file in files {
        let (outcome, text) = match input::read(file) {
            Err(e) => (report::Outcome::Error(format!("{e:#}")), None),
            Ok(source) => (check(&validator, &source), Some(source.text)),
        };
        let name = if file.as_os_str() == "-" {
            "<stdin>".to_owned()
        } else {
            file.display().to_string()
        };
        results.push(report::FileResult {
            file: name,
            outcome,
            text,
        });
    }
    let rendered = match format {
        ReportFormat::Human => report::human(&results),
        ReportFormat::Json => report::json(&results),
    };
    output::write_stdout(&rendered.stdout)?;
    if !rendered.stderr.is_empty() {
        eprint!("{}", rendered.stderr);
    }
    if results.iter().any(|r| matches!(r.outcome, report::Outcome::Error(_))) {
        Err(Failure::Error(None))
    } else if results.iter().any(|r| matches!(&r.outcome, report::Outcome::Checked { violations, .. } if !violations.is_empty())) {
        Err(Failure::Invalid)
    } else {
        Ok(())
    }
}

pub(crate) fn check(validator: &JobValidator, source: &Source) -> report::Outcome {
    match validator.check(&source.text) {
        Ok(checked) => report::Outcome::Checked {
            secrets: planton_kubernetes_job::secret_spans(&checked.document),
            spans: checked
                .violations
                .iter()
                .map(|v| {
                    if v.for_key {
                        None
                    } else {
                        checked.document.source_map().span(&v.field_path)
                    }
                })
                .collect(),
            violations: checked.violations,
        },
        Err(e) => report::Outcome::Error(format!("{}: {e}", source.name)),
    }
}
