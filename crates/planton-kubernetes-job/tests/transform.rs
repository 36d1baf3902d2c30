//! The transform: golden files for every example, parity with upstream's
//! Pulumi module, the improvements over it, determinism and secrecy.

use std::path::Path;

use k8s_openapi::api::core::v1::{EnvVar, Volume};
use planton_api::{KubernetesJob, KubernetesJobStackInput};
use planton_kubernetes_job::{
    Input, InvalidInput, JobValidator, MapResolver, Rendered, SideInputs, TransformError,
    resolve_references, transform,
};
use serde_json::{Value, json};

fn validator() -> JobValidator {
    JobValidator::new().unwrap()
}

fn stack_input(yaml: &str) -> KubernetesJobStackInput {
    let doc = validator().load(yaml).unwrap_or_else(|e| panic!("{e}"));
    KubernetesJobStackInput {
        target: Some(doc.to_typed::<KubernetesJob>().unwrap()),
        ..Default::default()
    }
}

fn render_input(input: KubernetesJobStackInput) -> Rendered {
    let validated = validator()
        .validate_input(input, None)
        .unwrap_or_else(|e| match e {
            InvalidInput::Violations(v) => panic!("violations: {v:#?}"),
            other => panic!("{other}"),
        });
    transform(&validated).unwrap()
}

/// A manifest rendered through the front door.
fn render(yaml: &str) -> Rendered {
    validator()
        .render(Input::Manifest(yaml), &SideInputs::new())
        .unwrap_or_else(|e| panic!("{e}: {:#?}", e.violations()))
        .rendered
}

fn job_json(r: &Rendered) -> Value {
    serde_json::to_value(&r.job).unwrap()
}

fn container(r: &Rendered) -> Value {
    job_json(r)["spec"]["template"]["spec"]["containers"][0].clone()
}

const HEAD: &str = "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\n";

fn manifest(metadata: &str, spec_extra: &str) -> String {
    format!(
        "{HEAD}metadata: {metadata}\nspec:\n  namespace: {{value: batch}}\n  image: {{repo: busybox, tag: \"1.36\"}}\n{spec_extra}"
    )
}

fn examples() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn golden_files_for_every_example() {
    for (name, text) in examples() {
        let r = render(&text);
        insta::assert_snapshot!(format!("{name}.yaml"), r.to_yaml());
        insta::assert_snapshot!(format!("{name}.json"), r.to_json());
    }
}

#[test]
fn streamed_yaml_equals_the_yaml_of_the_json_value() {
    let mut checked = 0;
    for (_, text) in examples() {
        for object in render(&text).objects() {
            assert_eq!(
                object.to_yaml(),
                planton_manifest::json_to_yaml(&object.to_json()),
                "{object:?}"
            );
            checked += 1;
        }
    }
    // The examples hold a Job each, plus Secrets, ConfigMaps and a Namespace.
    assert!(checked >= 7, "only {checked} objects");
}

/// Every YAML file under `dir`, recursively, sorted.
fn yaml_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml") {
            out.push(p);
        }
    }
}

/// `render -o json` writes the list straight from the objects: byte for byte
/// the pretty JSON of the list's `serde_json::Value`, on every example and
/// every test manifest that renders (manifests and stack inputs).
#[test]
fn direct_json_equals_the_json_of_the_value() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["examples", "tests"] {
        yaml_files(&root.join(dir), &mut files);
    }
    let v = validator();
    let (mut rendered, mut objects) = (0, 0);
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let doc = match v.load(&text) {
            Ok(doc) => v.wrap_manifest(doc),
            Err(_) => match v.load_stack_input(&text) {
                Ok(doc) => doc,
                Err(_) => continue,
            },
        };
        let mut doc = doc;
        let Ok(validated) = v.validate_document(&mut doc) else {
            continue;
        };
        let Ok(r) = transform(&validated) else {
            continue;
        };
        assert_eq!(r.to_json(), r.to_json_via_value(), "{}", path.display());
        rendered += 1;
        objects += r.objects().count();
    }
    // Every example, and the render and differential corpora's valid files.
    assert!(
        rendered >= 30,
        "only {rendered} of {} files rendered",
        files.len()
    );
    assert!(objects >= 60, "only {objects} objects");
}

