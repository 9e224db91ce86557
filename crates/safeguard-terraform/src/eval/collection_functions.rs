//! Terraform's functions over lists, sets and maps beyond the basic ones in
//! `functions`: the ones published modules use to build resource arguments
//! (`compact`, `distinct`, `zipmap`, `one`, …). Each follows cty's
//! implementation (the ones Terraform takes from cty's standard library,
//! held to it by `scripts/hcl-oracle/run`) or Terraform's own `lang/funcs`.
//! A list holding an unknown element makes the result unknown, never a guess.

use safeguard_model::{Map, Node, Value};

use super::functions::{arity, list_of};
use super::ops::{strict_equal, to_bool, to_number, to_string};

/// `Some(result)` when `name` is one of these functions.
pub(super) fn apply(name: &str, values: &[&Value]) -> Option<Result<Value, String>> {
    let result = match name {
        "compact" => compact(values),
        "distinct" => one_list(name, values)
            .map(|items| unknown_in(items).unwrap_or_else(|| Value::List(distinct(items)))),
        "sort" => sort(values),
        "reverse" => {
            one_list(name, values).map(|items| Value::List(items.iter().rev().cloned().collect()))
        }
        "zipmap" => zipmap(values),
        "one" => one(values),
        "slice" => slice(values),
        "coalescelist" => coalescelist(values),
        "alltrue" => alltrue(values),
        "anytrue" => anytrue(values),
        "setunion" | "setintersection" | "setsubtract" => set_operation(name, values),
        "index" => index(values),
        "sum" => sum(values),
        _ => return None,
    };
    Some(result)
}

fn one_list<'v>(name: &str, values: &[&'v Value]) -> Result<&'v [Node], String> {
    list_of(arity(name, values, 1)?[0], name)
}

/// The first unknown element, which makes a whole result unknown.
fn unknown_in(items: &[Node]) -> Option<Value> {
    items
        .iter()
        .find(|item| matches!(item.value, Value::Unknown(_)))
        // The collection's value is unknown, not that element's text.
        .map(|item| super::opaque(item.clone()).value)
}

/// Elements in order, each once (`strict_equal`, as cty compares them).
fn distinct(items: &[Node]) -> Vec<Node> {
    let mut unique: Vec<Node> = Vec::new();
    for item in items {
        if !unique.iter().any(|u| strict_equal(&u.value, &item.value)) {
            unique.push(item.clone());
        }
    }
    unique
}

/// A set as `toset` builds one: each element once; a set of strings in
/// cty's order (by bytes, a null last).
pub(crate) fn as_set(mut items: Vec<Node>) -> Vec<Node> {
    items = distinct(&items);
    if items
        .iter()
        .all(|n| matches!(n.value, Value::String(_) | Value::Null))
    {
        items.sort_by(|a, b| match (a.value.as_str(), b.value.as_str()) {
            (Some(a), Some(b)) => a.cmp(b),
            (a, b) => b.is_some().cmp(&a.is_some()),
        });
    }
    items
}

/// `compact(list(string))`: without its nulls and empty strings.
fn compact(values: &[&Value]) -> Result<Value, String> {
    let items = one_list("compact", values)?;
    // An unknown string with known characters is certainly not empty:
    // kept as it is. (cty makes the whole list unknown; which elements it
    // holds is still known here.)
    let not_empty = |value: &Value| {
        matches!(value, Value::Unknown(u) if u.known_text.as_ref().is_some_and(|pieces| {
            pieces.iter().flatten().any(|piece| !piece.is_empty())
        }))
    };
    if let Some(item) = items
        .iter()
        .find(|item| matches!(item.value, Value::Unknown(_)) && !not_empty(&item.value))
    {
        return Ok(super::opaque(item.clone()).value);
    }
    let mut kept = Vec::new();
    for item in items {
        match &item.value {
            Value::Null => {}
            value if not_empty(value) => kept.push(item.clone()),
            value => {
                let text = to_string(value)?;
                if !text.is_empty() {
                    kept.push(Node::new(Value::String(text), item.span));
                }
            }
        }
    }
    Ok(Value::List(kept))
}

/// `sort(list(string))`: Go's byte order, numbers sorted as their text.
fn sort(values: &[&Value]) -> Result<Value, String> {
    let items = one_list("sort", values)?;
    if let Some(unknown) = unknown_in(items) {
        return Ok(unknown);
    }
    let mut texts = items
        .iter()
        .map(|item| match &item.value {
            Value::Null => Err("sort: a list element is null".to_owned()),
            value => Ok((to_string(value)?, item.span)),
        })
        .collect::<Result<Vec<_>, _>>()?;
    texts.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Value::List(
        texts
            .into_iter()
            .map(|(text, span)| Node::new(Value::String(text), span))
            .collect(),
    ))
}

/// `zipmap(keys, values)`: a later repeat of a key replaces the earlier.
fn zipmap(values: &[&Value]) -> Result<Value, String> {
    let [keys, items] = arity("zipmap", values, 2)?[..] else {
        unreachable!("two arguments, checked")
    };
    let (keys, items) = (list_of(keys, "zipmap")?, list_of(items, "zipmap")?);
    if keys.len() != items.len() {
        return Err(format!(
            "zipmap: {} keys but {} values",
            keys.len(),
            items.len()
        ));
    }
    if let Some(unknown) = unknown_in(keys) {
        return Ok(unknown);
    }
    let mut map = Map::default();
    for (key, item) in keys.iter().zip(items) {
        if matches!(key.value, Value::Null) {
            return Err("zipmap: a key is null".to_owned());
        }
        map.insert(to_string(&key.value)?, key.span, item.clone());
    }
    map.keep_last_of_each_key();
    Ok(Value::Map(map))
}

