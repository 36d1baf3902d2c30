# Everything the resources need, computed once. Each value mirrors a rule of
# `planton render` (crates/planton-kubernetes-job/src/transform.rs); the test
# crates/planton-cli/tests/iac_live.rs applies this module with Terraform to a
# test cluster and compares the objects with the rendered ones for every
# example.
#
# Fields that Kubernetes should not see are left out of the Job manifest:
# each object below is written with null for them and passed through
# `{ for k, v in {...} : k => v if v != null }`. Nulls must not reach
# kubernetes_manifest: in a list of objects (the volumes), Terraform unifies
# the element types and the provider sends a null object attribute as an
# empty object (`configMap: {}`), which the API server rejects.
locals {
  name = var.metadata.name

  # The orchestrator's resolved namespace wins over spec.namespace.
  namespace = var.kubernetes_namespace != "" ? var.kubernetes_namespace : var.spec.namespace.value

  # On every object and on the pod template: the metadata's labels, then
  # planton's, which win on a conflict; id/organization/environment only when
  # the metadata has them.
  labels = merge(
    var.metadata.labels,
    {
      "planton.ai/resource" = "true"
      "planton.ai/name"     = var.metadata.name
      "planton.ai/kind"     = "KubernetesJob"
    },
    {
      for key, value in {
        "planton.ai/id"           = var.metadata.id
        "planton.ai/organization" = var.metadata.org
        "planton.ai/environment"  = var.metadata.env
      } : key => value if value != ""
    },
  )

  # The metadata's annotations, on every object (not on the pod template);
  # null when there are none, so that no empty map reaches a manifest.
  annotations = length(var.metadata.annotations) > 0 ? var.metadata.annotations : null

  env_secret_name        = "${var.metadata.name}-env-secrets"
  image_pull_secret_name = "${var.metadata.name}-image-pull-secret"

  # Whether a docker config was given; only this bit of the sensitive variable
  # is revealed (count cannot depend on a sensitive value).
  has_docker_config = nonsensitive(var.docker_config_json != "")

  # "repo:tag", or "repo@digest" when the tag is a digest (validation allows
  # ':' in a tag only for digests).
  image = "${var.spec.image.repo}${strcontains(var.spec.image.tag, ":") ? "@" : ":"}${var.spec.image.tag}"

  env_variables = var.spec.env == null ? {} : var.spec.env.variables
  env_secrets   = var.spec.env == null ? {} : var.spec.env.secrets

  # The literal secret values (empty ones too): the data of the env Secret.
  literal_secrets = {
    for name in sort(keys(local.env_secrets)) : name => local.env_secrets[name].value
    if local.env_secrets[name].value != null
  }

  # The variables with a value and the secrets with a source, by name.
  rendered_variables = [for name in sort(keys(local.env_variables)) : name if local.env_variables[name].value != null]
  rendered_secrets = [
    for name in sort(keys(local.env_secrets)) : name
    if local.env_secrets[name].secret_ref != null || contains(keys(local.literal_secrets), name)
  ]

  # HOSTNAME, K8S_POD_ID, the variables sorted by name (literals, empty ones too),
  # then the secrets sorted by name (a secretRef reads that Secret, a literal
  # reads the env Secret). A name defined again later keeps only its last
  # definition, the one Kubernetes uses (server-side apply refuses duplicates):
  # a user's HOSTNAME replaces the pod IP, a secret replaces a variable.
  container_env = concat(
    [
      for entry in [
        {
          name      = "HOSTNAME"
          valueFrom = { fieldRef = { fieldPath = "status.podIP" } }
        },
        {
          name      = "K8S_POD_ID"
          valueFrom = { fieldRef = { apiVersion = "v1", fieldPath = "metadata.name" } }
        },
      ] : entry
      if !contains(concat(local.rendered_variables, local.rendered_secrets), entry.name)
    ],
    [
      # An empty value is not stored by the API server (it reads as unset).
      for name in local.rendered_variables : {
        for k, v in {
          name  = name
          value = local.env_variables[name].value != "" ? local.env_variables[name].value : null
        } : k => v if v != null
      }
      if !contains(local.rendered_secrets, name)
    ],
    [
      for name in local.rendered_secrets : {
        name = name
        valueFrom = {
          secretKeyRef = local.env_secrets[name].secret_ref != null ? {
            name = local.env_secrets[name].secret_ref.name
            key  = local.env_secrets[name].secret_ref.key
            } : {
            name = local.env_secret_name
            key  = name
          }
        }
      }
    ],
  )

  # Limits and requests with their non-empty cpu/memory; a side without any is omitted.
  resource_sides = {
    for side in ["limits", "requests"] : side => (
      var.spec.resources == null ? {} : (
        var.spec.resources[side] == null ? {} : {
          for key in ["cpu", "memory"] : key => var.spec.resources[side][key]
          if var.spec.resources[side][key] != ""
        }
      )
    )
  }
  container_resources = {
    for side in sort(keys(local.resource_sides)) : side => local.resource_sides[side]
    if length(local.resource_sides[side]) > 0
  }

  volume_mounts = [
    for mount in var.spec.volume_mounts : {
      for k, v in {
        name      = mount.name
        mountPath = mount.mount_path
        # false is the API's default, which it does not store: only true is sent.
        readOnly = mount.read_only ? true : null
        subPath  = mount.sub_path != "" ? mount.sub_path : null
      } : k => v if v != null
    }
  ]

  # One volume per mount, from its single source (validation allows exactly one).
  volumes = [
    for mount in var.spec.volume_mounts : {
      for k, v in {
        name = mount.name
        configMap = mount.config_map == null ? null : {
          for k, v in {
            name = mount.config_map.name
            items = mount.config_map.key == "" ? null : [{
              key  = mount.config_map.key
              path = mount.config_map.path != "" ? mount.config_map.path : mount.config_map.key
            }]
            defaultMode = mount.config_map.default_mode > 0 ? mount.config_map.default_mode : null
          } : k => v if v != null
        }
        secret = mount.secret == null ? null : {
          for k, v in {
            secretName = mount.secret.name
            items = mount.secret.key == "" ? null : [{
              key  = mount.secret.key
              path = mount.secret.path != "" ? mount.secret.path : mount.secret.key
            }]
            defaultMode = mount.secret.default_mode > 0 ? mount.secret.default_mode : null
          } : k => v if v != null
        }
        hostPath = mount.host_path == null ? null : {
          for k, v in {
            path = mount.host_path.path
            type = mount.host_path.type != "" ? mount.host_path.type : null
          } : k => v if v != null
        }
        emptyDir = mount.empty_dir == null ? null : {
          for k, v in {
            medium    = mount.empty_dir.medium != "" ? mount.empty_dir.medium : null
            sizeLimit = mount.empty_dir.size_limit != "" ? mount.empty_dir.size_limit : null
          } : k => v if v != null
        }
        persistentVolumeClaim = mount.pvc == null ? null : {
          for k, v in {
            claimName = mount.pvc.claim_name
            readOnly  = mount.pvc.read_only ? true : null
          } : k => v if v != null
        }
      } : k => v if v != null
    }
  ]

  # The image-pull Secret created here, then image.pull_secret_name when it
  # names another one.
  image_pull_secret_names = distinct(concat(
    local.has_docker_config ? [local.image_pull_secret_name] : [],
    var.spec.image.pull_secret_name != "" ? [var.spec.image.pull_secret_name] : [],
  ))

  # The Job in Kubernetes JSON form (camelCase), for kubernetes_manifest.
  job_manifest = {
    apiVersion = "batch/v1"
    kind       = "Job"
    metadata = {
      for k, v in {
        name        = local.name
        namespace   = local.namespace
        labels      = local.labels
        annotations = local.annotations
      } : k => v if v != null
    }
    spec = {
      for k, v in {
        # Rendered only when > 0.
        parallelism             = var.spec.parallelism != null ? (var.spec.parallelism > 0 ? var.spec.parallelism : null) : null
        completions             = var.spec.completions != null ? (var.spec.completions > 0 ? var.spec.completions : null) : null
        activeDeadlineSeconds   = var.spec.active_deadline_seconds != null ? (var.spec.active_deadline_seconds > 0 ? var.spec.active_deadline_seconds : null) : null
        ttlSecondsAfterFinished = var.spec.ttl_seconds_after_finished != null ? (var.spec.ttl_seconds_after_finished > 0 ? var.spec.ttl_seconds_after_finished : null) : null
        # Whenever set: 0 means "never retry".
        backoffLimit   = var.spec.backoff_limit
        completionMode = var.spec.completion_mode != "" ? var.spec.completion_mode : null
        suspend        = var.spec.suspend
        template = {
          metadata = {
            labels = local.labels
          }
          spec = {
            for k, v in {
              restartPolicy = var.spec.restart_policy != "" ? var.spec.restart_policy : null
              containers = [
                {
                  for k, v in {
                    name         = "job-container"
                    image        = local.image
                    env          = local.container_env
                    resources    = local.container_resources
                    command      = length(var.spec.command) > 0 ? var.spec.command : null
                    args         = length(var.spec.args) > 0 ? var.spec.args : null
                    volumeMounts = length(local.volume_mounts) > 0 ? local.volume_mounts : null
                  } : k => v if v != null
                },
              ]
              volumes          = length(local.volumes) > 0 ? local.volumes : null
              imagePullSecrets = length(local.image_pull_secret_names) > 0 ? [for name in local.image_pull_secret_names : { name = name }] : null
            } : k => v if v != null
          }
        }
      } : k => v if v != null
    }
  }
}
