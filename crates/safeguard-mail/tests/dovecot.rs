//! The Dovecot objects: values in effect per protocol, versions, includes,
//! spans and origins, and bounded reading of hostile input.

use std::path::{Path, PathBuf};

use safeguard_mail::dovecot::{MAX_INCLUDE_DEPTH, MAX_INCLUDE_READS};
use safeguard_mail::{
    DovecotErrorKind, FsIncludeLoader, IncludeLoader, dovecot_document, read_dovecot,
    render_doveconf_n,
};
use safeguard_model::{Document, Object, Value};
use safeguard_source::SourceFile;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/dovecot")
        .join(name)
}

fn shared(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/mail")
        .join(path)
}

fn read(path: &Path) -> SourceFile {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    SourceFile::new(path, text)
}

fn tree_document(name: &str) -> Document {
    let root = fixture(name);
    let loader = FsIncludeLoader::new(&root);
    dovecot_document("dovecot", read(&root.join("dovecot.conf")), Some(&loader))
}

fn text_document(text: &str) -> Document {
    dovecot_document("dovecot", SourceFile::new("dovecot.conf", text), None)
}

fn object<'a>(doc: &'a Document, address: &str) -> &'a Object {
    doc.objects
        .iter()
        .find(|o| o.address == address)
        .unwrap_or_else(|| {
            let all: Vec<&str> = doc.objects.iter().map(|o| o.address.as_str()).collect();
            panic!("no object {address}; have {all:?}")
        })
}

fn attr(doc: &Document, address: &str, name: &str) -> Value {
    object(doc, address)
        .attrs
        .get(name)
        .unwrap_or_else(|| panic!("{address} has no {name}"))
        .value
        .value
        .clone()
}

fn string(doc: &Document, address: &str, name: &str) -> String {
    match attr(doc, address, name) {
        Value::String(s) => s,
        other => panic!("{address}.{name} is {other}, not a string"),
    }
}

fn boolean(doc: &Document, address: &str, name: &str) -> bool {
    match attr(doc, address, name) {
        Value::Bool(b) => b,
        other => panic!("{address}.{name} is {other}, not a bool"),
    }
}

/// The source text an attribute's value span covers, in the file it names.
fn value_text<'a>(doc: &'a Document, address: &str, name: &str) -> &'a str {
    let object = object(doc, address);
    let entry = object.attrs.get(name).expect("attribute");
    let file = entry.value.origin.map_or(object.file, |f| f as usize);
    doc.files[file].slice(entry.value.span)
}

fn value_file(doc: &Document, address: &str, name: &str) -> String {
    let object = object(doc, address);
    let entry = object.attrs.get(name).expect("attribute");
    let file = entry.value.origin.map_or(object.file, |f| f as usize);
    doc.files[file].path().display().to_string()
}

fn source(doc: &Document, address: &str, name: &str) -> String {
    let sources = attr(doc, address, "sources");
    let map = sources.as_map().expect("sources is a map").clone();
    map.get(name)
        .and_then(|e| e.value.value.as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("{address}.sources has no {name}"))
}

fn errors(doc: &Document) -> Vec<String> {
    doc.errors.iter().map(|e| e.message.clone()).collect()
}

#[test]
fn a_hash_after_a_value_is_a_comment_in_dovecot() {
    let text =
        "protocols = imap\nssl = required # not part of the value\nlogin_greeting = \"a # b\"\n";
    let doc = text_document(text);
    assert!(doc.errors.is_empty(), "{:?}", errors(&doc));
    assert_eq!(string(&doc, "dovecot.config", "ssl"), "required");
    assert_eq!(value_text(&doc, "dovecot.config", "ssl"), "required");
    assert_eq!(string(&doc, "dovecot.config", "login_greeting"), "a # b");
    assert_eq!(
        value_text(&doc, "dovecot.config", "login_greeting"),
        "\"a # b\""
    );
    assert_eq!(string(&doc, "dovecot.protocol[imap]", "ssl"), "required");
}

