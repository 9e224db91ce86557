resource "aws_s3_bucket" "records" {
  bucket = "riverside-patient-records"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "records" {
  bucket = aws_s3_bucket.records.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}

# Scanned referral letters: uploaded by the front desk, never encrypted.
resource "aws_s3_bucket" "referrals" {
  bucket = "riverside-referral-scans"
}

resource "aws_efs_file_system" "imaging" {
  creation_token = "riverside-imaging"
  encrypted      = true
}

resource "aws_ebs_volume" "dicom_cache" {
  availability_zone = "${var.region}a"
  size              = 500
}
