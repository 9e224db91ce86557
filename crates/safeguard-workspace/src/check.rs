use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use safeguard_engine::{Engine, Finding, KeepPasses, compare_findings};
use safeguard_model::{Document, Format, InputError, InputErrorLocation};
use safeguard_policy::{
    BaaContext, Policy, PolicyError, PolicySet, Severity, load_dir, load_sources,
};
use safeguard_source::{ColumnUnit, SourceFile};
use safeguard_terraform::VarSource;

use crate::baa_register::{build_register, today_utc};
use crate::cache::{Cache, CacheMode, CacheStats, Recorder, UnitKey};
use crate::config::MailFormat;
use crate::frontends::{ExternalVars, PostfixUnit, read_recorded, read_source, terraform_document};
use crate::walk::{OtherInputs, collect_units, merge_units};
use crate::{Config, ConfigError, Selection, Shard, discover_config, load_config};

/// What to check and how; the CLI's flags, already parsed.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    pub paths: Vec<PathBuf>,
    /// Extra policy folders, added to the bundled packs and the configuration's.
    pub policy_dirs: Vec<PathBuf>,
    /// Replaces the configuration's `select` when given.
    pub select: Option<Vec<String>>,
    /// Added to the configuration's `ignore`.
    pub ignore: Vec<String>,
    /// Overrides the configuration's `fail-on`.
    pub fail_on: Option<Severity>,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// The bundled policy packs as `(path, text)`.
    pub bundled: Vec<(PathBuf, String)>,
    /// Terraform variable inputs from the command line and environment.
    pub terraform: TerraformInputs,
    /// Read and build every document but judge none (`--parse-only`, for
    /// benchmarks): the evaluation overhead is then a measured ratio.
    pub parse_only: bool,
    /// `--shard I/N`: check only this shard's units (see [`Shard`]).
    pub shard: Option<Shard>,
    /// Resource limits from the command line, over the configuration's.
    pub limits: crate::LimitOverrides,
    /// A skipped or failed file makes the run an error (exit 2).
    pub strict: bool,
    /// The result cache (`.safeguard-cache/`); off unless asked for.
    pub cache: CacheMode,
    /// Where the cache lives instead of `.safeguard-cache/` at each
    /// project's root (`--cache-dir`, `SAFEGUARD_CACHE_DIR`).
    pub cache_dir: Option<PathBuf>,
    /// Whether pass verdicts are kept as findings or only counted.
    pub passes: Passes,
    /// Whether findings keep their files' texts or only what places them.
    pub texts: SourceTexts,
}

/// What a check's findings keep of the files they point into. Most outputs
/// only place findings (a line and column), which a file's line index does
/// alone when its text is ASCII; human output quotes the text, and fixes
/// edit it. On a monorepo the texts of the files with findings were most of
/// what a check held: 100,000 files kept 127 MB of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SourceTexts {
    /// Every finding's file keeps its text.
    #[default]
    Kept,
    /// A finding's file keeps its line index only, when its text is ASCII
    /// and no suppression comment may be in it; the text is read again
    /// from disk if anything asks for it.
    Released,
}

/// What each unit's result keeps once judged (or taken from the cache).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keep {
    pub(crate) passes: Passes,
    pub(crate) texts: SourceTexts,
    /// The size limit a released text is read again with.
    pub(crate) max_file_size: u64,
}

/// What a check keeps of its pass verdicts. Most outputs list only failures
/// and unknowns and count the passes; JUnit and the evidence report list
/// every verdict. On a monorepo the passes are three in four verdicts:
/// merging, sorting, holding and replaying them from the cache for nothing
/// cost time and memory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Passes {
    /// Every pass is a finding in [`CheckReport::findings`].
    #[default]
    Kept,
    /// Passes are counted in [`CheckReport::counted_passes`] and dropped.
    /// The cache still stores them, for a later run that keeps them.
    Counted,
}

/// Terraform variable values given from outside the scanned tree. They apply
/// to every module scanned as a root, after its own auto-loaded tfvars.
#[derive(Debug, Clone, Default)]
pub struct TerraformInputs {
    /// `--var-file` paths, in order.
    pub var_files: Vec<PathBuf>,
    /// `--var NAME=VALUE`, in order.
    pub vars: Vec<(String, String)>,
    /// `TF_VAR_name` values from the environment.
    pub env: Vec<(String, String)>,
}

/// Everything a check found, sorted and ready for any emitter.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Every verdict, sorted by path, position and rule; passes included
    /// unless the check only counted them ([`Passes::Counted`]).
    pub findings: Vec<Finding>,
    /// The passes counted but not kept in `findings` ([`Passes::Counted`]).
    pub counted_passes: usize,
    pub input_errors: Vec<InputError>,
    /// Worth knowing, not errors: they do not change the exit code.
    pub notes: Vec<InputError>,
    pub policy_errors: Vec<PolicyError>,
    pub config_errors: Vec<ConfigError>,
    pub files: usize,
    /// The files read, sorted (for the evidence report's hashes).
    pub inputs: Vec<PathBuf>,
    pub objects: usize,
    /// Files taken for possible inputs: checked, skipped or failed.
    pub found: usize,
    /// Files found but not read, each with the reason (`--strict` fails on them).
    pub skipped: Vec<SkippedFile>,
    /// Files with an input error: not read, not decoded, not parsed, or a
    /// limit hit (the rest of such a file may still have been checked).
    pub failed: usize,
    /// `--strict`: each skipped file is also an input error.
    pub strict: bool,
    pub policies: usize,
    pub fail_on: Severity,
    /// Every policy that ran (the built-in suppression checks included), by
    /// id, for emitters that describe rules (SARIF).
    pub rules: Vec<Arc<Policy>>,
    /// Set in a sharded run, for `safeguard merge`.
    pub shard: Option<Shard>,
    /// The result cache's hits and misses, when it was used.
    pub cache: Option<CacheStats>,
}

