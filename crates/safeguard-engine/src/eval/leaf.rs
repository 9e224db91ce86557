use safeguard_model::{Node, Unknown, Value};
use safeguard_policy::{Condition, Leaf, Operator};
use safeguard_source::Span;

use super::compare::{as_number, as_text, values_equal};
use super::path::{Subject, resolve};
use super::{Culprit, Outcome, Scope, all, any};
use crate::Status;

/// Evaluates `attr: PATH` with its operator.
///
/// Over several values (a path through a list), a positive operator holds
/// when any value satisfies it; `not-equals` and `not-in` hold when no value
/// matches. An absent attribute uses the leaf's `default` when it has one.
pub(crate) fn evaluate(leaf: &Leaf, subject: Subject<'_>, scope: Scope<'_>) -> Outcome {
    let name = leaf.path.as_str();
    let resolved = resolve(subject, &leaf.path);

    if resolved.found.is_empty() {
        if let Some(blocked) = resolved.blocked.first() {
            return Outcome::new(
                Status::Unknown,
                format!("`{name}` cannot be known: {}", describe_unknown(blocked)),
                None,
            );
        }
        if let Some(default) = &leaf.default {
            let node = Node::new(default.clone(), Span::default());
            let mut outcome = judge(leaf, &node, None, scope);
            outcome.reason = outcome
                .reason
                .map(|r| format!("{r} (not set; the default applies)"));
            return outcome;
        }
        return absent(leaf, scope);
    }

    if let Operator::Exists(expected) = leaf.operator {
        // Present; an unknown value still means the attribute is set, unless
        // even its presence is unknown (a `dynamic` block).
        if let Some((node, span)) = resolved
            .found
            .iter()
            .find(|(node, _)| presence_unknown(node))
        {
            let Value::Unknown(unknown) = &node.value else {
                unreachable!("checked by presence_unknown")
            };
            return Outcome::new(
                Status::Unknown,
                format!(
                    "whether `{name}` is set cannot be known: {}",
                    describe_unknown(unknown)
                ),
                Some(Culprit::of(node, *span)),
            );
        }
        let (node, span) = resolved.found[0];
        let span = Culprit::of(node, span);
        let status = if expected { Status::Pass } else { Status::Fail };
        return Outcome::judged(status, scope, || format!("`{name}` is set"), Some(span));
    }

    let outcomes = resolved
        .found
        .iter()
        .map(|(node, span)| judge(leaf, node, Some(Culprit::of(node, *span)), scope));
    if leaf.operator.is_negative() {
        all(outcomes)
    } else {
        any(outcomes)
    }
}

fn presence_unknown(node: &Node) -> bool {
    matches!(&node.value, Value::Unknown(u) if u.presence_unknown)
}

fn describe_unknown(unknown: &Unknown) -> String {
    unknown.reason.clone()
}

/// The verdict when the attribute is not set at all.
fn absent(leaf: &Leaf, scope: Scope<'_>) -> Outcome {
    let name = leaf.path.as_str();
    let status = match leaf.operator {
        Operator::Exists(expected) => {
            if expected {
                Status::Fail
            } else {
                Status::Pass
            }
        }
        // Nothing matches an absent value, and every item of no items holds.
        Operator::NotEquals(_) | Operator::NotIn(_) | Operator::AllItems(_) => Status::Pass,
        _ => Status::Fail,
    };
    Outcome::judged(status, scope, || format!("`{name}` is not set"), None)
}

/// Judges one present value.
fn judge(leaf: &Leaf, node: &Node, span: Option<Culprit>, scope: Scope<'_>) -> Outcome {
    let name = leaf.path.as_str();
    let value = &node.value;
    if let Value::Unknown(unknown) = value {
        if let (Operator::Matches(pattern), Some(pieces)) = (&leaf.operator, &unknown.known_text)
            && let Ok(regex) = pattern.regex()
            && certain_match(regex, pieces)
        {
            return Outcome::judged(
                Status::Pass,
                scope,
                || {
                    format!(
                        "`{name}` holds a match for `{}` in the part of it that can be known (the rest cannot: {})",
                        pattern.as_str(),
                        describe_unknown(unknown)
                    )
                },
                span,
            );
        }
        return Outcome::new(
            Status::Unknown,
            format!("`{name}` cannot be known: {}", describe_unknown(unknown)),
            span,
        );
    }
    // A pass says what the value is; only a failure adds what was
    // expected. A pass is read under a `not`, where it is the failure:
    // "`start_ip_address` is "0.0.0.0", expected "0.0.0.0"" told an
    // auditor nothing.
    let verdict = |ok: bool, expectation: &dyn Fn() -> String| {
        let status = if ok { Status::Pass } else { Status::Fail };
        Outcome::judged(
            status,
            scope,
            || {
                let expected = if ok { String::new() } else { expectation() };
                format!("`{name}` is {value}{expected}")
            },
            span,
        )
    };
    match &leaf.operator {
        Operator::Exists(_) => unreachable!("exists is decided before judging values"),
        Operator::Equals(expected) => verdict(values_equal(value, expected), &|| {
            format!(", expected {expected}")
        }),
        Operator::NotEquals(unwanted) => verdict(!values_equal(value, unwanted), &String::new),
        Operator::In(options) => verdict(options.iter().any(|o| values_equal(value, o)), &|| {
            format!(", expected one of {}", list(options))
        }),
        Operator::NotIn(options) => verdict(
            !options.iter().any(|o| values_equal(value, o)),
            &String::new,
        ),
        Operator::Matches(pattern) => match pattern.regex() {
            Ok(regex) => {
                let ok = as_text(value).is_some_and(|text| regex.is_match(&text));
                verdict(ok, &|| {
                    format!(", expected a match for `{}`", pattern.as_str())
                })
            }
            Err(reason) => Outcome::new(
                Status::Unknown,
                format!(
                    "`{name}` cannot be matched against `{}`: {reason}",
                    pattern.as_str()
                ),
                span,
            ),
        },
        Operator::Gte(bound) => compare(
            value,
            *bound,
            |n| n >= *bound,
            "at least",
            name,
            span,
            scope,
        ),
        Operator::Lte(bound) => {
            compare(value, *bound, |n| n <= *bound, "at most", name, span, scope)
        }
        Operator::Contains(needle) => contains(value, needle, name, span, scope),
        Operator::AnyItem(condition) => items(value, condition, true, name, span, scope),
        Operator::AllItems(condition) => items(value, condition, false, name, span, scope),
        Operator::VendorBaa(wanted) => super::baa::vendor_baa(name, value, wanted, span, scope),
    }
}

