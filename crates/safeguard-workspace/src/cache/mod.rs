//! The result cache: each work unit's result (a Terraform module, a plan
//! or tenant export, a Postfix directory, a Dovecot or Exim file), stored in
//! `.safeguard-cache/` at the project root and reused while nothing it
//! depends on has changed.
//!
//! An entry's name hashes the run's context (tool version and build, the
//! selected policies' texts, the vendor catalogue and BAA register, the
//! safeguard.toml text, the limits, the Terraform variables given from
//! outside) with the unit's identity (its path, its files as walked). The
//! entry holds the log of every file-system question the unit asked (see
//! `record`): a lookup replays it, so a changed file, tfvars, local module
//! or include, or a new file in a directory the unit listed, is a miss.
//! Entries are authenticated with HMAC-SHA256 under a per-user key kept
//! outside the tree (`secret`): the tree is untrusted input, and a planted,
//! corrupt, truncated or foreign entry is a miss, never an error.

mod codec;
mod entry;
mod prune;
mod record;
mod secret;

use std::collections::HashMap;
use std::fs;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use safeguard_model::Format;
use safeguard_policy::Policy;
use safeguard_terraform::VarSource;

pub(crate) use record::{Recorder, Stamp};

use crate::check::{Keep, Passes, UnitResult};
use crate::frontends::{ExternalVars, PostfixUnit};
use crate::walk::TerraformUnit;
use codec::{Fingerprint, Hash};
use secret::Secret;

/// The cache directory's name, at the project root.
const CACHE_DIR_NAME: &str = ".safeguard-cache";

/// Bumped whenever the entry layout or what a unit's result holds changes.
const FORMAT: &str = "safeguard-cache-4";
const MAGIC: &[u8; 8] = b"SGCACHE4";

/// Larger entries are not read (none comes near it; a planted file might).
const MAX_ENTRY_BYTES: u64 = 256 * 1024 * 1024;

/// Where the cache of a run governed by `config` (a safeguard.toml, if
/// any) lives unless the user names a directory: `.safeguard-cache/`
/// beside that file, else in the working directory.
#[must_use]
pub fn default_cache_dir(config: Option<&Path>) -> PathBuf {
    let project_root = match config.and_then(Path::parent) {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        Some(_) => PathBuf::from("."),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    };
    project_root.join(CACHE_DIR_NAME)
}

/// How the cache is used by a check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CacheMode {
    /// Neither read nor written (`--no-cache`, `--fix`, `--diff`,
    /// `--parse-only`, the evidence report).
    #[default]
    Off,
    /// Read and written, with the key in the user's cache directory.
    On,
    /// Read and written, with the key in this directory (tests).
    WithKeyDir(PathBuf),
}

/// Hits and misses of one run, over all its units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: usize,
    pub misses: usize,
    /// Files of hits that were not read: their stamps vouched for them.
    pub unread: usize,
}

