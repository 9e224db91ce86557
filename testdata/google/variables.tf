variable "allowed_networks" {
  description = "Networks allowed to reach the reporting database."
  default = [
    { name = "office", cidr = "203.0.113.0/24" },
    { name = "anywhere", cidr = "0.0.0.0/0" },
  ]
}

variable "publish_reports" {
  default = false
}
