//! The three findings about suppressions themselves. They are built in,
//! not YAML policies: they judge comments and configuration entries, not
//! objects of an input format, so they have no examples to run.
//!
//! Their safeguard is `risk-management` (45 CFR 164.308(a)(1)(ii)(B), with
//! the documentation standard 164.316(b)(1)): a suppression is a decision to
//! accept a risk instead of reducing it, and the Security Rule asks for such
//! decisions to be deliberate, justified and kept current. See
//! docs/suppressions.md for why not `audit-logging`.

use std::sync::Arc;

use safeguard_engine::{Finding, Status};
use safeguard_model::Format;
use safeguard_policy::{
    AppliesTo, Condition, Examples, MessageTemplate, Policy, Safeguard, Scope, Severity,
};
use safeguard_source::{SourceFile, Span};

pub const SUPPRESSION_WITHOUT_REASON: &str = "suppression-without-reason";
pub const SUPPRESSION_EXPIRED: &str = "suppression-expired";
pub const UNUSED_SUPPRESSION: &str = "unused-suppression";

/// The built-in meta-policies, in id order.
#[must_use]
pub fn meta_policies() -> Vec<Arc<Policy>> {
    let source = SourceFile::new("<built-in>", "");
    let policy = |id: &str, title: &str, severity, description: &str, remediation: &str| {
        Arc::new(Policy {
            id: id.to_owned(),
            id_span: Span::default(),
            title: title.to_owned(),
            description: Some(description.to_owned()),
            safeguard: Safeguard::RiskManagement,
            citation: Safeguard::RiskManagement.citation().to_owned(),
            severity,
            // Never indexed by the engine (no types): the suppression pass
            // emits these findings itself.
            applies_to: AppliesTo {
                format: Format::Terraform,
                types: Vec::new(),
                scope: Scope::Document,
                phi_only: false,
                phi_tagged_only: false,
            },
            when: None,
            require: Condition::All(Vec::new()),
            message: MessageTemplate::parse(title).unwrap_or_else(|_| {
                MessageTemplate::parse("suppression problem").expect("literal template")
            }),
            remediation: remediation.to_owned(),
            fix: None,
            examples: Examples {
                pass: Vec::new(),
                fail: Vec::new(),
            },
            source: source.clone(),
        })
    };
    vec![
        policy(
            SUPPRESSION_EXPIRED,
            "Suppressions are renewed or removed when they expire",
            Severity::Medium,
            "A suppression or exception past its `until` date no longer accepts its findings, which are reported again. The expiry forces the accepted risk to be reviewed.",
            "Fix the suppressed finding and remove the suppression, or review the risk again and set a new `until` date with an updated reason.",
        ),
        policy(
            SUPPRESSION_WITHOUT_REASON,
            "Suppressions state why the risk is accepted",
            Severity::Medium,
            "A suppression without a reason is not a documented risk decision; it suppresses nothing.",
            "Add the reason after ` -- ` in the comment (`# safeguard:ignore RULE -- why`), or `reason = \"...\"` to the `[[exceptions]]` entry.",
        ),
        policy(
            UNUSED_SUPPRESSION,
            "Suppressions that accept nothing are removed",
            Severity::Low,
            "A suppression that matches no failing or unknown finding is stale (the finding was fixed or moved) or mistyped, and would silently hide a future finding.",
            "Remove the suppression, or correct its rule id or its position (the line above the object or setting, or the same line).",
        ),
    ]
}

pub(crate) fn finding(
    policy: &Arc<Policy>,
    file: &SourceFile,
    span: Span,
    object: String,
    message: String,
) -> Finding {
    Finding {
        policy: Arc::clone(policy),
        status: Status::Fail,
        message,
        reason: None,
        file: file.clone(),
        span,
        label_span: span,
        object,
        object_file: file.clone(),
        object_span: span,
        suppression: None,
    }
}