#[test]
fn a_protocol_filter_relaxes_only_its_protocol() {
    let doc = tree_document("includes");
    assert!(doc.errors.is_empty(), "{:?}", errors(&doc));
    assert_eq!(string(&doc, "dovecot.protocol[pop3]", "ssl"), "no");
    assert_eq!(
        source(&doc, "dovecot.protocol[pop3]", "ssl"),
        "protocol pop3"
    );
    assert_eq!(string(&doc, "dovecot.protocol[imap]", "ssl"), "required");
    assert_eq!(source(&doc, "dovecot.protocol[imap]", "ssl"), "global");
    // imap keeps the global value, written in conf.d/10-ssl.conf while the
    // imap object lives in conf.d/20-imap.conf: the node names its file.
    assert_eq!(
        value_text(&doc, "dovecot.protocol[imap]", "ssl"),
        "required"
    );
    assert!(value_file(&doc, "dovecot.protocol[imap]", "ssl").ends_with("conf.d/10-ssl.conf"));
    assert!(value_file(&doc, "dovecot.protocol[pop3]", "ssl").ends_with("conf.d/20-pop3.conf"));
    let pop3 = object(&doc, "dovecot.protocol[pop3]");
    assert_eq!(pop3.attrs.get("ssl").expect("ssl").value.origin, None);
    assert!(doc.files[pop3.file].path().ends_with("conf.d/20-pop3.conf"));
    assert_eq!(
        doc.files[pop3.file].slice(pop3.header_span),
        "protocol pop3 {"
    );
    // Cleartext: refused on imap (ssl=required, plaintext auth disabled),
    // and on pop3 too (disable_plaintext_auth = yes), even without TLS.
    assert!(!boolean(
        &doc,
        "dovecot.protocol[imap]",
        "cleartext_auth_allowed"
    ));
    assert!(!boolean(
        &doc,
        "dovecot.protocol[pop3]",
        "cleartext_auth_allowed"
    ));
    assert!(boolean(&doc, "dovecot.protocol[imap]", "enabled"));
    assert_eq!(
        string(&doc, "dovecot.protocol[imap]", "ssl_cert"),
        "/etc/dovecot/private/dovecot.pem"
    );
}

#[test]
fn global_values_keep_their_files_and_include_lines() {
    let doc = tree_document("includes");
    let config = object(&doc, "dovecot.config");
    assert_eq!(config.file, 0);
    // Continuation joined with one space; the span covers both lines.
    let cipher = string(&doc, "dovecot.config", "ssl_cipher_list");
    assert!(
        cipher.contains("GCM-SHA256: ECDHE-ECDSA-AES256"),
        "{cipher}"
    );
    assert!(value_text(&doc, "dovecot.config", "ssl_cipher_list").contains("\\\n"));
    // Written in conf.d/10-auth.conf: origin set, key at the !include line.
    let entry = config
        .attrs
        .get("auth_mechanisms")
        .expect("auth_mechanisms");
    assert!(entry.value.origin.is_some());
    assert_eq!(doc.files[0].slice(entry.key_span), "!include conf.d/*.conf");
    assert_eq!(string(&doc, "dovecot.config", "listen"), "*, ::");
    // `<file`: the path for certificates, unknown for anything else.
    assert_eq!(
        string(&doc, "dovecot.config", "ssl_key"),
        "/etc/dovecot/private/dovecot.key"
    );
    let doc = text_document("ssl_key_password = </etc/dovecot/key-password\n");
    match attr(&doc, "dovecot.config", "ssl_key_password") {
        Value::Unknown(u) => assert_eq!(u.reason, "read from /etc/dovecot/key-password at runtime"),
        other => panic!("{other}"),
    }
}

