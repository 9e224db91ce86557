variable "storage_accounts" {
  description = "One storage account per workload; imaging still serves an old viewer."
  default = {
    records = { tls = "TLS1_2" }
    imaging = { tls = "TLS1_0" }
  }
}

variable "public_container" {
  default = false
}

variable "sql_tls" {
  default = "1.2"
}
