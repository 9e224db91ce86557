//! Evaluates HCL expressions the way a check does, for `scripts/template-oracle`,
//! which compares the results with Terraform's own HCL library.
//!
//! Reads expressions from standard input, separated by a line holding only
//! the record separator (U+001E), and prints one JSON line per expression:
//! `{"value": …}` for a string or bool, `{"error": …}` when the text does not
//! parse, `{"unknown": …}` or `{"other": …}` otherwise. The expressions may
//! use `local.l` (`["a", "b"]`), `local.x` (`"X"`), `local.t` and `local.f`.

use std::io::{Read as _, Write as _};

use safeguard_model::Value;
use safeguard_source::SourceFile;
use safeguard_terraform::module_document;

fn json(value: &str) -> String {
    serde_json::to_string(value).expect("a string serialises")
}

fn result_line(expression: &str) -> String {
    let source = format!(
        "locals {{\n  l = [\"a\", \"b\"]\n  x = \"X\"\n  t = true\n  f = false\n}}\nlocals {{\n  probe = {expression}\n}}\n"
    );
    let document = module_document("m", vec![SourceFile::new("main.tf", source)]);
    if let Some(error) = document.errors.first() {
        return format!(r#"{{"error":{}}}"#, json(&error.message));
    }
    let value = document
        .objects
        .iter()
        .find_map(|object| object.attrs.get("probe"))
        .map_or(Value::Null, |attr| attr.value.value.clone());
    match value {
        Value::String(s) => format!(r#"{{"value":{}}}"#, json(&s)),
        Value::Bool(b) => format!(r#"{{"value":{b}}}"#),
        Value::Unknown(unknown) => format!(r#"{{"unknown":{}}}"#, json(&unknown.reason)),
        other => format!(r#"{{"other":{}}}"#, json(&other.to_string())),
    }
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
