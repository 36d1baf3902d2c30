//! Where a KubernetesJob's container resources are, for the shared
//! harmonization of partly set resources
//! ([`planton_kubernetes::resources`]).

use planton_api::prost_reflect::{DynamicMessage, ReflectMessage};
use planton_api::view::Fields;
use planton_kubernetes::resources::ResourceDefaults;

/// The defaults of the option `option` on the Job spec's `resources`.
pub(crate) fn defaults(f: &Fields, option: &str) -> ResourceDefaults {
    ResourceDefaults::from_option(&f.kubernetes_job_spec.resources, option)
}

/// Harmonizes the `resources` of a KubernetesJob message (or of a stack
/// input's target) with `defaults`, when set; the message may be of any of
/// `planton_api`'s pools.
pub(crate) fn harmonize(defaults: &ResourceDefaults, message: &mut DynamicMessage) {
    let desc = message.descriptor();
    let Some(f) = planton_api::view::fields_in(desc.parent_pool()) else {
        return;
    };
    let job = if desc == f.kubernetes_job_stack_input.message_descriptor {
        // Never inserts an unset target.
        if !message.has_field(&f.kubernetes_job_stack_input.target) {
            return;
        }
        match message
            .get_field_mut(&f.kubernetes_job_stack_input.target)
            .as_message_mut()
        {
            Some(job) => job,
            None => return,
        }
    } else {
        message
    };
    if !job.has_field(&f.kubernetes_job.spec) {
        return;
    }
    let Some(spec) = job.get_field_mut(&f.kubernetes_job.spec).as_message_mut() else {
        return;
    };
    if !spec.has_field(&f.kubernetes_job_spec.resources) {
        // Unset: the whole default applies, which is consistent.
        return;
    }
    if let Some(res) = spec
        .get_field_mut(&f.kubernetes_job_spec.resources)
        .as_message_mut()
    {
        defaults.harmonize(res);
    }
}
