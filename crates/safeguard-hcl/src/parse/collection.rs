//! Collections and `for` expressions: `[...]`, `{...}`, `[for ...]` and
//! `{for ...}`, and the `k, v in` that `%{ for }` directives share.

use super::{Parser, Result};
use crate::ast::{Array, Expression, ForCond, ForExpr, ForIntro, Ident, Object, ObjectKey};

impl Parser<'_> {
    /// `[a, b, c]` or `[for ... : value if cond]`.
    pub(super) fn array(&mut self) -> Result<Expression> {
        let start = self.pos;
        self.pos += 1;
        if self.at_for_keyword() {
            let intro = self.for_intro()?;
            self.skip_ws();
            let value_expr = self.nested(|p| p.expr(true))?;
            self.skip_ws();
            let cond = self.for_cond()?;
            self.expect(b']', "invalid for expression; expected `]`")?;
            return Ok(Expression::ForExpr(Box::new(ForExpr {
                intro,
                key_expr: None,
                value_expr,
                grouping: false,
                cond,
                span: self.span_from(start),
            })));
        }
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(b']') {
                break;
            }
            items.push(self.nested(|p| p.expr(true))?);
            self.skip_ws();
            if self.peek() == Some(b',') {
                self.pos += 1;
            } else {
                break;
            }
        }
        self.skip_ws();
        self.expect(b']', "invalid array; expected `,` or `]`")?;
        Ok(Expression::Array(Array {
            items,
            span: self.span_from(start),
        }))
    }

    /// `{ key = value, ... }` or `{for ... : key => value... if cond}`.
    pub(super) fn object(&mut self) -> Result<Expression> {
        let start = self.pos;
        self.pos += 1;
        if self.at_for_keyword() {
            let intro = self.for_intro()?;
            self.skip_ws();
            let key_expr = self.nested(|p| p.expr(false))?;
            self.skip_ws();
            if !self.starts_with(b"=>") {
                return Err(self.error("invalid for expression; expected `=>`"));
            }
            self.pos += 2;
            self.skip_ws();
            let value_expr = self.nested(|p| p.expr(false))?;
            self.skip_ws();
            let grouping = self.starts_with(b"...");
            if grouping {
                self.pos += 3;
                self.skip_ws();
            }
            let cond = self.for_cond()?;
            self.expect(b'}', "invalid for expression; expected `}`")?;
            return Ok(Expression::ForExpr(Box::new(ForExpr {
                intro,
                key_expr: Some(key_expr),
                value_expr,
                grouping,
                cond,
                span: self.span_from(start),
            })));
        }
        // A repeated key is not an error: hashicorp/hcl evaluates `{ a = 1,
        // a = 2 }` to `{ a = 2 }`, and published modules rely on it
        // (terraform-google-modules/sql-db's examples repeat a key).
        // hcl-edit refuses it; Terraform is the reference.
        let mut items: Vec<(ObjectKey, Expression)> = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(b'}') {
                self.pos += 1;
                break;
            }
            let key = match self.nested(|p| p.expr(false))? {
                // A bare name is the key itself, not a variable.
                Expression::Variable(ident) => ObjectKey::Ident(ident),
                other => ObjectKey::Expression(other),
            };
            self.skip_sp();
            if !matches!(self.peek(), Some(b'=' | b':')) {
                return Err(self.error("invalid object value assignment; expected `=` or `:`"));
            }
            self.pos += 1;
            self.skip_sp();
            let value = self.nested(|p| p.expr(false))?;
            self.skip_sp();
            items.push((key, value));
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(b',') => self.pos += 1,
                Some(b'\n' | b'\r') if self.line_ending() => {}
                Some(b'#' | b'/') if self.skip_line_comment() => {
                    if !self.line_ending() {
                        return Err(self.error("invalid object item; expected newline"));
                    }
                }
                _ => {
                    return Err(self.error("invalid object item; expected `}`, `,` or newline"));
                }
            }
        }
        Ok(Expression::Object(Object {
            items,
            span: self.span_from(start),
        }))
    }

    /// `for` followed by a space or a comment: `format(...)` is a call.
    fn at_for_keyword(&mut self) -> bool {
        let before = self.pos;
        self.skip_ws();
        let found = self.starts_with(b"for")
            && matches!(self.peek_at(3), Some(b' ' | b'\t' | b'#' | b'/' | b'\n'));
        self.pos = before;
        found
    }

    /// `for k, v in collection :`
    fn for_intro(&mut self) -> Result<ForIntro> {
        self.skip_ws();
        self.pos += 3;
        let (key_var, value_var, collection_expr) = self.for_variables("for expression")?;
        self.skip_ws();
        self.expect(b':', "invalid for expression; expected `:`")?;
        Ok(ForIntro {
            key_var,
            value_var,
            collection_expr,
        })
    }

    /// After `for`: `k, v in collection` or `v in collection`, as a `for`
    /// expression and a `%{ for }` directive both write it. `what` names the
    /// construct in errors.
    pub(super) fn for_variables(
        &mut self,
        what: &str,
    ) -> Result<(Option<Ident>, Ident, Expression)> {
        let expected_ident = format!("invalid {what}; expected identifier");
        self.skip_ws();
        let first = self.ident(&expected_ident)?;
        self.skip_ws();
        let second = if self.peek() == Some(b',') {
            self.pos += 1;
            self.skip_ws();
            let second = self.ident(&expected_ident)?;
            self.skip_ws();
            Some(second)
        } else {
            None
        };
        if !self.starts_with(b"in") {
            return Err(self.error(&format!("invalid {what}; expected `in`")));
        }
        self.pos += 2;
        self.skip_ws();
        let collection_expr = self.nested(|p| p.expr(false))?;
        Ok(match second {
            Some(second) => (Some(first), second, collection_expr),
            None => (None, first, collection_expr),
        })
    }

    /// `if cond` at the end of a `for` expression, if present.
    fn for_cond(&mut self) -> Result<Option<ForCond>> {
        let before = self.pos;
        self.skip_ws();
        if !self.starts_with(b"if") {
            self.pos = before;
            return Ok(None);
        }
        self.pos += 2;
        self.skip_ws();
        let expr = self.nested(|p| p.expr(true))?;
        self.skip_ws();
        Ok(Some(ForCond { expr }))
    }
}
