//! Expressions: terms, traversals, operators, conditionals and function
//! calls. Collections and `for` expressions are in `collection.rs`.

use super::{MAX_OPERATOR_DEPTH, Parser, Result};
use crate::ast::{
    BinaryOp, BinaryOperator, Conditional, Expression, FuncArgs, FuncCall, FuncName, Ident,
    Parenthesis, Spanned, Traversal, TraversalOperator, UnaryOp, UnaryOperator,
};
use crate::error::Error;

const EXPECTED_EXPRESSION: &str =
    "invalid expression; expected `\"`, `[`, `{`, `-`, `!`, `(`, `<`, identifier or number";

impl Parser<'_> {
    /// An expression: operands joined by operators, then perhaps `? :`.
    /// `newlines` says whether a newline may sit between its tokens.
    pub(super) fn expr(&mut self, newlines: bool) -> Result<Expression> {
        let start = self.pos;
        let mut expr = self.expr_term(newlines)?;
        loop {
            let before_space = self.pos;
            self.ws_or_sp(newlines);
            match (self.peek(), self.peek_at(1)) {
                (Some(b'?'), _) => {
                    self.pos += 1;
                    self.ws_or_sp(newlines);
                    let true_expr = self.nested(|p| p.expr(newlines))?;
                    self.ws_or_sp(newlines);
                    self.expect(b':', "invalid conditional; expected `:`")?;
                    self.ws_or_sp(newlines);
                    let false_expr = self.nested(|p| p.expr(newlines))?;
                    return Ok(Expression::Conditional(Box::new(Conditional {
                        cond_expr: expr,
                        true_expr,
                        false_expr,
                        span: self.span_from(start),
                    })));
                }
                // `//` and `/*` start comments, and a lone `=` belongs to
                // an object item or attribute.
                (Some(b'/'), Some(b'/' | b'*')) => {
                    self.pos = before_space;
                    return Ok(expr);
                }
                (Some(b'='), Some(b'='))
                | (Some(b'!' | b'<' | b'>' | b'+' | b'-' | b'*' | b'/' | b'%' | b'&' | b'|'), _) => {
                    self.pos = before_space;
                    expr = self.binary_chain(expr, newlines)?;
                }
                _ => {
                    self.pos = before_space;
                    return Ok(expr);
                }
            }
        }
    }

    /// `first op term op term ...`, arranged by precedence.
    fn binary_chain(&mut self, first: Expression, newlines: bool) -> Result<Expression> {
        let mut operands = vec![first];
        let mut operators = Vec::new();
        loop {
            let before_space = self.pos;
            self.ws_or_sp(newlines);
            let operator_start = self.pos;
            let Some(operator) = self.binary_operator() else {
                if operators.is_empty() {
                    return Err(self.error("invalid binary operation; expected an operator"));
                }
                self.pos = before_space;
                break;
            };
            let operator = Spanned::new(operator, self.span_from(operator_start));
            self.ws_or_sp(newlines);
            let operand = self.expr_term(newlines)?;
            if self.operator_depth + operators.len() + 1 > MAX_OPERATOR_DEPTH {
                return Err(Error::new(
                    operator_start,
                    "invalid binary operation; expected at most 128 chained binary operators",
                ));
            }
            operators.push(operator);
            operands.push(operand);
        }
        self.operator_depth += operators.len();
        Ok(by_precedence(operands, operators))
    }

    fn binary_operator(&mut self) -> Option<BinaryOperator> {
        let next = self.peek_at(1);
        let (operator, len) = match (self.peek()?, next) {
            (b'=', Some(b'=')) => (BinaryOperator::Eq, 2),
            (b'!', Some(b'=')) => (BinaryOperator::NotEq, 2),
            (b'<', Some(b'=')) => (BinaryOperator::LessEq, 2),
            (b'>', Some(b'=')) => (BinaryOperator::GreaterEq, 2),
            (b'<', _) => (BinaryOperator::Less, 1),
            (b'>', _) => (BinaryOperator::Greater, 1),
            (b'+', _) => (BinaryOperator::Plus, 1),
            (b'-', _) => (BinaryOperator::Minus, 1),
            (b'*', _) => (BinaryOperator::Mul, 1),
            (b'/', Some(b'/' | b'*')) => return None,
            (b'/', _) => (BinaryOperator::Div, 1),
            (b'%', _) => (BinaryOperator::Mod, 1),
            (b'&', Some(b'&')) => (BinaryOperator::And, 2),
            (b'|', Some(b'|')) => (BinaryOperator::Or, 2),
            _ => return None,
        };
        self.pos += len;
        Some(operator)
    }

    /// One operand, with any traversal that follows it.
    pub(super) fn expr_term(&mut self, newlines: bool) -> Result<Expression> {
        let start = self.pos;
        let term = match self.peek() {
            Some(b'"') => self.quoted_string()?,
            Some(b'[') => self.array()?,
            Some(b'{') => self.object()?,
            Some(b'0'..=b'9') => self.number(start, false)?,
            Some(b'<') => self.heredoc()?,
            Some(b'-') => {
                self.pos += 1;
                self.skip_sp();
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.number(start, true)?
                } else {
                    self.pos = start;
                    self.unary(newlines)?
                }
            }
            Some(b'!') => self.unary(newlines)?,
            Some(b'(') => self.parenthesis()?,
            _ if self.at_ident_start() => self.identlike(newlines)?,
            _ => return Err(self.error(EXPECTED_EXPRESSION)),
        };
        self.traversal(term, start, newlines)
    }

    fn traversal(&mut self, term: Expression, start: usize, newlines: bool) -> Result<Expression> {
        let mut operators = Vec::new();
        loop {
            let before_space = self.pos;
            self.ws_or_sp(newlines);
            let operator_start = self.pos;
            let operator = match (self.peek(), self.peek_at(1)) {
                // `..` is the start of `...`, never an attribute access.
                (Some(b'.'), Some(b'.')) => None,
                (Some(b'.'), _) => {
                    self.pos += 1;
                    self.skip_ws();
                    Some(self.after_dot()?)
                }
                (Some(b'['), _) => {
                    self.pos += 1;
                    self.skip_ws();
                    let operator = if self.peek() == Some(b'*') {
                        self.pos += 1;
                        TraversalOperator::FullSplat
                    } else {
                        TraversalOperator::Index(self.nested(|p| p.expr(true))?)
                    };
                    self.skip_ws();
                    self.expect(b']', "invalid index; expected `]`")?;
                    Some(operator)
                }
                _ => None,
            };
            match operator {
                Some(operator) => {
                    operators.push(Spanned::new(operator, self.span_from(operator_start)));
                }
                None => {
                    self.pos = before_space;
                    break;
                }
            }
        }
        if operators.is_empty() {
            return Ok(term);
        }
        Ok(Expression::Traversal(Box::new(Traversal {
            expr: term,
            operators,
            span: self.span_from(start),
        })))
    }

    /// What follows a `.`: `*`, a legacy index or an attribute name.
    fn after_dot(&mut self) -> Result<TraversalOperator> {
        match self.peek() {
            Some(b'*') => {
                self.pos += 1;
                Ok(TraversalOperator::AttrSplat)
            }
            Some(b'0'..=b'9') => {
                let start = self.pos;
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.pos += 1;
                }
                self.text[start..self.pos]
                    .parse()
                    .map(TraversalOperator::LegacyIndex)
                    .map_err(|_| {
                        Error::new(
                            start,
                            "invalid legacy index; expected an unsigned 64-bit integer",
                        )
                    })
            }
            _ => Ok(TraversalOperator::GetAttr(self.ident(
                "invalid traversal operator; expected `*`, identifier or unsigned integer",
            )?)),
        }
    }

    /// Digits, an optional fraction and an optional exponent. `negative`
    /// when a `-` (already consumed) came before.
    fn number(&mut self, start: usize, negative: bool) -> Result<Expression> {
        let digits_start = self.pos;
        self.skip_digits();
        if self.peek() == Some(b'.') && matches!(self.peek_at(1), Some(b'0'..=b'9')) {
            self.pos += 1;
            self.skip_digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number; expected digit"));
            }
            self.skip_digits();
        }
        let magnitude: f64 = self.text[digits_start..self.pos]
            .parse()
            .map_err(|_| Error::new(digits_start, "invalid number"))?;
        let value = if negative { -magnitude } else { magnitude };
        Ok(Expression::Number(Spanned::new(
            value,
            self.span_from(start),
        )))
    }

    fn skip_digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn unary(&mut self, newlines: bool) -> Result<Expression> {
        let start = self.pos;
        let operator = if self.peek() == Some(b'-') {
            UnaryOperator::Neg
        } else {
            UnaryOperator::Not
        };
        self.pos += 1;
        let operator = Spanned::new(operator, self.span_from(start));
        self.skip_sp();
        let expr = self.nested(|p| p.expr_term(newlines))?;
        Ok(Expression::UnaryOp(Box::new(UnaryOp {
            operator,
            expr,
            span: self.span_from(start),
        })))
    }

    fn parenthesis(&mut self) -> Result<Expression> {
        let start = self.pos;
        self.pos += 1;
        self.skip_ws();
        let inner = self.nested(|p| p.expr(true))?;
        self.skip_ws();
        self.expect(b')', "invalid parenthesised expression; expected `)`")?;
        Ok(Expression::Parenthesis(Box::new(Parenthesis {
            inner,
            span: self.span_from(start),
        })))
    }

    /// A keyword, a variable or a function call.
    fn identlike(&mut self, newlines: bool) -> Result<Expression> {
        let start = self.pos;
        let first = self.ident(EXPECTED_EXPRESSION)?;
        let after_name = self.pos;
        self.ws_or_sp(newlines);
        if self.starts_with(b"::") || self.peek() == Some(b'(') {
            return self.call(start, first, newlines);
        }
        self.pos = after_name;
        let span = first.span();
        Ok(match first.as_str() {
            "null" => Expression::Null(span),
            "true" => Expression::Bool(Spanned::new(true, span)),
            "false" => Expression::Bool(Spanned::new(false, span)),
            _ => Expression::Variable(first),
        })
    }

    fn call(&mut self, start: usize, first: Ident, newlines: bool) -> Result<Expression> {
        let mut namespace = Vec::new();
        let mut name = first;
        while self.starts_with(b"::") {
            self.pos += 2;
            self.ws_or_sp(newlines);
            let next = self.ident("invalid function name; expected identifier")?;
            self.ws_or_sp(newlines);
            namespace.push(std::mem::replace(&mut name, next));
        }
        self.expect(b'(', "invalid function call; expected `(`")?;
        let mut items = Vec::new();
        let mut expand_final = false;
        loop {
            self.skip_ws();
            if matches!(self.peek(), Some(b',' | b'.' | b')') | None) {
                break;
            }
            items.push(self.nested(|p| p.expr(true))?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'.') if self.starts_with(b"...") => {
                    self.pos += 3;
                    expand_final = true;
                    break;
                }
                Some(b'.') => return Err(self.error("invalid function call; expected `...`")),
                _ => break,
            }
        }
        self.skip_ws();
        self.expect(
            b')',
            "invalid function call; expected expression, `,`, `...` or `)`",
        )?;
        Ok(Expression::FuncCall(Box::new(FuncCall {
            name: FuncName { namespace, name },
            args: FuncArgs {
                items,
                expand_final,
            },
            span: self.span_from(start),
        })))
    }
}

