//! Reading files and handing them to the frontend of their format.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use safeguard_model::{Document, Format, InputError, InputErrorLocation};
use safeguard_source::{DecodeError, SourceFile, TextLoader, decode_owned};
use safeguard_terraform::{
    LoadedModule, ModuleLoader, VarSource, is_auto_loaded_var_file, sort_auto_loaded,
};

use crate::buffers::Overlay;
use crate::cache::Recorder;
use crate::walk::TerraformUnit;

/// Reads and decodes one file. Files larger than `max_bytes` are reported,
/// not read (`[limits] max-file-size`): reading them would only risk memory.
pub(crate) fn read_source(path: &Path, max_bytes: u64) -> Result<SourceFile, InputError> {
    read_source_in(path, None, max_bytes)
}

/// How a file held without its text (a cache hit vouched for by its stamp,
/// a finding's file released after judging) reads the text again when
/// something asks for it: as `read_source` would, empty if it no longer can.
pub(crate) fn text_loader(max_bytes: u64) -> TextLoader {
    Arc::new(move |path: &Path| {
        read_source(path, max_bytes)
            .map(|file| file.text().to_owned())
            .unwrap_or_default()
    })
}

/// Reads one file, from an editor's open buffer when `overlay` holds one
/// for it (the buffer is the truth while the editor has it open).
pub(crate) fn read_source_in(
    path: &Path,
    overlay: Option<&Overlay>,
    max_bytes: u64,
) -> Result<SourceFile, InputError> {
    let located = |message: String, location| InputError::new(path, message, location);
    if let Some(text) = overlay.and_then(|o| o.get(path)) {
        // An editor buffer is held to the same limit as the file on disk.
        if text.len() as u64 > max_bytes {
            return Err(located(
                format!(
                    "buffer is {} bytes, over the {max_bytes}-byte limit (max-file-size); not checked",
                    text.len()
                ),
                InputErrorLocation::None,
            ));
        }
        return Ok(SourceFile::new(path, text.to_string()));
    }
    let metadata = fs::metadata(path)
        .map_err(|err| located(format!("cannot read: {err}"), InputErrorLocation::None))?;
    if metadata.is_dir() {
        return Err(located(
            "is a directory, not a file".to_owned(),
            InputErrorLocation::None,
        ));
    }
    if metadata.len() > max_bytes {
        return Err(located(
            format!(
                "file is {} bytes, over the {max_bytes}-byte limit (max-file-size); not checked",
                metadata.len()
            ),
            InputErrorLocation::None,
        ));
    }
    // Read at most one byte past the limit: the file may grow after the
    // size check (or be a FIFO or device that reports no size).
    // Sized up front: through `take` the reader gets no size hint, and
    // growing the buffer by doubling copied every file several times.
    let expected = metadata.len().min(max_bytes).saturating_add(1);
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    fs::File::open(path)
        .and_then(|file| {
            use std::io::Read as _;
            file.take(max_bytes.saturating_add(1))
                .read_to_end(&mut bytes)
        })
        .map_err(|err| located(format!("cannot read: {err}"), InputErrorLocation::None))?;
    if bytes.len() as u64 > max_bytes {
        return Err(located(
            format!("file is over the {max_bytes}-byte limit (max-file-size); not checked"),
            InputErrorLocation::None,
        ));
    }
    match decode_owned(bytes) {
        Ok((text, encoding)) => Ok(SourceFile::with_encoding(path, text, encoding)),
        Err(err) => {
            let location = match err {
                DecodeError::InvalidUtf8 { line, column, .. }
                | DecodeError::Binary { line, column, .. } => {
                    InputErrorLocation::Position { line, column }
                }
                DecodeError::InvalidUtf16 { .. } => InputErrorLocation::None,
            };
            Err(located(err.to_string(), location))
        }
    }
}

