//! What `doveconf -n` (2.3.19.1) prints for a configuration, reproduced
//! from our reading so tests can compare with the real tool line for line.
//!
//! doveconf -n prints, without its `#` header lines:
//!
//! - global settings whose value differs from the built-in default
//!   (compared as typed values, printed in normal form: `60s` → `1 mins`),
//!   and the sections under them, all sorted by doveconf's key order
//!   (`service/imap-login/...` paths, `=` lowest, bytes as signed chars);
//!   inside `service`, `namespace`, `mailbox`, listener, `metric` and
//!   `event_exporter` sections what is set (default or not), inside
//!   `passdb`/`userdb` what differs from the default, in `plugin`/`dict`
//!   everything; a section with nothing to print is left out, and every
//!   `namespace` shows `location` and `prefix`, set or not;
//! - then each filter (global first, then by specificity: protocol, remote,
//!   local, local_name; ties in the order first seen) with everything set in
//!   it, under `local X {` / `local_name X {` / `remote X {` / `protocol X {`
//!   headers;
//! - values with `#` or leading/trailing blanks in quotes (escaped);
//!   secrets hidden: `ssl_key`, `ssl_dh`, `*_password`, `*_key`, `*_nonce`
//!   as `# hidden, use -P to show it`, `key=`/`pass=`/`secret=` words and
//!   URL user parts inside values as `#hidden_use-P_to_show#`.
//!
//! Not reproduced (see the differential test): settings of services and
//! plugins that need the Dovecot binaries to know (doveconf refuses unknown
//! protocols and settings; we print them), `ssl_dh` loaded from the
//! obsolete `ssl-parameters.dat`, and DNS resolution of filter host names.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::dovecot::eval::net_bits;
use crate::dovecot::lexer::is_white;
use crate::dovecot::model::{DovecotConfig, Filter, Section, SectionList, Settings, ValueForm};
use crate::dovecot::schema;
use crate::syntax::is_space;

/// `doveconf -n` without its header comment lines.
#[must_use]
pub fn render_doveconf_n(config: &DovecotConfig) -> String {
    let mut out = String::new();
    if let Some(global) = config.global() {
        let items = scope_items(&global.settings, &global.sections, Scope::Global);
        write_items(&mut out, &items, 0);
    }
    let mut filters: Vec<&Filter> = config.filters.iter().skip(1).collect();
    // Stable, as glibc's qsort (a merge sort) is.
    filters.sort_by_key(|f| filter_rank(f));
    for filter in filters {
        let items = scope_items(&filter.settings, &filter.sections, Scope::Filter);
        if !items.iter().any(Item::prints) {
            continue;
        }
        let spec = &filter.spec;
        let mut headers = Vec::new();
        for (word, value) in [
            ("local", &spec.local),
            ("local_name", &spec.local_name),
            ("remote", &spec.remote),
            ("protocol", &spec.protocol),
        ] {
            if let Some(value) = value {
                headers.push(format!("{word} {value}"));
            }
        }
        for (depth, header) in headers.iter().enumerate() {
            let _ = writeln!(out, "{}{header} {{", indent(depth));
        }
        write_items(&mut out, &items, headers.len());
        for depth in (0..headers.len()).rev() {
            let _ = writeln!(out, "{}}}", indent(depth));
        }
    }
    out
}

/// doveconf's filter order: fewer conditions first.
fn filter_rank(filter: &Filter) -> (bool, u8, u8, bool) {
    let spec = &filter.spec;
    (
        spec.local_name.is_some(),
        net_bits(spec.local.as_deref()),
        net_bits(spec.remote.as_deref()),
        spec.protocol.is_some(),
    )
}

/// Which of doveconf's dump scopes applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The global scope: top-level settings that differ from the default.
    Global,
    /// A filter: everything set in it.
    Filter,
}

/// What a section prints of its own settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Differs from the default (global top level; passdb/userdb there).
    NotDefault,
    /// Set at all.
    Set,
}

#[derive(Debug)]
enum Item {
    Line {
        sort: Vec<i16>,
        key: String,
        value: String,
    },
    Block {
        sort: Vec<i16>,
        header: String,
        items: Vec<Item>,
    },
}

