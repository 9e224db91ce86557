module "etc" {
  source = "../../../../../../../../../../etc"
}
