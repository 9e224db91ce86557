//! Walking scanned paths into work units, with the `ignore` crate: it honours
//! `.gitignore`/`.ignore`, skips hidden entries (so `.git/` and `.terraform/`),
//! and walks directories in parallel.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};
use safeguard_model::{InputError, InputErrorLocation};

use crate::Config;

/// Directories never scanned, even when not hidden or ignored.
const SKIPPED_DIRS: [&str; 3] = [".terraform", ".git", ".terragrunt-cache"];

/// One document's worth of files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TerraformUnit {
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
    /// When the user named single files, findings are reported only for them;
    /// the rest of the module is read for context.
    pub report_only: Option<Vec<PathBuf>>,
    /// The scanned root the unit was found under: local modules may not be
    /// read from outside it.
    pub root: PathBuf,
}

/// Drops `.` components and resolves `..` where it can, lexically, so
/// `./infra/main.tf`, `infra/main.tf` and `infra/envs/../main.tf` are one
/// file whichever way they were reached.
pub(crate) fn clean(path: &Path) -> PathBuf {
    use std::path::Component;
    if let Some(clean) = already_clean(path) {
        return clean.to_path_buf();
    }
    let mut parts: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let cleaned: PathBuf = parts.into_iter().collect();
    if cleaned.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        cleaned
    }
}

/// The fast path of `clean`, for what the walker gives (`./a/b.tf`, tens
/// of thousands of times a run): the path without its leading `./`, when
/// the rest has no `.` or `..` component, no empty one and no trailing
/// separator, so that cleaning it component by component would give the
/// same path. `None` sends anything else the slow way.
fn already_clean(path: &Path) -> Option<&Path> {
    let mut bytes = path.as_os_str().as_encoded_bytes();
    while let Some(rest) = bytes.strip_prefix(b"./") {
        bytes = rest;
    }
    let plain = !bytes.is_empty()
        && !bytes.ends_with(b"/")
        && bytes
            .split(|b| *b == b'/')
            .enumerate()
            .all(|(index, part)| {
                // A leading empty part is the root of an absolute path.
                (index == 0 || !part.is_empty()) && part != b"." && part != b".."
            });
    if !plain {
        return None;
    }
    let start = path.as_os_str().len() - bytes.len();
    // The bytes after a `./` prefix start at a separator boundary, so this
    // is a valid path.
    Some(Path::new(path.as_os_str().to_str()?.get(start..)?))
}

/// Sorts paths in `Path`'s order (component by component). For clean
/// paths (see [`already_clean`]) that is the order of their bytes with the
/// separator below every other byte: a component that ends first sorts
/// first. Comparing bytes so is several times cheaper than splitting both
/// paths into components at every comparison, over tens of thousands of
/// paths; any path that is not clean sends the whole sort the slow way.
pub(crate) fn sort_paths(paths: &mut [PathBuf]) {
    // Clean as it stands: nothing stripped, not even a leading `./`.
    let plain = |path: &PathBuf| {
        already_clean(path).is_some_and(|p| p.as_os_str().len() == path.as_os_str().len())
    };
    if !paths.iter().all(plain) {
        paths.sort();
        return;
    }
    let key = |byte: &u8| {
        if *byte == b'/' {
            0
        } else {
            u16::from(*byte) + 1
        }
    };
    paths.sort_unstable_by(|a, b| {
        let (a, b) = (
            a.as_os_str().as_encoded_bytes(),
            b.as_os_str().as_encoded_bytes(),
        );
        a.iter().map(key).cmp(b.iter().map(key))
    });
}

/// `main.cf` or `master.cf`: a Postfix configuration directory.
pub(crate) fn is_postfix_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n == "main.cf" || n == "master.cf")
}

/// File names an Exim run-time configuration goes by. `configure` (the
/// name Exim's own build installs) is also an autoconf script's name, so it
/// is read only when its content looks like Exim's ([`looks_like_exim`]).
pub(crate) fn is_exim_candidate(path: &Path) -> bool {
    path.file_name().is_some_and(|n| {
        n == "exim.conf" || n == "exim4.conf" || n == "exim4.conf.template" || n == "configure"
    })
}

