//! Settings in effect per service: master.cf overrides over main.cf over
//! the defaults of the Postfix release and compatibility level.

mod common;

use common::{
    attr, boolean, dir_document, object, shared, source, string, text_document, value_file,
    value_text,
};
use safeguard_mail::PostfixOptions;
use safeguard_model::Value;
use safeguard_source::Span;

fn version(major: u32, minor: u32) -> PostfixOptions {
    PostfixOptions {
        version: Some((major, minor)),
        compatibility_level: None,
    }
}

const MAY_ONLY: &str =
    "smtpd_tls_security_level = may\nsmtpd_tls_cert_file = /etc/ssl/certs/mail.pem\n";
const SMTP_ONLY: &str = "smtp inet n - y - - smtpd\n";

#[test]
fn unset_protocols_follow_the_release() {
    let smtp = "postfix.service[smtp/inet]";
    let doc = text_document(MAY_ONLY, Some(SMTP_ONLY), &version(3, 6));
    assert_eq!(string(&doc, smtp, "smtpd_tls_protocols"), ">=TLSv1");
    assert_eq!(source(&doc, smtp, "smtpd_tls_protocols"), "default");
    assert_eq!(string(&doc, smtp, "min_tls_version"), "TLSv1");
    assert_eq!(string(&doc, smtp, "postfix_version"), "3.6");
    assert!(!boolean(&doc, smtp, "postfix_version_assumed"));

    let doc = text_document(MAY_ONLY, Some(SMTP_ONLY), &version(3, 5));
    assert_eq!(string(&doc, smtp, "smtpd_tls_protocols"), "!SSLv2, !SSLv3");
    assert_eq!(
        string(&doc, smtp, "smtpd_tls_mandatory_protocols"),
        "!SSLv2, !SSLv3"
    );
    assert_eq!(string(&doc, smtp, "min_tls_version"), "TLSv1");

    // Postfix 3.0 allowed every protocol on opportunistic TLS.
    let doc = text_document(MAY_ONLY, Some(SMTP_ONLY), &version(3, 0));
    assert_eq!(string(&doc, smtp, "smtpd_tls_protocols"), "");
    assert_eq!(string(&doc, smtp, "min_tls_version"), "SSLv2");
}

#[test]
fn a_default_points_at_the_service_line() {
    let doc = text_document(MAY_ONLY, Some(SMTP_ONLY), &PostfixOptions::default());
    let smtp = "postfix.service[smtp/inet]";
    let entry = object(&doc, smtp)
        .attrs
        .get("smtpd_tls_protocols")
        .expect("protocols");
    assert_eq!(entry.value.span, Span::empty_at(0));
    assert_eq!(entry.value.origin, None);
    assert_eq!(entry.key_span, Span::empty_at(0));
    // A main.cf value in a master.cf object points into main.cf (file 0);
    // its key, which has no file of its own, at the service line.
    let level = object(&doc, smtp)
        .attrs
        .get("smtpd_tls_security_level")
        .expect("level");
    assert_eq!(level.value.origin, Some(0));
    assert_eq!(level.value.span, Span::new(27, 30));
    assert_eq!(level.key_span, Span::empty_at(0));
    assert_eq!(value_text(&doc, smtp, "smtpd_tls_security_level"), "may");
    assert_eq!(value_file(&doc, smtp, "smtpd_tls_security_level"), 0);
    assert_eq!(object(&doc, smtp).file, 1);
    assert_eq!(source(&doc, smtp, "smtpd_tls_security_level"), "main.cf");
    // Derived values point where their deciding setting is written.
    assert_eq!(value_text(&doc, smtp, "tls_level"), "may");
    assert!(boolean(&doc, smtp, "postfix_version_assumed"));
    assert_eq!(string(&doc, smtp, "postfix_version"), "3.7");
}