/// [`read_source_in`], with the read recorded for the result cache.
pub(crate) fn read_recorded(
    path: &Path,
    overlay: Option<&Overlay>,
    max_bytes: u64,
    recorder: Option<&Recorder>,
) -> Result<SourceFile, InputError> {
    // Stamped before the read: a change made during it then shows. (An
    // editor's buffer is not the file: no stamp stands for it.)
    let before = recorder
        .filter(|_| overlay.and_then(|o| o.get(path)).is_none())
        .and_then(|_| crate::cache::Stamp::of(path));
    let answer = read_source_in(path, overlay, max_bytes);
    if let Some(recorder) = recorder {
        recorder.file(path, max_bytes, &answer, before);
    }
    answer
}

/// Variable sources from outside a module: `env` ranks below the module's
/// own auto-loaded tfvars, `later` above them.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExternalVars {
    pub env: Vec<VarSource>,
    pub later: Vec<VarSource>,
}

/// Reads a Terraform module's files, and the variable files Terraform loads
/// automatically from its directory, into its document.
pub(crate) fn terraform_document(
    unit: &TerraformUnit,
    external: &ExternalVars,
    limits: crate::Limits,
    recorder: Option<&Recorder>,
) -> Document {
    terraform_document_in(unit, external, limits, None, recorder)
}

/// [`terraform_document`] with open buffers standing in for files on disk
/// (the module's own files, its tfvars and the local modules it calls).
pub(crate) fn terraform_document_in(
    unit: &TerraformUnit,
    external: &ExternalVars,
    limits: crate::Limits,
    overlay: Option<&Overlay>,
    recorder: Option<&Recorder>,
) -> Document {
    let max = limits.max_file_size;
    let mut sources = Vec::with_capacity(unit.files.len());
    let mut errors = Vec::new();
    for path in &unit.files {
        match read_recorded(path, overlay, max, recorder) {
            Ok(file) => sources.push(file),
            Err(err) => errors.push(err),
        }
    }
    let mut vars = external.env.clone();
    let listed_before = recorder.and_then(|_| crate::cache::Stamp::of_dir(&unit.dir));
    let var_files = auto_loaded_var_files(&unit.dir);
    if let Some(recorder) = recorder {
        recorder.var_files(&unit.dir, &var_files, listed_before);
    }
    for path in var_files {
        match read_recorded(&path, overlay, max, recorder) {
            Ok(file) if path.extension().is_some_and(|e| e == "json") => {
                vars.push(VarSource::TfvarsJson(file))
            }
            Ok(file) => vars.push(VarSource::Tfvars(file)),
            Err(err) => errors.push(err),
        }
    }
    vars.extend(external.later.iter().cloned());
    let loader = ModuleFiles {
        root: std::fs::canonicalize(&unit.root).unwrap_or_else(|_| unit.root.clone()),
        overlay: overlay.cloned(),
        max_file_size: max,
        recorder,
    };
    let mut document = safeguard_terraform::root_module_document_with_limits(
        unit.dir.display().to_string(),
        &unit.dir,
        sources,
        &vars,
        Some(&loader),
        limits.terraform(),
    );
    document.errors.splice(0..0, errors);
    document
}

/// `terraform.tfvars`, `terraform.tfvars.json` and `*.auto.tfvars(.json)` in
/// a module directory, in the order Terraform loads them. Like Terraform,
/// this ignores `.gitignore`: an ignored tfvars file still sets the values.
pub(crate) fn auto_loaded_var_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| is_auto_loaded_var_file(name))
        .collect();
    sort_auto_loaded(&mut names);
    names
        .into_iter()
        .map(|name| crate::walk::clean(&dir.join(name)))
        .collect()
}

/// One Postfix configuration to read: its main.cf (usually `DIR/main.cf`,
/// any file when `safeguard.toml` maps it), the directory that stands in
/// for `/etc/postfix` (master.cf and table files are read there), and the
/// scanned root nothing may be read outside of.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PostfixUnit {
    pub dir: PathBuf,
    pub main: PathBuf,
    pub root: PathBuf,
}

