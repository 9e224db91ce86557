use safeguard_model::Value;

/// Equality with the coercions configuration languages apply: `"true"` equals
/// `true` and `"443"` equals `443`, as Terraform converts them for typed
/// arguments. Lists and maps compare element-wise. Callers handle unknowns.
pub(crate) fn values_equal(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        #[allow(clippy::float_cmp)] // configuration numbers are exact
        (Value::Number(a), Value::Number(b)) => a == b,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::String(s), Value::Bool(b)) | (Value::Bool(b), Value::String(s)) => {
            s.parse::<bool>().is_ok_and(|parsed| parsed == *b)
        }
        #[allow(clippy::float_cmp)]
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => {
            s.trim().parse::<f64>().is_ok_and(|parsed| parsed == *n)
        }
        (Value::List(a), Value::List(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| values_equal(&x.value, &y.value))
        }
        (Value::Map(a), Value::Map(b)) => {
            a.len() == b.len()
                && a.entries.iter().all(|entry| {
                    b.get(&entry.key)
                        .is_some_and(|other| values_equal(&entry.value.value, &other.value.value))
                })
        }
        _ => false,
    }
}

/// A number, or a string holding one.
pub(crate) fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => Some(*n),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A string, or a number or bool rendered as one, for `matches`.
pub(crate) fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coerces_like_terraform() {
        assert!(values_equal(
            &Value::String("true".into()),
            &Value::Bool(true)
        ));
        assert!(values_equal(
            &Value::String("443".into()),
            &Value::Number(443.0)
        ));
        assert!(!values_equal(
            &Value::String("TRUE".into()),
            &Value::Bool(true)
        ));
        assert!(!values_equal(
            &Value::String("HTTP".into()),
            &Value::String("HTTPS".into())
        ));
    }
}
