//! Checking documents whose files may be open, unsaved, in an editor: the
//! language server's entry point. A [`Session`] is one configuration with
//! its policies loaded once; [`Session::check`] builds the document a file
//! belongs to (a Terraform module directory, main.cf with master.cf, a
//! Dovecot or Exim configuration with its includes, a plan) through the same
//! frontends as [`crate::check`], reading each file from the [`Overlay`]
//! when it holds one and from disk otherwise.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use safeguard_engine::{Engine, Finding, sort_findings};
use safeguard_mail::{FsIncludeLoader, IncludeLoader};
use safeguard_model::InputError;
use safeguard_policy::Policy;
use safeguard_source::SourceFile;

use crate::cache::Recorder;
use crate::check::{MetaPolicies, as_mapped_tenant, build_engine, external_var_sources};
use crate::frontends::{
    ExternalVars, PostfixUnit, dovecot_document_in, exim_document_in, postfix_document_in,
    read_source_in, terraform_document_in,
};
use crate::walk::{TerraformUnit, clean, is_exim_candidate, is_terraform_file};
use crate::{CheckOptions, CheckReport, Config, ConfigError, MailFormat, load_config};

/// Open editor buffers by absolute path; they stand in for the files on
/// disk. Cloning is cheap: texts are shared.
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    files: BTreeMap<PathBuf, Arc<str>>,
}

impl Overlay {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the text of the file at `path` (made absolute and cleaned).
    pub fn insert(&mut self, path: &Path, text: Arc<str>) {
        self.files.insert(key(path), text);
    }

    /// The buffer for `path`, if one is open.
    #[must_use]
    pub fn get(&self, path: &Path) -> Option<Arc<str>> {
        if self.files.is_empty() {
            return None;
        }
        self.files.get(&key(path)).cloned()
    }

    /// Open `.tf` buffers directly in `dir`; they belong to its module even
    /// before they are saved.
    pub(crate) fn terraform_files_in(&self, dir: &Path) -> Vec<PathBuf> {
        let dir = key(dir);
        self.files
            .keys()
            .filter(|p| p.parent() == Some(dir.as_path()) && is_terraform_file(p))
            .cloned()
            .collect()
    }
}

fn key(path: &Path) -> PathBuf {
    clean(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// Dovecot and Exim includes: found on disk, confined to the root like the
/// CLI's, with an open buffer's text replacing the file's.
/// Each disk read is recorded for the result cache when a recorder is given.
pub(crate) struct OverlayIncludes<'a> {
    disk: FsIncludeLoader,
    overlay: Option<&'a Overlay>,
    recorder: Option<&'a Recorder>,
}

impl<'a> OverlayIncludes<'a> {
    pub(crate) fn new(
        root: PathBuf,
        overlay: Option<&'a Overlay>,
        recorder: Option<&'a Recorder>,
    ) -> Self {
        Self {
            disk: FsIncludeLoader::new(root),
            overlay,
            recorder,
        }
    }
}

impl IncludeLoader for OverlayIncludes<'_> {
    fn load(&self, including_file: &Path, pattern: &str) -> Result<Vec<SourceFile>, String> {
        let answer = self.disk.load(including_file, pattern);
        if let Some(recorder) = self.recorder {
            recorder.include(&self.disk.root, including_file, pattern, &answer);
        }
        let files = answer?;
        Ok(files
            .into_iter()
            .map(|file| match self.overlay.and_then(|o| o.get(file.path())) {
                Some(text) => SourceFile::new(file.path(), text.to_string()),
                None => file,
            })
            .collect())
    }
}

/// Which document a file belongs to: what [`Session::check`] builds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocumentKey {
    /// A Terraform module: every `.tf` file of the directory, with its tfvars.
    Terraform(PathBuf),
    /// A Postfix configuration directory (main.cf and master.cf).
    Postfix(PathBuf),
    /// A file `[[mail.paths]]` names as Postfix's main.cf, whatever its
    /// name, with the `master.cf` beside it.
    PostfixMain(PathBuf),
    /// A Dovecot configuration's top file (`dovecot.conf`).
    Dovecot(PathBuf),
    /// An Exim run-time configuration.
    Exim(PathBuf),
    /// A Terraform plan or state (`terraform show -json`).
    Plan(PathBuf),
    /// A Microsoft 365 or Google Workspace export (JSON, Microsoft365DSC
    /// script or native YAML), recognised by content.
    Tenant(PathBuf),
    /// A file `[[tenant.paths]]` names as an export of this format.
    MappedTenant(PathBuf, safeguard_model::Format),
}

