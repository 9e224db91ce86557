resource "aws_db_instance" "patients" {
  identifier              = "riverside-patients-${var.environment}"
  engine                  = "postgres"
  engine_version          = "16.3"
  instance_class          = "db.r6g.large"
  allocated_storage       = 200
  username                = "portal"
  password                = var.db_password
  storage_encrypted       = true
  backup_retention_period = 14
  publicly_accessible     = false
}

# Reporting copy restored by the analytics team; nobody set encryption.
resource "aws_db_instance" "reporting" {
  identifier              = "riverside-reporting"
  engine                  = "postgres"
  instance_class          = "db.t4g.medium"
  allocated_storage       = 50
  username                = "analyst"
  password                = var.db_password
  backup_retention_period = 0
}

resource "aws_rds_cluster" "claims" {
  cluster_identifier = "riverside-claims"
  engine             = "aurora-postgresql"
  master_username    = "claims"
  master_password    = var.db_password
  storage_encrypted  = true
}

resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = "portal-sessions"
  description                = "Portal session cache"
  engine                     = "redis"
  node_type                  = "cache.t4g.small"
  at_rest_encryption_enabled = true
  transit_encryption_enabled = false
}