/// Reads a Postfix configuration into its document; the second value lists
/// files that could not be read.
pub(crate) fn postfix_document(
    unit: &PostfixUnit,
    options: &safeguard_mail::PostfixOptions,
    max_bytes: u64,
    recorder: Option<&Recorder>,
) -> (Document, Vec<InputError>) {
    postfix_document_in(unit, options, max_bytes, None, recorder)
}

/// [`postfix_document`] with open buffers for main.cf and master.cf.
pub(crate) fn postfix_document_in(
    unit: &PostfixUnit,
    options: &safeguard_mail::PostfixOptions,
    max_bytes: u64,
    overlay: Option<&Overlay>,
    recorder: Option<&Recorder>,
) -> (Document, Vec<InputError>) {
    let mut errors = Vec::new();
    let main = read_recorded(&unit.main, overlay, max_bytes, recorder)
        .map_err(|e| errors.push(e))
        .ok();
    let master_path = unit.dir.join("master.cf");
    let master_exists = master_path.exists();
    if let Some(recorder) = recorder {
        recorder.exists(&master_path, master_exists);
    }
    let master = if master_exists || overlay.is_some_and(|o| o.get(&master_path).is_some()) {
        read_recorded(&master_path, overlay, max_bytes, recorder)
            .map_err(|e| errors.push(e))
            .ok()
    } else {
        None
    };
    let address = unit.dir.display().to_string();
    let loader = RecordedTables {
        disk: safeguard_mail::FsTableLoader::new(unit.dir.clone(), unit.root.clone()),
        recorder,
    };
    let document = match main {
        Some(main) => safeguard_mail::postfix_document_with_tables(
            &address,
            main,
            master,
            options,
            Some(&loader),
        ),
        None => Document::new(Format::Postfix, address),
    };
    (document, errors)
}

/// Reads a Dovecot configuration into its document; includes are read only
/// inside `root`. The second value lists files that could not be read.
pub(crate) fn dovecot_document(
    file: &Path,
    root: &Path,
    max_bytes: u64,
    recorder: Option<&Recorder>,
) -> (Document, Vec<InputError>) {
    dovecot_document_in(file, root, max_bytes, None, recorder)
}

/// [`dovecot_document`] with open buffers for the file and its includes.
pub(crate) fn dovecot_document_in(
    file: &Path,
    root: &Path,
    max_bytes: u64,
    overlay: Option<&Overlay>,
    recorder: Option<&Recorder>,
) -> (Document, Vec<InputError>) {
    match read_recorded(file, overlay, max_bytes, recorder) {
        Ok(main) => {
            let root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
            let loader = crate::buffers::OverlayIncludes::new(root, overlay, recorder);
            (
                safeguard_mail::dovecot_document(&file.display().to_string(), main, Some(&loader)),
                Vec::new(),
            )
        }
        Err(err) => (
            Document::new(Format::Dovecot, file.display().to_string()),
            vec![err],
        ),
    }
}

/// Whether a file's text looks like an Exim configuration: a `begin`
/// line naming one of Exim's sections, or a main option only Exim has.
/// Used for files named `configure`, which are usually autoconf scripts.
#[must_use]
pub fn looks_like_exim(text: &str) -> bool {
    const SECTIONS: [&str; 6] = [
        "acl",
        "routers",
        "transports",
        "authenticators",
        "retry",
        "rewrite",
    ];
    const MAIN_OPTIONS: [&str; 8] = [
        "primary_hostname",
        "qualify_domain",
        "tls_advertise_hosts",
        "acl_smtp_rcpt",
        "daemon_smtp_ports",
        "exim_user",
        "never_users",
        "auth_advertise_hosts",
    ];
    text.lines().map(str::trim).any(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["begin", section] => SECTIONS.contains(section),
            [first, ..] if *first == "domainlist" || *first == "hostlist" => line.contains('='),
            _ => MAIN_OPTIONS.iter().any(|o| {
                line.strip_prefix(o)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            }),
        }
    })
}