/// JSON files are read only to see whether they are Terraform plans or
/// states (`terraform show -json`) or tenant exports; others are skipped
/// without a word.
pub(crate) fn is_json_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
}

/// PowerShell scripts (Microsoft365DSC configurations) and YAML files (the
/// native tenant format) are read only to see whether they are tenant
/// settings, recognised by content; others are skipped without a word.
pub(crate) fn is_tenant_candidate(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e == "ps1" || e == "yaml" || e == "yml")
}

pub(crate) fn is_terraform_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "tf")
}

fn error(path: &Path, message: impl Into<String>) -> InputError {
    InputError::new(path, message, InputErrorLocation::None)
}

/// The inputs a walk finds besides Terraform modules.
#[derive(Debug, Default)]
pub(crate) struct OtherInputs {
    /// `.json` files: Terraform plans or tenant exports, by content.
    pub json_files: Vec<PathBuf>,
    /// Directories holding a Postfix `main.cf`.
    pub mail_dirs: Vec<PathBuf>,
    pub dovecot_files: Vec<PathBuf>,
    /// Exim candidates (`configure` is checked for Exim content later).
    pub exim_files: Vec<PathBuf>,
    /// `.ps1` and YAML files: Microsoft365DSC or native tenant files, by content.
    pub tenant_files: Vec<PathBuf>,
    /// Every file the walk took for a possible input, so the report can
    /// account for each one: checked, skipped (and why) or failed.
    pub found: Vec<PathBuf>,
}

impl OtherInputs {
    /// Sorted and without duplicates, so runs are deterministic. `found`
    /// is left as walked: only counted, and its few skipped files sorted.
    pub(crate) fn normalize(&mut self) {
        for list in [
            &mut self.json_files,
            &mut self.mail_dirs,
            &mut self.dovecot_files,
            &mut self.exim_files,
            &mut self.tenant_files,
        ] {
            list.sort();
            list.dedup();
        }
    }
}

/// Whether the walk takes a file for a possible input.
fn is_candidate(path: &Path) -> bool {
    is_terraform_file(path)
        || is_json_file(path)
        || is_tenant_candidate(path)
        || is_exim_candidate(path)
        || path.file_name().is_some_and(|n| n == "dovecot.conf")
        || is_postfix_file(path)
}

