//! KubernetesJob as a [`Component`]: the engine's generic pipeline
//! ([`planton_manifest::component::Engine`]) runs it as it runs any other,
//! and [`JobValidator::prepare`](crate::JobValidator::prepare) and
//! [`JobValidator::render`](crate::JobValidator::render) are that pipeline.

use planton_api::prost_reflect::{DynamicMessage, MessageDescriptor, Value};
use planton_manifest::component::{Component, Secrets};
use planton_manifest::{DefaultOptions, Violation};

use crate::{DEFAULT_RESOURCES_OPTION, Error, JobValidator, Rendered, SideInputs};

/// The KubernetesJob component: what the engine needs beyond its own
/// loader, defaults and `buf.validate` rules. [`JobValidator::engine`]
/// is its engine.
#[derive(Debug)]
pub struct JobComponent {
    pub(crate) stack_desc: MessageDescriptor,
    pub(crate) resource_defaults: planton_kubernetes::resources::ResourceDefaults,
    pub(crate) fields: &'static planton_api::view::Fields,
    pub(crate) stack_fields: crate::pipeline::StackFields,
}

impl Component for JobComponent {
    type SideInputs<'a> = SideInputs<'a>;
    type Rendered = Rendered;
    type Error = Error;

    fn manifest_descriptor(&self) -> MessageDescriptor {
        // Of the pool the component was made in (see
        // `planton_api::with_private_pool`), like its stack input's.
        self.fields.kubernetes_job.message_descriptor.clone()
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
        crate::resources::harmonize(&self.resource_defaults, input);
    }

    fn rules(&self, input: &DynamicMessage) -> Vec<Violation> {
        JobValidator::kubernetes_violations(input)
    }

    fn manifest_rules(&self, manifest: &DynamicMessage) -> Option<Vec<Violation>> {
        // The rules read a KubernetesJob alone as well as a stack input.
        Some(JobValidator::kubernetes_violations(manifest))
    }

    fn transform(&self, input: &DynamicMessage) -> Result<Rendered, Error> {
        Ok(crate::transform::transform_message(input)?)
    }

    fn secrets(&self) -> Secrets {
        // The `KubernetesSensitiveValue` fields and the credentials, from
        // the descriptors.
        Secrets::new(
            planton_api::sensitive::is_secret_path,
            planton_api::sensitive::in_secret_field,
        )
    }

    fn strict(&self, side: &SideInputs<'_>) -> bool {
        side.strict
    }
}

/// A [`JobValidator`] is the KubernetesJob component too (its engine's).
impl Component for JobValidator {
    type SideInputs<'a> = SideInputs<'a>;
    type Rendered = Rendered;
    type Error = Error;

    fn manifest_descriptor(&self) -> MessageDescriptor {
        self.engine().component().manifest_descriptor()
    }

    fn stack_input_descriptor(&self) -> MessageDescriptor {
        self.engine().component().stack_input_descriptor()
    }

    fn default_options(&self, options: &mut DefaultOptions) {
        self.engine().component().default_options(options);
    }

    fn set_side_inputs(
        &self,
        input: &mut DynamicMessage,
        side: &SideInputs<'_>,
    ) -> Result<(), Error> {
        self.engine().component().set_side_inputs(input, side)
    }

    fn before_defaults(&self, input: &mut DynamicMessage) {
        self.engine().component().before_defaults(input);
    }

    fn rules(&self, input: &DynamicMessage) -> Vec<Violation> {
        self.engine().component().rules(input)
    }

    fn manifest_rules(&self, manifest: &DynamicMessage) -> Option<Vec<Violation>> {
        self.engine().component().manifest_rules(manifest)
    }

    fn transform(&self, input: &DynamicMessage) -> Result<Rendered, Error> {
        self.engine().component().transform(input)
    }

    fn secrets(&self) -> Secrets {
        self.engine().component().secrets()
    }

    fn strict(&self, side: &SideInputs<'_>) -> bool {
        self.engine().component().strict(side)
    }
}