impl Item {
    fn sort_key(&self) -> &[i16] {
        match self {
            Item::Line { sort, .. } | Item::Block { sort, .. } => sort,
        }
    }

    fn prints(&self) -> bool {
        match self {
            Item::Line { .. } => true,
            Item::Block { items, .. } => items.iter().any(Item::prints),
        }
    }
}

/// doveconf's sort key: bytes compared as (signed) C chars, the `=` after
/// a setting name below everything.
fn sort_key(text: &str, setting: bool) -> Vec<i16> {
    let mut key: Vec<i16> = text
        .bytes()
        .map(|b| i16::from(i8::from_ne_bytes([b])))
        .collect();
    if setting {
        key.push(i16::MIN);
    }
    key
}

fn scope_items(settings: &Settings, sections: &[Section], scope: Scope) -> Vec<Item> {
    let rule = match scope {
        Scope::Global => Rule::NotDefault,
        Scope::Filter => Rule::Set,
    };
    let mut items = setting_items(settings, "", rule, false);
    items.extend(section_items(sections, "", scope));
    items.sort_by(|a, b| a.sort_key().cmp(b.sort_key()));
    items
}

/// The lines for `settings`; `path` is the section path for the settings
/// table (`service/inet_listener`), empty at top level.
fn setting_items(settings: &Settings, path: &str, rule: Rule, raw: bool) -> Vec<Item> {
    let mut items = Vec::new();
    for setting in settings.effective() {
        let table_name = if path.is_empty() {
            setting.name.clone()
        } else {
            format!("{path}/{}", setting.name)
        };
        let def = if raw {
            None
        } else {
            schema::lookup(&table_name)
        };
        if rule == Rule::NotDefault && def.is_some_and(|d| schema::is_default(d, &setting.value)) {
            continue;
        }
        let value = match def {
            Some(def) if setting.form != ValueForm::File => {
                schema::canonical(def.ty, &setting.value).unwrap_or_else(|_| setting.value.clone())
            }
            _ => setting.value.clone(),
        };
        items.push(Item::Line {
            sort: sort_key(&setting.name, true),
            key: setting.name.clone(),
            value,
        });
    }
    items
}

fn section_items(sections: &[Section], path: &str, scope: Scope) -> Vec<Item> {
    let mut items = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for section in sections {
        let list = SectionList::of(&section.kind);
        // An unnamed entry is known by its index among its kind.
        let count = seen.entry(section.kind.as_str()).or_insert(0);
        let index = *count;
        *count += 1;
        let id = match list {
            SectionList::Unique | SectionList::Strings if !section.name.is_empty() => {
                section_escape(&section.name)
            }
            SectionList::Strings => String::new(),
            _ => index.to_string(),
        };
        let sort_text = if list == SectionList::Strings {
            format!("{}/", section.kind)
        } else {
            format!("{}/{id}/", section.kind)
        };
        let header = match list {
            SectionList::Unique if !section.name.is_empty() => {
                if section.name.contains(' ') {
                    format!("{} \"{}\"", section.kind, str_escape(&section.name))
                } else {
                    format!("{} {}", section.kind, section.name)
                }
            }
            _ => section.kind.clone(),
        };
        let child_path = if path.is_empty() {
            section.kind.clone()
        } else {
            format!("{path}/{}", section.kind)
        };
        let rule = match (list, scope) {
            (SectionList::Repeated, Scope::Global) => Rule::NotDefault,
            _ => Rule::Set,
        };
        let mut children = setting_items(
            &section.settings,
            &child_path,
            rule,
            list == SectionList::Strings,
        );
        if section.kind == "namespace" {
            // doveconf always shows these two for a namespace.
            for key in ["location", "prefix"] {
                if section.settings.get(key).is_none() {
                    children.push(Item::Line {
                        sort: sort_key(key, true),
                        key: key.to_owned(),
                        value: String::new(),
                    });
                }
            }
        }
        children.extend(section_items(&section.sections, &child_path, scope));
        children.sort_by(|a, b| a.sort_key().cmp(b.sort_key()));
        items.push(Item::Block {
            sort: sort_key(&sort_text, false),
            header,
            items: children,
        });
    }
    items
}