/// Reads an Exim configuration into its document, if it looks like one
/// (`None` otherwise: a `configure` autoconf script is not ours to read).
/// Includes are read only inside `root`.
pub(crate) fn exim_document(
    file: &Path,
    root: &Path,
    max_bytes: u64,
    recorder: Option<&Recorder>,
) -> Option<(Document, Vec<InputError>)> {
    exim_document_in(file, root, max_bytes, None, recorder)
}

/// [`exim_document`] with open buffers for the file and its includes.
pub(crate) fn exim_document_in(
    file: &Path,
    root: &Path,
    max_bytes: u64,
    overlay: Option<&Overlay>,
    recorder: Option<&Recorder>,
) -> Option<(Document, Vec<InputError>)> {
    match read_recorded(file, overlay, max_bytes, recorder) {
        Ok(main) => {
            let named_exim = file.file_name().is_some_and(|n| n != "configure");
            if !named_exim && !looks_like_exim(main.text()) {
                return None;
            }
            let root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
            let loader = crate::buffers::OverlayIncludes::new(root, overlay, recorder);
            Some((
                safeguard_mail::exim_document(&file.display().to_string(), main, Some(&loader)),
                Vec::new(),
            ))
        }
        // An unreadable `configure` may not be Exim's at all.
        Err(_) if file.file_name().is_some_and(|n| n == "configure") => None,
        Err(err) => Some((
            Document::new(Format::Exim, file.display().to_string()),
            vec![err],
        )),
    }
}

/// The line that separates main.cf from master.cf in a Postfix policy example.
pub const MASTER_CF_MARKER: &str = "--- master.cf ---";

/// Parses an input snippet (a policy example) in the given format.
///
/// # Errors
/// A message when the format has no frontend yet.
pub fn parse_snippet(format: Format, text: &str) -> Result<Document, String> {
    match format {
        Format::Terraform => Ok(safeguard_terraform::module_document(
            "example",
            vec![SourceFile::new("example.tf", text)],
        )),
        Format::Postfix => {
            // main.cf, then optionally master.cf after a marker line.
            let (main, master) = match text.split_once(&format!("{MASTER_CF_MARKER}\n")) {
                Some((main, master)) => (main, Some(master)),
                None => (text, None),
            };
            Ok(safeguard_mail::postfix_document(
                "example",
                SourceFile::new("main.cf", main),
                master.map(|m| SourceFile::new("master.cf", m)),
                &safeguard_mail::PostfixOptions::default(),
            ))
        }
        Format::Dovecot => Ok(safeguard_mail::dovecot_document(
            "example",
            SourceFile::new("dovecot.conf", text),
            None,
        )),
        Format::Exim => Ok(safeguard_mail::exim_document(
            "example",
            SourceFile::new("exim.conf", text),
            None,
        )),
        // Tenant examples are in any source format, recognised by content:
        // ScubaGear or ScubaGoggles JSON, a Microsoft365DSC script or JSON
        // report, or the native YAML/JSON.
        Format::M365 | Format::GoogleWorkspace => {
            let trimmed = text.trim_start();
            let name = if trimmed.starts_with('{') || trimmed.starts_with('[') {
                "example.json"
            } else if safeguard_tenant::looks_like_native_yaml(text) {
                "example.yaml"
            } else {
                "example.ps1"
            };
            let document = safeguard_tenant::tenant_document(SourceFile::new(name, text));
            if document.format != format {
                return Err(format!(
                    "the example is a `{}` export, not `{format}`",
                    document.format
                ));
            }
            Ok(document)
        }
    }
}

/// Postfix table files from disk, each load recorded for the result cache.
struct RecordedTables<'a> {
    disk: safeguard_mail::FsTableLoader,
    recorder: Option<&'a Recorder>,
}

impl safeguard_mail::TableLoader for RecordedTables<'_> {
    fn load(&self, path: &str) -> Result<SourceFile, safeguard_mail::TableFileError> {
        let answer = self.disk.load(path);
        if let Some(recorder) = self.recorder {
            recorder.table(&self.disk, path, &answer);
        }
        answer
    }
}