impl DocumentKey {
    /// The file or directory the document is named by.
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            Self::Terraform(p)
            | Self::Postfix(p)
            | Self::PostfixMain(p)
            | Self::Dovecot(p)
            | Self::Exim(p)
            | Self::Plan(p)
            | Self::Tenant(p)
            | Self::MappedTenant(p, _) => p,
        }
    }
}

impl DocumentKey {
    /// The document `path` belongs to, or `None` for a file safeguard does
    /// not read. `text` is the file's current text, for formats detected by
    /// content (plans, `configure`).
    #[must_use]
    pub fn for_file(path: &Path, text: &str) -> Option<Self> {
        let path = key(path);
        let dir = path.parent()?.to_path_buf();
        let name = path.file_name()?.to_str()?;
        if is_terraform_file(&path) || safeguard_terraform::is_auto_loaded_var_file(name) {
            return Some(Self::Terraform(dir));
        }
        if name == "main.cf" || name == "master.cf" {
            return Some(Self::Postfix(dir));
        }
        if name == "dovecot.conf" {
            return Some(Self::Dovecot(path));
        }
        if is_exim_candidate(&path) {
            let exim = name != "configure" || crate::frontends::looks_like_exim(text);
            return exim.then_some(Self::Exim(path));
        }
        if name.ends_with(".json") {
            if safeguard_terraform::looks_like_plan(text) {
                return Some(Self::Plan(path));
            }
            return safeguard_tenant::looks_like_tenant_json(text).then_some(Self::Tenant(path));
        }
        if name.ends_with(".ps1") {
            return safeguard_tenant::looks_like_dsc(text).then_some(Self::Tenant(path));
        }
        if name.ends_with(".yaml") || name.ends_with(".yml") {
            return safeguard_tenant::looks_like_native_yaml(text).then_some(Self::Tenant(path));
        }
        // A Dovecot include (`conf.d/10-ssl.conf`): the dovecot.conf beside
        // it or one directory up includes it.
        if name.contains(".conf") {
            return [dir.join("dovecot.conf"), dir.parent()?.join("dovecot.conf")]
                .into_iter()
                .find(|p| p.is_file())
                .map(Self::Dovecot);
        }
        None
    }
}

/// What checking one document found.
#[derive(Debug, Default)]
pub struct DocumentReport {
    /// Failures and unknowns (passes dropped), sorted.
    pub findings: Vec<Finding>,
    /// Parse and read errors, with their files.
    pub errors: Vec<InputError>,
    /// Every file the document was built from.
    pub files: Vec<PathBuf>,
}

impl DocumentReport {
    fn unreadable(file: &Path, error: InputError) -> Self {
        Self {
            errors: vec![error],
            files: vec![file.to_path_buf()],
            ..Self::default()
        }
    }
}

/// One configuration, loaded once: its `safeguard.toml` (or the defaults),
/// its policies and engine. Reload by building a new session.
pub struct Session {
    config: Config,
    engine: Engine,
    /// The built-in suppression checks, applied as `check()` applies them.
    meta: MetaPolicies,
    external: ExternalVars,
    root: PathBuf,
    /// `[limits]` with the options' overrides: the editor reads files
    /// (modules, includes, tfvars) under the same bounds as the CLI.
    limits: crate::Limits,
    /// Problems loading the configuration and policies.
    pub load_errors: CheckReport,
}

impl Session {
    /// Loads the configuration at `config_path` (or the defaults when
    /// `None`) with `options`' bundled and extra policies. `fallback_root`
    /// (the editor's workspace folder) confines module sources and includes
    /// when there is no configuration file.
    #[must_use]
    pub fn load(options: &CheckOptions, config_path: Option<&Path>, fallback_root: &Path) -> Self {
        let mut report = CheckReport::default();
        let config = match config_path {
            Some(path) => load_config(path).unwrap_or_else(|errors| {
                report.config_errors.extend(errors);
                Config::default_for(path.parent().unwrap_or(path))
            }),
            None => Config::default_for(fallback_root),
        };
        let root = match config_path.and_then(Path::parent) {
            Some(dir) => key(dir),
            None => key(fallback_root),
        };
        let (engine, meta) = build_engine(options, &config, &mut report);
        let limits = config.limits.with(&options.limits);
        let external = external_var_sources(
            &options.terraform,
            &config,
            limits.max_file_size,
            &mut report.input_errors,
        );
        Self {
            limits,
            config,
            engine,
            meta,
            external,
            root,
            load_errors: report,
        }
    }

