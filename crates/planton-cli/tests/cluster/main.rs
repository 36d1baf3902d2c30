//! Our renders and our rules judged by a real Kubernetes API server.
//!
//! `tests/cluster/up` builds kube-apiserver with an embedded etcd from the Go
//! module proxy (first use only; cached under ~/.cache/planton-tools) for
//! each claimed version and starts it on 127.0.0.1; it stops by itself when
//! this test process exits. If a server cannot start, the tests fail and say
//! why.

mod apply;
mod corpus;
mod harness;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use harness::{VERSIONS, apply_all, client, root, runtime};
use serde_json::Value;

/// The manifests whose renders must be accepted: every example, every
/// render and Terraform-parity case, and every validation case that states
/// `# expect: valid`.
fn render_inputs() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            {
                out.push(path);
            }
        }
    }
    let root = root();
    let mut all = Vec::new();
    for dir in ["examples", "tests/data/render", "tests/data/tf"] {
        walk(&root.join(dir), &mut all);
    }
    // Side inputs, not manifests.
    all.retain(|p| !p.ends_with("resolve.yaml") && !p.ends_with("docker-config.json"));
    let mut valid_cases = Vec::new();
    walk(&root.join("tests/data/validate"), &mut valid_cases);
    valid_cases.retain(|p| {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .any(|l| l == "# expect: valid")
    });
    all.extend(valid_cases);
    all.sort();
    all
}

/// Valid manifests that no `--resolve` file can complete: their `valueFrom`
/// names neither a kind nor a field path, so no value can be given for it.
const UNRENDERABLE: [&str; 2] = [
    "tests/data/validate/spec/valid-variables-mixed.yaml",
    "tests/data/validate/spec/valid-variables-value-from.yaml",
];

