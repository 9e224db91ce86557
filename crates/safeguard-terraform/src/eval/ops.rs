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
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("\"{s}\" is not a number")),
        other => Err(format!(
            "cannot convert a {} to a number",
            other.type_name()
        )),
    }
}

pub(crate) fn to_bool(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
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

pub(crate) fn binary(op: BinaryOperator, lhs: &Node, rhs: &Node, span: Span) -> EvalResult {
    use BinaryOperator as B;
    // A known operand can decide `&&`/`||` alone.
    match (op, &lhs.value, &rhs.value) {
        (B::And, Value::Bool(false), _) | (B::And, _, Value::Bool(false)) => {
            return Ok(Node::new(Value::Bool(false), span));
        }
        (B::Or, Value::Bool(true), _) | (B::Or, _, Value::Bool(true)) => {
            return Ok(Node::new(Value::Bool(true), span));
        }
        _ => {}
    }
    if let Some(unknown) = first_unknown([lhs, rhs], span) {
        return Ok(unknown);
    }
    let (a, b) = (&lhs.value, &rhs.value);
    let value = match op {
        B::Eq => Value::Bool(strict_equal(a, b)),
        B::NotEq => Value::Bool(!strict_equal(a, b)),
        B::And => Value::Bool(to_bool(a)? && to_bool(b)?),
        B::Or => Value::Bool(to_bool(a)? || to_bool(b)?),
        B::Less => Value::Bool(to_number(a)? < to_number(b)?),
        B::LessEq => Value::Bool(to_number(a)? <= to_number(b)?),
        B::Greater => Value::Bool(to_number(a)? > to_number(b)?),
        B::GreaterEq => Value::Bool(to_number(a)? >= to_number(b)?),
        B::Plus => Value::Number(to_number(a)? + to_number(b)?),
        B::Minus => Value::Number(to_number(a)? - to_number(b)?),
        B::Mul => Value::Number(to_number(a)? * to_number(b)?),
        B::Div => {
            let divisor = to_number(b)?;
            if divisor == 0.0 {
                return Err("division by zero".to_owned());
            }
            Value::Number(to_number(a)? / divisor)
        }
        B::Mod => {
            let divisor = to_number(b)?;
            if divisor == 0.0 {
                return Err("modulo by zero".to_owned());
            }
            Value::Number(to_number(a)? % divisor)
        }
    };
    Ok(Node::new(value, span))
}
