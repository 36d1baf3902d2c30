# Generated from the KubernetesJob protos by `planton tf variables`: do not edit.
# Types follow the proto fields; tfvars come from `planton tf vars`.

variable "metadata" {
  description = "Identity and organisational data attached to every cloud resource."
  type = object({
    # Human-readable resource name.
    name = string

    # URL-safe short form of the name, for example `prod-cluster`.
    slug = string

    # Unique identifier of the resource.
    id = string

    # Organisation that owns the resource.
    org = string

    # Environment the resource is deployed into.
    env = string

    # Free-form key/value labels.
    labels = optional(map(string), {})

    # Free-form key/value annotations for tools and automation.
    annotations = optional(map(string), {})

    # Plain tags used for searching and grouping.
    tags = optional(list(string), [])

    # Dependencies and other links to other cloud resources, declared explicitly.
    relationships = optional(list(object({
      # Kind of the other resource; required.
      kind = string

      # Environment of the other resource.
      env = string

      # Name of the other resource; required.
      name = string

      # Nature of the link; required.
      type = string
    })), [])

    # Slash-separated group path used to arrange the resource in the dependency graph view, such as `infrastructure/networking`.
    group = string
  })
}

variable "spec" {
  description = "Desired configuration of a one-off Job: where it runs, which image it starts and how its pods are retried and cleaned up. The Job starts as soon as it is created and is finished once enough pods have exited successfully."
  type = object({
    # Cluster on which the Job is deployed.
    target_cluster = optional(object({
      # Kind of the cluster resource; one of AzureAksCluster (400), AwsEksCluster (207), GcpGkeCluster (607), DigitalOceanKubernetesCluster (1208) or CivoKubernetesCluster (1507).
      cluster_kind = string

      # Slug of the cluster, for example `prod-cluster`; other spellings such as `Prod Cluster` are converted to a slug automatically.
      cluster_name = string
    }))

    # Namespace for the Job, given literally or as a reference that defaults to the `spec.name` of a KubernetesNamespace; required.
    namespace = object({
      # Literal string.
      value = optional(string)

      # Reference resolved to a string by the orchestrator.
      value_from = optional(object({
        # Kind of the referenced resource; when unset, the field's `default_kind` option applies.
        kind = string

        # Environment of the referenced resource.
        env = string

        # Name of the referenced resource; required.
        name = string

        # Dotted path of the field to read, such as `status.outputs.host`; when empty, the field's `default_kind_field_path` option applies.
        field_path = string
      }))
    })

    # When true, the namespace is created as part of this deployment instead of being expected to exist.
    create_namespace = bool

    # Container image that the Job runs; the pull secret is derived from the environment's image artifact store.
    image = optional(object({
      # Image repository, for example `ghcr.io/acme/worker`.
      repo = string

      # Image tag, for example `v1.4.2` or `latest`.
      tag = string

      # Name of the image pull secret; leave empty for public images.
      pull_secret_name = string
    }))

    # CPU and memory for the Job container; defaults to limits of `1000m` CPU and `1Gi` memory and requests of `50m` CPU and `100Mi` memory.
    resources = optional(object({
      # Maximum CPU and memory the container may consume.
      limits = optional(object({
        # CPU amount, for example `500m` or `2`.
        cpu = string

        # Memory amount, for example `256Mi` or `1Gi`.
        memory = string
      }))

      # CPU and memory reserved for the container when it is scheduled.
      requests = optional(object({
        # CPU amount, for example `500m` or `2`.
        cpu = string

        # Memory amount, for example `256Mi` or `1Gi`.
        memory = string
      }))
    }))

    # Plain and secret environment variables injected into the Job container.
    env = optional(object({
      # Ordinary variables keyed by name; each value is a literal or a reference to a field of another resource (such as `status.outputs.host`) that the orchestrator resolves before deployment.
      variables = optional(map(object({
        # Literal string.
        value = optional(string)

        # Reference resolved to a string by the orchestrator.
        value_from = optional(object({
          # Kind of the referenced resource; when unset, the field's `default_kind` option applies.
          kind = string

          # Environment of the referenced resource.
          env = string

          # Name of the referenced resource; required.
          name = string

          # Dotted path of the field to read, such as `status.outputs.host`; when empty, the field's `default_kind_field_path` option applies.
          field_path = string
        }))
      })), {})

      # Sensitive variables keyed by name; each value is a literal or, preferably in production, a reference to a key in an existing Kubernetes Secret.
      secrets = optional(map(object({
        # Value written inline as plain text; avoid this outside development.
        value = optional(string)

        # Key of a Kubernetes Secret that must already exist before deployment.
        secret_ref = optional(object({
          # Namespace of the Secret; empty means the namespace the component is deployed into. Some Helm charts cannot read Secrets from another namespace.
          namespace = string

          # Secret name; required.
          name = string

          # Key within the Secret whose value is used; required.
          key = string
        }))
      })), {})
    }))

    # How many pods may run at the same time; defaults to 1, meaning pods run one after another.
    parallelism = optional(number)

    # How many pods must succeed before the Job counts as complete; defaults to 1. In Indexed mode this is also the number of indexes.
    completions = optional(number)

    # Number of retries allowed before the Job is marked failed; defaults to 6.
    backoff_limit = optional(number)

    # Upper bound in seconds on the Job's total run time, after which it is stopped; 0 (the default) means no limit.
    active_deadline_seconds = optional(number)

    # Seconds to keep a finished Job and its pods before they are deleted automatically; 0 (the default) disables the cleanup.
    ttl_seconds_after_finished = optional(number)

    # Either `NonIndexed` (default), where any successful pod counts toward completions, or `Indexed`, where each pod gets an index from 0 to completions minus one and every index must succeed once.
    completion_mode = optional(string)

    # Restart policy for the Job's pods, either `OnFailure` or `Never` (default); `Always` is not valid for Jobs.
    restart_policy = optional(string)

    # Replaces the image ENTRYPOINT when non-empty, for instance `["sh", "-c", "./run.sh"]`.
    command = optional(list(string), [])

    # Arguments for the command, or for the image ENTRYPOINT when no command is set; replaces the image CMD when non-empty.
    args = optional(list(string), [])

    # ConfigMaps created next to the Job, keyed by ConfigMap name with the content as value; they can be mounted through `volume_mounts`.
    config_maps = optional(map(string), {})

    # Volumes mounted into the Job container: ConfigMaps (including those from `config_maps`), Secrets, host paths, empty dirs or PVCs.
    volume_mounts = optional(list(object({
      # Mount name, unique within the container and used to tie the mount to its volume; required.
      name = string

      # Absolute path inside the container where the volume appears; required.
      mount_path = string

      # When true, the volume is mounted read-only; defaults to false.
      read_only = bool

      # Sub-directory of the volume to mount instead of its root; empty means the root.
      sub_path = string

      # Source that mounts a ConfigMap as a file or directory.
      config_map = optional(object({
        # ConfigMap name; required.
        name = string

        # Single entry to mount as a file; empty mounts all entries.
        key = string

        # File name for the mounted entry when `key` is set; defaults to the key itself.
        path = string

        # Permission bits for the created files, from 0 to 0777 (0644 when unset); use 493, which is 0755 in octal, for executable scripts.
        default_mode = number
      }))

      # Source that mounts a Secret as a file or directory.
      secret = optional(object({
        # Secret name; required.
        name = string

        # Single entry to mount as a file; empty mounts all entries.
        key = string

        # File name for the mounted entry when `key` is set; defaults to the key itself.
        path = string

        # Permission bits for the created files, from 0 to 0777 (0644 when unset).
        default_mode = number
      }))

      # Source that mounts a file or directory from the node's filesystem, typical for DaemonSets.
      host_path = optional(object({
        # Path on the node; required.
        path = string

        # Check applied to the host path before mounting: empty (no check), `DirectoryOrCreate`, `Directory`, `FileOrCreate`, `File`, `Socket`, `CharDevice` or `BlockDevice`.
        type = string
      }))

      # Source that provides scratch space which lives only as long as the pod.
      empty_dir = optional(object({
        # Storage backing the directory: empty for the node's default disk, or `Memory` for a RAM-backed tmpfs that counts against the memory limit and should be paired with `size_limit`.
        medium = string

        # Maximum size as a Kubernetes quantity such as `500Mi` or `1Gi`; enforced strictly only for the `Memory` medium.
        size_limit = string
      }))

      # Source that mounts an existing PersistentVolumeClaim or, for StatefulSets, a volume claim template.
      pvc = optional(object({
        # Claim name, or for StatefulSets the name of a volume claim template so each pod gets its own claim; required.
        claim_name = string

        # When true, the claim is mounted read-only; defaults to false.
        read_only = bool
      }))
    })), [])

    # When true, the Job is created without starting any pods; pods that already exist are left alone. Defaults to false.
    suspend = optional(bool)
  })
}

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
