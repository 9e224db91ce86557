//! The BAA-scope checks: which vendor a value names and whether its BAA is
//! in force, and whether a resource's service is eligible for PHI.

use safeguard_model::Value;
use safeguard_policy::Eligibility;

use super::compare::as_text;
use super::{Culprit, Outcome, Scope};
use crate::Status;

/// `vendor-baa`: passes when the vendor a value names has one of `wanted`
/// statuses. A value that is not text names no vendor.
pub(crate) fn vendor_baa(
    name: &str,
    value: &Value,
    wanted: &[String],
    span: Option<Culprit>,
    scope: Scope<'_>,
) -> Outcome {
    let Some(text) = as_text(value) else {
        let status = if wanted.iter().any(|w| w == "unlisted") {
            Status::Pass
        } else {
            Status::Fail
        };
        return Outcome::judged(
            status,
            scope,
            || format!("`{name}` is {value}, which names no vendor"),
            span,
        );
    };
    let status = scope.baa.status_of(&text);
    let holds = wanted.iter().any(|w| w == status.keyword());
    Outcome::judged(
        if holds { Status::Pass } else { Status::Fail },
        scope,
        || format!("`{name}` is {value}, which {}", status.describe()),
        span,
    )
}

/// `hipaa-eligible-service`: the judged object's type against the
/// eligible-services list of its provider. A type no list maps is unknown,
/// not a failure: the list may simply not name its service yet.
pub(crate) fn eligible_service(scope: Scope<'_>) -> Outcome {
    let Some(object) = scope.object else {
        return Outcome::new(
            Status::Unknown,
            "`hipaa-eligible-service` judges an object, and this policy has none",
            None,
        );
    };
    let kind = object.kind.as_str();
    let Some(list) = scope.baa.service_list_for(kind) else {
        return Outcome::new(
            Status::Pass,
            format!("no eligible-services list covers `{kind}`"),
            None,
        );
    };
    match list.classify(kind) {
        Some(entry) => {
            let (status, verdict) = match entry.eligibility {
                Eligibility::Eligible => (Status::Pass, "is HIPAA-eligible"),
                Eligibility::NoContent => (Status::Pass, "holds no customer content"),
                Eligibility::NotEligible => (Status::Fail, "is not HIPAA-eligible"),
            };
            Outcome::new(
                status,
                format!(
                    "`{kind}` belongs to {}, which {verdict} on the {} list as of {} ({})",
                    entry.name, list.provider, list.as_of, list.source
                ),
                None,
            )
        }
        None => Outcome::new(
            Status::Unknown,
            format!(
                "`{kind}` belongs to no service on safeguard's {} eligible-services list (as of {}); check it against {}",
                list.provider, list.as_of, list.source
            ),
            None,
        ),
    }
}