#[test]
fn apply_order_and_outputs() {
    let yaml = manifest(
        "{name: job}",
        "  createNamespace: true\n  env: {secrets: {A: {value: x}}}\n  configMaps: {b-map: two, a-map: one}\n",
    );
    let mut input = stack_input(&yaml);
    input.docker_config_json = r#"{"auths":{}}"#.into();
    let r = render_input(input);
    let kinds: Vec<String> = r.objects().map(|o| format!("{o:?}")).collect();
    assert_eq!(
        kinds,
        [
            "Namespace/batch",
            "Secret/job-env-secrets",
            "Secret/job-image-pull-secret",
            "ConfigMap/a-map",
            "ConfigMap/b-map",
            "Job/job"
        ]
    );
    assert_eq!(
        (r.outputs.namespace.as_str(), r.outputs.job_name.as_str()),
        ("batch", "job")
    );
    let list: Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(
        (&list["apiVersion"], &list["kind"]),
        (&json!("v1"), &json!("List"))
    );
    assert_eq!(list["items"].as_array().unwrap().len(), 6);
    assert_eq!(r.to_yaml().matches("---\n").count(), 6);
}

#[test]
fn labels_on_every_object_with_optional_metadata() {
    let yaml = manifest(
        "{name: job, id: k8sjob-123, org: acme, env: prod}",
        "  createNamespace: true\n  configMaps: {c: x}\n  env: {secrets: {S: {value: v}}}\n",
    );
    let r = render(&yaml);
    let expected = json!({
        "planton.ai/resource": "true", "planton.ai/name": "job", "planton.ai/kind": "KubernetesJob",
        "planton.ai/id": "k8sjob-123", "planton.ai/organization": "acme", "planton.ai/environment": "prod",
    });
    for o in r.objects() {
        assert_eq!(o.to_json()["metadata"]["labels"], expected, "{o:?}");
    }
    assert_eq!(
        job_json(&r)["spec"]["template"]["metadata"]["labels"],
        expected
    );
    let bare = render(&manifest("{name: job}", ""));
    assert_eq!(
        job_json(&bare)["metadata"]["labels"],
        json!({"planton.ai/resource": "true", "planton.ai/name": "job", "planton.ai/kind": "KubernetesJob"})
    );
}

#[test]
fn user_labels_and_annotations_on_every_object_planton_labels_win() {
    let yaml = manifest(
        "{name: job, env: prod, labels: {team: data, example.com/tier: batch, planton.ai/name: other, planton.ai/environment: dev, planton.ai/team: t}, annotations: {example.com/owner: me, Note: 'a: b'}}",
        "  createNamespace: true\n  configMaps: {c: x}\n  env: {secrets: {S: {value: v}}}\n",
    );
    let mut input = stack_input(&yaml);
    input.docker_config_json = r#"{"auths":{}}"#.into();
    let r = render_input(input);
    let labels = json!({
        "team": "data", "example.com/tier": "batch", "planton.ai/team": "t",
        "planton.ai/resource": "true", "planton.ai/name": "job", "planton.ai/kind": "KubernetesJob",
        "planton.ai/environment": "prod",
    });
    let annotations = json!({"example.com/owner": "me", "Note": "a: b"});
    let mut kinds = Vec::new();
    for o in r.objects() {
        let o = o.to_json();
        assert_eq!(o["metadata"]["labels"], labels, "{o}");
        assert_eq!(o["metadata"]["annotations"], annotations, "{o}");
        kinds.push(o["kind"].as_str().unwrap().to_owned());
    }
    assert_eq!(kinds, ["Namespace", "Secret", "Secret", "ConfigMap", "Job"]);
    // The pod template: the labels (pods are selected by them), not the
    // annotations (which are about the objects planton manages).
    let template = &job_json(&r)["spec"]["template"]["metadata"];
    assert_eq!(template["labels"], labels);
    assert!(template.get("annotations").is_none(), "{template}");
    // No annotations: no annotations field at all.
    let bare = render(&manifest("{name: job}", ""));
    assert!(job_json(&bare)["metadata"].get("annotations").is_none());
}

#[test]
fn namespace_object_only_when_asked() {
    assert!(render(&manifest("{name: job}", "")).namespace.is_none());
    let r = render(&manifest("{name: job}", "  createNamespace: true\n"));
    let ns = serde_json::to_value(r.namespace.unwrap()).unwrap();
    assert_eq!(ns["metadata"]["name"], "batch");
    assert!(ns["metadata"].get("namespace").is_none());
}

