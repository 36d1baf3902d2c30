//! The embedded descriptors: custom options readable where the protos put
//! them, documentation on every element, and the kind registry.

use planton_api::prost::Message;
use planton_api::prost_reflect::{
    DynamicMessage, FieldDescriptor, MessageDescriptor, ReflectMessage, Value,
};
use planton_api::{
    CloudResourceKind, CloudResourceProvider, KubernetesJob, descriptor_pool, registry,
};

const JOB_PKG: &str = "org.project_planton.provider.kubernetes.kubernetesjob.v1";
const K8S_PKG: &str = "org.project_planton.provider.kubernetes";

fn message(name: &str) -> MessageDescriptor {
    descriptor_pool()
        .get_message_by_name(name)
        .unwrap_or_else(|| panic!("{name} is in the pool"))
}

fn field(msg: &str, name: &str) -> FieldDescriptor {
    message(msg)
        .get_field_by_name(name)
        .unwrap_or_else(|| panic!("{msg}.{name} exists"))
}

/// The value of extension `ext` on a field's options.
fn option(field: &FieldDescriptor, ext: &str) -> Value {
    let ext = descriptor_pool()
        .get_extension_by_name(ext)
        .unwrap_or_else(|| panic!("{ext} is declared"));
    let options = field.options();
    assert!(
        options.has_extension(&ext),
        "{} has no ({})",
        field.full_name(),
        ext.full_name()
    );
    options.get_extension(&ext).into_owned()
}

fn rules(field: &FieldDescriptor) -> DynamicMessage {
    match option(field, "buf.validate.field") {
        Value::Message(m) => m,
        other => panic!("buf.validate.field is a message, got {other:?}"),
    }
}

fn path(msg: &DynamicMessage, path: &str) -> Value {
    let mut current = Value::Message(msg.clone());
    for part in path.split('.') {
        let Value::Message(m) = current else {
            panic!("{part} under a non-message")
        };
        current = m
            .get_field_by_name(part)
            .unwrap_or_else(|| panic!("no {part}"))
            .into_owned();
    }
    current
}

#[test]
fn planton_defaults_are_on_the_optional_spec_fields() {
    let spec = format!("{JOB_PKG}.KubernetesJobSpec");
    let expected = [
        ("parallelism", "1"),
        ("completions", "1"),
        ("backoff_limit", "6"),
        ("active_deadline_seconds", "0"),
        ("ttl_seconds_after_finished", "0"),
        ("completion_mode", "NonIndexed"),
        ("restart_policy", "Never"),
        ("suspend", "false"),
    ];
    for (name, default) in expected {
        let f = field(&spec, name);
        assert!(f.supports_presence(), "{name} is proto3 optional");
        assert_eq!(
            option(&f, "org.project_planton.shared.options.default"),
            Value::String(default.into()),
            "{name}"
        );
    }
    // Fields without a default carry no option.
    let ext = descriptor_pool()
        .get_extension_by_name("org.project_planton.shared.options.default")
        .unwrap();
    assert!(
        !field(&spec, "create_namespace")
            .options()
            .has_extension(&ext)
    );
}

#[test]
fn default_container_resources_are_on_spec_resources() {
    let f = field(&format!("{JOB_PKG}.KubernetesJobSpec"), "resources");
    let Value::Message(res) = option(
        &f,
        "org.project_planton.provider.kubernetes.default_container_resources",
    ) else {
        panic!("a message option");
    };
    assert_eq!(
        res.descriptor().full_name(),
        format!("{K8S_PKG}.ContainerResources")
    );
    assert_eq!(path(&res, "limits.cpu"), Value::String("1000m".into()));
    assert_eq!(path(&res, "limits.memory"), Value::String("1Gi".into()));
    assert_eq!(path(&res, "requests.cpu"), Value::String("50m".into()));
    assert_eq!(path(&res, "requests.memory"), Value::String("100Mi".into()));
}

