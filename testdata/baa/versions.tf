terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
    sendgrid = {
      source  = "Trois-Six/sendgrid"
      version = "~> 1.0"
    }
    mailgun = {
      source = "wgebis/mailgun"
    }
  }
}
