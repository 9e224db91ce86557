//! Exim lists, host-list matching and manualroute routing rules, as far as
//! they can be decided from the configuration alone.
//!
//! Lists (spec, "List construction"): `:` separates items unless the list
//! starts with `<` and a punctuation character that replaces it; a doubled
//! separator is a literal one; items are trimmed; a trailing empty item is
//! dropped. Host lists ("Negated items in lists"): scanned left to right,
//! the first matching item decides (`!` negates); with no match, the host is
//! in the list only when the last item was negative. Items are matched
//! against a smarthost *name* as written in a routing rule: `*`, literal
//! names and `*.suffix` wildcards can be decided; IP addresses and networks
//! (the name's address comes from DNS), `@` forms, regular expressions,
//! lookups, files and `${...}` expansions cannot, and make the answer
//! unknown unless an earlier item already decided it.

use crate::exim::config::EximConfig;
use crate::exim::lines::Tri;

/// Most named lists followed through `+name` references.
const MAX_LIST_DEPTH: usize = 16;

/// Splits an Exim list (default separator `sep`).
#[must_use]
pub fn split_list(text: &str, sep: char) -> Vec<String> {
    let mut text = text.trim_start();
    let mut sep = sep;
    if let Some(rest) = text.strip_prefix('<')
        && let Some(c) = rest.chars().next()
        && c.is_ascii_punctuation()
    {
        sep = c;
        text = &rest[c.len_utf8()..];
    }
    let mut items = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == sep {
            if chars.peek() == Some(&sep) {
                chars.next();
                current.push(sep);
            } else {
                items.push(current.trim().to_owned());
                current.clear();
            }
        } else {
            current.push(c);
        }
    }
    items.push(current.trim().to_owned());
    if items.last().is_some_and(String::is_empty) {
        items.pop();
    }
    items
}

/// Whether `host` (a name or an IP address, as written in a routing rule)
/// is in the host list `list`.
pub(crate) fn host_in_list(config: &EximConfig, list: &str, host: &str) -> Tri {
    host_in_list_at(config, list, host, 0)
}

fn host_in_list_at(config: &EximConfig, list: &str, host: &str, depth: usize) -> Tri {
    let items = split_list(list, ':');
    // Undecidable items so far, with the answer each would give on a match.
    let mut unknown: Vec<(bool, String)> = Vec::new();
    let mut last_negative = false;
    let decide = |result: bool, unknown: &[(bool, String)]| match unknown
        .iter()
        .find(|(would, _)| *would != result)
    {
        Some((_, reason)) => Tri::Unknown(reason.clone()),
        None => tri(result),
    };
    for item in &items {
        let (negative, pattern) = match item.strip_prefix('!') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, item.as_str()),
        };
        last_negative = negative;
        match item_matches(config, pattern, host, depth) {
            Tri::Yes => return decide(!negative, &unknown),
            Tri::No => {}
            Tri::Unknown(reason) => unknown.push((!negative, reason)),
        }
    }
    decide(last_negative, &unknown)
}

fn item_matches(config: &EximConfig, pattern: &str, host: &str, depth: usize) -> Tri {
    let unknown = |why: &str| Tri::Unknown(format!("host list item `{pattern}` {why}"));
    if pattern == "*" {
        return Tri::Yes;
    }
    if pattern.contains('$') {
        return unknown("is expanded at delivery time");
    }
    if let Some(name) = pattern.strip_prefix('+') {
        if depth >= MAX_LIST_DEPTH {
            return unknown("nests named lists too deeply");
        }
        return match config.named_list("hostlist", name) {
            Some(list) if list.unknown.is_none() => {
                host_in_list_at(config, &list.value, host, depth + 1)
            }
            Some(list) => Tri::Unknown(list.unknown.clone().unwrap_or_default()),
            None => unknown("names a host list the configuration does not define"),
        };
    }
    if pattern.starts_with('^') {
        return unknown("is a regular expression matched against the host's looked-up name");
    }
    if pattern.starts_with('/') {
        return unknown("names a file that is not read");
    }
    if pattern.contains(';') {
        return unknown("is a lookup that is not performed");
    }
    if pattern.starts_with('@') {
        return unknown("depends on the local host's name or interfaces");
    }
    let host_is_ip = is_ip_like(host);
    if is_ip_like(pattern) || pattern.contains('/') {
        if host_is_ip && !pattern.contains('/') {
            return tri(pattern.eq_ignore_ascii_case(host));
        }
        return unknown("is an address; the smarthost's address comes from DNS");
    }
    if host_is_ip {
        return unknown("is a name; the smarthost is given by address and its name comes from DNS");
    }
    if let Some(suffix) = pattern.strip_prefix('*') {
        let host = host.to_ascii_lowercase();
        return tri(host.ends_with(&suffix.to_ascii_lowercase()));
    }
    tri(pattern.eq_ignore_ascii_case(host))
}

fn tri(value: bool) -> Tri {
    if value { Tri::Yes } else { Tri::No }
}

fn is_ip_like(text: &str) -> bool {
    let text = text.trim_start_matches('[').trim_end_matches(']');
    text.parse::<std::net::IpAddr>().is_ok()
        || (text.contains(':')
            && text
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.'))
}

/// One host of a routing rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteHost {
    /// The name or address, without port, brackets or `/MX`.
    pub host: String,
    pub port: Option<String>,
    /// `name/MX`: the hosts are the name's MX records.
    pub mx: bool,
}

