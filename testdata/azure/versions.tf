terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0" # 4.x defaults: Redis TLS 1.0, nested items public
    }
  }
}
