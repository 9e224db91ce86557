resource "aws_s3_bucket" "b" {
  for_each = toset(["a", "b", "c", "d"])
  bucket   = each.key
}