/// `planton render -o json` of `path` with the render tests' side inputs
/// (reference values, a docker config): the objects in apply order.
fn planton_render(path: &Path) -> Result<Vec<Value>, String> {
    let root = root();
    let stack = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .any(|l| l.starts_with("target:"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_planton"));
    cmd.current_dir(&root).args([
        "render",
        "-o",
        "json",
        "--resolve",
        "tests/data/render/resolve.yaml",
        "--docker-config-json",
        "tests/data/render/docker-config.json",
    ]);
    if stack {
        cmd.arg("--stack-input");
    }
    let out = cmd.arg(path).output().expect("planton runs");
    if !out.status.success() {
        return Err(format!(
            "planton render failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let list: Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    Ok(list["items"].as_array().cloned().unwrap_or_default())
}

/// Every manifest we ship or test renders to objects that the oldest and the
/// pinned API server accept by server-side apply (dryRun=All), without a
/// warning.
#[test]
fn every_render_is_accepted_by_every_claimed_version() {
    let inputs = render_inputs();
    assert!(
        inputs.len() >= 30,
        "expected the examples and test manifests, found {}",
        inputs.len()
    );
    let mut rendered: Vec<(String, Vec<Value>)> = Vec::new();
    let mut unrenderable = Vec::new();
    for path in &inputs {
        let name = path
            .strip_prefix(root())
            .unwrap_or(path)
            .display()
            .to_string();
        match planton_render(path) {
            Ok(objects) => rendered.push((name, objects)),
            Err(e) if UNRENDERABLE.contains(&name.as_str()) => {
                assert!(
                    e.contains("the valueFrom reference was not resolved"),
                    "{name}: {e}"
                );
                unrenderable.push(name);
            }
            Err(e) => panic!("{name}: {e}"),
        }
    }
    assert_eq!(
        unrenderable, UNRENDERABLE,
        "the manifests that cannot be rendered"
    );
    let rt = runtime();
    let mut problems = Vec::new();
    let mut applied = 0;
    for version in VERSIONS {
        rt.block_on(async {
            let client = client(version).await;
            for (name, objects) in &rendered {
                for (id, verdict) in apply_all(&client, objects).await {
                    applied += 1;
                    match verdict {
                        harness::Verdict::Accepted(w) if w.is_empty() => {}
                        other => problems.push(format!("{version} {name} {id}: {other:?}")),
                    }
                }
            }
        });
    }
    assert!(
        problems.is_empty(),
        "the server refused or warned about our renders:\n{}",
        problems.join("\n")
    );
    // Each manifest renders at least a Job and the image-pull Secret.
    assert!(
        applied >= 2 * VERSIONS.len() * inputs.len(),
        "only {applied} objects applied"
    );
}

/// What we say about a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ours {
    /// Valid, nothing to report.
    Accept,
    /// Valid, with warnings (their rule ids).
    Warn(Vec<String>),
    /// Refused by our Kubernetes rules (their rule ids); rendered anyway.
    Reject(Vec<String>),
    /// Refused by `buf.validate` or by the transform: nothing to render.
    NotRendered(String),
}

/// Our verdict on `text` and, unless nothing can be rendered, the objects
/// rendered while ignoring our Kubernetes rules.
fn ours(validator: &planton_kubernetes_job::JobValidator, text: &str) -> (Ours, Vec<Value>) {
    let checked = validator.check(text).expect("a corpus manifest loads");
    let (errors, warnings): (Vec<_>, Vec<_>) =
        checked.violations.iter().partition(|v| v.is_error());
    let ids = |v: &[&planton_kubernetes_job::Violation]| {
        let mut ids: Vec<String> = v.iter().map(|v| v.rule_id.clone()).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let mut doc = validator.wrap_manifest(validator.load(text).unwrap());
    let rendered = match validator.validate_document_without_kubernetes_rules(&mut doc) {
        Ok((validated, _)) => planton_kubernetes_job::transform(&validated),
        Err(e) => {
            let detail = match e {
                planton_kubernetes_job::InvalidInput::Violations(v) => v
                    .iter()
                    .map(|v| v.rule_id.clone())
                    .collect::<Vec<_>>()
                    .join(","),
                other => other.to_string(),
            };
            return (Ours::NotRendered(detail), Vec::new());
        }
    };
    let objects = match rendered {
        Ok(r) => r.objects().map(|o| o.to_json()).collect(),
        Err(e) => return (Ours::NotRendered(e.to_string()), Vec::new()),
    };
    let verdict = if !errors.is_empty() {
        Ours::Reject(ids(&errors))
    } else if !warnings.is_empty() {
        Ours::Warn(ids(&warnings))
    } else {
        Ours::Accept
    };
    (verdict, objects)
}

/// The server's verdict on a whole render: the namespaces it uses are
/// created for real (a name it refuses is a rejection), then every object is
/// applied with dryRun=All; the first refusal decides.
async fn server(client: &kube::Client, objects: &[Value]) -> harness::Verdict {
    for ns in harness::namespaces_of(objects) {
        let namespace =
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
        if let v @ harness::Verdict::Rejected(..) = harness::apply(client, &namespace, false).await
        {
            return v;
        }
    }
    let mut warnings = Vec::new();
    for object in objects {
        match harness::apply(client, object, true).await {
            harness::Verdict::Accepted(w) => warnings.extend(w),
            rejected => return rejected,
        }
    }
    harness::Verdict::Accepted(warnings)
}

/// Why we refuse what the API server accepts, by rule: each is a manifest
/// that would be created but fail (or misbehave) at run time.
const STRICTER: &[(&str, &str)] = &[
    (
        "kubernetes.image_reference",
        "the API server takes any image string; the kubelet cannot pull an invalid reference (InvalidImageName) and the pod never starts",
    ),
    (
        "kubernetes.dns1123_subdomain",
        "a pull secret, ConfigMap, Secret or claim whose name no object can have (names are DNS-1123 subdomains): the pod waits for it forever",
    ),
    (
        "kubernetes.config_map_key",
        "a key no ConfigMap can hold (the API server refuses it there): the mount cannot be satisfied and the pod never starts",
    ),
    (
        "kubernetes.secret_key",
        "a key no Secret can hold (the API server refuses it there): the mount cannot be satisfied and the pod never starts",
    ),
    (
        "kubernetes.config_map_key_missing",
        "the mount names a key the ConfigMap we create does not have: the pod never starts",
    ),
    (
        "kubernetes.secret_ref_namespace",
        "a Job reads Secrets of its own namespace only: the reference would silently read a same-named Secret there, or none",
    ),
    (
        "kubernetes.env_var_value",
        "a variable with neither a value nor a reference cannot be rendered: it would be silently left out",
    ),
    (
        "kubernetes.volume_source",
        "a mount with two sources can render only one: the others would be silently dropped",
    ),
    (
        "kubernetes.mount_path_absolute",
        "the container runtime needs an absolute mount destination (runc refuses a relative one): the pod never starts",
    ),
    (
        "kubernetes.quantity",
        "a bare unit ('m') is read as zero by Kubernetes: almost certainly a typo",
    ),
    (
        "kubernetes.int32_range",
        "the Kubernetes field is an int32: the value cannot be sent at all (the render leaves it out)",
    ),
    (
        "kubernetes.int64_range",
        "the Kubernetes field is an int64: the value cannot be sent at all (the render leaves it out)",
    ),
];

/// Our rules judged by the API server, on a generated corpus: no manifest we
/// accept is refused by the oldest or the pinned server, nor warned about
/// unless we warn too; every manifest we refuse that the server accepts is
/// refused by a rule listed in [`STRICTER`] with its reason; the README's
/// table is this run's.
#[test]
fn our_rules_agree_with_the_server() {
    let cases = corpus::cases();
    assert!(cases.len() >= 300, "only {} cases", cases.len());
    let validator = planton_kubernetes_job::JobValidator::new().unwrap();
    let judged: Vec<(String, Ours, Vec<Value>)> = cases
        .iter()
        .map(|c| {
            let text = serde_json::to_string(&c.manifest).unwrap();
            let (verdict, objects) = ours(&validator, &text);
            (c.name.clone(), verdict, objects)
        })
        .collect();
    let rt = runtime();
    let mut false_accepts = Vec::new();
    let mut unexplained = Vec::new();
    // (our row, the server's column) -> count, per version.
    let mut tables = Vec::new();
    // rule -> cases where only we refuse, per version.
    let mut stricter = Vec::new();
    for version in VERSIONS {
        let mut table = BTreeMap::<(usize, usize), usize>::new();
        let mut only_us = BTreeMap::<String, Vec<String>>::new();
        rt.block_on(async {
            let client = client(version).await;
            for (name, ours, objects) in &judged {
                let row = match ours {
                    Ours::Accept => 0,
                    Ours::Warn(_) => 1,
                    Ours::Reject(_) => 2,
                    Ours::NotRendered(_) => 3,
                };
                if objects.is_empty() {
                    *table.entry((row, 3)).or_default() += 1;
                    continue;
                }
                let verdict = server(&client, objects).await;
                let col = match &verdict {
                    harness::Verdict::Accepted(w) if w.is_empty() => 0,
                    harness::Verdict::Accepted(_) => 1,
                    harness::Verdict::Rejected(..) => 2,
                };
                *table.entry((row, col)).or_default() += 1;
                match (ours, &verdict) {
                    (Ours::Accept | Ours::Warn(_), harness::Verdict::Rejected(..)) => {
                        false_accepts.push(format!("{version} {name}: {verdict:?}"));
                    }
                    (Ours::Accept, harness::Verdict::Accepted(w)) if !w.is_empty() => {
                        false_accepts.push(format!(
                            "{version} {name}: the server warns, we do not: {w:?}"
                        ));
                    }
                    (Ours::Reject(rules), harness::Verdict::Accepted(_)) => {
                        for rule in rules {
                            if !STRICTER.iter().any(|(r, _)| r == rule) {
                                unexplained.push(format!("{version} {name}: {rule}"));
                            }
                            only_us.entry(rule.clone()).or_default().push(name.clone());
                        }
                    }
                    _ => {}
                }
            }
        });
        tables.push(table);
        stricter.push(only_us);
    }
    assert!(
        false_accepts.is_empty(),
        "the server refuses (or warns about) what we accept:\n{}",
        false_accepts.join("\n")
    );
    assert!(
        unexplained.is_empty(),
        "we refuse what the server accepts, for no listed reason:\n{}",
        unexplained.join("\n")
    );
    for (rule, _) in STRICTER {
        assert!(
            stricter.iter().any(|s| s.contains_key(*rule)),
            "no case shows why {rule} is listed as stricter than the server: drop it or add a case"
        );
    }
    let markdown = confusion_markdown(judged.len(), &tables, &stricter);
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let (begin, end) = (
        "<!-- cluster-table:begin -->\n",
        "<!-- cluster-table:end -->",
    );
    let current = readme
        .split_once(begin)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(table, _)| table);
    assert_eq!(
        current,
        Some(markdown.as_str()),
        "the README's table (between {begin:?} and {end:?}) is not this run's; it should read:\n{markdown}"
    );
}

/// The confusion table and the list of stricter rules, as README markdown.
fn confusion_markdown(
    cases: usize,
    tables: &[BTreeMap<(usize, usize), usize>],
    stricter: &[BTreeMap<String, Vec<String>>],
) -> String {
    let rows = [
        "we accept",
        "we accept, with a warning",
        "we refuse (Kubernetes rule)",
        "we refuse (`buf.validate`): nothing to render",
    ];
    let cols = ["accepts", "accepts, warns", "refuses"];
    let versions = VERSIONS.join(" / ");
    let mut out = format!(
        "{cases} generated manifests; each cell counts them on {versions}.\n\n| | server {} |\n|---|---|---|---|\n",
        cols.join(" | server ")
    );
    for (r, row) in rows.iter().enumerate() {
        let cells: Vec<String> = (0..cols.len())
            .map(|c| {
                tables
                    .iter()
                    .map(|t| t.get(&(r, c)).copied().unwrap_or(0).to_string())
                    .collect::<Vec<_>>()
                    .join(" / ")
            })
            .collect();
        let unrendered: usize = tables
            .iter()
            .map(|t| t.get(&(r, 3)).copied().unwrap_or(0))
            .sum();
        if r == 3 && unrendered == 0 && cells.iter().all(|c| c.split(" / ").all(|n| n == "0")) {
            continue;
        }
        out.push_str(&format!("| {row} | {} |\n", cells.join(" | ")));
    }
    out.push_str("\nWhere we are stricter than the server (cases on the last version):\n\n| rule | cases | why |\n|---|---|---|\n");
    let last = stricter.last().cloned().unwrap_or_default();
    for (rule, reason) in STRICTER {
        let n = last.get(*rule).map_or(0, Vec::len);
        out.push_str(&format!("| `{rule}` | {n} | {reason} |\n"));
    }
    out
}