/// Walks `root` (a directory or a file) into Terraform units.
pub(crate) fn collect_units(
    root: &Path,
    config: &Config,
    threads: usize,
    errors: &mut Vec<InputError>,
    found: &mut OtherInputs,
) -> Vec<TerraformUnit> {
    let OtherInputs {
        json_files,
        mail_dirs,
        dovecot_files,
        exim_files,
        tenant_files,
        found: found_files,
    } = found;
    let metadata = match std::fs::metadata(root) {
        Ok(metadata) => metadata,
        Err(err) => {
            errors.push(error(root, format!("cannot read: {err}")));
            return Vec::new();
        }
    };
    if metadata.is_file() {
        found_files.push(clean(root));
        if is_json_file(root) {
            json_files.push(clean(root));
            return Vec::new();
        }
        if is_tenant_candidate(root) {
            tenant_files.push(clean(root));
            return Vec::new();
        }
        if root.file_name().is_some_and(|n| n == "dovecot.conf") {
            dovecot_files.push(clean(root));
            return Vec::new();
        }
        if is_exim_candidate(root) {
            exim_files.push(clean(root));
            return Vec::new();
        }
        if is_postfix_file(root) {
            mail_dirs.push(clean(
                root.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new(".")),
            ));
            return Vec::new();
        }
        return single_file_unit(root, errors).into_iter().collect();
    }

    let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let files = Mutex::new(Vec::new());
    let found_json = Mutex::new(Vec::new());
    let found_mail = Mutex::new(Vec::new());
    let found_dovecot = Mutex::new(Vec::new());
    let found_exim = Mutex::new(Vec::new());
    let found_tenant = Mutex::new(Vec::new());
    let found_all = Mutex::new(Vec::new());
    let found_errors = Mutex::new(Vec::new());
    let mut builder = WalkBuilder::new(root);
    builder
        .threads(threads)
        .follow_links(false)
        .require_git(false)
        .filter_entry(|entry| {
            let name = entry.file_name().to_string_lossy();
            !SKIPPED_DIRS.contains(&name.as_ref())
        });
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            match entry {
                Ok(entry) => {
                    let path = entry.path();
                    if entry.depth() > 0 && config.is_excluded(path) {
                        return if entry.file_type().is_some_and(|t| t.is_dir()) {
                            WalkState::Skip
                        } else {
                            WalkState::Continue
                        };
                    }
                    let Some(kind) = entry.file_type() else {
                        return WalkState::Continue;
                    };
                    if !kind.is_dir() && is_candidate(path) {
                        found_all.lock().expect("walker lock").push(clean(path));
                    }
                    if kind.is_symlink() {
                        if let Some(outcome) = symlink(path, &canonical_root) {
                            match outcome {
                                Ok(file) => files.lock().expect("walker lock").push(file),
                                Err(err) => found_errors.lock().expect("walker lock").push(err),
                            }
                        }
                    } else if kind.is_file() && is_terraform_file(path) {
                        files.lock().expect("walker lock").push(path.to_path_buf());
                    } else if kind.is_file() && is_json_file(path) {
                        found_json.lock().expect("walker lock").push(clean(path));
                    } else if kind.is_file() && is_tenant_candidate(path) {
                        found_tenant.lock().expect("walker lock").push(clean(path));
                    } else if kind.is_file()
                        && path.file_name().is_some_and(|n| n == "dovecot.conf")
                    {
                        found_dovecot.lock().expect("walker lock").push(clean(path));
                    } else if kind.is_file() && is_exim_candidate(path) {
                        found_exim.lock().expect("walker lock").push(clean(path));
                    } else if kind.is_file() && path.file_name().is_some_and(|n| n == "main.cf") {
                        let dir = path.parent().unwrap_or(Path::new("."));
                        found_mail.lock().expect("walker lock").push(clean(dir));
                    }
                }
                Err(err) => found_errors
                    .lock()
                    .expect("walker lock")
                    .push(walk_error(&err, root)),
            }
            WalkState::Continue
        })
    });
    errors.extend(found_errors.into_inner().expect("walker lock"));
    json_files.extend(found_json.into_inner().expect("walker lock"));
    mail_dirs.extend(found_mail.into_inner().expect("walker lock"));
    dovecot_files.extend(found_dovecot.into_inner().expect("walker lock"));
    tenant_files.extend(found_tenant.into_inner().expect("walker lock"));
    exim_files.extend(found_exim.into_inner().expect("walker lock"));
    found_files.extend(found_all.into_inner().expect("walker lock"));
    group_by_directory(files.into_inner().expect("walker lock"), root)
}

/// A symlink is read only when it resolves to a Terraform file inside the
/// scanned root. A link that escapes the root, loops or dangles is reported.
/// `None`: nothing to read and nothing to report.
fn symlink(path: &Path, root: &Path) -> Option<Result<PathBuf, InputError>> {
    let target = match std::fs::canonicalize(path) {
        Ok(target) => target,
        Err(err) => return Some(Err(error(path, format!("cannot resolve symlink: {err}")))),
    };
    if !target.starts_with(root) {
        return Some(Err(error(
            path,
            format!(
                "symlink points outside the scanned root ({}); not followed",
                target.display()
            ),
        )));
    }
    if target.is_dir() {
        let link_dir = path.parent().and_then(|p| std::fs::canonicalize(p).ok());
        if link_dir.is_some_and(|dir| dir.starts_with(&target)) {
            return Some(Err(error(
                path,
                format!(
                    "symlink loop: points to its own ancestor {}; not followed",
                    target.display()
                ),
            )));
        }
        // The directory is inside the root and is scanned where it really is.
        return None;
    }
    is_terraform_file(path).then(|| Ok(path.to_path_buf()))
}

fn walk_error(err: &ignore::Error, root: &Path) -> InputError {
    let path = walk_error_path(err).unwrap_or(root).to_path_buf();
    let message = match err.io_error() {
        Some(io) => format!("cannot read: {io}"),
        None => err.to_string(),
    };
    error(&path, message)
}

fn walk_error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

