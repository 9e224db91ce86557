//! Exim's section layer (readconf.c `readconf_main`, `readconf_driver_init`):
//! logical lines into main options, named lists, ACL names and driver
//! instances.
//!
//! The main section runs to the first `begin NAME` line. In it a line that
//! starts with an upper-case letter defines a macro; `[hide] domainlist|
//! hostlist|addresslist|localpartlist[_cache] NAME = VALUE` defines a named
//! list; anything else is an option: `name = value`, or a bare boolean
//! `name` (on) / `no_name` / `not_name` (off). Setting a main option twice is
//! fatal in Exim and an error here (except when one of the two sits in an
//! uncertain branch). `routers`, `transports` and `authenticators` hold
//! driver instances: `name:` on a line of its own, then its options; a
//! macro definition ends the instance. Driver options set twice are errors
//! too, except the repeatable ones Exim concatenates (`headers_add`,
//! `headers_remove`, router `condition` and `set`). The `acl` section is
//! read for ACL names only; `retry`, `rewrite` and `local_scan` are
//! skipped.
//!
//! Values: a value starting with `"` is a quoted string (Exim's escapes
//! undone); otherwise it is the rest of the logical line as it is. A value
//! in an uncertain branch, or written with an uncertain macro, is unknown
//! with the reason. So is one naming an apparent macro that is not defined
//! (`CAPS_WITH_UNDERSCORES` standing alone): Exim would use the text as
//! written, but it is almost certainly meant for a `-D` command-line
//! definition safeguard cannot see.

use safeguard_source::SourceFile;

use crate::dovecot::{IncludeLoader, Loc};
use crate::exim::error::{EximError, EximErrorKind};
use crate::exim::lines::{Assumptions, LineReader, LogicalLine, Macro};

/// A configuration section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Main,
    Acl,
    Routers,
    Transports,
    Authenticators,
    Retry,
    Rewrite,
    LocalScan,
}

impl Section {
    fn from_name(name: &str) -> Option<Section> {
        // Exim accepts the singular forms too (it pluralises the name).
        Some(match name.to_ascii_lowercase().as_str() {
            "acl" | "acls" => Section::Acl,
            "router" | "routers" => Section::Routers,
            "transport" | "transports" => Section::Transports,
            "authenticator" | "authenticators" => Section::Authenticators,
            "retry" | "retrys" => Section::Retry,
            "rewrite" | "rewrites" => Section::Rewrite,
            "local_scan" | "local_scans" => Section::LocalScan,
            _ => return None,
        })
    }

    /// The driver class a section holds, in Exim's words.
    #[must_use]
    pub fn class(self) -> &'static str {
        match self {
            Section::Routers => "router",
            Section::Transports => "transport",
            Section::Authenticators => "authenticator",
            _ => "",
        }
    }
}

/// The value of one option setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionValue {
    /// A boolean written without `=`: `name` (true), `no_name` (false).
    Flag(bool),
    Text(String),
}

impl OptionValue {
    #[must_use]
    pub fn text(&self) -> Option<&str> {
        match self {
            OptionValue::Text(text) => Some(text),
            OptionValue::Flag(_) => None,
        }
    }
}

/// One option setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The option's name, without a `no_`/`not_` prefix.
    pub name: String,
    pub name_at: Loc,
    pub value: OptionValue,
    /// The value, or the name for a flag.
    pub value_at: Loc,
    /// Why the value is unknown, if it is.
    pub unknown: Option<String>,
    pub hidden: bool,
}

/// `hostlist NAME = VALUE` and its kin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedList {
    /// `domainlist`, `hostlist`, `addresslist` or `localpartlist`.
    pub kind: String,
    pub name: String,
    pub value: String,
    pub at: Loc,
    pub unknown: Option<String>,
}

/// A router, transport or authenticator instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Driver {
    pub section: Section,
    pub name: String,
    /// The `name:` line.
    pub header_at: Loc,
    pub settings: Vec<Setting>,
    /// Why it is unknown whether the instance exists at all.
    pub uncertain: Option<String>,
}

impl Driver {
    /// The setting in effect for `name` (the last one).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Setting> {
        self.settings.iter().rev().find(|s| s.name == name)
    }

    /// The `driver` option's value, when known.
    #[must_use]
    pub fn driver(&self) -> Option<&str> {
        self.get("driver")
            .filter(|s| s.unknown.is_none())
            .and_then(|s| s.value.text())
    }
}