    /// The document `path` belongs to under this configuration, as `check`
    /// reads it: a file `[[tenant.paths]]` or `[[mail.paths]]` names is read
    /// as that format whatever its name; in a directory `[[mail.paths]]`
    /// names, the mapping alone decides what mail configuration it holds.
    /// Any other file is detected by [`DocumentKey::for_file`].
    #[must_use]
    pub fn document_for(&self, path: &Path, text: &str) -> Option<DocumentKey> {
        let file = key(path);
        if let Some((_, format)) = self
            .config
            .tenant_paths
            .iter()
            .find(|(mapped, _)| key(mapped) == file)
        {
            return Some(DocumentKey::MappedTenant(file, *format));
        }
        let name = file.file_name()?.to_str()?;
        let parent = file.parent()?;
        let mut mapped_dirs = Vec::new();
        for mapping in &self.config.mail_paths {
            let mapped = key(&mapping.path);
            let is_dir = mapping.path.is_dir();
            // The file a mapping names, or the usual one in the directory it names.
            let top = if is_dir {
                mapped.join(mapping.format.usual_file())
            } else {
                mapped.clone()
            };
            match mapping.format {
                MailFormat::Postfix if is_dir => {
                    if parent == mapped && (name == "main.cf" || name == "master.cf") {
                        return Some(DocumentKey::Postfix(mapped));
                    }
                }
                MailFormat::Postfix => {
                    if file == top || (top.parent() == Some(parent) && name == "master.cf") {
                        return Some(DocumentKey::PostfixMain(top));
                    }
                }
                MailFormat::Dovecot if file == top => return Some(DocumentKey::Dovecot(top)),
                MailFormat::Exim if file == top => return Some(DocumentKey::Exim(top)),
                MailFormat::Dovecot | MailFormat::Exim => {}
            }
            if is_dir {
                mapped_dirs.push(mapped);
            }
        }
        let detected = DocumentKey::for_file(path, text)?;
        let mail_dir = match &detected {
            DocumentKey::Postfix(dir) => Some(dir.as_path()),
            DocumentKey::Dovecot(top) | DocumentKey::Exim(top) => top.parent(),
            _ => None,
        };
        let decided_by_mapping = mail_dir.is_some_and(|dir| mapped_dirs.iter().any(|d| d == dir));
        (!decided_by_mapping).then_some(detected)
    }

    /// The policies in effect (after `select`/`ignore`).
    #[must_use]
    pub fn policies(&self) -> &[Arc<Policy>] {
        self.engine.policies()
    }

    /// Configuration errors (unknown keys, bad values), for the editor to show.
    #[must_use]
    pub fn config_errors(&self) -> &[ConfigError] {
        &self.load_errors.config_errors
    }

