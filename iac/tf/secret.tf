# `<name>-env-secrets` (Opaque): the literal values of spec.env.secrets, only
# when there is one. `data` takes plain strings (the provider encodes them):
# the same content as `stringData` in `planton render`.
resource "kubernetes_secret_v1" "env_secrets" {
  count = length(local.literal_secrets) > 0 ? 1 : 0

  metadata {
    name        = local.env_secret_name
    namespace   = local.namespace
    labels      = local.labels
    annotations = local.annotations
  }

  type = "Opaque"
  data = local.literal_secrets

  depends_on = [kubernetes_namespace_v1.this]
}

# `<name>-image-pull-secret` (kubernetes.io/dockerconfigjson), only when
# docker_config_json is given.
resource "kubernetes_secret_v1" "image_pull_secret" {
  count = local.has_docker_config ? 1 : 0

  metadata {
    name        = local.image_pull_secret_name
    namespace   = local.namespace
    labels      = local.labels
    annotations = local.annotations
  }

  type = "kubernetes.io/dockerconfigjson"
  data = {
    ".dockerconfigjson" = var.docker_config_json
  }

  depends_on = [kubernetes_namespace_v1.this]
}
