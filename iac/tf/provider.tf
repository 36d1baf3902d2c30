terraform {
  required_version = ">= 1.5"

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.35, < 4.0"
    }
  }
}

# Configured by the caller: KUBE_CONFIG_PATH, KUBE_CTX, in-cluster credentials, ...
provider "kubernetes" {}