/// Folds `operands[0] op[0] operands[1] op[1] ...` into a tree in which
/// higher precedence binds tighter and equal precedence associates left.
fn by_precedence(operands: Vec<Expression>, operators: Vec<Spanned<BinaryOperator>>) -> Expression {
    let mut output: Vec<Expression> = Vec::with_capacity(operands.len());
    let mut pending: Vec<Spanned<BinaryOperator>> = Vec::with_capacity(operators.len());
    let mut operands = operands.into_iter();
    output.extend(operands.next());
    for (operator, operand) in operators.into_iter().zip(operands) {
        while pending
            .last()
            .is_some_and(|top| top.value().precedence() >= operator.value().precedence())
        {
            reduce(&mut output, &mut pending);
        }
        pending.push(operator);
        output.push(operand);
    }
    while !pending.is_empty() {
        reduce(&mut output, &mut pending);
    }
    output
        .pop()
        .unwrap_or(Expression::Null(safeguard_source::Span::default()))
}

fn reduce(output: &mut Vec<Expression>, pending: &mut Vec<Spanned<BinaryOperator>>) {
    let (Some(operator), Some(rhs_expr), Some(lhs_expr)) =
        (pending.pop(), output.pop(), output.pop())
    else {
        return;
    };
    let span = lhs_expr.span().cover(rhs_expr.span());
    output.push(Expression::BinaryOp(Box::new(BinaryOp {
        lhs_expr,
        operator,
        rhs_expr,
        span,
    })));
}
