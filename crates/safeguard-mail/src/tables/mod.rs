//! Postfix lookup tables (`type:name`), as `transport_maps`,
//! `sender_dependent_relayhost_maps`, `smtp_tls_policy_maps` and
//! `smtp_sasl_password_maps` name them.
//!
//! Read: `inline:{ … }` (from the parameter itself), `static:value`,
//! `texthash:/path` (the file), and the indexed types `hash:`, `btree:`,
//! `lmdb:`, `cdb:`, `dbm:`, `sdbm:` from their *source* text file at the same
//! path (`hash:/etc/postfix/tls_policy` from `/etc/postfix/tls_policy`, which
//! `postmap` compiled into the `.db`), served by a [`TableLoader`]. Every
//! other type (`proxy:`, `mysql:`, `pgsql:`, `ldap:`, `socketmap:`, `tcp:`,
//! `regexp:`, `pcre:`, …) is answered at run time or by pattern, so a table
//! of that type is unknown, with its type as the reason. A lookup that
//! meets an unknown table before a match is unknown too: that table might
//! have answered first.

mod loader;
mod source;

pub use loader::{FsTableLoader, TableFileError, TableLoader, leaves_mapped_directory};
pub(crate) use source::Entry;

use safeguard_source::SourceFile;

use crate::syntax::{COMMA_BLANKS, slice, split_grouped, strip_group};

/// What replaces secret values (SASL passwords) in the model.
pub(crate) const REDACTED: &str = "<redacted>";

/// Types whose source text `postmap` compiles: read from that text.
const INDEXED: [&str; 6] = ["hash", "btree", "lmdb", "cdb", "dbm", "sdbm"];

/// A table whose entries are known.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub(crate) entries: Vec<Entry>,
    /// `static:` answers every key with this value.
    pub(crate) every_key: Option<String>,
    /// The file the entries were read from.
    pub(crate) file: Option<SourceFile>,
}

/// One table of a list, read or not.
#[derive(Debug, Clone)]
pub(crate) enum Opened {
    Known(Table),
    Unknown { reference: String, reason: String },
}

/// The result of looking a key up in a list of tables.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Found<'t> {
    Value {
        table: &'t Table,
        /// `None` for a `static:` answer.
        entry: Option<&'t Entry>,
        value: &'t str,
    },
    Nothing,
    /// A table before any match could not be read.
    Unknown(&'t str),
}

/// The `type:name` references of a parameter value: separated by commas or
/// blanks, never inside `{ }`.
pub(crate) fn references(value: &str) -> Vec<&str> {
    split_grouped(value, 0..value.len(), COMMA_BLANKS)
        .into_iter()
        .map(|range| slice(value, range))
        .collect()
}

/// Opens every table a parameter names. `secret` redacts entry values (and
/// inline values in the reference), for `smtp_sasl_password_maps`.
pub(crate) fn open_all(value: &str, loader: Option<&dyn TableLoader>, secret: bool) -> Vec<Opened> {
    references(value)
        .into_iter()
        .map(|reference| open(reference, loader, secret))
        .collect()
}

/// The tables of a parameter value that safeguard would read from a file
/// but whose path climbs out of its mapped directory with `..`, with the
/// message the document reports at the value.
pub(crate) fn escaping(value: &str) -> Vec<String> {
    references(value)
        .into_iter()
        .filter_map(|reference| {
            let (kind, name) = reference.split_once(':')?;
            let kind = kind.to_ascii_lowercase();
            if kind != "texthash" && !INDEXED.contains(&kind.as_str()) {
                return None;
            }
            // `config_directory` depends on the build, so it stays
            // unexpanded; whatever it is, it is the directory main.cf is
            // in, which the scan maps, so `..` from it climbs out.
            let resolved = [
                "$config_directory",
                "${config_directory}",
                "$(config_directory)",
            ]
            .iter()
            .find_map(|prefix| name.strip_prefix(prefix))
            .filter(|rest| rest.starts_with('/'))
            .map_or_else(|| name.to_owned(), |rest| format!("/etc/postfix{rest}"));
            let directory = leaves_mapped_directory(&resolved)?;
            Some(format!(
                "{kind}:{}",
                TableFileError::Escapes(name.to_owned(), directory)
            ))
        })
        .collect()
}