#[test]
fn env_secret_holds_only_literal_values_and_exists_only_with_one() {
    let r = render(&manifest(
        "{name: job}",
        "  env: {secrets: {REF: {secretRef: {name: s, key: k}}}}\n",
    ));
    assert!(r.env_secret.is_none());
    let r = render(&manifest(
        "{name: job}",
        "  env: {secrets: {B_LIT: {value: two}, A_LIT: {value: one}, REF: {secretRef: {name: s, key: k}}}}\n",
    ));
    let secret = serde_json::to_value(r.env_secret.as_ref().unwrap()).unwrap();
    assert_eq!(secret["metadata"]["name"], "job-env-secrets");
    assert_eq!(secret["metadata"]["namespace"], "batch");
    assert_eq!(secret["type"], "Opaque");
    assert_eq!(
        secret["stringData"],
        json!({"A_LIT": "one", "B_LIT": "two"})
    );
}

#[test]
fn image_pull_secret_only_with_a_docker_config() {
    assert!(
        render(&manifest("{name: job}", ""))
            .image_pull_secret
            .is_none()
    );
    let mut input = stack_input(&manifest("{name: job}", ""));
    input.docker_config_json = r#"{"auths":{"r.io":{"auth":"eA=="}}}"#.into();
    let r = render_input(input);
    let s = serde_json::to_value(r.image_pull_secret.as_ref().unwrap()).unwrap();
    assert_eq!(s["metadata"]["name"], "job-image-pull-secret");
    assert_eq!(s["type"], "kubernetes.io/dockerconfigjson");
    assert_eq!(
        s["stringData"][".dockerconfigjson"],
        r#"{"auths":{"r.io":{"auth":"eA=="}}}"#
    );
    assert_eq!(
        job_json(&r)["spec"]["template"]["spec"]["imagePullSecrets"],
        json!([{"name": "job-image-pull-secret"}])
    );
}

#[test]
fn config_maps_use_their_own_name_as_data_key() {
    let r = render(&manifest(
        "{name: job}",
        "  configMaps: {run-sh: \"echo hi\\n\"}\n",
    ));
    let cm = serde_json::to_value(&r.config_maps[0]).unwrap();
    assert_eq!(cm["metadata"]["name"], "run-sh");
    assert_eq!(cm["metadata"]["namespace"], "batch");
    assert_eq!(cm["data"], json!({"run-sh": "echo hi\n"}));
}

