resource "aws_efs_file_system" "scans" {
  encrypted = false
}