impl CheckReport {
    #[must_use]
    pub fn has_errors(&self) -> bool {
        !(self.input_errors.is_empty()
            && self.policy_errors.is_empty()
            && self.config_errors.is_empty())
    }
}

/// The document of a file that could not be read: no objects, the error.
fn unreadable(path: &Path, format: Format, err: InputError) -> Document {
    let mut document = Document::new(format, path.display().to_string());
    document.errors.push(err);
    document
}

/// A file found but not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    pub path: PathBuf,
    pub reason: String,
}

/// Judges a JSON file if it is a Terraform plan or state or a tenant
/// export; `None` for any other JSON (it is not ours to read, and not
/// counted).
fn plan_result(
    path: &Path,
    judge: Judge<'_>,
    max_bytes: u64,
    recorder: Option<&Recorder>,
) -> Option<UnitResult> {
    let file = match read_recorded(path, None, max_bytes, recorder) {
        Ok(file) => file,
        // Whether it is a plan cannot be known: report it rather than lose it.
        Err(err) => {
            let document = unreadable(path, Format::Terraform, err);
            return Some(UnitResult::judge(path, true, document, judge));
        }
    };
    let document = if safeguard_terraform::looks_like_plan(file.text()) {
        safeguard_terraform::plan_document(file)
    } else if safeguard_tenant::looks_like_tenant_json(file.text()) {
        safeguard_tenant::tenant_document(file)
    } else {
        return None;
    };
    Some(UnitResult::judge(path, true, document, judge))
}

/// Judges a `.ps1` or YAML file if it is a Microsoft365DSC configuration or
/// a native tenant file; `None` for any other (not ours, not counted).
fn tenant_result(
    path: &Path,
    judge: Judge<'_>,
    max_bytes: u64,
    recorder: Option<&Recorder>,
) -> Option<UnitResult> {
    let file = match read_recorded(path, None, max_bytes, recorder) {
        Ok(file) => file,
        // Whether it is a tenant file cannot be known: report it rather than lose it.
        Err(err) => {
            let document = unreadable(path, Format::M365, err);
            return Some(UnitResult::judge(path, true, document, judge));
        }
    };
    let is_script = path.extension().is_some_and(|e| e == "ps1");
    let ours = if is_script {
        safeguard_tenant::looks_like_dsc(file.text())
    } else {
        safeguard_tenant::looks_like_native_yaml(file.text())
    };
    ours.then(|| UnitResult::judge(path, true, safeguard_tenant::tenant_document(file), judge))
}