/// What a unit is, for its entry's name. Two units with the same key read
/// the same paths in the same way.
pub(crate) enum UnitKey<'a> {
    Terraform(&'a TerraformUnit),
    Plan(&'a Path),
    Tenant(&'a Path),
    MappedTenant(&'a Path, Format),
    Postfix(&'a PostfixUnit),
    Dovecot(&'a Path, &'a Path),
    Exim(&'a Path, &'a Path),
}

impl UnitKey<'_> {
    fn fingerprint(&self, f: &mut Fingerprint) {
        match self {
            UnitKey::Terraform(unit) => {
                f.str("terraform").path(&unit.dir).path(&unit.root);
                f.u64(unit.files.len() as u64);
                for file in &unit.files {
                    f.path(file);
                }
                match &unit.report_only {
                    None => f.u64(0),
                    Some(only) => {
                        f.u64(1).u64(only.len() as u64);
                        for file in only {
                            f.path(file);
                        }
                        f
                    }
                };
            }
            UnitKey::Plan(path) => {
                f.str("plan").path(path);
            }
            UnitKey::Tenant(path) => {
                f.str("tenant").path(path);
            }
            UnitKey::MappedTenant(path, format) => {
                f.str("mapped-tenant").path(path).str(format.as_str());
            }
            UnitKey::Postfix(unit) => {
                f.str("postfix")
                    .path(&unit.dir)
                    .path(&unit.main)
                    .path(&unit.root);
            }
            UnitKey::Dovecot(file, root) => {
                f.str("dovecot").path(file).path(root);
            }
            UnitKey::Exim(file, root) => {
                f.str("exim").path(file).path(root);
            }
        }
    }
}

/// What every entry of one configuration's run depends on besides the
/// unit's own reads.
pub(crate) struct Context<'a> {
    /// The policies that run (after `select`/`ignore`), with their texts.
    pub policies: &'a [Arc<Policy>],
    /// The vendor catalogue, eligible services, BAA register in force
    /// today and PHI scope, as the engine holds them.
    pub catalogue: &'a str,
    /// The governing safeguard.toml, or the directory whose defaults apply.
    pub config: Option<&'a Path>,
    pub default_root: &'a Path,
    pub limits: crate::Limits,
    pub external: &'a ExternalVars,
}

impl Context<'_> {
    fn hash(&self) -> Hash {
        let mut f = Fingerprint::new(FORMAT);
        f.str(env!("CARGO_PKG_VERSION"));
        // A rebuilt binary of the same version may judge differently: the
        // build is part of the key.
        if let Some(meta) = std::env::current_exe()
            .ok()
            .and_then(|exe| fs::metadata(exe).ok())
        {
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            f.u64(meta.len()).str(&modified.to_string());
        }
        f.u64(self.policies.len() as u64);
        for policy in self.policies {
            f.str(&policy.id)
                .path(policy.source.path())
                .str(policy.source.text());
        }
        f.str(self.catalogue);
        match self.config {
            Some(path) => {
                f.u64(1).path(path);
                match fs::read(path) {
                    Ok(bytes) => f.bytes(&bytes),
                    Err(err) => f.str(&err.to_string()),
                };
            }
            None => {
                f.u64(0).path(self.default_root);
            }
        }
        f.str(&format!("{:?}", self.limits));
        for source in self.external.env.iter().chain(&self.external.later) {
            match source {
                VarSource::Env { name, raw } => f.str("env").str(name).str(raw),
                VarSource::Cli { name, raw } => f.str("cli").str(name).str(raw),
                VarSource::Tfvars(file) => f.str("tfvars").source(file),
                VarSource::TfvarsJson(file) => f.str("tfvars.json").source(file),
            };
        }
        f.finish()
    }
}

/// One configuration's cache: where entries live, the key that
/// authenticates them, and the policies findings are rebuilt with.
pub(crate) struct Cache {
    entries: PathBuf,
    writable: bool,
    secret: Secret,
    context: Hash,
    /// The context's policies, in its order: entries name them by index
    /// (the entry's name covers the list, so an index always means the
    /// same policy).
    policies: Vec<Arc<Policy>>,
    policy_index: HashMap<String, u32>,
    hits: AtomicUsize,
    misses: AtomicUsize,
    unread: AtomicUsize,
    temp_counter: AtomicUsize,
    /// The run's start, for entry ages (see `prune`).
    now: SystemTime,
}

impl Cache {
    /// The cache in `dir` (a project's `.safeguard-cache/`, or the
    /// directory the user named), or `None` when it cannot be used (no
    /// key, or the cache directory is a symbolic link: a tree must not
    /// steer writes elsewhere). Creating the directory may fail: the run
    /// then reads what it can and writes nothing.
    pub(crate) fn open(mode: &CacheMode, dir: &Path, context: &Context<'_>) -> Option<Cache> {
        let secret = match mode {
            CacheMode::Off => return None,
            CacheMode::On => Secret::load()?,
            CacheMode::WithKeyDir(dir) => Secret::load_from(dir)?,
        };
        let dir = dir.to_path_buf();
        let entries = dir.join(FORMAT);
        // Checked before anything is created: creating the entries
        // directory through a planted link would write outside the tree.
        let planted = || {
            [&dir, &entries]
                .iter()
                .any(|p| fs::symlink_metadata(p).is_ok_and(|m| !m.is_dir()))
        };
        if planted() {
            return None;
        }
        let writable = prepare(&dir, &entries);
        if planted() {
            return None;
        }
        let policies: Vec<Arc<Policy>> = context.policies.to_vec();
        let policy_index: HashMap<String, u32> = policies
            .iter()
            .enumerate()
            .filter_map(|(index, p)| Some((p.id.clone(), u32::try_from(index).ok()?)))
            .collect();
        Some(Cache {
            entries,
            writable,
            secret,
            context: context.hash(),
            policies,
            policy_index,
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            unread: AtomicUsize::new(0),
            temp_counter: AtomicUsize::new(0),
            now: SystemTime::now(),
        })
    }

    /// Deletes entries unused for a month, at most once a day; called
    /// after the run's lookups, which refreshed the entries they used.
    pub(crate) fn sweep(&self) {
        if self.writable
            && let Some(dir) = self.entries.parent()
        {
            prune::sweep_if_due(dir, FORMAT, self.now);
        }
    }

    pub(crate) fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            unread: self.unread.load(Ordering::Relaxed),
        }
    }

    /// The unit's result: from its entry when every answer it recorded is
    /// still the same, else computed (with its reads recorded) and stored.
    /// A hit that does not keep passes does not decode them either.
    pub(crate) fn unit(
        cache: Option<&Cache>,
        keep: Keep,
        key: &UnitKey<'_>,
        compute: impl FnOnce(Option<&Recorder>) -> Option<UnitResult>,
    ) -> Option<UnitResult> {
        let Some(cache) = cache else {
            return compute(None).map(|result| result.settle(keep));
        };
        let name = cache.entry_name(key);
        if let Some(result) = cache.lookup(&name, keep.passes) {
            cache.hits.fetch_add(1, Ordering::Relaxed);
            if let Some(result) = &result {
                result.index_lines();
            }
            // Passes were left out as decoded; texts read for the replay
            // may still go.
            return result.map(|result| result.settle(keep));
        }
        cache.misses.fetch_add(1, Ordering::Relaxed);
        let recorder = Recorder::default();
        let result = compute(Some(&recorder));
        if cache.writable {
            let log = recorder.into_log();
            if let Some(payload) = entry::encode(&log, result.as_ref(), &cache.policy_index) {
                cache.store(&name, &payload);
            }
        }
        result.map(|result| result.settle(keep))
    }

    fn entry_name(&self, key: &UnitKey<'_>) -> String {
        let mut f = Fingerprint::new("entry");
        f.bytes(&self.context);
        key.fingerprint(&mut f);
        hex(&f.finish())
    }

    /// `Some(result)` on a hit; `None` on any kind of miss.
    fn lookup(&self, name: &str, passes: Passes) -> Option<Option<UnitResult>> {
        let bytes = read_entry(&self.entries.join(name), self.now)?;
        let body = bytes.strip_prefix(MAGIC)?;
        let (payload, tag) = body.split_at_checked(body.len().checked_sub(32)?)?;
        if !self.secret.verify(&[name.as_bytes(), MAGIC, payload], tag) {
            return None;
        }
        let (answers, rest) = entry::decode_answers(payload)?;
        let replayed = record::replay(&answers)?;
        let result = entry::decode_result(rest, &replayed, &self.policies, passes)?;
        self.unread
            .fetch_add(replayed.unread.len(), Ordering::Relaxed);
        Some(result)
    }

    /// Writes an entry atomically: a new temporary file, then a rename.
    /// Failures are ignored; the next run computes the unit again.
    fn store(&self, name: &str, payload: &[u8]) {
        let tag = self.secret.tag(&[name.as_bytes(), MAGIC, payload]);
        let temp = self.entries.join(format!(
            ".tmp-{}-{}",
            std::process::id(),
            self.temp_counter.fetch_add(1, Ordering::Relaxed)
        ));
        replace_file(&temp, &self.entries.join(name), &[MAGIC, payload, &tag]);
    }
}

