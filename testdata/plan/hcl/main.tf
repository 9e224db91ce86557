# The configuration tfplan.json was planned from (see README.md).
resource "aws_s3_bucket" "phi" {
  bucket = "clinic-phi"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "phi" {
  bucket = aws_s3_bucket.phi.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}

resource "aws_s3_bucket" "scans" {
  bucket = "clinic-scans"
}

resource "aws_db_instance" "patients" {
  count                   = 2
  identifier              = "patients-${count.index}"
  engine                  = "postgres"
  instance_class          = "db.t4g.medium"
  storage_encrypted       = count.index == 0
  backup_retention_period = 7
}