/// `one(list)`: null for none, the element for one, an error for more.
fn one(values: &[&Value]) -> Result<Value, String> {
    let items = one_list("one", values)?;
    match items {
        [] => Ok(Value::Null),
        [only] => Ok(only.value.clone()),
        _ => Err(format!(
            "one: the list has {} elements; it must have no more than one",
            items.len()
        )),
    }
}

/// `slice(list, start, end)`: `start` included, `end` not, both in range.
fn slice(values: &[&Value]) -> Result<Value, String> {
    let [items, start, end] = arity("slice", values, 3)?[..] else {
        unreachable!("three arguments, checked")
    };
    let items = list_of(items, "slice")?;
    let bound = |value: &Value, what: &str| -> Result<usize, String> {
        let n = to_number(value)?;
        if n.fract() != 0.0 || n < 0.0 {
            return Err(format!("slice: {what} must be a whole number, at least 0"));
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // whole, ≥ 0
        Ok(n as usize)
    };
    let (start, end) = (bound(start, "the start")?, bound(end, "the end")?);
    if end > items.len() {
        return Err("slice: the end is past the end of the list".to_owned());
    }
    if start > end {
        return Err("slice: the start is after the end".to_owned());
    }
    Ok(Value::List(items[start..end].to_vec()))
}

/// `coalescelist(lists...)`: the first that is not empty.
fn coalescelist(values: &[&Value]) -> Result<Value, String> {
    if values.is_empty() {
        return Err("coalescelist needs at least one argument".to_owned());
    }
    for value in values {
        match value {
            Value::Null => {}
            value => {
                if !list_of(value, "coalescelist")?.is_empty() {
                    return Ok((*value).clone());
                }
            }
        }
    }
    Err("coalescelist: no non-null arguments".to_owned())
}

/// Terraform's `alltrue`: a null element is false; the first unknown met
/// before a false makes the result unknown.
fn alltrue(values: &[&Value]) -> Result<Value, String> {
    for item in one_list("alltrue", values)? {
        match &item.value {
            Value::Unknown(_) => return Ok(item.value.clone()),
            Value::Null => return Ok(Value::Bool(false)),
            value => {
                if !to_bool(value)? {
                    return Ok(Value::Bool(false));
                }
            }
        }
    }
    Ok(Value::Bool(true))
}

/// Terraform's `anytrue`: nulls are skipped; a true decides, else an
/// unknown makes the result unknown.
fn anytrue(values: &[&Value]) -> Result<Value, String> {
    let mut unknown = None;
    for item in one_list("anytrue", values)? {
        match &item.value {
            Value::Unknown(_) => unknown = unknown.or_else(|| Some(item.value.clone())),
            Value::Null => {}
            value => {
                if to_bool(value)? {
                    return Ok(Value::Bool(true));
                }
            }
        }
    }
    Ok(unknown.unwrap_or(Value::Bool(false)))
}

/// `setunion`, `setintersection` and `setsubtract`, as sets built by `toset`.
fn set_operation(name: &str, values: &[&Value]) -> Result<Value, String> {
    if values.is_empty() || (name == "setsubtract" && values.len() != 2) {
        return Err(format!(
            "{name}: wrong number of arguments ({})",
            values.len()
        ));
    }
    let sets = values
        .iter()
        .map(|value| list_of(value, name))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(unknown) = sets.iter().find_map(|items| unknown_in(items)) {
        return Ok(unknown);
    }
    let contains =
        |items: &[Node], item: &Node| items.iter().any(|i| strict_equal(&i.value, &item.value));
    let result: Vec<Node> = match name {
        "setunion" => sets.concat(),
        "setintersection" => sets[0]
            .iter()
            .filter(|item| sets[1..].iter().all(|other| contains(other, item)))
            .cloned()
            .collect(),
        _ => sets[0]
            .iter()
            .filter(|item| !contains(sets[1], item))
            .cloned()
            .collect(),
    };
    Ok(Value::List(as_set(result)))
}

/// `index(list, value)`: the first position holding the value.
fn index(values: &[&Value]) -> Result<Value, String> {
    let [items, wanted] = arity("index", values, 2)?[..] else {
        unreachable!("two arguments, checked")
    };
    let items = list_of(items, "index")?;
    if let Some(unknown) = unknown_in(items) {
        return Ok(unknown);
    }
    #[allow(clippy::cast_precision_loss)] // positions are small
    items
        .iter()
        .position(|item| strict_equal(&item.value, wanted))
        .map(|i| Value::Number(i as f64))
        .ok_or_else(|| "index: item not found".to_owned())
}

/// Terraform's `sum`: of a list of numbers, not empty, without nulls.
fn sum(values: &[&Value]) -> Result<Value, String> {
    let items = one_list("sum", values)?;
    if items.is_empty() {
        return Err("sum: cannot sum an empty list".to_owned());
    }
    if let Some(unknown) = unknown_in(items) {
        return Ok(unknown);
    }
    let mut total = 0.0;
    for item in items {
        if matches!(item.value, Value::Null) {
            return Err("sum: a list element is null".to_owned());
        }
        total += to_number(&item.value)?;
    }
    Ok(Value::Number(total))
}