fn indent(depth: usize) -> String {
    "  ".repeat(depth)
}

fn write_items(out: &mut String, items: &[Item], depth: usize) {
    for item in items {
        match item {
            Item::Line { key, value, .. } => {
                let _ = writeln!(out, "{}{key} = {}", indent(depth), print_value(key, value));
            }
            Item::Block { header, items, .. } => {
                if !item.prints() {
                    continue;
                }
                let _ = writeln!(out, "{}{header} {{", indent(depth));
                write_items(out, items, depth + 1);
                let _ = writeln!(out, "{}}}", indent(depth));
            }
        }
    }
}

/// The value as doveconf prints it: secrets hidden, else quoted when it
/// holds `#` or starts or ends with a blank.
fn print_value(key: &str, value: &str) -> String {
    if let Some(hidden) = hide_secrets(key, value) {
        return hidden;
    }
    if need_quote(value) {
        format!("\"{}\"", str_escape(value))
    } else {
        value.to_owned()
    }
}

fn need_quote(value: &str) -> bool {
    let bytes = value.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) => value.contains('#') || is_white(first) || is_white(last),
        _ => false,
    }
}

/// `str_escape()`: a backslash before `"`, `'` and `\`.
fn str_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '"' | '\'' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `settings_section_escape()`: section names in doveconf's keys.
fn section_escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '=' => out.push_str("\\e"),
            '/' => out.push_str("\\s"),
            '\\' => out.push_str("\\\\"),
            ' ' => out.push_str("\\_"),
            ',' => out.push_str("\\+"),
            other => out.push(other),
        }
    }
    out
}

const SECRETS: [&str; 6] = ["key", "secret", "pass", "http://", "https://", "ftp://"];
const HIDDEN: &str = "#hidden_use-P_to_show#";

/// doveconf's `hide_secrets_from_value()`: `None` when the value prints
/// unchanged (and is then quoted as usual). When it rewrites a value that
/// needs quoting it escapes it but, like doveconf, adds no quotes.
fn hide_secrets(key: &str, value: &str) -> Option<String> {
    let ends_with = |suffix: &str| key.len() > suffix.len() && key.ends_with(suffix);
    if !value.is_empty()
        && (ends_with("_password")
            || ends_with("_key")
            || ends_with("_nonce")
            || key.starts_with("ssl_dh"))
    {
        return Some("# hidden, use -P to show it".to_owned());
    }
    let quote = need_quote(value);
    let emit = |out: &mut String, text: &str| {
        if quote {
            out.push_str(&str_escape(text));
        } else {
            out.push_str(text);
        }
    };
    let bytes = value.as_bytes();
    let mut out = String::new();
    let mut changed = false;
    let (mut ptr, mut optr) = (0usize, 0usize);
    while let Some((found, secret)) = next_secret(value, ptr) {
        ptr = found;
        if secret.contains("://") {
            ptr += secret.len();
            let user = ptr;
            let mut host = None;
            while let Some(&b) = bytes.get(ptr) {
                if is_space(b) || b == b'/' {
                    break;
                }
                if b == b'@' {
                    host = Some(ptr);
                    break;
                }
                ptr += 1;
            }
            emit(&mut out, value.get(optr..user).unwrap_or(""));
            if host.is_some_and(|h| h != user) {
                out.push_str(HIDDEN);
            } else {
                emit(&mut out, value.get(user..ptr).unwrap_or(""));
            }
            optr = ptr;
            changed = true;
            continue;
        }
        changed = true;
        let after_word = ptr == 0
            || bytes
                .get(ptr - 1)
                .is_some_and(|b| !b.is_ascii_alphanumeric());
        if !after_word {
            // "nopassword": not a secret; step on.
            ptr += 1;
            continue;
        }
        while let Some(&b) = bytes.get(ptr) {
            if b == b'=' || is_space(b) {
                break;
            }
            ptr += 1;
        }
        while bytes.get(ptr).is_some_and(|&b| is_space(b)) {
            ptr += 1;
        }
        emit(&mut out, value.get(optr..ptr).unwrap_or(""));
        if bytes.get(ptr) == Some(&b'=') {
            out.push('=');
            out.push_str(HIDDEN);
            while let Some(&b) = bytes.get(ptr) {
                if is_space(b) || b == b';' || b == b':' {
                    break;
                }
                ptr += 1;
            }
        }
        optr = ptr;
    }
    if !changed {
        return None;
    }
    emit(&mut out, value.get(optr..).unwrap_or(""));
    Some(out)
}

