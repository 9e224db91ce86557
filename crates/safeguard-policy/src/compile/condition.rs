use safeguard_model::{Map, Node, Value};

use super::fields::{Ctx, did_you_mean};
use crate::{AttrPath, BaaStatus, Condition, ExistsObject, Leaf, Operator, Pattern, ReferencedBy};

const FORMS: [&str; 7] = [
    "all",
    "any",
    "not",
    "attr",
    "referenced-by",
    "exists-object",
    "hipaa-eligible-service",
];

/// Compiles a condition, recording every mistake in `ctx`.
pub(crate) fn condition(ctx: &mut Ctx<'_>, node: &Node) -> Option<Condition> {
    let map = ctx.map(node, "a condition")?;
    let forms: Vec<&str> = FORMS
        .iter()
        .copied()
        .filter(|form| map.get(form).is_some())
        .collect();
    match forms.as_slice() {
        [] => {
            no_form(ctx, node, map);
            None
        }
        [form] => match *form {
            "all" | "any" => {
                ctx.reject_unknown_keys(map, &[form], &format!("an `{form}` condition"));
                let items = ctx.list(&map.get(form)?.value, &format!("`{form}`"))?;
                let parts: Vec<Option<Condition>> =
                    items.iter().map(|item| condition(ctx, item)).collect();
                let parts: Vec<Condition> = parts.into_iter().collect::<Option<_>>()?;
                Some(if *form == "all" {
                    Condition::All(parts)
                } else {
                    Condition::Any(parts)
                })
            }
            "not" => {
                ctx.reject_unknown_keys(map, &["not"], "a `not` condition");
                condition(ctx, &map.get("not")?.value).map(|c| Condition::Not(Box::new(c)))
            }
            "attr" => leaf(ctx, node, map).map(Condition::Leaf),
            "referenced-by" => {
                referenced_by(ctx, &map.get(form)?.value).map(Condition::ReferencedBy)
            }
            "hipaa-eligible-service" => {
                ctx.reject_unknown_keys(map, &[form], "a `hipaa-eligible-service` condition");
                let entry = map.get(form)?;
                match entry.value.value {
                    Value::Bool(true) => Some(Condition::EligibleService(entry.value.span)),
                    ref other => type_error(ctx, &entry.value, form, "true", other),
                }
            }
            _ => exists_object(ctx, &map.get(form)?.value).map(Condition::ExistsObject),
        },
        _ => {
            ctx.error_hint(
                node.span,
                format!(
                    "a condition takes one of {}, found {}",
                    FORMS.join(", "),
                    forms.join(" and ")
                ),
                "combine several conditions with `all` or `any`",
            );
            None
        }
    }
}

fn no_form(ctx: &mut Ctx<'_>, node: &Node, map: &Map) {
    if let Some(op) = map
        .entries
        .iter()
        .find(|e| Operator::NAMES.contains(&e.key.as_str()))
    {
        ctx.error_hint(
            op.key_span,
            format!("operator `{}` needs an `attr`", op.key),
            "add `attr: <attribute path>`",
        );
        return;
    }
    let mut known: Vec<&str> = FORMS.to_vec();
    known.extend(Operator::NAMES);
    match map.entries.first() {
        Some(first) => {
            let message = format!("unknown condition `{}`", first.key);
            match did_you_mean(&first.key, &known) {
                Some(close) => {
                    ctx.error_hint(first.key_span, message, format!("did you mean `{close}`?"))
                }
                None => ctx.error_hint(
                    first.key_span,
                    message,
                    format!("expected one of: {}", FORMS.join(", ")),
                ),
            }
        }
        None => ctx.error_hint(
            node.span,
            "empty condition",
            format!("expected one of: {}", FORMS.join(", ")),
        ),
    }
}

fn path(ctx: &mut Ctx<'_>, node: &Node) -> Option<AttrPath> {
    let text = ctx.string(node, "an attribute path")?;
    AttrPath::parse(&text)
        .map_err(|message| ctx.error(node.span, message))
        .ok()
}

fn leaf(ctx: &mut Ctx<'_>, node: &Node, map: &Map) -> Option<Leaf> {
    let path = path(ctx, &map.get("attr")?.value);
    let mut operators = Vec::new();
    for entry in &map.entries {
        match entry.key.as_str() {
            "attr" | "default" => {}
            name if Operator::NAMES.contains(&name) => operators.push(entry),
            name => {
                let message = format!("unknown operator `{name}`");
                let mut allowed: Vec<&str> = Operator::NAMES.to_vec();
                allowed.push("default");
                match did_you_mean(name, &allowed) {
                    Some(close) => {
                        ctx.error_hint(entry.key_span, message, format!("did you mean `{close}`?"))
                    }
                    None => ctx.error_hint(
                        entry.key_span,
                        message,
                        format!("operators are: {}", Operator::NAMES.join(", ")),
                    ),
                }
            }
        }
    }
    let operator = match operators.as_slice() {
        [] => {
            ctx.error_hint(
                node.span,
                "`attr` needs an operator",
                format!("add one of: {}", Operator::NAMES.join(", ")),
            );
            None
        }
        [entry] => operator(ctx, &entry.key, &entry.value),
        [_, second, ..] => {
            ctx.error_hint(
                second.key_span,
                "a leaf takes one operator",
                "combine several leaves with `all` or `any`",
            );
            None
        }
    };
    let default = map.get("default").map(|entry| entry.value.value.clone());
    Some(Leaf {
        path: path?,
        operator: operator?,
        default,
        span: node.span,
    })
}

