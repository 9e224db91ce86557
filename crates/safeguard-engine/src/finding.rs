use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use safeguard_policy::Policy;
use safeguard_source::{SourceFile, Span};

/// The verdict of one policy on one object (or document).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Pass,
    Fail,
    Unknown,
}

impl Status {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One policy's verdict on one object, located in its file.
#[derive(Debug, Clone)]
pub struct Finding {
    pub policy: Arc<Policy>,
    pub status: Status,
    /// The policy's message for this object (empty for a pass).
    pub message: String,
    /// What was observed: why it failed, or why it cannot be known.
    pub reason: Option<String>,
    pub file: SourceFile,
    /// The attribute responsible, or the whole object when none is.
    pub span: Span,
    /// The narrower span to underline: the attribute, or the object's header.
    pub label_span: Span,
    /// The object's address (the document's for document-scope policies).
    pub object: String,
    /// The file holding the object itself, which differs from `file` when
    /// the culprit is a module argument in the caller or a Postfix setting
    /// in main.cf for a master.cf service.
    pub object_file: SourceFile,
    /// The object's header (a block's labels, a service line): a
    /// suppression comment on this line or above it covers the object.
    pub object_span: Span,
    /// Set when an inline suppression or a configured exception accepts
    /// this finding; it then neither is listed (unless asked) nor fails.
    /// Boxed: rare, and a finding is copied and kept by the hundred thousand.
    pub suppression: Option<Box<Suppression>>,
}

/// Where an accepted finding's acceptance is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressionKind {
    /// A `safeguard:ignore` comment in the scanned file.
    InSource,
    /// An `[[exceptions]]` entry in safeguard.toml.
    External,
}

impl SuppressionKind {
    /// SARIF's names for the two kinds.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::InSource => "inSource",
            SuppressionKind::External => "external",
        }
    }
}

/// Why a finding is accepted, and on whose word, for auditors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub kind: SuppressionKind,
    /// The reason written with the suppression (never empty: a reason-less
    /// suppression does not suppress).
    pub justification: String,
    /// `YYYY-MM-DD`; the suppression stops applying after this day.
    pub until: Option<String>,
    /// `approved-by` of an exception.
    pub approved_by: Option<String>,
    /// Where it is written: the comment, or the exception in safeguard.toml.
    pub file: std::path::PathBuf,
    /// 1-based line of the comment or the exception.
    pub line: u32,
}

/// Sorts findings by path, start offset and rule id, then object and status,
/// so output is byte-identical run to run whatever the evaluation order.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(compare_findings);
}

/// The order of [`sort_findings`], for callers that sort in parallel (a
/// stable parallel sort with it gives the same order).
#[must_use]
pub fn compare_findings(a: &Finding, b: &Finding) -> Ordering {
    // Findings of one file share its buffer; otherwise compare the paths'
    // bytes, which orders as deterministically as components and costs far
    // less over hundreds of thousands of findings.
    let by_path = if a.file.ptr_eq(&b.file) {
        Ordering::Equal
    } else {
        a.file.path().as_os_str().cmp(b.file.path().as_os_str())
    };
    by_path
        .then(a.span.start.cmp(&b.span.start))
        .then_with(|| a.policy.id.cmp(&b.policy.id))
        .then_with(|| a.object.cmp(&b.object))
        .then(a.status.cmp(&b.status))
        .then(a.span.end.cmp(&b.span.end))
}
