resource "azurerm_storage_account" "data" {
  for_each                          = var.storage_accounts
  name                              = "clinic${each.key}"
  resource_group_name               = "clinic"
  location                          = "eastus"
  account_tier                      = "Standard"
  account_replication_type          = "GRS"
  min_tls_version                   = each.value.tls
  infrastructure_encryption_enabled = true
  allow_nested_items_to_be_public   = false
}

resource "azurerm_storage_container" "scans" {
  name                  = "scans"
  storage_account_id    = azurerm_storage_account.data["imaging"].id
  container_access_type = var.public_container ? "blob" : "private"
}

resource "azurerm_mssql_server" "ehr" {
  name                = "clinic-ehr"
  resource_group_name = "clinic"
  location            = "eastus"
  version             = "12.0"
  minimum_tls_version = var.sql_tls
}

# Auditing is a separate resource; 90 days is far short of six years.
resource "azurerm_mssql_server_extended_auditing_policy" "ehr" {
  server_id         = azurerm_mssql_server.ehr.id
  retention_in_days = 90
}

resource "azurerm_mssql_firewall_rule" "everyone" {
  name             = "temporary-vendor-access"
  server_id        = azurerm_mssql_server.ehr.id
  start_ip_address = "0.0.0.0"
  end_ip_address   = "255.255.255.255"
}

# No minimum_tls_version: azurerm 4.x defaults to TLS 1.0.
resource "azurerm_redis_cache" "sessions" {
  name                = "clinic-sessions"
  location            = "eastus"
  resource_group_name = "clinic"
  capacity            = 1
  family              = "C"
  sku_name            = "Standard"
}

resource "azurerm_key_vault" "keys" {
  name                = "clinic-keys"
  location            = "eastus"
  resource_group_name = "clinic"
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = "standard"
}
