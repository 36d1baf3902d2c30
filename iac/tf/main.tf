# The namespace, only when spec.create_namespace is set; otherwise it must exist.
resource "kubernetes_namespace_v1" "this" {
  count = var.spec.create_namespace ? 1 : 0

  metadata {
    name        = local.namespace
    labels      = local.labels
    annotations = local.annotations
  }
}
