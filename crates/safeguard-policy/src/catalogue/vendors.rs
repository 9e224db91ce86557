//! The vendor catalogue: who offers a Business Associate Agreement, and the
//! provider sources, resource-type prefixes and mail hosts that reveal each
//! vendor in a configuration.

/// Whether a vendor offers a BAA, as the catalogue records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaaOffer {
    /// The vendor signs none (or its standard accounts are not covered).
    None,
    /// One is offered; it counts only once the organisation has signed it.
    Available,
    /// Sources disagree or were not confirmed; it counts only once signed.
    Unconfirmed,
}

impl BaaOffer {
    pub const NAMES: [&'static str; 3] = ["none", "available", "unconfirmed"];

    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "none" => Some(Self::None),
            "available" => Some(Self::Available),
            "unconfirmed" => Some(Self::Unconfirmed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Vendor {
    pub id: String,
    pub name: String,
    pub baa: BaaOffer,
    /// Why the catalogue records this offer, for the finding's reason.
    pub note: String,
    /// `namespace/type`, lowercase, without the registry host.
    pub terraform_providers: Vec<String>,
    /// Resource type prefixes such as `sendgrid_`.
    pub resource_prefixes: Vec<String>,
    /// Host name suffixes; `*` stands for one label (`email-smtp.*.amazonaws.com`).
    pub hosts: Vec<String>,
    pub sources: Vec<String>,
}

/// The BAA status of one value naming (or not naming) a vendor.
#[derive(Debug, Clone, Copy)]
pub enum BaaStatus<'a> {
    /// No catalogued or registered vendor is named.
    Unlisted,
    /// The organisation's register lists a BAA with this vendor (its name).
    Registered(&'a str),
    /// The vendor offers no BAA and the register lists none.
    NoneOffered(&'a Vendor),
    /// A BAA is available (or unconfirmed) but not in the register.
    NotRegistered(&'a Vendor),
}

impl BaaStatus<'_> {
    /// The word policies use for this status (`vendor-baa: none`).
    #[must_use]
    pub fn keyword(&self) -> &'static str {
        match self {
            BaaStatus::Unlisted => "unlisted",
            BaaStatus::Registered(_) => "registered",
            BaaStatus::NoneOffered(_) => "none",
            BaaStatus::NotRegistered(_) => "not-registered",
        }
    }

    pub const KEYWORDS: [&'static str; 4] = ["none", "not-registered", "registered", "unlisted"];

    /// A sentence for findings: who the vendor is and where it stands.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            BaaStatus::Unlisted => "names no vendor in the BAA catalogue or register".to_owned(),
            BaaStatus::Registered(name) => {
                format!("names {name}, whose BAA is in the organisation's register")
            }
            BaaStatus::NoneOffered(vendor) => format!(
                "names {} (`{}`), which offers no BAA ({}), and the organisation's register lists none",
                vendor.name, vendor.id, vendor.note
            ),
            BaaStatus::NotRegistered(vendor) => {
                let offer = match vendor.baa {
                    BaaOffer::Unconfirmed => "whose BAA terms are unconfirmed",
                    _ => "which offers a BAA",
                };
                format!(
                    "names {} (`{}`), {offer} ({}), but the organisation's register (`[[baa]]` in safeguard.toml) does not list it",
                    vendor.name, vendor.id, vendor.note
                )
            }
        }
    }
}

/// The catalogue of vendors, from every catalogue file of the policy folders.
#[derive(Debug, Clone, Default)]
pub struct VendorCatalogue {
    pub vendors: Vec<Vendor>,
    /// The date each file says it was checked, for evidence.
    pub as_of: Vec<String>,
}

impl VendorCatalogue {
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Vendor> {
        self.vendors.iter().find(|v| v.id == id)
    }

    #[must_use]
    pub fn ids(&self) -> Vec<&str> {
        self.vendors.iter().map(|v| v.id.as_str()).collect()
    }

    /// The vendor a value names, if any.
    #[must_use]
    pub fn identify(&self, value: &str) -> Option<&Vendor> {
        let named = Named::parse(value)?;
        self.vendors.iter().find(|vendor| {
            named.matches(
                &vendor.terraform_providers,
                &vendor.resource_prefixes,
                &vendor.hosts,
            )
        })
    }
}

/// What a configuration value names, by its shape.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Named {
    /// `namespace/type`, lowercase, registry host removed.
    Provider(String),
    /// A resource type such as `sendgrid_template`.
    ResourceType(String),
    /// A host name, lowercase, without brackets, port or trailing dot.
    Host(String),
}

impl Named {
    pub(crate) fn parse(value: &str) -> Option<Named> {
        let value = value.trim().to_ascii_lowercase();
        if value.is_empty() {
            return None;
        }
        if value.contains('/') {
            return Some(Named::Provider(provider_source(&value)));
        }
        if !value.contains(['.', ':', '[']) {
            return value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                .then_some(Named::ResourceType(value));
        }
        host_of(&value).map(Named::Host)
    }

