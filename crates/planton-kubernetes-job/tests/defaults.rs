//! The protos' defaults applied to KubernetesJob manifests and stack inputs.

use planton_api::{CpuMemory, KubernetesJob, KubernetesJobSpec, KubernetesJobStackInput};
use planton_kubernetes_job::{Checked, JobValidator};

fn spec_of(yaml: &str) -> KubernetesJobSpec {
    let validator = JobValidator::new().unwrap();
    let checked = validator.check(yaml).unwrap();
    checked
        .document
        .to_typed::<KubernetesJob>()
        .unwrap()
        .spec
        .unwrap()
}

const HEAD: &str =
    "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {name: job}\n";

fn cm(cpu: &str, memory: &str) -> Option<CpuMemory> {
    Some(CpuMemory {
        cpu: cpu.into(),
        memory: memory.into(),
    })
}

#[test]
fn an_empty_spec_gets_every_default() {
    let spec = spec_of(&format!("{HEAD}spec: {{namespace: {{value: ns}}}}\n"));
    assert_eq!(spec.parallelism, Some(1));
    assert_eq!(spec.completions, Some(1));
    assert_eq!(spec.backoff_limit, Some(6));
    assert_eq!(spec.active_deadline_seconds, Some(0));
    assert_eq!(spec.ttl_seconds_after_finished, Some(0));
    assert_eq!(spec.completion_mode.as_deref(), Some("NonIndexed"));
    assert_eq!(spec.restart_policy.as_deref(), Some("Never"));
    assert_eq!(spec.suspend, Some(false));
    let res = spec.resources.unwrap();
    assert_eq!(
        (res.limits, res.requests),
        (cm("1000m", "1Gi"), cm("50m", "100Mi"))
    );
}

#[test]
fn a_missing_spec_is_created_with_its_defaults_as_upstream_does() {
    let validator = JobValidator::new().unwrap();
    let checked = validator.check(HEAD).unwrap();
    let spec = checked
        .document
        .to_typed::<KubernetesJob>()
        .unwrap()
        .spec
        .unwrap();
    assert_eq!(spec.backoff_limit, Some(6));
    // ...so the report is about the missing namespace, not the missing spec.
    let rules: Vec<_> = checked
        .violations
        .iter()
        .map(|v| (v.field_path.as_str(), v.rule_id.as_str()))
        .collect();
    assert!(rules.contains(&("spec.namespace", "required")), "{rules:?}");
}

#[test]
fn explicit_values_are_kept_even_when_zero() {
    let spec = spec_of(&format!(
        "{HEAD}spec: {{namespace: {{value: ns}}, parallelism: 0, backoffLimit: 0, suspend: true, restartPolicy: OnFailure}}\n"
    ));
    assert_eq!(spec.parallelism, Some(0));
    assert_eq!(spec.backoff_limit, Some(0));
    assert_eq!(spec.suspend, Some(true));
    assert_eq!(spec.restart_policy.as_deref(), Some("OnFailure"));
    assert_eq!(spec.completions, Some(1));
}

#[test]
fn partly_set_resources_get_the_missing_leaves() {
    let spec = spec_of(&format!(
        "{HEAD}spec: {{namespace: {{value: ns}}, resources: {{limits: {{memory: 2Gi}}}}}}\n"
    ));
    let res = spec.resources.unwrap();
    assert_eq!(res.limits, cm("1000m", "2Gi"));
    assert_eq!(res.requests, cm("50m", "100Mi"));

    let spec = spec_of(&format!(
        "{HEAD}spec: {{namespace: {{value: ns}}, resources: {{requests: {{cpu: 10m}}}}}}\n"
    ));
    let res = spec.resources.unwrap();
    assert_eq!(res.limits, cm("1000m", "1Gi"));
    assert_eq!(res.requests, cm("10m", "100Mi"));
}

#[test]
fn stack_inputs_get_the_defaults_of_their_target() {
    let validator = JobValidator::new().unwrap();
    let text = "target:\n  apiVersion: kubernetes.project-planton.org/v1\n  kind: KubernetesJob\n  metadata: {name: job}\n  spec:\n    namespace: {value: ns}\n    image: {repo: busybox, tag: latest}\nkubernetesNamespace: resolved-ns\n";
    let checked = validator.check_stack_input(text).unwrap();
    assert!(checked.is_valid(), "{:?}", checked.violations);
    let input: KubernetesJobStackInput = checked.document.to_typed().unwrap();
    let spec = input.target.unwrap().spec.unwrap();
    assert_eq!(spec.backoff_limit, Some(6));
    assert_eq!(spec.resources.unwrap().limits, cm("1000m", "1Gi"));
}

/// The violations as `line:column path rule`.
fn found(checked: &Checked) -> Vec<String> {
    checked
        .violations
        .iter()
        .map(|v| format!("{} {} {}", v.location.unwrap(), v.field_path, v.rule_id))
        .collect()
}

#[test]
fn stack_input_violations_are_prefixed_and_use_the_resolved_namespace() {
    let validator = JobValidator::new().unwrap();
    let text = "target:\n  apiVersion: kubernetes.project-planton.org/v1\n  kind: KubernetesJob\n  metadata: {name: Job}\n  spec:\n    namespace: {value: ns}\n    image: {repo: busybox, tag: latest}\n    env: {secrets: {A: {secretRef: {name: s, key: k, namespace: ns}}}}\nkubernetesNamespace: Resolved_NS\n";
    let checked = validator.check_stack_input(text).unwrap();
    assert_eq!(
        found(&checked),
        [
            "4:20 target.metadata.name kubernetes.dns1123_label",
            "8:65 target.spec.env.secrets[\"A\"].secret_ref.namespace kubernetes.secret_ref_namespace",
            "9:22 kubernetes_namespace kubernetes.dns1123_label",
        ]
    );
}

