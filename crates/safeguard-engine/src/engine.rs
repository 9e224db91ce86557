use std::collections::HashMap;
use std::sync::Arc;

use safeguard_model::{Document, Format, Object};
use safeguard_policy::{BaaContext, Policy, Scope as PolicyScope};
use safeguard_source::Span;

use crate::eval::{Outcome, Scope, Subject, evaluate};
use crate::phi::{PhiScope, PhiStatus};
use crate::{Finding, Status};

/// Policies indexed for evaluation. Each object is judged only by the
/// policies that name its (format, type); document-scope policies run once
/// per document that holds one of their types.
#[derive(Debug, Default)]
pub struct Engine {
    policies: Vec<Arc<Policy>>,
    /// Format, then type, to policy indexes: looked up by `&str`, no allocation per object.
    by_kind: HashMap<Format, HashMap<String, Vec<usize>>>,
    /// Object-scope policies whose type is a pattern (`aws_*`): format,
    /// prefix, policy index.
    by_pattern: Vec<(Format, String, usize)>,
    document_scoped: Vec<usize>,
    phi: Option<PhiScope>,
    baa: Arc<BaaContext>,
}

impl Engine {
    #[must_use]
    pub fn new(policies: Vec<Arc<Policy>>) -> Self {
        let mut engine = Engine {
            policies,
            ..Engine::default()
        };
        for (index, policy) in engine.policies.iter().enumerate() {
            match policy.applies_to.scope {
                PolicyScope::Object => {
                    for kind in &policy.applies_to.types {
                        if let Some(prefix) = kind.strip_suffix('*') {
                            engine.by_pattern.push((
                                policy.applies_to.format,
                                prefix.to_owned(),
                                index,
                            ));
                            continue;
                        }
                        engine
                            .by_kind
                            .entry(policy.applies_to.format)
                            .or_default()
                            .entry(kind.clone())
                            .or_default()
                            .push(index);
                    }
                }
                PolicyScope::Document => engine.document_scoped.push(index),
            }
        }
        engine
    }

    /// Restricts `phi-only` policies to objects marked as holding PHI.
    #[must_use]
    pub fn with_phi_scope(mut self, phi: Option<PhiScope>) -> Self {
        self.phi = phi;
        self
    }

    /// The vendor catalogue, eligible-services lists and BAA register the
    /// BAA-scope conditions consult.
    #[must_use]
    pub fn with_baa(mut self, baa: Arc<BaaContext>) -> Self {
        self.baa = baa;
        self
    }

    #[must_use]
    pub fn policies(&self) -> &[Arc<Policy>] {
        &self.policies
    }

    /// Judges every object of a document. Findings come in document order;
    /// callers sort the whole run with [`crate::sort_findings`].
    #[must_use]
    pub fn evaluate(&self, document: &Document) -> Vec<Finding> {
        self.evaluate_with(document, KeepPasses::Yes).0
    }

    /// Like [`Engine::evaluate`], but with [`KeepPasses::No`] a pass is only
    /// counted: most verdicts are passes, and a run that lists only
    /// failures and unknowns need not build a finding for each.
    #[must_use]
    pub fn evaluate_with(&self, document: &Document, keep: KeepPasses) -> (Vec<Finding>, usize) {
        let mut findings = Vec::new();
        let mut passes = 0;
        for object in &document.objects {
            let exact = self
                .by_kind
                .get(&object.format)
                .and_then(|kinds| kinds.get(object.kind.as_str()))
                .map_or(&[][..], Vec::as_slice);
            let patterned = self
                .by_pattern
                .iter()
                .filter(|(format, prefix, _)| {
                    *format == object.format && object.kind.starts_with(prefix.as_str())
                })
                .map(|&(_, _, index)| index);
            for index in exact.iter().copied().chain(patterned) {
                let policy = &self.policies[index];
                let scope = Scope {
                    document,
                    object: Some(object),
                    baa: &self.baa,
                    explain_passes: keep == KeepPasses::Yes,
                };
                let phi = match (&self.phi, policy.applies_to.phi_only) {
                    (Some(phi), true) => phi.status(object, document),
                    // Nothing is known to hold PHI without a configured tag.
                    (None, true) if policy.applies_to.phi_tagged_only => PhiStatus::NotMarked,
                    _ => PhiStatus::Marked,
                };
                if let PhiStatus::NotMarked = phi {
                    continue;
                }
                if let Some(mut outcome) = judge(policy, Subject::Attrs(&object.attrs), scope) {
                    // A failure on an object that may not hold PHI is not a
                    // definite failure of a PHI-only policy.
                    if let (Status::Fail, PhiStatus::Unknown(why)) = (outcome.status, &phi) {
                        outcome.status = Status::Unknown;
                        let reason = outcome.reason.take().unwrap_or_default();
                        outcome.reason = Some(format!(
                            "{reason}, but whether {} holds PHI is unknown: {why}",
                            object.address
                        ));
                    }
                    if outcome.status == Status::Pass && keep == KeepPasses::No {
                        passes += 1;
                        continue;
                    }
                    findings.push(object_finding(policy, document, object, outcome));
                }
            }
        }
        for &index in &self.document_scoped {
            let policy = &self.policies[index];
            let trigger = document
                .objects
                .iter()
                .find(|o| policy.applies_to_kind(o.format, &o.kind));
            let Some(trigger) = trigger else { continue };
            let empty = safeguard_model::Map::default();
            let scope = Scope {
                document,
                object: None,
                baa: &self.baa,
                explain_passes: keep == KeepPasses::Yes,
            };
            if let Some(outcome) = judge(policy, Subject::Attrs(&empty), scope) {
                if outcome.status == Status::Pass && keep == KeepPasses::No {
                    passes += 1;
                    continue;
                }
                findings.push(document_finding(policy, document, trigger, outcome));
            }
        }
        (findings, passes)
    }
}

