use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use safeguard_source::{SourceFile, decode};

use crate::{
    CompiledFile, DataFile, Policy, PolicyError, ServiceList, Vendor, VendorCatalogue, compile_file,
};

/// Policies loaded from one or more places, with every error met on the way.
#[derive(Debug, Default, Clone)]
pub struct PolicySet {
    pub policies: Vec<Arc<Policy>>,
    /// The vendor catalogue and eligible-services lists found beside the policies.
    pub vendors: VendorCatalogue,
    pub services: Vec<ServiceList>,
    pub errors: Vec<PolicyError>,
}

impl PolicySet {
    /// Adds another set, then reports ids defined twice (the later one is dropped).
    pub fn merge(&mut self, other: PolicySet) {
        self.policies.extend(other.policies);
        self.errors.extend(other.errors);
        for vendor in other.vendors.vendors {
            self.add_vendor(vendor, None);
        }
        self.vendors.as_of.extend(other.vendors.as_of);
        self.services.extend(other.services);
        self.reject_duplicates();
    }

    /// Adds a catalogue vendor; a later file may not redefine an id.
    fn add_vendor(&mut self, vendor: Vendor, file: Option<&SourceFile>) {
        if self.vendors.get(&vendor.id).is_some() {
            let message = format!("vendor `{}` is already in the catalogue", vendor.id);
            self.errors.push(match file {
                Some(file) => PolicyError::at(file, safeguard_source::Span::default(), message),
                None => PolicyError::without_location(Path::new("policies"), message),
            });
            return;
        }
        self.vendors.vendors.push(vendor);
    }

    fn reject_duplicates(&mut self) {
        let mut seen: HashMap<String, PathBuf> = HashMap::new();
        let mut kept = Vec::with_capacity(self.policies.len());
        for policy in std::mem::take(&mut self.policies) {
            if let Some(first) = seen.get(&policy.id) {
                self.errors.push(
                    PolicyError::at(
                        &policy.source,
                        policy.id_span,
                        format!("duplicate policy id `{}`", policy.id),
                    )
                    .with_hint(format!("already defined in {}", first.display())),
                );
                continue;
            }
            seen.insert(policy.id.clone(), policy.source.path().to_path_buf());
            kept.push(policy);
        }
        self.policies = kept;
    }
}

/// True for the files a policy folder's policies live in.
fn is_policy_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// The largest policy or catalogue file read from a folder.
pub const MAX_POLICY_BYTES: u64 = 16 * 1024 * 1024;

/// Loads every `*.yaml`/`*.yml` below `dir`, in path order.
#[must_use]
pub fn load_dir(dir: &Path) -> PolicySet {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    collect_files(dir, &mut files, &mut errors);
    files.sort();
    let mut sources = Vec::new();
    for path in files {
        // Policy folders may sit in an untrusted tree: bound what one costs.
        if let Ok(metadata) = fs::metadata(&path)
            && metadata.len() > MAX_POLICY_BYTES
        {
            errors.push(PolicyError::without_location(
                &path,
                format!(
                    "policy file is {} bytes, over the {MAX_POLICY_BYTES}-byte limit; not read",
                    metadata.len()
                ),
            ));
            continue;
        }
        match fs::read(&path) {
            Ok(bytes) => match decode(&bytes) {
                Ok((text, _)) => sources.push((path, text)),
                Err(err) => errors.push(PolicyError::without_location(&path, err.to_string())),
            },
            Err(err) => errors.push(PolicyError::without_location(
                &path,
                format!("cannot read policy file: {err}"),
            )),
        }
    }
    let mut set = load_sources(sources);
    set.errors.splice(0..0, errors);
    set
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<PolicyError>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            errors.push(PolicyError::without_location(
                dir,
                format!("cannot read policy folder: {err}"),
            ));
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                errors.push(PolicyError::without_location(
                    dir,
                    format!("cannot read policy folder: {err}"),
                ));
                continue;
            }
        };
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        match entry.file_type() {
            Ok(kind) if kind.is_dir() && !hidden => collect_files(&path, files, errors),
            Ok(kind) if kind.is_file() && is_policy_file(&path) => files.push(path),
            Ok(_) => {}
            Err(err) => errors.push(PolicyError::without_location(
                &path,
                format!("cannot read: {err}"),
            )),
        }
    }
}

/// Compiles policies from `(path, text)` pairs (the bundled packs, or files
/// already read), rejecting duplicate ids.
#[must_use]
pub fn load_sources(sources: Vec<(PathBuf, String)>) -> PolicySet {
    use rayon::prelude::*;
    let mut set = PolicySet::default();
    // Compiled in parallel (on the caller's pool), merged in order: the
    // pack's 200 files are a fixed cost of every run, editors' included.
    let compiled: Vec<_> = sources
        .into_par_iter()
        .map(|(path, text)| {
            let file = SourceFile::new(path, text);
            let compiled = compile_file(&file);
            (file, compiled)
        })
        .collect();
    for (file, compiled) in compiled {
        match compiled {
            Ok(CompiledFile::Policy(policy)) => set.policies.push(Arc::new(*policy)),
            Ok(CompiledFile::Data(DataFile::Vendors { as_of, vendors })) => {
                for vendor in vendors {
                    set.add_vendor(vendor, Some(&file));
                }
                set.vendors.as_of.push(as_of);
            }
            Ok(CompiledFile::Data(DataFile::Services(list))) => set.services.push(list),
            Err(errors) => set.errors.extend(errors),
        }
    }
    set.reject_duplicates();
    set
}
