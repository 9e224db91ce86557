# MFA for everyone, but only in report-only mode: it enforces nothing.
resource "azuread_conditional_access_policy" "mfa_everyone" {
  display_name = "Require MFA for all users"
  state        = "enabledForReportingButNotEnforced"

  conditions {
    client_app_types = ["all"]
    users {
      included_users = ["All"]
    }
    applications {
      included_applications = ["All"]
    }
  }

  grant_controls {
    operator          = "OR"
    built_in_controls = ["mfa"]
  }
}

# Legacy authentication is blocked, and enforced.
resource "azuread_conditional_access_policy" "block_legacy" {
  display_name = "Block legacy authentication"
  state        = "enabled"

  conditions {
    client_app_types = ["exchangeActiveSync", "other"]
    users {
      included_users = ["All"]
    }
    applications {
      included_applications = ["All"]
    }
  }

  grant_controls {
    operator          = "OR"
    built_in_controls = ["block"]
  }
}
