//! The Job-only rules the Kubernetes API server would enforce at apply
//! time (Indexed mode, the Job's counts, its name), and the check of a whole
//! `KubernetesJob`, which also runs the rules every Kubernetes component
//! shares ([`planton_kubernetes::rules`]).
//!
//! Paths are relative to the `KubernetesJob` message, in protovalidate's form
//! with proto field names. Messages never include a secret value.

use planton_api::view::{CloudResourceMetadataView, KubernetesJobSpecView, KubernetesJobView};
use planton_kubernetes::rules::{self as shared, Env, Findings, Workload};
use planton_kubernetes::{Rule, declare_rules, names};
use planton_manifest::Violation;

use crate::transform::KIND;

/// Env var names the transform injects into every Job container.
pub const RESERVED_ENV: [&str; 2] = ["HOSTNAME", "K8S_POD_ID"];

/// Kubernetes' limit on Indexed Jobs' completions and parallelism.
pub const INDEXED_MAX: u32 = 100_000;

/// The pod-template labels the Job controller sets (and the API server
/// refuses with another value, since the generated selector needs them).
pub const JOB_CONTROLLER_LABELS: [&str; 4] = [
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-name",
    "controller-uid",
    "job-name",
];

declare_rules! {
    /// A rule only a Job has, checked at plan time (the rules every
    /// Kubernetes component shares are [`Rule`]).
    pub enum JobRule {
        IndexedCompletions = "kubernetes.indexed_completions", Error,
            "an Indexed Job sets completions";
        IndexedLimit = "kubernetes.indexed_limit", Error,
            "an Indexed Job has a parallelism of at most 100000";
        Int32Range = "kubernetes.int32_range", Error,
            "parallelism, completions, backoffLimit and ttlSecondsAfterFinished fit Kubernetes' int32";
        Int64Range = "kubernetes.int64_range", Error,
            "activeDeadlineSeconds fits Kubernetes' int64";
    }
}

/// Every Kubernetes rule `job` (a `KubernetesJob` message) breaks.
/// `resolved_namespace` is the namespace an orchestrator resolved for it (a
/// stack input's `kubernetes_namespace`), which wins over `spec.namespace`.
pub(crate) fn check(
    job: KubernetesJobView<'_>,
    resolved_namespace: Option<&str>,
) -> Vec<Violation> {
    let mut r = Findings::new();
    let spec = job.spec();
    let indexed = spec.is_some_and(|s| s.completion_mode() == Some("Indexed"));
    if let Some(meta) = job.metadata() {
        metadata(&mut r, meta, indexed);
    }
    if let Some(spec) = spec {
        let namespace = namespace(&mut r, spec, resolved_namespace);
        shared::image(&mut r, spec.image(), "spec.image");
        if let Some(res) = spec.resources() {
            shared::resources(&mut r, res, "spec.resources");
        }
        if let Some(env) = spec.env() {
            let env = Env {
                at: "spec.env",
                variables: env.variables(),
                secrets: env.secrets(),
            };
            let workload = Workload {
                noun: "Job",
                namespace,
                reserved_env: &RESERVED_ENV,
            };
            shared::env(&mut r, env, workload);
        }
        // Each read of the view is a look-up in the message: once each.
        let config_maps = spec.config_maps();
        shared::config_maps(&mut r, config_maps, "spec.config_maps");
        shared::volume_mounts(
            &mut r,
            spec.volume_mounts(),
            config_maps,
            "spec.volume_mounts",
        );
        job_numbers(&mut r, spec, indexed);
    }
    r.into_violations()
}

/// Whether `name` is a dotted DNS-1123 subdomain that fits a label value: a
/// Job name the API server accepts with a warning.
fn dotted_job_name(name: &str) -> bool {
    name.contains('.')
        && names::dns1123_subdomain(name).is_none()
        && names::label_value(name).is_none()
}

/// The Job's name (its pods are named after it), then the metadata rules
/// every component shares.
fn metadata(r: &mut Findings, meta: CloudResourceMetadataView<'_>, indexed: bool) {
    let name = meta.name();
    if name.is_empty() {
        r.add(
            "metadata.name",
            Rule::Dns1123Label,
            "a name is required: it names the Job and its objects",
        );
    } else if dotted_job_name(name) && !indexed {
        // Kubernetes warns: pods get names (and so hostnames) from the Job's.
        r.push(
            shared::violation(
                "metadata.name",
                Rule::Dns1123Label,
                "should be a DNS-1123 label: the Job's pods are named after it, and a dot makes their hostnames surprising",
            )
            .warning(),
        );
    } else if let Some(why) = names::dns1123_label(name) {
        r.add(
            "metadata.name",
            Rule::Dns1123Label,
            format!(
                "{why}; it names the Job and is the value of its 'job-name' label{}",
                if indexed && dotted_job_name(name) {
                    ", and an Indexed Job's pods get the hostname '<name>-<index>'"
                } else {
                    ""
                }
            ),
        );
    }
    shared::metadata(r, meta, KIND, &JOB_CONTROLLER_LABELS);
}

/// Checks the namespace and returns the one the Job will be created in, if known.
fn namespace<'a>(
    r: &mut Findings,
    spec: KubernetesJobSpecView<'a>,
    resolved: Option<&'a str>,
) -> Option<&'a str> {
    if let Some(ns) = resolved.filter(|ns| !ns.is_empty()) {
        if let Some(why) = names::dns1123_label(ns) {
            r.add(
                "kubernetes_namespace",
                Rule::Dns1123Label,
                format!("namespace {why}"),
            );
        }
        return Some(ns);
    }
    // A literal namespace (`value`), not a reference (`value_from`).
    let ns = spec.namespace()?.value()?;
    if let Some(why) = names::dns1123_label(ns) {
        r.add(
            "spec.namespace.value",
            Rule::Dns1123Label,
            format!("namespace {why}"),
        );
    }
    Some(ns)
}

/// The Job's counts; `indexed` when its completion mode is `Indexed`.
fn job_numbers(r: &mut Findings, spec: KubernetesJobSpecView<'_>, indexed: bool) {
    let (parallelism, completions) = (spec.parallelism(), spec.completions());
    for (field, value) in [
        ("parallelism", parallelism),
        ("completions", completions),
        ("backoff_limit", spec.backoff_limit()),
        (
            "ttl_seconds_after_finished",
            spec.ttl_seconds_after_finished(),
        ),
    ] {
        if value.is_some_and(|v| v > i32::MAX as u32) {
            r.add(
                format!("spec.{field}"),
                JobRule::Int32Range,
                format!("must be at most {} (a Kubernetes int32)", i32::MAX),
            );
        }
    }
    if spec
        .active_deadline_seconds()
        .is_some_and(|v| v > i64::MAX as u64)
    {
        r.add(
            "spec.active_deadline_seconds",
            JobRule::Int64Range,
            format!("must be at most {} (a Kubernetes int64)", i64::MAX),
        );
    }
    if indexed {
        match completions {
            None | Some(0) => r.add(
                "spec.completions",
                JobRule::IndexedCompletions,
                "an Indexed Job needs 'completions' (the number of indexes)",
            ),
            // More completions are allowed (the limit applies only with a
            // backoff limit per index, which is not rendered).
            _ => {}
        }
        if parallelism.is_some_and(|p| p > INDEXED_MAX) {
            r.add(
                "spec.parallelism",
                JobRule::IndexedLimit,
                format!("an Indexed Job may have a parallelism of at most {INDEXED_MAX}"),
            );
        }
    }
}
