//! What the evaluation tests share: a module from one file's text, and the
//! value an expression evaluates to in it.
#![allow(dead_code)] // each test binary uses its own subset

use safeguard_model::{Document, Value};
use safeguard_source::SourceFile;
use safeguard_terraform::module_document;

/// The module's objects from its blocks; the derived `required_provider`
/// objects have their own test.
pub fn module(text: &str) -> Document {
    let mut doc = module_document("m", vec![SourceFile::new("main.tf", text)]);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    doc.objects.retain(|o| o.kind != "required_provider");
    doc
}

/// The value of `locals { probe = EXPR }`, with `extra` configuration
/// beside it.
pub fn eval_value(extra: &str, expr: &str) -> Value {
    let doc = module(&format!("{extra}\nlocals {{\n  probe = {expr}\n}}\n"));
    doc.objects
        .iter()
        .find_map(|o| o.attrs.get("probe").filter(|_| o.kind == "locals"))
        .expect("the probe local")
        .value
        .value
        .clone()
}
