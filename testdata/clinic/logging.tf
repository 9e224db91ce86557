resource "aws_cloudtrail" "audit" {
  name                       = "riverside-audit"
  s3_bucket_name             = "riverside-audit-logs"
  is_multi_region_trail      = true
  enable_log_file_validation = true
}

resource "aws_cloudwatch_log_group" "portal_access" {
  name              = "/riverside/portal/access"
  retention_in_days = 2192
}

resource "aws_cloudwatch_log_group" "portal_app" {
  name              = "/riverside/portal/app"
  retention_in_days = 90
}

resource "aws_cloudwatch_log_group" "audit_events" {
  name              = "/riverside/audit"
  retention_in_days = var.audit_retention_days
}