#[test]
fn includes_are_relative_to_the_including_file() {
    let config = {
        let root = fixture("includes");
        read_dovecot(
            read(&root.join("dovecot.conf")),
            Some(&FsIncludeLoader::new(&root)),
        )
    };
    assert!(config.errors.is_empty(), "{:?}", config.errors);
    let passdb = config
        .global()
        .and_then(|g| g.sections.iter().find(|s| s.kind == "passdb"))
        .expect("passdb from conf.d/auth.d");
    let file = config.files[passdb.header_at.file].path();
    assert!(
        file.ends_with("conf.d/auth.d/passwdfile.conf.ext"),
        "{file:?}"
    );
    // conf.d files in name order.
    let names: Vec<String> = config
        .files
        .iter()
        .map(|f| f.path().file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "dovecot.conf",
            "10-auth.conf",
            "passwdfile.conf.ext",
            "10-ssl.conf",
            "20-imap.conf",
            "20-pop3.conf"
        ]
    );
}

#[test]
fn connection_filters_are_conditional_and_weakest_wins() {
    let doc = tree_document("filters");
    assert!(doc.errors.is_empty(), "{:?}", errors(&doc));
    let imap = "dovecot.protocol[imap]";
    // local 127.0.0.1 { ssl = no } weakens the global `ssl = yes`.
    assert_eq!(string(&doc, imap, "ssl"), "no");
    assert_eq!(value_text(&doc, imap, "ssl"), "no");
    // ssl_protocols = !SSLv3 !TLSv1 means TLSv1.1; remote 192.168/16 TLSv1.
    assert_eq!(string(&doc, imap, "ssl_min_protocol"), "TLSv1");
    assert_eq!(source(&doc, imap, "ssl_min_protocol"), "global");
    // remote 192.168.0.0/16 { disable_plaintext_auth = no }.
    assert!(boolean(&doc, imap, "cleartext_auth_allowed"));
    let Value::List(conditional) = attr(&doc, imap, "conditional") else {
        panic!("conditional is a list");
    };
    let described: Vec<String> = conditional
        .iter()
        .map(|n| {
            let map = n.value.as_map().expect("map");
            let get = |k| {
                map.get(k)
                    .and_then(|e| e.value.value.as_str())
                    .unwrap_or("")
            };
            format!("{}: {} = {}", get("filter"), get("setting"), get("value"))
        })
        .collect();
    assert_eq!(
        described,
        [
            "local 127.0.0.1: ssl = no",
            "remote 192.168.0.0/16: ssl_min_protocol = TLSv1",
            "remote 192.168.0.0/16: disable_plaintext_auth = no",
            "local_name mail.example.com: ssl_cert = </etc/ssl/certs/mail.example.com.pem",
        ]
    );
    assert_eq!(
        string(&doc, imap, "ssl_cert"),
        "/etc/ssl/certs/ssl-cert-snakeoil.pem"
    );
    assert_eq!(
        attr(&doc, imap, "auth_mechanisms"),
        Value::List(vec![
            node_str(&doc, imap, "plain"),
            node_str(&doc, imap, "login")
        ])
    );
}

/// A list element as the document holds it (span of auth_mechanisms).
fn node_str(doc: &Document, address: &str, text: &str) -> safeguard_model::Node {
    let entry = object(doc, address)
        .attrs
        .get("auth_mechanisms")
        .expect("auth_mechanisms");
    safeguard_model::Node {
        value: Value::String(text.to_owned()),
        span: entry.value.span,
        origin: entry.value.origin,
    }
}