fn open(reference: &str, loader: Option<&dyn TableLoader>, secret: bool) -> Opened {
    let shown = if secret {
        redact_reference(reference)
    } else {
        reference.to_owned()
    };
    let unknown = |reason: String| Opened::Unknown {
        reference: shown.clone(),
        reason: format!("{shown}: {reason}"),
    };
    let Some((kind, name)) = reference.split_once(':') else {
        return unknown("not a type:name lookup table".to_owned());
    };
    let known = |entries: Vec<Entry>, every_key: Option<String>, file: Option<SourceFile>| {
        Opened::Known(Table {
            entries: if secret { redact(entries) } else { entries },
            every_key: every_key.map(|v| if secret { REDACTED.to_owned() } else { v }),
            // A secret file's text is dropped here: it must reach no output.
            file: if secret { None } else { file },
        })
    };
    match kind.to_ascii_lowercase().as_str() {
        "inline" => match source::parse_inline(name) {
            Ok(entries) => known(entries, None, None),
            Err(reason) => unknown(if secret {
                "malformed inline table".to_owned()
            } else {
                reason
            }),
        },
        "static" => {
            let value = if name.starts_with('{') {
                slice(name, strip_group(name, 0..name.len()).0)
            } else {
                name
            };
            known(Vec::new(), Some(value.to_owned()), None)
        }
        kind if kind == "texthash" || INDEXED.contains(&kind) => {
            let Some(loader) = loader else {
                return unknown(TableFileError::NoFiles.to_string());
            };
            match loader.load(name) {
                Ok(file) => {
                    let entries = source::parse_source(&file);
                    known(entries, None, Some(file))
                }
                Err(error) => unknown(error.to_string()),
            }
        }
        "regexp" | "pcre" => unknown(format!(
            "{kind} tables match patterns at run time; safeguard does not evaluate them"
        )),
        "proxy" => unknown("proxy tables are served by proxymap(8) at run time".to_owned()),
        _ => unknown(format!(
            "{kind} tables are queried at run time; safeguard does not read them"
        )),
    }
}

fn redact(entries: Vec<Entry>) -> Vec<Entry> {
    entries
        .into_iter()
        .map(|entry| Entry {
            value: REDACTED.to_owned(),
            ..entry
        })
        .collect()
}

/// `inline:{ k=secret }` → `inline:{ k=<redacted> }`; `static:x` →
/// `static:<redacted>`; file tables are shown as written.
pub(crate) fn redact_reference(reference: &str) -> String {
    match reference.split_once(':') {
        Some((kind, name)) if kind.eq_ignore_ascii_case("inline") => {
            match source::parse_inline(name) {
                Ok(entries) => {
                    let inner: Vec<String> = entries
                        .iter()
                        .map(|e| format!("{}={REDACTED}", e.key))
                        .collect();
                    format!("{kind}:{{ {} }}", inner.join(", "))
                }
                Err(_) => format!("{kind}:{{{REDACTED}}}"),
            }
        }
        Some((kind, _)) if kind.eq_ignore_ascii_case("static") => format!("{kind}:{REDACTED}"),
        _ => reference.to_owned(),
    }
}

/// Redacts every table reference in a parameter value.
pub(crate) fn redact_value(value: &str) -> String {
    let parts: Vec<String> = references(value)
        .into_iter()
        .map(redact_reference)
        .collect();
    parts.join(", ")
}

