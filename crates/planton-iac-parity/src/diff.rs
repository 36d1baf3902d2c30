//! Precise differences between JSON values and between sets of Kubernetes
//! objects.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::value::drop_nulls;

/// Every difference between `expected` (render) and `actual` (Terraform),
/// one line each, naming the JSON path: `.spec.template.spec.containers[0]
/// .env[2].name: render "A", terraform "B"`.
pub fn diff_values(expected: &Json, actual: &Json) -> Vec<String> {
    let mut out = Vec::new();
    diff_at("", expected, actual, &mut out);
    out
}

fn diff_at(path: &str, expected: &Json, actual: &Json, out: &mut Vec<String>) {
    match (expected, actual) {
        (Json::Object(e), Json::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{path}{}", key_segment(k));
                match a.get(k) {
                    Some(av) => diff_at(&p, ev, av, out),
                    None => out.push(format!("{p}: only in render: {ev}")),
                }
            }
            for (k, av) in a {
                if !e.contains_key(k) {
                    out.push(format!("{path}{}: only in terraform: {av}", key_segment(k)));
                }
            }
        }
        (Json::Array(e), Json::Array(a)) => {
            if e.len() != a.len() {
                out.push(format!(
                    "{}: render has {} elements, terraform {}",
                    display(path),
                    e.len(),
                    a.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                diff_at(&format!("{path}[{i}]"), ev, av, out);
            }
            for (i, ev) in e.iter().enumerate().skip(a.len()) {
                out.push(format!("{path}[{i}]: only in render: {ev}"));
            }
            for (i, av) in a.iter().enumerate().skip(e.len()) {
                out.push(format!("{path}[{i}]: only in terraform: {av}"));
            }
        }
        (e, a) if e == a => {}
        (e, a) => out.push(format!("{}: render {e}, terraform {a}", display(path))),
    }
}

fn display(path: &str) -> &str {
    if path.is_empty() { "(root)" } else { path }
}

fn key_segment(key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        format!(".{key}")
    } else {
        format!("[{}]", Json::String(key.to_owned()))
    }
}

/// `Kind/name` of an object.
pub fn object_key(object: &Json) -> String {
    format!(
        "{}/{}",
        object["kind"].as_str().unwrap_or("?"),
        object["metadata"]["name"].as_str().unwrap_or("?")
    )
}

/// Compares two sets of Kubernetes objects keyed by `Kind/name`, after
/// dropping nulls: objects only on one side, objects appearing twice, and
/// every difference inside objects on both sides.
pub fn diff_objects(rendered: &[Json], terraform: &[Json]) -> Vec<String> {
    let mut out = Vec::new();
    let index = |objects: &[Json], side: &str, out: &mut Vec<String>| {
        let mut map = BTreeMap::new();
        for o in objects {
            let mut o = o.clone();
            drop_nulls(&mut o);
            let key = object_key(&o);
            if map.insert(key.clone(), o).is_some() {
                out.push(format!("{key}: appears twice in {side}"));
            }
        }
        map
    };
    let expected = index(rendered, "render", &mut out);
    let actual = index(terraform, "terraform", &mut out);
    for (key, e) in &expected {
        match actual.get(key) {
            Some(a) => out.extend(diff_values(e, a).into_iter().map(|d| format!("{key}: {d}"))),
            None => out.push(format!(
                "{key}: rendered, but the module does not create it"
            )),
        }
    }
    for key in actual.keys() {
        if !expected.contains_key(key) {
            out.push(format!("{key}: created by the module, but not rendered"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn differences_are_located() {
        let e = json!({"a": {"b/c": [1, 2]}, "x": "y", "n": null});
        let a = json!({"a": {"b/c": [1, 3, 4]}, "z": true});
        assert_eq!(
            diff_values(&e, &a),
            [
                r#".a["b/c"]: render has 2 elements, terraform 3"#,
                r#".a["b/c"][1]: render 2, terraform 3"#,
                r#".a["b/c"][2]: only in terraform: 4"#,
                r#".n: only in render: null"#,
                r#".x: only in render: "y""#,
                r#".z: only in terraform: true"#,
            ]
        );
    }

    #[test]
    fn objects_are_a_set_without_nulls() {
        let ns = json!({"kind": "Namespace", "metadata": {"name": "a"}});
        let cm = json!({"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}});
        let cm_null = json!({"kind": "ConfigMap", "metadata": {"name": "c", "labels": null}, "data": {"k": "v"}});
        assert!(diff_objects(&[ns.clone(), cm.clone()], &[cm_null, ns.clone()]).is_empty());
        assert_eq!(
            diff_objects(&[ns], &[cm]),
            [
                "Namespace/a: rendered, but the module does not create it",
                "ConfigMap/c: created by the module, but not rendered",
            ]
        );
    }
}
