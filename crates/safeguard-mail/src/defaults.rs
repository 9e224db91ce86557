//! Built-in defaults of the parameters safeguard judges, by Postfix release.
//!
//! Values are Postfix's own default *expressions*, unexpanded, so a default
//! that depends on `compatibility_level` (`smtpd_relay_restrictions`, and
//! `smtp_tls_security_level` from 3.11) is evaluated by the same expansion
//! code as any other value. The 3.7 values are checked against `postconf -d`
//! by the differential test. Other built-in defaults (`$myhostname`, …)
//! depend on the host and stay unknown.

use crate::version::PostfixVersion;

/// Defaults that are the same in every release we model (checked for 3.7).
const COMMON: [(&str, &str); 77] = [
    ("compatibility_level", "0"),
    ("default_transport", "smtp"),
    ("relay_transport", "relay"),
    ("relayhost", ""),
    ("sender_dependent_relayhost_maps", ""),
    ("smtp_dns_support_level", ""),
    ("smtp_enforce_tls", "no"),
    ("smtp_sasl_auth_enable", "no"),
    ("smtp_sasl_mechanism_filter", ""),
    ("smtp_sasl_password_maps", ""),
    ("smtp_sasl_security_options", "noplaintext, noanonymous"),
    (
        "smtp_sasl_tls_security_options",
        "$smtp_sasl_security_options",
    ),
    (
        "smtp_sasl_tls_verified_security_options",
        "$smtp_sasl_tls_security_options",
    ),
    ("smtp_tls_CAfile", ""),
    ("smtp_tls_CApath", ""),
    ("smtp_tls_cert_file", ""),
    ("smtp_tls_ciphers", "medium"),
    ("smtp_tls_enforce_peername", "yes"),
    ("smtp_tls_exclude_ciphers", ""),
    ("smtp_tls_key_file", "$smtp_tls_cert_file"),
    ("smtp_tls_loglevel", "0"),
    ("smtp_tls_mandatory_ciphers", "medium"),
    ("smtp_tls_mandatory_exclude_ciphers", ""),
    ("smtp_tls_policy_maps", ""),
    ("smtp_tls_wrappermode", "no"),
    ("smtp_use_tls", "no"),
    ("smtpd_client_restrictions", ""),
    ("smtpd_enforce_tls", "no"),
    ("smtpd_recipient_restrictions", ""),
    (
        "smtpd_relay_restrictions",
        "${{$compatibility_level} <level {1} ? {} : \
         {permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination}}",
    ),
    ("smtpd_sasl_auth_enable", "no"),
    ("smtpd_sasl_authenticated_header", "no"),
    ("smtpd_sasl_exceptions_networks", ""),
    ("smtpd_sasl_path", "smtpd"),
    ("smtpd_sasl_security_options", "noanonymous"),
    (
        "smtpd_sasl_tls_security_options",
        "$smtpd_sasl_security_options",
    ),
    ("smtpd_sasl_type", "cyrus"),
    ("smtpd_sender_restrictions", ""),
    ("smtpd_service_name", "smtpd"),
    ("smtpd_tls_CAfile", ""),
    ("smtpd_tls_CApath", ""),
    ("smtpd_tls_ask_ccert", "no"),
    ("smtpd_tls_auth_only", "no"),
    ("smtpd_tls_cert_file", ""),
    ("smtpd_tls_chain_files", ""),
    ("smtpd_tls_ciphers", "medium"),
    ("smtpd_tls_dcert_file", ""),
    ("smtpd_tls_dkey_file", "$smtpd_tls_dcert_file"),
    ("smtpd_tls_eccert_file", ""),
    ("smtpd_tls_eckey_file", "$smtpd_tls_eccert_file"),
    ("smtpd_tls_exclude_ciphers", ""),
    ("smtpd_tls_key_file", "$smtpd_tls_cert_file"),
    ("smtpd_tls_loglevel", "0"),
    ("smtpd_tls_mandatory_ciphers", "medium"),
    ("smtpd_tls_mandatory_exclude_ciphers", ""),
    ("smtpd_tls_received_header", "no"),
    ("smtpd_tls_req_ccert", "no"),
    ("smtpd_tls_security_level", ""),
    ("smtpd_tls_wrappermode", "no"),
    ("smtpd_use_tls", "no"),
    (
        "tls_export_cipherlist",
        "aNULL:-aNULL:HIGH:MEDIUM:LOW:EXPORT:+RC4:@STRENGTH",
    ),
    ("tls_high_cipherlist", "aNULL:-aNULL:HIGH:@STRENGTH"),
    (
        "tls_low_cipherlist",
        "aNULL:-aNULL:HIGH:MEDIUM:LOW:+RC4:@STRENGTH",
    ),
    (
        "tls_medium_cipherlist",
        "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH",
    ),
    ("tls_null_cipherlist", "eNULL:!aNULL"),
    ("tls_preempt_cipherlist", "no"),
    ("tls_ssl_options", ""),
    ("transport_maps", ""),
    // Version-dependent; see `by_version`. Listed so `default_names` is complete.
    ("known_tcp_ports", ""),
    ("lmtp_tls_mandatory_protocols", ""),
    ("lmtp_tls_protocols", ""),
    ("lmtp_tls_security_level", ""),
    ("smtp_tls_mandatory_protocols", ""),
    ("smtp_tls_protocols", ""),
    ("smtp_tls_security_level", ""),
    ("smtpd_tls_mandatory_protocols", ""),
    ("smtpd_tls_protocols", ""),
];

