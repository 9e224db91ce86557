//! A next-hop destination as written (`[smtp.example.com]:587`,
//! `example.com`, `smtp.example.com:2525`) and the parts policies compare.

/// The parts of one destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Destination {
    /// Verbatim, the key `smtp_tls_policy_maps` is looked up with.
    pub(crate) verbatim: String,
    /// Lower case, without brackets, port or trailing dot.
    pub(crate) host: String,
    /// The port as written, if any (a number or a service name).
    pub(crate) port: Option<String>,
    /// Unbracketed: Postfix looks up MX records for it.
    pub(crate) mx_lookup: bool,
}

impl Destination {
    pub(crate) fn parse(verbatim: &str) -> Self {
        let (host, port, mx_lookup) = if let Some(rest) = verbatim.strip_prefix('[') {
            match rest.split_once(']') {
                Some((inside, after)) => {
                    (inside, after.strip_prefix(':').map(str::to_owned), false)
                }
                None => (rest, None, false),
            }
        } else {
            match verbatim.rsplit_once(':') {
                Some((host, port)) => (host, Some(port.to_owned()), true),
                None => (verbatim, None, true),
            }
        };
        Destination {
            verbatim: verbatim.to_owned(),
            host: host.trim_end_matches('.').to_ascii_lowercase(),
            port,
            mx_lookup,
        }
    }

    /// The keys `smtp_tls_policy_maps` is searched with, in order: the
    /// verbatim destination, then, for a bare domain only, each parent
    /// domain with a leading dot (`smtp_tls_policy.c`, `tls_policy_lookup`).
    pub(crate) fn policy_keys(&self) -> Vec<String> {
        let mut keys = vec![self.verbatim.clone()];
        if self.mx_lookup && self.port.is_none() {
            let mut rest = self.verbatim.as_str();
            while let Some(dot) = rest.get(1..).and_then(|r| r.find('.')) {
                rest = &rest[dot + 1..];
                keys.push(rest.to_owned());
            }
        }
        keys
    }
}

/// The destinations of a list (Postfix 3.5 and later: separated by commas
/// or blanks).
pub(crate) fn destinations(list: &str) -> Vec<Destination> {
    list.split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|s| !s.is_empty())
        .map(Destination::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_clean_and_keys_verbatim() {
        let d = Destination::parse("[SMTP.Example.com.]:587");
        assert_eq!(d.host, "smtp.example.com");
        assert_eq!(d.port.as_deref(), Some("587"));
        assert!(!d.mx_lookup);
        assert_eq!(d.policy_keys(), vec!["[SMTP.Example.com.]:587"]);
        let d = Destination::parse("mail.example.com");
        assert_eq!(
            d.policy_keys(),
            vec!["mail.example.com", ".example.com", ".com"]
        );
        let d = Destination::parse("relay.example.com:2525");
        assert_eq!(
            (d.host.as_str(), d.port.as_deref()),
            ("relay.example.com", Some("2525"))
        );
        assert_eq!(d.policy_keys(), vec!["relay.example.com:2525"]);
        let list: Vec<String> = destinations("[a]:587, [b]:587 c")
            .into_iter()
            .map(|d| d.host)
            .collect();
        assert_eq!(list, vec!["a", "b", "c"]);
    }
}
