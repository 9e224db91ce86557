//! `safeguard clean`: deletes the result cache that `check` would use for
//! the given paths (beside their safeguard.toml, else in the working
//! directory), or the one `--cache-dir`/`SAFEGUARD_CACHE_DIR` names, as
//! `ruff clean` does. Checks also sweep entries unused for
//! a month on their own; this is for a fresh start or a smaller CI cache.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context as _, Result};
use safeguard_workspace::{default_cache_dir, discover_config};

use crate::cli::CleanArgs;

pub fn run(args: &CleanArgs) -> Result<u8> {
    let dirs: BTreeSet<_> = match super::cache_dir(args.cache_dir.as_deref()) {
        Some(dir) => BTreeSet::from([dir]),
        None => args
            .paths
            .iter()
            .map(|path| default_cache_dir(discover_config(path).as_deref()))
            .collect(),
    };
    for dir in dirs {
        remove(&dir)?;
    }
    Ok(0)
}

fn remove(dir: &Path) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        eprintln!("safeguard: no cache at {}", dir.display());
        return Ok(());
    };
    // A link placed where the cache belongs is removed, never followed;
    // anything else of that name is not the cache and is left alone.
    if meta.is_dir() {
        std::fs::remove_dir_all(dir)
    } else if meta.is_symlink() {
        std::fs::remove_file(dir)
    } else {
        eprintln!(
            "safeguard: {} is not a cache directory; left alone",
            dir.display()
        );
        return Ok(());
    }
    .with_context(|| format!("cannot remove {}", dir.display()))?;
    eprintln!("safeguard: removed {}", dir.display());
    Ok(())
}
