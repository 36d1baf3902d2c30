//! `Debug` for the messages that carry secret values: the secret fields print
//! as `<redacted>` (or `""` when empty), every other field as usual.

use std::fmt;

use crate::KubernetesJobStackInput;
use crate::org::project_planton::provider::kubernetes::kubernetes_sensitive_value::SensitiveValue;
use crate::org::project_planton::provider::kubernetes::{
    KubernetesProviderConfigDigitalOceanDoks, KubernetesProviderConfigGcpGke,
    KubernetesSensitiveValue,
};

/// Prints a secret string without its content.
struct Redacted<'a>(&'a str);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("\"\"")
        } else {
            f.write_str("<redacted>")
        }
    }
}

impl fmt::Debug for SensitiveValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SensitiveValue::Value(v) => f.debug_tuple("Value").field(&Redacted(v)).finish(),
            SensitiveValue::SecretRef(r) => f.debug_tuple("SecretRef").field(r).finish(),
        }
    }
}

impl fmt::Debug for KubernetesSensitiveValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KubernetesSensitiveValue")
            .field("sensitive_value", &self.sensitive_value)
            .finish()
    }
}

impl fmt::Debug for KubernetesJobStackInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KubernetesJobStackInput")
            .field("target", &self.target)
            .field("provider_config", &self.provider_config)
            .field("kubernetes_namespace", &self.kubernetes_namespace)
            .field("docker_config_json", &Redacted(&self.docker_config_json))
            .finish()
    }
}

impl fmt::Debug for KubernetesProviderConfigGcpGke {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KubernetesProviderConfigGcpGke")
            .field("cluster_endpoint", &self.cluster_endpoint)
            .field("cluster_ca_data", &self.cluster_ca_data)
            .field(
                "service_account_key_base64",
                &Redacted(&self.service_account_key_base64),
            )
            .finish()
    }
}

impl fmt::Debug for KubernetesProviderConfigDigitalOceanDoks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KubernetesProviderConfigDigitalOceanDoks")
            .field("kube_config", &Redacted(&self.kube_config))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::project_planton::provider::kubernetes::KubernetesProviderConfig;
    use crate::{
        KubernetesJob, KubernetesJobContainerAppEnv, KubernetesJobSpec, KubernetesSecretKeyRef,
    };

    const SECRET: &str = "s3cr3t-Value-9f8e";

    #[test]
    fn secret_literals_never_print() {
        let literal = KubernetesSensitiveValue {
            sensitive_value: Some(SensitiveValue::Value(SECRET.into())),
        };
        let by_ref = KubernetesSensitiveValue {
            sensitive_value: Some(SensitiveValue::SecretRef(KubernetesSecretKeyRef {
                namespace: String::new(),
                name: "db-credentials".into(),
                key: "password".into(),
            })),
        };
        let job = KubernetesJob {
            spec: Some(KubernetesJobSpec {
                env: Some(KubernetesJobContainerAppEnv {
                    secrets: [("A".to_owned(), literal), ("B".to_owned(), by_ref)].into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let input = KubernetesJobStackInput {
            target: Some(job),
            provider_config: Some(KubernetesProviderConfig {
                gcp_gke: Some(KubernetesProviderConfigGcpGke {
                    service_account_key_base64: SECRET.into(),
                    ..Default::default()
                }),
                digital_ocean_doks: Some(KubernetesProviderConfigDigitalOceanDoks {
                    kube_config: SECRET.into(),
                }),
                ..Default::default()
            }),
            kubernetes_namespace: "batch".into(),
            docker_config_json: SECRET.into(),
        };
        for text in [format!("{input:?}"), format!("{input:#?}")] {
            assert!(!text.contains(SECRET), "{text}");
            assert!(text.contains("<redacted>"));
            // What is not secret still shows.
            assert!(
                text.contains("db-credentials") && text.contains("batch"),
                "{text}"
            );
        }
    }
}
