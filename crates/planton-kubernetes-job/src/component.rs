//! KubernetesJob as a [`Component`]: the engine's generic pipeline
//! ([`planton_manifest::component::Engine`]) runs it as it runs any other.

use planton_api::KubernetesJob;
use planton_api::prost_reflect::{DynamicMessage, MessageDescriptor, ReflectMessage, Value};
use planton_manifest::component::Component;
use planton_manifest::{DefaultOptions, Violation};

use crate::{DEFAULT_RESOURCES_OPTION, Error, JobValidator, Rendered, SideInputs, Validated};

impl Component for JobValidator {
    type SideInputs<'a> = SideInputs<'a>;
    type Rendered = Rendered;
    type Error = Error;

    fn manifest_descriptor(&self) -> MessageDescriptor {
        KubernetesJob::default().descriptor()
    }

    fn stack_input_descriptor(&self) -> MessageDescriptor {
        self.stack_desc.clone()
    }

    fn default_options(&self, options: &mut DefaultOptions) {
        options.message_option(DEFAULT_RESOURCES_OPTION);
    }

    fn set_side_inputs(
        &self,
        input: &mut DynamicMessage,
        side: &SideInputs<'_>,
    ) -> Result<(), Error> {
        let f = &self.stack_fields;
        if let Some(ns) = side.namespace {
            input.set_field(&f.namespace, Value::String(ns.to_owned()));
        }
        if let Some(config) = side.docker_config_json {
            input.set_field(&f.docker_config_json, Value::String(config.to_owned()));
        }
        if let Some(resolver) = side.resolver {
            let message = std::mem::replace(input, DynamicMessage::new(self.stack_desc.clone()));
            *input = crate::pipeline::resolved(message, resolver)?;
        }
        Ok(())
    }

    fn before_defaults(&self, input: &mut DynamicMessage) {
        crate::resources::harmonize(&self.resource_defaults, self.fields, input);
    }

    fn rules(&self, input: &DynamicMessage) -> Vec<Violation> {
        self.kubernetes_violations(input)
    }

    fn transform(&self, input: &DynamicMessage) -> Result<Rendered, Error> {
        let validated = Validated {
            message: input.clone(),
            typed: std::sync::OnceLock::new(),
            warnings: Vec::new(),
            masked: Vec::new(),
        };
        Ok(crate::transform(&validated)?)
    }

    fn is_secret(&self, path: &str) -> bool {
        planton_api::sensitive::is_secret_path(&self.stack_desc, path)
    }
}
