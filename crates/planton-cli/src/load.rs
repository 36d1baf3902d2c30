//! `load`: a manifest with its defaults, as proto3 JSON or YAML.

use crate::app::{Failure, validator};
use crate::args::Format;
use crate::{input, output, report};
use planton_manifest::sanitize;

pub(crate) fn load(
    file: &std::path::Path,
    format: Format,
    no_defaults: bool,
) -> Result<(), Failure> {
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
