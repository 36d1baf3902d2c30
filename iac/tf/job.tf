# The Job, as a kubernetes_manifest built from local.job_manifest (Kubernetes
# JSON form). Not kubernetes_job_v1: that resource cannot express
# `spec.suspend` (hashicorp/terraform-provider-kubernetes#1739, #2631), which
# `planton render` sets. kubernetes_manifest needs access to the cluster at
# plan time (it reads the API server's OpenAPI schema).
resource "kubernetes_manifest" "job" {
  manifest = local.job_manifest

  # The API server adds labels (controller-uid, job-name, ...) to the pod
  # template, and writes quantities in canonical form (`1000m` as `1`): let
  # them differ from the configuration. The Job's own labels and annotations
  # are not listed (unlike the provider's default): a change to them is drift.
  computed_fields = [
    "spec.template.metadata.labels",
    "spec.template.spec.containers[0].resources",
  ]

  depends_on = [
    kubernetes_namespace_v1.this,
    kubernetes_secret_v1.env_secrets,
    kubernetes_secret_v1.image_pull_secret,
    kubernetes_manifest.config_map,
  ]
}
