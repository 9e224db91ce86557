//! Variable values, from every place Terraform takes them, applied in
//! Terraform's precedence: the declaration's default, then `TF_VAR_name`,
//! then `terraform.tfvars`, `terraform.tfvars.json`, `*.auto.tfvars(.json)`
//! in name order, then `--var-file` and `--var` in the order given. A
//! variable no source sets is unknown, never guessed.

use std::collections::HashMap;

use safeguard_hcl::{Expression, Structure};
use safeguard_model::{InputError, InputErrorLocation, Node, Value};
use safeguard_source::{SourceFile, Span};

use crate::config::ModuleConfig;
use crate::eval::{Evaluator, Frame, unknown};
use crate::modules::FileRegistry;
use crate::types::TypeConstraint;

/// One source of variable values. Callers list them lowest precedence first.
#[derive(Debug, Clone)]
pub enum VarSource {
    /// `TF_VAR_name=raw` from the environment.
    Env { name: String, raw: String },
    /// A `.tfvars` file (HCL attributes).
    Tfvars(SourceFile),
    /// A `.tfvars.json` file (one JSON object).
    TfvarsJson(SourceFile),
    /// `--var name=raw` on the command line.
    Cli { name: String, raw: String },
}

/// The file name order Terraform loads a module's own variable files in.
#[must_use]
pub fn is_auto_loaded_var_file(name: &str) -> bool {
    name == "terraform.tfvars"
        || name == "terraform.tfvars.json"
        || name.ends_with(".auto.tfvars")
        || name.ends_with(".auto.tfvars.json")
}

/// Sorts auto-loaded file names into Terraform's load order.
pub fn sort_auto_loaded(names: &mut [String]) {
    let rank = |name: &str| match name {
        "terraform.tfvars" => 0,
        "terraform.tfvars.json" => 1,
        _ => 2,
    };
    names.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
}

/// A declared `type` that Terraform reads raw command-line and environment
/// values as strings for (primitive types, or none).
fn takes_raw_strings(type_expr: Option<&Expression>) -> bool {
    match type_expr {
        None => true,
        Some(Expression::Variable(v)) => matches!(v.as_str(), "string" | "number" | "bool" | "any"),
        Some(_) => false,
    }
}

/// Whether `value`, given to variable `name`, replaces what it holds: not
/// a null given to a `nullable = false` variable (Terraform 1.1), which
/// keeps its default.
pub(crate) fn replaces_value(config: &ModuleConfig<'_>, name: &str, value: &Node) -> bool {
    let keeps_default = || {
        config.variables.get(name).is_some_and(|declared| {
            declared
                .block
                .body
                .get_attribute("nullable")
                .is_some_and(|a| matches!(a.value, Expression::Bool(ref b) if !*b.value()))
        })
    };
    !(matches!(value.value, Value::Null) && keeps_default())
}

/// `value` converted to the type variable `name` declares (see
/// [`crate::types`]); as given when it declares none this reads.
pub(crate) fn convert_variable(
    config: &ModuleConfig<'_>,
    files: &FileRegistry,
    name: &str,
    value: Node,
) -> Node {
    let Some(declared) = config.variables.get(name) else {
        return value;
    };
    let Some(constraint) = declared
        .block
        .body
        .get_attribute("type")
        .and_then(|a| TypeConstraint::parse(&a.value))
    else {
        return value;
    };
    // `optional` defaults are constants, written beside the type.
    let empty = ModuleConfig::default();
    let constants = Evaluator::new(&empty, files, None, HashMap::new());
    let frame = Frame::in_file(declared.file);
    let default = |expr: &Expression| constants.value(expr, &frame);
    constraint.convert(value, &default, u32::try_from(declared.file).ok())
}