/// The defaults that changed between releases.
fn by_version(name: &str, version: PostfixVersion) -> Option<&'static str> {
    // Protocols: ">=TLSv1" from 3.6 (mail_params.h, 20200725), "!SSLv2,
    // !SSLv3" from 3.1 (also in 3.0 patch releases), before that "!SSLv2"
    // except an empty (all protocols) smtpd_tls_protocols.
    let protocols = if version.at_least(3, 6) {
        ">=TLSv1"
    } else if version.at_least(3, 1) {
        "!SSLv2, !SSLv3"
    } else if name == "smtpd_tls_protocols" {
        ""
    } else {
        "!SSLv2"
    };
    Some(match name {
        "smtpd_tls_protocols"
        | "smtpd_tls_mandatory_protocols"
        | "smtp_tls_protocols"
        | "smtp_tls_mandatory_protocols"
        | "lmtp_tls_protocols"
        | "lmtp_tls_mandatory_protocols" => protocols,
        // `may` at compatibility level 3.11 and later, but only in releases
        // that know that level.
        "smtp_tls_security_level" if version.at_least(3, 11) => {
            "${{$compatibility_level} <level {3.11} ? {} : {may}}"
        }
        "smtp_tls_security_level" | "lmtp_tls_security_level" => "",
        // From 3.6 service ports come from here; before, from
        // /etc/services, which says the same for these names.
        "known_tcp_ports" => "lmtp=24, smtp=25, smtps=submissions=465, submission=587",
        _ => return None,
    })
}

/// Postfix's default for `name` in `version`, unexpanded, for the
/// parameters safeguard models; `None` for any other parameter.
#[must_use]
pub fn default_value(name: &str, version: PostfixVersion) -> Option<&'static str> {
    by_version(name, version).or_else(|| {
        COMMON
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, value)| *value)
    })
}

/// The names [`default_value`] knows.
pub fn default_names() -> impl Iterator<Item = &'static str> {
    COMMON.iter().map(|(name, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_defaults_follow_the_release() {
        let v = PostfixVersion::new;
        assert_eq!(
            default_value("smtpd_tls_protocols", v(3, 6)),
            Some(">=TLSv1")
        );
        assert_eq!(
            default_value("smtpd_tls_protocols", v(3, 5)),
            Some("!SSLv2, !SSLv3")
        );
        assert_eq!(
            default_value("smtpd_tls_mandatory_protocols", v(3, 1)),
            Some("!SSLv2, !SSLv3")
        );
        assert_eq!(default_value("smtpd_tls_protocols", v(3, 0)), Some(""));
        assert_eq!(
            default_value("smtp_tls_protocols", v(2, 11)),
            Some("!SSLv2")
        );
    }

    #[test]
    fn client_level_default_needs_a_3_11_release() {
        assert_eq!(
            default_value("smtp_tls_security_level", PostfixVersion::new(3, 7)),
            Some("")
        );
        assert!(
            default_value("smtp_tls_security_level", PostfixVersion::new(3, 11))
                .is_some_and(|v| v.contains("<level {3.11}"))
        );
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = default_names().collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
        assert_eq!(default_value("myhostname", PostfixVersion::ASSUMED), None);
    }
}