/// `path` made absolute and lexically clean, to compare paths however they
/// were written.
fn absolute(path: &Path) -> PathBuf {
    crate::walk::clean(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// A path a configuration names, shown as the user would write it: relative
/// to the working directory.
fn shown(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    crate::walk::clean(absolute(path).strip_prefix(&cwd).unwrap_or(path))
}

/// `[[tenant.paths]]` entries under the scanned paths, shown relative to
/// the working directory; detection no longer handles those files.
fn mapped_tenant_files(
    paths: &[PathBuf],
    config: &Config,
    json_files: &mut Vec<PathBuf>,
    tenant_files: &mut Vec<PathBuf>,
) -> Vec<(PathBuf, safeguard_model::Format)> {
    let mut mapped = Vec::new();
    for (path, format) in &config.tenant_paths {
        let full = absolute(path);
        let scanned = paths.iter().any(|p| full.starts_with(absolute(p)));
        if !scanned {
            continue;
        }
        json_files.retain(|f| absolute(f) != full);
        tenant_files.retain(|f| absolute(f) != full);
        mapped.push((shown(path), *format));
    }
    mapped.sort();
    mapped.dedup();
    mapped
}

/// Judges a file `[[tenant.paths]]` names, as a tenant export of `format`.
fn mapped_tenant_result(
    path: &Path,
    format: Format,
    judge: Judge<'_>,
    max_bytes: u64,
    recorder: Option<&Recorder>,
) -> UnitResult {
    let document = match read_recorded(path, None, max_bytes, recorder) {
        Ok(file) => as_mapped_tenant(safeguard_tenant::tenant_document(file), path, format),
        Err(err) => unreadable(path, format, err),
    };
    UnitResult::judge(path, true, document, judge)
}

/// An export read from a file `[[tenant.paths]]` maps to `format`: one of
/// another format is an error, with nothing judged.
pub(crate) fn as_mapped_tenant(mut document: Document, path: &Path, format: Format) -> Document {
    if document.format != format && document.errors.is_empty() {
        let message = format!(
            "safeguard.toml maps this file to `{format}`, but it is a `{}` export",
            document.format
        );
        document.objects.clear();
        document
            .errors
            .push(InputError::new(path, message, InputErrorLocation::None));
    }
    document
}

/// Judges a Postfix configuration directory (`main.cf`, and `master.cf`
/// when present).
fn postfix_result(
    unit: &PostfixUnit,
    options: &safeguard_mail::PostfixOptions,
    judge: Judge<'_>,
    max_bytes: u64,
    recorder: Option<&Recorder>,
) -> UnitResult {
    let (mut document, unreadable) =
        crate::frontends::postfix_document(unit, options, max_bytes, recorder);
    document.errors.splice(0..0, unreadable);
    UnitResult::judge(&unit.dir, true, document, judge)
}

/// The mail configurations to read: those detected by name, then
/// `[[mail.paths]]` entries inside the scanned paths, which replace
/// detection for their directory. Each Postfix unit gets the scanned path
/// it lies under as the root its tables may be read from.
fn mail_units(
    paths: &[PathBuf],
    config: &Config,
    mut mail_dirs: Vec<PathBuf>,
    mut dovecot_files: Vec<PathBuf>,
    mut exim_files: Vec<PathBuf>,
) -> (Vec<PostfixUnit>, Vec<PathBuf>, Vec<PathBuf>) {
    let roots: Vec<PathBuf> = paths
        .iter()
        .map(|p| {
            if p.is_file() {
                p.parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
            } else {
                p.clone()
            }
        })
        .collect();
    let root_of = |dir: &Path| {
        let dir = absolute(dir);
        roots.iter().find(|r| dir.starts_with(absolute(r))).cloned()
    };
    let mut mapped = Vec::new();
    for mapping in &config.mail_paths {
        if root_of(&mapping.path).is_none() {
            continue;
        }
        let path = shown(&mapping.path);
        let is_dir = mapping.path.is_dir();
        let dir = if is_dir {
            path.clone()
        } else {
            path.parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        };
        if is_dir {
            // The mapping decides what this directory holds.
            mail_dirs.retain(|d| absolute(d) != absolute(&dir));
            dovecot_files.retain(|f| f.parent().is_none_or(|p| absolute(p) != absolute(&dir)));
            exim_files.retain(|f| f.parent().is_none_or(|p| absolute(p) != absolute(&dir)));
        }
        let top = if is_dir {
            dir.join(mapping.format.usual_file())
        } else {
            path
        };
        match mapping.format {
            MailFormat::Postfix => mapped.push(PostfixUnit {
                root: root_of(&dir).unwrap_or_else(|| dir.clone()),
                dir,
                main: top,
            }),
            MailFormat::Dovecot => dovecot_files.push(top),
            MailFormat::Exim => exim_files.push(top),
        }
    }
    let mut units: Vec<PostfixUnit> = mail_dirs
        .into_iter()
        .map(|dir| PostfixUnit {
            root: root_of(&dir).unwrap_or_else(|| dir.clone()),
            main: dir.join("main.cf"),
            dir,
        })
        .chain(mapped)
        .collect();
    units.sort();
    units.dedup();
    dovecot_files.sort();
    dovecot_files.dedup();
    exim_files.sort();
    exim_files.dedup();
    (units, dovecot_files, exim_files)
}

/// Judges a Dovecot configuration (`dovecot.conf` and what it includes).
fn dovecot_result(
    file: &Path,
    root: &Path,
    judge: Judge<'_>,
    max_bytes: u64,
    recorder: Option<&Recorder>,
) -> UnitResult {
    let (mut document, unreadable) =
        crate::frontends::dovecot_document(file, root, max_bytes, recorder);
    document.errors.splice(0..0, unreadable);
    UnitResult::judge(file, true, document, judge)
}

/// Judges an Exim configuration (and what it includes); `None` for a
/// `configure` file that is not Exim's.
fn exim_result(
    file: &Path,
    root: &Path,
    judge: Judge<'_>,
    max_bytes: u64,
    recorder: Option<&Recorder>,
) -> Option<UnitResult> {
    let (mut document, unreadable) =
        crate::frontends::exim_document(file, root, max_bytes, recorder)?;
    document.errors.splice(0..0, unreadable);
    Some(UnitResult::judge(file, true, document, judge))
}

/// What judging one unit produced (and what the result cache stores).
pub(crate) struct UnitResult {
    pub(crate) dir: PathBuf,
    /// The user named files of this unit on the command line.
    pub(crate) named: bool,
    /// Before suppressions: those are applied to every result afresh.
    pub(crate) findings: Vec<Finding>,
    pub(crate) errors: Vec<InputError>,
    pub(crate) notes: Vec<InputError>,
    pub(crate) files: Vec<PathBuf>,
    /// The files findings may point into, for suppression comments.
    pub(crate) sources: Vec<SourceFile>,
    pub(crate) objects: usize,
    pub(crate) included_dirs: Vec<PathBuf>,
    /// Passes counted but no longer among `findings` ([`Passes::Counted`]).
    pub(crate) counted_passes: usize,
}

/// The engine, with whether a unit's passes are built as findings or
/// only counted.
#[derive(Clone, Copy)]
pub(crate) struct Judge<'a> {
    engine: &'a Engine,
    keep: KeepPasses,
}

impl<'a> Judge<'a> {
    /// Passes are built when the output lists them (JUnit) or the cache
    /// stores the unit (a later JUnit run may replay it); otherwise, and in
    /// most runs they are three verdicts in four, they are only counted.
    pub(crate) fn new(engine: &'a Engine, passes: Passes, recorder: Option<&Recorder>) -> Self {
        let keep = if passes == Passes::Kept || recorder.is_some() {
            KeepPasses::Yes
        } else {
            KeepPasses::No
        };
        Judge { engine, keep }
    }

    pub(crate) fn keeping_passes(self) -> Self {
        Judge {
            keep: KeepPasses::Yes,
            ..self
        }
    }
}

impl UnitResult {
    /// Judges a document and keeps what the report needs of it; the
    /// document itself is dropped here.
    fn judge(
        dir: &Path,
        named: bool,
        document: safeguard_model::Document,
        judge: Judge<'_>,
    ) -> Self {
        let (mut findings, counted_passes) = judge.engine.evaluate_with(&document, judge.keep);
        // Sorted here, in parallel and once for the cache: the report's
        // final sort then meets long sorted runs and merges them.
        findings.sort_by(compare_findings);
        let result = UnitResult {
            dir: dir.to_path_buf(),
            named,
            findings,
            files: document
                .files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect(),
            // Only files that may hold a suppression comment are scanned
            // for one (and a cached hit need not read the others).
            sources: document
                .files
                .iter()
                .filter(|file| crate::suppress::may_hold_directive(file))
                .cloned()
                .collect(),
            objects: document.objects.len(),
            errors: document.errors,
            notes: document.notes,
            included_dirs: document.included_dirs,
            counted_passes,
        };
        result.index_lines();
        result
    }

    /// Drops the passes, counting them, when the check only counts them,
    /// and the files' texts when the check does not need them. Done on a
    /// worker, after the cache stored the whole result.
    pub(crate) fn settle(mut self, keep: Keep) -> Self {
        if keep.passes == Passes::Counted {
            let before = self.findings.len();
            self.findings
                .retain(|f| f.status != safeguard_engine::Status::Pass);
            self.counted_passes += before - self.findings.len();
        }
        if keep.texts == SourceTexts::Released {
            self.release_texts(keep.max_file_size);
        }
        self
    }

    /// Points every finding at a copy of its file without the text (see
    /// [`SourceTexts::Released`]). Files that may hold a suppression
    /// comment keep theirs: the suppression pass reads it.
    fn release_texts(&mut self, max_file_size: u64) {
        let loader = crate::frontends::text_loader(max_file_size);
        // Each file once, by buffer: a unit may hold thousands of files.
        // The old handle stays in the map, so no buffer's address is reused
        // while the map is alive.
        let mut swapped: HashMap<usize, (SourceFile, Option<SourceFile>)> = HashMap::new();
        let sources: HashSet<usize> = self.sources.iter().map(SourceFile::buffer_id).collect();
        let mut swap = |file: &mut SourceFile| {
            let (_, released) = swapped.entry(file.buffer_id()).or_insert_with(|| {
                let released = if sources.contains(&file.buffer_id()) {
                    None
                } else {
                    file.without_text(Arc::clone(&loader))
                };
                (file.clone(), released)
            });
            if let Some(released) = released {
                *file = released.clone();
            }
        };
        for finding in &mut self.findings {
            swap(&mut finding.file);
            swap(&mut finding.object_file);
        }
    }

    /// Builds, here on a worker, the line index of every file a reported
    /// finding points into: the renderers need them, and building them
    /// lazily there made a serial phase of it.
    pub(crate) fn index_lines(&self) {
        let mut last: Option<&SourceFile> = None;
        for finding in &self.findings {
            if finding.status == safeguard_engine::Status::Pass {
                continue;
            }
            // Sorted by file: one lookup per file, not per finding.
            if last.is_none_or(|file| !file.ptr_eq(&finding.file)) {
                let _ = finding.file.line_index();
                last = Some(&finding.file);
            }
        }
    }
}

/// Loads the bundled packs, then each extra folder.
#[must_use]
pub fn load_policies(bundled: &[(PathBuf, String)], dirs: &[PathBuf]) -> PolicySet {
    let mut set = load_sources(bundled.to_vec());
    for dir in dirs {
        set.merge(load_dir(dir));
    }
    set
}

/// The stack of each thread that reads and judges units.
const WORKER_STACK_BYTES: usize = 8 * 1024 * 1024;

/// Runs a check. Never fails as a whole: every problem is in the report.
#[must_use]
pub fn check(options: &CheckOptions) -> CheckReport {
    let threads = options
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let mut timings = Timings::from_env();
    let mut report = CheckReport {
        fail_on: options.fail_on.unwrap_or(Severity::Info),
        strict: options.strict,
        ..CheckReport::default()
    };
    let paths = if options.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        options.paths.clone()
    };

    // Each path is governed by its nearest safeguard.toml.
    let mut groups: BTreeMap<Option<PathBuf>, Vec<PathBuf>> = BTreeMap::new();
    for path in paths {
        groups.entry(discover_config(&path)).or_default().push(path);
    }
    // Readers recurse into nested documents up to their depth limits (512
    // for JSON): the main thread's 8 MiB, not a worker's default 2 MiB,
    // keeps that safe in a debug build too. Untouched stack costs nothing.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(WORKER_STACK_BYTES)
        .build();
    let mut fail_on_from_config = None;
    let mut found_files: Vec<PathBuf> = Vec::new();
    for (config_path, paths) in groups {
        let config = match &config_path {
            Some(path) => load_config(path).unwrap_or_else(|errors| {
                report.config_errors.extend(errors);
                // The remaining files are still checked, with the defaults.
                Config::default_for(path.parent().unwrap_or(path))
            }),
            None => Config::default_for(&paths[0]),
        };
        fail_on_from_config = fail_on_from_config.or(config.fail_on);
        // Loading the policies and walking the tree are independent, and
        // the walk leaves cores idle: they run side by side.
        let mut load = || build_engine(options, &config, &mut report);
        let walk = || {
            let mut walk_errors = Vec::new();
            let mut units = Vec::new();
            let mut found = OtherInputs::default();
            for path in &paths {
                units.extend(collect_units(
                    path,
                    &config,
                    threads,
                    &mut walk_errors,
                    &mut found,
                ));
            }
            (units, found, walk_errors)
        };
        let ((mut engine, meta), (units, mut found, walk_errors)) = match &pool {
            Ok(pool) => pool.install(|| rayon::join(load, walk)),
            Err(_) => (load(), walk()),
        };
        if options.parse_only {
            // Same walk, reads and frontends; no policy is looked up or run.
            engine = Engine::new(Vec::new());
        }
        let errors_before_walk = report.input_errors.len();
        report.input_errors.extend(walk_errors);
        timings.lap("load policies and configuration, and walk");
        found.normalize();
        let OtherInputs {
            mut json_files,
            mail_dirs,
            dovecot_files,
            exim_files,
            mut tenant_files,
            found: mut found_here,
        } = found;
        let mut mapped_tenant =
            mapped_tenant_files(&paths, &config, &mut json_files, &mut tenant_files);
        let (postfix_units, dovecot_files, exim_files) =
            mail_units(&paths, &config, mail_dirs, dovecot_files, exim_files);
        // Dovecot and Exim includes are read only inside the scanned root.
        let include_root = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
        let units = merge_units(units);
        timings.lap("group the walk into units");
        let limits = config.limits.with(&options.limits);
        let max = limits.max_file_size;
        let var_sources =
            external_var_sources(&options.terraform, &config, max, &mut report.input_errors);
        // Modules called from any shard's modules are judged with their callers.
        let mut called = HashSet::new();
        let (units, json_files, postfix_units, dovecot_files, exim_files) = match options.shard {
            None => (units, json_files, postfix_units, dovecot_files, exim_files),
            Some(shard) => {
                if !shard.is_first() {
                    // Every shard walks alike: the first reports it.
                    report.input_errors.truncate(errors_before_walk);
                }
                called = crate::shard::local_module_dirs(&units, max);
                let mut units = units;
                units.retain(|u| shard.owns(&u.dir));
                let mut json_files = json_files;
                json_files.retain(|p| shard.owns(p));
                let mut postfix_units = postfix_units;
                postfix_units.retain(|u| shard.owns(&u.dir));
                let mut dovecot_files = dovecot_files;
                dovecot_files.retain(|p| shard.owns(p));
                let mut exim_files = exim_files;
                exim_files.retain(|p| shard.owns(p));
                tenant_files.retain(|p| shard.owns(p));
                mapped_tenant.retain(|(p, _)| shard.owns(p));
                found_here.retain(|p| crate::shard::owns_file(shard, p));
                (units, json_files, postfix_units, dovecot_files, exim_files)
            }
        };
        found_files.extend(found_here);
        let cache = if options.parse_only {
            None
        } else {
            let cache_dir = options
                .cache_dir
                .clone()
                .unwrap_or_else(|| crate::cache::default_cache_dir(config_path.as_deref()));
            let context = crate::cache::Context {
                policies: engine.policies(),
                catalogue: &meta.catalogue,
                config: config_path.as_deref(),
                default_root: &paths[0],
                limits,
                external: &var_sources,
            };
            Cache::open(&options.cache, &cache_dir, &context)
        };
        let cache = cache.as_ref();
        let passes = options.passes;
        let keep = Keep {
            passes,
            texts: options.texts,
            max_file_size: max,
        };
        // What each unit keeps of its passes (see `Judge::new`).
        let judge = |recorder: Option<&Recorder>| Judge::new(&engine, passes, recorder);
        let evaluate = || {
            units
                .par_iter()
                .filter_map(|unit| {
                    Cache::unit(cache, keep, &UnitKey::Terraform(unit), |recorder| {
                        let document = terraform_document(unit, &var_sources, limits, recorder);
                        let mut unit_judge = judge(recorder);
                        if unit.report_only.is_some() {
                            // Passes are kept by file below: they must exist to be sorted out.
                            unit_judge = unit_judge.keeping_passes();
                        }
                        let mut result = UnitResult::judge(
                            &unit.dir,
                            unit.report_only.is_some(),
                            document,
                            unit_judge,
                        );
                        if let Some(only) = &unit.report_only {
                            result
                                .findings
                                .retain(|f| only.iter().any(|p| p == f.file.path()));
                            result
                                .sources
                                .retain(|f| only.iter().any(|p| p == f.path()));
                        }
                        Some(result)
                    })
                })
                .collect::<Vec<_>>()
        };
        let plans = || {
            json_files
                .par_iter()
                .filter_map(|path| {
                    Cache::unit(cache, keep, &UnitKey::Plan(path), |recorder| {
                        plan_result(path, judge(recorder), max, recorder)
                    })
                })
                .chain(tenant_files.par_iter().filter_map(|path| {
                    Cache::unit(cache, keep, &UnitKey::Tenant(path), |recorder| {
                        tenant_result(path, judge(recorder), max, recorder)
                    })
                }))
                .chain(mapped_tenant.par_iter().filter_map(|(path, format)| {
                    Cache::unit(
                        cache,
                        keep,
                        &UnitKey::MappedTenant(path, *format),
                        |recorder| {
                            Some(mapped_tenant_result(
                                path,
                                *format,
                                judge(recorder),
                                max,
                                recorder,
                            ))
                        },
                    )
                }))
                .collect::<Vec<_>>()
        };
        let mail = || {
            postfix_units
                .par_iter()
                .filter_map(|unit| {
                    Cache::unit(cache, keep, &UnitKey::Postfix(unit), |recorder| {
                        Some(postfix_result(
                            unit,
                            &config.postfix,
                            judge(recorder),
                            max,
                            recorder,
                        ))
                    })
                })
                .collect::<Vec<_>>()
        };
        let dovecot = || {
            dovecot_files
                .par_iter()
                .filter_map(|file| {
                    Cache::unit(
                        cache,
                        keep,
                        &UnitKey::Dovecot(file, &include_root),
                        |recorder| {
                            Some(dovecot_result(
                                file,
                                &include_root,
                                judge(recorder),
                                max,
                                recorder,
                            ))
                        },
                    )
                })
                .collect::<Vec<_>>()
        };
        let exim = || {
            exim_files
                .par_iter()
                .filter_map(|file| {
                    Cache::unit(
                        cache,
                        keep,
                        &UnitKey::Exim(file, &include_root),
                        |recorder| exim_result(file, &include_root, judge(recorder), max, recorder),
                    )
                })
                .collect::<Vec<_>>()
        };
        let (mut results, (plan_results, (mail_results, (dovecot_results, exim_results)))) =
            match &pool {
                Ok(pool) => pool.install(|| (evaluate(), (plans(), (mail(), (dovecot(), exim()))))),
                Err(_) => (evaluate(), (plans(), (mail(), (dovecot(), exim())))),
            };
        timings.lap("read, parse and judge (parallel)");
        if let Some(cache) = cache {
            cache.sweep();
            let stats = cache.stats();
            let total = report.cache.get_or_insert_with(CacheStats::default);
            total.hits += stats.hits;
            total.misses += stats.misses;
            total.unread += stats.unread;
        }
        results.extend(plan_results);
        results.extend(mail_results);
        results.extend(dovecot_results);
        results.extend(exim_results);
        // A directory some scanned module calls as a local module was judged
        // there, with the caller's arguments; judging it again on its own
        // would repeat findings (or guess at its inputs). Named files are
        // always reported.
        let kept = kept_results(&results, &called);
        // Sized once: growing a vector of 100,000 findings by doubling
        // copied them over and over into freshly zeroed pages.
        let total: usize = results
            .iter()
            .zip(&kept)
            .filter(|(_, keep)| **keep)
            .map(|(r, _)| r.findings.len())
            .sum();
        let mut findings = Vec::with_capacity(total);
        let mut counted: Vec<PathBuf> =
            Vec::with_capacity(results.iter().map(|r| r.files.len()).sum());
        let mut sources: Vec<SourceFile> = Vec::new();
        for (result, keep) in results.into_iter().zip(kept) {
            if !keep {
                continue;
            }
            report.counted_passes += result.counted_passes;
            findings.extend(result.findings);
            sources.extend(result.sources);
            report.input_errors.extend(result.errors);
            report.notes.extend(result.notes);
            counted.extend(result.files);
            report.objects += result.objects;
        }
        // Each file once, the first result's copy kept (a stable sort);
        // by bytes, which is as deterministic as by components and far
        // cheaper over tens of thousands of paths.
        sources.sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()));
        sources.dedup_by(|later, first| later.path() == first.path());
        counted.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
        counted.dedup();
        report.files += counted.len();
        report.inputs.extend(counted);
        let selected: BTreeSet<String> = engine.policies().iter().map(|p| p.id.clone()).collect();
        let context = crate::suppress::Context {
            config: &config,
            meta: &meta.selected,
            loaded: &meta.loaded,
            selected: &selected,
            today: &today_utc(),
        };
        let mut apply =
            || crate::suppress::apply(&mut findings, &sources, &context, &mut report.input_errors);
        let extra = match &pool {
            Ok(pool) => pool.install(apply),
            Err(_) => apply(),
        };
        // Moved, not copied, when this is the only configuration.
        if report.findings.is_empty() {
            report.findings = findings;
        } else {
            report.findings.extend(findings);
        }
        report.findings.extend(extra);
        timings.lap("merge results and apply suppressions");
        for policy in engine.policies().iter().chain(&meta.selected) {
            if !report.rules.iter().any(|p| p.id == policy.id) {
                report.rules.push(Arc::clone(policy));
            }
        }
    }
    report.rules.sort_by(|a, b| a.id.cmp(&b.id));
    if let Some(shard) = options.shard {
        if !shard.is_first() {
            // The same in every shard: the first reports them.
            report.config_errors.clear();
            report.policy_errors.clear();
        }
        report.shard = Some(shard);
    }
    if options.fail_on.is_none() {
        report.fail_on = fail_on_from_config.unwrap_or(Severity::Info);
    }
    // Hundreds of thousands of verdicts: sorting them on one core was a
    // serial phase that capped the speed-up from a second thread. A stable
    // parallel sort gives the same order; the files are accounted for
    // beside it.
    let mut findings = std::mem::take(&mut report.findings);
    let account = |report: &mut CheckReport| {
        crate::walk::sort_paths(&mut report.inputs);
        report.inputs.dedup();
        account_for_files(report, found_files);
    };
    match &pool {
        Ok(pool) => {
            pool.install(|| {
                rayon::join(
                    || findings.par_sort_by(compare_findings),
                    || account(&mut report),
                )
            });
        }
        Err(_) => {
            findings.sort_by(compare_findings);
            account(&mut report);
        }
    }
    report.findings = findings;
    sort_input_errors(&mut report.input_errors);
    sort_input_errors(&mut report.notes);
    timings.lap("sort");
    if let Some(stats) = report.cache {
        timings.note(&format!(
            "cache: {} hits, {} misses",
            stats.hits, stats.misses
        ));
        timings.note(&format!(
            "cache: {} files vouched for by their stamps, not read",
            stats.unread
        ));
    }
    report
}