/// A routing rule's hosts and options (`route_list` rule or `route_data`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub hosts: Vec<RouteHost>,
    /// The option words (`byname`, a transport name, ...).
    pub options: Vec<String>,
}

/// The rules of a `route_list`: `;`-separated, each `pattern hosts options`.
#[must_use]
pub fn parse_route_list(text: &str) -> Vec<Route> {
    split_list(text, ';')
        .iter()
        .filter(|rule| !rule.is_empty())
        .map(|rule| {
            let words = words(rule);
            // The domain pattern first; the host list may be missing.
            let hosts = words.get(1).map(String::as_str).unwrap_or_default();
            Route {
                hosts: parse_hosts(hosts),
                options: words.get(2..).unwrap_or_default().to_vec(),
            }
        })
        .collect()
}

/// A literal `route_data`: a host list, then option words.
#[must_use]
pub fn parse_route_data(text: &str) -> Route {
    let words = words(text);
    Route {
        hosts: parse_hosts(words.first().map(String::as_str).unwrap_or_default()),
        options: words.get(1..).unwrap_or_default().to_vec(),
    }
}

fn parse_hosts(list: &str) -> Vec<RouteHost> {
    split_list(list, ':')
        .into_iter()
        .filter(|item| !item.is_empty() && item != "+")
        .map(|item| {
            let (item, mx_port) = match item.to_ascii_lowercase().find("/mx") {
                Some(i) => (item[..i].to_owned(), Some(item[i + 3..].to_owned())),
                None => (item.clone(), None),
            };
            let mx = mx_port.is_some();
            let (host, port) = if let Some(rest) = item.strip_prefix('[') {
                match rest.split_once(']') {
                    Some((host, port)) => {
                        (host.to_owned(), port.strip_prefix(':').map(str::to_owned))
                    }
                    None => (rest.to_owned(), None),
                }
            } else if item.matches(':').count() == 1 {
                let (host, port) = item.split_once(':').unwrap_or((&item, ""));
                (host.to_owned(), Some(port.to_owned()))
            } else {
                (item.clone(), None)
            };
            let port =
                port.or_else(|| mx_port.and_then(|p| p.strip_prefix(':').map(str::to_owned)));
            RouteHost {
                host,
                port: port.filter(|p| !p.is_empty()),
                mx,
            }
        })
        .collect()
}

/// White-space separated words; `"..."` groups (quotes removed).
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            break;
        };
        let mut word = String::new();
        if first == '"' {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => word.extend(chars.next()),
                    c => word.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exim::config::read_exim;
    use safeguard_source::SourceFile;

    fn config(text: &str) -> EximConfig {
        read_exim(SourceFile::new("c", text), None, &[])
    }

    #[test]
    fn lists_split_like_exim() {
        assert_eq!(split_list("a : b::c :", ':'), vec!["a", "b:c"]);
        assert_eq!(
            split_list("<; 127.0.0.1 ; ::1", ':'),
            vec!["127.0.0.1", "::1"]
        );
        assert_eq!(split_list(":", ':'), vec![""]);
        assert!(split_list("", ':').is_empty());
    }

    #[test]
    fn host_lists_match_names_and_say_when_they_cannot() {
        let c = config("hostlist providers = *.example.net\n");
        let m = |list, host| host_in_list(&c, list, host);
        assert_eq!(m("*", "smtp.example.net"), Tri::Yes);
        assert_eq!(m("", "smtp.example.net"), Tri::No);
        assert_eq!(m("SMTP.example.net", "smtp.example.net"), Tri::Yes);
        assert_eq!(m("other.example.net", "smtp.example.net"), Tri::No);
        assert_eq!(m("+providers", "smtp.example.net"), Tri::Yes);
        assert_eq!(m("!smtp.example.net : *", "smtp.example.net"), Tri::No);
        assert_eq!(m("!other", "smtp.example.net"), Tri::Yes);
        assert!(matches!(
            m("192.0.2.1", "smtp.example.net"),
            Tri::Unknown(_)
        ));
        assert_eq!(m("192.0.2.1", "192.0.2.1"), Tri::Yes);
        assert!(matches!(m("${if true{*}}", "x"), Tri::Unknown(_)));
        // A decided match before an undecidable item stands.
        assert_eq!(
            m("smtp.example.net : 10.0.0.0/8", "smtp.example.net"),
            Tri::Yes
        );
        assert!(matches!(m("+missing", "x"), Tri::Unknown(_)));
    }

    #[test]
    fn routing_rules() {
        let routes = parse_route_list(
            "* smtp.example.net::587 byname ; example.org \"a.example:b.example\" remote_smtp",
        );
        assert_eq!(routes.len(), 2);
        assert_eq!(
            routes[0].hosts,
            vec![RouteHost {
                host: "smtp.example.net".into(),
                port: Some("587".into()),
                mx: false
            }]
        );
        assert_eq!(routes[0].options, vec!["byname"]);
        assert_eq!(routes[1].hosts.len(), 2);
        assert_eq!(routes[1].options, vec!["remote_smtp"]);
        let data = parse_route_data("\"<+ [192.0.2.1]:2525 + relay.example/MX\"");
        assert_eq!(data.hosts[0].host, "192.0.2.1");
        assert_eq!(data.hosts[0].port.as_deref(), Some("2525"));
        assert!(data.hosts[1].mx);
        assert_eq!(data.hosts[1].host, "relay.example");
    }
}