/// The first secret word at or after `from`: (offset, word).
fn next_secret(value: &str, from: usize) -> Option<(usize, &'static str)> {
    let rest = value.get(from..)?;
    SECRETS
        .iter()
        .filter_map(|s| rest.find(s).map(|i| (from + i, *s)))
        // On a tie the earlier word in the list wins, as in doveconf.
        .min_by_key(|&(offset, _)| offset)
}

#[cfg(test)]
mod tests {
    use safeguard_source::SourceFile;

    use super::*;
    use crate::dovecot::eval::read_dovecot;

    fn render(text: &str) -> String {
        render_doveconf_n(&read_dovecot(SourceFile::new("dovecot.conf", text), None))
    }

    #[test]
    fn secrets_are_hidden_like_doveconf() {
        assert_eq!(
            hide_secrets("ssl_key", "</etc/k.pem").as_deref(),
            Some("# hidden, use -P to show it")
        );
        assert_eq!(hide_secrets("ssl_key", ""), None);
        assert_eq!(
            hide_secrets("args", "scheme=CRYPT pass=secret /etc/x").as_deref(),
            Some("scheme=CRYPT pass=#hidden_use-P_to_show# /etc/x")
        );
        assert_eq!(
            hide_secrets("x", "/etc/ssl/key.pem").as_deref(),
            Some("/etc/ssl/key.pem")
        );
        assert_eq!(
            hide_secrets("x", "nopassword").as_deref(),
            Some("nopassword")
        );
        assert_eq!(
            hide_secrets("url", "https://user:pw@host/x").as_deref(),
            Some("https://#hidden_use-P_to_show#@host/x")
        );
        assert_eq!(hide_secrets("x", "plain value"), None);
    }

    #[test]
    fn order_quoting_and_defaults() {
        let text = "ssl = yes\nssl_prefer_server_ciphers = Yes\nmail_plugins = $mail_plugins quota\n\
                    service imap {\n  process_limit = 1024\n}\nservice imap-login {\n  inet_listener imaps {\n    port = 993\n  }\n}\n\
                    namespace inbox {\n  inbox = yes\n  mailbox \"Sent Messages\" {\n    special_use = \\Sent\n  }\n  mailbox Sent {\n    special_use = \\Sent\n  }\n}\n\
                    passdb {\n  driver = pam\n  skip = never\n}\nplugin {\n  b = \"x # y\"\n}\nplugin {\n  a = 1\n}\n\
                    protocol pop3 {\n  ssl = yes\n}\nremote 10.0.0.0/8 {\n  ssl = no\n}\nprotocol imap {\n}\n";
        let expected = "mail_plugins = \" quota\"\nnamespace inbox {\n  inbox = yes\n  location = \n  mailbox Sent {\n    special_use = \\Sent\n  }\n  mailbox \"Sent Messages\" {\n    special_use = \\Sent\n  }\n  prefix = \n}\n\
                        passdb {\n  driver = pam\n}\nplugin {\n  a = 1\n  b = \"x # y\"\n}\n\
                        service imap-login {\n  inet_listener imaps {\n    port = 993\n  }\n}\nservice imap {\n  process_limit = 1024\n}\n\
                        ssl_prefer_server_ciphers = yes\nprotocol pop3 {\n  ssl = yes\n}\nremote 10.0.0.0/8 {\n  ssl = no\n}\n";
        assert_eq!(render(text), expected);
    }
}