#[test]
fn listeners_merge_built_in_ones_with_the_configuration() {
    let doc = tree_document("filters");
    let listeners = |address| {
        let Value::List(list) = attr(&doc, address, "listeners") else {
            panic!("listeners is a list");
        };
        list.iter()
            .map(|n| {
                let map = n.value.as_map().expect("map");
                let get = |k: &str| {
                    map.get(k)
                        .map(|e| e.value.value.to_string())
                        .unwrap_or_default()
                };
                format!(
                    "{} port={} enabled={} ssl={} address={}",
                    get("name"),
                    get("port"),
                    get("enabled"),
                    get("ssl"),
                    get("address")
                )
            })
            .collect::<Vec<_>>()
    };
    let imap = listeners("dovecot.protocol[imap]");
    let pop3 = listeners("dovecot.protocol[pop3]");
    assert_eq!(imap.len(), 2, "{imap:?}");
    assert!(
        imap[0].starts_with("\"imap\" port=0 enabled=false ssl=false"),
        "{imap:?}"
    );
    assert!(
        imap[1].starts_with("\"imaps\" port=993 enabled=true ssl=true"),
        "{imap:?}"
    );
    assert!(pop3[0].contains("address=\"127.0.0.1\""), "{pop3:?}");
    assert!(
        pop3[1].starts_with("\"pop3s\" port=995 enabled=true ssl=true"),
        "{pop3:?}"
    );
}

#[test]
fn protocols_come_from_the_list_and_from_filters() {
    let doc = tree_document("quirks");
    assert!(doc.errors.is_empty(), "{:?}", errors(&doc));
    assert!(boolean(&doc, "dovecot.protocol[imap]", "enabled"));
    // protocol lda { } without lda in `protocols`.
    assert!(!boolean(&doc, "dovecot.protocol[lda]", "enabled"));
    assert_eq!(
        attr(&doc, "dovecot.protocol[lda]", "listeners"),
        Value::List(Vec::new())
    );
    // Without a loader the stock protocols.d include is not read, so
    // whether a protocol is enabled is unknown.
    let doc = text_document(
        "!include_try /usr/share/dovecot/protocols.d/*.protocol\nprotocol imap {\n}\n",
    );
    assert!(matches!(
        attr(&doc, "dovecot.protocol[imap]", "enabled"),
        Value::Unknown(_)
    ));
    assert_eq!(doc.errors.len(), 1);
}

#[test]
fn version_2_4_names_map() {
    let text = "dovecot_config_version = 2.4.0\nprotocols = imap pop3\nauth_allow_cleartext = yes\n\
                auth_mechanisms = plain login\nssl_server_cert_file = /etc/ssl/certs/mail.pem\n";
    let doc = text_document(text);
    assert!(doc.errors.is_empty(), "{:?}", errors(&doc));
    let imap = "dovecot.protocol[imap]";
    assert_eq!(string(&doc, imap, "dovecot_version"), "2.4");
    assert!(!boolean(&doc, imap, "dovecot_version_assumed"));
    assert!(boolean(&doc, imap, "cleartext_auth_allowed"));
    assert_eq!(value_text(&doc, imap, "cleartext_auth_allowed"), "yes");
    assert!(boolean(&doc, imap, "ssl_cert_configured"));
    assert_eq!(string(&doc, imap, "ssl_cert"), "/etc/ssl/certs/mail.pem");
    assert_eq!(string(&doc, imap, "ssl_min_protocol"), "TLSv1.2");
    assert_eq!(source(&doc, imap, "ssl_min_protocol"), "default");

    // Defaults of 2.4: cleartext refused.
    let doc = text_document("dovecot_config_version = 2.4.0\nprotocols = imap\n");
    assert!(!boolean(&doc, imap, "cleartext_auth_allowed"));
    assert_eq!(source(&doc, imap, "cleartext_auth_allowed"), "default");
    assert!(!boolean(&doc, imap, "ssl_cert_configured"));
}

#[test]
fn version_2_3_is_assumed_and_its_names_are_read() {
    let doc =
        text_document("protocols = imap\ndisable_plaintext_auth = no\nssl_cert = </etc/c.pem\n");
    let imap = "dovecot.protocol[imap]";
    assert_eq!(string(&doc, imap, "dovecot_version"), "2.3");
    assert!(boolean(&doc, imap, "dovecot_version_assumed"));
    // auth_mechanisms defaults to plain, a plaintext mechanism.
    assert!(boolean(&doc, imap, "cleartext_auth_allowed"));
    assert_eq!(string(&doc, imap, "ssl_cert"), "/etc/c.pem");
    // ssl = required refuses any login before TLS.
    let doc = text_document("protocols = imap\ndisable_plaintext_auth = no\nssl = required\n");
    assert!(!boolean(&doc, imap, "cleartext_auth_allowed"));
}

