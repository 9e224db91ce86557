//! The Dovecot 2.3 settings we know by type and default (from
//! `settings_2_3.txt`, doveconf 2.3.19.1), and the typed value rules of its
//! settings parser: which texts a boolean, size, time or number accepts,
//! and the normal form doveconf prints them in (`60s` is `1 mins`, `128k`
//! is `128 k`, `Yes` is `yes`).

use std::sync::OnceLock;

use crate::dovecot::lexer::unescape;

/// The settings table, `#` lines are comments.
const TABLE: &str = include_str!("settings_2_3.txt");

/// A setting's type in Dovecot's settings parser (`SET_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetType {
    Bool,
    Uint,
    UintOct,
    Size,
    Time,
    TimeMsecs,
    InPort,
    Str,
    StrVars,
    Enum,
}

impl SetType {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "BOOL" => SetType::Bool,
            "UINT" => SetType::Uint,
            "UINT_OCT" => SetType::UintOct,
            "SIZE" => SetType::Size,
            "TIME" => SetType::Time,
            "TIME_MSECS" => SetType::TimeMsecs,
            "IN_PORT" => SetType::InPort,
            "STR" => SetType::Str,
            "STR_VARS" => SetType::StrVars,
            "ENUM" => SetType::Enum,
            _ => return None,
        })
    }
}

/// One known setting. `name` is `key` for a top-level setting and
/// `section/key` (`service/inet_listener/port`) inside sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Def {
    pub(crate) name: &'static str,
    pub(crate) ty: SetType,
    /// An auth-process setting: refused inside local/remote filters.
    pub(crate) auth: bool,
    pub(crate) default: String,
}

fn table() -> &'static [Def] {
    static DEFS: OnceLock<Vec<Def>> = OnceLock::new();
    DEFS.get_or_init(|| {
        let mut defs: Vec<Def> = TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut fields = l.splitn(4, '\t');
                let name = fields.next()?;
                let ty = SetType::parse(fields.next()?)?;
                let auth = fields.next()? == "auth";
                let default = fields.next().unwrap_or("");
                // doveconf -d quotes a default with edge blanks or `#`.
                let default = match default.strip_prefix('"').and_then(|d| d.strip_suffix('"')) {
                    Some(inner) => unescape(inner),
                    None => default.to_owned(),
                };
                Some(Def {
                    name,
                    ty,
                    auth,
                    default,
                })
            })
            .collect();
        defs.sort_unstable_by(|a, b| a.name.cmp(b.name));
        defs
    })
}

/// The definition of `name` (`key` or `section/.../key`).
pub(crate) fn lookup(name: &str) -> Option<&'static Def> {
    let defs = table();
    defs.binary_search_by(|d| d.name.cmp(name))
        .ok()
        .and_then(|i| defs.get(i))
}

/// The top-level settings of 2.3.19.1 with their defaults, as `doveconf
/// -d` prints them.
pub(crate) fn top_level() -> impl Iterator<Item = &'static Def> {
    table().iter().filter(|d| !d.name.contains('/'))
}

/// A value as the settings parser stores it, for comparing and printing.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Typed {
    Bool(bool),
    Number(u64),
    Text(String),
}

/// The normal form doveconf prints for `value` of type `ty`, or the
/// parser's error message.
pub(crate) fn canonical(ty: SetType, value: &str) -> Result<String, String> {
    Ok(match (ty, typed(ty, value)?) {
        (_, Typed::Bool(b)) => yes_no(b).to_owned(),
        (SetType::UintOct, Typed::Number(n)) => format!("0{n:o}"),
        (SetType::Size, Typed::Number(n)) => export_size(n),
        (SetType::Time, Typed::Number(n)) => export_time(n),
        (SetType::TimeMsecs, Typed::Number(n)) => {
            if n.is_multiple_of(1000) {
                export_time(n / 1000)
            } else {
                format!("{n} ms")
            }
        }
        (_, Typed::Number(n)) => n.to_string(),
        (_, Typed::Text(t)) => t,
    })
}

