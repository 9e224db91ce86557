//! Three-valued evaluation of conditions (Kleene logic): `all` fails if any
//! part fails, else is unknown if any part is unknown; `any` passes if any
//! part passes, else is unknown if any part is unknown; `not` swaps pass and
//! fail. Every outcome carries a reason and, where one attribute is
//! responsible, its span.

mod baa;
mod compare;
mod leaf;
mod path;
mod relations;

use safeguard_model::{Document, Object};
use safeguard_policy::{BaaContext, Condition};
use safeguard_source::Span;

use crate::Status;
pub(crate) use path::Subject;

/// Where the value responsible is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Culprit {
    pub span: Span,
    /// `None`: in the judged object's own file; otherwise the document file
    /// the value was written in (a module argument in the caller).
    pub file: Option<u32>,
}

impl Culprit {
    /// A found value's location: its own span where it was written in
    /// another file, else the whole `key = value` entry.
    pub(crate) fn of(node: &safeguard_model::Node, entry_span: Span) -> Self {
        match node.origin {
            Some(file) => Culprit {
                span: node.span,
                file: Some(file),
            },
            None => Culprit {
                span: entry_span,
                file: None,
            },
        }
    }
}

/// The result of one condition.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub status: Status,
    pub reason: Option<String>,
    /// The attribute responsible.
    pub culprit: Option<Culprit>,
}

impl Outcome {
    /// A verdict whose reason is built only when it will be read (see
    /// [`Scope::explain_passes`]).
    pub(crate) fn judged(
        status: Status,
        scope: Scope<'_>,
        reason: impl FnOnce() -> String,
        culprit: Option<Culprit>,
    ) -> Self {
        Self {
            status,
            reason: (status != Status::Pass || scope.explain_passes).then(reason),
            culprit,
        }
    }

    pub(crate) fn new(status: Status, reason: impl Into<String>, culprit: Option<Culprit>) -> Self {
        Self {
            status,
            reason: Some(reason.into()),
            culprit,
        }
    }
}

/// Where a condition is evaluated: the document (for relations) and the
/// object being judged, if any (document-scope policies have none).
#[derive(Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub document: &'a Document,
    pub object: Option<&'a Object>,
    /// What the BAA-scope conditions consult.
    pub baa: &'a BaaContext,
    /// Whether a pass needs its reason. It is read only under a `not`,
    /// which makes it a failure, or when the run keeps passes; three
    /// verdicts in four are passes, and most reasons are formatted values.
    pub explain_passes: bool,
}

pub(crate) fn evaluate(condition: &Condition, subject: Subject<'_>, scope: Scope<'_>) -> Outcome {
    match condition {
        Condition::All(parts) => all(parts.iter().map(|part| evaluate(part, subject, scope))),
        Condition::Any(parts) => any(parts.iter().map(|part| evaluate(part, subject, scope))),
        Condition::Not(inner) => {
            let scope = Scope {
                explain_passes: true,
                ..scope
            };
            let outcome = evaluate(inner, subject, scope);
            let status = match outcome.status {
                Status::Pass => Status::Fail,
                Status::Fail => Status::Pass,
                Status::Unknown => Status::Unknown,
            };
            Outcome { status, ..outcome }
        }
        Condition::Leaf(leaf) => leaf::evaluate(leaf, subject, scope),
        Condition::ReferencedBy(relation) => relations::referenced_by(relation, scope),
        Condition::ExistsObject(relation) => relations::exists_object(relation, scope),
        Condition::EligibleService(_) => baa::eligible_service(scope),
    }
}

/// Kleene AND: the first failure decides; otherwise any unknown makes it unknown.
pub(crate) fn all(outcomes: impl Iterator<Item = Outcome>) -> Outcome {
    let mut unknowns: Vec<Outcome> = Vec::new();
    let mut passes: Vec<Outcome> = Vec::new();
    for outcome in outcomes {
        match outcome.status {
            Status::Fail => return outcome,
            Status::Unknown => unknowns.push(outcome),
            Status::Pass => passes.push(outcome),
        }
    }
    if unknowns.is_empty() {
        joined(Status::Pass, passes)
    } else {
        joined(Status::Unknown, unknowns)
    }
}

/// Kleene OR: the first pass decides; otherwise any unknown makes it unknown.
pub(crate) fn any(outcomes: impl Iterator<Item = Outcome>) -> Outcome {
    let mut unknowns: Vec<Outcome> = Vec::new();
    let mut failures: Vec<Outcome> = Vec::new();
    for outcome in outcomes {
        match outcome.status {
            Status::Pass => return outcome,
            Status::Unknown => unknowns.push(outcome),
            Status::Fail => failures.push(outcome),
        }
    }
    if unknowns.is_empty() {
        joined(Status::Fail, failures)
    } else {
        joined(Status::Unknown, unknowns)
    }
}

/// One outcome standing for several: their distinct reasons joined, and the
/// first culprit.
fn joined(status: Status, outcomes: Vec<Outcome>) -> Outcome {
    let mut reasons: Vec<String> = Vec::new();
    for reason in outcomes.iter().filter_map(|o| o.reason.as_ref()) {
        if !reasons.contains(reason) {
            reasons.push(reason.clone());
        }
    }
    let culprit = outcomes.iter().find_map(|o| o.culprit);
    let reason = (!reasons.is_empty()).then(|| reasons.join("; "));
    Outcome {
        status,
        reason,
        culprit,
    }
}
