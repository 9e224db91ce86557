//! The Terraform frontend owns reading HCL (through `hcl-edit`, which keeps
//! byte spans) into safeguard's model. The unit is a module: every `.tf` file
//! of one directory becomes one [`safeguard_model::Document`], so policies can
//! relate objects across the files of a module.
//!
//! This first cut keeps literal values with their spans and turns every other
//! expression into `Unknown`, with the expression text as its reason and the
//! addresses it references; evaluation is a later layer.

mod blocks;
mod expr;
mod module;

pub use module::module_document;
