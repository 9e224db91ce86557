//! The model owns the format-neutral picture every frontend produces and every
//! policy reads: a spanned value tree ([`Node`], [`Value`]) where a value the
//! tool cannot know is [`Value::Unknown`] with its reason, [`Object`]s (one
//! configured thing: a resource, a connector, a mail service) with a stable
//! address, and [`Document`]s, the unit a frontend hands to the engine (a
//! Terraform module directory, one export, one mail-server tree) together with
//! the input errors found while reading it.

mod document;
mod format;
mod object;
mod value;

pub use document::{Document, InputError, InputErrorLocation};
pub use format::{Format, UnknownFormat};
pub use object::Object;
pub use value::{Entry, Map, Node, Unknown, Value};