/// Whether `value` equals the default as doveconf -n compares them (by
/// parsed value; an enum by its first allowed value).
pub(crate) fn is_default(def: &Def, value: &str) -> bool {
    match (typed(def.ty, value), typed(def.ty, &def.default)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Checks a value against its type: the message Dovecot stops with.
pub(crate) fn check(ty: SetType, value: &str) -> Result<(), String> {
    typed(ty, value).map(|_| ())
}

pub(crate) fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// A boolean as Dovecot reads it; `None` when it is not one.
pub(crate) fn parse_bool(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("yes") || value.eq_ignore_ascii_case("y") || value == "1" {
        Some(true)
    } else if value.eq_ignore_ascii_case("no") {
        Some(false)
    } else {
        None
    }
}

fn typed(ty: SetType, value: &str) -> Result<Typed, String> {
    match ty {
        SetType::Bool => parse_bool(value)
            .map(Typed::Bool)
            .ok_or_else(|| format!("Invalid boolean value: {value} (use yes or no)")),
        SetType::Uint => str_to_uint(value).map(|n| Typed::Number(u64::from(n))),
        SetType::UintOct => parse_octal(value).map(Typed::Number),
        SetType::Size => parse_size(value).map(Typed::Number),
        SetType::Time => parse_time(value, false).map(|n| Typed::Number(u64::from(n))),
        SetType::TimeMsecs => parse_time(value, true).map(|n| Typed::Number(u64::from(n))),
        SetType::InPort => match str_to_uint(value) {
            Ok(n) if n <= 65535 => Ok(Typed::Number(u64::from(n))),
            _ => Err(format!("Invalid port number {value}")),
        },
        SetType::Str | SetType::StrVars | SetType::Enum => Ok(Typed::Text(value.to_owned())),
    }
}

/// Leading decimal digits (at least one) and the rest (`str_parse_uintmax`).
fn leading_number(value: &str) -> Option<(u64, &str)> {
    let digits = value.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let (number, rest) = value.split_at(digits);
    number.parse().ok().map(|n| (n, rest))
}

fn str_to_uint(value: &str) -> Result<u32, String> {
    match leading_number(value) {
        Some((n, "")) => u32::try_from(n).map_err(|_| format!("Invalid number {value}: Too large")),
        _ => Err(format!("Invalid number {value}: Not a valid number")),
    }
}

fn parse_octal(value: &str) -> Result<u64, String> {
    if !value.starts_with('0') {
        return str_to_uint(value).map(u64::from);
    }
    if !value.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return Err(format!("Invalid number: {value}"));
    }
    let n = u64::from_str_radix(value, 8).map_err(|_| format!("Invalid number: {value}"))?;
    // Dovecot stores it in an unsigned int.
    Ok(n & u64::from(u32::MAX))
}

fn parse_size(value: &str) -> Result<u64, String> {
    let invalid = || format!("Invalid size: {value}");
    let (number, rest) = leading_number(value).ok_or_else(invalid)?;
    let mut rest = rest.trim_start_matches(' ');
    let multiply: u64 = match rest.bytes().next().map(|b| b.to_ascii_uppercase()) {
        Some(b'B') => 1,
        Some(b'K') => 1 << 10,
        Some(b'M') => 1 << 20,
        Some(b'G') => 1 << 30,
        Some(b'T') => 1 << 40,
        _ => 0,
    };
    if multiply > 0 {
        rest = rest.get(1..).unwrap_or("");
    }
    if multiply > 1 {
        // Allow k, ki, kiB.
        if rest.starts_with(['i', 'I']) {
            rest = rest.get(1..).unwrap_or("");
        }
        if rest.starts_with(['b', 'B']) {
            rest = rest.get(1..).unwrap_or("");
        }
    }
    if !rest.is_empty() {
        return Err(invalid());
    }
    number
        .checked_mul(multiply.max(1))
        .ok_or_else(|| format!("Size is too large: {value}"))
}

/// `settings_get_time_full()`: seconds (or milliseconds).
fn parse_time(value: &str, milliseconds: bool) -> Result<u32, String> {
    let invalid = || format!("Invalid time interval: {value}");
    let (mut number, rest) = leading_number(value).ok_or_else(invalid)?;
    let unit = rest.trim_start_matches(' ');
    if unit.is_empty() && number != 0 {
        return Err(format!(
            "Time interval '{value}' is missing units (add e.g. 's' for seconds)"
        ));
    }
    let prefix_of = |word: &str| {
        unit.len() <= word.len()
            && word
                .get(..unit.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(unit))
    };
    let mut multiply: u64 = if milliseconds { 1000 } else { 1 };
    let mut matched = unit.is_empty();
    match unit.bytes().next().map(|b| b.to_ascii_uppercase()) {
        Some(b'S') => matched = prefix_of("secs") || prefix_of("seconds"),
        Some(b'M') => {
            multiply *= 60;
            if prefix_of("mins") || prefix_of("minutes") {
                matched = true;
            } else if ["msecs", "mseconds", "millisecs", "milliseconds"]
                .iter()
                .any(|w| prefix_of(w))
            {
                if !milliseconds && !number.is_multiple_of(1000) {
                    return Err(format!(
                        "Milliseconds not supported for this setting: {value}"
                    ));
                }
                if !milliseconds {
                    number /= 1000;
                }
                multiply = 1;
                matched = true;
            }
        }
        Some(b'H') => {
            multiply *= 60 * 60;
            matched = prefix_of("hours");
        }
        Some(b'D') => {
            multiply *= 60 * 60 * 24;
            matched = prefix_of("days");
        }
        Some(b'W') => {
            multiply *= 60 * 60 * 24 * 7;
            matched = prefix_of("weeks");
        }
        _ => {}
    }
    if !matched {
        return Err(invalid());
    }
    number
        .checked_mul(multiply)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("Time interval is too large: {value}"))
}

