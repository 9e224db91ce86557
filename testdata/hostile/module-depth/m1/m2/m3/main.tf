resource "aws_efs_file_system" "deep" {}
