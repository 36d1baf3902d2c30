//! The Pulumi YAML program deploys exactly the rendered objects.

use std::path::Path;

use planton_api::{KubernetesJob, KubernetesJobStackInput};
use planton_kubernetes_job::{JobValidator, Rendered, pulumi_program, transform};
use serde_json::{Value, json};

fn render(yaml: &str, docker: &str) -> Rendered {
    let validator = JobValidator::new().unwrap();
    let doc = validator.load(yaml).unwrap();
    let input = KubernetesJobStackInput {
        target: Some(doc.to_typed::<KubernetesJob>().unwrap()),
        docker_config_json: docker.into(),
        ..Default::default()
    };
    transform(&validator.validate_input(input, None).unwrap()).unwrap()
}

/// The properties as Kubernetes sees them: secrets unwrapped, `$${` unescaped.
fn unwrap(value: &Value) -> Value {
    match value {
        Value::Object(m) if m.len() == 1 && m.contains_key("fn::secret") => {
            unwrap(&m["fn::secret"])
        }
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), unwrap(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(unwrap).collect()),
        Value::String(s) => Value::String(s.replace("$$", "$")),
        other => other.clone(),
    }
}

fn check(rendered: &Rendered) -> Value {
    let program = pulumi_program(rendered);
    assert_eq!(program["runtime"], "yaml");
    let resources = program["resources"].as_object().unwrap();
    let mut from_program: Vec<Value> = resources
        .values()
        .map(|r| unwrap(&r["properties"]))
        .collect();
    let mut from_render: Vec<Value> = rendered.objects().map(|o| o.to_json()).collect();
    let key = |v: &Value| format!("{}/{}", v["kind"], v["metadata"]["name"]);
    from_program.sort_by_key(key);
    from_render.sort_by_key(key);
    assert_eq!(from_program, from_render);
    for r in resources.values() {
        let expected_type = match r["properties"]["kind"].as_str().unwrap() {
            "Namespace" => "kubernetes:core/v1:Namespace",
            "Secret" => "kubernetes:core/v1:Secret",
            "ConfigMap" => "kubernetes:core/v1:ConfigMap",
            "Job" => "kubernetes:batch/v1:Job",
            other => panic!("{other}"),
        };
        assert_eq!(r["type"], expected_type);
    }
    assert_eq!(
        program["outputs"],
        json!({"namespace": rendered.outputs.namespace, "job_name": rendered.outputs.job_name})
    );
    program
}

#[test]
fn every_example_deploys_the_rendered_objects() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let program = check(&render(&std::fs::read_to_string(&path).unwrap(), ""));
        insta::assert_snapshot!(
            format!("pulumi-{}", path.file_stem().unwrap().to_string_lossy()),
            planton_manifest::json_to_yaml(&program)
        );
        count += 1;
    }
    assert!(count >= 5);
}

#[test]
fn secrets_are_marked_and_the_namespace_comes_first() {
    let yaml = "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {name: job}\nspec:\n  namespace: {value: ns}\n  createNamespace: true\n  image: {repo: busybox, tag: latest}\n  env: {secrets: {TOKEN: {value: s3cret}}}\n  configMaps: {script: \"echo ${HOME} $$ $1\"}\n";
    let program = check(&render(yaml, r#"{"auths":{}}"#));
    let r = &program["resources"];
    assert_eq!(
        r["secret-job-env-secrets"]["properties"]["stringData"]["TOKEN"],
        json!({"fn::secret": "s3cret"})
    );
    assert_eq!(
        r["secret-job-image-pull-secret"]["properties"]["stringData"][".dockerconfigjson"],
        json!({"fn::secret": r#"{"auths":{}}"#})
    );
    assert!(r["namespace"].get("options").is_none());
    for name in [
        "secret-job-env-secrets",
        "secret-job-image-pull-secret",
        "configmap-script",
    ] {
        assert_eq!(
            r[name]["options"]["dependsOn"],
            json!(["${namespace}"]),
            "{name}"
        );
    }
    assert_eq!(
        r["job"]["options"]["dependsOn"],
        json!([
            "${namespace}",
            "${secret-job-env-secrets}",
            "${secret-job-image-pull-secret}",
            "${configmap-script}"
        ])
    );
    // Pulumi would read ${HOME} as interpolation and $$ as $: every $ is doubled.
    assert_eq!(
        r["configmap-script"]["properties"]["data"]["script"],
        "echo $${HOME} $$$$ $$1"
    );
}