/// Writes `target` as the new file `temp` (`O_EXCL`, so never through a
/// link someone placed there) renamed over it, which replaces a link at
/// `target` rather than writing through it. `false`, with `temp` removed,
/// when any step fails; the callers then carry on without the file.
pub(crate) fn replace_file(temp: &Path, target: &Path, parts: &[&[u8]]) -> bool {
    let written = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp)
        .and_then(|mut file| parts.iter().try_for_each(|part| file.write_all(part)));
    if written.is_ok() && fs::rename(temp, target).is_ok() {
        return true;
    }
    let _ = fs::remove_file(temp);
    false
}

/// Creates the cache directory (and, for one the user named, its missing
/// parents) with its `.gitignore` and the entries directory; `false` when
/// any of it cannot be written.
fn prepare(dir: &Path, entries: &Path) -> bool {
    let created = |path: &Path| match fs::create_dir(path) {
        Ok(()) => true,
        Err(err) => err.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir(),
    };
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
        && fs::create_dir_all(parent).is_err()
    {
        return false;
    }
    if !created(dir) {
        return false;
    }
    let ignore = dir.join(".gitignore");
    if fs::symlink_metadata(&ignore).is_err() {
        // Like entries: never written through a link someone placed there.
        let temp = dir.join(format!(".gitignore.{}.tmp", std::process::id()));
        replace_file(
            &temp,
            &ignore,
            &[b"# Written by safeguard: its result cache.\n*\n"],
        );
    }
    created(entries)
}

/// An entry's bytes, if it is a regular file (not a link, FIFO or device)
/// of a sane size. Reading it counts as using it (see `prune`).
fn read_entry(path: &Path, now: SystemTime) -> Option<Vec<u8>> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_ENTRY_BYTES {
        return None;
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).ok()?);
    let file = fs::File::open(path).ok()?;
    // Only the length `stat` gave, which spares the read that would find
    // the end: an entry rewritten in between is a whole new file (entries
    // are renamed into place), so this handle still reads the old one, and
    // any other change fails the tag at its end.
    (&file).take(meta.len()).read_to_end(&mut bytes).ok()?;
    prune::refresh(&file, meta.modified().ok(), now);
    Some(bytes)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
