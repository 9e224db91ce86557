resource "aws_s3_bucket" "b" {
  count = 100000000
}