/// An Exim configuration as read, before any judgement.
#[derive(Debug, Clone)]
pub struct EximConfig {
    /// The main file first, then included files in the order read.
    pub files: Vec<SourceFile>,
    /// Per file, the `.include` line that read it (`None` for the main file).
    pub included_at: Vec<Option<Loc>>,
    pub main: Vec<Setting>,
    pub named_lists: Vec<NamedList>,
    pub acls: Vec<(String, Loc)>,
    pub drivers: Vec<Driver>,
    /// `begin` lines, in order.
    pub sections: Vec<(Section, Loc)>,
    pub macros: Vec<Macro>,
    pub errors: Vec<EximError>,
}

impl EximConfig {
    /// The main option in effect for `name`.
    #[must_use]
    pub fn main(&self, name: &str) -> Option<&Setting> {
        self.main.iter().rev().find(|s| s.name == name)
    }

    /// Drivers of one section, in order.
    pub fn drivers(&self, section: Section) -> impl Iterator<Item = &Driver> {
        self.drivers.iter().filter(move |d| d.section == section)
    }

    #[must_use]
    pub fn named_list(&self, kind: &str, name: &str) -> Option<&NamedList> {
        self.named_lists
            .iter()
            .rev()
            .find(|l| l.kind == kind && l.name == name)
    }
}

/// Options Exim lets a driver set more than once (it concatenates them).
const REPEATABLE: [&str; 4] = ["headers_add", "headers_remove", "condition", "set"];

/// Reads an Exim configuration: `main` and, through `loader`, what it
/// includes. `assumptions` gives built-in macros a known state (pass `&[]`
/// to treat every built-in as unknown).
#[must_use]
pub fn read_exim(
    main: SourceFile,
    loader: Option<&dyn IncludeLoader>,
    assumptions: &Assumptions,
) -> EximConfig {
    let mut reader = LineReader::new(main, loader, assumptions);
    let mut parser = Parser {
        section: Section::Main,
        main: Vec::new(),
        named_lists: Vec::new(),
        acls: Vec::new(),
        drivers: Vec::new(),
        sections: Vec::new(),
        errors: Vec::new(),
        current: None,
    };
    while let Some(line) = reader.next_line() {
        parser.line(&mut reader, &line);
    }
    parser.finish_driver();
    let mut errors = reader.errors;
    errors.append(&mut parser.errors);
    EximConfig {
        files: reader.files,
        included_at: reader.included_at,
        main: parser.main,
        named_lists: parser.named_lists,
        acls: parser.acls,
        drivers: parser.drivers,
        sections: parser.sections,
        macros: reader.macros,
        errors,
    }
}

struct Parser {
    section: Section,
    main: Vec<Setting>,
    named_lists: Vec<NamedList>,
    acls: Vec<(String, Loc)>,
    drivers: Vec<Driver>,
    sections: Vec<(Section, Loc)>,
    errors: Vec<EximError>,
    /// The driver instance being read.
    current: Option<Driver>,
}

impl Parser {
    fn error(&mut self, at: Loc, kind: EximErrorKind) {
        self.errors.push(EximError::new(at, kind));
    }

    fn line(&mut self, reader: &mut LineReader<'_>, line: &LogicalLine) {
        let text = line.text.as_str();
        if text.len() >= 6 && text[..6].eq_ignore_ascii_case("begin ") {
            self.begin(line);
            return;
        }
        let starts_upper = text.starts_with(|c: char| c.is_ascii_uppercase());
        match self.section {
            Section::Main => {
                if starts_upper {
                    reader.define_macro(line);
                } else {
                    self.main_line(line);
                }
            }
            Section::Routers | Section::Transports | Section::Authenticators => {
                self.driver_line(reader, line);
            }
            Section::Acl => {
                if starts_upper && is_macro_definition(text) {
                    reader.define_macro(line);
                } else if let Some(name) = instance_name(text) {
                    self.acls
                        .push((name.0.to_owned(), line.loc(0..name.0.len())));
                }
            }
            Section::Retry | Section::Rewrite | Section::LocalScan => {}
        }
    }

    fn begin(&mut self, line: &LogicalLine) {
        self.finish_driver();
        let name = line.text[6..].trim();
        let at = line.whole();
        match Section::from_name(name) {
            Some(section) => {
                if self.sections.iter().any(|(s, _)| *s == section) {
                    self.error(
                        at,
                        EximErrorKind::SectionTwice {
                            name: name.to_owned(),
                        },
                    );
                }
                self.sections.push((section, at));
                self.section = section;
            }
            None => {
                self.error(
                    at,
                    EximErrorKind::UnknownSection {
                        name: name.to_owned(),
                    },
                );
                // Skip what follows until the next section we know.
                self.section = Section::LocalScan;
            }
        }
    }

