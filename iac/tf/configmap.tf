# One ConfigMap per spec.config_maps entry; its data key is its own name.
resource "kubernetes_config_map_v1" "this" {
  for_each = var.spec.config_maps

  metadata {
    name      = each.key
    namespace = local.namespace
    labels    = local.labels
  }

  data = {
    (each.key) = each.value
  }

  depends_on = [kubernetes_namespace_v1.this]
}
