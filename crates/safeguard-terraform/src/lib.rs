//! The Terraform frontend owns reading HCL (through `safeguard-hcl`, which
//! keeps byte spans) into safeguard's model, with Terraform's semantics: variables
//! with their values from defaults, tfvars, the command line and the
//! environment; locals; expressions and the common functions; `count`,
//! `for_each` and `dynamic` expansion. The unit is a module: every `.tf` file
//! of one directory becomes one [`safeguard_model::Document`], so policies can
//! relate objects across the files of a module. What cannot be known is
//! `Unknown` with its reason, never a guess.

mod config;
mod eval;
mod expand;
mod inputs;
mod module;
mod modules;
mod plan;
mod providers;
mod types;

pub use expand::MAX_INSTANCES;
pub use inputs::{VarSource, is_auto_loaded_var_file, sort_auto_loaded};
pub use module::{
    module_document, module_document_with, root_module_document, root_module_document_with_limits,
};
pub use modules::{Limits, LoadedModule, MAX_MODULE_DEPTH, ModuleLoader};
pub use plan::{looks_like_plan, plan_document};
pub use providers::provider_requirements;
