//! Next hops (`postfix.next_hop`) with the TLS policy of each leg, lookup
//! tables in files, and duplicate main.cf parameters.

mod common;

use common::{attr, object, string};
use safeguard_mail::{PostfixOptions, TableFileError, TableLoader, postfix_document_with_tables};
use safeguard_model::{Document, Value};
use safeguard_source::SourceFile;

/// Serves table files from a list, as if they were in the scanned tree.
struct Tree(Vec<(&'static str, &'static str)>);

impl TableLoader for Tree {
    fn load(&self, path: &str) -> Result<SourceFile, TableFileError> {
        self.0
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(p, text)| SourceFile::new(p.trim_start_matches("/etc/postfix/"), *text))
            .ok_or_else(|| TableFileError::NotInTree {
                looked: path.to_owned(),
            })
    }
}

fn document(main: &str, master: Option<&str>, tree: &Tree) -> Document {
    postfix_document_with_tables(
        "test",
        SourceFile::new("main.cf", main),
        master.map(|m| SourceFile::new("master.cf", m)),
        &PostfixOptions::default(),
        Some(tree),
    )
}

fn hops(doc: &Document) -> Vec<&str> {
    doc.objects
        .iter()
        .filter(|o| o.kind == "postfix.next_hop")
        .map(|o| o.address.as_str())
        .collect()
}

fn unknown_reason(doc: &Document, address: &str, name: &str) -> String {
    match attr(doc, address, name) {
        Value::Unknown(u) => u.reason,
        other => panic!("{name} is {other:?}, not unknown"),
    }
}

const RELAY: &str = "relayhost = [SMTP.example.com.]:587\nsmtp_tls_security_level = may\nsmtp_tls_policy_maps = hash:/etc/postfix/tls_policy\n";

#[test]
fn a_hash_policy_map_read_from_its_source_file() {
    let tree = Tree(vec![(
        "/etc/postfix/tls_policy",
        "# per destination\n[smtp.example.com.]:587  encrypt\n    protocols=>=TLSv1.2:!TLSv1.3\n",
    )]);
    let doc = document(RELAY, None, &tree);
    assert_eq!(
        hops(&doc),
        vec![
            "postfix.next_hop[smtp:[SMTP.example.com.]:587]",
            "postfix.next_hop[relay:[SMTP.example.com.]:587]"
        ]
    );
    let hop = "postfix.next_hop[smtp:[SMTP.example.com.]:587]";
    assert_eq!(string(&doc, hop, "host"), "smtp.example.com");
    assert_eq!(attr(&doc, hop, "port"), Value::Number(587.0));
    assert_eq!(string(&doc, hop, "transport"), "smtp");
    assert_eq!(string(&doc, hop, "source"), "relayhost");
    assert_eq!(string(&doc, hop, "tls_security_level"), "encrypt");
    assert_eq!(attr(&doc, hop, "tls_enforced"), Value::Bool(true));
    assert_eq!(string(&doc, hop, "tls_min_version"), "TLSv1.2");
    assert_eq!(
        string(&doc, hop, "tls_policy_protocols"),
        ">=TLSv1.2:!TLSv1.3"
    );
    // The hop is where relayhost is written; its level where the policy is.
    let object = object(&doc, hop);
    assert_eq!(
        doc.files[object.file].slice(object.span),
        "[SMTP.example.com.]:587"
    );
    let level = &object.attrs.get("tls_security_level").unwrap().value;
    let file = &doc.files[level.origin.unwrap() as usize];
    assert_eq!(file.path().to_str(), Some("tls_policy"));
    assert_eq!(
        file.slice(level.span),
        "[smtp.example.com.]:587  encrypt\n    protocols=>=TLSv1.2:!TLSv1.3"
    );
}

#[test]
fn a_hash_policy_map_without_its_source_file_is_unknown() {
    let doc = document(RELAY, None, &Tree(vec![]));
    let hop = "postfix.next_hop[smtp:[SMTP.example.com.]:587]";
    let reason = "hash:/etc/postfix/tls_policy: source file not in the scanned tree (looked for /etc/postfix/tls_policy)";
    assert_eq!(unknown_reason(&doc, hop, "tls_security_level"), reason);
    assert_eq!(unknown_reason(&doc, hop, "tls_enforced"), reason);
    assert_eq!(unknown_reason(&doc, hop, "tls_min_version"), reason);
    // The host is still known (it does not depend on the policy table).
    assert_eq!(string(&doc, hop, "host"), "smtp.example.com");
}

#[test]
fn no_policy_entry_falls_back_to_the_transport_level() {
    let main = "relayhost = [relay.example.net]\nsmtp_tls_security_level = may\nsmtp_tls_protocols = >=TLSv1.2\nsmtp_tls_policy_maps = inline:{ {[other.example]:587 = secure} }\n";
    let master = "smtp unix - - y - - smtp\nrelay unix - - y - - smtp\n  -o smtp_tls_security_level=encrypt\n  -o smtp_tls_mandatory_protocols=>=TLSv1\n";
    let doc = document(main, Some(master), &Tree(vec![]));
    let smtp = "postfix.next_hop[smtp:[relay.example.net]]";
    let relay = "postfix.next_hop[relay:[relay.example.net]]";
    assert_eq!(string(&doc, smtp, "tls_security_level"), "may");
    assert_eq!(attr(&doc, smtp, "tls_enforced"), Value::Bool(false));
    assert_eq!(string(&doc, smtp, "tls_min_version"), "TLSv1.2");
    assert_eq!(attr(&doc, smtp, "port"), Value::Number(25.0));
    assert_eq!(string(&doc, relay, "tls_security_level"), "encrypt");
    assert_eq!(string(&doc, relay, "tls_min_version"), "TLSv1");
    assert_eq!(
        string(&doc, relay, "tls_protocols_parameter"),
        "smtp_tls_mandatory_protocols"
    );
    // The relay leg's level is the master.cf override.
    let level = &object(&doc, relay)
        .attrs
        .get("tls_security_level")
        .unwrap()
        .value;
    assert_eq!(
        doc.files[level.origin.unwrap() as usize].slice(level.span),
        "encrypt"
    );
}