#[test]
fn a_docker_config_that_is_not_a_json_object_is_a_violation() {
    let validator = JobValidator::new().unwrap();
    for bad in ["'not json Secret-99'", "'[1, \"x\"]'"] {
        let text = format!(
            "target:\n  apiVersion: kubernetes.project-planton.org/v1\n  kind: KubernetesJob\n  metadata: {{name: job}}\n  spec:\n    namespace: {{value: ns}}\n    image: {{repo: busybox, tag: latest}}\ndockerConfigJson: {bad}\n"
        );
        let checked = validator.check_stack_input(&text).unwrap();
        assert_eq!(
            found(&checked),
            ["8:19 docker_config_json kubernetes.docker_config_json"],
            "{bad}"
        );
        assert!(!checked.violations[0].message.contains("Secret-99"));
    }
    let ok = "target:\n  apiVersion: kubernetes.project-planton.org/v1\n  kind: KubernetesJob\n  metadata: {name: job}\n  spec:\n    namespace: {value: ns}\n    image: {repo: busybox, tag: latest}\ndockerConfigJson: '{\"auths\": {}}'\n";
    assert!(validator.check_stack_input(ok).unwrap().is_valid());
}

/// Every combination of set and unset leaves, for cpu and memory at once:
/// the resulting resources, and the only violations are the ones the user
/// wrote (a request above a limit, both given).
///
/// Per resource, a leaf is unset or set to a value chosen against the
/// defaults (limits 1000m/1Gi, requests 50m/100Mi): below the default
/// request, between the defaults, above the default limit.
#[test]
fn resource_defaults_never_contradict_what_the_user_wrote() {
    // (text, cpu value in millicores) for cpu; memory in Mi.
    let cpu = [
        None,
        Some(("10m", 10)),
        Some(("500m", 500)),
        Some(("2", 2000)),
    ];
    let mem = [
        None,
        Some(("64Mi", 64)),
        Some(("512Mi", 512)),
        Some(("2Gi", 2048)),
    ];
    let validator = JobValidator::new().unwrap();
    let mut cases = 0;
    for (i, &limit) in cpu.iter().enumerate() {
        for &request in &cpu {
            // Memory walks the same grid, shifted, so every pair appears for
            // both resources across the loop.
            let mem_limit = mem[(i + 1) % mem.len()];
            let mem_request = mem[cpu.iter().position(|c| *c == request).unwrap()];
            let leaf = |name: &str, v: Option<(&str, u32)>| {
                v.map(|(t, _)| format!("{name}: {t}")).unwrap_or_default()
            };
            let side = |name: &str, c: Option<(&str, u32)>, m: Option<(&str, u32)>| {
                let leaves: Vec<String> = [leaf("cpu", c), leaf("memory", m)]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect();
                if leaves.is_empty() {
                    String::new()
                } else {
                    format!("{name}: {{{}}}", leaves.join(", "))
                }
            };
            let sides: Vec<String> = [
                side("limits", limit, mem_limit),
                side("requests", request, mem_request),
            ]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
            let yaml = format!(
                "{HEAD}spec: {{namespace: {{value: ns}}, image: {{repo: busybox, tag: '1'}}, resources: {{{}}}}}\n",
                sides.join(", ")
            );
            let checked = validator.check(&yaml).unwrap();
            let res = checked
                .document
                .to_typed::<KubernetesJob>()
                .unwrap()
                .spec
                .unwrap()
                .resources
                .unwrap();
            let (limits, requests) = (res.limits.unwrap(), res.requests.unwrap());

            // Expected, per resource: (limit, request) after defaults.
            let expect = |limit: Option<(&str, u32)>,
                          request: Option<(&str, u32)>,
                          (dl, dl_v): (&str, u32),
                          (dr, dr_v): (&str, u32)|
             -> (String, String) {
                match (limit, request) {
                    (None, None) => (dl.into(), dr.into()),
                    (Some((l, _)), Some((r, _))) => (l.into(), r.into()),
                    (Some((l, lv)), None) => (l.into(), if lv < dr_v { l } else { dr }.into()),
                    (None, Some((r, rv))) => (if rv > dl_v { r } else { dl }.into(), r.into()),
                }
            };
            let (want_cpu_l, want_cpu_r) = expect(limit, request, ("1000m", 1000), ("50m", 50));
            let (want_mem_l, want_mem_r) =
                expect(mem_limit, mem_request, ("1Gi", 1024), ("100Mi", 100));
            assert_eq!(
                (&limits.cpu, &requests.cpu, &limits.memory, &requests.memory),
                (&want_cpu_l, &want_cpu_r, &want_mem_l, &want_mem_r),
                "{yaml}"
            );

            // Violations: only where the user wrote both sides, request > limit.
            let user_broke = |l: Option<(&str, u32)>, r: Option<(&str, u32)>| matches!((l, r), (Some((_, lv)), Some((_, rv))) if rv > lv);
            let mut want: Vec<&str> = Vec::new();
            if user_broke(limit, request) {
                want.push("spec.resources.requests.cpu");
            }
            if user_broke(mem_limit, mem_request) {
                want.push("spec.resources.requests.memory");
            }
            let got: Vec<&str> = checked
                .violations
                .iter()
                .map(|v| {
                    assert_eq!(v.rule_id, "kubernetes.requests_within_limits", "{yaml}");
                    v.field_path.as_str()
                })
                .collect();
            assert_eq!(got, want, "{yaml}");
            cases += 1;
        }
    }
    assert_eq!(cases, 16);
}
