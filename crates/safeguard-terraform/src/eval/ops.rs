//! Operators and Terraform's type conversions.

use safeguard_hcl::BinaryOperator;
use safeguard_model::{Node, Value};
use safeguard_source::Span;

use super::{EvalResult, first_unknown};

/// Terraform's string conversion: numbers in their shortest form, bools as
/// `true`/`false`; collections and null do not convert.
pub(crate) fn to_string(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(format_number(*n)),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err("cannot convert null to a string".to_owned()),
        other => Err(format!(
            "cannot convert a {} to a string",
            other.type_name()
        )),
    }
}

pub(crate) fn format_number(n: f64) -> String {
    if n.is_infinite() {
        // As cty writes its infinities.
        return if n > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    if n == 0.0 && n.is_sign_negative() {
        // cty keeps the sign of zero: `-3 * 0` is written `-0`.
        return "-0".to_owned();
    }
    #[allow(clippy::cast_possible_truncation)] // guarded by the fract and range checks
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

pub(crate) fn to_number(value: &Value) -> Result<f64, String> {
    match value {
        Value::Number(n) => Ok(*n),
        Value::String(s) => parse_number(s).ok_or_else(|| format!("\"{s}\" is not a number")),
        other => Err(format!(
            "cannot convert a {} to a number",
            other.type_name()
        )),
    }
}

/// A string as Terraform reads a number from it (Go's `big.ParseFloat` in
/// base 10): no surrounding spaces, no NaN, and of the infinities only
/// `Inf` and `inf` with an optional sign.
fn parse_number(text: &str) -> Option<f64> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    if unsigned == "Inf" || unsigned == "inf" {
        return Some(if text.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    // Rust also reads `nan`, `infinity` and their capitalisations; Go does not.
    if unsigned
        .bytes()
        .any(|b| b.is_ascii_alphabetic() && !b.eq_ignore_ascii_case(&b'e'))
    {
        return None;
    }
    text.parse().ok()
}

/// Terraform's (cty's) bool conversion: `"1"` and `"0"` are strings of
/// bools too.
pub(crate) fn to_bool(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" || s == "1" => Ok(true),
        Value::String(s) if s == "false" || s == "0" => Ok(false),
        other => Err(format!("cannot convert {other} to a bool")),
    }
}

/// A condition's value: a bool, or a string `"true"`/`"false"`.
pub(crate) fn truthy(value: &Value) -> Result<bool, String> {
    to_bool(value)
}

/// Terraform `==`: same type and value, no conversion (`"1" == 1` is false).
pub(crate) fn strict_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        #[allow(clippy::float_cmp)] // configuration numbers are exact
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(p, q)| strict_equal(&p.value, &q.value))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.entries.iter().all(|e| {
                    y.get(&e.key)
                        .is_some_and(|o| strict_equal(&e.value.value, &o.value.value))
                })
        }
        _ => false,
    }
}

/// A logical operand: `None` while unknown. Terraform converts both
/// operands before it applies the operator, so a known one that is not a
/// bool is an error even where the other would decide the result.
fn logical_operand(value: &Value) -> Result<Option<bool>, String> {
    match value {
        Value::Unknown(_) => Ok(None),
        Value::Null => Err("a logical operand must not be null".to_owned()),
        other => to_bool(other).map(Some),
    }
}

pub(crate) fn binary(op: BinaryOperator, lhs: &Node, rhs: &Node, span: Span) -> EvalResult {
    use BinaryOperator as B;
    if matches!(op, B::And | B::Or) {
        let (a, b) = (logical_operand(&lhs.value)?, logical_operand(&rhs.value)?);
        // A known operand can decide alone: `false && x` is false whatever
        // bool `x` turns out to be.
        let decided = match (op, a, b) {
            (B::And, Some(false), _) | (B::And, _, Some(false)) => Some(false),
            (B::Or, Some(true), _) | (B::Or, _, Some(true)) => Some(true),
            (_, Some(a), Some(b)) => Some(if op == B::And { a && b } else { a || b }),
            _ => None,
        };
        return Ok(match decided {
            Some(value) => Node::new(Value::Bool(value), span),
            None => first_unknown([lhs, rhs], span)
                .ok_or_else(|| "a logical operand is unknown".to_owned())?,
        });
    }
    if let Some(unknown) = first_unknown([lhs, rhs], span) {
        return Ok(unknown);
    }
    let (a, b) = (&lhs.value, &rhs.value);
    let value = match op {
        B::Eq => Value::Bool(strict_equal(a, b)),
        B::NotEq => Value::Bool(!strict_equal(a, b)),
        B::And | B::Or => unreachable!("decided above"),
        B::Less => Value::Bool(to_number(a)? < to_number(b)?),
        B::LessEq => Value::Bool(to_number(a)? <= to_number(b)?),
        B::Greater => Value::Bool(to_number(a)? > to_number(b)?),
        B::GreaterEq => Value::Bool(to_number(a)? >= to_number(b)?),
        B::Plus => Value::Number(to_number(a)? + to_number(b)?),
        B::Minus => Value::Number(to_number(a)? - to_number(b)?),
        B::Mul => Value::Number(to_number(a)? * to_number(b)?),
        B::Div => {
            let (dividend, divisor) = (to_number(a)?, to_number(b)?);
            // Terraform's numbers (cty) make `x / 0` an infinity; only
            // `0 / 0` and `Inf / Inf` fail (below, as not a number).
            Value::Number(dividend / divisor)
        }
        B::Mod => {
            let (dividend, divisor) = (to_number(a)?, to_number(b)?);
            // As Terraform's numbers (cty) define them: `x % 0` is `x`, and
            // with an infinity the product of the two.
            Value::Number(if dividend.is_infinite() || divisor.is_infinite() {
                dividend * divisor
            } else if divisor == 0.0 {
                dividend
            } else {
                match dividend % divisor {
                    // cty subtracts: an exact multiple leaves +0, where
                    // `fmod` keeps the dividend's sign (`-3 % 1.5`).
                    0.0 if dividend != 0.0 => 0.0,
                    remainder => remainder,
                }
            })
        }
    };
    if let Value::Number(n) = value
        && n.is_nan()
    {
        // `0 / 0`, `Inf - Inf`: Terraform refuses them.
        return Err("the result is not a number".to_owned());
    }
    Ok(Node::new(value, span))
}
