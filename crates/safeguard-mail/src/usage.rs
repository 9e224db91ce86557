//! Which main.cf parameters Postfix uses, by postconf's rules: built-in and
//! legacy names; `<service>_<suffix>` names for delivery services in
//! master.cf; and user-defined names that are referenced as `$name` from a
//! main.cf value or a master.cf `-o` value (any branch of a conditional),
//! listed in `smtpd_restriction_classes`, or named by a legacy database
//! table (`ldap:foo` makes `foo_server_host` a parameter). Anything else is
//! an "unused parameter": Postfix ignores it, which for a misspelled
//! security setting means the setting silently does not apply.

use std::collections::{BTreeMap, HashSet};

use crate::expand::{Lookup, Resolve, expand, references};
use crate::main_cf::{MainCf, Parameter};
use crate::master_cf::MasterCf;
use crate::namespaces::{Namespace, namespaces};
use crate::registry;
use crate::syntax::{COMMA_BLANKS, split_grouped, strip_group};

/// The main.cf definitions in effect that Postfix ignores, in source order.
/// (`config_directory` is never reported; read-only names always are.)
#[must_use]
pub fn unused_parameters<'a>(main: &'a MainCf, master: Option<&MasterCf>) -> Vec<&'a Parameter> {
    let usage = Usage::new(main, master);
    main.parameters()
        .into_iter()
        .filter(|p| !usage.is_used(&p.name))
        .collect()
}

/// The names in use.
pub(crate) struct Usage {
    valid: HashSet<String>,
    service_parameters: HashSet<String>,
}

impl Usage {
    pub(crate) fn new(main: &MainCf, master: Option<&MasterCf>) -> Self {
        let mut usage = Usage {
            valid: HashSet::new(),
            service_parameters: HashSet::new(),
        };
        let (spaces, _) = master.map(namespaces).unwrap_or_default();
        if let Some(master) = master {
            for entry in master.entries() {
                for suffix in registry::service_suffixes(&entry.command.text) {
                    usage
                        .service_parameters
                        .insert(format!("{}{suffix}", entry.name.text));
                }
            }
        }
        for space in spaces.values() {
            usage.scan_space(main, Some(space));
        }
        usage.scan_space(main, None);
        usage
    }

    pub(crate) fn is_used(&self, name: &str) -> bool {
        name == "config_directory"
            || !registry::is_read_only(name)
                && (registry::is_builtin(name)
                    || self.service_parameters.contains(name)
                    || self.valid.contains(name))
    }

    fn is_builtin_or_service(&self, name: &str) -> bool {
        registry::is_builtin(name) || self.service_parameters.contains(name)
    }

    /// A reference validates a main.cf definition unless the local name
    /// space (the `-o` list it appears in) defines the name itself.
    fn flag(&mut self, main: &MainCf, local: Option<&Namespace>, name: &str) {
        if local.is_some_and(|space| space.contains_key(name)) {
            return;
        }
        if main.get(name).is_some() {
            self.valid.insert(name.to_owned());
        }
    }

    fn scan_space(&mut self, main: &MainCf, local: Option<&Namespace>) {
        let entries: Vec<(String, String)> = match local {
            Some(space) => space.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            None => main
                .parameters()
                .into_iter()
                .map(|p| (p.name.clone(), p.value.clone()))
                .collect(),
        };
        // smtpd_restriction_classes, expanded within its own name space.
        let classes = entries
            .iter()
            .find(|(name, _)| name == "smtpd_restriction_classes")
            .map(|(_, value)| {
                let own: BTreeMap<&str, &str> = entries
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                expand(value, &Dictionary(own)).text
            });
        if let Some(classes) = classes {
            for class in classes
                .split(|c: char| c.is_ascii() && COMMA_BLANKS.contains(&(c as u8)))
                .filter(|c| !c.is_empty())
            {
                self.flag(main, local, class);
            }
        }
        for (name, value) in &entries {
            if registry::is_read_only(name) || registry::is_raw(name) {
                continue;
            }
            for reference in references(value) {
                self.flag(main, local, &reference);
            }
            if self.is_builtin_or_service(name) {
                let expanded = expand(value, &Layered { main, local }).text;
                for candidate in legacy_table_parameters(&expanded) {
                    self.flag(main, local, &candidate);
                }
            }
        }
    }
}