#[test]
fn transport_maps_sender_maps_and_transport_nexthops() {
    let main = "default_transport = smtp:[outbound.example]:2525\nrelay_transport = relay\nrelayhost = [fallback.example]\nsender_dependent_relayhost_maps = texthash:/etc/postfix/sender_relay\ntransport_maps = hash:/etc/postfix/transport\nsmtp_tls_security_level = encrypt\nsmtp_tls_policy_maps = inline:{ .example.org=none }\n";
    let master = "smtp unix - - y - - smtp\nrelay unix - - y - - smtp\nlocal unix - n n - - local\nlmtp unix - - y - - lmtp\n";
    let tree = Tree(vec![
        (
            "/etc/postfix/sender_relay",
            "alerts@example.com [smtp.sendgrid.net]:587\n",
        ),
        (
            "/etc/postfix/transport",
            "example.org smtp:mx.example.org\nlocal.example local:\nlmtp.example lmtp:[127.0.0.1]:24\nbroken.example nosuch:[x]\n",
        ),
    ]);
    let doc = document(main, Some(master), &tree);
    assert_eq!(
        hops(&doc),
        vec![
            "postfix.next_hop[smtp:[outbound.example]:2525]",
            "postfix.next_hop[relay:[fallback.example]]",
            "postfix.next_hop[relay:[smtp.sendgrid.net]:587]",
            "postfix.next_hop[smtp:mx.example.org]",
            "postfix.next_hop[nosuch:[x]]",
        ]
    );
    let sender = "postfix.next_hop[relay:[smtp.sendgrid.net]:587]";
    assert_eq!(
        string(&doc, sender, "source"),
        "sender_dependent_relayhost_maps"
    );
    assert_eq!(string(&doc, sender, "source_key"), "alerts@example.com");
    assert_eq!(string(&doc, sender, "host"), "smtp.sendgrid.net");
    let object = object(&doc, sender);
    assert_eq!(doc.files[object.file].path().to_str(), Some("sender_relay"));
    // A bare domain matches the policy's parent-domain entry.
    let mx = "postfix.next_hop[smtp:mx.example.org]";
    assert_eq!(string(&doc, mx, "tls_security_level"), "none");
    assert_eq!(attr(&doc, mx, "tls_min_version"), Value::Null);
    assert_eq!(
        string(
            &doc,
            "postfix.next_hop[smtp:[outbound.example]:2525]",
            "source"
        ),
        "default_transport"
    );
    assert_eq!(
        unknown_reason(&doc, "postfix.next_hop[nosuch:[x]]", "tls_enforced"),
        "transport \"nosuch\" is not defined in master.cf (Postfix defers this mail)"
    );
}

#[test]
fn unknown_tables_give_unknown_hops() {
    let main = "transport_maps = mysql:/etc/postfix/transport.cf\n";
    let doc = document(main, None, &Tree(vec![]));
    let hop = "postfix.next_hop[transport_maps mysql:/etc/postfix/transport.cf]";
    assert_eq!(hops(&doc), vec![hop]);
    assert_eq!(
        unknown_reason(&doc, hop, "tls_enforced"),
        "mysql:/etc/postfix/transport.cf: mysql tables are queried at run time; safeguard does not read them"
    );
}

#[test]
fn sasl_passwords_never_reach_the_model() {
    let main = "relayhost = [smtp.example.com]:587\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd, inline:{ {[b.example]:587 = user:InlineSecret} }\n";
    let tree = Tree(vec![(
        "/etc/postfix/sasl_passwd",
        "[smtp.example.com]:587 user:FileSecret\n",
    )]);
    let doc = document(main, None, &tree);
    let hop = "postfix.next_hop[smtp:[smtp.example.com]:587]";
    assert_eq!(attr(&doc, hop, "sasl_credentials"), Value::Bool(true));
    let objects = format!("{:?}", doc.objects);
    assert!(!objects.contains("FileSecret"));
    assert!(!objects.contains("InlineSecret"));
    assert!(doc.files.iter().all(|f| !f.text().contains("FileSecret")));
    assert_eq!(
        string(&doc, "postfix.client", "smtp_sasl_password_maps"),
        "hash:/etc/postfix/sasl_passwd, inline:{ [b.example]:587=<redacted> }"
    );
}

#[test]
fn duplicate_parameters_point_at_the_overridden_line() {
    let doc = document(
        "smtp_tls_security_level = encrypt\nrelayhost =\nsmtp_tls_security_level = may\n",
        None,
        &Tree(vec![]),
    );
    let address = "postfix.main[smtp_tls_security_level on line 1, overridden by line 3]";
    let object = object(&doc, address);
    assert_eq!(object.kind, "postfix.duplicate_parameter");
    assert_eq!(
        doc.files[object.file].slice(object.span),
        "smtp_tls_security_level = encrypt"
    );
    assert_eq!(
        attr(&doc, address, "overridden_by_line"),
        Value::Number(3.0)
    );
}
