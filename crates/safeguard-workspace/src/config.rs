use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use globset::{Glob, GlobSet, GlobSetBuilder};
use safeguard_policy::Severity;
use safeguard_source::{ColumnUnit, LineIndex, Span, decode};
use serde::Deserialize;
use thiserror::Error;

use crate::baa_register::RegisterEntry;
use toml::Spanned;

pub const CONFIG_FILE_NAME: &str = "safeguard.toml";

/// A configuration file mistake, located.
#[derive(Debug, Clone, Error)]
#[error("{}{}: {message}", path.display(), position.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based line and character column.
    pub position: Option<(u32, u32)>,
    pub message: String,
}

/// `safeguard.toml` as written. Unknown keys are errors: a misspelt
/// `exlude` must not silently scan what the user meant to skip.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    policies: Vec<Spanned<String>>,
    #[serde(default)]
    select: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    var_files: Vec<Spanned<String>>,
    phi: Option<RawPhi>,
    postfix: Option<RawPostfix>,
    mail: Option<RawMail>,
    tenant: Option<RawTenant>,
    #[serde(default)]
    baa: Vec<RawBaa>,
    #[serde(default)]
    exceptions: Vec<Spanned<RawException>>,
    limits: Option<crate::limits::RawLimits>,
}

/// `[[exceptions]]`: an accepted finding, for inputs without comments (JSON
/// exports) and organisation-wide decisions.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawException {
    rule: Spanned<String>,
    path: Option<Spanned<String>>,
    object: Option<Spanned<String>>,
    reason: Option<String>,
    until: Option<Spanned<String>>,
    approved_by: Option<String>,
}

/// One `[[exceptions]]` entry, checked: its globs compiled, its date valid.
#[derive(Debug, Clone)]
pub struct Exception {
    pub rule: String,
    /// Matched against the finding's path relative to the configuration's
    /// directory; `None` matches every path.
    pub path: Option<globset::GlobMatcher>,
    /// Matched against the object's address with `*` and `?` as the only
    /// wildcards (addresses hold brackets: `aws_db_instance.db[0]`); `None`
    /// matches every object.
    pub object: Option<String>,
    /// Empty when none was written (then the exception does not apply).
    pub reason: String,
    pub until: Option<String>,
    pub approved_by: Option<String>,
    /// Where the entry is written in safeguard.toml.
    pub span: Span,
}

/// `[[baa]]`: one signed Business Associate Agreement.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawBaa {
    vendor: Spanned<String>,
    signed: Spanned<String>,
    expires: Option<Spanned<String>>,
    reference: Option<String>,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    providers: Vec<String>,
    #[serde(default)]
    resource_prefixes: Vec<String>,
}

/// `[postfix]`: what safeguard assumes about the installation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPostfix {
    /// `"3.7"`: the release whose defaults apply.
    version: Option<Spanned<String>>,
    /// Replaces main.cf's `compatibility_level`.
    compatibility_level: Option<Spanned<String>>,
}

/// `[mail]`: where mail-server configurations are, beyond detection.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMail {
    #[serde(default)]
    paths: Vec<RawMailPath>,
}

/// `[tenant]`: tenant exports detection would miss (another extension or
/// name).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTenant {
    #[serde(default)]
    paths: Vec<RawMailPath>,
}

/// `[[mail.paths]]` / `[[tenant.paths]]`: one input and its format.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMailPath {
    path: Spanned<String>,
    format: Spanned<String>,
}

/// `[phi]`: the tag that marks data stores holding PHI.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPhi {
    tag: String,
    #[serde(default = "default_phi_values")]
    values: Vec<String>,
}

fn default_phi_values() -> Vec<String> {
    vec!["phi".to_owned()]
}

