//! Evaluates HCL expressions the way a check does, for `scripts/hcl-oracle`,
//! which compares the results with Terraform's own HCL library.
//!
//! Reads expressions from standard input, separated by a line holding only
//! the record separator (U+001E), and prints one JSON line per expression:
//! `{"value": …}` with the value as JSON, `{"error": …}` when the text does
//! not parse, `{"unknown": …}` with the reason when the value cannot be
//! known (an evaluation error is unknown here, never a guess). The
//! expressions may use the locals of [`LOCALS`].

use std::io::{Read as _, Write as _};

use safeguard_model::Value;
use safeguard_source::SourceFile;
use safeguard_terraform::module_document;

/// The same values as `main.go`'s, written as a module would.
const LOCALS: &str = r#"locals {
  l    = ["a", "b"]
  x    = "X"
  t    = true
  f    = false
  n    = 3
  m    = { a = 1, b = "x" }
  objs = [{ name = "a", v = 1 }, { name = "b", v = 2 }]
}
"#;

fn json(value: &Value) -> Option<serde_json::Value> {
    Some(match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        // JSON has no infinities: both sides write them as cty names them.
        Value::Number(n) if n.is_infinite() => {
            serde_json::Value::String(if *n > 0.0 { "+Inf" } else { "-Inf" }.to_owned())
        }
        Value::Number(n) => serde_json::Number::from_f64(*n).map(serde_json::Value::Number)?,
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::List(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|item| json(&item.value))
                .collect::<Option<_>>()?,
        ),
        Value::Map(map) => serde_json::Value::Object(
            map.entries
                .iter()
                .map(|entry| Some((entry.key.clone(), json(&entry.value.value)?)))
                .collect::<Option<_>>()?,
        ),
        Value::Unknown(_) => return None,
    })
}

fn first_unknown(value: &Value) -> Option<&str> {
    match value {
        Value::Unknown(unknown) => Some(&unknown.reason),
        Value::List(items) => items.iter().find_map(|item| first_unknown(&item.value)),
        Value::Map(map) => map
            .entries
            .iter()
            .find_map(|entry| first_unknown(&entry.value.value)),
        _ => None,
    }
}

fn result_line(expression: &str) -> String {
    let source = format!("{LOCALS}locals {{\n  probe = {expression}\n}}\n");
    let document = module_document("m", vec![SourceFile::new("main.tf", source)]);
    let mut out = serde_json::Map::new();
    if let Some(error) = document.errors.first() {
        out.insert("error".into(), error.message.clone().into());
    } else {
        let value = document
            .objects
            .iter()
            .find_map(|object| object.attrs.get("probe"))
            .map_or(Value::Null, |attr| attr.value.value.clone());
        match first_unknown(&value) {
            Some(reason) => out.insert("unknown".into(), reason.into()),
            None => out.insert("value".into(), json(&value).unwrap_or_default()),
        };
    }
    serde_json::Value::Object(out).to_string()
}

fn main() -> std::io::Result<()> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for expression in input.split("\n\u{1e}\n") {
        if !expression.trim().is_empty() {
            writeln!(out, "{}", result_line(expression))?;
        }
    }
    out.flush()
}
