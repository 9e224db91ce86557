use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use safeguard_engine::{Engine, Finding, sort_findings};
use safeguard_model::{InputError, InputErrorLocation};
use safeguard_policy::{
    BaaContext, Policy, PolicyError, PolicySet, Severity, load_dir, load_sources,
};
use safeguard_source::{ColumnUnit, SourceFile};
use safeguard_terraform::VarSource;

use crate::baa_register::{build_register, today_utc};
use crate::config::MailFormat;
use crate::frontends::{ExternalVars, PostfixUnit, read_source, terraform_document};
use crate::walk::{MailFiles, collect_units, merge_units};
use crate::{Config, ConfigError, Selection, discover_config, load_config};

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
    /// Resource limits from the command line, over the configuration's.
    pub limits: crate::LimitOverrides,
    /// A skipped or failed file makes the run an error (exit 2).
    pub strict: bool,
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
    /// Every verdict, passes included, sorted by path, position and rule.
    pub findings: Vec<Finding>,
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
}

impl CheckReport {
    #[must_use]
    pub fn has_errors(&self) -> bool {
        !(self.input_errors.is_empty()
            && self.policy_errors.is_empty()
            && self.config_errors.is_empty())
    }
}

/// A file found but not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    pub path: PathBuf,
    pub reason: String,
}

/// Judges a JSON file if it is a Terraform plan or state; `None` for any
/// other JSON (it is not ours to read, and not counted).
fn plan_result(path: &Path, engine: &Engine, max_bytes: u64) -> Option<UnitResult> {
    let file = match read_source(path, max_bytes) {
        Ok(file) => file,
        // Whether it is a plan cannot be known: report it rather than lose it.
        Err(err) => {
            let mut document = safeguard_model::Document::new(
                safeguard_model::Format::Terraform,
                path.display().to_string(),
            );
            document.errors.push(err);
            return Some(UnitResult::judge(path, true, document, engine));
        }
    };
    if !safeguard_terraform::looks_like_plan(file.text()) {
        return None;
    }
    Some(UnitResult::judge(
        path,
        true,
        safeguard_terraform::plan_document(file),
        engine,
    ))
}