/// Whether [`Engine::evaluate_with`] builds a finding for each pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepPasses {
    Yes,
    /// Passes are counted, not built.
    No,
}

/// `when` then `require`. `None` when the policy does not apply.
fn judge(policy: &Policy, subject: Subject<'_>, scope: Scope<'_>) -> Option<Outcome> {
    if let Some(when) = &policy.when {
        let applies = evaluate(when, subject, scope);
        match applies.status {
            Status::Fail => return None,
            Status::Unknown => {
                let reason = applies
                    .reason
                    .map(|r| format!("whether the policy applies is unknown: {r}"));
                return Some(Outcome {
                    status: Status::Unknown,
                    reason,
                    culprit: applies.culprit,
                });
            }
            Status::Pass => {}
        }
    }
    Some(evaluate(&policy.require, subject, scope))
}

fn object_finding(
    policy: &Arc<Policy>,
    document: &Document,
    object: &Object,
    mut outcome: Outcome,
) -> Finding {
    // An object that may not exist cannot definitely fail.
    if let (Status::Fail, Some(existence)) = (outcome.status, &object.existence_unknown) {
        outcome.status = Status::Unknown;
        let reason = outcome.reason.take().unwrap_or_default();
        outcome.reason = Some(format!(
            "{reason}, but whether {} exists is unknown: {existence}",
            object.address
        ));
    }
    let (file, span, label_span) = match outcome.culprit {
        Some(culprit) if outcome.status != Status::Pass => (
            culprit.file.map_or(object.file, |f| f as usize),
            culprit.span,
            culprit.span,
        ),
        _ => (object.file, object.span, object.header_span),
    };
    finding(
        policy,
        document,
        (file, object),
        &object.address,
        &object.kind,
        span,
        label_span,
        outcome,
    )
}

fn document_finding(
    policy: &Arc<Policy>,
    document: &Document,
    trigger: &Object,
    outcome: Outcome,
) -> Finding {
    // A document has no span of its own: the finding points at the first
    // object that made the policy apply.
    let kind = document.format.as_str();
    finding(
        policy,
        document,
        (trigger.file, trigger),
        &document.address,
        kind,
        trigger.header_span,
        trigger.header_span,
        outcome,
    )
}

#[allow(clippy::too_many_arguments)] // one private constructor, called from two places
fn finding(
    policy: &Arc<Policy>,
    document: &Document,
    (file, object): (usize, &Object),
    address: &str,
    kind: &str,
    span: Span,
    label_span: Span,
    outcome: Outcome,
) -> Finding {
    let message = match outcome.status {
        // Passes are counted, not shown: no message to build for each.
        Status::Pass => String::new(),
        Status::Fail | Status::Unknown => policy.message.render(address, kind),
    };
    let reason = if outcome.status == Status::Pass {
        None
    } else {
        outcome.reason
    };
    Finding {
        policy: Arc::clone(policy),
        status: outcome.status,
        message,
        reason,
        file: document.files[file].clone(),
        span,
        label_span,
        object: address.to_owned(),
        object_file: document.files[object.file].clone(),
        object_span: object.header_span,
        suppression: None,
    }
}