/// Looks `key` up (folded to lower case) in the tables in order.
pub(crate) fn lookup<'t>(tables: &'t [Opened], key: &str) -> Found<'t> {
    let key = key.to_ascii_lowercase();
    for opened in tables {
        match opened {
            Opened::Unknown { reason, .. } => return Found::Unknown(reason),
            Opened::Known(table) => {
                if let Some(value) = &table.every_key {
                    return Found::Value {
                        table,
                        entry: None,
                        value,
                    };
                }
                if let Some(entry) = table.entries.iter().find(|e| e.key == key) {
                    return Found::Value {
                        table,
                        entry: Some(entry),
                        value: &entry.value,
                    };
                }
            }
        }
    }
    Found::Nothing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_tables_that_climb_out_are_named() {
        assert_eq!(
            escaping(
                "hash:/etc/postfix/ok, texthash:/etc/postfix/../../etc/shadow lmdb:${config_directory}/../x \
                 pcre:/etc/postfix/../p inline:{ a=/etc/postfix/../b } HASH:/../y proxy:hash:/etc/postfix/../z"
            ),
            vec![
                "texthash:/etc/postfix/../../etc/shadow leaves /etc/postfix through `..`; refused, not read",
                "lmdb:${config_directory}/../x leaves /etc/postfix through `..`; refused, not read",
                "hash:/../y leaves / through `..`; refused, not read",
            ]
        );
    }

    struct Files;

    impl TableLoader for Files {
        fn load(&self, path: &str) -> Result<SourceFile, TableFileError> {
            match path {
                "/etc/postfix/tls_policy" => Ok(SourceFile::new(
                    "tls_policy",
                    "[smtp.example.com]:587 encrypt\n",
                )),
                "/etc/postfix/sasl_passwd" => Ok(SourceFile::new(
                    "sasl_passwd",
                    "[smtp.example.com]:587 user:hunter2\n",
                )),
                _ => Err(TableFileError::NotInTree {
                    looked: path.to_owned(),
                }),
            }
        }
    }

    fn value(tables: &[Opened], key: &str) -> Result<Option<String>, String> {
        match lookup(tables, key) {
            Found::Value { value, .. } => Ok(Some(value.to_owned())),
            Found::Nothing => Ok(None),
            Found::Unknown(reason) => Err(reason.to_owned()),
        }
    }

    #[test]
    fn lists_are_searched_in_order_and_unknown_tables_block() {
        let tables = open_all(
            "inline:{ a=1 }, hash:/etc/postfix/tls_policy mysql:/etc/postfix/x.cf",
            Some(&Files),
            false,
        );
        assert_eq!(value(&tables, "A"), Ok(Some("1".to_owned())));
        assert_eq!(
            value(&tables, "[SMTP.example.com]:587"),
            Ok(Some("encrypt".to_owned()))
        );
        assert_eq!(
            value(&tables, "other"),
            Err("mysql:/etc/postfix/x.cf: mysql tables are queried at run time; safeguard does not read them".to_owned())
        );
        let missing = open_all("hash:/etc/postfix/nope", Some(&Files), false);
        assert_eq!(
            value(&missing, "x"),
            Err("hash:/etc/postfix/nope: source file not in the scanned tree (looked for /etc/postfix/nope)".to_owned())
        );
        let no_loader = open_all("texthash:/etc/postfix/tls_policy", None, false);
        assert!(
            value(&no_loader, "x")
                .unwrap_err()
                .contains("no table files are read here")
        );
        let fixed = open_all("static:{ smtp:[relay.example]:587 }", None, false);
        assert_eq!(
            value(&fixed, "anything"),
            Ok(Some("smtp:[relay.example]:587".to_owned()))
        );
        for kind in [
            "proxy:hash:/x",
            "pcre:/x",
            "ldap:/x",
            "socketmap:inet:h:1:n",
            "nocolon",
        ] {
            assert!(value(&open_all(kind, None, false), "k").is_err(), "{kind}");
        }
    }

    #[test]
    fn secrets_are_redacted_everywhere() {
        let tables = open_all(
            "hash:/etc/postfix/sasl_passwd, inline:{ {[b]:587 = u:pw2} }, static:pw3",
            Some(&Files),
            true,
        );
        let debug = format!("{tables:?}");
        assert_eq!(
            value(&tables, "[smtp.example.com]:587"),
            Ok(Some(REDACTED.to_owned()))
        );
        for secret in ["pw2", "pw3"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        // The file text itself is kept only inside the SourceFile.
        let Opened::Known(table) = &tables[0] else {
            panic!()
        };
        assert!(table.entries.iter().all(|e| e.value == REDACTED));
        assert_eq!(
            redact_value("inline:{ {[b]:587 = u:pw2} }, static:pw3, hash:/x"),
            "inline:{ [b]:587=<redacted> }, static:<redacted>, hash:/x"
        );
    }
}
