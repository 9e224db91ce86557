//! safeguard-hcl owns reading HCL's native syntax (Terraform's `.tf` and
//! `.tfvars` files) into a syntax tree that keeps the byte span of every
//! node. It is a hand-written recursive-descent parser over bytes, made for
//! reading rather than editing: it keeps no whitespace or comments, so it
//! builds a file's tree in a few allocations per node. It accepts the
//! language `hcl-edit` accepts (a differential test holds it to that) with
//! the same limits on nesting, so hostile input is refused with an error
//! rather than a stack overflow.

mod ast;
mod error;
mod parse;

pub use ast::*;
pub use error::Error;

/// Parses a whole file: attributes and blocks.
pub fn parse_body(text: &str) -> Result<Body, Error> {
    parse::Parser::new(text).parse_file()
}

/// Parses a text holding one expression and nothing else, such as the value
/// of a `TF_VAR_` variable.
pub fn parse_expr(text: &str) -> Result<Expression, Error> {
    parse::Parser::new(text).parse_lone_expr()
}
