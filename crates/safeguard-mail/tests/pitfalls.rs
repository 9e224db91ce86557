//! The Postfix parsing pitfalls, one test each, on the fixture directories
//! (which the differential test also runs through the real postconf):
//! exact values and exact spans.

mod common;

use common::{
    attr, boolean, dir_document, fixture, object, read, source, string, text_document, value_text,
};
use safeguard_mail::{
    ExpandError, PostfixOptions, expand, parse_main_cf, parse_master_cf, postconf_p_lines,
    unused_parameters,
};
use safeguard_model::Value;
use safeguard_source::{SourceFile, Span};

/// The span of the only occurrence of `needle` in `text`.
fn span_of(text: &str, needle: &str) -> Span {
    let start = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in text"));
    assert_eq!(text.matches(needle).count(), 1, "{needle:?} is not unique");
    Span::from_range(start..start + needle.len())
}

#[test]
fn an_indented_key_value_line_is_swallowed_by_the_previous_value() {
    let file = read(&fixture("continuation").join("main.cf"));
    let main = parse_main_cf(&file);
    assert!(main.errors().is_empty());
    let mynetworks = main.get("mynetworks").expect("mynetworks");
    assert_eq!(mynetworks.value, "127.0.0.0/8 smtpd_tls_auth_only = yes");
    assert_eq!(
        mynetworks.value_span,
        span_of(file.text(), "127.0.0.0/8\n  smtpd_tls_auth_only = yes")
    );
    let name = span_of(file.text(), "mynetworks =");
    assert_eq!(
        mynetworks.name_span,
        Span::new(name.start, name.start + "mynetworks".len() as u32)
    );
    assert!(main.get("smtpd_tls_auth_only").is_none());
    // So the server does not get auth_only.
    let doc = dir_document(&fixture("continuation"), &PostfixOptions::default());
    let smtp = "postfix.service[smtp/inet]";
    assert_eq!(string(&doc, smtp, "smtpd_tls_auth_only"), "no");
    assert_eq!(source(&doc, smtp, "smtpd_tls_auth_only"), "default");
    assert!(!boolean(&doc, smtp, "auth_only"));
}

#[test]
fn comment_and_blank_lines_do_not_end_a_value() {
    let file = read(&fixture("continuation").join("main.cf"));
    let main = parse_main_cf(&file);
    let restrictions = main
        .get("smtpd_recipient_restrictions")
        .expect("restrictions");
    assert_eq!(
        restrictions.value,
        "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"
    );
    assert_eq!(
        file.slice(restrictions.value_span),
        "permit_mynetworks,\n# a comment line inside a continued value\n    permit_sasl_authenticated,\n\n    reject_unauth_destination"
    );
    // An indented comment line after a value is a comment too.
    assert_eq!(main.value("smtpd_tls_security_level"), Some("may"));
    assert_eq!(
        main.value("smtpd_tls_cert_file"),
        Some("/etc/ssl/certs/mail.pem")
    );
}

#[test]
fn a_hash_after_a_value_is_data() {
    let file = read(&fixture("continuation").join("main.cf"));
    let main = parse_main_cf(&file);
    let relayhost = main.get("relayhost").expect("relayhost");
    assert_eq!(
        relayhost.value,
        "[smtp.example.com]:587 # a hash later in a line is data"
    );
    assert_eq!(
        relayhost.value_span,
        span_of(
            file.text(),
            "[smtp.example.com]:587 # a hash later in a line is data"
        )
    );
    let doc = dir_document(&fixture("continuation"), &PostfixOptions::default());
    assert_eq!(
        string(&doc, "postfix.client", "relayhost"),
        "[smtp.example.com]:587 # a hash later in a line is data"
    );
    assert_eq!(
        value_text(&doc, "postfix.client", "relayhost"),
        "[smtp.example.com]:587 # a hash later in a line is data"
    );
}

#[test]
fn whitespace_inside_a_line_is_kept_raw() {
    let main = parse_main_cf(&read(&fixture("continuation").join("main.cf")));
    assert_eq!(
        main.value("smtpd_banner"),
        Some("$myhostname   ESMTP\t$mail_name")
    );
}