/// Phase timings on standard error when `SAFEGUARD_TIMINGS` is set: the
/// profile of a run without a profiler, for `scripts/bench`.
pub struct Timings {
    last: Option<std::time::Instant>,
}

impl Timings {
    #[must_use]
    pub fn from_env() -> Self {
        let on = std::env::var_os("SAFEGUARD_TIMINGS").is_some_and(|v| !v.is_empty());
        Timings {
            last: on.then(std::time::Instant::now),
        }
    }

    /// Prints a line that is not a phase (the cache's hits and misses).
    pub fn note(&self, text: &str) {
        if self.last.is_some() {
            eprintln!("safeguard: {text}");
        }
    }

    /// Prints the time since the previous lap under `phase`.
    pub fn lap(&mut self, phase: &str) {
        if let Some(last) = &mut self.last {
            let now = std::time::Instant::now();
            eprintln!(
                "safeguard: timing: {phase}: {:.1} ms",
                (now - *last).as_secs_f64() * 1000.0
            );
            *last = now;
        }
    }
}

/// Which results to report. A directory some scanned module calls as a
/// local module is dropped when a reported result read it (it was judged
/// there with the caller's arguments). Named files are always reported. In
/// a module cycle (A calls B calls A) each directory includes the other, so
/// neither counts as the other's caller; and a module that only a dropped
/// result read (one cut off by the module-depth limit) is reported on its
/// own rather than lost. Under `--shard`, `called` holds every directory
/// any shard's modules call: those are judged with their callers, in
/// whichever shard owns the caller.
fn kept_results(results: &[UnitResult], called: &HashSet<PathBuf>) -> Vec<bool> {
    let includes: HashMap<&PathBuf, HashSet<&PathBuf>> = results
        .iter()
        .map(|r| (&r.dir, r.included_dirs.iter().collect()))
        .collect();
    let included: HashSet<&PathBuf> = results
        .iter()
        .flat_map(|caller| {
            caller.included_dirs.iter().filter(|dir| {
                !includes
                    .get(dir)
                    .is_some_and(|back| back.contains(&caller.dir))
            })
        })
        .collect();
    let mut kept: Vec<bool> = results
        .iter()
        .map(|r| r.named || !(included.contains(&r.dir) || called.contains(&r.dir)))
        .collect();
    let mut covered: HashSet<&PathBuf> = HashSet::new();
    for (result, keep) in results.iter().zip(&kept) {
        if *keep {
            covered.insert(&result.dir);
            covered.extend(&result.included_dirs);
        }
    }
    // Results are in a fixed order (units sorted by directory), so the
    // outcome is deterministic.
    while let Some(index) = (0..results.len()).find(|&i| {
        !kept[i] && !covered.contains(&results[i].dir) && !called.contains(&results[i].dir)
    }) {
        kept[index] = true;
        covered.insert(&results[index].dir);
        covered.extend(&results[index].included_dirs);
    }
    kept
}