    fn main_line(&mut self, line: &LogicalLine) {
        let text = line.text.as_str();
        let (hidden, body_start) = strip_hide(text);
        let body = &text[body_start..];
        for kind in ["domainlist", "hostlist", "addresslist", "localpartlist"] {
            if let Some(rest) = body.strip_prefix(kind) {
                let rest = rest.strip_prefix("_cache").unwrap_or(rest);
                if rest.starts_with(|c: char| c.is_ascii_whitespace()) {
                    self.named_list(line, kind, body_start + body.len() - rest.len());
                    return;
                }
            }
        }
        let _ = hidden;
        if let Some(setting) = self.option(line) {
            let twice = self.main.iter().any(|s| {
                s.name == setting.name && s.unknown.is_none() && setting.unknown.is_none()
            });
            if twice {
                self.error(
                    setting.name_at,
                    EximErrorKind::OptionSetTwice {
                        name: setting.name.clone(),
                    },
                );
                return;
            }
            self.main.push(setting);
        }
    }

    fn named_list(&mut self, line: &LogicalLine, kind: &str, from: usize) {
        let text = &line.text;
        let rest = &text[from..];
        let Some(eq) = rest.find('=') else {
            self.error(
                line.whole(),
                EximErrorKind::BadOptionName {
                    name: rest.trim().to_owned(),
                },
            );
            return;
        };
        let name = rest[..eq].trim().to_owned();
        let value = rest[eq + 1..].trim().to_owned();
        self.named_lists.push(NamedList {
            kind: kind.to_owned(),
            name,
            unknown: line.uncertain.clone().or_else(|| undefined_macro(&value)),
            value,
            at: line.whole(),
        });
    }

    /// Parses `[hide] name [= value]` (Exim's `readconf_handle_option`).
    fn option(&mut self, line: &LogicalLine) -> Option<Setting> {
        let text = line.text.as_str();
        let (hidden, start) = strip_hide(text);
        let bytes = text.as_bytes();
        let mut end = start;
        while bytes
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            end += 1;
        }
        let written = &text[start..end];
        if written.is_empty() || !written.starts_with(|c: char| c.is_ascii_alphabetic()) {
            let shown: String = text.chars().take(60).collect();
            self.error(line.whole(), EximErrorKind::BadOptionName { name: shown });
            return None;
        }
        let (negated, name) = if let Some(name) = written.strip_prefix("no_") {
            (true, name)
        } else if let Some(name) = written.strip_prefix("not_") {
            (true, name)
        } else {
            (false, written)
        };
        let name_at = line.loc(start..end);
        let rest = &text[end..];
        let after_ws = rest.trim_start();
        let (value, value_at) = if let Some(value) = after_ws.strip_prefix('=') {
            let value_start = text.len() - value.trim_start().len();
            let raw = text[value_start..].trim_end();
            let at = line.loc(value_start..value_start + raw.len());
            (OptionValue::Text(unquote(raw)), at)
        } else if after_ws.is_empty() {
            (OptionValue::Flag(!negated), name_at)
        } else {
            let shown: String = text.chars().take(60).collect();
            self.error(line.whole(), EximErrorKind::BadOptionName { name: shown });
            return None;
        };
        let unknown = line
            .uncertain
            .clone()
            .or_else(|| value.text().and_then(undefined_macro));
        Some(Setting {
            name: name.to_owned(),
            name_at,
            value,
            value_at,
            unknown,
            hidden,
        })
    }

    fn driver_line(&mut self, reader: &mut LineReader<'_>, line: &LogicalLine) {
        let text = line.text.as_str();
        if text.starts_with(|c: char| c.is_ascii_uppercase()) && is_macro_definition(text) {
            self.finish_driver();
            reader.define_macro(line);
            return;
        }
        if let Some((name, extra)) = instance_name(text) {
            self.finish_driver();
            let class = self.section.class();
            let header_at = line.loc(0..name.len());
            if !extra.is_empty() {
                self.error(
                    line.whole(),
                    EximErrorKind::ExtraAfterDriverName {
                        name: name.to_owned(),
                        extra: extra.to_owned(),
                    },
                );
            }
            if self
                .drivers
                .iter()
                .any(|d| d.section == self.section && d.name == name && d.uncertain.is_none())
                && line.uncertain.is_none()
            {
                self.error(
                    header_at,
                    EximErrorKind::DuplicateDriver {
                        class,
                        name: name.to_owned(),
                    },
                );
            }
            self.current = Some(Driver {
                section: self.section,
                name: name.to_owned(),
                header_at,
                settings: Vec::new(),
                uncertain: line.uncertain.clone(),
            });
            return;
        }
        let Some(setting) = self.option(line) else {
            return;
        };
        let Some(driver) = self.current.as_mut() else {
            let class = self.section.class();
            self.error(line.whole(), EximErrorKind::DriverNameMissing { class });
            return;
        };
        let twice = !REPEATABLE.contains(&setting.name.as_str())
            && setting.unknown.is_none()
            && driver
                .settings
                .iter()
                .any(|s| s.name == setting.name && s.unknown.is_none());
        if twice {
            let at = setting.name_at;
            let name = setting.name;
            self.error(at, EximErrorKind::OptionSetTwice { name });
            return;
        }
        driver.settings.push(setting);
    }

    fn finish_driver(&mut self) {
        if let Some(driver) = self.current.take() {
            if driver.get("driver").is_none() && driver.uncertain.is_none() {
                self.error(
                    driver.header_at,
                    EximErrorKind::DriverMissing {
                        class: driver.section.class(),
                        name: driver.name.clone(),
                    },
                );
            }
            self.drivers.push(driver);
        }
    }
}

