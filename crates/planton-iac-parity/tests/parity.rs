//! The Terraform module in `iac/tf` creates exactly the objects `planton
//! render` renders, for every example and test case: the module's
//! expressions are evaluated (by this crate, and its locals also by real
//! `terraform`), its resources turned into Kubernetes objects and compared
//! with the rendered ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use planton_api::{KubernetesJob, KubernetesJobStackInput};
use planton_iac_parity::{Module, diff_objects, diff_values};
use planton_kubernetes_job::{
    InvalidInput, JobValidator, MapResolver, resolve_references, terraform_vars, transform,
};
use serde_json::{Value as Json, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tf_dir() -> PathBuf {
    root().join("iac/tf")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "yaml")
                && !p.to_string_lossy().ends_with(".resolve.yaml")
        })
        .collect();
    files.sort();
    files
}

/// One input: its tfvars and what `planton render` makes of it.
struct Case {
    name: String,
    tfvars: Json,
    objects: Vec<Json>,
    outputs: BTreeMap<String, Json>,
}

/// A resolver from a YAML map `KIND/[ENV/]NAME: {FIELD_PATH: VALUE}`, as the
/// CLI's `--resolve`.
fn resolver(text: &str) -> MapResolver {
    let mut resolver = MapResolver::new();
    let Json::Object(resources) = planton_manifest::yaml_to_json(text).unwrap() else {
        panic!("a resolve file is a mapping");
    };
    for (resource, fields) in resources {
        for (field, value) in fields.as_object().expect("a mapping of field paths") {
            let value = match value {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            resolver.insert(resource.clone(), field.clone(), value);
        }
    }
    resolver
}

/// As `planton render` / `planton tf vars`: a manifest or a stack input
/// (one with a top-level `target`), with a docker config and references
/// resolved when given.
fn case(
    validator: &JobValidator,
    path: &Path,
    docker_config: Option<&Path>,
    resolve: Option<&Path>,
) -> Case {
    let name = path
        .strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string();
    let text = read(path);
    let stack = planton_manifest::yaml_to_json(&text)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .get("target")
        .is_some();
    let mut input: KubernetesJobStackInput = if stack {
        let doc = validator
            .load_stack_input(&text)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        doc.to_typed().unwrap_or_else(|e| panic!("{name}: {e}"))
    } else {
        let doc = validator
            .load(&text)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        KubernetesJobStackInput {
            target: Some(
                doc.to_typed::<KubernetesJob>()
                    .unwrap_or_else(|e| panic!("{name}: {e}")),
            ),
            ..Default::default()
        }
    };
    if let Some(path) = docker_config {
        input.docker_config_json = read(path);
    }
    if let Some(path) = resolve {
        resolve_references(&mut input, &resolver(&read(path)))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let validated = validator
        .validate_input(input, None)
        .unwrap_or_else(|e| match e {
            InvalidInput::Violations(v) => panic!("{name}: violations: {v:#?}"),
            other => panic!("{name}: {other}"),
        });
    let rendered = transform(&validated).unwrap_or_else(|e| panic!("{name}: {e}"));
    Case {
        name,
        tfvars: terraform_vars(&validated),
        objects: rendered.objects().map(|o| o.to_json()).collect(),
        outputs: BTreeMap::from([
            ("namespace".to_owned(), json!(rendered.outputs.namespace)),
            ("job_name".to_owned(), json!(rendered.outputs.job_name)),
        ]),
    }
}

/// Every example, the render test data with its side inputs, and every
/// `tests/data/tf` case.
fn cases() -> Vec<Case> {
    let validator = JobValidator::new().unwrap();
    let render = root().join("tests/data/render");
    let mut out: Vec<Case> = yaml_files(&root().join("examples"))
        .iter()
        .map(|p| case(&validator, p, None, None))
        .collect();
    out.push(case(
        &validator,
        &render.join("everything.yaml"),
        Some(&render.join("docker-config.json")),
        None,
    ));
    out.push(case(
        &validator,
        &render.join("stack-input.yaml"),
        None,
        Some(&render.join("resolve.yaml")),
    ));
    for path in yaml_files(&root().join("tests/data/tf")) {
        let resolve = path.with_extension("resolve.yaml");
        let resolve = resolve.exists().then_some(resolve);
        out.push(case(&validator, &path, None, resolve.as_deref()));
    }
    out
}

fn module() -> Module {
    Module::load_dir(&tf_dir()).unwrap_or_else(|e| panic!("iac/tf: {e}"))
}

/// The differences between what `module` creates for `case` and what
/// `planton render` renders; an evaluation error is one difference.
fn differences(module: &Module, case: &Case) -> Vec<String> {
    let evaluation = match module.evaluate(&case.tfvars) {
        Ok(e) => e,
        Err(e) => return vec![format!("the module does not evaluate: {e}")],
    };
    let mut out = Vec::new();
    // The tfvars carry every attribute with its final value: the conversion
    // to the variables' types must change nothing.
    for (name, given) in case.tfvars.as_object().unwrap() {
        let converted = &evaluation.variables[name];
        out.extend(
            diff_values(given, converted)
                .into_iter()
                .map(|d| format!("var.{name} (tfvars vs. after type conversion){d}")),
        );
    }
    match evaluation.kubernetes_objects() {
        Ok(objects) => out.extend(diff_objects(&case.objects, &objects)),
        Err(e) => out.push(e.to_string()),
    }
    let outputs = Json::Object(evaluation.outputs.clone().into_iter().collect());
    let expected = Json::Object(case.outputs.clone().into_iter().collect());
    out.extend(
        diff_values(&expected, &outputs)
            .into_iter()
            .map(|d| format!("outputs{d}")),
    );
    out
}

#[test]
fn the_module_creates_exactly_the_rendered_objects() {
    let module = module();
    let cases = cases();
    let examples = yaml_files(&root().join("examples")).len();
    let tf_cases = yaml_files(&root().join("tests/data/tf")).len();
    assert!(examples >= 5 && tf_cases >= 3, "the cases were not found");
    assert_eq!(cases.len(), examples + 2 + tf_cases);
    let mut report = String::new();
    for case in &cases {
        let diffs = differences(&module, case);
        if !diffs.is_empty() {
            report.push_str(&format!("\n{}:\n  {}\n", case.name, diffs.join("\n  ")));
        }
    }
    assert!(
        report.is_empty(),
        "iac/tf differs from `planton render` (left: render, right: terraform):{report}"
    );
}

#[test]
fn every_kind_of_object_is_compared() {
    // The cases exercise every resource of the module, with and without its
    // optional objects.
    let module = module();
    let mut seen = BTreeMap::<String, usize>::new();
    for case in cases() {
        let evaluation = module.evaluate(&case.tfvars).unwrap();
        for r in &evaluation.resources {
            *seen
                .entry(format!("{}.{}", r.resource_type, r.name))
                .or_default() += 1;
        }
    }
    for address in module.resource_addresses() {
        assert!(seen.contains_key(&address), "no case creates {address}");
    }
}

#[test]
fn variables_tf_is_the_generated_one() {
    let committed = read(&tf_dir().join("variables.tf"));
    assert!(
        committed == planton_kubernetes_job::terraform_variables(),
        "iac/tf/variables.tf is stale: regenerate it with `cargo build -p planton-cli && target/debug/planton tf variables > iac/tf/variables.tf`"
    );
}

#[test]
fn the_module_layout_and_provider() {
    for file in [
        "provider.tf",
        "variables.tf",
        "locals.tf",
        "main.tf",
        "secret.tf",
        "configmap.tf",
        "job.tf",
        "outputs.tf",
        "README.md",
    ] {
        assert!(tf_dir().join(file).is_file(), "iac/tf/{file} is missing");
    }
    let module = module();
    assert_eq!(
        module.required_providers().unwrap(),
        BTreeMap::from([(
            "kubernetes".to_owned(),
            json!({"source": "hashicorp/kubernetes", "version": "~> 2.35"})
        )])
    );
    assert_eq!(
        module.resource_addresses(),
        [
            "kubernetes_config_map_v1.this",
            "kubernetes_manifest.job",
            "kubernetes_namespace_v1.this",
            "kubernetes_secret_v1.env_secrets",
            "kubernetes_secret_v1.image_pull_secret",
        ]
    );
}

/// The Terraform CLI: `scripts/terraform` picks `$TERRAFORM` or a terraform
/// >= 1.5 on PATH, and otherwise builds one from the Go module proxy (cached
/// under the home directory), so this test needs no preinstalled Terraform.
fn terraform() -> PathBuf {
    let script = root().join("scripts/terraform");
    let out = Command::new(&script)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "no terraform for the iac/tf tests: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// Runs terraform offline (no version check) with an empty CLI
/// configuration (no plugin cache or credentials from the machine).
fn run_terraform(bin: &Path, dir: &Path, args: &[&str]) -> String {
    let config = Path::new(env!("CARGO_TARGET_TMPDIR")).join("empty.terraformrc");
    std::fs::write(&config, "").unwrap();
    let out = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_CLI_CONFIG_FILE", &config)
        .output()
        .unwrap_or_else(|e| panic!("terraform {args:?}: {e}"));
    assert!(
        out.status.success(),
        "terraform {args:?} in {} failed:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn terraform_fmt_check() {
    let bin = terraform();
    run_terraform(
        &bin,
        &root(),
        &["fmt", "-check", "-diff", "-recursive", "iac/tf"],
    );
}

/// The locals (where all the logic is) and the outputs, evaluated by real
/// Terraform, equal this crate's evaluation, nulls included: this covers
/// what the evaluator does not model (type unification of conditional
/// branches, sensitivity: a sensitive local would fail as an output).
#[test]
fn real_terraform_agrees_on_locals_and_outputs() {
    let bin = terraform();
    let module = module();
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tf-locals");
    // Only files without resources or providers: no provider download.
    let mut files = Vec::new();
    for entry in std::fs::read_dir(tf_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "tf") {
            continue;
        }
        let body = hcl::parse(&read(&path)).unwrap();
        let plain = body
            .blocks()
            .all(|b| matches!(b.identifier.as_str(), "variable" | "locals" | "output"));
        let has_locals = body.blocks().any(|b| b.identifier.as_str() == "locals");
        assert!(
            plain || !has_locals,
            "{}: keep locals in a file without resources",
            path.display()
        );
        if plain {
            files.push(path);
        }
    }
    let locals_outputs: String = module
        .local_names()
        .iter()
        .map(|n| format!("output \"local_{n}\" {{\n  value = local.{n}\n}}\n"))
        .collect();
    let mut report = String::new();
    for (i, case) in cases().iter().enumerate() {
        let dir = base.join(format!("case-{i}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for f in &files {
            std::fs::copy(f, dir.join(f.file_name().unwrap())).unwrap();
        }
        std::fs::write(dir.join("zz_locals_outputs.tf"), &locals_outputs).unwrap();
        std::fs::write(dir.join("case.tfvars.json"), case.tfvars.to_string()).unwrap();
        run_terraform(&bin, &dir, &["init", "-input=false", "-no-color"]);
        run_terraform(
            &bin,
            &dir,
            &[
                "apply",
                "-auto-approve",
                "-input=false",
                "-no-color",
                "-var-file=case.tfvars.json",
            ],
        );
        let outputs: Json = serde_json::from_str(&run_terraform(
            &bin,
            &dir,
            &["output", "-json", "-no-color"],
        ))
        .unwrap();
        let evaluation = module.evaluate(&case.tfvars).unwrap();
        // Terraform does not store null outputs.
        let real = |name: &str| outputs.get(name).map_or(Json::Null, |o| o["value"].clone());
        let mut diffs = Vec::new();
        for (name, value) in &evaluation.locals {
            diffs.extend(
                diff_values(&real(&format!("local_{name}")), value)
                    .into_iter()
                    .map(|d| format!("local.{name}{d}")),
            );
        }
        for (name, value) in &evaluation.outputs {
            diffs.extend(
                diff_values(&real(name), value)
                    .into_iter()
                    .map(|d| format!("output.{name}{d}")),
            );
        }
        if !diffs.is_empty() {
            report.push_str(&format!("\n{}:\n  {}\n", case.name, diffs.join("\n  ")));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(
        report.is_empty(),
        "real terraform (left) and the evaluator (right) disagree:{report}"
    );
}

/// The comparison fails when the module is wrong: each mutation of the
/// module makes some case differ, with a difference naming what changed.
#[test]
fn mutations_of_the_module_are_caught() {
    let sources: Vec<(String, String)> = std::fs::read_dir(tf_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                read(&p),
            )
        })
        .collect();
    let cases = cases();
    let by_name = |name: &str| {
        cases
            .iter()
            .find(|c| c.name.ends_with(name))
            .unwrap_or_else(|| panic!("no case {name}"))
    };
    let locals = &sources.iter().find(|(n, _)| n == "locals.tf").unwrap().1;
    let variables_list = section(locals, "    [\n      for name in local.rendered_variables");
    let secrets_list = section(locals, "    [\n      for name in local.rendered_secrets");
    let swapped_env = locals
        .replacen(&variables_list, "@@VARIABLES@@", 1)
        .replacen(&secrets_list, &variables_list, 1)
        .replacen("@@VARIABLES@@", &secrets_list, 1);
    // (file, original text, mutated text, case, a difference must contain)
    let mutations: Vec<(&str, String, String, &str, &str)> = vec![
        (
            "locals.tf",
            locals.clone(),
            swapped_env,
            "everything.yaml",
            "Job/everything: .spec.template.spec.containers[0].env[2].name: render \"LEVEL\", terraform \"API_TOKEN\"",
        ),
        (
            "locals.tf",
            "\"planton.ai/kind\"     = \"KubernetesJob\"".into(),
            "\"planton.ai/kind\"     = \"KubernetesJobs\"".into(),
            "minimal.yaml",
            "Job/hello: .metadata.labels[\"planton.ai/kind\"]: render \"KubernetesJob\", terraform \"KubernetesJobs\"",
        ),
        (
            "locals.tf",
            "var.spec.ttl_seconds_after_finished > 0".into(),
            "var.spec.ttl_seconds_after_finished >= 0".into(),
            "minimal.yaml",
            ".spec.ttlSecondsAfterFinished: only in terraform: 0",
        ),
        (
            "locals.tf",
            "strcontains(var.spec.image.tag, \":\") ? \"@\" : \":\"".into(),
            "\":\"".into(),
            "digest-and-pull-secret.yaml",
            ".image: render \"ghcr.io/acme/pinned@sha256:",
        ),
        (
            "locals.tf",
            "var.spec.image.pull_secret_name != \"\" ? [var.spec.image.pull_secret_name] : []"
                .into(),
            "[]".into(),
            "digest-and-pull-secret.yaml",
            ".imagePullSecrets: only in render",
        ),
        (
            "main.tf",
            "count = var.spec.create_namespace ? 1 : 0".into(),
            "count = 1".into(),
            "minimal.yaml",
            "Namespace/default: created by the module, but not rendered",
        ),
        (
            "configmap.tf",
            "(each.key) = each.value".into(),
            "\"content\" = each.value".into(),
            "configmap-script.yaml",
            "ConfigMap/report-script: .data.content: only in terraform",
        ),
        (
            "secret.tf",
            "type = \"Opaque\"".into(),
            "type = \"Opaque2\"".into(),
            "everything.yaml",
            "Secret/everything-env-secrets: .type: render \"Opaque\", terraform \"Opaque2\"",
        ),
    ];
    for (file, original, mutated, case_name, expect) in mutations {
        let text = &sources.iter().find(|(n, _)| n == file).unwrap().1;
        assert!(
            text.contains(&original),
            "{file} no longer contains {original:?}: update this mutation"
        );
        let mutated_sources = sources.iter().map(|(n, t)| {
            let t = if n == file {
                t.replacen(&original, &mutated, 1)
            } else {
                t.clone()
            };
            (n.clone(), t)
        });
        let module = Module::from_sources(mutated_sources).unwrap();
        let diffs = differences(&module, by_name(case_name));
        assert!(
            diffs.iter().any(|d| d.contains(expect)),
            "mutating {file} ({original:?} -> {mutated:?}) was not caught as {expect:?} on {case_name}; differences: {diffs:#?}"
        );
    }
}

/// The text from `start` through the end of its list (the next line that is
/// exactly `    ],`).
fn section(text: &str, start: &str) -> String {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("locals.tf no longer contains {start:?}: update this test"));
    let len = text[from..]
        .find("\n    ],\n")
        .expect("the end of the list")
        + "\n    ],\n".len();
    text[from..from + len].to_owned()
}