/// Every file found is checked, skipped (with the reason) or failed (an
/// input error names it): nothing found is lost without a word.
fn account_for_files(report: &mut CheckReport, found: Vec<PathBuf>) {
    // Sets of path bytes: every path here is clean (`walk::clean` or a
    // join of clean parts), so equal bytes are equal paths, and hashing
    // bytes is far cheaper over tens of thousands of paths than ordered
    // sets or `Path`'s component-wise hash. `found` is in the walk's order,
    // with repeats.
    fn bytes(path: &Path) -> &[u8] {
        path.as_os_str().as_encoded_bytes()
    }
    // Sized up front and hashed with foldhash: growing and SipHashing
    // these sets was most of the cached run's sort phase.
    let set = |len: usize| {
        foldhash::HashSet::<&[u8]>::with_capacity_and_hasher(
            len,
            foldhash::fast::RandomState::default(),
        )
    };
    let mut checked = set(report.inputs.len());
    checked.extend(report.inputs.iter().map(|p| bytes(p)));
    let failed: BTreeSet<PathBuf> = report
        .input_errors
        .iter()
        .map(|e| crate::walk::clean(&e.path))
        .collect();
    let mut failed_set = set(failed.len());
    failed_set.extend(failed.iter().map(|p| bytes(p)));
    let mut found_set = set(found.len());
    found_set.extend(found.iter().map(|p| bytes(p)));
    let mut skipped: Vec<&PathBuf> = found
        .iter()
        .filter(|path| !checked.contains(bytes(path)) && !failed_set.contains(bytes(path)))
        .collect();
    // Only the few skipped files need sorting.
    skipped.sort();
    skipped.dedup();
    report.skipped = skipped
        .into_iter()
        .map(|path| SkippedFile {
            reason: skip_reason(path).to_owned(),
            path: path.clone(),
        })
        .collect();
    report.failed = failed.len();
    if report.strict {
        // A gate that must not pass on partial coverage: each skip is an error.
        for skipped in &report.skipped {
            report.input_errors.push(InputError::new(
                &skipped.path,
                format!("skipped: {} (--strict)", skipped.reason),
                InputErrorLocation::None,
            ));
        }
    }
    // Found, checked or failed: each file once.
    let checked_only = checked.iter().filter(|p| !found_set.contains(*p)).count();
    let failed_only = failed_set
        .iter()
        .filter(|p| !found_set.contains(*p) && !checked.contains(*p))
        .count();
    report.found = found_set.len() + checked_only + failed_only;
}

