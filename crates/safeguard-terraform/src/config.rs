//! The declarations of one module, gathered from its parsed files before any
//! evaluation, so references can be resolved in any order (Terraform
//! configuration is declarative: a local may use one defined further down or
//! in another file).

use std::collections::HashMap;

use safeguard_hcl::{Attribute, Block, BlockLabel, Body, Expression, ObjectKey, Structure};

/// A block that declares something addressable.
#[derive(Clone, Copy)]
pub(crate) struct Declared<'a> {
    pub file: usize,
    pub block: &'a Block,
}

#[derive(Default)]
pub(crate) struct ModuleConfig<'a> {
    pub variables: HashMap<String, Declared<'a>>,
    pub locals: HashMap<String, (usize, &'a Attribute)>,
    /// `T.N` and `data.T.N` to their blocks.
    pub resources: HashMap<String, Declared<'a>>,
    /// Module calls by name.
    pub modules: HashMap<String, Declared<'a>>,
    /// Whether `required_providers` holds the AWS provider to 5.0 or later,
    /// whose `aws_iam_policy_document` text differs from older ones.
    pub aws_provider_5: bool,
}

impl<'a> ModuleConfig<'a> {
    pub(crate) fn gather(bodies: &'a [(usize, Body)]) -> Self {
        let mut config = ModuleConfig::default();
        for (file, body) in bodies {
            for structure in body.iter() {
                let Structure::Block(block) = structure else {
                    continue;
                };
                let labels: Vec<&str> = block.labels.iter().map(BlockLabel::as_str).collect();
                let declared = Declared { file: *file, block };
                match (block.ident.as_str(), labels.as_slice()) {
                    ("variable", [name]) => {
                        config.variables.insert((*name).to_owned(), declared);
                    }
                    ("locals", []) => {
                        for attr in block.body.attributes() {
                            config
                                .locals
                                .insert(attr.key.as_str().to_owned(), (*file, attr));
                        }
                    }
                    ("resource", [kind, name]) => {
                        config.resources.insert(format!("{kind}.{name}"), declared);
                    }
                    ("module", [name]) => {
                        config.modules.insert((*name).to_owned(), declared);
                    }
                    ("data", [kind, name]) => {
                        config
                            .resources
                            .insert(format!("data.{kind}.{name}"), declared);
                    }
                    ("terraform", []) => {
                        config.aws_provider_5 |= requires_aws_provider_5(block);
                    }
                    _ => {}
                }
            }
        }
        config
    }
}

/// Whether a `terraform` block's `required_providers` only admits AWS
/// provider versions 5.0 and later (Terraform picks one version that meets
/// every constraint, so one such constraint is enough).
fn requires_aws_provider_5(terraform: &Block) -> bool {
    terraform
        .body
        .get_blocks("required_providers")
        .flat_map(|block| block.body.attributes())
        .filter(|attr| attr.key.as_str() == "aws")
        .any(|attr| match &attr.value {
            // The pre-0.13 form: a bare constraint.
            Expression::String(_) => attr.value.as_str().is_some_and(admits_only_5_and_later),
            Expression::Object(object) => {
                let field = |name: &str| {
                    object.iter().find_map(|(key, value)| {
                        let key = match key {
                            ObjectKey::Ident(ident) => ident.as_str(),
                            ObjectKey::Expression(expr) => expr.as_str()?,
                        };
                        (key == name).then_some(value)
                    })
                };
                let hashicorp = match field("source") {
                    None => true,
                    Some(source) => source.as_str().is_some_and(|s| {
                        let s = s.to_ascii_lowercase();
                        s == "hashicorp/aws" || s == "registry.terraform.io/hashicorp/aws"
                    }),
                };
                hashicorp
                    && field("version")
                        .and_then(Expression::as_str)
                        .is_some_and(admits_only_5_and_later)
            }
            _ => false,
        })
}

/// A version constraint (`>= 5.0`, `~> 5.31`, `5.2.0, < 6`) that no
/// version before 5.0 meets: one of its parts requires major version 5 or
/// more. A pre-release bound is not trusted.
fn admits_only_5_and_later(constraint: &str) -> bool {
    constraint.split(',').any(|part| {
        let part = part.trim();
        let (operator, version) = ["~>", ">=", "<=", "!=", "=", ">", "<"]
            .iter()
            .find_map(|op| part.strip_prefix(op).map(|rest| (*op, rest.trim())))
            .unwrap_or(("=", part));
        let major = version
            .split('.')
            .next()
            .and_then(|m| m.strip_prefix('v').unwrap_or(m).parse::<u64>().ok());
        matches!(operator, "~>" | ">=" | "=" | ">")
            && !version.contains('-')
            && major.is_some_and(|major| major >= 5)
    })
}

#[cfg(test)]
mod tests {
    use super::admits_only_5_and_later;

    #[test]
    fn constraints_that_rule_out_providers_before_5() {
        for yes in [
            ">= 5.0",
            "~> 5.31",
            "5.2.0",
            "= 6.0.0",
            ">= 4.0, >= 5.1",
            "> 5.0",
            " >=5 ",
        ] {
            assert!(admits_only_5_and_later(yes), "{yes}");
        }
        for no in [
            ">= 4.0",
            "~> 4.67",
            "< 6.0",
            "!= 4.0",
            "> 4.9",
            ">= 5.0.0-beta1",
            "latest",
            "",
        ] {
            assert!(!admits_only_5_and_later(no), "{no}");
        }
    }
}