/// A file named on the command line: its module is its directory, read for
/// context, with findings reported for that file alone.
fn single_file_unit(file: &Path, errors: &mut Vec<InputError>) -> Option<TerraformUnit> {
    if !is_terraform_file(file) {
        errors.push(error(
            file,
            "not a file safeguard reads (expected a .tf file or a Terraform plan's .json)",
        ));
        return None;
    }
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|entry| clean(&entry.path()))
            .filter(|p| is_terraform_file(p) && p.is_file())
            .collect(),
        Err(err) => {
            errors.push(error(dir, format!("cannot read: {err}")));
            vec![clean(file)]
        }
    };
    files.sort();
    Some(TerraformUnit {
        dir: clean(dir),
        files,
        report_only: Some(vec![clean(file)]),
        // A named file's modules may come from anywhere below the current
        // directory (`../modules/db` from `envs/prod/main.tf`).
        root: std::env::current_dir()
            .ok()
            .filter(|cwd| std::path::absolute(file).is_ok_and(|f| f.starts_with(cwd)))
            .unwrap_or_else(|| clean(dir)),
    })
}

fn group_by_directory(files: Vec<PathBuf>, root: &Path) -> Vec<TerraformUnit> {
    // Hashed, then the thousand directories sorted once: an ordered map
    // compared paths component by component for every one of the files.
    let mut by_dir: std::collections::HashMap<PathBuf, Vec<PathBuf>> =
        std::collections::HashMap::new();
    for file in files {
        let file = clean(&file);
        let dir = clean(file.parent().unwrap_or(Path::new(".")));
        by_dir.entry(dir).or_default().push(file);
    }
    let mut by_dir: Vec<(PathBuf, Vec<PathBuf>)> = by_dir.into_iter().collect();
    by_dir.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    by_dir
        .into_iter()
        .map(|(dir, mut files)| {
            files.sort();
            TerraformUnit {
                dir,
                files,
                report_only: None,
                root: root.to_path_buf(),
            }
        })
        .collect()
}

/// Merges units of the same directory (a directory and a file in it both named).
pub(crate) fn merge_units(units: Vec<TerraformUnit>) -> Vec<TerraformUnit> {
    let mut by_dir: BTreeMap<PathBuf, TerraformUnit> = BTreeMap::new();
    for unit in units {
        match by_dir.get_mut(&unit.dir) {
            None => {
                by_dir.insert(unit.dir.clone(), unit);
            }
            Some(existing) => {
                for file in unit.files {
                    if !existing.files.contains(&file) {
                        existing.files.push(file);
                    }
                }
                existing.files.sort();
                existing.report_only = match (existing.report_only.take(), unit.report_only) {
                    (Some(mut a), Some(b)) => {
                        a.extend(b);
                        Some(a)
                    }
                    // A whole directory was named: report everything.
                    _ => None,
                };
            }
        }
    }
    by_dir.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted_both_ways(paths: &[&str]) -> (Vec<PathBuf>, Vec<PathBuf>) {
        let mut fast: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
        let mut reference = fast.clone();
        sort_paths(&mut fast);
        reference.sort();
        (fast, reference)
    }

    #[test]
    fn clean_paths_sort_in_path_order_by_their_bytes() {
        let paths = [
            "a-b",
            "a/b",
            "a",
            "a.b",
            "a/b/c",
            "ab",
            "/abs/x",
            "/abs",
            "/abs-x",
            "a0",
            "a/b-c",
            "a/b/c-d",
            "Z",
            "é/x",
            "e/x",
            "a b/c",
            "a/b c",
            "mod-10/main.tf",
            "mod-1/main.tf",
            "mod-1/variables.tf",
            "mod-1.tf",
        ];
        let (fast, reference) = sorted_both_ways(&paths);
        assert_eq!(fast, reference);
        // The separator sorts below every byte: `a/b` before `a-b`.
        let position = |p: &str| fast.iter().position(|f| f == Path::new(p)).unwrap();
        assert!(position("a/b") < position("a-b"));
    }

    #[test]
    fn paths_that_are_not_clean_are_sorted_component_by_component() {
        let (fast, reference) = sorted_both_ways(&["./b", "a//c", "a/c-d", "a/./b", "a/c/"]);
        assert_eq!(fast, reference);
    }
}
