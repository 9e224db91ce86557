//! What `postconf -n` and `postconf -P`/`-Px` print, reproduced from our
//! reading so tests can compare with the real tool line for line.
//!
//! Like postconf, every line has its whitespace runs collapsed to one space
//! (so an empty value prints as `name =`), `-n` lists the main.cf
//! parameters in use sorted by name, and `-P` lists each master.cf line's
//! `-o` parameters, sorted, as `service/type/name = value`. We never print
//! `config_directory`, which `postconf -c DIR` adds itself.

use std::fmt::Write as _;

use crate::expand::{Lookup, Resolve, expand};
use crate::main_cf::MainCf;
use crate::master_cf::{MasterCf, ServiceEntry};
use crate::namespaces::{Namespace, namespaces};
use crate::registry;
use crate::syntax::normalize_blanks;
use crate::usage::Usage;

/// `postconf -n` without its `config_directory` line. postconf drops
/// unused user-defined parameters, and what counts as used depends on
/// master.cf too (`$name` in `-o` values, delivery service names).
#[must_use]
pub fn render_postconf_n(main: &MainCf, master: Option<&MasterCf>) -> String {
    let usage = Usage::new(main, master);
    let mut parameters = main.parameters();
    parameters.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    let mut out = String::new();
    for p in parameters {
        if p.name == "config_directory" || !usage.is_used(&p.name) {
            continue;
        }
        let _ = writeln!(
            out,
            "{}",
            normalize_blanks(&format!("{} = {}", p.name, p.value))
        );
    }
    out
}

/// One `postconf -P` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostconfLine {
    pub service: String,
    pub kind: String,
    pub parameter: String,
    /// The value (expanded with `-Px`), whitespace as postconf prints it.
    pub value: String,
    /// False when the `-Px` value needs a built-in default only the
    /// running Postfix knows (its reference is then left as written), or
    /// expansion failed (postconf then stops with "macro processing error").
    pub exact: bool,
}

impl PostconfLine {
    /// The line as postconf prints it.
    #[must_use]
    pub fn render(&self) -> String {
        normalize_blanks(&format!(
            "{}/{}/{} = {}",
            self.service, self.kind, self.parameter, self.value
        ))
    }
}

/// The lines of `postconf -P` (`expand = false`) or `-Px` (`expand = true`).
#[must_use]
pub fn postconf_p_lines(
    main: &MainCf,
    master: &MasterCf,
    expand_values: bool,
) -> Vec<PostconfLine> {
    let (spaces, attached) = namespaces(master);
    let mut lines = Vec::new();
    for (entry, attached) in master.entries().iter().zip(attached) {
        let key = (entry.name.text.clone(), entry.kind.text.clone());
        let Some(space) = spaces.get(&key).filter(|_| attached) else {
            continue;
        };
        for (parameter, value) in space {
            let (value, exact) = if expand_values {
                let expansion = expand(value, &PostconfScope { main, entry, space });
                let exact = expansion.is_exact();
                (expansion.text, exact)
            } else {
                (value.clone(), true)
            };
            lines.push(PostconfLine {
                service: entry.name.text.clone(),
                kind: entry.kind.text.clone(),
                parameter: parameter.clone(),
                value,
                exact,
            });
        }
    }
    lines
}

/// `postconf -P` (`expand = false`) or `postconf -Px` (`expand = true`).
#[must_use]
pub fn render_postconf_p(main: &MainCf, master: &MasterCf, expand_values: bool) -> String {
    let mut out = String::new();
    for line in postconf_p_lines(main, master, expand_values) {
        let _ = writeln!(out, "{}", line.render());
    }
    out
}

/// postconf's lookup order for `-Px`: the line's read-only names, its
/// merged `-o` name space, main.cf, then built-in defaults (unknown here).
struct PostconfScope<'a> {
    main: &'a MainCf,
    entry: &'a ServiceEntry,
    space: &'a Namespace,
}

impl Resolve for PostconfScope<'_> {
    fn lookup(&self, name: &str) -> Lookup<'_> {
        match name {
            "service_name" => return Lookup::Value(self.entry.name.text.as_str().into()),
            "process_name" => return Lookup::Value(self.entry.process_name().into()),
            _ => {}
        }
        if let Some(value) = self.space.get(name) {
            return Lookup::Value(value.as_str().into());
        }
        match self.main.get(name) {
            Some(p) if !registry::is_read_only(name) => Lookup::Value(p.value.as_str().into()),
            _ if registry::is_builtin(name) => Lookup::Unknown,
            _ => Lookup::Undefined,
        }
    }
}

#[cfg(test)]
mod tests {
    use safeguard_source::SourceFile;

    use super::*;
    use crate::{parse_main_cf, parse_master_cf};

    #[test]
    fn p_lines_expand_against_service_and_main() {
        let main = parse_main_cf(&SourceFile::new("main.cf", "mua = a,  $inner\ninner = b\n"));
        let master = parse_master_cf(&SourceFile::new(
            "master.cf",
            "relay unix - - y - - smtp\n  -o syslog_name=postfix/$service_name\n\
             sub inet n - y - - smtpd -o r=$mua -o h=$myhostname -o e=\n",
        ));
        assert_eq!(
            render_postconf_p(&main, &master, false),
            "relay/unix/syslog_name = postfix/$service_name\nsub/inet/e =\nsub/inet/h = $myhostname\nsub/inet/r = $mua\n"
        );
        let lines = postconf_p_lines(&main, &master, true);
        let rendered: Vec<(String, bool)> = lines.iter().map(|l| (l.render(), l.exact)).collect();
        assert_eq!(
            rendered,
            vec![
                ("relay/unix/syslog_name = postfix/relay".to_owned(), true),
                ("sub/inet/e =".to_owned(), true),
                ("sub/inet/h = $myhostname".to_owned(), false),
                ("sub/inet/r = a, b".to_owned(), true),
            ]
        );
    }

    #[test]
    fn n_sorts_by_bytes_and_drops_unused() {
        let main = parse_main_cf(&SourceFile::new(
            "main.cf",
            "smtp_tls_loglevel = 1\nsmtp_tls_CApath = /x\nunused = 1\nconfig_directory = /etc/postfix\n\
             mynetworks = 127.0.0.0/8\n    10.0.0.0/8\n",
        ));
        assert_eq!(
            render_postconf_n(&main, None),
            "mynetworks = 127.0.0.0/8 10.0.0.0/8\nsmtp_tls_CApath = /x\nsmtp_tls_loglevel = 1\n"
        );
    }
}
