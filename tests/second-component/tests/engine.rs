//! The second component end to end through the engine's generic pipeline:
//! load, the engine's default option, buf.validate, its own rule, its
//! transform, the report.

use planton_manifest::component::{Engine, Error, Input};
use planton_second_component::WidgetComponent;
use serde_json::json;

fn engine() -> Engine<WidgetComponent> {
    Engine::new(WidgetComponent).unwrap()
}

const HEAD: &str = "apiVersion: example.project-planton.org/v1\nkind: Widget\n";

#[test]
fn a_widget_renders_with_the_engines_default() {
    let text = format!("{HEAD}metadata: {{name: knob}}\nspec: {{color: green}}\n");
    let object = engine()
        .render(Input::Manifest(&text), &Some("tools"))
        .unwrap();
    assert_eq!(
        object,
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "knob-widget", "namespace": "tools"},
            "data": {"color": "green", "replicas": "2"},
        })
    );
    // As a stack input: the same object.
    let stack = "target:\n  apiVersion: example.project-planton.org/v1\n  kind: Widget\n  metadata: {name: knob}\n  spec: {color: green}\nnamespace: tools\n";
    assert_eq!(
        engine().render(Input::StackInput(stack), &None).unwrap(),
        object
    );
}

#[test]
fn its_rule_and_buf_validate_report_with_the_same_paths_in_both_forms() {
    let text = format!("{HEAD}metadata: {{name: knob}}\nspec: {{color: red, replicas: 9}}\n");
    let Err(Error::Invalid(violations, _)) = engine().prepare(Input::Manifest(&text), &None) else {
        panic!("not refused")
    };
    let found: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
    assert_eq!(
        found,
        ["4:30: error: spec.replicas: a red widget has at most 3 replicas [widget.red_replicas]"]
    );
    let stack = format!("target:\n  {}", text.replace('\n', "\n  "));
    let Err(Error::Invalid(from_stack, _)) = engine().prepare(Input::StackInput(&stack), &None)
    else {
        panic!("not refused")
    };
    assert_eq!(from_stack[0].field_path, "spec.replicas");

    let text = format!("{HEAD}metadata: {{name: knob}}\nspec: {{color: purple}}\n");
    let err = engine().render(Input::Manifest(&text), &None).unwrap_err();
    let report = err.report("w.yaml", &text);
    assert!(
        report.starts_with(
            "error[string.in]: must be in list [red, green, blue]\n --> w.yaml:4:15\n"
        ),
        "{report}"
    );
    assert!(report.contains("^^^^^^ spec.color\n"), "{report}");
    assert!(report.ends_with("w.yaml: 1 violation\n\n"), "{report}");
}

#[test]
fn load_errors_are_the_engines() {
    let err = engine()
        .render(
            Input::Manifest("kind: Widget\nspec: {colour: red}\n"),
            &None,
        )
        .unwrap_err();
    assert!(matches!(err, Error::Load(_)), "{err:?}");
    assert!(
        err.report("w.yaml", "").starts_with("error: w.yaml: "),
        "{}",
        err.report("w.yaml", "")
    );
}
