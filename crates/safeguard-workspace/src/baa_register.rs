//! The organisation's register of signed BAAs, `[[baa]]` in
//! `safeguard.toml`, checked against the vendor catalogue once the policy
//! folders (which hold the catalogue) are loaded.

use std::path::PathBuf;

use safeguard_policy::{BaaRegister, RegisteredBaa, VendorCatalogue, did_you_mean};

use crate::ConfigError;

/// One `[[baa]]` entry as written, with the position of its `vendor` and
/// dates for error messages.
#[derive(Debug, Clone, Default)]
pub struct RegisterEntry {
    pub baa: RegisteredBaa,
    pub vendor_position: Option<(u32, u32)>,
    pub expires_position: Option<(u32, u32)>,
}

/// The register in force on `today` (`YYYY-MM-DD`): entries naming a
/// catalogue vendor, or describing their own vendor with hosts or providers.
/// Mistakes and expired entries are returned as errors, so an expired BAA
/// never silently counts (nor silently disappears).
#[must_use]
pub fn build_register(
    entries: &[RegisterEntry],
    catalogue: &VendorCatalogue,
    config_path: Option<&PathBuf>,
    today: &str,
) -> (BaaRegister, Vec<ConfigError>) {
    let path = config_path
        .cloned()
        .unwrap_or_else(|| PathBuf::from("safeguard.toml"));
    let error = |position, message: String| ConfigError {
        path: path.clone(),
        position,
        message,
    };
    let mut register = BaaRegister::default();
    let mut errors = Vec::new();
    for entry in entries {
        let baa = &entry.baa;
        let describes_itself =
            !(baa.hosts.is_empty() && baa.providers.is_empty() && baa.resource_prefixes.is_empty());
        if catalogue.get(&baa.vendor).is_none() && !describes_itself {
            let ids = catalogue.ids();
            let hint = match did_you_mean(&baa.vendor, &ids) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "catalogue vendors are: {}; for another vendor, add `hosts`, `providers` or `resource-prefixes`",
                    ids.join(", ")
                ),
            };
            errors.push(error(
                entry.vendor_position,
                format!("`{}` is not in the vendor catalogue ({hint})", baa.vendor),
            ));
            continue;
        }
        if let Some(expires) = &baa.expires
            && expires.as_str() < today
        {
            errors.push(error(
                entry.expires_position,
                format!(
                    "the BAA with `{}` expired on {expires}; renew it and update the register, or remove the entry",
                    baa.vendor
                ),
            ));
            continue;
        }
        register.entries.push(baa.clone());
    }
    (register, errors)
}

/// Today's date in UTC as `YYYY-MM-DD` (the civil-from-days algorithm, so no
/// date crate is needed for one comparison).
#[must_use]
pub fn today_utc() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(seconds / 86_400).unwrap_or(0);
    civil_date(days)
}

/// The proleptic Gregorian date `days` after 1970-01-01.
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(19_723), "2024-01-01");
        assert_eq!(civil_date(20_785), "2026-11-28");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }
}
