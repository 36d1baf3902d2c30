//! Generators of the hostile inputs (and benign baselines of the same size)
//! shared by the `hostile` bench and the `hostile_load` example.

/// Every class; names starting with `benign-` are the baselines.
pub const CLASSES: &[&str] = &[
    "benign-yaml",
    "benign-json",
    "alias-bytes",
    "alias-depth",
    "backslash-json",
    "backslash-yaml",
    "long-field-name",
    "long-enum-value",
    "repeated-long-key",
    "many-errors",
    "many-enum-errors",
    "huge-integer",
];

/// The input of `class` at about `size` bytes.
pub fn case(class: &str, size: usize) -> Option<String> {
    Some(match class {
        "benign-yaml" => benign_yaml(size),
        "benign-json" => benign_json(size),
        "alias-bytes" => alias_bytes(size),
        "alias-depth" => alias_depth(size),
        "backslash-json" => backslash_json(size),
        "backslash-yaml" => backslash_yaml(size),
        "long-field-name" => long_field_name(size),
        "long-enum-value" => long_enum_value(size),
        "repeated-long-key" => repeated_long_key(size),
        "many-errors" => many_errors(size),
        "many-enum-errors" => many_enum_errors(size),
        "huge-integer" => huge_integer(size),
        _ => return None,
    })
}

const HEAD: &str = "kind: KubernetesJob\nmetadata: {name: bench}\n";

/// A valid manifest: ConfigMaps of script lines.
fn benign_yaml(size: usize) -> String {
    let mut text = format!("{HEAD}spec:\n  configMaps:\n");
    let mut i = 0;
    while text.len() < size {
        text.push_str(&format!(
            "    cm-{i}: \"echo line {i} of a script && exit 0\"\n"
        ));
        i += 1;
    }
    text
}

/// The same manifest in JSON.
fn benign_json(size: usize) -> String {
    let mut text = String::from(
        "{\n\t\"kind\": \"KubernetesJob\",\n\t\"metadata\": {\"name\": \"bench\"},\n\t\"spec\": {\"configMaps\": {\n",
    );
    let mut i = 0;
    while text.len() < size {
        text.push_str(&format!(
            "\t\t\"cm-{i}\": \"echo line {i} of a script \\ud83d\\ude00 && exit 0\",\n"
        ));
        i += 1;
    }
    text.push_str("\t\t\"last\": \"x\"\n\t}}\n}\n");
    text
}

/// An anchor on a scalar of `size` bytes, aliased 2,000 times.
fn alias_bytes(size: usize) -> String {
    format!(
        "{HEAD}a: &a {}\nb: [{}]\n",
        "x".repeat(size),
        vec!["*a"; 2000].join(", ")
    )
}

/// 150 anchors, each a list holding the previous one (150 levels once
/// expanded), after a comment that brings the text to `size` bytes.
fn alias_depth(size: usize) -> String {
    let mut text = format!("{HEAD}# {}\na0: &a0 [x]\n", "c".repeat(size));
    for k in 1..150 {
        text.push_str(&format!("a{k}: &a{k} [*a{}]\n", k - 1));
    }
    text
}

/// A JSON string of backslashes (escaped: each pair is one backslash).
fn backslash_json(size: usize) -> String {
    format!(
        "{{\"kind\": \"KubernetesJob\", \"metadata\": {{\"name\": \"{}\\u00e9\"}}}}\n",
        "\\".repeat(size / 2 * 2)
    )
}

/// A YAML block scalar of backslashes, ending with a JSON-looking escape.
fn backslash_yaml(size: usize) -> String {
    format!(
        "{HEAD}spec:\n  configMaps:\n    script: |\n      {}\\ud83d\\ude00\n",
        "\\".repeat(size)
    )
}

/// An unknown field whose name is `size` bytes.
fn long_field_name(size: usize) -> String {
    format!(
        "{HEAD}spec:\n  ? {}\n  : 1\n",
        "backoffLimit".repeat(size / 12)
    )
}

/// A value of a 100-value enum (CloudResourceKind) of `size` bytes.
fn long_enum_value(size: usize) -> String {
    format!(
        "{HEAD}spec:\n  env:\n    variables:\n      A:\n        valueFrom: {{name: x, kind: {}}}\n",
        "KubernetesJob".repeat(size / 13)
    )
}

/// A map key of `size` bytes above 150 unknown fields.
fn repeated_long_key(size: usize) -> String {
    let mut text = format!(
        "{HEAD}spec:\n  env:\n    variables:\n      ? {}\n      :\n",
        "K".repeat(size)
    );
    for i in 0..150 {
        text.push_str(&format!("        f{i}: 1\n"));
    }
    text
}

/// Unknown fields until `size` bytes: one error each.
fn many_errors(size: usize) -> String {
    let mut text = format!("{HEAD}spec:\n");
    let mut i = 0;
    while text.len() < size {
        text.push_str(&format!("  unknown{i}: 1\n"));
        i += 1;
    }
    text
}

/// Variables whose reference names an unknown kind, until `size` bytes: a
/// "did you mean" candidate each.
fn many_enum_errors(size: usize) -> String {
    let mut text = format!("{HEAD}spec:\n  env:\n    variables:\n");
    let mut i = 0;
    while text.len() < size {
        text.push_str(&format!(
            "      V{i}: {{valueFrom: {{name: x, kind: KubernetesJobb{i}}}}}\n"
        ));
        i += 1;
    }
    text
}

/// An integer of `size` digits.
fn huge_integer(size: usize) -> String {
    format!("{HEAD}spec: {{backoffLimit: 1{}}}\n", "0".repeat(size))
}
