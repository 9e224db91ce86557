//! The policy crate owns the policy language: the YAML file format, its
//! validation into a compiled, immutable [`Policy`] (with every mistake
//! reported at file:line:column with a hint), loading policy folders and the
//! bundled packs, and the JSON Schema editors use to autocomplete policy files.
//! It knows nothing about input formats or how conditions are evaluated.

mod compile;
mod condition;
mod error;
mod loader;
mod path;
mod policy;
mod schema;
mod vocabulary;

pub use compile::{compile_policy, did_you_mean};
pub use condition::{Condition, ExistsObject, Leaf, Operator, ReferencedBy};
pub use error::PolicyError;
pub use loader::{PolicySet, load_dir, load_sources};
pub use path::{AttrPath, PathSegment};
pub use policy::{AppliesTo, Example, Examples, MessageTemplate, Policy, Scope};
pub use schema::json_schema;
pub use vocabulary::{Safeguard, Severity};
