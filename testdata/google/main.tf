resource "google_sql_database_instance" "reporting" {
  name             = "clinic-reporting"
  database_version = "POSTGRES_15"
  region           = "us-central1"

  settings {
    tier = "db-custom-2-7680"
    backup_configuration {
      enabled = true
    }
    ip_configuration {
      ipv4_enabled = true
      ssl_mode     = "ENCRYPTED_ONLY"
      dynamic "authorized_networks" {
        for_each = var.allowed_networks
        content {
          name  = authorized_networks.value.name
          value = authorized_networks.value.cidr
        }
      }
    }
  }
}

# A read replica inherits backups from its primary.
resource "google_sql_database_instance" "reporting_replica" {
  name                 = "clinic-reporting-replica"
  database_version     = "POSTGRES_15"
  region               = "us-central1"
  master_instance_name = google_sql_database_instance.reporting.name

  settings {
    tier = "db-custom-2-7680"
    ip_configuration {
      ipv4_enabled = false
      ssl_mode     = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"
    }
  }
}

# Off unless someone flips the variable: count = 0 is no object at all.
resource "google_storage_bucket_iam_member" "public_reports" {
  count  = var.publish_reports ? 1 : 0
  bucket = "clinic-reports"
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

resource "google_project_iam_audit_config" "all" {
  project = "clinic-prod"
  service = "allServices"
  audit_log_config {
    log_type = "DATA_WRITE"
  }
}

resource "google_compute_ssl_policy" "modern" {
  name            = "modern"
  profile         = "MODERN"
  min_tls_version = "TLS_1_2"
}