#[test]
fn the_last_duplicate_wins_and_every_repeat_is_reported() {
    let file = read(&fixture("duplicates").join("main.cf"));
    let main = parse_main_cf(&file);
    assert_eq!(main.value("smtpd_tls_security_level"), Some("may"));
    let dups = main.duplicates();
    let found: Vec<(&str, &str, &str)> = dups
        .iter()
        .map(|d| {
            (
                d.earlier.name.as_str(),
                d.earlier.value.as_str(),
                d.later.value.as_str(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("smtpd_tls_security_level", "encrypt", "may"),
            ("smtpd_tls_protocols", ">=TLSv1.2", ">=TLSv1.2"),
        ]
    );
    assert_eq!(
        dups[0].earlier.span,
        span_of(file.text(), "smtpd_tls_security_level = encrypt")
    );
    assert_eq!(
        dups[0].later.span,
        span_of(file.text(), "smtpd_tls_security_level = may")
    );
    let doc = dir_document(&fixture("duplicates"), &PostfixOptions::default());
    assert_eq!(
        string(&doc, "postfix.main", "smtpd_tls_security_level"),
        "may"
    );
    assert_eq!(
        value_text(&doc, "postfix.main", "smtpd_tls_security_level"),
        "may"
    );
}

#[test]
fn a_repeated_service_line_replaces_the_earlier_one() {
    let dir = fixture("duplicates");
    let main = parse_main_cf(&read(&dir.join("main.cf")));
    let master = parse_master_cf(&read(&dir.join("master.cf")));
    assert_eq!(master.duplicates().len(), 1);
    let smtp = master.service("smtp", "inet").expect("smtp/inet");
    let overrides: Vec<(&str, &str)> = smtp
        .overrides
        .iter()
        .map(|o| (o.name.as_str(), o.value.as_str()))
        .collect();
    assert_eq!(overrides, vec![("smtpd_sasl_auth_enable", "no")]);
    // master(8) ignores the first line's `-o smtpd_tls_security_level=none`.
    let doc = dir_document(&dir, &PostfixOptions::default());
    assert_eq!(
        string(&doc, "postfix.service[smtp/inet]", "tls_level"),
        "may"
    );
    assert_eq!(
        doc.objects
            .iter()
            .filter(|o| o.kind == "postfix.smtpd")
            .count(),
        1
    );
    // postconf -P merges both lines' overrides and prints them under each.
    let printed: Vec<String> = postconf_p_lines(&main, &master, false)
        .iter()
        .map(|l| l.render())
        .collect();
    assert_eq!(
        printed,
        vec![
            "smtp/inet/smtpd_sasl_auth_enable = no",
            "smtp/inet/smtpd_tls_security_level = none",
            "smtp/inet/smtpd_sasl_auth_enable = no",
            "smtp/inet/smtpd_tls_security_level = none",
        ]
    );
}

#[test]
fn a_conditional_tests_emptiness_so_no_counts_as_set() {
    let doc = dir_document(&fixture("conditional"), &PostfixOptions::default());
    let smtp = "postfix.service[smtp/inet]";
    // x = no, so ${x?yes} is "yes" and ${x?{encrypt}:{may}} is "encrypt".
    assert_eq!(string(&doc, smtp, "smtpd_tls_auth_only"), "yes");
    assert_eq!(string(&doc, smtp, "smtpd_tls_security_level"), "encrypt");
    assert_eq!(string(&doc, smtp, "smtpd_tls_received_header"), "yes");
    assert_eq!(string(&doc, smtp, "smtpd_sasl_auth_enable"), "no");
    assert_eq!(
        string(&doc, smtp, "smtpd_tls_mandatory_protocols"),
        ">=TLSv1.2"
    );
    assert_eq!(string(&doc, smtp, "min_tls_version"), "TLSv1.2");
    let submission = "postfix.service[submission/inet]";
    assert_eq!(
        string(&doc, submission, "smtpd_tls_security_level"),
        "encrypt"
    );
    assert_eq!(
        value_text(&doc, submission, "smtpd_tls_security_level"),
        "$level_by_compat"
    );
    assert_eq!(string(&doc, submission, "smtpd_sasl_auth_enable"), "yes");
    assert_eq!(
        value_text(&doc, submission, "smtpd_sasl_auth_enable"),
        "${x?yes}"
    );
    // The raw main.cf keeps the expressions.
    assert_eq!(
        string(&doc, "postfix.main", "smtpd_tls_auth_only"),
        "${x?yes}"
    );
}

#[test]
fn built_in_defaults_make_a_value_unknown() {
    let doc = dir_document(&fixture("conditional"), &PostfixOptions::default());
    let main = parse_main_cf(&read(&fixture("conditional").join("main.cf")));
    let master = parse_master_cf(&read(&fixture("conditional").join("master.cf")));
    let banner = postconf_p_lines(&main, &master, true)
        .into_iter()
        .find(|l| l.parameter == "smtpd_banner")
        .expect("banner line");
    assert_eq!(banner.value, "$myhostname/no");
    assert!(!banner.exact);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
}

#[test]
fn groups_keep_commas_and_spaces() {
    let dir = fixture("groups");
    let main_file = read(&dir.join("main.cf"));
    let main = parse_main_cf(&main_file);
    assert_eq!(
        main.value("smtpd_client_restrictions"),
        Some("check_policy_service { inet:127.0.0.1:10023, default_action=DUNNO }, permit")
    );
    assert_eq!(
        main.value("smtpd_helo_restrictions"),
        Some("check_helo_access inline:{ { localhost = REJECT }, { example.com = OK } }")
    );
    let master_file = read(&dir.join("master.cf"));
    let master = parse_master_cf(&master_file);
    assert!(master.errors().is_empty(), "{:?}", master.errors());
    let submission = master.service("submission", "inet").expect("submission");
    let restriction = submission
        .override_for("smtpd_client_restrictions")
        .expect("override");
    let value = "check_policy_service { inet:127.0.0.1:10023, default_action=DUNNO }, permit_sasl_authenticated, reject";
    assert_eq!(restriction.value, value);
    assert_eq!(restriction.value_span, span_of(master_file.text(), value));
    assert_eq!(
        restriction.name_span,
        span_of(master_file.text(), "smtpd_client_restrictions")
    );
    assert_eq!(
        master_file.slice(restriction.span),
        format!("-o {{ smtpd_client_restrictions = {value} }}")
    );
    let level = submission
        .override_for("smtpd_tls_security_level")
        .expect("level");
    assert_eq!(level.value, "encrypt");
    assert_eq!(
        master_file.slice(level.span),
        "-o { smtpd_tls_security_level = encrypt }"
    );
}

#[test]
fn smtp_inet_and_smtp_unix_are_different_services() {
    let doc = dir_document(&fixture("services"), &PostfixOptions::default());
    let master = parse_master_cf(&read(&fixture("services").join("master.cf")));
    assert_eq!(
        master
            .service("smtp", "inet")
            .map(|s| s.command.text.as_str()),
        Some("postscreen")
    );
    assert_eq!(
        master
            .service("smtp", "unix")
            .map(|s| s.command.text.as_str()),
        Some("smtp")
    );
    let kinds: Vec<(&str, &str)> = common::addresses(&doc);
    assert_eq!(
        kinds,
        vec![
            ("postfix.main", "postfix.main"),
            ("postfix.smtp_client", "postfix.client"),
            ("postfix.smtpd", "postfix.service[smtpd/pass]"),
            ("postfix.smtp_client", "postfix.service[smtp/unix]"),
            ("postfix.smtp_client", "postfix.service[relay/unix]"),
            ("postfix.smtpd", "postfix.service[submission/inet]"),
            ("postfix.smtpd", "postfix.service[smtps/inet]"),
            ("postfix.smtpd", "postfix.service[2525/inet]"),
            ("postfix.smtpd", "postfix.service[127.0.0.1:10025/inet]"),
        ]
    );
    assert_eq!(
        string(&doc, "postfix.client", "smtp_tls_security_level"),
        "may"
    );
    assert_eq!(
        string(
            &doc,
            "postfix.service[smtp/unix]",
            "smtp_tls_security_level"
        ),
        "encrypt"
    );
    assert!(boolean(&doc, "postfix.service[smtp/unix]", "tls_enforced"));
    // postscreen hands port 25 over to `smtpd pass`.
    assert_eq!(
        attr(&doc, "postfix.service[smtpd/pass]", "port"),
        Value::Number(25.0)
    );
}

#[test]
fn wrappermode_on_465_enforces_tls_whatever_the_level() {
    let doc = dir_document(&fixture("services"), &PostfixOptions::default());
    let smtps = "postfix.service[smtps/inet]";
    assert_eq!(attr(&doc, smtps, "port"), Value::Number(465.0));
    assert_eq!(string(&doc, smtps, "smtpd_tls_security_level"), "none");
    assert!(boolean(&doc, smtps, "wrappermode"));
    assert!(boolean(&doc, smtps, "tls_enforced"));
    assert!(boolean(&doc, smtps, "auth_only"));
    assert_eq!(string(&doc, smtps, "tls_level"), "encrypt");
    assert_eq!(
        string(&doc, smtps, "tls_protocols_parameter"),
        "smtpd_tls_mandatory_protocols"
    );
    assert_eq!(value_text(&doc, smtps, "wrappermode"), "yes");
}

#[test]
fn every_override_spelling_is_read() {
    let file = read(&fixture("services").join("master.cf"));
    let master = parse_master_cf(&file);
    let service = master.service("2525", "inet").expect("2525/inet");
    let found: Vec<(&str, &str, &str)> = service
        .overrides
        .iter()
        .map(|o| (o.name.as_str(), o.value.as_str(), file.slice(o.span)))
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "smtpd_sasl_auth_enable",
                "yes",
                "-osmtpd_sasl_auth_enable=yes"
            ),
            (
                "smtpd_tls_mandatory_protocols",
                "TLSv1.2 TLSv1.3",
                "-o {smtpd_tls_mandatory_protocols = TLSv1.2 TLSv1.3}"
            ),
            (
                "smtpd_tls_security_level",
                "encrypt",
                "-o smtpd_tls_security_level=encrypt"
            ),
        ]
    );
    let doc = dir_document(&fixture("services"), &PostfixOptions::default());
    assert_eq!(
        string(&doc, "postfix.service[2525/inet]", "min_tls_version"),
        "TLSv1.2"
    );
    // An -o after a plain argument belongs to the command, not to Postfix.
    let filter = master.service("filter", "unix").expect("filter");
    assert!(filter.overrides.is_empty());
    assert!(filter.args.iter().any(|a| a.text == "not_an_override=1"));
}

