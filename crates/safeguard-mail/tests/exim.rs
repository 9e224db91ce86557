//! The Exim reader and document on trees with includes, and the objects
//! and derived attributes policies read.

use safeguard_mail::{FsIncludeLoader, exim_document, read_exim};
use safeguard_model::{Document, Object, Value};
use safeguard_source::SourceFile;

fn object<'d>(document: &'d Document, address: &str) -> &'d Object {
    document
        .objects
        .iter()
        .find(|o| o.address == address)
        .unwrap_or_else(|| panic!("no {address}"))
}

fn attr(object: &Object, key: &str) -> Value {
    object
        .attrs
        .get(key)
        .unwrap_or_else(|| panic!("no {key} on {}", object.address))
        .value
        .value
        .clone()
}

fn string(text: &str) -> Value {
    Value::String(text.to_owned())
}

fn document(text: &str) -> Document {
    exim_document("example", SourceFile::new("exim.conf", text), None)
}

#[test]
fn relative_includes_loops_and_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("etc/exim");
    std::fs::create_dir_all(root.join("conf.d")).unwrap();
    std::fs::write(
        dir.path().join("etc/outside.conf"),
        "qualify_domain = evil\n",
    )
    .unwrap();
    std::fs::write(
        root.join("conf.d/main.conf"),
        "tls_certificate = /etc/exim/mx.crt\n.include ../exim.conf\n.include tls.conf\n",
    )
    .unwrap();
    std::fs::write(
        root.join("conf.d/tls.conf"),
        "tls_privatekey = /etc/exim/mx.key\n",
    )
    .unwrap();
    let main_text = "primary_hostname = mx\n.include conf.d/main.conf\n.include ../outside.conf\n.include missing.conf\n";
    std::fs::write(root.join("exim.conf"), main_text).unwrap();
    let loader = FsIncludeLoader::new(&root);
    let main = SourceFile::new(root.join("exim.conf"), main_text);
    let config = read_exim(main.clone(), Some(&loader), &[]);
    let errors: Vec<String> = config.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors[0].starts_with(".include ../exim.conf is already being read"),
        "{errors:?}"
    );
    assert!(errors[1].starts_with(".include ../outside.conf: "));
    assert!(errors[1].contains("outside the configuration root"));
    assert!(errors[2].starts_with("failed to open included configuration file "));
    assert!(errors[2].ends_with("missing.conf"));
    assert_eq!(config.files.len(), 3);
    assert_eq!(
        config.main("tls_privatekey").unwrap().value.text(),
        Some("/etc/exim/mx.key")
    );
    assert!(config.main("qualify_domain").is_none());

    // A value from an included file keeps its file; its key points at the
    // `.include` line of the main file.
    let document = exim_document("exim", main, Some(&loader));
    let main_object = object(&document, "exim.main");
    let entry = main_object.attrs.get("tls_certificate").unwrap();
    assert_eq!(entry.value.origin, Some(1));
    assert_eq!(
        &main_text[entry.key_span.range()],
        ".include conf.d/main.conf"
    );
}

#[test]
fn main_defaults_and_derivations() {
    let doc = document("primary_hostname = mx.example\n");
    let main = object(&doc, "exim.main");
    assert_eq!(attr(main, "tls_advertise_hosts"), string("*"));
    assert_eq!(attr(main, "auth_advertise_hosts"), string("*"));
    assert_eq!(
        attr(main, "openssl_options"),
        string("+no_sslv2 +no_sslv3 +single_dh_use +no_ticket +no_renegotiation")
    );
    assert_eq!(attr(main, "tls_offered"), Value::Bool(true));
    assert_eq!(attr(main, "tls_certificate_configured"), Value::Bool(false));
    assert_eq!(attr(main, "min_tls_version"), string("TLSv1"));
    assert_eq!(attr(main, "auth_advertised_without_tls"), Value::Bool(true));

    let doc = document(
        "tls_advertise_hosts =\nauth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}\n\
         openssl_options = +no_tlsv1 +no_tlsv1_1\ntls_require_ciphers = NORMAL:-VERS-TLS1.0:-VERS-TLS1.1\n",
    );
    let main = object(&doc, "exim.main");
    assert_eq!(attr(main, "tls_offered"), Value::Bool(false));
    assert_eq!(
        attr(main, "auth_advertised_without_tls"),
        Value::Bool(false)
    );
    assert_eq!(attr(main, "min_tls_version"), string("TLSv1.2"));
    assert_eq!(attr(main, "min_tls_version_openssl"), string("TLSv1.2"));
    assert_eq!(attr(main, "min_tls_version_gnutls"), string("TLSv1.2"));
}

#[test]
fn build_dependent_branches_are_unknown_not_guessed() {
    let doc = document(
        ".ifdef _HAVE_TLS_RESUME\ntls_resumption_hosts = *\n.endif\n\
         begin transports\n.ifdef _DRIVER_TRANSPORT_LMTP\nlmtp:\n  driver = lmtp\n.endif\n\
         remote:\n  driver = smtp\n",
    );
    let main = object(&doc, "exim.main");
    let Value::Unknown(unknown) = attr(main, "tls_resumption_hosts") else {
        panic!("expected unknown");
    };
    assert_eq!(
        unknown.reason,
        "`_HAVE_TLS_RESUME` is an Exim built-in macro, defined or not depending on how Exim was built"
    );
    let lmtp = object(&doc, "exim.transport[lmtp]");
    assert!(
        lmtp.existence_unknown
            .as_deref()
            .unwrap()
            .contains("_DRIVER_TRANSPORT_LMTP")
    );
    assert_eq!(
        object(&doc, "exim.transport[remote]").existence_unknown,
        None
    );
    assert!(doc.errors.is_empty());
}