#[test]
fn container_env_order_and_sources() {
    let r = render(&manifest(
        "{name: job}",
        "  env:\n    variables: {ZED: {value: z}, ALPHA: {value: a}}\n    secrets: {TOKEN: {value: t}, DB: {secretRef: {name: db, key: pw}}}\n",
    ));
    let env: Vec<EnvVar> = r
        .job
        .spec
        .as_ref()
        .unwrap()
        .template
        .spec
        .as_ref()
        .unwrap()
        .containers[0]
        .env
        .clone()
        .unwrap();
    let names: Vec<&str> = env.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["HOSTNAME", "K8S_POD_ID", "ALPHA", "ZED", "DB", "TOKEN"]
    );
    let c = container(&r);
    assert_eq!(
        c["env"][0],
        json!({"name": "HOSTNAME", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}})
    );
    assert_eq!(
        c["env"][1],
        json!({"name": "K8S_POD_ID", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}})
    );
    assert_eq!(c["env"][2], json!({"name": "ALPHA", "value": "a"}));
    assert_eq!(
        c["env"][4],
        json!({"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}})
    );
    assert_eq!(
        c["env"][5],
        json!({"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "job-env-secrets", "key": "TOKEN"}}})
    );
    assert_eq!(c["name"], "job-container");
    assert_eq!(c["image"], "busybox:1.36");
}

/// A name defined twice (a user's `HOSTNAME`, a secret named like a
/// variable) is listed once, with its last definition: the one Kubernetes
/// would use.
#[test]
fn a_name_defined_again_keeps_its_last_definition() {
    let r = render(&manifest(
        "{name: job}",
        "  env:\n    variables: {HOSTNAME: {value: h}, TOKEN: {value: plain}, ALPHA: {value: a}}\n    secrets: {TOKEN: {value: t}}\n",
    ));
    let c = container(&r);
    assert_eq!(
        c["env"],
        json!([
            {"name": "K8S_POD_ID", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
            {"name": "ALPHA", "value": "a"},
            {"name": "HOSTNAME", "value": "h"},
            {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "job-env-secrets", "key": "TOKEN"}}},
        ])
    );
}

#[test]
fn command_and_args_only_when_given() {
    let c = container(&render(&manifest("{name: job}", "")));
    assert!(c.get("command").is_none() && c.get("args").is_none());
    let c = container(&render(&manifest(
        "{name: job}",
        "  command: [sh, -c]\n  args: [\"echo hi\"]\n",
    )));
    assert_eq!(
        (&c["command"], &c["args"]),
        (&json!(["sh", "-c"]), &json!(["echo hi"]))
    );
}

#[test]
fn defaults_shape_the_job() {
    let r = render(&manifest("{name: job}", ""));
    let c = container(&r);
    assert_eq!(
        c["resources"],
        json!({"limits": {"cpu": "1000m", "memory": "1Gi"}, "requests": {"cpu": "50m", "memory": "100Mi"}})
    );
    let spec = &job_json(&r)["spec"];
    assert_eq!(
        (
            &spec["parallelism"],
            &spec["completions"],
            &spec["backoffLimit"]
        ),
        (&json!(1), &json!(1), &json!(6))
    );
    assert_eq!(
        (&spec["completionMode"], &spec["suspend"]),
        (&json!("NonIndexed"), &json!(false))
    );
    assert_eq!(spec["template"]["spec"]["restartPolicy"], "Never");
    // Zero means "none": not rendered.
    assert!(
        spec.get("activeDeadlineSeconds").is_none()
            && spec.get("ttlSecondsAfterFinished").is_none()
    );
}

#[test]
fn job_numbers_only_when_positive_except_backoff_limit() {
    let r = render(&manifest(
        "{name: job}",
        "  parallelism: 0\n  completions: 0\n  backoffLimit: 0\n  activeDeadlineSeconds: 0\n  ttlSecondsAfterFinished: 0\n  suspend: true\n",
    ));
    let spec = &job_json(&r)["spec"];
    assert!(spec.get("parallelism").is_none() && spec.get("completions").is_none());
    // backoffLimit 0 means "never retry": rendered, as upstream does.
    assert_eq!(spec["backoffLimit"], 0);
    assert_eq!(spec["suspend"], true);
    let r = render(&manifest(
        "{name: job}",
        "  parallelism: 4\n  completions: 8\n  activeDeadlineSeconds: 600\n  ttlSecondsAfterFinished: 60\n  completionMode: Indexed\n  restartPolicy: OnFailure\n",
    ));
    let spec = &job_json(&r)["spec"];
    assert_eq!(
        (
            &spec["parallelism"],
            &spec["completions"],
            &spec["activeDeadlineSeconds"],
            &spec["ttlSecondsAfterFinished"]
        ),
        (&json!(4), &json!(8), &json!(600), &json!(60))
    );
    assert_eq!(spec["completionMode"], "Indexed");
    assert_eq!(spec["template"]["spec"]["restartPolicy"], "OnFailure");
}

#[test]
fn volumes_for_all_five_sources() {
    let r = render(&manifest(
        "{name: job}",
        r#"  configMaps: {script: "x"}
  volumeMounts:
    - {name: cm-key, mountPath: /a, configMap: {name: script, key: script}}
    - {name: cm-path, mountPath: /b, readOnly: true, subPath: run.sh, configMap: {name: other, key: k, path: p.sh, defaultMode: 0755}}
    - {name: cm-all, mountPath: /c, configMap: {name: whole}}
    - {name: sec, mountPath: /d, secret: {name: tls, key: tls.crt, defaultMode: 0400}}
    - {name: sec-all, mountPath: /e, secret: {name: tls}}
    - {name: host, mountPath: /f, hostPath: {path: /var/log, type: Directory}}
    - {name: host-any, mountPath: /g, hostPath: {path: /tmp}}
    - {name: scratch, mountPath: /h, emptyDir: {medium: Memory, sizeLimit: 64Mi}}
    - {name: plain, mountPath: /i, emptyDir: {}}
    - {name: data, mountPath: /j, pvc: {claimName: data, readOnly: true}}
"#,
    ));
    let pod = &job_json(&r)["spec"]["template"]["spec"];
    let volumes: Vec<Volume> = serde_json::from_value(pod["volumes"].clone()).unwrap();
    assert_eq!(volumes.len(), 10);
    let v = &pod["volumes"];
    assert_eq!(
        v[0],
        json!({"name": "cm-key", "configMap": {"name": "script", "items": [{"key": "script", "path": "script"}]}})
    );
    assert_eq!(
        v[1],
        json!({"name": "cm-path", "configMap": {"name": "other", "items": [{"key": "k", "path": "p.sh"}], "defaultMode": 493}})
    );
    assert_eq!(
        v[2],
        json!({"name": "cm-all", "configMap": {"name": "whole"}})
    );
    assert_eq!(
        v[3],
        json!({"name": "sec", "secret": {"secretName": "tls", "items": [{"key": "tls.crt", "path": "tls.crt"}], "defaultMode": 256}})
    );
    assert_eq!(
        v[4],
        json!({"name": "sec-all", "secret": {"secretName": "tls"}})
    );
    assert_eq!(
        v[5],
        json!({"name": "host", "hostPath": {"path": "/var/log", "type": "Directory"}})
    );
    assert_eq!(
        v[6],
        json!({"name": "host-any", "hostPath": {"path": "/tmp"}})
    );
    assert_eq!(
        v[7],
        json!({"name": "scratch", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}})
    );
    assert_eq!(v[8], json!({"name": "plain", "emptyDir": {}}));
    assert_eq!(
        v[9],
        json!({"name": "data", "persistentVolumeClaim": {"claimName": "data", "readOnly": true}})
    );
    let mounts = &pod["containers"][0]["volumeMounts"];
    assert_eq!(
        mounts[0],
        json!({"name": "cm-key", "mountPath": "/a", "readOnly": false})
    );
    assert_eq!(
        mounts[1],
        json!({"name": "cm-path", "mountPath": "/b", "readOnly": true, "subPath": "run.sh"})
    );
    assert_eq!(mounts.as_array().unwrap().len(), 10);
}

#[test]
fn no_volumes_no_volume_fields() {
    let pod = job_json(&render(&manifest("{name: job}", "")))["spec"]["template"]["spec"].clone();
    assert!(pod.get("volumes").is_none() && pod["containers"][0].get("volumeMounts").is_none());
    assert!(pod.get("imagePullSecrets").is_none());
}

// Improvements over upstream.

#[test]
fn the_resolved_namespace_wins_over_the_spec() {
    let mut input = stack_input(&manifest(
        "{name: job}",
        "  createNamespace: true\n  configMaps: {c: x}\n",
    ));
    input.kubernetes_namespace = "resolved".into();
    let r = render_input(input);
    for o in r.objects() {
        let j = o.to_json();
        let ns = j["metadata"]["namespace"].as_str().or(j["metadata"]["name"]
            .as_str()
            .filter(|_| j["kind"] == "Namespace"));
        assert_eq!(ns, Some("resolved"), "{o:?}");
    }
    assert_eq!(r.outputs.namespace, "resolved");
}

#[test]
fn no_namespace_at_all_is_an_error() {
    let yaml = format!(
        "{HEAD}metadata: {{name: job}}\nspec:\n  namespace: {{valueFrom: {{name: team-ns}}}}\n  image: {{repo: busybox, tag: latest}}\n"
    );
    let validated = validator()
        .validate_input(stack_input(&yaml), None)
        .unwrap();
    assert_eq!(
        transform(&validated).unwrap_err(),
        TransformError::NoNamespace
    );
    // Resolving the reference (default kind KubernetesNamespace, field spec.name) fixes it.
    let mut input = stack_input(&yaml);
    let mut resolver = MapResolver::new();
    resolver.insert("KubernetesNamespace/team-ns", "spec.name", "team");
    let outcome = resolve_references(&mut input, &resolver).unwrap();
    assert_eq!(outcome.resolved, ["spec.namespace"]);
    assert_eq!(render_input(input).outputs.namespace, "team");
}

#[test]
fn image_pull_secret_name_is_used() {
    let r = render(
        &manifest("{name: job}", "")
            .replace("tag: \"1.36\"}", "tag: \"1.36\", pullSecretName: regcred}"),
    );
    assert_eq!(
        job_json(&r)["spec"]["template"]["spec"]["imagePullSecrets"],
        json!([{"name": "regcred"}])
    );
    let mut input = stack_input(
        &manifest("{name: job}", "")
            .replace("tag: \"1.36\"}", "tag: \"1.36\", pullSecretName: regcred}"),
    );
    input.docker_config_json = "{}".into();
    let r = render_input(input);
    assert_eq!(
        job_json(&r)["spec"]["template"]["spec"]["imagePullSecrets"],
        json!([{"name": "job-image-pull-secret"}, {"name": "regcred"}])
    );
}

#[test]
fn digests_render_with_an_at_sign() {
    let digest = format!("sha256:{}", "ab".repeat(32));
    let r = render(
        &manifest("{name: job}", "").replace("tag: \"1.36\"", &format!("tag: \"{digest}\"")),
    );
    assert_eq!(container(&r)["image"], format!("busybox@{digest}"));
}

#[test]
fn references_are_resolved_or_refused_by_name() {
    let yaml = manifest(
        "{name: job}",
        "  env:\n    variables:\n      DB_HOST: {valueFrom: {kind: KubernetesPostgres, name: pg, fieldPath: status.outputs.host}}\n      DB_PORT: {valueFrom: {kind: KubernetesPostgres, env: prod, name: pg, fieldPath: status.outputs.port}}\n",
    );
    // Unresolved: the transform names every variable (upstream drops them
    // silently).
    let validated = validator()
        .validate_input(stack_input(&yaml), None)
        .unwrap();
    assert_eq!(
        transform(&validated).unwrap_err().to_string(),
        "the valueFrom reference was not resolved for 2 variables: spec.env.variables[\"DB_HOST\"], spec.env.variables[\"DB_PORT\"]; resolve each first (a ReferenceResolver; with the CLI, --resolve FILE), or the variables would be missing from the Job"
    );
    let mut one = MapResolver::new();
    one.insert("KubernetesPostgres/prod/pg", "status.outputs.port", "5432");
    let mut input = stack_input(&yaml);
    let outcome = resolve_references(&mut input, &one).unwrap();
    assert_eq!(outcome.unresolved, ["spec.env.variables[\"DB_HOST\"]"]);
    let validated = validator().validate_input(input, None).unwrap();
    assert_eq!(
        transform(&validated).unwrap_err().to_string(),
        "spec.env.variables[\"DB_HOST\"]: the valueFrom reference was not resolved; resolve it first (a ReferenceResolver; with the CLI, --resolve FILE), or the variable would be missing from the Job"
    );
    let mut resolver = MapResolver::new();
    resolver
        .insert("KubernetesPostgres/pg", "status.outputs.host", "pg.db.svc")
        .insert("KubernetesPostgres/prod/pg", "status.outputs.port", "5432");
    let mut input = stack_input(&yaml);
    let outcome = resolve_references(&mut input, &resolver).unwrap();
    assert_eq!(outcome.resolved.len(), 2);
    assert!(outcome.unresolved.is_empty());
    let c = container(&render_input(input));
    assert_eq!(
        c["env"][2],
        json!({"name": "DB_HOST", "value": "pg.db.svc"})
    );
    assert_eq!(c["env"][3], json!({"name": "DB_PORT", "value": "5432"}));
}

#[test]
fn a_failing_resolver_is_reported_with_the_field() {
    struct Broken;
    impl planton_kubernetes_job::ReferenceResolver for Broken {
        fn resolve(
            &self,
            _: &planton_kubernetes_job::Reference<'_>,
        ) -> Result<Option<String>, planton_kubernetes_job::ResolverError> {
            Err(planton_kubernetes_job::ResolverError::new(
                "backend unavailable",
            ))
        }
    }
    let yaml = manifest(
        "{name: job}",
        "  env: {variables: {X: {valueFrom: {kind: KubernetesRedis, name: r, fieldPath: a.b}}}}\n",
    );
    let err = resolve_references(&mut stack_input(&yaml), &Broken).unwrap_err();
    assert_eq!(
        err.to_string(),
        "spec.env.variables[\"X\"]: cannot resolve the reference to KubernetesRedis/r a.b: backend unavailable"
    );
}

#[test]
fn a_secret_in_another_namespace_is_rejected() {
    let yaml = manifest(
        "{name: job}",
        "  env: {secrets: {A: {secretRef: {name: s, key: k, namespace: other}}}}\n",
    );
    let Err(InvalidInput::Violations(v)) = validator().validate_input(stack_input(&yaml), None)
    else {
        panic!()
    };
    assert_eq!(v[0].rule_id, "kubernetes.secret_ref_namespace");
    assert_eq!(
        v[0].field_path,
        "target.spec.env.secrets[\"A\"].secret_ref.namespace"
    );
    // Same namespace written out: fine.
    render(&manifest(
        "{name: job}",
        "  env: {secrets: {A: {secretRef: {name: s, key: k, namespace: batch}}}}\n",
    ));
}

// Determinism and secrecy.

#[test]
fn rendering_is_deterministic_whatever_the_map_order() {
    let mut vars = String::new();
    let mut secrets = String::new();
    let mut maps = String::new();
    for i in (0..60).rev() {
        vars.push_str(&format!("      V{i:02}: {{value: v{i}}}\n"));
        secrets.push_str(&format!("      S{i:02}: {{value: s{i}}}\n"));
        maps.push_str(&format!("    cm-{i:02}: \"data {i}\"\n"));
    }
    let yaml = manifest(
        "{name: job}",
        &format!("  env:\n    variables:\n{vars}    secrets:\n{secrets}  configMaps:\n{maps}"),
    );
    let first = render(&yaml);
    for _ in 0..5 {
        // Each load builds fresh hash maps with fresh random seeds.
        let again = render(&yaml);
        assert_eq!(again.to_yaml(), first.to_yaml());
        assert_eq!(again.to_json(), first.to_json());
    }
    let names: Vec<String> = first
        .config_maps
        .iter()
        .map(|c| c.metadata.name.clone().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[test]
fn literal_secrets_appear_only_in_the_env_secret() {
    const SECRET: &str = "pA55-w0rd-Unique-7731";
    let mut input = stack_input(&manifest(
        "{name: job}",
        &format!("  env: {{secrets: {{DB_PASSWORD: {{value: {SECRET}}}}}}}\n"),
    ));
    input.docker_config_json = r#"{"auths":{"x":{"auth":"DockerAuth-Unique-9"}}}"#.into();
    let r = render_input(input.clone());
    for o in r.objects() {
        let text = o.to_json().to_string();
        let is_env_secret = matches!(o, planton_kubernetes_job::Object::Secret(s) if s.metadata.name.as_deref() == Some("job-env-secrets"));
        assert_eq!(text.contains(SECRET), is_env_secret, "{o:?}");
        let is_pull_secret = matches!(o, planton_kubernetes_job::Object::Secret(s) if s.metadata.name.as_deref() == Some("job-image-pull-secret"));
        assert_eq!(
            text.contains("DockerAuth-Unique-9"),
            is_pull_secret,
            "{o:?}"
        );
    }
    assert_eq!(r.to_yaml().matches(SECRET).count(), 1);
    assert_eq!(r.to_json().matches(SECRET).count(), 1);
    // Debug of every type of ours in the pipeline.
    let validated = validator().validate_input(input.clone(), None).unwrap();
    for text in [
        format!("{r:?}"),
        format!("{r:#?}"),
        format!("{validated:?}"),
        format!("{input:?}"),
        format!("{:?}", r.objects().collect::<Vec<_>>()),
    ] {
        assert!(
            !text.contains(SECRET) && !text.contains("DockerAuth-Unique-9"),
            "{text}"
        );
    }
}

/// Found in review: upstream (and this transform, before) dropped variables
/// and literal secrets whose value is "", although "" is a value.
#[test]
fn empty_values_are_values() {
    let r = render(&manifest(
        "{name: job}",
        "  env:\n    variables: {EMPTY: {value: \"\"}}\n    secrets: {SEMPTY: {value: \"\"}}\n",
    ));
    let c = container(&r);
    assert_eq!(c["env"][2], json!({"name": "EMPTY", "value": ""}));
    assert_eq!(
        c["env"][3],
        json!({"name": "SEMPTY", "valueFrom": {"secretKeyRef": {"name": "job-env-secrets", "key": "SEMPTY"}}})
    );
    let secret = serde_json::to_value(r.env_secret.as_ref().unwrap()).unwrap();
    assert_eq!(secret["stringData"], json!({"SEMPTY": ""}));
}