#[test]
fn host_and_port_names_are_split() {
    let doc = dir_document(&fixture("services"), &PostfixOptions::default());
    let local = "postfix.service[127.0.0.1:10025/inet]";
    assert_eq!(attr(&doc, local, "port"), Value::Number(10025.0));
    assert_eq!(string(&doc, local, "listen_host"), "127.0.0.1");
    assert_eq!(attr(&doc, local, "min_tls_version"), Value::Null);
    assert_eq!(
        attr(&doc, "postfix.service[2525/inet]", "port"),
        Value::Number(2525.0)
    );
}

#[test]
fn names_are_case_sensitive_and_unused_ones_are_listed() {
    let dir = fixture("legacy");
    let main = parse_main_cf(&read(&dir.join("main.cf")));
    let master = parse_master_cf(&read(&dir.join("master.cf")));
    let unused: Vec<&str> = unused_parameters(&main, Some(&master))
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(unused, vec!["Smtpd_Tls_Auth_Only"]);
    let doc = dir_document(&dir, &PostfixOptions::default());
    assert!(!boolean(&doc, "postfix.service[smtp/inet]", "auth_only"));
}

#[test]
fn a_first_indented_line_and_a_line_without_equals_are_errors() {
    let main = "  leading = 1\nvalid = 2\nno equals here\n";
    let file = SourceFile::new("main.cf", main);
    let parsed = parse_main_cf(&file);
    let errors: Vec<(String, &str)> = parsed
        .errors()
        .iter()
        .map(|e| (e.to_string(), file.slice(e.span())))
        .collect();
    assert_eq!(
        errors,
        vec![
            (
                "logical line must not start with whitespace".to_owned(),
                "  leading = 1"
            ),
            (
                "missing '=' after attribute name".to_owned(),
                "no equals here"
            ),
        ]
    );
    assert_eq!(parsed.definitions().len(), 1);
    let doc = text_document(main, None, &PostfixOptions::default());
    assert_eq!(doc.errors.len(), 2);
    assert_eq!(
        doc.errors[0].message,
        "logical line must not start with whitespace"
    );
}