/// Names in one dictionary only (postconf's `dict_eval`).
struct Dictionary<'a>(BTreeMap<&'a str, &'a str>);

impl Resolve for Dictionary<'_> {
    fn lookup(&self, name: &str) -> Lookup<'_> {
        self.0
            .get(name)
            .map_or(Lookup::Undefined, |v| Lookup::Value((*v).into()))
    }
}

/// A master.cf name space over main.cf, built-ins unknown.
struct Layered<'a> {
    main: &'a MainCf,
    local: Option<&'a Namespace>,
}

impl Resolve for Layered<'_> {
    fn lookup(&self, name: &str) -> Lookup<'_> {
        if let Some(value) = self.local.and_then(|space| space.get(name)) {
            return Lookup::Value(value.as_str().into());
        }
        match self.main.get(name) {
            Some(p) if !registry::is_read_only(name) => Lookup::Value(p.value.as_str().into()),
            _ if registry::is_builtin(name) => Lookup::Unknown,
            _ => Lookup::Undefined,
        }
    }
}

/// `ldap:name` (also behind `proxy:`) makes `name_<suffix>` parameters for
/// the table type's client settings; postconf's `pcf_register_dbms_helper`.
fn legacy_table_parameters(value: &str) -> Vec<String> {
    let mut names = Vec::new();
    collect_tables(value, &mut names, 0);
    names
}

fn collect_tables(value: &str, names: &mut Vec<String>, depth: usize) {
    // Nesting is bounded by the text itself; the depth cap keeps a
    // pathological value from exhausting the stack.
    if depth > 100 {
        return;
    }
    for token in split_grouped(value, 0..value.len(), COMMA_BLANKS) {
        let token = value.get(token).unwrap_or("");
        if token.starts_with('{') {
            let (inner, _) = strip_group(token, 0..token.len());
            collect_tables(token.get(inner).unwrap_or(""), names, depth + 1);
            continue;
        }
        let mut rest = token;
        let mut table_type;
        loop {
            let Some((kind, prefix)) = rest.split_once(':') else {
                table_type = None;
                break;
            };
            table_type = Some((kind, prefix));
            if kind != "proxy" {
                break;
            }
            rest = prefix;
        }
        let Some((kind, prefix)) = table_type else {
            continue;
        };
        if prefix.starts_with('/') || prefix.starts_with('.') {
            continue;
        }
        if prefix.starts_with('{') {
            let (inner, _) = strip_group(prefix, 0..prefix.len());
            collect_tables(prefix.get(inner).unwrap_or(""), names, depth + 1);
            continue;
        }
        for suffix in registry::dbms_suffixes(kind) {
            names.push(format!("{prefix}_{suffix}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use safeguard_source::SourceFile;

    use super::*;
    use crate::{parse_main_cf, parse_master_cf};

    fn unused(main: &str, master: &str) -> Vec<String> {
        let main = parse_main_cf(&SourceFile::new("main.cf", main));
        let master = parse_master_cf(&SourceFile::new("master.cf", master));
        unused_parameters(&main, Some(&master))
            .into_iter()
            .map(|p| p.name.clone())
            .collect()
    }

    #[test]
    fn references_restriction_classes_services_and_tables_count_as_use() {
        let main = "\
process_name = x
virtual_maps = hash:/y
relay_destination_concurrency_limit = 5
bogus_destination_concurrency_limit = 5
alias_maps = proxy:ldap:myldap
myldap_server_host = h
myldap_bogus = h
smtpd_restriction_classes = cls1, cls2
cls1 = permit
luser_relay = $rawref
rawref = 1
foo = 1
smtpd_banner = ${foo?{x}:{$bar}} ${{$baz} == {1} ? {a} : {b}}
bar = 2
baz = 3
mref = 1
Smtpd_Tls_Auth_Only = yes
";
        let master = "relay unix - - y - - smtp -o smtp_helo_name=$mref\n";
        assert_eq!(
            unused(main, master),
            vec![
                "process_name",
                "bogus_destination_concurrency_limit",
                "myldap_bogus",
                "rawref",
                "Smtpd_Tls_Auth_Only"
            ]
        );
    }

    #[test]
    fn a_local_definition_hides_main() {
        let main = "x = 1\n";
        let master = "s inet n - y - - smtpd -o x=2 -o smtpd_banner=$x\n";
        assert_eq!(unused(main, master), vec!["x"]);
    }
}
