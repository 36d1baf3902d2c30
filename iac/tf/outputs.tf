output "namespace" {
  description = "The namespace the Job is deployed into."
  value       = local.namespace
}

output "job_name" {
  description = "The name of the Job."
  value       = local.name
}