#[test]
fn names_of_the_other_version_are_errors() {
    let doc = text_document("auth_allow_cleartext = yes\nprotocols = imap\n");
    assert_eq!(
        errors(&doc),
        ["Unknown setting: auth_allow_cleartext (Dovecot 2.3 calls it disable_plaintext_auth)"]
    );
    // Read as 2.3: the 2.4 name does not count.
    assert!(!boolean(
        &doc,
        "dovecot.protocol[imap]",
        "cleartext_auth_allowed"
    ));
    let doc = text_document("dovecot_config_version = 2.4.0\ndisable_plaintext_auth = no\n");
    assert_eq!(
        errors(&doc),
        ["Unknown setting: disable_plaintext_auth (Dovecot 2.4 calls it auth_allow_cleartext)"]
    );
    let doc = text_document("ssl = yes\ndovecot_config_version = 2.4.0\n");
    assert_eq!(
        errors(&doc),
        ["The first setting must be dovecot_config_version"]
    );
}

#[test]
fn docker_mailserver_2_4_ssl_file_reads_with_2_4_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf_d = dir.path().join("conf.d");
    std::fs::create_dir_all(&conf_d).expect("mkdir");
    std::fs::copy(
        shared("docker-mailserver/10-ssl.dovecot24.conf"),
        conf_d.join("10-ssl.conf"),
    )
    .expect("copy");
    let main = dir.path().join("dovecot.conf");
    std::fs::write(
        &main,
        "dovecot_config_version = 2.4.0\nprotocols = imap pop3\n!include conf.d/*.conf\n",
    )
    .expect("write");
    let loader = FsIncludeLoader::new(dir.path());
    let doc = dovecot_document("dovecot", read(&main), Some(&loader));
    assert!(doc.errors.is_empty(), "{:?}", errors(&doc));
    let imap = "dovecot.protocol[imap]";
    assert_eq!(
        string(&doc, imap, "ssl_cert"),
        "/etc/ssl/certs/ssl-cert-snakeoil.pem"
    );
    assert!(value_file(&doc, imap, "ssl_cert").ends_with("conf.d/10-ssl.conf"));
    assert_eq!(string(&doc, imap, "ssl_min_protocol"), "TLSv1.2");
    assert_eq!(source(&doc, imap, "ssl_min_protocol"), "global");
    assert!(!boolean(&doc, imap, "cleartext_auth_allowed"));
    assert_eq!(
        string(&doc, "dovecot.config", "ssl_server_prefer_ciphers"),
        "server"
    );
    // The same file read as 2.3 (no dovecot_config_version): every 2.4
    // name is an error, as doveconf 2.3 refuses it.
    std::fs::write(&main, "protocols = imap pop3\n!include conf.d/*.conf\n").expect("write");
    let doc = dovecot_document("dovecot", read(&main), Some(&loader));
    let messages = errors(&doc);
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("Unknown setting: ssl_server_cert_file")),
        "{messages:?}"
    );
    assert!(!boolean(&doc, imap, "ssl_cert_configured"));
}

/// A tree of `n` files, each including the next.
fn include_chain(dir: &Path, n: usize) {
    for i in 0..n {
        let text = format!("x{i} = {i}\n!include f{}.conf\n", i + 1);
        std::fs::write(dir.join(format!("f{i}.conf")), text).expect("write");
    }
    std::fs::write(dir.join(format!("f{n}.conf")), "last = yes\n").expect("write");
}

