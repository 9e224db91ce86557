//! The baseline file (`--write-baseline`, `--baseline`): today's findings by
//! fingerprint, so a pull request fails only on new ones. A finding fixed
//! since drops out when the baseline is rewritten, and is counted as fixed
//! meanwhile.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use safeguard_engine::Status;
use safeguard_workspace::CheckReport;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::fingerprint::fingerprint;
use crate::location::display_path;

#[derive(Debug, Error)]
pub enum BaselineError {
    #[error("cannot read baseline {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a safeguard baseline: {source}", path.display())]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{}: baseline version {version} is not supported (expected 1)", path.display())]
    Version { path: PathBuf, version: u32 },
}

/// The file's contents. `rule`, `file` and `object` are for people reading
/// it in review; only `fingerprint` is compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub file: String,
    pub rule: String,
    pub object: String,
    pub fingerprint: String,
}

/// What applying a baseline did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BaselineOutcome {
    /// Findings present in the baseline, left out of the report.
    pub known: usize,
    /// Baseline entries no current finding matches: fixed (or moved to
    /// another file or renamed) since it was written.
    pub fixed: usize,
}

impl Baseline {
    /// Today's unsuppressed failures and unknowns, sorted, one per fingerprint.
    #[must_use]
    pub fn from_report(report: &CheckReport, cwd: &Path) -> Self {
        let mut entries: Vec<BaselineEntry> = report
            .findings
            .iter()
            .filter(|f| f.status != Status::Pass && f.suppression.is_none())
            .map(|f| BaselineEntry {
                file: display_path(f.file.path(), cwd),
                rule: f.policy.id.clone(),
                object: f.object.clone(),
                fingerprint: fingerprint(f, cwd),
            })
            .collect();
        entries.sort();
        let mut seen = BTreeSet::new();
        entries.retain(|e| seen.insert(e.fingerprint.clone()));
        Self {
            version: 1,
            findings: entries,
        }
    }

    /// # Errors
    /// An unreadable file, invalid JSON or an unsupported version.
    pub fn read(path: &Path) -> Result<Self, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let baseline: Baseline =
            serde_json::from_str(&text).map_err(|source| BaselineError::Parse {
                path: path.to_path_buf(),
                source,
            })?;
        if baseline.version != 1 {
            return Err(BaselineError::Version {
                path: path.to_path_buf(),
                version: baseline.version,
            });
        }
        Ok(baseline)
    }

    /// Pretty JSON with a trailing newline, so the file diffs well in review.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// Drops the findings the baseline knows from the report and counts the
/// baseline entries nothing matched any more. Suppressed findings stay: they
/// are accounted for by their suppression.
pub fn apply_baseline(
    report: &mut CheckReport,
    baseline: &Baseline,
    cwd: &Path,
) -> BaselineOutcome {
    let known: BTreeSet<&str> = baseline
        .findings
        .iter()
        .map(|e| e.fingerprint.as_str())
        .collect();
    let mut matched: BTreeSet<String> = BTreeSet::new();
    let before = report.findings.len();
    report.findings.retain(|f| {
        if f.status == Status::Pass || f.suppression.is_some() {
            return true;
        }
        let print = fingerprint(f, cwd);
        if known.contains(print.as_str()) {
            matched.insert(print);
            false
        } else {
            true
        }
    });
    BaselineOutcome {
        known: before - report.findings.len(),
        fixed: known.len() - matched.len(),
    }
}
