//! The policy crate owns the policy language: the YAML file format, its
//! validation into a compiled, immutable [`Policy`] (with every mistake
//! reported at file:line:column with a hint), loading policy folders and the
//! bundled packs, and the JSON Schema editors use to autocomplete policy files.
//! It knows nothing about input formats or how conditions are evaluated.

mod catalogue;
mod compile;
mod condition;
mod error;
mod loader;
mod path;
mod pattern;
mod policy;
mod schema;
mod vocabulary;

pub use catalogue::is_iso_date;
pub use catalogue::{
    BaaContext, BaaOffer, BaaRegister, BaaStatus, DataFile, Eligibility, RegisteredBaa,
    ServiceEntry, ServiceList, Vendor, VendorCatalogue,
};
pub use compile::{CompiledFile, compile_file, compile_policy, did_you_mean};
pub use condition::{Condition, ExistsObject, Leaf, Operator, ReferencedBy};
pub use error::PolicyError;
pub use loader::{PolicySet, load_dir, load_sources};
pub use path::{AttrPath, PathSegment};
pub use pattern::Pattern;
pub use policy::{AppliesTo, Example, Examples, MessageTemplate, Policy, Scope, type_matches};
pub use schema::json_schema;
pub use vocabulary::{Safeguard, Severity};
