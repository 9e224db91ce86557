//! master.cf `-o` parameters as *postconf* sees them, which is not always
//! what the daemon gets (see [`crate::master_cf`]).
//!
//! postconf normalizes the arguments first: an `o` anywhere after the first
//! letter of an option splits it (`-vo` becomes `-v -o`, but so does the `o`
//! in `-osyslog_name=x`, which becomes `-osysl` and `-og_name=x`), `-ox=y`
//! becomes `-o x=y`, and only `-o` takes a value. It then merges the
//! parameters of every line with the same `name/type` into one name space,
//! which `postconf -P` prints once per line. These quirks only matter for
//! reproducing postconf; settings in effect come from the daemon's view.

use std::collections::BTreeMap;

use crate::master_cf::{MasterCf, ServiceEntry};
use crate::syntax::{split_nameval, strip_group};

/// The `-o` parameters of one `name/type`, merged over its lines.
pub(crate) type Namespace = BTreeMap<String, String>;

/// The name spaces of all master.cf lines, keyed by `(name, type)`, and
/// for each line (by index) whether postconf attaches the name space to it:
/// only when it existed once that line was read, i.e. that line or an
/// earlier one with the same `name/type` had an `-o`. An attached name space
/// shows later lines' parameters too.
pub(crate) fn namespaces(master: &MasterCf) -> (BTreeMap<(String, String), Namespace>, Vec<bool>) {
    let mut spaces: BTreeMap<(String, String), Namespace> = BTreeMap::new();
    let mut attached = Vec::with_capacity(master.entries().len());
    for entry in master.entries() {
        let key = (entry.name.text.clone(), entry.kind.text.clone());
        for (name, value) in postconf_overrides(entry) {
            spaces.entry(key.clone()).or_default().insert(name, value);
        }
        attached.push(spaces.contains_key(&key));
    }
    (spaces, attached)
}

/// postconf's `-o name=value` pairs for one line, in order.
pub(crate) fn postconf_overrides(entry: &ServiceEntry) -> Vec<(String, String)> {
    let args = normalize(entry.args.iter().map(|a| a.text.clone()).collect());
    let mut pairs = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if !arg.starts_with('-') || arg == "--" {
            break;
        }
        // `strchr("o", arg[1])` also matches the terminating NUL, so a lone
        // `-` takes the next argument as its value, like `-o`.
        let takes_value = matches!(arg.as_bytes().get(1), Some(b'o') | None);
        if takes_value && let Some(value) = args.get(i + 1) {
            if arg == "-o"
                && let Ok(parts) = split_nameval(value, 0..value.len())
            {
                let name = value.get(parts.name).unwrap_or("").to_owned();
                let text = value.get(parts.value).unwrap_or("").to_owned();
                pairs.push((name, text));
            }
            i += 1;
        }
        i += 1;
    }
    pairs
}

/// postconf's `pcf_normalize_daemon_args`.
fn normalize(mut args: Vec<String>) -> Vec<String> {
    let mut i = 0;
    while let Some(arg) = args.get(i).cloned() {
        if !arg.starts_with('-') || arg == "--" {
            break;
        }
        // Split "-stuffozz" into "-stuff" and "-ozz".
        if let Some(k) = arg.bytes().skip(2).position(|b| b == b'o').map(|p| p + 2) {
            let (head, tail) = arg.split_at(k);
            args.insert(i + 1, format!("-{tail}"));
            if let Some(slot) = args.get_mut(i) {
                *slot = head.to_owned();
            }
        }
        let Some(arg) = args.get(i).cloned() else {
            break;
        };
        if arg.as_bytes().get(1) != Some(&b'o') {
            i += 1;
            continue;
        }
        if arg.len() > 2 {
            // Split "-oname=value" into "-o" "name=value".
            let value = arg.get(2..).unwrap_or("").to_owned();
            args.insert(i + 1, value);
            if let Some(slot) = args.get_mut(i) {
                *slot = "-o".to_owned();
            }
        } else if args.get(i + 1).is_none() {
            i += 1;
            continue;
        }
        i += 1;
        // Extract text inside { } and turn it into name=value.
        if let Some(value) = args.get(i).filter(|v| v.starts_with('{')).cloned() {
            let (inner, _) = strip_group(&value, 0..value.len());
            let inner = value.get(inner).unwrap_or("").to_owned();
            let normalized = match split_nameval(&inner, 0..inner.len()) {
                Ok(parts) => format!(
                    "{}={}",
                    inner.get(parts.name).unwrap_or(""),
                    inner.get(parts.value).unwrap_or("")
                ),
                Err(_) => inner,
            };
            if let Some(slot) = args.get_mut(i) {
                *slot = normalized;
            }
        }
        i += 1;
    }
    args
}

#[cfg(test)]
mod tests {
    use safeguard_source::SourceFile;

    use super::*;
    use crate::parse_master_cf;

    fn pairs(line: &str) -> Vec<(String, String)> {
        let master = parse_master_cf(&SourceFile::new("master.cf", line));
        postconf_overrides(&master.entries()[0])
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn postconf_splits_on_any_o() {
        assert_eq!(
            pairs("s inet n - y - - smtpd -osyslog_name=postfix/$service_name"),
            owned(&[("g_name", "p")])
        );
        assert_eq!(
            pairs("s inet n - y - - smtpd -osmtpd_sasl_auth_enable=yes -vo a=1"),
            owned(&[("smtpd_sasl_auth_enable", "yes"), ("a", "1")])
        );
    }

    #[test]
    fn postconf_reads_braces_and_stops_at_arguments() {
        assert_eq!(
            pairs("s inet n - y - - smtpd -o { a = x  y } -o b= foo -o c=1"),
            owned(&[("a", "x  y"), ("b", "")])
        );
    }

    #[test]
    fn duplicate_lines_share_a_namespace() {
        let master = parse_master_cf(&SourceFile::new(
            "master.cf",
            "smtp inet n - y - - smtpd -o a=1\nsmtp inet n - y - - smtpd -o b=2 -o a=3\n",
        ));
        let (spaces, attached) = namespaces(&master);
        assert_eq!(attached, vec![true, true]);
        let smtp = &spaces[&("smtp".to_owned(), "inet".to_owned())];
        assert_eq!(smtp.get("a").map(String::as_str), Some("3"));
        assert_eq!(smtp.len(), 2);
    }
}