    /// Builds and judges one document, reading open buffers from `overlay`.
    #[must_use]
    pub fn check(&self, document: &DocumentKey, overlay: &Overlay) -> DocumentReport {
        let overlay = Some(overlay);
        let max = self.limits.max_file_size;
        let (document, mut errors) = match document {
            DocumentKey::Terraform(dir) => {
                let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                    .map(|entries| {
                        entries
                            .filter_map(Result::ok)
                            .map(|e| clean(&e.path()))
                            .filter(|p| is_terraform_file(p) && p.is_file())
                            .collect()
                    })
                    .unwrap_or_default();
                files.extend(
                    overlay
                        .map(|o| o.terraform_files_in(dir))
                        .unwrap_or_default(),
                );
                files.sort();
                files.dedup();
                let unit = TerraformUnit {
                    dir: dir.clone(),
                    files,
                    report_only: None,
                    root: self.root.clone(),
                };
                (
                    terraform_document_in(&unit, &self.external, self.limits, overlay, None),
                    Vec::new(),
                )
            }
            DocumentKey::Postfix(_) | DocumentKey::PostfixMain(_) => {
                // A directory with its main.cf, or a main file under another
                // name with the master.cf beside it.
                let (dir, main) = match document {
                    DocumentKey::Postfix(dir) => (dir.clone(), dir.join("main.cf")),
                    _ => {
                        let main = document.path();
                        let dir = main.parent().unwrap_or(Path::new("."));
                        (dir.to_path_buf(), main.to_path_buf())
                    }
                };
                let unit = PostfixUnit {
                    dir,
                    main,
                    root: self.root.clone(),
                };
                postfix_document_in(&unit, &self.config.postfix, max, overlay, None)
            }
            DocumentKey::Dovecot(file) => dovecot_document_in(file, &self.root, max, overlay, None),
            DocumentKey::Exim(file) => match exim_document_in(file, &self.root, max, overlay, None)
            {
                Some(result) => result,
                None => return DocumentReport::default(),
            },
            DocumentKey::Plan(file) | DocumentKey::Tenant(file) => {
                match read_source_in(file, overlay, max) {
                    Ok(source) if matches!(document, DocumentKey::Plan(_)) => {
                        (safeguard_terraform::plan_document(source), Vec::new())
                    }
                    Ok(source) => (safeguard_tenant::tenant_document(source), Vec::new()),
                    Err(err) => return DocumentReport::unreadable(file, err),
                }
            }
            DocumentKey::MappedTenant(file, format) => match read_source_in(file, overlay, max) {
                Ok(source) => {
                    let document = safeguard_tenant::tenant_document(source);
                    (as_mapped_tenant(document, file, *format), Vec::new())
                }
                Err(err) => return DocumentReport::unreadable(file, err),
            },
        };
        // Diagnostics show failures and unknowns: passes are only counted
        // (suppressions skip them, here as in the CLI).
        let (mut findings, _passes) = self
            .engine
            .evaluate_with(&document, safeguard_engine::KeepPasses::No);
        // Suppressions as the CLI applies them: accepted findings are not
        // shown, and findings about the suppressions themselves are.
        let selected: std::collections::BTreeSet<String> = self
            .engine
            .policies()
            .iter()
            .map(|p| p.id.clone())
            .collect();
        let today = crate::baa_register::today_utc();
        let context = crate::suppress::Context {
            config: &self.config,
            meta: &self.meta.selected,
            loaded: &self.meta.loaded,
            selected: &selected,
            today: &today,
        };
        let extra = crate::suppress::apply(&mut findings, &document.files, &context, &mut errors);
        findings.extend(extra);
        findings.retain(|f| f.status != safeguard_engine::Status::Pass && f.suppression.is_none());
        sort_findings(&mut findings);
        errors.extend(document.errors);
        DocumentReport {
            findings,
            errors,
            files: document
                .files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_maps_files_to_documents_as_check_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let root = key(&dir.path().canonicalize().unwrap());
        let files = [
            "relay/relay-main.cf",
            "relay/master.cf",
            "imap/dovecot.conf",
            "imap/main.cf",
            "mta/mailer.conf",
            "exports/t.txt",
            "other/main.cf",
        ];
        for name in files {
            std::fs::create_dir_all(root.join(name).parent().unwrap()).unwrap();
            std::fs::write(root.join(name), "").unwrap();
        }
        let config = root.join("safeguard.toml");
        std::fs::write(
            &config,
            "[[mail.paths]]\npath = \"relay/relay-main.cf\"\nformat = \"postfix\"\n\
             [[mail.paths]]\npath = \"imap\"\nformat = \"dovecot\"\n\
             [[mail.paths]]\npath = \"mta/mailer.conf\"\nformat = \"exim\"\n\
             [[tenant.paths]]\npath = \"exports/t.txt\"\nformat = \"m365\"\n",
        )
        .unwrap();
        let session = Session::load(&CheckOptions::default(), Some(&config), &root);
        assert!(session.load_errors.config_errors.is_empty());
        let document = |name: &str| session.document_for(&root.join(name), "");
        let relay = root.join("relay/relay-main.cf");
        assert_eq!(
            document("relay/relay-main.cf"),
            Some(DocumentKey::PostfixMain(relay.clone()))
        );
        // master.cf beside a mapped main file belongs to its document.
        assert_eq!(
            document("relay/master.cf"),
            Some(DocumentKey::PostfixMain(relay))
        );
        assert_eq!(
            document("imap/dovecot.conf"),
            Some(DocumentKey::Dovecot(root.join("imap/dovecot.conf")))
        );
        // The directory is mapped to Dovecot: no Postfix is detected there.
        assert_eq!(document("imap/main.cf"), None);
        assert_eq!(
            document("mta/mailer.conf"),
            Some(DocumentKey::Exim(root.join("mta/mailer.conf")))
        );
        assert_eq!(
            document("exports/t.txt"),
            Some(DocumentKey::MappedTenant(
                root.join("exports/t.txt"),
                safeguard_model::Format::M365
            ))
        );
        assert_eq!(
            document("other/main.cf"),
            Some(DocumentKey::Postfix(root.join("other")))
        );
    }
}