#[test]
fn include_depth_is_bounded_with_a_located_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    include_chain(dir.path(), 40);
    let loader = FsIncludeLoader::new(dir.path());
    let doc = dovecot_document("dovecot", read(&dir.path().join("f0.conf")), Some(&loader));
    assert_eq!(
        errors(&doc),
        [format!(
            "include files nested more than {MAX_INCLUDE_DEPTH} deep"
        )]
    );
    let error = &doc.errors[0];
    let safeguard_model::InputErrorLocation::Span { file, span } = &error.location else {
        panic!("located");
    };
    assert!(file.path().ends_with(format!("f{MAX_INCLUDE_DEPTH}.conf")));
    assert_eq!(
        file.slice(*span),
        format!("!include f{}.conf", MAX_INCLUDE_DEPTH + 1)
    );
    assert_eq!(doc.files.len(), MAX_INCLUDE_DEPTH + 1);
}

#[test]
fn include_cycles_end_with_a_located_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("dovecot.conf"),
        "a = 1\n!include conf.d/*.conf\n",
    )
    .expect("write");
    std::fs::create_dir_all(dir.path().join("conf.d")).expect("mkdir");
    std::fs::write(
        dir.path().join("conf.d/b.conf"),
        "b = 2\n!include ../dovecot.conf\n",
    )
    .expect("write");
    let loader = FsIncludeLoader::new(dir.path());
    let doc = dovecot_document(
        "dovecot",
        read(&dir.path().join("dovecot.conf")),
        Some(&loader),
    );
    assert_eq!(doc.errors.len(), 1, "{:?}", errors(&doc));
    assert!(
        doc.errors[0]
            .message
            .starts_with("Recursive include file: ")
    );
    let safeguard_model::InputErrorLocation::Span { file, span } = &doc.errors[0].location else {
        panic!("located");
    };
    assert!(file.path().ends_with("conf.d/b.conf"));
    assert_eq!(file.slice(*span), "!include ../dovecot.conf");
}

#[test]
fn files_including_each_other_stop_at_the_read_budget() {
    // Each of 20 files includes all 20 (itself refused as a cycle): without
    // a budget the reads would grow as 19 * 18 * ... down 16 levels.
    struct Siblings;
    impl IncludeLoader for Siblings {
        fn load(&self, _: &Path, _: &str) -> Result<Vec<SourceFile>, String> {
            Ok((0..20)
                .map(|i| {
                    SourceFile::new(format!("f{i}.conf"), format!("x{i} = 1\n!include *.conf\n"))
                })
                .collect())
        }
    }
    let main = SourceFile::new("dovecot.conf", "!include *.conf\n");
    let doc = dovecot_document("dovecot", main, Some(&Siblings));
    let budget = errors(&doc)
        .iter()
        .filter(|m| m.starts_with(&format!("more than {MAX_INCLUDE_READS} files")))
        .count();
    assert_eq!(budget, 1, "{:?}", errors(&doc).first());
    // Each cycle reported once per directive and file, however often read.
    assert!(doc.errors.len() <= 20 * 20 + 2, "{}", doc.errors.len());
    assert_eq!(doc.files.len(), 21);
}

#[test]
fn missing_include_is_an_error_and_include_try_is_silent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "!include_try none.conf\n!include missing/*.conf\n";
    std::fs::write(dir.path().join("dovecot.conf"), text).expect("write");
    let loader = FsIncludeLoader::new(dir.path());
    let doc = dovecot_document(
        "dovecot",
        read(&dir.path().join("dovecot.conf")),
        Some(&loader),
    );
    assert_eq!(errors(&doc), ["!include missing/*.conf: No matches"]);
    let safeguard_model::InputErrorLocation::Span { file, span } = &doc.errors[0].location else {
        panic!("located");
    };
    assert_eq!(file.slice(*span), "missing/*.conf");
}

