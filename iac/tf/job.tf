# The Job, as a kubernetes_manifest built from local.job_manifest (Kubernetes
# JSON form). Not kubernetes_job_v1: that resource cannot express
# `spec.suspend` (hashicorp/terraform-provider-kubernetes#1739, #2631), which
# `planton render` sets. kubernetes_manifest needs access to the cluster at
# plan time (it reads the API server's OpenAPI schema).
resource "kubernetes_manifest" "job" {
  manifest = local.job_manifest

  # The API server adds labels (controller-uid, job-name, ...) to the pod
  # template: let them differ from the configuration.
  computed_fields = ["metadata.labels", "metadata.annotations", "spec.template.metadata.labels"]

  depends_on = [
    kubernetes_namespace_v1.this,
    kubernetes_secret_v1.env_secrets,
    kubernetes_secret_v1.image_pull_secret,
    kubernetes_config_map_v1.this,
  ]
}