#[test]
fn an_override_points_at_its_value() {
    let master = "smtp inet n - y - - smtpd\nsubmission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n";
    let doc = text_document(MAY_ONLY, Some(master), &PostfixOptions::default());
    let submission = "postfix.service[submission/inet]";
    assert_eq!(
        value_text(&doc, submission, "smtpd_tls_security_level"),
        "encrypt"
    );
    assert_eq!(
        source(&doc, submission, "smtpd_tls_security_level"),
        "master.cf"
    );
    let entry = object(&doc, submission)
        .attrs
        .get("smtpd_tls_security_level")
        .expect("level");
    let master_text = master;
    let start = master_text.find("smtpd_tls_security_level").expect("name");
    assert_eq!(
        entry.key_span,
        Span::from_range(start..start + "smtpd_tls_security_level".len())
    );
    assert!(boolean(&doc, submission, "tls_enforced"));
    assert!(boolean(&doc, submission, "auth_only"));
    assert_eq!(attr(&doc, submission, "port"), Value::Number(587.0));
    assert_eq!(
        doc.files[object(&doc, submission).file].slice(object(&doc, submission).header_span),
        "submission inet"
    );
}

#[test]
fn wrappermode_implies_enforced_tls_and_auth_only() {
    let master =
        "465 inet n - y - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_sasl_auth_enable=yes\n";
    let doc = text_document("", Some(master), &PostfixOptions::default());
    let service = "postfix.service[465/inet]";
    assert_eq!(attr(&doc, service, "port"), Value::Number(465.0));
    assert_eq!(string(&doc, service, "smtpd_tls_security_level"), "");
    assert!(boolean(&doc, service, "wrappermode"));
    assert!(boolean(&doc, service, "tls_enforced"));
    assert!(boolean(&doc, service, "tls_offered"));
    assert!(boolean(&doc, service, "auth_only"));
    assert!(boolean(&doc, service, "sasl_enabled"));
    assert_eq!(
        string(&doc, service, "tls_protocols_parameter"),
        "smtpd_tls_mandatory_protocols"
    );
    assert!(!boolean(&doc, service, "tls_certificate_configured"));
}

#[test]
fn legacy_switches_apply_only_when_the_level_is_empty() {
    let smtp = "postfix.service[smtp/inet]";
    let doc = text_document(
        "smtpd_enforce_tls = yes\n",
        Some(SMTP_ONLY),
        &PostfixOptions::default(),
    );
    assert_eq!(string(&doc, smtp, "tls_level"), "encrypt");
    assert!(boolean(&doc, smtp, "auth_only"));
    let doc = text_document(
        "smtpd_enforce_tls = yes\nsmtpd_tls_security_level = may\n",
        Some(SMTP_ONLY),
        &PostfixOptions::default(),
    );
    assert_eq!(string(&doc, smtp, "tls_level"), "may");
    let doc = text_document(
        "smtpd_use_tls = yes\n",
        Some(SMTP_ONLY),
        &PostfixOptions::default(),
    );
    assert_eq!(string(&doc, smtp, "tls_level"), "may");
    assert!(boolean(&doc, smtp, "tls_offered"));
    assert!(!boolean(&doc, smtp, "tls_enforced"));
    let doc = text_document("", Some(SMTP_ONLY), &PostfixOptions::default());
    assert_eq!(string(&doc, smtp, "tls_level"), "none");
    assert_eq!(attr(&doc, smtp, "min_tls_version"), Value::Null);
}

#[test]
fn invalid_values_are_unknown_not_guessed() {
    let smtp = "postfix.service[smtp/inet]";
    let doc = text_document(
        "smtpd_tls_security_level = dane\n",
        Some(SMTP_ONLY),
        &PostfixOptions::default(),
    );
    assert!(matches!(
        attr(&doc, smtp, "tls_enforced"),
        Value::Unknown(_)
    ));
    let doc = text_document(
        "smtpd_tls_auth_only = maybe\n",
        Some(SMTP_ONLY),
        &PostfixOptions::default(),
    );
    assert!(matches!(attr(&doc, smtp, "auth_only"), Value::Unknown(_)));
    let doc = text_document(
        "smtpd_tls_security_level = may\nsmtpd_tls_protocols = TLSv1.4\n",
        Some(SMTP_ONLY),
        &PostfixOptions::default(),
    );
    let Value::Unknown(unknown) = attr(&doc, smtp, "min_tls_version") else {
        panic!("min_tls_version should be unknown");
    };
    assert!(unknown.reason.contains("TLSv1.4"), "{}", unknown.reason);
    // A value that needs a host-specific default is unknown too.
    let doc = text_document(
        "smtpd_tls_cert_file = /etc/ssl/$myhostname.pem\n",
        Some(SMTP_ONLY),
        &PostfixOptions::default(),
    );
    assert!(matches!(
        attr(&doc, smtp, "smtpd_tls_cert_file"),
        Value::Unknown(_)
    ));
    assert!(matches!(
        attr(&doc, smtp, "tls_certificate_configured"),
        Value::Unknown(_)
    ));
}