/// Why a file found by name was not read, by what it is.
fn skip_reason(path: &Path) -> &'static str {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if path.is_symlink() {
        "a symlink (of symlinked files only .tf files are read)"
    } else if crate::walk::is_json_file(path) {
        "JSON that is not a Terraform plan, state or tenant export"
    } else if path.extension().is_some_and(|e| e == "ps1") {
        "PowerShell that is not a Microsoft365DSC configuration"
    } else if crate::walk::is_tenant_candidate(path) {
        "YAML that is not a native tenant file"
    } else if name == "configure" {
        "`configure` that is not an Exim configuration"
    } else if name == "master.cf" {
        "master.cf without a main.cf beside it"
    } else if crate::walk::is_terraform_file(path) {
        "a .tf file outside any module that was read"
    } else {
        "not read"
    }
}

/// Variable values from outside the module, in Terraform's precedence: the
/// environment first (lowest), then the configuration's `var-files`, then
/// `--var-file`, then `--var`. A module's own auto-loaded tfvars slot in
/// between the environment and the rest (see `terraform_document`).
pub(crate) fn external_var_sources(
    inputs: &TerraformInputs,
    config: &Config,
    max_bytes: u64,
    errors: &mut Vec<InputError>,
) -> ExternalVars {
    let env = inputs
        .env
        .iter()
        .map(|(name, raw)| VarSource::Env {
            name: name.clone(),
            raw: raw.clone(),
        })
        .collect();
    let mut later = Vec::new();
    for path in config.var_files.iter().chain(&inputs.var_files) {
        match read_source(path, max_bytes) {
            Ok(file) if path.extension().is_some_and(|e| e == "json") => {
                later.push(VarSource::TfvarsJson(file))
            }
            Ok(file) => later.push(VarSource::Tfvars(file)),
            Err(err) => errors.push(err),
        }
    }
    later.extend(inputs.vars.iter().map(|(name, raw)| VarSource::Cli {
        name: name.clone(),
        raw: raw.clone(),
    }));
    ExternalVars { env, later }
}

