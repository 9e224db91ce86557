//! One value per setting, whatever the encoding: booleans written as `true`,
//! `"Enabled"` or `$True`; SharePoint sharing levels as ScubaGear's integers
//! or Microsoft365DSC's names; .NET TimeSpans and Google durations as
//! seconds; `/Date(ms)/` as an ISO date; host lists lower-cased.

use safeguard_model::{Map, Node, Value};
use safeguard_source::Span;

/// A key looked up the way PowerShell does, ignoring case: exports keep the
/// cmdlet's spelling, hand-written configurations do not always.
pub(crate) fn lookup<'a>(map: &'a Map, key: &str) -> Option<&'a safeguard_model::Entry> {
    map.get(key).or_else(|| {
        map.entries
            .iter()
            .rev()
            .find(|e| e.key.eq_ignore_ascii_case(key))
    })
}

/// A boolean in any of its spellings; `None` for anything else.
pub(crate) fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) if *n == 0.0 || *n == 1.0 => Some(*n == 1.0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "$true" | "enabled" | "enable" | "on" | "yes" => Some(true),
            "false" | "$false" | "disabled" | "disable" | "off" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// SharePoint/OneDrive `SharingCapability`: ScubaGear's integers (the SPO
/// REST enum) and Microsoft365DSC's names map to one level.
pub(crate) fn sharing_level(value: &Value) -> Option<&'static str> {
    match value {
        Value::Number(n) => match *n as i64 {
            0 => Some("org_only"),
            1 => Some("new_and_existing_guests"),
            2 => Some("anyone"),
            3 => Some("existing_guests"),
            _ => None,
        },
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "disabled" => Some("org_only"),
            "externalusersharingonly" => Some("new_and_existing_guests"),
            "externaluserandguestsharing" => Some("anyone"),
            "existingexternalusersharingonly" => Some("existing_guests"),
            "org_only" | "new_and_existing_guests" | "anyone" | "existing_guests" => {
                Some(sharing_level_name(s))
            }
            _ => None,
        },
        _ => None,
    }
}

fn sharing_level_name(s: &str) -> &'static str {
    match s {
        "org_only" => "org_only",
        "new_and_existing_guests" => "new_and_existing_guests",
        "anyone" => "anyone",
        _ => "existing_guests",
    }
}

/// `DefaultSharingLinkType`: 0 None, 1 Direct (specific people), 2 Internal
/// (the organisation), 3 AnonymousAccess (anyone).
pub(crate) fn link_type(value: &Value) -> Option<&'static str> {
    let name = match value {
        Value::Number(n) => match *n as i64 {
            0 => "none",
            1 => "specific_people",
            2 => "organization",
            3 => "anyone",
            _ => return None,
        },
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "none" => "none",
            "direct" | "specific_people" => "specific_people",
            "internal" | "organization" => "organization",
            "anonymousaccess" | "anyone" => "anyone",
            _ => return None,
        },
        _ => return None,
    };
    Some(name)
}

/// A duration in seconds: a .NET TimeSpan (`90.00:00:00`, `06:00:00`,
/// `00:00:00.3000000`), a Google duration (`43200s`) or a number of seconds.
pub(crate) fn seconds(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => Some(*n),
        Value::String(s) => {
            let s = s.trim();
            if let Some(number) = s.strip_suffix('s') {
                return number.parse::<f64>().ok();
            }
            let (days, clock) = match s.split_once(':') {
                Some((head, _)) if head.contains('.') => {
                    let (d, rest) = s.split_once('.')?;
                    (d.parse::<f64>().ok()?, rest)
                }
                _ => (0.0, s),
            };
            let parts: Vec<&str> = clock.split(':').collect();
            let [h, m, sec] = parts.as_slice() else {
                return None;
            };
            let h: f64 = h.parse().ok()?;
            let m: f64 = m.parse().ok()?;
            let sec: f64 = sec.parse().ok()?;
            Some(days * 86_400.0 + h * 3600.0 + m * 60.0 + sec)
        }
        _ => None,
    }
}

/// The unified audit log retention durations (Purview's
/// `RetentionDuration` value map) in days.
pub(crate) fn retention_days(name: &str) -> Option<f64> {
    let days = match name.to_ascii_lowercase().as_str() {
        "sevendays" => 7.0,
        "onemonth" => 30.0,
        "threemonths" => 90.0,
        "sixmonths" => 180.0,
        "ninemonths" => 270.0,
        "twelvemonths" => 365.0,
        "threeyears" => 1095.0,
        "fiveyears" => 1825.0,
        "sevenyears" => 2555.0,
        "tenyears" => 3650.0,
        _ => return None,
    };
    Some(days)
}