/// `config_export_size()`.
fn export_size(mut size: u64) -> String {
    const SUFFIXES: [char; 5] = ['B', 'k', 'M', 'G', 'T'];
    if size == 0 {
        return "0".to_owned();
    }
    let mut suffix = 'B';
    for &next in SUFFIXES.iter().skip(1) {
        if !size.is_multiple_of(1024) {
            break;
        }
        suffix = next;
        size /= 1024;
    }
    format!("{size} {suffix}")
}

/// `config_export_time()`.
fn export_time(mut stamp: u64) -> String {
    if stamp == 0 {
        return "0".to_owned();
    }
    let mut suffix = "secs";
    for (factor, name) in [(60, "mins"), (60, "hours"), (24, "days"), (7, "weeks")] {
        if !stamp.is_multiple_of(factor) {
            break;
        }
        stamp /= factor;
        suffix = name;
    }
    format!("{stamp} {suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_the_settings_policies_need() {
        let default = |name| lookup(name).map(|d| d.default.as_str());
        assert_eq!(default("ssl"), Some("yes"));
        assert_eq!(default("ssl_min_protocol"), Some("TLSv1.2"));
        assert_eq!(default("disable_plaintext_auth"), Some("yes"));
        assert_eq!(default("auth_mechanisms"), Some("plain"));
        assert_eq!(default("log_timestamp"), Some("%b %d %H:%M:%S "));
        assert_eq!(lookup("ssl").map(|d| d.ty), Some(SetType::Enum));
        assert!(lookup("auth_mechanisms").is_some_and(|d| d.auth));
        assert_eq!(
            lookup("service/inet_listener/port").map(|d| d.ty),
            Some(SetType::InPort)
        );
        assert_eq!(top_level().count(), 307);
    }

    #[test]
    fn normal_forms() {
        let c = |ty, v| canonical(ty, v).unwrap_or_else(|e| e);
        assert_eq!(c(SetType::Bool, "Yes"), "yes");
        assert_eq!(c(SetType::Bool, "1"), "yes");
        assert_eq!(
            c(SetType::Bool, "true"),
            "Invalid boolean value: true (use yes or no)"
        );
        assert_eq!(c(SetType::Time, "60s"), "1 mins");
        assert_eq!(c(SetType::Time, "3600 secs"), "1 hours");
        assert_eq!(c(SetType::Time, "14d"), "2 weeks");
        assert_eq!(c(SetType::Time, "2000ms"), "2 secs");
        assert_eq!(c(SetType::Time, "0"), "0");
        assert!(canonical(SetType::Time, "3600").is_err());
        assert!(canonical(SetType::Time, "5x").is_err());
        assert_eq!(c(SetType::TimeMsecs, "1500ms"), "1500 ms");
        assert_eq!(c(SetType::TimeMsecs, "2s"), "2 secs");
        assert_eq!(c(SetType::Size, "256M"), "256 M");
        assert_eq!(c(SetType::Size, "128 kiB"), "128 k");
        assert_eq!(c(SetType::Size, "1536"), "1536 B");
        assert_eq!(c(SetType::Size, "2048"), "2 k");
        assert_eq!(c(SetType::UintOct, "0660"), "0660");
        assert_eq!(c(SetType::UintOct, "600"), "01130");
        assert_eq!(c(SetType::UintOct, "0"), "00");
        assert_eq!(c(SetType::Uint, "010"), "10");
        assert!(canonical(SetType::Uint, "").is_err());
        assert!(canonical(SetType::Uint, "99999999999").is_err());
        assert!(canonical(SetType::InPort, "65536").is_err());
        assert!(canonical(SetType::Size, "99999999999999999999T").is_err());
        assert!(canonical(SetType::Time, "9999999999 weeks").is_err());
    }

    #[test]
    fn defaults_compare_by_value() {
        let def = |name| lookup(name).cloned().expect("known");
        assert!(is_default(&def("mail_max_lock_timeout"), "0"));
        assert!(is_default(&def("auth_cache_ttl"), "60 mins"));
        assert!(is_default(&def("mail_attachment_min_size"), "128k"));
        assert!(is_default(&def("ssl"), "yes"));
        assert!(!is_default(&def("ssl"), "required"));
        assert!(is_default(&def("ssl_prefer_server_ciphers"), "NO"));
        assert!(!is_default(&def("ssl_min_protocol"), "TLSv1.3"));
    }
}
