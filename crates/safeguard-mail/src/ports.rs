//! The TCP port an `inet` service listens on. Its name is a port number, a
//! service name or `host:port` (`[v6addr]:port`); since Postfix 3.6 names
//! come from `known_tcp_ports` before /etc/services, whose entries we cannot
//! see (we use the same table for older releases, as Debian's
//! /etc/services agrees with it).

use crate::syntax::COMMA_BLANKS;

/// Where an `inet` service listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// The address part of `host:port`, brackets removed.
    pub(crate) host: Option<String>,
    pub(crate) port: PortNumber,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PortNumber {
    Known(u16),
    /// A service name only the host's /etc/services can resolve.
    Unresolved(String),
}

/// Splits an `inet` service name and resolves its port.
pub(crate) fn endpoint(service: &str, known_tcp_ports: &str) -> Endpoint {
    let (host, port) = split_host_port(service);
    Endpoint {
        host: host.map(str::to_owned),
        port: resolve(port, known_tcp_ports),
    }
}

fn split_host_port(service: &str) -> (Option<&str>, &str) {
    if let Some(rest) = service.strip_prefix('[')
        && let Some((host, port)) = rest.split_once("]:")
    {
        return (Some(host), port);
    }
    match service.rsplit_once(':') {
        Some((host, port)) => (Some(host), port),
        None => (None, service),
    }
}

fn resolve(port: &str, known_tcp_ports: &str) -> PortNumber {
    if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
        return match port.parse() {
            Ok(number) => PortNumber::Known(number),
            Err(_) => PortNumber::Unresolved(port.to_owned()),
        };
    }
    // `known_tcp_ports`: items like `smtps=submissions=465`.
    for item in known_tcp_ports
        .split(|c: char| c.is_ascii() && COMMA_BLANKS.contains(&(c as u8)))
        .filter(|item| !item.is_empty())
    {
        let mut names: Vec<&str> = item.split('=').map(str::trim).collect();
        let Some(number) = names.pop().and_then(|n| n.parse::<u16>().ok()) else {
            continue;
        };
        if names.contains(&port) {
            return PortNumber::Known(number);
        }
    }
    PortNumber::Unresolved(port.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &str = "lmtp=24, smtp=25, smtps=submissions=465, submission=587";

    fn port(service: &str) -> PortNumber {
        endpoint(service, KNOWN).port
    }

    #[test]
    fn names_numbers_and_addresses() {
        assert_eq!(port("smtp"), PortNumber::Known(25));
        assert_eq!(port("submission"), PortNumber::Known(587));
        assert_eq!(port("submissions"), PortNumber::Known(465));
        assert_eq!(port("smtps"), PortNumber::Known(465));
        assert_eq!(port("2525"), PortNumber::Known(2525));
        assert_eq!(port("99999"), PortNumber::Unresolved("99999".into()));
        assert_eq!(port("imap"), PortNumber::Unresolved("imap".into()));
        let e = endpoint("127.0.0.1:submission", KNOWN);
        assert_eq!(e.host.as_deref(), Some("127.0.0.1"));
        assert_eq!(e.port, PortNumber::Known(587));
        let e = endpoint("[::1]:10025", KNOWN);
        assert_eq!(e.host.as_deref(), Some("::1"));
        assert_eq!(e.port, PortNumber::Known(10025));
    }
}
