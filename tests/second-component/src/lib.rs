//! A second Planton component, Widget: its own proto (compiled by protox at
//! build time), one rule of its own, one rendered object (a ConfigMap). It
//! implements [`Component`], and the engine's generic pipeline
//! ([`planton_manifest::component::Engine`]) loads, defaults, validates and
//! renders it as it does KubernetesJob.

#![allow(missing_docs)] // the generated types

use std::sync::LazyLock;

use planton_manifest::Violation;
use planton_manifest::component::Component;
use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor, ReflectMessage};
use serde_json::json;

include!(concat!(env!("OUT_DIR"), "/_includes.rs"));

pub use example::widget::v1::{Widget, WidgetStackInput};

static DESCRIPTOR_POOL: LazyLock<DescriptorPool> = LazyLock::new(|| {
    // build.rs encoded and decoded these bytes: they are valid.
    DescriptorPool::decode(include_bytes!(concat!(env!("OUT_DIR"), "/widget.bin")).as_slice())
        .expect("the descriptor set built by build.rs decodes")
});

/// The most replicas of a red widget (the component's own rule).
pub const RED_MAX: i32 = 3;

/// Why a valid widget could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WidgetError {
    /// The stack input does not decode as its generated type.
    #[error("the stack input does not decode")]
    Decode,
}

/// The Widget component; its side input is the namespace.
#[derive(Debug, Default)]
pub struct WidgetComponent;

fn typed(input: &DynamicMessage) -> Result<WidgetStackInput, WidgetError> {
    input.transcode_to().map_err(|_| WidgetError::Decode)
}

impl Component for WidgetComponent {
    type SideInputs<'a> = Option<&'a str>;
    type Rendered = serde_json::Value;
    type Error = WidgetError;

    fn manifest_descriptor(&self) -> MessageDescriptor {
        Widget::default().descriptor()
    }

    fn stack_input_descriptor(&self) -> MessageDescriptor {
        WidgetStackInput::default().descriptor()
    }

    fn set_side_inputs(
        &self,
        input: &mut DynamicMessage,
        namespace: &Option<&str>,
    ) -> Result<(), WidgetError> {
        if let Some(ns) = namespace {
            // The field found through the generated type, not by name.
            let probe = WidgetStackInput {
                namespace: (*ns).to_owned(),
                ..Default::default()
            }
            .transcode_to_dynamic();
            for (field, value) in probe.fields() {
                input.set_field(&field, value.clone());
            }
        }
        Ok(())
    }

    fn rules(&self, input: &DynamicMessage) -> Vec<Violation> {
        let Ok(input) = typed(input) else {
            return Vec::new();
        };
        let spec = input.target.and_then(|t| t.spec).unwrap_or_default();
        if spec.color == "red" && spec.replicas() > RED_MAX {
            return vec![Violation::kubernetes(
                "target.spec.replicas",
                "widget.red_replicas",
                format!("a red widget has at most {RED_MAX} replicas"),
            )];
        }
        Vec::new()
    }

    fn transform(&self, input: &DynamicMessage) -> Result<serde_json::Value, WidgetError> {
        let input = typed(input)?;
        let target = input.target.unwrap_or_default();
        let name = target.metadata.unwrap_or_default().name;
        let spec = target.spec.unwrap_or_default();
        Ok(json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": format!("{name}-widget"), "namespace": input.namespace},
            "data": {"color": spec.color, "replicas": spec.replicas().to_string()},
        }))
    }
}
