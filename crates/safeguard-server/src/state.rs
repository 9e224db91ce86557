//! What the server remembers: open buffers with their versions, a
//! generation counter per document (the
//! newest scheduled check wins), and the findings last published per file
//! (for hovers and code actions, valid only for the version they were
//! computed on).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use safeguard_engine::Finding;
use safeguard_workspace::{DocumentKey, Overlay};
use tower_lsp_server::ls_types::Uri;

use crate::convert::Encoding;

/// An open editor buffer.
#[derive(Debug, Clone)]
pub struct OpenDoc {
    pub uri: Uri,
    pub version: i32,
    pub text: Arc<str>,
    /// The document the buffer belongs to under its configuration (which
    /// can map a file to a format whatever its name); `None`: not read.
    pub key: Option<DocumentKey>,
}

/// Findings published for one file, and the buffer version they describe
/// (`None`: the file was read from disk).
#[derive(Debug, Clone, Default)]
pub struct Published {
    pub version: Option<i32>,
    pub findings: Vec<Finding>,
}

#[derive(Default)]
pub struct State {
    pub encoding: Option<Encoding>,
    pub root: PathBuf,
    pub debounce_ms: Option<u64>,
    pub docs: HashMap<PathBuf, OpenDoc>,
    pub generations: HashMap<DocumentKey, u64>,
    /// Documents with a check loop in flight. An edit to one of them does
    /// not start a second check: it only bumps the generation, and the
    /// running loop checks the newest generation as soon as its check
    /// ends. Edits typed faster than a check coalesce, and an edit typed
    /// after a quiet moment is checked at once, with no delay.
    pub running: HashSet<DocumentKey>,
    pub published: HashMap<PathBuf, Published>,
    /// Files each document last published diagnostics for, to clear them.
    pub published_by: HashMap<DocumentKey, HashSet<PathBuf>>,
    /// Configurations whose load errors were already shown.
    pub announced: HashSet<Option<PathBuf>>,
}

impl State {
    pub fn encoding(&self) -> Encoding {
        self.encoding.unwrap_or(Encoding::Utf16)
    }

    /// Every open buffer, for a check to read instead of the disk.
    pub fn overlay(&self) -> Overlay {
        let mut overlay = Overlay::new();
        for (path, doc) in &self.docs {
            overlay.insert(path, Arc::clone(&doc.text));
        }
        overlay
    }

    /// The document each open buffer belongs to.
    pub fn open_keys(&self) -> Vec<DocumentKey> {
        let mut keys: Vec<DocumentKey> = self
            .docs
            .values()
            .filter_map(|doc| doc.key.clone())
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }

    /// Starts a new generation for `key`; older checks of it become stale.
    pub fn bump(&mut self, key: &DocumentKey) -> u64 {
        let generation = self.generations.entry(key.clone()).or_insert(0);
        *generation += 1;
        *generation
    }

    pub fn is_current(&self, key: &DocumentKey, generation: u64) -> bool {
        self.generations.get(key) == Some(&generation)
    }

    /// The newest generation of `key`.
    pub fn generation(&self, key: &DocumentKey) -> u64 {
        self.generations.get(key).copied().unwrap_or(0)
    }

    /// The configuration governing `path`, the way the CLI finds it.
    pub fn config_for(path: &Path) -> Option<PathBuf> {
        safeguard_workspace::discover_config(path)
    }
}
