//! Lists of a cloud provider's services eligible for PHI under its BAA
//! (for AWS, the "HIPAA Eligible Services Reference"), mapped to the
//! resource-type prefixes that create them.

use super::vendors::type_has_prefix;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eligibility {
    Eligible,
    NotEligible,
    /// The service configures the account and holds no customer content
    /// (IAM, Organizations), so eligibility does not arise.
    NoContent,
}

impl Eligibility {
    pub const NAMES: [&'static str; 3] = ["yes", "no", "no-content"];

    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "yes" => Some(Self::Eligible),
            "no" => Some(Self::NotEligible),
            "no-content" => Some(Self::NoContent),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServiceEntry {
    pub name: String,
    pub eligibility: Eligibility,
    pub resource_prefixes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ServiceList {
    /// The provider the list is about, e.g. `aws`.
    pub provider: String,
    /// The resource-type prefix of that provider, e.g. `aws_`.
    pub type_prefix: String,
    /// When the list was last compared with the provider's reference.
    pub as_of: String,
    pub source: String,
    pub entries: Vec<ServiceEntry>,
}

impl ServiceList {
    /// The entry with the longest prefix of `resource_type`.
    #[must_use]
    pub fn classify(&self, resource_type: &str) -> Option<&ServiceEntry> {
        self.entries
            .iter()
            .flat_map(|entry| entry.resource_prefixes.iter().map(move |p| (p, entry)))
            .filter(|(prefix, _)| type_has_prefix(resource_type, prefix))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, entry)| entry)
    }
}
