use safeguard_model::{Object, Value};
use safeguard_policy::{Condition, ExistsObject, ReferencedBy};

use super::path::{Subject, resolve};
use super::{Outcome, Scope, any, evaluate};
use crate::Status;

/// How a candidate object relates to the judged one through an attribute.
enum Link {
    Yes,
    Maybe(String),
    No,
}

/// `referenced-by`: another object of the given types points at this one.
pub(crate) fn referenced_by(relation: &ReferencedBy, scope: Scope<'_>) -> Outcome {
    let types = relation.types.join(" or ");
    let Some(object) = scope.object else {
        return Outcome::new(
            Status::Fail,
            "`referenced-by` needs an object to be referenced",
            None,
        );
    };
    let name = relation.name_attr.as_ref().and_then(|path| {
        resolve(Subject::Attrs(&object.attrs), path)
            .found
            .first()
            .and_then(|(node, _)| node.value.as_str().map(str::to_owned))
    });
    let mut outcomes = Vec::new();
    for candidate in candidates(scope, &relation.types) {
        match link(candidate, relation, object, name.as_deref(), scope) {
            Link::No => {}
            Link::Maybe(reason) => outcomes.push(Outcome::new(Status::Unknown, reason, None)),
            Link::Yes => {
                let outcome = match &relation.require {
                    Some(require) => judge_candidate(require, candidate, scope),
                    None => Outcome::judged(
                        Status::Pass,
                        scope,
                        || format!("{} references it", candidate.address),
                        None,
                    ),
                };
                outcomes.push(outcome);
            }
        }
    }
    if outcomes.is_empty() {
        return Outcome::new(
            Status::Fail,
            format!("no {types} references {}", object.address),
            None,
        );
    }
    any(outcomes.into_iter())
}

fn link(
    candidate: &Object,
    relation: &ReferencedBy,
    object: &Object,
    name: Option<&str>,
    scope: Scope<'_>,
) -> Link {
    let resolved = resolve(Subject::Attrs(&candidate.attrs), &relation.attr);
    let mut maybe = None;
    for (node, _) in &resolved.found {
        match &node.value {
            Value::Unknown(unknown) => {
                if unknown.references.contains(&object.address) {
                    return Link::Yes;
                }
                // A reference to another object of this kind points elsewhere;
                // anything else (a variable, a local) might still mean this one.
                let elsewhere = unknown.references.iter().any(|r| {
                    scope
                        .document
                        .objects
                        .iter()
                        .any(|o| o.kind == object.kind && o.address == *r)
                });
                if !elsewhere {
                    maybe = Some(format!(
                        "`{}.{}` cannot be known ({}), so it may or may not be {}",
                        candidate.address, relation.attr, unknown.reason, object.address
                    ));
                }
            }
            Value::String(text) if Some(text.as_str()) == name => return Link::Yes,
            _ => {}
        }
    }
    if let Some(blocked) = resolved.blocked.first() {
        maybe = Some(format!(
            "`{}.{}` depends on `{}`",
            candidate.address, relation.attr, blocked.reason
        ));
    }
    maybe.map_or(Link::No, Link::Maybe)
}

/// `exists-object`: the document holds an object of the given types
/// (satisfying `where`).
pub(crate) fn exists_object(relation: &ExistsObject, scope: Scope<'_>) -> Outcome {
    let types = relation.types.join(" or ");
    let mut outcomes = Vec::new();
    for candidate in candidates(scope, &relation.types) {
        let outcome = match &relation.filter {
            Some(filter) => judge_candidate(filter, candidate, scope),
            None => Outcome::judged(
                Status::Pass,
                scope,
                || format!("{} exists", candidate.address),
                None,
            ),
        };
        outcomes.push((outcome, candidate));
    }
    if outcomes.is_empty() {
        return Outcome::new(
            Status::Fail,
            format!("no {types} in {}", scope.document.address),
            None,
        );
    }
    if let Some(Condition::All(parts)) = relation.filter.as_deref()
        && outcomes.iter().all(|(o, _)| o.status == Status::Fail)
    {
        // Say why the closest candidates fail, not every object of the
        // type: with `where: { all: [source is azurerm, version ≥ 5] }`,
        // the azurerm provider's version, not that `random` is not azurerm.
        let closeness = |candidate: &Object| {
            parts
                .iter()
                .filter(|part| judge_candidate(part, candidate, scope).status == Status::Pass)
                .count()
        };
        let scored: Vec<(usize, Outcome)> = outcomes
            .into_iter()
            .map(|(outcome, candidate)| (closeness(candidate), outcome))
            .collect();
        let closest = scored.iter().map(|(n, _)| *n).max().unwrap_or(0);
        return any(scored
            .into_iter()
            .filter(|(n, _)| *n == closest)
            .map(|(_, outcome)| outcome));
    }
    any(outcomes.into_iter().map(|(outcome, _)| outcome))
}

/// A condition judged on another object of the document, its reason
/// prefixed with that object's address. Spans inside another object do not
/// locate the finding about this one.
fn judge_candidate(condition: &Condition, candidate: &Object, scope: Scope<'_>) -> Outcome {
    let inner = evaluate(
        condition,
        Subject::Attrs(&candidate.attrs),
        Scope {
            object: Some(candidate),
            ..scope
        },
    );
    let reason = inner.reason.map(|r| format!("{}: {r}", candidate.address));
    Outcome {
        status: inner.status,
        reason,
        culprit: None,
    }
}

fn candidates<'a>(scope: Scope<'a>, types: &'a [String]) -> impl Iterator<Item = &'a Object> + 'a {
    scope
        .document
        .objects
        .iter()
        .filter(move |o| types.contains(&o.kind))
}
