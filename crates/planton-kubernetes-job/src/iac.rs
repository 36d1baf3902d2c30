//! Inputs for the infrastructure-as-code paths: Terraform variables (types
//! generated from the protos, values from a validated input) and a Pulumi
//! YAML program deploying exactly the rendered objects.

use std::sync::LazyLock;

use planton_api::prost_reflect::{DescriptorPool, MessageDescriptor, ReflectMessage};
use planton_manifest::terraform;
use serde_json::{Value, json};

use crate::Validated;
use crate::transform::{Object, Rendered};

/// The descriptors with source info: the proto comments become descriptions.
static DOCUMENTED: LazyLock<Option<DescriptorPool>> =
    LazyLock::new(|| DescriptorPool::decode(planton_api::FILE_DESCRIPTOR_SET_WITH_SOURCE).ok());

fn documented(desc: &MessageDescriptor) -> MessageDescriptor {
    DOCUMENTED
        .as_ref()
        .and_then(|p| p.get_message_by_name(desc.full_name()))
        .unwrap_or_else(|| desc.clone())
}

/// The module's `variables.tf`, generated from the protos: `metadata` and
/// `spec` typed from `CloudResourceMetadata` and `KubernetesJobSpec`, with the
/// proto comments as descriptions, plus the stack input's
/// `kubernetes_namespace` and `docker_config_json`.
pub fn terraform_variables() -> String {
    let mut out = String::from(
        "# Generated from the KubernetesJob protos by `planton tf variables`: do not edit.\n# Types follow the proto fields; tfvars come from `planton tf vars`.\n",
    );
    for (name, desc) in [
        (
            "metadata",
            planton_api::CloudResourceMetadata::default().descriptor(),
        ),
        (
            "spec",
            planton_api::KubernetesJobSpec::default().descriptor(),
        ),
    ] {
        let desc = documented(&desc);
        out.push_str(&format!(
            "\nvariable \"{name}\" {{\n  description = {}\n  type = ",
            hcl_string(&terraform::message_description(&desc))
        ));
        terraform::object_type(&desc, &mut out, 2, 0);
        out.push_str("\n}\n");
    }
    out.push_str(
        r#"
variable "kubernetes_namespace" {
  description = "The namespace resolved by the orchestrator; when set, it wins over spec.namespace.value."
  type        = string
  default     = ""
}

variable "docker_config_json" {
  description = "Docker config JSON for the image-pull Secret; empty for none."
  type        = string
  default     = ""
  sensitive   = true
}
"#,
    );
    out
}

/// Pulumi YAML reads `${...}` in strings as interpolation and `$$` as a
/// literal `$`: every `$` is written `$$`.
fn escape_interpolation(value: &mut Value) {
    match value {
        Value::String(s) if s.contains('$') => *s = s.replace('$', "$$"),
        Value::Array(items) => items.iter_mut().for_each(escape_interpolation),
        Value::Object(map) => map.values_mut().for_each(escape_interpolation),
        _ => {}
    }
}

fn hcl_string(s: &str) -> String {
    // HCL string escapes: JSON's, plus the template introducers.
    serde_json::to_string(s)
        .unwrap_or_default()
        .replace("${", "$${")
        .replace("%{", "%%{")
}

/// The tfvars (JSON) for the module, from a validated input: `metadata` and
/// `spec` (every attribute present), `kubernetes_namespace`, `docker_config_json`.
pub fn terraform_vars(input: &Validated) -> Value {
    let input = input.input();
    let job = input.target.clone().unwrap_or_default();
    json!({
        "metadata": terraform::tf_value(&job.metadata.unwrap_or_default().transcode_to_dynamic()),
        "spec": terraform::tf_value(&job.spec.unwrap_or_default().transcode_to_dynamic()),
        "kubernetes_namespace": input.kubernetes_namespace,
        "docker_config_json": input.docker_config_json,
    })
}

/// A Pulumi YAML program (`Pulumi.yaml`) creating exactly the rendered
/// objects: one resource per object (its properties are the object), Secret
/// data marked with `fn::secret`, everything depending on the Namespace when
/// it is created and the Job on the Secrets and ConfigMaps, and the outputs
/// `namespace` and `job_name`.
pub fn pulumi_program(rendered: &Rendered) -> Value {
    let mut resources = serde_json::Map::new();
    let mut namespace_ref = None;
    let mut job_deps = Vec::new();
    for object in rendered.objects() {
        let (logical, kind) = match object {
            Object::Namespace(_) => ("namespace".to_owned(), "kubernetes:core/v1:Namespace"),
            Object::Secret(s) => (
                format!("secret-{}", s.metadata.name.as_deref().unwrap_or("")),
                "kubernetes:core/v1:Secret",
            ),
            Object::ConfigMap(c) => (
                format!("configmap-{}", c.metadata.name.as_deref().unwrap_or("")),
                "kubernetes:core/v1:ConfigMap",
            ),
            Object::Job(_) => ("job".to_owned(), "kubernetes:batch/v1:Job"),
        };
        let mut properties = object.to_json();
        escape_interpolation(&mut properties);
        if let Object::Secret(_) = object
            && let Some(Value::Object(data)) = properties.get_mut("stringData")
        {
            for value in data.values_mut() {
                *value = json!({ "fn::secret": value.take() });
            }
        }
        let mut depends: Vec<Value> = namespace_ref.iter().cloned().collect();
        if let Object::Job(_) = object {
            depends.extend(job_deps.iter().cloned());
        }
        let mut resource = json!({ "type": kind, "properties": properties });
        if !depends.is_empty() {
            resource["options"] = json!({ "dependsOn": depends });
        }
        match object {
            Object::Namespace(_) => namespace_ref = Some(Value::String("${namespace}".into())),
            Object::Secret(_) | Object::ConfigMap(_) => {
                job_deps.push(Value::String(format!("${{{logical}}}")))
            }
            Object::Job(_) => {}
        }
        resources.insert(logical, resource);
    }
    json!({
        "name": rendered.outputs.job_name,
        "runtime": "yaml",
        "description": format!("KubernetesJob {} rendered by planton", rendered.outputs.job_name),
        "resources": resources,
        "outputs": { "namespace": rendered.outputs.namespace, "job_name": rendered.outputs.job_name },
    })
}
