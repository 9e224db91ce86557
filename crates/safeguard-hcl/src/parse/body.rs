//! Bodies: attributes and blocks, one per line.

use super::seen::Seen;
use super::{Parser, Result};
use crate::ast::{Attribute, Block, BlockLabel, Body, Spanned, Structure};
use crate::error::Error;

impl<'a> Parser<'a> {
    /// Structures until something that cannot start one; the caller decides
    /// whether that is the end of the file or a block's `}`.
    pub(super) fn body(&mut self) -> Result<Body> {
        let start = self.pos;
        let mut structures = Vec::new();
        let mut keys = Seen::default();
        loop {
            self.skip_ws();
            if !self.at_ident_start() {
                break;
            }
            structures.push(self.structure(&mut keys)?);
            self.skip_sp();
            self.skip_line_comment();
            if !(self.line_ending() || self.pos == self.bytes.len()) {
                return Err(
                    self.error("invalid structure; expected a newline or the end of the file")
                );
            }
        }
        Ok(Body::new(structures, self.span_from(start)))
    }

    fn structure(&mut self, keys: &mut Seen<&'a str>) -> Result<Structure> {
        let start = self.pos;
        let ident = self.ident("invalid structure; expected identifier")?;
        self.skip_sp();
        match self.peek() {
            Some(b'=') => {
                let key = &self.text[start..start + ident.as_str().len()];
                if !keys.insert(key) {
                    return Err(Error::new(
                        start,
                        "invalid attribute; expected unique attribute key; found redefined attribute",
                    ));
                }
                let value = self.attribute_value()?;
                Ok(Structure::Attribute(Attribute {
                    key: ident,
                    value,
                    span: self.span_from(start),
                }))
            }
            Some(b'{' | b'"') => self.block(start, ident),
            _ if self.at_ident_start() => self.block(start, ident),
            _ => Err(self.error("invalid structure; expected `{`, `=`, `\"` or identifier")),
        }
    }

    /// `= expr`, the expression not counting towards the nesting depth.
    fn attribute_value(&mut self) -> Result<crate::ast::Expression> {
        self.expect(b'=', "invalid attribute; expected `=`")?;
        self.skip_sp();
        self.operator_scope(|p| p.expr(false))
    }

    fn block(&mut self, start: usize, ident: crate::ast::Ident) -> Result<Structure> {
        let mut labels = Vec::new();
        loop {
            match self.peek() {
                Some(b'"') => {
                    let label_start = self.pos;
                    let Some(text) = self.plain_string()? else {
                        return Err(Error::new(
                            label_start,
                            "invalid block label; expected a string without interpolation",
                        ));
                    };
                    labels.push(BlockLabel::String(Spanned::new(
                        text,
                        self.span_from(label_start),
                    )));
                }
                _ if self.at_ident_start() => {
                    labels.push(BlockLabel::Ident(self.ident("invalid block label")?));
                }
                _ => break,
            }
            self.skip_sp();
        }
        let body = self.block_body()?;
        Ok(Structure::Block(Block {
            ident,
            labels,
            body,
            span: self.span_from(start),
        }))
    }

    /// `{`, then a newline and a body, or one attribute on the same line; `}`.
    fn block_body(&mut self) -> Result<Body> {
        self.nested(|p| {
            p.expect(b'{', "invalid block; expected `{`")?;
            let after_brace = p.pos;
            p.skip_sp();
            p.skip_line_comment();
            if p.line_ending() {
                let body = p.body()?;
                p.expect(
                    b'}',
                    "invalid block body; expected `}`, a newline or an identifier",
                )?;
                return Ok(body);
            }
            p.pos = after_brace;
            p.skip_sp();
            let start = p.pos;
            let mut structures = Vec::new();
            if p.at_ident_start() {
                let key = p.ident("invalid attribute; expected identifier")?;
                p.skip_sp();
                let value = p.attribute_value()?;
                structures.push(Structure::Attribute(Attribute {
                    key,
                    value,
                    span: p.span_from(start),
                }));
                p.skip_sp();
            }
            let body = Body::new(structures, p.span_from(start));
            p.expect(b'}', "invalid block body; expected `}` or a newline")?;
            Ok(body)
        })
    }
}