/// Whether the text `pieces` stand for (`None`: a part that cannot be
/// known) certainly holds a match: one found inside a known piece that
/// does not touch an unknown part, so no assertion in the pattern (`^`,
/// `$`, `\b`) looked at a character that cannot be known.
fn certain_match(regex: &regex::Regex, pieces: &[Option<String>]) -> bool {
    let last = pieces.len().saturating_sub(1);
    pieces.iter().enumerate().any(|(i, piece)| {
        let Some(text) = piece else {
            return false;
        };
        let mut start = 0;
        while let Some(found) = regex.find_at(text, start) {
            let touches_gap_before = found.start() == 0 && i > 0;
            let touches_gap_after = found.end() == text.len() && i < last;
            if !touches_gap_before && !touches_gap_after {
                return true;
            }
            // Try again one character further: a later match may not touch.
            match text[found.start()..].chars().next() {
                Some(c) => start = found.start() + c.len_utf8(),
                None => return false,
            }
        }
        false
    })
}

fn list(options: &[Value]) -> String {
    let parts: Vec<String> = options.iter().map(ToString::to_string).collect();
    format!("[{}]", parts.join(", "))
}

fn compare(
    value: &Value,
    bound: f64,
    holds: impl Fn(f64) -> bool,
    words: &str,
    name: &str,
    span: Option<Culprit>,
    scope: Scope<'_>,
) -> Outcome {
    let bound = safeguard_model::Value::Number(bound);
    match as_number(value) {
        Some(n) => {
            let status = if holds(n) { Status::Pass } else { Status::Fail };
            Outcome::judged(
                status,
                scope,
                || match status {
                    Status::Pass => format!("`{name}` is {value}"),
                    _ => format!("`{name}` is {value}, expected {words} {bound}"),
                },
                span,
            )
        }
        None => Outcome::new(
            Status::Fail,
            format!("`{name}` is {value}, not a number"),
            span,
        ),
    }
}

fn contains(
    value: &Value,
    needle: &Value,
    name: &str,
    span: Option<Culprit>,
    scope: Scope<'_>,
) -> Outcome {
    let found = match value {
        Value::List(items) => {
            if items.iter().any(|item| values_equal(&item.value, needle)) {
                Some(true)
            } else if let Some(unknown) = items.iter().find_map(|item| match &item.value {
                Value::Unknown(u) => Some(u),
                _ => None,
            }) {
                return Outcome::new(
                    Status::Unknown,
                    format!(
                        "an item of `{name}` cannot be known: {}",
                        describe_unknown(unknown)
                    ),
                    span,
                );
            } else {
                Some(false)
            }
        }
        Value::String(text) => as_text(needle).map(|needle| text.contains(&needle)),
        Value::Map(map) => as_text(needle).map(|key| map.get(&key).is_some()),
        _ => None,
    };
    let status = if found == Some(true) {
        Status::Pass
    } else {
        Status::Fail
    };
    Outcome::judged(
        status,
        scope,
        || match status {
            Status::Pass => format!("`{name}` is {value}, which contains {needle}"),
            _ => format!("`{name}` is {value}, expected it to contain {needle}"),
        },
        span,
    )
}

/// `any-item` / `all-items`: the condition judged on each item of a list (a
/// single map counts as a one-item list, as one nested block does).
fn items(
    value: &Value,
    condition: &Condition,
    any_item: bool,
    name: &str,
    span: Option<Culprit>,
    scope: Scope<'_>,
) -> Outcome {
    let single;
    let items: &[Node] = match value {
        Value::List(items) => items,
        Value::Map(_) => {
            single = [Node::new(
                value.clone(),
                span.map(|c| c.span).unwrap_or_default(),
            )];
            &single
        }
        _ => {
            return Outcome::new(
                Status::Fail,
                format!("`{name}` is {value}, not a list"),
                span,
            );
        }
    };
    let outcomes = items
        .iter()
        .map(|item| super::evaluate(condition, Subject::Item(item), scope));
    let outcome = if any_item {
        any(outcomes)
    } else {
        all(outcomes)
    };
    if items.is_empty() && any_item {
        return Outcome::new(Status::Fail, format!("`{name}` is empty"), span);
    }
    Outcome {
        culprit: outcome.culprit.or(span),
        ..outcome
    }
}