#[test]
fn buf_validate_rules_are_readable() {
    let job = format!("{JOB_PKG}.KubernetesJob");
    assert_eq!(
        path(&rules(&field(&job, "api_version")), "string.const"),
        Value::String("kubernetes.project-planton.org/v1".into())
    );
    assert_eq!(
        path(&rules(&field(&job, "kind")), "string.const"),
        Value::String("KubernetesJob".into())
    );
    assert_eq!(
        path(&rules(&field(&job, "metadata")), "required"),
        Value::Bool(true)
    );
    assert_eq!(
        path(&rules(&field(&job, "spec")), "required"),
        Value::Bool(true)
    );

    let spec = format!("{JOB_PKG}.KubernetesJobSpec");
    let restart = rules(&field(&spec, "restart_policy"));
    assert_eq!(
        path(&restart, "string.in"),
        Value::List(vec![
            Value::String("OnFailure".into()),
            Value::String("Never".into())
        ])
    );
    let parallelism = rules(&field(&spec, "parallelism"));
    // IGNORE_IF_ZERO_VALUE is 1 in buf.validate's Ignore enum.
    assert_eq!(path(&parallelism, "ignore"), Value::EnumNumber(1));

    let host_type = rules(&field(&format!("{K8S_PKG}.HostPathVolumeSource"), "type"));
    let Value::List(cel) = path(&host_type, "cel") else {
        panic!("cel is repeated")
    };
    let Value::Message(cel) = &cel[0] else {
        panic!()
    };
    assert_eq!(path(cel, "id"), Value::String("host_path.type".into()));
    let medium = rules(&field(&format!("{K8S_PKG}.EmptyDirVolumeSource"), "medium"));
    let Value::List(cel) = path(&medium, "cel") else {
        panic!()
    };
    let Value::Message(cel) = &cel[0] else {
        panic!()
    };
    assert_eq!(path(cel, "id"), Value::String("empty_dir.medium".into()));

    let kinds = rules(&field(
        &format!("{K8S_PKG}.KubernetesClusterSelector"),
        "cluster_kind",
    ));
    assert_eq!(
        path(&kinds, "enum.in"),
        Value::List([400, 207, 607, 1208, 1507].map(Value::I32).to_vec())
    );
    let secret_name = rules(&field(&format!("{K8S_PKG}.KubernetesSecretKeyRef"), "name"));
    assert_eq!(path(&secret_name, "required"), Value::Bool(true));
}

#[test]
fn foreign_key_options_are_on_spec_namespace() {
    let f = field(&format!("{JOB_PKG}.KubernetesJobSpec"), "namespace");
    assert_eq!(
        option(&f, "org.project_planton.shared.foreignkey.v1.default_kind"),
        Value::EnumNumber(CloudResourceKind::KubernetesNamespace as i32)
    );
    assert_eq!(
        option(
            &f,
            "org.project_planton.shared.foreignkey.v1.default_kind_field_path"
        ),
        Value::String("spec.name".into())
    );
    assert_eq!(path(&rules(&f), "required"), Value::Bool(true));
}

#[test]
fn field_numbers_and_json_names_match_upstream() {
    let spec = message(&format!("{JOB_PKG}.KubernetesJobSpec"));
    let fields: Vec<(u32, &str)> = vec![
        (1, "targetCluster"),
        (2, "namespace"),
        (3, "createNamespace"),
        (4, "image"),
        (5, "resources"),
        (6, "env"),
        (7, "parallelism"),
        (8, "completions"),
        (9, "backoffLimit"),
        (10, "activeDeadlineSeconds"),
        (11, "ttlSecondsAfterFinished"),
        (12, "completionMode"),
        (13, "restartPolicy"),
        (14, "command"),
        (15, "args"),
        (16, "configMaps"),
        (17, "volumeMounts"),
        (18, "suspend"),
    ];
    let actual: Vec<(u32, String)> = spec
        .fields()
        .map(|f| (f.number(), f.json_name().to_owned()))
        .collect();
    let expected: Vec<(u32, String)> = fields.into_iter().map(|(n, s)| (n, s.to_owned())).collect();
    assert_eq!(actual, expected);
}

#[test]
fn every_message_and_field_of_ours_is_documented() {
    let set = planton_api::prost_reflect::prost_types::FileDescriptorSet::decode(
        planton_api::FILE_DESCRIPTOR_SET_WITH_SOURCE,
    )
    .unwrap();
    let mut undocumented = Vec::new();
    for file in set
        .file
        .iter()
        .filter(|f| f.name().starts_with("org/project_planton/"))
    {
        let info = file
            .source_code_info
            .as_ref()
            .expect("source info is embedded");
        let documented = |p: &[i32]| {
            info.location.iter().any(|l| {
                l.path == p
                    && l.leading_comments
                        .as_deref()
                        .is_some_and(|c| !c.trim().is_empty())
            })
        };
        for (mi, msg) in file.message_type.iter().enumerate() {
            let mp = vec![4, mi as i32];
            if !documented(&mp) {
                undocumented.push(format!("{}: message {}", file.name(), msg.name()));
            }
            for (fi, f) in msg.field.iter().enumerate() {
                let fp = [mp.clone(), vec![2, fi as i32]].concat();
                if !documented(&fp) {
                    undocumented.push(format!(
                        "{}: field {}.{}",
                        file.name(),
                        msg.name(),
                        f.name()
                    ));
                }
            }
        }
        for (ei, e) in file.enum_type.iter().enumerate() {
            if !documented(&[5, ei as i32]) {
                undocumented.push(format!("{}: enum {}", file.name(), e.name()));
            }
        }
    }
    assert!(undocumented.is_empty(), "undocumented: {undocumented:#?}");
}