#[test]
fn the_client_level_default_depends_on_release_and_compatibility_level() {
    let client = "postfix.client";
    let at = |main: &str, options: &PostfixOptions| {
        string(
            &text_document(main, None, options),
            client,
            "smtp_tls_security_level",
        )
    };
    assert_eq!(at("compatibility_level = 3.11\n", &version(3, 11)), "may");
    assert_eq!(at("compatibility_level = 3.10\n", &version(3, 11)), "");
    assert_eq!(at("", &version(3, 11)), "");
    // An assumed 3.7 knows no compatibility level 3.11.
    assert_eq!(
        at("compatibility_level = 3.11\n", &PostfixOptions::default()),
        ""
    );
    let declared = PostfixOptions {
        version: Some((3, 11)),
        compatibility_level: Some("3.11".to_owned()),
    };
    let doc = text_document("compatibility_level = 2\n", None, &declared);
    assert_eq!(string(&doc, client, "smtp_tls_security_level"), "may");
    assert_eq!(string(&doc, client, "compatibility_level"), "3.11");
    assert_eq!(source(&doc, client, "compatibility_level"), "declared");
}

#[test]
fn a_missing_compatibility_level_means_zero() {
    let doc = text_document("", Some(SMTP_ONLY), &PostfixOptions::default());
    let smtp = "postfix.service[smtp/inet]";
    assert_eq!(string(&doc, smtp, "compatibility_level"), "0");
    assert_eq!(string(&doc, smtp, "smtpd_relay_restrictions"), "");
    let doc = text_document(
        "compatibility_level = 3.6\n",
        Some(SMTP_ONLY),
        &PostfixOptions::default(),
    );
    assert_eq!(
        string(&doc, smtp, "smtpd_relay_restrictions"),
        "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination"
    );
    let doc = text_document(
        "compatibility_level = three\n",
        Some(SMTP_ONLY),
        &PostfixOptions::default(),
    );
    assert!(matches!(
        attr(&doc, smtp, "smtpd_relay_restrictions"),
        Value::Unknown(_)
    ));
    assert!(
        doc.errors
            .iter()
            .any(|e| e.message.starts_with("malformed compatibility level"))
    );
}

#[test]
fn client_legacy_and_dane_levels() {
    let client = "postfix.client";
    let doc = text_document("smtp_enforce_tls = yes\n", None, &PostfixOptions::default());
    assert_eq!(string(&doc, client, "tls_level"), "verify");
    assert!(boolean(&doc, client, "tls_enforced"));
    let doc = text_document(
        "smtp_enforce_tls = yes\nsmtp_tls_enforce_peername = no\n",
        None,
        &PostfixOptions::default(),
    );
    assert_eq!(string(&doc, client, "tls_level"), "encrypt");
    let doc = text_document(
        "smtp_tls_security_level = dane\nsmtp_tls_mandatory_protocols = >=TLSv1.2\n",
        None,
        &PostfixOptions::default(),
    );
    assert!(!boolean(&doc, client, "tls_enforced"));
    assert_eq!(string(&doc, client, "min_tls_version"), "TLSv1");
    assert_eq!(
        string(&doc, client, "tls_protocols_parameter"),
        "smtp_tls_protocols"
    );
}