/// A loaded configuration. Relative paths and globs are resolved against the
/// directory holding the file.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file, or `None` for the built-in defaults.
    pub path: Option<PathBuf>,
    pub root: PathBuf,
    pub policy_dirs: Vec<PathBuf>,
    pub select: Option<Vec<Selector>>,
    pub ignore: Vec<Selector>,
    pub fail_on: Option<Severity>,
    pub exclude: GlobSet,
    /// Terraform variable files (`var-files`), applied to every module scanned.
    pub var_files: Vec<PathBuf>,
    /// The tag marking PHI data stores, for `phi-only` policies.
    pub phi: Option<safeguard_engine::PhiScope>,
    /// The organisation's register of signed BAAs, as written (checked
    /// against the vendor catalogue when the policies are loaded).
    pub baa: Vec<RegisterEntry>,
    /// `[[exceptions]]`, in file order.
    pub exceptions: Vec<Exception>,
    /// The configuration's text, so findings about its exceptions can point
    /// into it.
    pub source: Option<safeguard_source::SourceFile>,
    /// `[postfix]`: the assumed release and compatibility level.
    pub postfix: safeguard_mail::PostfixOptions,
    /// `[[mail.paths]]`: configurations named explicitly, read as their
    /// format whatever their file names.
    pub mail_paths: Vec<MailPath>,
    /// `[[tenant.paths]]`: exports read as the named tenant format whatever
    /// their names (`m365` or `google-workspace`).
    pub tenant_paths: Vec<(PathBuf, safeguard_model::Format)>,
    /// `[limits]`: resource limits (defaults when absent).
    pub limits: crate::Limits,
}

/// A mail-server configuration named in `safeguard.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailPath {
    /// Resolved against the configuration's directory. For Postfix a
    /// directory (holding `main.cf` and optionally `master.cf`) or a file
    /// read as main.cf (with `master.cf` beside it); for Dovecot a file
    /// read as `dovecot.conf`, or a directory holding `dovecot.conf`.
    pub path: PathBuf,
    pub format: MailFormat,
}

/// The formats a `[[mail.paths]]` entry may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailFormat {
    Postfix,
    Dovecot,
    Exim,
}

impl MailFormat {
    /// The file read in a directory `[[mail.paths]]` names in this format.
    pub(crate) fn usual_file(self) -> &'static str {
        match self {
            MailFormat::Postfix => "main.cf",
            MailFormat::Dovecot => "dovecot.conf",
            MailFormat::Exim => "exim.conf",
        }
    }
}

/// A rule id or safeguard name from `select`/`ignore`, with its 1-based
/// line and column in the file for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    pub name: String,
    pub position: Option<(u32, u32)>,
}