#[test]
fn smarthost_routing_connects_routers_to_transports() {
    let doc = document(
        "hostlist providers = *.relay.example\n\
         begin routers\n\
         covered:\n  driver = manualroute\n  transport = t_named\n  route_list = * smtp.relay.example::587\n\
         by_rule:\n  driver = manualroute\n  transport = t_plain\n  route_list = a.example smtp.relay.example t_named ; b.example 192.0.2.7\n\
         lookup:\n  driver = manualroute\n  transport = t_named\n  route_data = ${lookup{$domain}lsearch{/etc/routes}}\n\
         local:\n  driver = manualroute\n  transport = t_local\n  route_list = * localhost\n\
         begin transports\n\
         t_named:\n  driver = smtp\n  hosts_require_tls = +providers\n\
         t_plain:\n  driver = smtp\n\
         t_local:\n  driver = lmtp\n  socket = /run/lmtp\n",
    );
    let covered = object(&doc, "exim.router[covered]");
    assert_eq!(attr(covered, "smarthost_tls_required"), Value::Bool(true));
    let Value::List(hosts) = attr(covered, "smarthosts") else {
        panic!()
    };
    assert_eq!(hosts[0].value, string("smtp.relay.example:587"));
    let by_rule = object(&doc, "exim.router[by_rule]");
    assert_eq!(attr(by_rule, "smarthost_tls_required"), Value::Bool(false));
    let Value::Unknown(unknown) = attr(
        object(&doc, "exim.router[lookup]"),
        "smarthost_tls_required",
    ) else {
        panic!("expected unknown");
    };
    assert!(unknown.reason.contains("route_data"));
    assert!(
        object(&doc, "exim.router[local]")
            .attrs
            .get("smarthost_tls_required")
            .is_none()
    );
    let Value::List(routers) = attr(object(&doc, "exim.transport[t_named]"), "routers") else {
        panic!()
    };
    let names: Vec<_> = routers.iter().map(|n| n.value.clone()).collect();
    assert_eq!(
        names,
        vec![string("covered"), string("by_rule"), string("lookup")]
    );
}

#[test]
fn authenticators() {
    let doc = document(
        "begin authenticators\n\
         PLAIN:\n  driver = plaintext\n  server_condition = x\n  server_advertise_condition = ${if !eq{$tls_in_cipher}{}}\n\
         login:\n  driver = plaintext\n  public_name = LOGIN\n  server_condition = x\n\
         cram:\n  driver = cram_md5\n  public_name = CRAM-MD5\n  server_secret = x\n\
         odd:\n  driver = plaintext\n  public_name = PLAIN\n  server_condition = x\n  server_advertise_condition = ${if eq{$received_port}{587}}\n",
    );
    let plain = object(&doc, "exim.authenticator[PLAIN]");
    assert_eq!(attr(plain, "public_name"), string("PLAIN"));
    assert_eq!(attr(plain, "plaintext_mechanism"), Value::Bool(true));
    assert_eq!(attr(plain, "advertised_without_tls"), Value::Bool(false));
    let login = object(&doc, "exim.authenticator[login]");
    assert_eq!(attr(login, "advertised_without_tls"), Value::Bool(true));
    let cram = object(&doc, "exim.authenticator[cram]");
    assert_eq!(attr(cram, "plaintext_mechanism"), Value::Bool(false));
    assert_eq!(attr(cram, "server"), Value::Bool(true));
    assert!(matches!(
        attr(
            object(&doc, "exim.authenticator[odd]"),
            "advertised_without_tls"
        ),
        Value::Unknown(_)
    ));
}

#[test]
fn hostile_input_is_bounded() {
    // Macro blow-up: each definition doubles the previous one.
    let mut text = String::from("M00 = xxxxxxxxxxxxxxxx\n");
    for i in 1..40 {
        text.push_str(&format!("M{i:02} = M{:02} M{:02}\n", i - 1, i - 1));
    }
    text.push_str("primary_hostname = M39\n");
    let config = read_exim(SourceFile::new("c", text), None, &[]);
    assert!(
        config
            .errors
            .iter()
            .any(|e| e.to_string().contains("longer than")),
        "{:?}",
        config.errors
    );
    // Deep nesting and long continuations do not recurse or panic.
    let deep = ".ifdef X\n".repeat(10_000) + &"a \\\n".repeat(10_000);
    let _ = read_exim(SourceFile::new("c", deep), None, &[]);
}

#[test]
fn an_absolute_include_if_exists_outside_the_tree_is_reported_not_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let text = ".include_if_exists /nonexistent-safeguard-test/local.conf\n";
    std::fs::write(dir.path().join("exim.conf"), text).unwrap();
    let loader = FsIncludeLoader::new(dir.path());
    let config = read_exim(
        SourceFile::new(dir.path().join("exim.conf"), text),
        Some(&loader),
        &[],
    );
    let errors: Vec<String> = config.errors.iter().map(ToString::to_string).collect();
    // Refused as outside the tree whether or not this machine has the
    // directory (the mail host may): the report does not depend on where
    // the scan runs.
    assert_eq!(
        errors,
        vec![format!(
            ".include /nonexistent-safeguard-test/local.conf: /nonexistent-safeguard-test is outside the configuration root {}",
            dir.path().display()
        )]
    );
    assert_eq!(config.errors[0].at.span.start, 0);
}