#[test]
fn docker_mailserver_enables_sasl_only_on_tls_enforced_submission() {
    let doc = dir_document(&shared("docker-mailserver"), &PostfixOptions::default());
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    let servers: Vec<&str> = doc
        .objects
        .iter()
        .filter(|o| o.kind == "postfix.smtpd")
        .map(|o| o.address.as_str())
        .collect();
    assert_eq!(
        servers,
        vec![
            "postfix.service[smtpd/pass]",
            "postfix.service[submission/inet]",
            "postfix.service[submissions/inet]",
        ]
    );
    // Port 25 (postscreen hands over to smtpd/pass): no SASL, opportunistic TLS.
    let mx = "postfix.service[smtpd/pass]";
    assert_eq!(attr(&doc, mx, "port"), Value::Number(25.0));
    assert!(!boolean(&doc, mx, "sasl_enabled"));
    assert_eq!(source(&doc, mx, "smtpd_sasl_auth_enable"), "main.cf");
    assert!(!boolean(&doc, mx, "tls_enforced"));
    assert!(boolean(&doc, mx, "tls_offered"));
    assert_eq!(string(&doc, mx, "min_tls_version"), "TLSv1.2");
    // 587: STARTTLS enforced by the level, SASL on.
    let submission = "postfix.service[submission/inet]";
    assert_eq!(attr(&doc, submission, "port"), Value::Number(587.0));
    assert!(boolean(&doc, submission, "sasl_enabled"));
    assert!(boolean(&doc, submission, "tls_enforced"));
    assert!(boolean(&doc, submission, "auth_only"));
    assert!(!boolean(&doc, submission, "wrappermode"));
    assert_eq!(value_text(&doc, submission, "sasl_enabled"), "yes");
    // 465: TLS from the first byte, SASL on.
    let submissions = "postfix.service[submissions/inet]";
    assert_eq!(attr(&doc, submissions, "port"), Value::Number(465.0));
    assert!(boolean(&doc, submissions, "sasl_enabled"));
    assert!(boolean(&doc, submissions, "wrappermode"));
    assert!(boolean(&doc, submissions, "tls_enforced"));
    assert!(boolean(&doc, submissions, "auth_only"));
    assert_eq!(string(&doc, submissions, "min_tls_version"), "TLSv1.2");
    // The invariant, for every server.
    for address in &servers {
        if boolean(&doc, address, "sasl_enabled") {
            assert!(boolean(&doc, address, "tls_enforced"), "{address}");
        }
        if attr(&doc, address, "port") == Value::Number(25.0) {
            assert!(!boolean(&doc, address, "sasl_enabled"), "{address}");
        }
    }
    assert_eq!(string(&doc, "postfix.client", "tls_level"), "may");
    assert_eq!(string(&doc, "postfix.client", "min_tls_version"), "TLSv1.2");
}

#[test]
fn debian_defaults_allow_tls_1_0() {
    let doc = dir_document(
        &shared("debian-bookworm-postfix"),
        &PostfixOptions::default(),
    );
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    let smtp = "postfix.service[smtp/inet]";
    assert_eq!(attr(&doc, smtp, "port"), Value::Number(25.0));
    assert_eq!(string(&doc, smtp, "tls_level"), "may");
    assert_eq!(string(&doc, smtp, "smtpd_tls_protocols"), ">=TLSv1");
    assert_eq!(source(&doc, smtp, "smtpd_tls_protocols"), "default");
    assert_eq!(string(&doc, smtp, "min_tls_version"), "TLSv1");
    assert!(!boolean(&doc, smtp, "sasl_enabled"));
    assert!(boolean(&doc, smtp, "tls_certificate_configured"));
    assert_eq!(string(&doc, smtp, "compatibility_level"), "3.6");
    // relay/unix has an override (syslog_name), so it gets its own object.
    assert_eq!(
        object(&doc, "postfix.service[relay/unix]").kind,
        "postfix.smtp_client"
    );
    assert_eq!(
        string(&doc, "postfix.client", "smtp_tls_security_level"),
        "may"
    );
    assert_eq!(
        value_text(&doc, "postfix.client", "smtp_tls_security_level"),
        "may"
    );
}

#[test]
fn without_master_cf_there_are_no_services() {
    let doc = text_document(MAY_ONLY, None, &PostfixOptions::default());
    let kinds: Vec<&str> = doc.objects.iter().map(|o| o.kind.as_str()).collect();
    assert_eq!(kinds, vec!["postfix.main", "postfix.smtp_client"]);
    assert_eq!(doc.files.len(), 1);
}
