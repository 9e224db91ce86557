# Patient portal for Riverside Family Clinic: web tier, database, storage.
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = var.region
}

resource "aws_ebs_encryption_by_default" "this" {
  enabled = true
}
