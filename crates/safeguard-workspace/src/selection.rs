use std::sync::Arc;

use safeguard_policy::Policy;

/// Which policies run: `select` keeps only the named rule ids or safeguards
/// (all when absent), `ignore` then drops the named ones.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
}

impl Selection {
    fn matches(policy: &Policy, selector: &str) -> bool {
        policy.id == selector || policy.safeguard.as_str() == selector
    }

    #[must_use]
    pub fn allows(&self, policy: &Policy) -> bool {
        let selected = self
            .select
            .as_ref()
            .is_none_or(|select| select.iter().any(|s| Self::matches(policy, s)));
        selected && !self.ignore.iter().any(|s| Self::matches(policy, s))
    }

    /// Selectors that name no loaded policy and no safeguard: almost always a
    /// typo that would silently switch a check off.
    #[must_use]
    pub fn unknown_selectors<'a>(&'a self, policies: &[Arc<Policy>]) -> Vec<&'a str> {
        let known = |selector: &str| {
            safeguard_policy::Safeguard::ALL
                .iter()
                .any(|g| g.as_str() == selector)
                || policies.iter().any(|p| p.id == selector)
        };
        self.select
            .iter()
            .flatten()
            .chain(&self.ignore)
            .map(String::as_str)
            .filter(|s| !known(s))
            .collect()
    }
}