#[test]
fn a_self_referential_value_terminates_with_an_error() {
    let main = "a = x$a\nsmtpd_tls_security_level = $a\nb = $c\nc = $b\n";
    let parsed = parse_main_cf(&SourceFile::new("main.cf", main));
    let result = expand("$a", &MainOnly(&parsed));
    assert!(matches!(result.error, Some(ExpandError::TooDeep { .. })));
    assert!(result.text.starts_with("xxxx"));
    assert!(result.text.len() <= safeguard_mail::MAX_DEPTH + 1);
    let master = "smtp inet n - y - - smtpd -o smtpd_banner=$b\n";
    let doc = text_document(main, Some(master), &PostfixOptions::default());
    let smtp = "postfix.service[smtp/inet]";
    assert!(matches!(
        attr(&doc, smtp, "smtpd_tls_security_level"),
        Value::Unknown(_)
    ));
    assert!(matches!(
        attr(&doc, smtp, "tls_enforced"),
        Value::Unknown(_)
    ));
    let messages: Vec<&str> = doc.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with("unreasonable macro call nesting"),
        "{messages:?}"
    );
    // The error points at the value in main.cf.
    let error = &doc.errors[0];
    assert_eq!(error.path, std::path::PathBuf::from("main.cf"));
    assert!(matches!(
        &error.location,
        safeguard_model::InputErrorLocation::Span { span, .. } if *span == Span::new(35, 37)
    ));
    assert_eq!(object(&doc, smtp).kind, "postfix.smtpd");
}

struct MainOnly<'a>(&'a safeguard_mail::MainCf);

impl safeguard_mail::Resolve for MainOnly<'_> {
    fn lookup(&self, name: &str) -> safeguard_mail::Lookup<'_> {
        self.0
            .value(name)
            .map_or(safeguard_mail::Lookup::Undefined, |v| {
                safeguard_mail::Lookup::Value(v.into())
            })
    }
}
