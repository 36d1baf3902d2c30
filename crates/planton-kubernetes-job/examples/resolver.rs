//! A custom `ReferenceResolver`: the values of `valueFrom` references come
//! from the environment (`PLANTON_REF_<KIND>_<NAME>_<FIELD>`, upper case,
//! non-alphanumerics as `_`), as an orchestrator might hand them over.
//!
//! `PLANTON_REF_KUBERNETESPOSTGRES_PG_STATUS_OUTPUTS_HOST=pg.db.svc cargo run -p planton-kubernetes-job --example resolver -- job.yaml`

use std::process::ExitCode;

use planton_kubernetes_job::{
    Input, JobValidator, Reference, ReferenceResolver, ResolverError, SideInputs,
};

/// Resolves references from environment variables.
struct FromEnv;

impl FromEnv {
    fn variable(reference: &Reference<'_>) -> String {
        let mut name = String::from("PLANTON_REF");
        for part in [
            reference.kind.as_str_name(),
            reference.env,
            reference.name,
            reference.field_path,
        ] {
            if part.is_empty() {
                continue;
            }
            name.push('_');
            name.extend(part.chars().map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            }));
        }
        name
    }
}

impl ReferenceResolver for FromEnv {
    fn resolve(&self, reference: &Reference<'_>) -> Result<Option<String>, ResolverError> {
        match std::env::var(Self::variable(reference)) {
            Ok(value) => Ok(Some(value)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(ResolverError::new(format!(
                "${} is not UTF-8",
                Self::variable(reference)
            ))),
        }
    }
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: resolver MANIFEST");
        return ExitCode::from(2);
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("error: cannot read '{path}'");
        return ExitCode::from(2);
    };
    let Ok(validator) = JobValidator::new() else {
        return ExitCode::from(2);
    };
    let mut side = SideInputs::new();
    side.resolver(&FromEnv);
    match validator.render(Input::Manifest(&text), &side) {
        Ok(out) => {
            print!("{}", out.rendered.to_yaml());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprint!("{}", e.report(&path, &text));
            ExitCode::from(1)
        }
    }
}
