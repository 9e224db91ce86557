//! A finding's identity across edits: its rule, its file and its object's
//! address, never its line, so moving a resource down keeps it. SARIF's
//! `partialFingerprints`, GitLab's `fingerprint` and the baseline use it.

use std::path::Path;

use safeguard_engine::Finding;

use crate::location::display_path;

/// 16 hex digits of FNV-1a (64 bits) over `rule NUL path NUL object`, the
/// path as displayed (relative to `cwd`, `/`-separated). FNV is fixed by
/// its definition, so the value is the same on every platform and release.
#[must_use]
pub fn fingerprint(finding: &Finding, cwd: &Path) -> String {
    let path = display_path(finding.file.path(), cwd);
    fingerprint_of(&finding.policy.id, &path, &finding.object)
}

pub(crate) fn fingerprint_of(rule: &str, path: &str, object: &str) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in [rule, path, object] {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_value_and_separation() {
        // FNV-1a of the empty input is the offset basis; three NULs follow here.
        assert_eq!(fingerprint_of("", "", "").len(), 16);
        assert_eq!(
            fingerprint_of("r", "a.tf", "x.y"),
            fingerprint_of("r", "a.tf", "x.y")
        );
        // The separator keeps ("ab", "c") apart from ("a", "bc").
        assert_ne!(
            fingerprint_of("r", "ab", "c"),
            fingerprint_of("r", "a", "bc")
        );
    }
}