/// The nearest `safeguard.toml` at or above `start` (a file's directory for a file).
#[must_use]
pub fn discover_config(start: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(start).ok()?;
    let mut dir = if absolute.is_file() {
        absolute.parent()?.to_path_buf()
    } else {
        absolute
    };
    loop {
        let candidate = dir.join(CONFIG_FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// Reads and validates a configuration file.
///
/// # Errors
/// Every problem found, each located in the file.
pub fn load_config(path: &Path) -> Result<Config, Vec<ConfigError>> {
    let error = |position, message: String| ConfigError {
        path: path.to_path_buf(),
        position,
        message,
    };
    // The configuration may come from an untrusted tree too: bound it.
    let size = fs::metadata(path)
        .map_err(|err| vec![error(None, format!("cannot read configuration: {err}"))])?
        .len();
    if size > crate::limits::DEFAULT_MAX_FILE_SIZE {
        return Err(vec![error(
            None,
            format!(
                "configuration is {size} bytes, over the {}-byte limit; not read",
                crate::limits::DEFAULT_MAX_FILE_SIZE
            ),
        )]);
    }
    let bytes = fs::read(path)
        .map_err(|err| vec![error(None, format!("cannot read configuration: {err}"))])?;
    let (text, _) = decode(&bytes).map_err(|err| vec![error(err.position(), err.to_string())])?;
    let index = LineIndex::new(&text);
    let position = |range: std::ops::Range<usize>| {
        let lc = index.line_column(Span::from_range(range).start, &text, ColumnUnit::Chars);
        Some((lc.line, lc.column))
    };
    let raw: RawConfig = toml::from_str(&text).map_err(|err| {
        let at = err.span().and_then(&position);
        vec![error(at, err.message().trim().to_owned())]
    })?;

    let root = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
    let mut errors = Vec::new();
    let fail_on = raw.fail_on.and_then(|value| {
        Severity::from_str(value.get_ref()).ok().or_else(|| {
            errors.push(error(
                position(value.span()),
                format!(
                    "unknown severity `{}` for fail-on (use critical, high, medium, low or info)",
                    value.get_ref()
                ),
            ));
            None
        })
    });
    let mut globs = GlobSetBuilder::new();
    for pattern in &raw.exclude {
        match Glob::new(pattern.get_ref()) {
            Ok(glob) => {
                globs.add(glob);
            }
            Err(err) => errors.push(error(
                position(pattern.span()),
                format!("invalid exclude glob: {}", err.kind()),
            )),
        }
    }
    let exclude = globs.build().unwrap_or_default();
    let postfix = raw
        .postfix
        .map(|p| postfix_options(p, path, &position, &mut errors))
        .unwrap_or_default();
    let mail_paths: Vec<MailPath> = raw
        .mail
        .map(|m| m.paths)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|entry| {
            let format = match entry.format.get_ref().as_str() {
                "postfix" => MailFormat::Postfix,
                "dovecot" => MailFormat::Dovecot,
                "exim" => MailFormat::Exim,
                other => {
                    errors.push(error(
                        position(entry.format.span()),
                        format!("unknown mail format `{other}` (use postfix, dovecot or exim)"),
                    ));
                    return None;
                }
            };
            let path = root.join(entry.path.get_ref());
            if !path.exists() {
                errors.push(error(
                    position(entry.path.span()),
                    format!("mail path `{}` does not exist", entry.path.get_ref()),
                ));
                return None;
            }
            Some(MailPath { path, format })
        })
        .collect();
    let tenant_paths: Vec<(PathBuf, safeguard_model::Format)> = raw
        .tenant
        .map(|t| t.paths)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|entry| {
            let format = match entry.format.get_ref().as_str() {
                "m365" => safeguard_model::Format::M365,
                "google-workspace" => safeguard_model::Format::GoogleWorkspace,
                other => {
                    errors.push(error(
                        position(entry.format.span()),
                        format!("unknown tenant format `{other}` (use m365 or google-workspace)"),
                    ));
                    return None;
                }
            };
            let path = root.join(entry.path.get_ref());
            if !path.is_file() {
                errors.push(error(
                    position(entry.path.span()),
                    format!("tenant export `{}` is not a file", entry.path.get_ref()),
                ));
                return None;
            }
            Some((path, format))
        })
        .collect();
    let located = |items: Vec<Spanned<String>>| -> Vec<Selector> {
        items
            .into_iter()
            .map(|item| {
                let position = position(item.span());
                Selector {
                    name: item.into_inner(),
                    position,
                }
            })
            .collect()
    };
    let mut baa = Vec::new();
    for raw_baa in raw.baa {
        for date in std::iter::once(&raw_baa.signed).chain(&raw_baa.expires) {
            if !safeguard_policy::is_iso_date(date.get_ref()) {
                errors.push(error(
                    position(date.span()),
                    format!("`{}` is not a date written YYYY-MM-DD", date.get_ref()),
                ));
            }
        }
        let lower = |items: Vec<String>| -> Vec<String> {
            items
                .into_iter()
                .map(|s| s.trim().to_ascii_lowercase())
                .collect()
        };
        baa.push(RegisterEntry {
            vendor_position: position(raw_baa.vendor.span()),
            expires_position: raw_baa.expires.as_ref().and_then(|e| position(e.span())),
            baa: safeguard_policy::RegisteredBaa {
                vendor: raw_baa.vendor.into_inner(),
                signed: raw_baa.signed.into_inner(),
                expires: raw_baa.expires.map(Spanned::into_inner),
                reference: raw_baa.reference,
                hosts: lower(raw_baa.hosts),
                providers: lower(raw_baa.providers),
                resource_prefixes: lower(raw_baa.resource_prefixes),
            },
        });
    }
    let mut exceptions = Vec::new();
    for raw_exception in raw.exceptions {
        let span = Span::from_range(raw_exception.span());
        let raw_exception = raw_exception.into_inner();
        let mut glob = |pattern: Option<Spanned<String>>, what: &str| {
            let pattern = pattern?;
            // `literal_separator`: `*` stays within one path segment, as in .gitignore.
            match globset::GlobBuilder::new(pattern.get_ref())
                .literal_separator(true)
                .build()
            {
                Ok(glob) => Some(glob.compile_matcher()),
                Err(err) => {
                    errors.push(error(
                        position(pattern.span()),
                        format!("invalid {what} glob in [[exceptions]]: {}", err.kind()),
                    ));
                    None
                }
            }
        };
        let path = glob(raw_exception.path, "path");
        let object = raw_exception.object.map(Spanned::into_inner);
        if let Some(until) = &raw_exception.until
            && !safeguard_policy::is_iso_date(until.get_ref())
        {
            errors.push(error(
                position(until.span()),
                format!("`{}` is not a date written YYYY-MM-DD", until.get_ref()),
            ));
        }
        exceptions.push(Exception {
            rule: raw_exception.rule.into_inner(),
            path,
            object,
            reason: raw_exception
                .reason
                .map(|r| r.trim().to_owned())
                .unwrap_or_default(),
            until: raw_exception.until.map(Spanned::into_inner),
            approved_by: raw_exception.approved_by,
            span,
        });
    }
    let mut limits = crate::Limits::default();
    if let Some(raw) = raw.limits {
        let mut positive = |value: Option<Spanned<u64>>, name: &str| {
            let value = value?;
            if *value.get_ref() == 0 {
                errors.push(error(
                    position(value.span()),
                    format!("limits.{name} must be at least 1"),
                ));
                return None;
            }
            Some(*value.get_ref())
        };
        if let Some(v) = positive(raw.max_file_size, "max-file-size") {
            limits.max_file_size = v;
        }
        if let Some(v) = positive(raw.max_instances, "max-instances") {
            limits.max_instances = usize::try_from(v).unwrap_or(usize::MAX);
        }
        if let Some(v) = positive(raw.max_module_depth, "max-module-depth") {
            limits.max_module_depth = usize::try_from(v).unwrap_or(usize::MAX);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let var_files = raw
        .var_files
        .into_iter()
        .map(|p| root.join(p.into_inner()))
        .collect();
    Ok(Config {
        path: Some(path.to_path_buf()),
        policy_dirs: raw
            .policies
            .into_iter()
            .map(|p| root.join(p.into_inner()))
            .collect(),
        root,
        select: raw.select.map(located),
        ignore: located(raw.ignore),
        fail_on,
        exclude,
        var_files,
        phi: raw.phi.map(|phi| safeguard_engine::PhiScope {
            tag: phi.tag,
            values: phi.values,
        }),
        baa,
        postfix,
        mail_paths,
        tenant_paths,
        exceptions,
        source: Some(safeguard_source::SourceFile::new(path, text)),
        limits,
    })
}

/// `[postfix]` into the frontend's options; a malformed value is an error.
fn postfix_options(
    raw: RawPostfix,
    path: &Path,
    position: &dyn Fn(std::ops::Range<usize>) -> Option<(u32, u32)>,
    errors: &mut Vec<ConfigError>,
) -> safeguard_mail::PostfixOptions {
    let mut options = safeguard_mail::PostfixOptions::default();
    if let Some(version) = raw.version {
        let parsed = version
            .get_ref()
            .split_once('.')
            .and_then(|(major, minor)| Some((major.parse().ok()?, minor.parse().ok()?)));
        match parsed {
            Some(pair) => options.version = Some(pair),
            None => errors.push(ConfigError {
                path: path.to_path_buf(),
                position: position(version.span()),
                message: format!(
                    "postfix version `{}` is not MAJOR.MINOR (for example \"3.7\")",
                    version.get_ref()
                ),
            }),
        }
    }
    if let Some(level) = raw.compatibility_level {
        options.compatibility_level = Some(level.into_inner());
    }
    options
}

impl Config {
    /// The defaults for a tree without a `safeguard.toml`.
    #[must_use]
    pub fn default_for(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            ..Self::default()
        }
    }

    /// True when `path` matches an `exclude` glob (relative to the config's directory).
    #[must_use]
    pub fn is_excluded(&self, path: &Path) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let root = std::path::absolute(&self.root).unwrap_or_else(|_| self.root.clone());
        let relative = absolute.strip_prefix(&root).unwrap_or(&absolute);
        self.exclude.is_match(relative)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, Vec<ConfigError>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE_NAME);
        fs::write(&path, text).unwrap();
        load_config(&path).map_err(|errors| {
            errors
                .into_iter()
                .map(|e| ConfigError {
                    path: PathBuf::from("safeguard.toml"),
                    ..e
                })
                .collect()
        })
    }

    #[test]
    fn reads_all_keys() {
        let config = load("policies = [\"extra\"]\nselect = [\"encryption-at-rest\"]\nignore = [\"aws-efs-encrypted\"]\nfail-on = \"medium\"\nexclude = [\"legacy/**\"]\n").unwrap();
        assert!(config.policy_dirs[0].ends_with("extra"));
        assert_eq!(
            config.select.as_ref().unwrap()[0],
            Selector {
                name: "encryption-at-rest".to_owned(),
                position: Some((2, 11))
            }
        );
        assert_eq!(config.fail_on, Some(Severity::Medium));
        assert!(config.is_excluded(&config.root.join("legacy/main.tf")));
        assert!(!config.is_excluded(&config.root.join("prod/main.tf")));
    }

    #[test]
    fn unknown_key_is_a_located_error() {
        let errors = load("fail-on = \"high\"\nexlude = [\"x\"]\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        let text = errors[0].to_string();
        assert!(
            text.starts_with("safeguard.toml:2:1: unknown field `exlude`"),
            "{text}"
        );
    }

    #[test]
    fn postfix_options_and_mail_paths() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("mail/relay")).unwrap();
        fs::write(dir.path().join("imap.conf"), "").unwrap();
        let path = dir.path().join(CONFIG_FILE_NAME);
        fs::write(
            &path,
            "[postfix]\nversion = \"3.5\"\ncompatibility-level = \"2\"\n\n[[mail.paths]]\npath = \"mail/relay\"\nformat = \"postfix\"\n\n[[mail.paths]]\npath = \"imap.conf\"\nformat = \"dovecot\"\n",
        )
        .unwrap();
        let config = load_config(&path).unwrap();
        assert_eq!(config.postfix.version, Some((3, 5)));
        assert_eq!(config.postfix.compatibility_level.as_deref(), Some("2"));
        assert_eq!(
            config.mail_paths,
            vec![
                MailPath {
                    path: dir.path().join("mail/relay"),
                    format: MailFormat::Postfix
                },
                MailPath {
                    path: dir.path().join("imap.conf"),
                    format: MailFormat::Dovecot
                },
            ]
        );
        let errors = load("[[mail.paths]]\npath = \"nowhere\"\nformat = \"postfix\"\n[postfix]\nrelease = \"3.7\"\n").unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "safeguard.toml:5:1: unknown field `release`, expected `version` or `compatibility-level`"
        );
        let errors =
            load("[[mail.paths]]\npath = \"nowhere\"\nformat = \"postfix\"\n").unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "safeguard.toml:2:8: mail path `nowhere` does not exist"
        );
    }

    #[test]
    fn bad_severity_is_located() {
        let errors = load("fail-on = \"severe\"\n").unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "safeguard.toml:1:11: unknown severity `severe` for fail-on (use critical, high, medium, low or info)"
        );
    }

    #[test]
    fn discovery_finds_the_nearest_file_upward() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("a/b")).unwrap();
        fs::write(dir.path().join(CONFIG_FILE_NAME), "").unwrap();
        fs::write(dir.path().join("a").join(CONFIG_FILE_NAME), "").unwrap();
        let found = discover_config(&dir.path().join("a/b")).unwrap();
        assert_eq!(
            found,
            std::path::absolute(dir.path().join("a").join(CONFIG_FILE_NAME)).unwrap()
        );
    }
}
