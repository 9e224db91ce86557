//! The engine owns judging: it evaluates compiled policies against a
//! document's objects with three-valued logic (pass, fail, unknown, each with
//! its reason), resolves relations between objects of one document, and
//! produces findings located at the attribute or object responsible. It is
//! ignorant of input formats: it sees only the model's objects and values.

mod engine;
mod eval;
mod finding;
mod phi;

pub use engine::{Engine, KeepPasses};
pub use finding::{Finding, Status, Suppression, SuppressionKind, compare_findings, sort_findings};
pub use phi::PhiScope;
