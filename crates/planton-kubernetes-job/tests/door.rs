//! The front door: `JobValidator::prepare` and `JobValidator::render`, from
//! text and side inputs to objects, with one error type.

use planton_kubernetes_job::{
    Error, Input, JobValidator, MapResolver, Reference, ReferenceResolver, ResolverError, Severity,
    SideInputs,
};

const HEAD: &str = "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\n";

fn validator() -> JobValidator {
    JobValidator::new().unwrap()
}

/// A manifest with `metadata` and extra spec lines.
fn manifest(metadata: &str, spec: &str) -> String {
    format!("{HEAD}metadata: {metadata}\nspec:\n  image: {{repo: busybox, tag: \"1.36\"}}\n{spec}")
}

/// The same KubernetesJob as a stack input (`target:` indented under it).
fn stack_input(manifest: &str, extra: &str) -> String {
    let mut text = String::from("target:\n");
    for line in manifest.lines() {
        text.push_str("  ");
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(extra);
    text
}

fn paths(err: &Error) -> Vec<(String, String)> {
    err.violations()
        .unwrap_or_else(|| panic!("not violations: {err}"))
        .iter()
        .map(|v| (v.field_path.clone(), v.rule_id.clone()))
        .collect()
}

#[test]
fn violation_paths_are_the_same_whichever_input_form() {
    let v = validator();
    let text = manifest(
        "{name: Bad_Name}",
        "  namespace: {value: batch}\n  restartPolicy: Always\n  env: {secrets: {A: {secretRef: {name: s, key: k, namespace: other}}}}\n",
    );
    let mut side = SideInputs::new();
    side.namespace("Not A Namespace");
    let from_manifest = v.prepare(Input::Manifest(&text), &side).unwrap_err();
    let stack = stack_input(&text, "kubernetes_namespace: Not A Namespace\n");
    let from_stack = v
        .prepare(Input::StackInput(&stack), &SideInputs::new())
        .unwrap_err();
    let expected = [
        ("kubernetes_namespace", "kubernetes.dns1123_label"),
        ("metadata.name", "kubernetes.dns1123_label"),
        (
            "spec.env.secrets[\"A\"].secret_ref.namespace",
            "kubernetes.secret_ref_namespace",
        ),
        ("spec.restart_policy", "string.in"),
    ];
    let mut got = paths(&from_manifest);
    got.sort();
    assert_eq!(
        got,
        expected.map(|(p, r)| (p.to_owned(), r.to_owned())),
        "{from_manifest:?}"
    );
    let mut got_stack = paths(&from_stack);
    got_stack.sort();
    assert_eq!(got_stack, got);
    // Located in each text: the stack input's lines are those of the
    // manifest, indented by two and one further down.
    let located = |e: &Error, path: &str| {
        let v = e.violations().unwrap();
        let v = v.iter().find(|v| v.field_path == path).unwrap();
        (v.location.unwrap(), v.span.unwrap())
    };
    let (m, m_span) = located(&from_manifest, "metadata.name");
    let (s, s_span) = located(&from_stack, "metadata.name");
    assert_eq!((m.line, m.column), (3, 18));
    assert_eq!((s.line, s.column), (4, 20));
    // A side input's violation has no place in a manifest's text; in a stack
    // input, it is where the field is written.
    assert_eq!(
        from_manifest.violations().unwrap().last().unwrap().location,
        None
    );
    let (ns, _) = located(&from_stack, "kubernetes_namespace");
    assert_eq!((ns.line, ns.column), (10, 23));
    assert_eq!(m_span.end.column - m_span.start.column, 8);
    assert_eq!(s_span.end.column - s_span.start.column, 8);
}

#[test]
fn the_side_inputs_reach_the_objects() {
    let v = validator();
    let text = manifest("{name: job}", "  namespace: {value: other}\n");
    let config = r#"{"auths": {"registry.example": {"auth": "aHVudGVyMg=="}}}"#;
    let mut side = SideInputs::new();
    side.namespace("batch").docker_config_json(config);
    let out = v.render(Input::Manifest(&text), &side).unwrap();
    assert_eq!(out.rendered.outputs.namespace, "batch");
    assert_eq!(
        out.rendered.job.metadata.namespace.as_deref(),
        Some("batch")
    );
    let pull = out.rendered.image_pull_secret.as_ref().unwrap();
    assert_eq!(pull.metadata.name.as_deref(), Some("job-image-pull-secret"));
    assert_eq!(out.validated.input().kubernetes_namespace, "batch");
    assert_eq!(out.validated.input().docker_config_json, config);
    // Without the side input, the manifest's namespace.
    let out = v
        .render(Input::Manifest(&text), &SideInputs::new())
        .unwrap();
    assert_eq!(out.rendered.outputs.namespace, "other");
    assert!(out.rendered.image_pull_secret.is_none());
}

#[test]
fn a_bad_docker_config_is_reported_without_its_value() {
    let v = validator();
    let text = manifest("{name: job}", "  namespace: {value: batch}\n");
    let mut side = SideInputs::new();
    side.docker_config_json("[\"hunter2\"]");
    let err = v.render(Input::Manifest(&text), &side).unwrap_err();
    assert_eq!(
        paths(&err),
        [(
            "docker_config_json".to_owned(),
            "kubernetes.docker_config_json".to_owned()
        )]
    );
    let report = err.report("job.yaml", &text);
    assert!(report.contains("docker_config_json"), "{report}");
    assert!(!report.contains("hunter2"), "{report}");
    assert!(!format!("{err:?} {side:?}").contains("hunter2"));
}

#[test]
fn references_are_resolved_or_refused() {
    let v = validator();
    let text = manifest(
        "{name: job}",
        "  namespace: {valueFrom: {name: ns}}\n  env: {variables: {DB: {valueFrom: {kind: KubernetesPostgres, name: pg, fieldPath: status.outputs.host}}}}\n",
    );
    let mut resolver = MapResolver::new();
    resolver.insert("KubernetesNamespace/ns", "spec.name", "batch");
    let mut side = SideInputs::new();
    side.resolver(&resolver);
    let err = v.render(Input::Manifest(&text), &side).unwrap_err();
    assert!(matches!(err, Error::Unresolved(_)), "{err:?}");
    assert!(
        err.to_string().contains("spec.env.variables[\"DB\"]"),
        "{err}"
    );
    resolver.insert("KubernetesPostgres/pg", "status.outputs.host", "pg.db.svc");
    let mut side = SideInputs::new();
    side.resolver(&resolver);
    let out = v.render(Input::Manifest(&text), &side).unwrap();
    assert_eq!(out.rendered.outputs.namespace, "batch");
    assert!(out.rendered.to_yaml().contains("value: pg.db.svc"));

    struct Down;
    impl ReferenceResolver for Down {
        fn resolve(&self, _: &Reference<'_>) -> Result<Option<String>, ResolverError> {
            Err(ResolverError::new("backend unavailable"))
        }
    }
    let mut side = SideInputs::new();
    side.resolver(&Down);
    let err = v.render(Input::Manifest(&text), &side).unwrap_err();
    assert!(matches!(err, Error::Resolve(_)), "{err:?}");
    assert_eq!(
        err.message("job.yaml"),
        "job.yaml: spec.namespace: cannot resolve the reference to KubernetesNamespace/ns spec.name: backend unavailable"
    );
}

#[test]
fn warnings_pass_unless_strict() {
    let v = validator();
    let text = manifest("{name: report.v1}", "  namespace: {value: batch}\n");
    let out = v
        .render(Input::Manifest(&text), &SideInputs::new())
        .unwrap();
    let warnings = out.validated.warnings();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].field_path, "metadata.name");
    assert_eq!(warnings[0].severity, Severity::Warning);
    let report = out.validated.warnings_report("job.yaml", &text);
    assert!(
        report.starts_with("warning[kubernetes.dns1123_label]"),
        "{report}"
    );
    let mut side = SideInputs::new();
    side.strict(true);
    let err = v.render(Input::Manifest(&text), &side).unwrap_err();
    let found = err.violations().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, Severity::Error);
}

