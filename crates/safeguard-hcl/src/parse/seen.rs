//! A set of the names seen so far in one body or object, to refuse a
//! repeated attribute or key.

use std::collections::HashSet;
use std::hash::Hash;

/// Most bodies and objects hold a handful of names, which are scanned;
/// past that they are hashed, so a hostile body or object of a million
/// names is not a quadratic scan.
pub(super) struct Seen<K> {
    few: Vec<K>,
    many: HashSet<K>,
}

impl<K> Default for Seen<K> {
    fn default() -> Self {
        Seen {
            few: Vec::new(),
            many: HashSet::new(),
        }
    }
}

impl<K: Hash + Eq> Seen<K> {
    const FEW: usize = 16;

    /// False when `key` was seen before.
    pub(super) fn insert(&mut self, key: K) -> bool {
        if self.many.is_empty() {
            if self.few.contains(&key) {
                return false;
            }
            if self.few.len() < Self::FEW {
                self.few.push(key);
                return true;
            }
            self.many.extend(self.few.drain(..));
        }
        self.many.insert(key)
    }
}
