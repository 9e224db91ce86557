resource "okta_policy_signon" "staff" {
  name   = "Staff sign-on"
  status = "ACTIVE"
}

# A rule for the clinic network that skips MFA.
resource "okta_policy_rule_signon" "clinic_network" {
  policy_id    = okta_policy_signon.staff.id
  name         = "Clinic network"
  access       = "ALLOW"
  mfa_required = false
}

resource "okta_policy_rule_signon" "everywhere_else" {
  policy_id    = okta_policy_signon.staff.id
  name         = "Everywhere else"
  access       = "ALLOW"
  mfa_required = true
}
