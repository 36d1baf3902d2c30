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
        // Load errors that the report quotes the line of (the rest of the
        // file loads): a misspelt field holding secrets, on one line with a
        // violation; a secret under an unknown field; a secret entry under a
        // key that YAML 1.1 reads as a boolean; a secret where a map goes.
        format!(
            "{head}  restartPolicy: Always\n  env: {{secretz: {{TOKEN: {{value: \"{s}\"}}}}, bad: 1}}\n"
        ),
        format!(
            "{head}  env:\n    secrets: {{TOKEN: {{valu: {s}, value: x}}, yes: {{value: {s}}}}}\n"
        ),
        format!("{head}  env: {{secrets: {s}, variables: {{A: {{value: 1.10}}}}}}\n"),
        format!("{head}  env: {{secrets: {{A: [{s}], B: {{value: {{v: {s}}}}}}}}}\n"),
    ]
}

/// Every command and output mode that reads a manifest from standard input.
const COMMANDS: &[&[&str]] = &[
    &["load", "-"],
    &["load", "-o", "json", "-"],
    &["load", "--no-defaults", "-"],
    &["validate", "-"],
    &["validate", "-o", "json", "-"],
    &["validate", "-o", "sarif", "-"],
    &["validate", "-o", "junit", "-"],
    &["validate", "-o", "github", "-"],
    &["render", "-"],
    &["render", "-o", "json", "-"],
    &["tf", "vars", "-"],
    &["pulumi", "program", "-"],
    &["outputs", "-"],
];

/// Where a successful run may print the secret: the manifest itself
/// (`load`), the rendered Secret, the tfvars and the Pulumi program.
fn may_print_secrets(args: &[&str]) -> bool {
    matches!(args[0], "load" | "render" | "tf" | "pulumi")
}

/// The manifest with its line breaks written as `newline`.
fn with_breaks(manifest: &str, newline: &str) -> String {
    manifest.replace('\n', newline)
}

/// Checks one run: the secret never on standard error, and on standard
/// output only where a successful run puts it.
fn assert_no_leak(what: &str, args: &[&str], secret: &str, code: i32, stdout: &str, stderr: &str) {
    assert!(
        !stderr.contains(secret),
        "{what} {args:?}: secret on stderr:\n{stderr}"
    );
    if code != 0 || !may_print_secrets(args) {
        assert!(
            !stdout.contains(secret),
            "{what} {args:?} (exit {code}): secret on stdout:\n{stdout}"
        );
    }
}

#[test]
fn no_secret_in_errors_reports_or_logs() {
    let secrets = ["Zx9-Q7w-Unique-Secret-1", "0777123456789"];
    let checked = std::sync::atomic::AtomicUsize::new(0);
    // One thread per line-break style: a thousand short runs.
    std::thread::scope(|scope| {
        for newline in ["\n", "\r\n", "\r", "\u{2028}", "\u{85}"] {
            let checked = &checked;
            scope.spawn(move || {
                for secret in secrets {
                    for (i, manifest) in corpus(secret).into_iter().enumerate() {
                        let manifest = if manifest == "SECRET-AS-NUMBER" {
                            format!(
                                "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {{name: job}}\nspec:\n  namespace: {{value: ns}}\n  env: {{secrets: {{TOKEN: {{value: {secret}}}}}}}\n"
                            )
                        } else {
                            manifest
                        };
                        // As written, and with the line breaks YAML readers
                        // differ on: a report that split lines otherwise than
                        // the parser would show the whole file, secrets
                        // included, as one line.
                        let manifest = with_breaks(&manifest, newline);
                        for args in COMMANDS {
                            let (code, stdout, stderr) = run(args, &manifest);
                            let what = format!("case {i} newline {newline:?}");
                            assert_no_leak(&what, args, secret, code, &stdout, &stderr);
                            checked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                }
            });
        }
    });
    let checked = checked.into_inner();
    assert_eq!(checked, 2 * 14 * 5 * COMMANDS.len());
}

/// One-line JSON manifests with secrets after UTF-16 surrogate pairs (which
/// the loader reads through a shorter YAML escape) and next to violations:
/// the masks must still cover every secret, all of it.
#[test]
fn secrets_after_surrogate_pairs_on_one_line() {
    let secret = "Kq3-After-Pairs-Secret";
    let emoji = r"\ud83d\ude00";
    let manifests = [
        format!(
            r#"{{"apiVersion":"kubernetes.project-planton.org/v1","kind":"KubernetesJob","metadata":{{"name":"job"}},"spec":{{"namespace":{{"value":"ns"}},"restartPolicy":"Always","env":{{"secrets":{{"A":{{"value":"{emoji}{emoji}{emoji}"}},"BAD NAME":{{"value":"{secret}"}},"C":{{"value":"{emoji}{secret}{emoji}"}}}}}}}}}}"#
        ),
        format!(
            r#"{{"kind":"KubernetesJob","metadata":{{"name":"{emoji}{emoji}"}},"spec":{{"env":{{"secrets":{{"A B":{{"value":"{secret}"}}}}}},"image":{{"repo":"{emoji}"}}}}}}"#
        ),
    ];
    for manifest in &manifests {
        for args in COMMANDS {
            let (code, stdout, stderr) = run(args, manifest);
            assert_no_leak("surrogate pairs", args, secret, code, &stdout, &stderr);
            // No part of it either: its tail is what a shifted mask shows.
            // (A message may name the env Secret object itself.)
            let tail = |text: &str| text.replace("in the Secret '", "").contains("Secret");
            assert!(!tail(&stderr), "{args:?}:\n{stderr}");
            if args[0] == "validate" && args.len() == 2 {
                assert_eq!(code, 1, "{stderr}");
                assert!(!tail(&stdout), "{args:?}:\n{stdout}");
                assert!(stdout.contains("***"), "{stdout}");
            }
        }
    }
}

/// `render --out-dir`: the report (standard output, standard error) never
/// holds a secret; the rendered files hold it only in the env Secret.
#[test]
fn render_into_a_directory_reports_no_secret() {
    let secret = "Dir-Mode-Secret-42";
    let dir = std::env::temp_dir().join(format!("planton-secrets-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("in")).unwrap();
    for (i, manifest) in corpus(secret).into_iter().enumerate() {
        if manifest == "SECRET-AS-NUMBER" {
            continue;
        }
        for (j, newline) in ["\n", "\r\n", "\r"].into_iter().enumerate() {
            std::fs::write(
                dir.join(format!("in/m{i}-{j}.yaml")),
                with_breaks(&manifest, newline),
            )
            .unwrap();
        }
    }
    let out = dir.join("out");
    for format in ["yaml", "json"] {
        let r = common::planton(
            &[
                "render",
                dir.join("in").to_str().unwrap(),
                "--out-dir",
                out.to_str().unwrap(),
                "-o",
                format,
            ],
            None,
        );
        assert_ne!(r.code, 0, "{}", r.stderr);
        assert!(!r.stdout.contains(secret), "{}", r.stdout);
        assert!(!r.stderr.contains(secret), "{}", r.stderr);
        assert!(r.stderr.contains("error["), "{}", r.stderr);
    }
    let rendered = std::fs::read_to_string(out.join("m0-1.yaml")).unwrap();
    assert!(rendered.contains("kind: Secret"), "{rendered}");
    std::fs::remove_dir_all(&dir).unwrap();
}
