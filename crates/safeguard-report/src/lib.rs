//! The report crate owns the edges: turning a [`CheckReport`] into what people
//! and machines read. One emitter per format, each in its own module: `human`
//! (miette snippets with the citation and remediation), `json` (the stable
//! contract in docs/json-output.md), `sarif` (2.1.0, for code scanning),
//! `junit`, `github` (workflow commands), `gitlab` (Code Quality) and
//! `checkstyle`. Byte spans become 1-based lines and character columns only
//! here. It also owns finding fingerprints and the baseline file, and decides
//! the exit code, so every surface agrees on what fails a run.

mod baseline;
mod checkstyle;
mod evidence;
mod fingerprint;
mod github;
mod gitlab;
mod human;
mod json;
mod junit;
mod location;
mod sarif;
mod xml;

use std::path::PathBuf;

use safeguard_engine::{Finding, Status};
use safeguard_workspace::CheckReport;

pub use baseline::{Baseline, BaselineError, BaselineOutcome, apply_baseline};
pub use checkstyle::render_checkstyle;
pub use evidence::{
    SafeguardCounts, render_evidence_html, render_evidence_markdown, safeguard_counts,
};
pub use fingerprint::fingerprint;
pub use github::render_github;
pub use gitlab::render_gitlab;
pub use human::{HumanOptions, render_human};
pub use json::{render_json, write_json};
pub use junit::render_junit;
pub use location::{Position, Range, display_path, finding_range};
pub use sarif::{SHARD_PROPERTY, render_sarif};

/// What to do with findings whose outcome cannot be known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownMode {
    /// List them; they do not fail the run.
    #[default]
    Report,
    /// List them and let them fail the run like failures.
    Fail,
    /// Leave them out of the listing (the summary still counts them).
    Ignore,
}

/// How findings are shown: which are listed and against which directory paths
/// are made relative.
#[derive(Debug, Clone)]
pub struct OutputOptions {
    pub unknown: UnknownMode,
    pub cwd: PathBuf,
    /// List suppressed findings too (`--show-suppressed`), marked as such.
    pub show_suppressed: bool,
    /// What `--baseline` left out, for the summaries.
    pub baseline: Option<BaselineOutcome>,
}

impl OutputOptions {
    /// Whether a finding is listed (passes never are; they are counted).
    #[must_use]
    pub fn lists(&self, finding: &Finding) -> bool {
        if finding.suppression.is_some() && !self.show_suppressed {
            return false;
        }
        match finding.status {
            Status::Pass => false,
            Status::Fail => true,
            Status::Unknown => self.unknown != UnknownMode::Ignore,
        }
    }
}

/// The process exit code: 2 for any input, policy or configuration error
/// (findings are still printed), else 1 when a finding at or above the
/// fail-on severity fails (or is unknown, with `--unknown=fail`), else 0.
#[must_use]
pub fn exit_code(report: &CheckReport, unknown: UnknownMode) -> i32 {
    if report.has_errors() {
        return 2;
    }
    let failing = report.findings.iter().any(|f| {
        let counts = f.suppression.is_none() && f.status == Status::Fail
            || (f.status == Status::Unknown && unknown == UnknownMode::Fail);
        counts && f.policy.severity >= report.fail_on
    });
    i32::from(failing)
}

/// Counts by status, for summaries. A suppressed failure or unknown counts
/// only as suppressed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub unknown: usize,
    pub suppressed: usize,
}

/// Counts the report's verdicts, the passes it only counted included.
#[must_use]
pub fn counts(report: &CheckReport) -> Counts {
    let mut counts = Counts {
        pass: report.counted_passes,
        ..Counts::default()
    };
    for finding in &report.findings {
        if finding.suppression.is_some() {
            counts.suppressed += 1;
            continue;
        }
        match finding.status {
            Status::Pass => counts.pass += 1,
            Status::Fail => counts.fail += 1,
            Status::Unknown => counts.unknown += 1,
        }
    }
    counts
}