pub(crate) fn resolve_variables(
    config: &ModuleConfig<'_>,
    files: &FileRegistry,
    sources: &[VarSource],
    errors: &mut Vec<InputError>,
) -> HashMap<String, Node> {
    // Defaults and variable files hold constants: evaluate them with no
    // module context (functions work, references do not).
    let empty = ModuleConfig::default();
    let mut values: HashMap<String, Node> = HashMap::new();
    for (name, declared) in &config.variables {
        let default = declared.block.body.get_attribute("default");
        let value = match default {
            Some(attr) => {
                let constants = Evaluator::new(&empty, files, None, HashMap::new());
                constants.value(&attr.value, &Frame::in_file(declared.file))
            }
            None => unknown(
                Span::default(),
                format!(
                    "var.{name} has no value (no default, no tfvars entry, --var or TF_VAR_{name})"
                ),
                vec![format!("var.{name}")],
            ),
        };
        values.insert(name.clone(), value);
    }
    let type_of = |name: &str| {
        config
            .variables
            .get(name)
            .and_then(|d| d.block.body.get_attribute("type"))
            .map(|a| &a.value)
    };

    let set = |values: &mut HashMap<String, Node>, name: String, value: Node| {
        if replaces_value(config, &name, &value) {
            values.insert(name, value);
        }
    };
    for source in sources {
        match source {
            VarSource::Env { name, raw } | VarSource::Cli { name, raw } => {
                if !config.variables.contains_key(name) {
                    continue;
                }
                let value = if takes_raw_strings(type_of(name)) {
                    Some(Node::new(Value::String(raw.clone()), Span::default()))
                } else {
                    parse_raw(raw)
                };
                if let Some(value) = value {
                    set(&mut values, name.clone(), value);
                }
            }
            VarSource::Tfvars(file) => match safeguard_hcl::parse_body(file.text()) {
                Ok(body) => {
                    let tfvars_file = FileRegistry::new(vec![file.clone()]);
                    let constants = Evaluator::new(&empty, &tfvars_file, None, HashMap::new());
                    for structure in body.iter() {
                        match structure {
                            Structure::Attribute(attr) => {
                                let name = attr.key.as_str();
                                if config.variables.contains_key(name) {
                                    let value = constants.value(&attr.value, &Frame::in_file(0));
                                    set(&mut values, name.to_owned(), value);
                                }
                            }
                            Structure::Block(block) => {
                                let span = block.ident.span();
                                errors.push(InputError::at_span(
                                    file,
                                    span,
                                    "a variable file holds only `name = value` lines",
                                ));
                            }
                        }
                    }
                }
                Err(err) => {
                    errors.push(crate::module::parse_error(file, &err));
                }
            },
            VarSource::TfvarsJson(file) => {
                match serde_json::from_str::<serde_json::Value>(file.text()) {
                    Ok(serde_json::Value::Object(object)) => {
                        let span =
                            Span::new(0, u32::try_from(file.text().len()).unwrap_or(u32::MAX));
                        for (name, json) in object {
                            if config.variables.contains_key(&name) {
                                let value = Node::new(crate::eval::from_json(&json, span), span);
                                set(&mut values, name.clone(), value);
                            }
                        }
                    }
                    Ok(_) => errors.push(InputError::new(
                        file.path(),
                        "a .tfvars.json file must hold one JSON object",
                        InputErrorLocation::None,
                    )),
                    Err(err) => errors.push(InputError::new(
                        file.path(),
                        format!("invalid JSON: {err}"),
                        InputErrorLocation::Position {
                            line: u32::try_from(err.line()).unwrap_or(u32::MAX),
                            column: u32::try_from(err.column()).unwrap_or(u32::MAX),
                        },
                    )),
                }
            }
        }
    }
    // Defaults and every source's values alike: Terraform converts the
    // value in force to the declared type.
    values
        .into_iter()
        .map(|(name, value)| {
            let converted = convert_variable(config, files, &name, value);
            (name, converted)
        })
        .collect()
}

/// A complex-typed `--var`/`TF_VAR_` value, written in HCL syntax.
fn parse_raw(raw: &str) -> Option<Node> {
    let expr = safeguard_hcl::parse_expr(raw).ok()?;
    let empty = ModuleConfig::default();
    let none = FileRegistry::default();
    let constants = Evaluator::new(&empty, &none, None, HashMap::new());
    let node = constants.value(&expr, &Frame::default());
    Some(Node::new(node.value, Span::default()))
}