/// Judges a Postfix configuration directory (`main.cf`, and `master.cf`
/// when present).
fn postfix_result(
    unit: &PostfixUnit,
    options: &safeguard_mail::PostfixOptions,
    engine: &Engine,
    max_bytes: u64,
) -> UnitResult {
    let (mut document, unreadable) = crate::frontends::postfix_document(unit, options, max_bytes);
    document.errors.splice(0..0, unreadable);
    UnitResult::judge(&unit.dir, true, document, engine)
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
    let absolute =
        |p: &Path| crate::walk::clean(&std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()));
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
    // Shown as the user would write them: relative to the working directory.
    let shown = |p: &Path| {
        let cwd = std::env::current_dir().unwrap_or_default();
        crate::walk::clean(absolute(p).strip_prefix(&cwd).unwrap_or(p))
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
        match mapping.format {
            MailFormat::Postfix => {
                let main = if is_dir { dir.join("main.cf") } else { path };
                mapped.push(PostfixUnit {
                    root: root_of(&dir).unwrap_or_else(|| dir.clone()),
                    dir,
                    main,
                });
            }
            MailFormat::Dovecot => {
                dovecot_files.push(if is_dir {
                    dir.join("dovecot.conf")
                } else {
                    path
                });
            }
            MailFormat::Exim => {
                exim_files.push(if is_dir { dir.join("exim.conf") } else { path });
            }
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
fn dovecot_result(file: &Path, root: &Path, engine: &Engine, max_bytes: u64) -> UnitResult {
    let (mut document, unreadable) = crate::frontends::dovecot_document(file, root, max_bytes);
    document.errors.splice(0..0, unreadable);
    UnitResult::judge(file, true, document, engine)
}

/// Judges an Exim configuration (and what it includes); `None` for a
/// `configure` file that is not Exim's.
fn exim_result(file: &Path, root: &Path, engine: &Engine, max_bytes: u64) -> Option<UnitResult> {
    let (mut document, unreadable) = crate::frontends::exim_document(file, root, max_bytes)?;
    document.errors.splice(0..0, unreadable);
    Some(UnitResult::judge(file, true, document, engine))
}

/// What judging one unit produced.
struct UnitResult {
    dir: PathBuf,
    /// The user named files of this unit on the command line.
    named: bool,
    findings: Vec<Finding>,
    errors: Vec<InputError>,
    notes: Vec<InputError>,
    files: Vec<PathBuf>,
    /// The files findings may point into, for suppression comments.
    sources: Vec<SourceFile>,
    objects: usize,
    included_dirs: Vec<PathBuf>,
}

impl UnitResult {
    /// Judges a document and keeps what the report needs of it; the
    /// document itself is dropped here.
    fn judge(
        dir: &Path,
        named: bool,
        document: safeguard_model::Document,
        engine: &Engine,
    ) -> Self {
        let findings = engine.evaluate(&document);
        UnitResult {
            dir: dir.to_path_buf(),
            named,
            findings,
            files: document
                .files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect(),
            sources: document.files.clone(),
            objects: document.objects.len(),
            errors: document.errors,
            notes: document.notes,
            included_dirs: document.included_dirs,
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

/// Runs a check. Never fails as a whole: every problem is in the report.
#[must_use]
pub fn check(options: &CheckOptions) -> CheckReport {
    let threads = options
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
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
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build();
    let mut fail_on_from_config = None;
    let mut found_files: BTreeSet<PathBuf> = BTreeSet::new();
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
        let (engine, meta) = build_engine(options, &config, &mut report);

        let mut units = Vec::new();
        let mut json_files = Vec::new();
        let mut mail = MailFiles::default();
        for path in &paths {
            units.extend(collect_units(
                path,
                &config,
                threads,
                &mut report.input_errors,
                &mut json_files,
                &mut mail,
            ));
        }
        json_files.sort();
        json_files.dedup();
        let MailFiles {
            postfix_dirs: mut mail_dirs,
            dovecot: mut dovecot_files,
            exim: exim_files,
            found,
        } = mail;
        found_files.extend(found);
        mail_dirs.sort();
        mail_dirs.dedup();
        dovecot_files.sort();
        dovecot_files.dedup();
        let (postfix_units, dovecot_files, exim_files) =
            mail_units(&paths, &config, mail_dirs, dovecot_files, exim_files);
        // Dovecot and Exim includes are read only inside the scanned root.
        let include_root = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
        let units = merge_units(units);
        let limits = config.limits.with(&options.limits);
        let max = limits.max_file_size;
        let var_sources =
            external_var_sources(&options.terraform, &config, max, &mut report.input_errors);
        let evaluate = || {
            units
                .par_iter()
                .map(|unit| {
                    let document = terraform_document(unit, &var_sources, limits);
                    let mut result =
                        UnitResult::judge(&unit.dir, unit.report_only.is_some(), document, &engine);
                    if let Some(only) = &unit.report_only {
                        result
                            .findings
                            .retain(|f| only.iter().any(|p| p == f.file.path()));
                        result
                            .sources
                            .retain(|f| only.iter().any(|p| p == f.path()));
                    }
                    result
                })
                .collect::<Vec<_>>()
        };
        let plans = || {
            json_files
                .par_iter()
                .filter_map(|path| plan_result(path, &engine, max))
                .collect::<Vec<_>>()
        };
        let mail = || {
            postfix_units
                .par_iter()
                .map(|unit| postfix_result(unit, &config.postfix, &engine, max))
                .collect::<Vec<_>>()
        };
        let dovecot = || {
            dovecot_files
                .par_iter()
                .map(|file| dovecot_result(file, &include_root, &engine, max))
                .collect::<Vec<_>>()
        };
        let exim = || {
            exim_files
                .par_iter()
                .filter_map(|file| exim_result(file, &include_root, &engine, max))
                .collect::<Vec<_>>()
        };
        let (mut results, (plan_results, (mail_results, (dovecot_results, exim_results)))) =
            match &pool {
                Ok(pool) => pool.install(|| (evaluate(), (plans(), (mail(), (dovecot(), exim()))))),
                Err(_) => (evaluate(), (plans(), (mail(), (dovecot(), exim())))),
            };
        results.extend(plan_results);
        results.extend(mail_results);
        results.extend(dovecot_results);
        results.extend(exim_results);
        // A directory some scanned module calls as a local module was judged
        // there, with the caller's arguments; judging it again on its own
        // would repeat findings (or guess at its inputs). Named files are
        // always reported.
        let kept = kept_results(&results);
        let mut counted: HashSet<PathBuf> = HashSet::new();
        let mut findings = Vec::new();
        let mut sources: BTreeMap<PathBuf, SourceFile> = BTreeMap::new();
        for (result, keep) in results.into_iter().zip(kept) {
            if !keep {
                continue;
            }
            findings.extend(result.findings);
            for source in result.sources {
                sources.entry(source.path().to_path_buf()).or_insert(source);
            }
            report.input_errors.extend(result.errors);
            report.notes.extend(result.notes);
            counted.extend(result.files);
            report.objects += result.objects;
        }
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
        let sources: Vec<SourceFile> = sources.into_values().collect();
        let extra =
            crate::suppress::apply(&mut findings, &sources, &context, &mut report.input_errors);
        report.findings.extend(findings);
        report.findings.extend(extra);
        for policy in engine.policies().iter().chain(&meta.selected) {
            if !report.rules.iter().any(|p| p.id == policy.id) {
                report.rules.push(Arc::clone(policy));
            }
        }
    }
    report.rules.sort_by(|a, b| a.id.cmp(&b.id));
    report.inputs.sort();
    report.inputs.dedup();
    account_for_files(&mut report, found_files);
    if options.fail_on.is_none() {
        report.fail_on = fail_on_from_config.unwrap_or(Severity::Info);
    }
    sort_findings(&mut report.findings);
    sort_input_errors(&mut report.input_errors);
    sort_input_errors(&mut report.notes);
    report
}

/// Which results to report. A directory some scanned module calls as a
/// local module is dropped when a reported result read it (it was judged
/// there with the caller's arguments). Named files are always reported. In
/// a module cycle (A calls B calls A) each directory includes the other, so
/// neither counts as the other's caller; and a module that only a dropped
/// result read (one cut off by the module-depth limit) is reported on its
/// own rather than lost.
fn kept_results(results: &[UnitResult]) -> Vec<bool> {
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
        .map(|r| r.named || !included.contains(&r.dir))
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
    while let Some(index) =
        (0..results.len()).find(|&i| !kept[i] && !covered.contains(&results[i].dir))
    {
        kept[index] = true;
        covered.insert(&results[index].dir);
        covered.extend(&results[index].included_dirs);
    }
    kept
}

/// Every file found is checked, skipped (with the reason) or failed (an
/// input error names it): nothing found is lost without a word.
fn account_for_files(report: &mut CheckReport, found: BTreeSet<PathBuf>) {
    let checked: BTreeSet<&PathBuf> = report.inputs.iter().collect();
    let failed: BTreeSet<PathBuf> = report
        .input_errors
        .iter()
        .map(|e| crate::walk::clean(&e.path))
        .collect();
    report.skipped = found
        .iter()
        .filter(|path| !checked.contains(path) && !failed.contains(*path))
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
    report.found = found
        .into_iter()
        .chain(report.inputs.iter().cloned())
        .chain(failed)
        .collect::<BTreeSet<_>>()
        .len();
}

/// Why a file found by name was not read, by what it is.
fn skip_reason(path: &Path) -> &'static str {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if path.is_symlink() {
        "a symlink (of symlinked files only .tf files are read)"
    } else if crate::walk::is_json_file(path) {
        "JSON that is not a Terraform plan or state"
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
fn external_var_sources(
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
struct MetaPolicies {
    selected: Vec<Arc<Policy>>,
    loaded: BTreeSet<String>,
}

fn build_engine(
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
    let engine = Engine::new(policies.into_iter().map(|p| Arc::clone(&p)).collect())
        .with_phi_scope(config.phi.clone())
        .with_baa(Arc::new(BaaContext {
            vendors: set.vendors,
            services: set.services,
            register,
        }));
    let meta = MetaPolicies {
        selected: meta_selected,
        loaded,
    };
    (engine, meta)
}

fn sort_input_errors(errors: &mut [InputError]) {
    let key = |error: &InputError| -> (PathBuf, u32, u32) {
        let (line, column) = match &error.location {
            InputErrorLocation::None => (0, 0),
            InputErrorLocation::Position { line, column } => (*line, *column),
            InputErrorLocation::Span { file, span } => {
                let lc = file
                    .line_index()
                    .line_column(span.start, file.text(), ColumnUnit::Chars);
                (lc.line, lc.column)
            }
        };
        (error.path.clone(), line, column)
    };
    errors.sort_by_cached_key(key);
}
