//! The organisation's register of signed BAAs (`[[baa]]` in
//! `safeguard.toml`): the evidence that a vendor's BAA is in force.

use super::vendors::Named;

/// One signed BAA.
#[derive(Debug, Clone, Default)]
pub struct RegisteredBaa {
    /// A catalogue vendor id, or the organisation's own name for a vendor
    /// the catalogue does not list (then `hosts`/`providers` say how to
    /// recognise it).
    pub vendor: String,
    pub signed: String,
    pub expires: Option<String>,
    pub reference: Option<String>,
    pub hosts: Vec<String>,
    pub providers: Vec<String>,
    pub resource_prefixes: Vec<String>,
}

/// The BAAs in force. Expired entries are left out by whoever builds it.
#[derive(Debug, Clone, Default)]
pub struct BaaRegister {
    pub entries: Vec<RegisteredBaa>,
}

impl BaaRegister {
    #[must_use]
    pub fn get(&self, vendor: &str) -> Option<&RegisteredBaa> {
        self.entries.iter().find(|e| e.vendor == vendor)
    }

    /// An entry whose own hosts, providers or prefixes name `value`.
    #[must_use]
    pub fn find_by_value(&self, value: &str) -> Option<&RegisteredBaa> {
        let named = Named::parse(value)?;
        self.entries
            .iter()
            .find(|e| named.matches(&e.providers, &e.resource_prefixes, &e.hosts))
    }
}