#[test]
fn loaders_can_serve_trees_from_memory() {
    struct Memory;
    impl IncludeLoader for Memory {
        fn load(&self, _: &Path, pattern: &str) -> Result<Vec<SourceFile>, String> {
            match pattern {
                "conf.d/*.conf" => Ok(vec![SourceFile::new(
                    "conf.d/10-ssl.conf",
                    "ssl = required\n",
                )]),
                _ => Err(format!("{pattern} refused")),
            }
        }
    }
    let main = SourceFile::new(
        "dovecot.conf",
        "protocols = imap\n!include conf.d/*.conf\n!include_try /etc/x\n",
    );
    let doc = dovecot_document("dovecot", main, Some(&Memory));
    assert_eq!(errors(&doc), ["!include /etc/x: /etc/x refused"]);
    assert_eq!(string(&doc, "dovecot.protocol[imap]", "ssl"), "required");
    assert_eq!(
        value_file(&doc, "dovecot.protocol[imap]", "ssl"),
        "conf.d/10-ssl.conf"
    );
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 200_000;
    let text = "namespace inbox {\n".repeat(depth) + &"}\n".repeat(depth) + "ssl = no\n";
    let doc = text_document(&text);
    assert_eq!(string(&doc, "dovecot.config", "ssl"), "no");
    assert_eq!(doc.errors.len(), 1, "{:?}", errors(&doc));
    let config = read_dovecot(SourceFile::new("dovecot.conf", text.as_str()), None);
    let rendered = render_doveconf_n(&config);
    assert!(rendered.ends_with("ssl = no\n"), "{rendered}");
    // Unclosed, deeper still.
    let text = "protocol imap {\nlocal 10.0.0.1 {\n".repeat(5) + &"plugin {\n".repeat(depth);
    let doc = text_document(&text);
    assert!(!doc.errors.is_empty());
}

#[test]
fn errors_are_located_and_reading_goes_on() {
    let text = "plugin{\nssl = maybe\n}\nservice x { port = 1 }\nssl_min_protocol = TLSv1.3\n";
    let doc = text_document(text);
    assert_eq!(
        errors(&doc),
        [
            "Expecting '{'",
            "ssl: Invalid value: maybe",
            "Unexpected '}'",
            "Garbage after '{'"
        ]
    );
    assert_eq!(
        string(&doc, "dovecot.config", "ssl_min_protocol"),
        "TLSv1.3"
    );
    let kinds: Vec<DovecotErrorKind> = read_dovecot(SourceFile::new("d", text), None)
        .errors
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds[0], DovecotErrorKind::ExpectingBrace);
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let index = usize::try_from(self.next() % items.len() as u64).unwrap_or(0);
        items[index]
    }
}

const PIECES: &[&str] = &[
    "ssl",
    "=",
    " ",
    "\t",
    "\n",
    "\r\n",
    "#",
    "\"",
    "'",
    "\\",
    "\\\n",
    "{",
    "}",
    "$",
    "$ssl",
    "<",
    "protocol",
    "protocol imap {",
    "local 10.0.0.0/8 {",
    "remote ::1/200 {",
    "local_name x {",
    "!include",
    "!include_try",
    "service",
    "inet_listener",
    "port",
    "0",
    "993",
    "yes",
    "no",
    "required",
    "TLSv1",
    "%{user}",
    "é",
    "\0",
    "namespace",
    "passdb {",
    "plugin {",
    "mode = 0777",
    "idle_kill = 99999999999 weeks",
    "vsz_limit = 18446744073709551616",
    "ssl_protocols = !x",
    "protocols = imaps",
    "dovecot_config_version = 2.4.0",
    "auth_allow_cleartext = yes",
];

#[test]
fn junk_never_panics() {
    let mut rng = Rng(0x005a_fe6a_4dd0_ec07);
    for _ in 0..2000 {
        let mut text = String::new();
        for _ in 0..(rng.next() % 60) {
            text.push_str(rng.pick(PIECES));
        }
        let doc = text_document(&text);
        let config = read_dovecot(SourceFile::new("dovecot.conf", text.as_str()), None);
        let _ = render_doveconf_n(&config);
        for object in &doc.objects {
            assert!(object.file < doc.files.len());
        }
    }
}
