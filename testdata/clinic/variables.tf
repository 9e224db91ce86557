variable "region" {
  type    = string
  default = "us-east-1"
}

variable "environment" {
  type    = string
  default = "prod"
}

variable "db_password" {
  type      = string
  sensitive = true
}

variable "audit_retention_days" {
  description = "Set per environment in the deployment pipeline."
  type        = number
}