    pub(crate) fn matches(
        &self,
        providers: &[String],
        prefixes: &[String],
        hosts: &[String],
    ) -> bool {
        match self {
            Named::Provider(source) => providers.iter().any(|p| same_provider(p, source)),
            Named::ResourceType(kind) => prefixes.iter().any(|p| type_has_prefix(kind, p)),
            Named::Host(host) => hosts.iter().any(|pattern| host_matches(host, pattern)),
        }
    }
}

/// `registry.terraform.io/hashicorp/aws` → `hashicorp/aws`: the default
/// registry host is implied, as Terraform implies it.
fn provider_source(source: &str) -> String {
    let source = source.trim().to_ascii_lowercase();
    match source.split('/').collect::<Vec<_>>().as_slice() {
        [_host, namespace, kind] => format!("{namespace}/{kind}"),
        _ => source,
    }
}

/// Whether a catalogue's provider source names `source` (already in
/// [`provider_source`]'s form), compared in place: this runs for every
/// vendor on every value a `vendor-baa` condition judges.
fn same_provider(pattern: &str, source: &str) -> bool {
    let pattern = pattern.trim();
    let short = match pattern.split_once('/') {
        Some((_host, rest)) if rest.bytes().filter(|b| *b == b'/').count() == 1 => rest,
        _ => pattern,
    };
    short.eq_ignore_ascii_case(source)
}

/// True when `kind` belongs to `prefix`: `aws_s3_` prefixes `aws_s3_bucket`;
/// a prefix without the trailing `_` is the whole type or a `_` boundary
/// (`aws_instance` names `aws_instance`, not `aws_instances_x`).
pub(crate) fn type_has_prefix(kind: &str, prefix: &str) -> bool {
    if prefix.ends_with('_') {
        return kind.starts_with(prefix);
    }
    kind == prefix
        || kind
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('_'))
}

/// The host in `[host]:port`, `host:port`, `transport:[host]:port`,
/// `include:host` or `host.` forms, lowercased.
pub(crate) fn host_of(value: &str) -> Option<String> {
    let value = value.trim();
    let host = if let Some(open) = value.find('[') {
        let rest = &value[open + 1..];
        &rest[..rest.find(']')?]
    } else {
        let mut parts = value.split(':');
        let first = parts.next()?;
        if first.contains('.') {
            first
        } else {
            // `transport:host[:port]` or `include:host`.
            parts.next()?
        }
    };
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty() && host.contains('.')).then_some(host)
}

/// True when `host` is `pattern` or a subdomain of it; `*` matches one label.
pub(crate) fn host_matches(host: &str, pattern: &str) -> bool {
    // Label by label from the right, without collecting either side.
    let mut labels = host.rsplit('.');
    pattern.trim_end_matches('.').rsplit('.').all(|want| {
        labels
            .next()
            .is_some_and(|label| want == "*" || label.eq_ignore_ascii_case(want))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparing_providers_in_place_agrees_with_normalising_them() {
        for (pattern, value) in [
            ("registry.terraform.io/hashicorp/aws", "hashicorp/aws"),
            ("hashicorp/aws", "registry.terraform.io/hashicorp/aws"),
            (" HashiCorp/AWS ", "hashicorp/aws"),
            ("a/b/c/d", "a/b/c/d"),
            ("a/b/c/d", "b/c/d"),
            ("aws", "aws"),
            ("example.com/sendgrid/sendgrid", "sendgrid/sendgrid"),
            ("sendgrid/sendgrid", "other/sendgrid"),
        ] {
            let source = provider_source(value);
            assert_eq!(
                same_provider(pattern, &source),
                provider_source(pattern) == source,
                "{pattern} against {value}"
            );
        }
    }

    #[test]
    fn reads_every_shape_a_value_takes() {
        assert_eq!(
            Named::parse("registry.terraform.io/Hashicorp/AWS"),
            Some(Named::Provider("hashicorp/aws".into()))
        );
        assert_eq!(
            Named::parse("sendgrid_template"),
            Some(Named::ResourceType("sendgrid_template".into()))
        );
        for value in [
            "[smtp.SendGrid.net]:587",
            "smtp.sendgrid.net:2525",
            "smtp:[smtp.sendgrid.net]:587",
            "relay:smtp.sendgrid.net",
            "smtp.sendgrid.net.",
            "include:smtp.sendgrid.net",
        ] {
            assert_eq!(
                Named::parse(value),
                Some(Named::Host("smtp.sendgrid.net".into())),
                "{value}"
            );
        }
        assert_eq!(Named::parse("  "), None);
        assert_eq!(Named::parse("[unclosed"), None);
    }

    #[test]
    fn hosts_match_by_whole_labels() {
        assert!(host_matches("smtp.sendgrid.net", "sendgrid.net"));
        assert!(host_matches("sendgrid.net", "sendgrid.net"));
        assert!(!host_matches("notsendgrid.net", "sendgrid.net"));
        assert!(!host_matches("sendgrid.net.example.com", "sendgrid.net"));
        assert!(host_matches(
            "email-smtp.eu-west-1.amazonaws.com",
            "email-smtp.*.amazonaws.com"
        ));
        assert!(!host_matches(
            "s3.eu-west-1.amazonaws.com",
            "email-smtp.*.amazonaws.com"
        ));
    }

    #[test]
    fn type_prefixes_respect_boundaries() {
        assert!(type_has_prefix("aws_s3_bucket", "aws_s3_"));
        assert!(type_has_prefix("aws_instance", "aws_instance"));
        assert!(type_has_prefix("aws_db_instance", "aws_db"));
        assert!(!type_has_prefix("aws_dbx", "aws_db"));
    }
}