/// `hide ` before an option: hidden from `exim -bP` for non-admins.
fn strip_hide(text: &str) -> (bool, usize) {
    match text.strip_prefix("hide") {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_whitespace()) => {
            (true, text.len() - rest.trim_start().len())
        }
        _ => (false, 0),
    }
}

/// `NAME =` or `NAME ==` at the start of a line.
fn is_macro_definition(text: &str) -> bool {
    let rest = text.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
    rest.trim_start().starts_with('=')
}

/// `name:` (a driver instance or ACL): the name and anything after the colon.
fn instance_name(text: &str) -> Option<(&str, &str)> {
    if !text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let rest = text[end..].trim_start().strip_prefix(':')?;
    Some((&text[..end], rest.trim()))
}

/// A quoted string with Exim's escapes undone; anything else as written.
fn unquote(raw: &str) -> String {
    let Some(inner) = raw.strip_prefix('"') else {
        return raw.to_owned();
    };
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('x') => {
                let mut code = 0u32;
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(16)) {
                        Some(d) => {
                            code = code * 16 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.extend(char::from_u32(code));
            }
            Some(d @ '0'..='7') => {
                let mut code = d.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            code = code * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.extend(char::from_u32(code));
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// A standalone `CAPS_WITH_UNDERSCORES` word in a value: an apparent macro
/// that the configuration does not define. Words glued to cipher-string
/// operators (`%`, `+`, `-`, `!`) and TLS 1.3 suite names (`TLS_...`) are
/// not macros.
fn undefined_macro(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || b" \t:;{}=(,\"'".contains(&bytes[i - 1]);
        if boundary && bytes[i].is_ascii_uppercase() {
            let end = (i..bytes.len())
                .find(|&j| {
                    !(bytes[j].is_ascii_uppercase()
                        || bytes[j].is_ascii_digit()
                        || bytes[j] == b'_')
                })
                .unwrap_or(bytes.len());
            let word = &value[i..end];
            let closed = end == bytes.len() || b" \t:;{}),\"'".contains(&bytes[end]);
            if closed
                && word.contains('_')
                && !word.ends_with('_')
                && !word.starts_with("TLS_")
                && !word.starts_with("SSL_")
            {
                return Some(format!(
                    "`{word}` looks like a macro, but the configuration does not define it (a `-D` command-line definition would replace it; otherwise Exim uses the text as written)"
                ));
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> EximConfig {
        read_exim(SourceFile::new("exim.conf", text), None, &[])
    }

    fn errors(config: &EximConfig) -> Vec<String> {
        config.errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn sections_drivers_and_options() {
        let config = read(
            "primary_hostname = mx.example.com\nhide mysql_servers = secret\n\
             domainlist local_domains = @ : example.com\nhostlist_cache relay = 10.0.0.0/8\n\
             no_tls_tempfail_tryclear\nbegin acl\nacl_check_rcpt:\n  accept hosts = :\n\
             begin routers\nsmarthost:\n  driver = manualroute\n  route_list = * smtp.example.net::587\n\
             begin transports\nremote_smtp:\n  driver = smtp\n  hosts_require_tls = *\n  no_multi_domain\n\
             begin retry\n* * F,2h,15m\n",
        );
        assert_eq!(errors(&config), Vec::<String>::new());
        let names: Vec<_> = config
            .main
            .iter()
            .map(|s| (s.name.as_str(), s.hidden))
            .collect();
        assert_eq!(
            names,
            vec![
                ("primary_hostname", false),
                ("mysql_servers", true),
                ("tls_tempfail_tryclear", false)
            ]
        );
        assert_eq!(
            config.main("tls_tempfail_tryclear").unwrap().value,
            OptionValue::Flag(false)
        );
        assert_eq!(config.named_lists.len(), 2);
        assert_eq!(
            config.named_list("hostlist", "relay").unwrap().value,
            "10.0.0.0/8"
        );
        assert_eq!(config.acls[0].0, "acl_check_rcpt");
        let router = config.drivers(Section::Routers).next().unwrap();
        assert_eq!(router.driver(), Some("manualroute"));
        assert_eq!(
            router.get("route_list").unwrap().value.text(),
            Some("* smtp.example.net::587")
        );
        let transport = config.drivers(Section::Transports).next().unwrap();
        assert_eq!(
            transport.get("multi_domain").unwrap().value,
            OptionValue::Flag(false)
        );
    }

    #[test]
    fn a_hash_after_a_value_is_data() {
        let config = read("tls_certificate = /etc/x.pem # cert\n");
        assert_eq!(
            config.main("tls_certificate").unwrap().value.text(),
            Some("/etc/x.pem # cert")
        );
    }

    #[test]
    fn a_main_option_set_twice_is_an_error_where_it_is_set_again() {
        let text = "tls_certificate = /a\nqualify_domain = x\ntls_certificate = /b\n";
        let config = read(text);
        assert_eq!(
            errors(&config),
            vec!["`tls_certificate` option set for the second time"]
        );
        let at = config.errors[0].at.span;
        assert_eq!(at.start as usize, text.rfind("tls_certificate").unwrap());
        assert_eq!(
            config.main("tls_certificate").unwrap().value.text(),
            Some("/a")
        );
    }

    #[test]
    fn options_in_unknown_branches_are_unknown_and_not_duplicates() {
        let config = read(
            ".ifdef _HAVE_OPENSSL\ntls_require_ciphers = HIGH\n.else\ntls_require_ciphers = NORMAL\n.endif\n",
        );
        assert_eq!(errors(&config), Vec::<String>::new());
        let setting = config.main("tls_require_ciphers").unwrap();
        assert_eq!(setting.value.text(), Some("NORMAL"));
        assert!(
            setting
                .unknown
                .as_deref()
                .unwrap()
                .contains("_HAVE_OPENSSL")
        );
    }

    #[test]
    fn undefined_macros_in_values_are_unknown_cipher_strings_are_not() {
        let config = read(
            "tls_certificate = CERT_FILE\ntls_require_ciphers = NORMAL:%SERVER_PRECEDENCE:-VERS-TLS1.0\n",
        );
        assert!(
            config
                .main("tls_certificate")
                .unwrap()
                .unknown
                .as_deref()
                .unwrap()
                .contains("`CERT_FILE`")
        );
        assert_eq!(config.main("tls_require_ciphers").unwrap().unknown, None);
    }

    #[test]
    fn driver_errors() {
        let config = read(
            "begin transports\n  driver = smtp\nt:\n  driver = smtp\n  port = 25\n  port = 26\n  headers_add = a\n  headers_add = b\nt:\n  driver = smtp\nu: extra\n  driver = pipe\nv:\n  port = 1\n",
        );
        assert_eq!(
            errors(&config),
            vec![
                "transport name missing",
                "`port` option set for the second time",
                "there are two transports called `t`",
                "extra characters after driver name u: `extra`",
                "no `driver` option in transport `v`",
            ]
        );
    }

    #[test]
    fn quoted_values_and_unknown_sections() {
        let config = read(
            "message_body_newlines = \"a\\tb\\x41\\101\"\nbegin nonsense\nx = 1\nbegin routers\n",
        );
        assert_eq!(
            config.main("message_body_newlines").unwrap().value.text(),
            Some("a\tbAA")
        );
        assert_eq!(
            errors(&config),
            vec!["unknown configuration section `begin nonsense`"]
        );
    }

    #[test]
    fn bad_input_does_not_panic() {
        for text in [
            "=\n",
            "\\\n",
            "no_\n",
            "begin\n",
            "begin \n",
            "A\n",
            ".include\n",
            "x = \"unterminated\n",
            "\u{feff}x = 1\n",
            "begin routers\n:\n",
            "é = 1\n",
            ".ifdef\n.endif\n",
            "X = \\\n",
        ] {
            let _ = read(text);
        }
    }
}
