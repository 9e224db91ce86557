//! The normalized object kinds and their attributes. Policies are written
//! against these names, whichever reader produced the object; the readers
//! fill every attribute, with a value or with the reason it is unknown.

use safeguard_model::Format;

/// Every kind with its attributes, in the order objects list them.
pub const KINDS: &[(&str, &[&str])] = &[
    ("m365.tenant", &["source", "tool_version", "tenant"]),
    (
        "m365.mail_connector",
        &[
            "name",
            "direction",
            "enabled",
            "connector_type",
            "partner",
            "require_tls",
            "tls_mode",
            "tls_domain",
            "smart_hosts",
            "domains",
        ],
    ),
    (
        "m365.transport",
        &[
            "smtp_client_auth_disabled",
            "allow_legacy_tls_clients",
            "tls_send_domain_secure_list",
        ],
    ),
    (
        "m365.transport_rule",
        &[
            "name",
            "enabled",
            "route_outbound_require_tls",
            "applies_encryption",
        ],
    ),
    (
        "m365.audit",
        &[
            "unified_log_enabled",
            "mailbox_audit_enabled",
            "retention",
            "retention_days",
            "admin_audit_log_age_limit_days",
        ],
    ),
    ("m365.alert_policy", &["name", "enabled", "severity"]),
    (
        "m365.conditional_access_policy",
        &[
            "name",
            "state",
            "include_users",
            "include_groups",
            "include_roles",
            "exclusions",
            "exclusions_text",
            "include_applications",
            "client_app_types",
            "built_in_controls",
            "grant_operator",
            "authentication_strength",
            "mfa",
            "phishing_resistant",
            "block",
        ],
    ),
    (
        "m365.auth_methods",
        &["sms_enabled", "voice_enabled", "email_enabled"],
    ),
    (
        "m365.sharing",
        &[
            "sharepoint_level",
            "onedrive_level",
            "default_link_type",
            "anonymous_link_expiry_days",
            "legacy_auth_protocols_enabled",
            "guest_invites_from",
        ],
    ),
    (
        "m365.teams_federation",
        &[
            "allow_federated_users",
            "allowed_domains",
            "allow_teams_consumer",
            "allow_teams_consumer_inbound",
        ],
    ),
    (
        "m365.teams_client",
        &[
            "allow_dropbox",
            "allow_box",
            "allow_google_drive",
            "allow_sharefile",
            "allow_egnyte",
            "allow_email_into_channel",
        ],
    ),
    (
        "m365.owa_policy",
        &["name", "additional_storage_providers_available"],
    ),
    (
        "m365.app_consent",
        &[
            "user_consent_allowed",
            "user_consent_policies",
            "users_can_create_apps",
            "admin_consent_workflow_enabled",
        ],
    ),
    (
        "m365.remote_domain",
        &["name", "domain", "auto_forward_enabled"],
    ),
    (
        "m365.session",
        &["idle_timeout_enabled", "idle_timeout_seconds"],
    ),
    ("m365.encryption", &["rms_enabled"]),
    (
        "m365.retention_policy",
        &[
            "name",
            "enabled",
            "workloads",
            "duration_days",
            "unlimited",
            "action",
        ],
    ),
    (
        "m365.dlp_policy",
        &["name", "enabled", "mode", "workloads", "sensitive_types"],
    ),
    ("m365.spf_record", &["domain", "includes", "all"]),
    (
        "gws.two_step",
        &[
            "org_unit",
            "enrollment_allowed",
            "enforced",
            "enforced_from",
            "allowed_factors",
            "device_trust_allowed",
        ],
    ),
    (
        "gws.security",
        &[
            "org_unit",
            "less_secure_apps_allowed",
            "session_duration_seconds",
        ],
    ),
    (
        "gws.gmail",
        &[
            "org_unit",
            "external_smtp_allowed",
            "auto_forwarding_enabled",
            "imap_enabled",
            "pop_enabled",
        ],
    ),
    (
        "gws.sharing",
        &["org_unit", "external_sharing_mode", "default_file_access"],
    ),
    (
        "gws.apps",
        &[
            "org_unit",
            "marketplace_access",
            "unconfigured_third_party_apps_access",
        ],
    ),
    ("gws.service", &["org_unit", "service", "state"]),
];

/// The attributes of a kind; none for a kind that does not exist.
#[must_use]
pub fn attrs_of(kind: &str) -> &'static [&'static str] {
    KINDS
        .iter()
        .find(|(name, _)| *name == kind)
        .map_or(&[], |(_, attrs)| attrs)
}

/// `m365.*` kinds are Microsoft 365, `gws.*` Google Workspace.
#[must_use]
pub fn format_of(kind: &str) -> Format {
    if kind.starts_with("gws.") {
        Format::GoogleWorkspace
    } else {
        Format::M365
    }
}

/// Kinds with one object per tenant; the others have one per item (per
/// org unit for Google Workspace).
pub(crate) const SINGLETONS: [&str; 10] = [
    "m365.tenant",
    "m365.transport",
    "m365.audit",
    "m365.auth_methods",
    "m365.sharing",
    "m365.teams_federation",
    "m365.teams_client",
    "m365.app_consent",
    "m365.session",
    "m365.encryption",
];
