//! The declarations of one module, gathered from its parsed files before any
//! evaluation, so references can be resolved in any order (Terraform
//! configuration is declarative: a local may use one defined further down or
//! in another file).

use std::collections::HashMap;

use safeguard_hcl::{Attribute, Block, BlockLabel, Body, Structure};

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
                    _ => {}
                }
            }
        }
        config
    }
}