#[test]
fn registry_knows_kubernetes_job() {
    let info = registry::kind_info(CloudResourceKind::KubernetesJob).unwrap();
    assert_eq!(CloudResourceKind::KubernetesJob as i32, 846);
    assert_eq!(info.name(), "KubernetesJob");
    assert_eq!(info.provider(), CloudResourceProvider::Kubernetes);
    assert_eq!(info.version().as_str_name(), "v1");
    assert_eq!(info.id_prefix(), "k8sjob");
    assert_eq!(info.api_version(), "kubernetes.project-planton.org/v1");
    assert!(!info.is_service_kind());
    assert_eq!(
        info.manifest_message().unwrap(),
        KubernetesJob::default().descriptor()
    );
    assert_eq!(
        registry::parse_kind("KubernetesJob"),
        Ok(CloudResourceKind::KubernetesJob)
    );
}

#[test]
fn registry_knows_cluster_kinds_without_a_manifest_message() {
    let gke = registry::kind_info(CloudResourceKind::GcpGkeCluster).unwrap();
    assert_eq!(CloudResourceKind::GcpGkeCluster as i32, 607);
    assert_eq!(gke.api_version(), "gcp.project-planton.org/v1");
    assert_eq!(
        registry::parse_kind("AwsEksCluster").map(|k| k as i32),
        Ok(207)
    );
    assert_eq!(
        registry::find_kind("DigitalOceanKubernetesCluster")
            .unwrap()
            .api_version(),
        "digital-ocean.project-planton.org/v1"
    );
    // This crate compiles no GKE manifest message.
    assert!(gke.manifest_message().is_none());
    let supported: Vec<&str> = registry::supported_kinds().map(|k| k.name()).collect();
    assert_eq!(supported, ["KubernetesJob"]);
}

#[test]
fn registry_is_complete_and_consistent() {
    let all = registry::all_kinds();
    // Every enum value but `unspecified` has metadata.
    let values = descriptor_pool()
        .get_enum_by_name("org.project_planton.shared.cloudresourcekind.CloudResourceKind")
        .unwrap()
        .values()
        .count();
    assert_eq!(all.len(), values - 1);
    assert!(all.len() >= 138, "{}", all.len());
    for k in all {
        assert!(!k.id_prefix().is_empty(), "{}", k.name());
        assert!(
            k.api_version().ends_with("project-planton.org/v1"),
            "{}: {}",
            k.name(),
            k.api_version()
        );
        assert_eq!(
            registry::find_kind(k.name()).map(|i| i.kind()),
            Some(k.kind())
        );
    }
    assert!(registry::kind_info(CloudResourceKind::Unspecified).is_none());
}

#[test]
fn unknown_kind_names_are_reported_with_a_suggestion() {
    let err = registry::parse_kind("kubernetesjob").unwrap_err();
    assert_eq!(err.suggestion(), Some("KubernetesJob"));
    let err = registry::parse_kind("Frobnicator").unwrap_err();
    assert_eq!(err.to_string(), "unknown kind 'Frobnicator'");
    assert_eq!(err.suggestion(), None);
}

#[test]
fn binary_messages_round_trip_through_the_wire_format() {
    let job = KubernetesJob {
        api_version: "kubernetes.project-planton.org/v1".into(),
        kind: "KubernetesJob".into(),
        spec: Some(planton_api::KubernetesJobSpec {
            parallelism: Some(0),
            backoff_limit: Some(3),
            ..Default::default()
        }),
        ..Default::default()
    };
    let bytes = job.encode_to_vec();
    assert_eq!(KubernetesJob::decode(bytes.as_slice()).unwrap(), job);
    // A dynamic message of the same descriptor reads the same bytes: the
    // embedded descriptors and the generated code agree.
    let dynamic = DynamicMessage::decode(job.descriptor(), bytes.as_slice()).unwrap();
    assert_eq!(path(&dynamic, "spec.parallelism"), Value::U32(0));
    assert!(dynamic.get_field_by_name("spec").is_some());
}