/// The built-in suppression checks a configuration's selection keeps, and
/// the ids of every loaded policy.
pub(crate) struct MetaPolicies {
    pub(crate) selected: Vec<Arc<Policy>>,
    pub(crate) loaded: BTreeSet<String>,
    /// The engine's catalogue, BAA register and PHI scope, as text, for
    /// the result cache's key (all are lists, so the text is stable).
    pub(crate) catalogue: String,
}

pub(crate) fn build_engine(
    options: &CheckOptions,
    config: &Config,
    report: &mut CheckReport,
) -> (Engine, MetaPolicies) {
    let mut dirs = config.policy_dirs.clone();
    dirs.extend(options.policy_dirs.iter().cloned());
    let mut set = load_policies(&options.bundled, &dirs);
    let meta_policies = crate::suppress::meta_policies();
    // The suppression checks can be selected and ignored like any policy.
    set.policies.extend(meta_policies.iter().cloned());
    let loaded: BTreeSet<String> = set.policies.iter().map(|p| p.id.clone()).collect();
    for error in set.errors {
        if !report
            .policy_errors
            .iter()
            .any(|e| e.to_string() == error.to_string())
        {
            report.policy_errors.push(error);
        }
    }
    let select = options.select.clone().or_else(|| {
        config
            .select
            .as_ref()
            .map(|s| s.iter().map(|s| s.name.clone()).collect())
    });
    let mut ignore: Vec<String> = config.ignore.iter().map(|s| s.name.clone()).collect();
    ignore.extend(options.ignore.iter().cloned());
    let selection = Selection { select, ignore };
    for unknown in selection.unknown_selectors(&set.policies) {
        let located = config
            .select
            .iter()
            .flatten()
            .chain(&config.ignore)
            .find(|selector| selector.name == unknown)
            .and_then(|selector| config.path.clone().map(|path| (path, selector.position)));
        let (path, position) = located.unwrap_or_else(|| (PathBuf::from("<command line>"), None));
        report.config_errors.push(ConfigError {
            path,
            position,
            message: format!("`{unknown}` names no policy and no safeguard"),
        });
    }
    let (meta_selected, policies): (Vec<_>, Vec<_>) = set
        .policies
        .into_iter()
        .filter(|p| selection.allows(p))
        .partition(|p| meta_policies.iter().any(|m| Arc::ptr_eq(m, p)));
    report.policies = report.policies.max(policies.len());
    let (register, register_errors) = build_register(
        &config.baa,
        &set.vendors,
        config.path.as_ref(),
        &today_utc(),
    );
    for error in register_errors {
        if !report
            .config_errors
            .iter()
            .any(|e| e.to_string() == error.to_string())
        {
            report.config_errors.push(error);
        }
    }
    let baa = BaaContext {
        vendors: set.vendors,
        services: set.services,
        register,
    };
    let catalogue = format!("{baa:?}\n{:?}", config.phi);
    let engine = Engine::new(policies.into_iter().map(|p| Arc::clone(&p)).collect())
        .with_phi_scope(config.phi.clone())
        .with_baa(Arc::new(baa));
    let meta = MetaPolicies {
        selected: meta_selected,
        loaded,
        catalogue,
    };
    (engine, meta)
}

fn sort_input_errors(errors: &mut [InputError]) {
    let key = |error: &InputError| -> (PathBuf, u32, u32) {
        let (line, column) = match &error.location {
            InputErrorLocation::None => (0, 0),
            InputErrorLocation::Position { line, column } => (*line, *column),
            InputErrorLocation::Span { file, span } => {
                let lc = file.line_column(span.start, ColumnUnit::Chars);
                (lc.line, lc.column)
            }
        };
        (error.path.clone(), line, column)
    };
    errors.sort_by_cached_key(key);
}