/// `/Date(1769788627239)/` (PowerShell's `ConvertTo-Json` dates) as
/// `2026-01-30T16:37:07Z`; other strings are kept.
pub(crate) fn dotnet_date(text: &str) -> Option<String> {
    let ms: i64 = text
        .strip_prefix("/Date(")?
        .strip_suffix(")/")?
        .split(['+', '-'])
        .next()?
        .parse()
        .ok()?;
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A list of strings from a list or a single string, nulls dropped.
pub(crate) fn strings(node: &Node) -> Option<Vec<Node>> {
    match &node.value {
        Value::List(items) => Some(
            items
                .iter()
                .filter(|i| i.value != Value::Null)
                .cloned()
                .collect(),
        ),
        Value::String(s) if s.is_empty() => Some(Vec::new()),
        Value::String(_) => Some(vec![node.clone()]),
        Value::Null => Some(Vec::new()),
        _ => None,
    }
}

/// Host names lower-cased, trimmed of a trailing dot and of Exchange's
/// `smtp:` prefix and `;1` cost suffix, so vendor matching sees clean names.
pub(crate) fn hosts(node: &Node) -> Option<Vec<Node>> {
    let items = strings(node)?;
    let mut out = Vec::new();
    for item in items {
        match &item.value {
            Value::String(s) => {
                for part in s.split([',', ' ']).filter(|p| !p.is_empty()) {
                    out.push(Node::new(Value::String(clean_host(part)), item.span));
                }
            }
            Value::Unknown(_) => out.push(item),
            _ => return None,
        }
    }
    Some(out)
}

pub(crate) fn clean_host(raw: &str) -> String {
    let mut host = raw.trim();
    if host.len() > 5 && host[..5].eq_ignore_ascii_case("smtp:") {
        host = &host[5..];
    }
    if let Some((name, _cost)) = host.split_once(';') {
        host = name;
    }
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// The `include:` (and `redirect=`) hosts and the `all` qualifier of an SPF
/// record, each located inside the record's text when it is written
/// without escapes.
pub(crate) fn spf_terms(record: &str, span: Span, raw: &str) -> (Vec<Node>, Option<String>) {
    // A JSON string's span includes its quotes; locate terms inside only
    // when the raw text is the plain value.
    let inner = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .filter(|r| *r == record);
    let mut includes = Vec::new();
    let mut all = None;
    let mut offset = 0;
    for term in record.split(' ') {
        let start = offset;
        offset += term.len() + 1;
        let lower = term.to_ascii_lowercase();
        let host = lower
            .strip_prefix("include:")
            .or_else(|| lower.strip_prefix("redirect="));
        if let Some(host) = host {
            let term_span = match inner {
                Some(_) => Span::new(
                    span.start + 1 + start as u32,
                    span.start + 1 + (start + term.len()) as u32,
                ),
                None => span,
            };
            includes.push(Node::new(Value::String(clean_host(host)), term_span));
        } else if lower.len() == 4 && lower.ends_with("all") {
            all = Some(lower);
        } else if lower == "all" {
            all = Some("+all".to_owned());
        }
    }
    (includes, all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_of_one_setting_agree() {
        assert_eq!(boolean(&Value::String("Enabled".into())), Some(true));
        assert_eq!(boolean(&Value::Bool(false)), Some(false));
        assert_eq!(sharing_level(&Value::Number(2.0)), Some("anyone"));
        assert_eq!(
            sharing_level(&Value::String("ExternalUserAndGuestSharing".into())),
            Some("anyone")
        );
        assert_eq!(
            sharing_level(&Value::String("ExistingExternalUserSharingOnly".into())),
            sharing_level(&Value::Number(3.0))
        );
        assert_eq!(
            link_type(&Value::Number(1.0)),
            link_type(&Value::String("Direct".into()))
        );
    }

    #[test]
    fn durations_and_dates() {
        assert_eq!(
            seconds(&Value::String("90.00:00:00".into())),
            Some(7_776_000.0)
        );
        assert_eq!(seconds(&Value::String("06:00:00".into())), Some(21_600.0));
        assert_eq!(seconds(&Value::String("43200s".into())), Some(43_200.0));
        assert_eq!(
            seconds(&Value::String("00:00:00.3000000".into())),
            Some(0.3)
        );
        assert_eq!(retention_days("SevenYears"), Some(2555.0));
        assert_eq!(
            dotnet_date("/Date(1769788627239)/").as_deref(),
            Some("2026-01-30T15:57:07Z")
        );
    }

    #[test]
    fn hosts_are_clean() {
        assert_eq!(clean_host("smtp:Test.Domain.com;1"), "test.domain.com");
        assert_eq!(clean_host("SMTP.SendGrid.NET."), "smtp.sendgrid.net");
        let record = "v=spf1 include:SPF.protection.outlook.com -all";
        let raw = format!("\"{record}\"");
        let (includes, all) = spf_terms(record, Span::new(10, 10 + raw.len() as u32), &raw);
        assert_eq!(
            includes[0].value,
            Value::String("spf.protection.outlook.com".into())
        );
        assert_eq!(includes[0].span, Span::new(18, 52));
        assert_eq!(all.as_deref(), Some("-all"));
    }
}