fn operator(ctx: &mut Ctx<'_>, name: &str, node: &Node) -> Option<Operator> {
    let value = &node.value;
    Some(match name {
        "exists" => match value {
            Value::Bool(b) => Operator::Exists(*b),
            other => return type_error(ctx, node, name, "true or false", other),
        },
        "equals" => Operator::Equals(scalar(ctx, node, name)?),
        "not-equals" => Operator::NotEquals(scalar(ctx, node, name)?),
        "contains" => Operator::Contains(scalar(ctx, node, name)?),
        "in" | "not-in" => {
            let items = ctx.list(node, &format!("`{name}`"))?;
            let values: Vec<Value> = items
                .iter()
                .map(|item| scalar(ctx, item, name))
                .collect::<Option<_>>()?;
            if name == "in" {
                Operator::In(values)
            } else {
                Operator::NotIn(values)
            }
        }
        "matches" => {
            let pattern = ctx.string(node, "`matches`")?;
            match Pattern::new(&pattern) {
                Ok(pattern) => Operator::Matches(pattern),
                Err(detail) => {
                    ctx.error_hint(
                        node.span,
                        format!("invalid regular expression: {detail}"),
                        "the syntax is Rust's `regex` crate",
                    );
                    return None;
                }
            }
        }
        "gte" | "lte" => match value {
            Value::Number(n) => {
                if name == "gte" {
                    Operator::Gte(*n)
                } else {
                    Operator::Lte(*n)
                }
            }
            other => return type_error(ctx, node, name, "a number", other),
        },
        "vendor-baa" => {
            let words = ctx.string_or_list(node, "`vendor-baa`")?;
            for word in &words {
                if !BaaStatus::KEYWORDS.contains(&word.as_str()) {
                    ctx.error_hint(
                        node.span,
                        format!("unknown BAA status `{word}`"),
                        format!("use one of: {}", BaaStatus::KEYWORDS.join(", ")),
                    );
                    return None;
                }
            }
            Operator::VendorBaa(words)
        }
        "any-item" => Operator::AnyItem(Box::new(condition(ctx, node)?)),
        _ => Operator::AllItems(Box::new(condition(ctx, node)?)),
    })
}

fn scalar(ctx: &mut Ctx<'_>, node: &Node, name: &str) -> Option<Value> {
    match &node.value {
        Value::Map(_) | Value::List(_) => {
            type_error(ctx, node, name, "a single value", &node.value)
        }
        value => Some(value.clone()),
    }
}

fn type_error<T>(
    ctx: &mut Ctx<'_>,
    node: &Node,
    name: &str,
    wanted: &str,
    found: &Value,
) -> Option<T> {
    ctx.error(
        node.span,
        format!("`{name}` takes {wanted}, found {}", found.type_name()),
    );
    None
}

fn referenced_by(ctx: &mut Ctx<'_>, node: &Node) -> Option<ReferencedBy> {
    let map = ctx.map(node, "`referenced-by`")?;
    ctx.reject_unknown_keys(
        map,
        &["type", "attr", "require", "name-attr"],
        "`referenced-by`",
    );
    let types = ctx
        .required(map, "type", node.span, "`referenced-by`")
        .and_then(|e| ctx.string_or_list(&e.value, "`type`"));
    let attr = ctx
        .required(map, "attr", node.span, "`referenced-by`")
        .and_then(|e| path(ctx, &e.value));
    let require = match map.get("require") {
        Some(entry) => Some(Box::new(condition(ctx, &entry.value)?)),
        None => None,
    };
    let name_attr = match map.get("name-attr") {
        Some(entry) => Some(path(ctx, &entry.value)?),
        None => None,
    };
    Some(ReferencedBy {
        types: types?,
        attr: attr?,
        require,
        name_attr,
        span: node.span,
    })
}

fn exists_object(ctx: &mut Ctx<'_>, node: &Node) -> Option<ExistsObject> {
    let map = ctx.map(node, "`exists-object`")?;
    ctx.reject_unknown_keys(map, &["type", "where"], "`exists-object`");
    let types = ctx
        .required(map, "type", node.span, "`exists-object`")
        .and_then(|e| ctx.string_or_list(&e.value, "`type`"));
    let filter = match map.get("where") {
        Some(entry) => Some(Box::new(condition(ctx, &entry.value)?)),
        None => None,
    };
    Some(ExistsObject {
        types: types?,
        filter,
        span: node.span,
    })
}