#[test]
fn load_errors_stop_the_door() {
    let v = validator();
    let err = v
        .render(
            Input::Manifest("kind: KubernetesJob\nbogus: 1\n"),
            &SideInputs::new(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::Load(_)), "{err:?}");
    let err = v
        .render(Input::StackInput("target: [1]\n"), &SideInputs::new())
        .unwrap_err();
    assert!(matches!(err, Error::Load(_)), "{err:?}");
    assert!(err.report("x.yaml", "").starts_with("error: x.yaml: "));
    // One error type for all of it, usable with `?` and `Box<dyn Error>`.
    fn is_error<E: std::error::Error + Send + Sync + 'static>(_: &E) {}
    is_error(&err);
}

#[test]
fn the_door_renders_every_example_as_the_typed_route_does() {
    let v = validator();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let out = v
            .render(Input::Manifest(&text), &SideInputs::new())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc = v.load(&text).unwrap();
        let typed = planton_api::KubernetesJobStackInput {
            target: Some(doc.to_typed().unwrap()),
            ..Default::default()
        };
        let validated = v.validate_input(typed, None).unwrap();
        let expected = planton_kubernetes_job::transform(&validated).unwrap();
        assert_eq!(
            out.rendered.to_yaml(),
            expected.to_yaml(),
            "{}",
            path.display()
        );
        seen += 1;
    }
    assert!(seen >= 5);
}

#[test]
fn the_engines_generic_pipeline_runs_kubernetes_job_as_the_door_does() {
    use planton_manifest::component::{Engine, Error as EngineError};
    let engine = Engine::new(validator()).unwrap();
    let v = validator();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut side = SideInputs::new();
    side.namespace("batch");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let generic = engine.render(Input::Manifest(&text), &side).unwrap();
        let door = v.render(Input::Manifest(&text), &side).unwrap();
        assert_eq!(
            generic.to_yaml(),
            door.rendered.to_yaml(),
            "{}",
            path.display()
        );
    }
    let text = manifest(
        "{name: Bad_Name}",
        "  namespace: {value: batch}\n  restartPolicy: Always\n  env: {secrets: {A: {value: hunter2}}}\n",
    );
    let Err(EngineError::Invalid(generic, masked)) =
        engine.prepare(Input::Manifest(&text), &SideInputs::new())
    else {
        panic!("not refused")
    };
    let door = v
        .prepare(Input::Manifest(&text), &SideInputs::new())
        .unwrap_err();
    assert_eq!(generic, door.violations().unwrap());
    let Error::Invalid(rejected) = &door else {
        panic!()
    };
    assert_eq!(masked, rejected.masked_spans());
    assert!(!masked.is_empty());
}