/// Reads local Terraform modules for the frontend, never from outside the
/// scanned root (a `source = "../../../../etc"` is refused).
pub(crate) struct ModuleFiles<'a> {
    pub(crate) root: PathBuf,
    /// Open editor buffers, read instead of the files on disk.
    overlay: Option<Overlay>,
    pub(crate) max_file_size: u64,
    /// Each module read is recorded here for the result cache.
    recorder: Option<&'a Recorder>,
}

impl ModuleFiles<'_> {
    /// A loader reading from disk only (the cache replays reads with it).
    pub(crate) fn on_disk(root: PathBuf, max_file_size: u64) -> Self {
        ModuleFiles {
            root,
            overlay: None,
            max_file_size,
            recorder: None,
        }
    }

    /// Reads a module directory's `.tf` files, if it lies inside the root.
    fn read_dir(&self, dir: PathBuf, source: &str) -> Result<LoadedModule, String> {
        let real = fs::canonicalize(&dir).map_err(|err| {
            format!(
                "module source `{source}` ({}) cannot be read: {err}",
                dir.display()
            )
        })?;
        if !real.starts_with(&self.root) {
            return Err(format!(
                "module source `{source}` leaves the scanned root ({}); not read",
                real.display()
            ));
        }
        let entries = fs::read_dir(&dir).map_err(|err| {
            format!(
                "module source `{source}` ({}) cannot be read: {err}",
                dir.display()
            )
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| crate::walk::clean(&e.path()))
            .filter(|p| crate::walk::is_terraform_file(p) && p.is_file())
            .collect();
        if let Some(overlay) = &self.overlay {
            paths.extend(overlay.terraform_files_in(&dir));
            paths.sort();
            paths.dedup();
        }
        paths.sort();
        let mut files = Vec::new();
        let mut errors = Vec::new();
        for path in paths {
            match read_source_in(&path, self.overlay.as_ref(), self.max_file_size) {
                Ok(file) => files.push(file),
                Err(err) => errors.push(err),
            }
        }
        Ok(LoadedModule { dir, files, errors })
    }
}

impl ModuleLoader for ModuleFiles<'_> {
    fn load(&self, caller_dir: &Path, source: &str) -> Result<LoadedModule, String> {
        let answer = self.read_dir(crate::walk::clean(&caller_dir.join(source)), source);
        if let Some(recorder) = self.recorder {
            recorder.module(self, caller_dir, source, &answer);
        }
        answer
    }

    /// `terraform init` records where it installed each module in
    /// `.terraform/modules/modules.json` (`{"Modules": [{"Key", "Source", "Dir"}]}`,
    /// `Dir` relative to the root module).
    fn installed(&self, root_dir: &Path, key: &str) -> Option<Result<LoadedModule, String>> {
        let answer = self.installed_module(root_dir, key);
        if let Some(recorder) = self.recorder {
            recorder.installed(self, root_dir, key, answer.as_ref());
        }
        answer
    }
}

impl ModuleFiles<'_> {
    fn installed_module(&self, root_dir: &Path, key: &str) -> Option<Result<LoadedModule, String>> {
        let manifest = root_dir.join(".terraform/modules/modules.json");
        let text = read_source(&manifest, self.max_file_size)
            .ok()?
            .text()
            .to_owned();
        let json: serde_json::Value = match serde_json::from_str(&text) {
            Ok(json) => json,
            Err(err) => {
                return Some(Err(format!(
                    "{} is not valid JSON: {err}",
                    manifest.display()
                )));
            }
        };
        let entry = json["Modules"]
            .as_array()?
            .iter()
            .find(|m| m["Key"].as_str() == Some(key))?;
        let dir = entry["Dir"].as_str()?;
        let source = entry["Source"].as_str().unwrap_or(dir);
        Some(self.read_dir(crate::walk::clean(&root_dir.join(dir)), source))
    }
}
