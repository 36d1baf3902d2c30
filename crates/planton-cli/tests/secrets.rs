//! Distinctive literal secret values must never appear in an error, a
//! violation report or a log line, for valid and invalid manifests alike.

mod common;

fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let r = common::planton(args, Some(stdin.as_bytes()));
    (r.code, r.stdout, r.stderr)
}

/// Manifests carrying the secret `S` in various places, valid and not.
fn corpus(s: &str) -> Vec<String> {
    let head = "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {name: job}\nspec:\n  namespace: {value: ns}\n  image: {repo: busybox, tag: latest}\n";
    vec![
        // Valid.
        format!("{head}  env:\n    secrets:\n      TOKEN: {{value: \"{s}\"}}\n"),
        // A violation on the line of the secret (the key is not a valid name).
        format!("{head}  env:\n    secrets: {{\"BAD NAME\": {{value: \"{s}\"}}}}\n"),
        // Violations elsewhere.
        format!(
            "{head}  restartPolicy: Always\n  env:\n    secrets:\n      TOKEN: {{value: {s}}}\n"
        ),
        // A block scalar secret next to a violation.
        format!(
            "{head}  env:\n    variables: {{HOSTNAME: {{value: x}}}}\n    secrets:\n      KEY:\n        value: |\n          {s}\n          {s}-line2\n"
        ),
        // The secret where a message is expected (a type error).
        format!("{head}  env:\n    secrets:\n      TOKEN: {s}\n"),
        // The secret in a list where a string is expected.
        format!("{head}  env:\n    secrets:\n      TOKEN: {{value: [\"{s}\"]}}\n"),
        // Both members of the oneof.
        format!(
            "{head}  env:\n    secrets:\n      TOKEN: {{value: \"{s}\", secretRef: {{name: a, key: b}}}}\n"
        ),
        // An unknown field next to the secret.
        format!("{head}  env:\n    secrets:\n      TOKEN: {{value: \"{s}\", valu: \"{s}\"}}\n"),
        // A YAML syntax error after the secret.
        format!("{head}  env:\n    secrets:\n      TOKEN: {{value: \"{s}\"\n  command: [\n"),
        // A secret that YAML 1.1 reads as a number.
        "SECRET-AS-NUMBER".to_owned(),
    ]
}

#[test]
fn no_secret_in_errors_reports_or_logs() {
    let secrets = ["Zx9-Q7w-Unique-Secret-1", "0777123456789"];
    let mut checked = 0;
    for secret in secrets {
        for (i, manifest) in corpus(secret).into_iter().enumerate() {
            let manifest = if manifest == "SECRET-AS-NUMBER" {
                format!(
                    "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {{name: job}}\nspec:\n  namespace: {{value: ns}}\n  env: {{secrets: {{TOKEN: {{value: {secret}}}}}}}\n"
                )
            } else {
                manifest
            };
            for args in [
                &["validate", "-"][..],
                &["validate", "-o", "json", "-"],
                &["render", "-"],
                &["render", "-o", "json", "-"],
                &["tf", "vars", "-"],
                &["pulumi", "program", "-"],
                &["outputs", "-"],
            ] {
                let (code, stdout, stderr) = run(args, &manifest);
                assert!(
                    !stderr.contains(secret),
                    "case {i} {args:?}: secret on stderr:\n{stderr}"
                );
                // Successful renders put the secret where it belongs (the env
                // Secret, the tfvars, the program); reports never do.
                if code != 0 || args[0] == "validate" || args[0] == "outputs" {
                    assert!(
                        !stdout.contains(secret),
                        "case {i} {args:?} (exit {code}): secret on stdout:\n{stdout}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * 10 * 7);
}
