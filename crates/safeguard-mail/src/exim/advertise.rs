//! The spec's idioms for "only over TLS" in expanded options, read without
//! running Exim's expander: `${if COND {A}{B}}` where COND tests whether
//! the incoming session is encrypted (`def:tls_in_cipher`,
//! `eq{$tls_in_cipher}{}`, either negated with `!`; `$tls_cipher` and
//! `$tls_in_cipher_std` count too). Anything else that is expanded is not
//! decided.

/// What an idiom expands to on an encrypted session and on a cleartext one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSplit {
    pub with_tls: String,
    pub without_tls: String,
}

const TLS_VARIABLES: [&str; 3] = ["tls_in_cipher_std", "tls_in_cipher", "tls_cipher"];

/// Reads `${if COND {A}{B}}` (white space ignored) with a TLS test as COND.
#[must_use]
pub fn tls_split(text: &str) -> Option<TlsSplit> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let body = compact.strip_prefix("${if")?.strip_suffix('}')?;
    let (negated, body) = match body.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, body),
    };
    // `true_when_tls`: the condition holds on an encrypted session.
    let (true_when_tls, rest) = if let Some(rest) = body.strip_prefix("def:") {
        let var = TLS_VARIABLES.iter().find(|v| rest.starts_with(**v))?;
        (true, &rest[var.len()..])
    } else if let Some(rest) = body.strip_prefix("eq") {
        let (a, rest) = braced(rest)?;
        let (b, rest) = braced(rest)?;
        let is_var = |s: &str| {
            s.strip_prefix('$')
                .is_some_and(|v| TLS_VARIABLES.contains(&v.trim_matches(['{', '}'])))
        };
        match (a, b) {
            (a, "") if is_var(a) => (false, rest),
            ("", b) if is_var(b) => (false, rest),
            _ => return None,
        }
    } else {
        return None;
    };
    let holds_with_tls = true_when_tls != negated;
    let (yes, no) = if rest.is_empty() {
        ("true".to_owned(), String::new())
    } else {
        let (yes, rest) = braced(rest)?;
        let (no, rest) = if rest.is_empty() {
            ("", rest)
        } else {
            braced(rest)?
        };
        if !rest.is_empty() || yes.contains(['{', '$']) || no.contains(['{', '$']) {
            return None;
        }
        (yes.to_owned(), no.to_owned())
    };
    let (with_tls, without_tls) = if holds_with_tls { (yes, no) } else { (no, yes) };
    Some(TlsSplit {
        with_tls,
        without_tls,
    })
}

/// `{...}` at the start of `text` (no nesting): its content and the rest.
fn braced(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_prefix('{')?;
    let end = inner.find('}')?;
    let content = &inner[..end];
    if content.contains('{') {
        return None;
    }
    Some((content, &inner[end + 1..]))
}

/// Whether an expanded condition's result counts as true (spec: not empty,
/// `0`, `no` or `false`).
#[must_use]
pub fn truthy(result: &str) -> bool {
    let result = result.trim();
    !(result.is_empty()
        || result == "0"
        || result.eq_ignore_ascii_case("no")
        || result.eq_ignore_ascii_case("false"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Option<(String, String)> {
        tls_split(text).map(|s| (s.with_tls, s.without_tls))
    }

    #[test]
    fn the_spec_idioms() {
        let s = |a: &str, b: &str| Some((a.to_owned(), b.to_owned()));
        assert_eq!(split("${if eq{$tls_in_cipher}{}{}{*}}"), s("*", ""));
        assert_eq!(split("${if def:tls_in_cipher}"), s("true", ""));
        assert_eq!(split("${if eq{$tls_in_cipher}{}{no}{yes}}"), s("yes", "no"));
        assert_eq!(split("${if !eq{$tls_in_cipher}{}}"), s("true", ""));
        assert_eq!(split("${if !def:tls_cipher {yes}{no}}"), s("no", "yes"));
        assert_eq!(split("${if def:tls_in_cipher {*}}"), s("*", ""));
        assert_eq!(split("${if eq {$tls_in_cipher}{} {} {*}}"), s("*", ""));
        assert_eq!(split("${if def:sender_host_address}"), None);
        assert_eq!(split("${if eq{$received_port}{587}{*}{}}"), None);
        assert_eq!(split("*"), None);
    }

    #[test]
    fn truthiness() {
        assert!(truthy("true"));
        assert!(truthy("yes"));
        assert!(!truthy(""));
        assert!(!truthy("No"));
        assert!(!truthy("0"));
    }
}
