# One ConfigMap per spec.config_maps entry; its data key is its own name.
# A kubernetes_manifest, not kubernetes_config_map_v1: that resource always
# writes `immutable: false`, which `planton render` does not.
resource "kubernetes_manifest" "config_map" {
  for_each = var.spec.config_maps

  manifest = {
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata = {
      for k, v in {
        name        = each.key
        namespace   = local.namespace
        labels      = local.labels
        annotations = local.annotations
      } : k => v if v != null
    }
    data = {
      (each.key) = each.value
    }
  }

  depends_on = [kubernetes_namespace_v1.this]
}
