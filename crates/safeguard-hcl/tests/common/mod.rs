//! One text form for the trees of both parsers, so a test can compare them:
//! every structure and expression with its kind, values and span.

use std::fmt::Write;

use hcl_edit::Span as _;

pub fn ours(text: &str) -> Result<String, String> {
    let body = safeguard_hcl::parse_body(text).map_err(|e| e.message().to_owned())?;
    let mut out = String::new();
    ours::body(&body, 0, &mut out);
    Ok(out)
}

pub fn theirs(text: &str) -> Result<String, String> {
    let body = hcl_edit::parser::parse_body(text).map_err(|e| e.message().to_owned())?;
    let mut out = String::new();
    theirs::body(&body, 0, &mut out);
    Ok(out)
}

fn pad(depth: usize, out: &mut String) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn range(r: std::ops::Range<usize>) -> String {
    format!("@{}..{}", r.start, r.end)
}

fn number(n: f64) -> String {
    format!("{n:?}")
}

/// A sequence's `~` markers, before and after.
fn strips(start: bool, end: bool) -> &'static str {
    match (start, end) {
        (false, false) => "-",
        (true, false) => "~-",
        (false, true) => "-~",
        (true, true) => "~-~",
    }
}

mod ours {
    use super::*;
    use safeguard_hcl::*;

    fn strip(s: Strip) -> &'static str {
        strips(s.start, s.end)
    }

    fn at(span: safeguard_source::Span) -> String {
        range(span.range())
    }

    pub fn body(body: &Body, depth: usize, out: &mut String) {
        for s in body.iter() {
            pad(depth, out);
            match s {
                Structure::Attribute(a) => {
                    let _ = writeln!(
                        out,
                        "attr {}{} {}",
                        a.key.as_str(),
                        at(a.key.span()),
                        at(a.span())
                    );
                    expr(&a.value, depth + 1, out);
                }
                Structure::Block(b) => {
                    let labels: Vec<String> = b
                        .labels
                        .iter()
                        .map(|l| format!("{:?}{}", l.as_str(), at(l.span())))
                        .collect();
                    let _ = writeln!(
                        out,
                        "block {}{} {:?} {}",
                        b.ident.as_str(),
                        at(b.ident.span()),
                        labels,
                        at(b.span())
                    );
                    super::ours::body(&b.body, depth + 1, out);
                }
            }
        }
    }

    pub fn expr(e: &Expression, depth: usize, out: &mut String) {
        pad(depth, out);
        let span = at(e.span());
        match e {
            Expression::Null(_) => {
                let _ = writeln!(out, "null {span}");
            }
            Expression::Bool(b) => {
                let _ = writeln!(out, "bool {} {span}", b.value());
            }
            Expression::Number(n) => {
                let _ = writeln!(out, "number {} {span}", number(*n.value()));
            }
            Expression::String(s) => {
                let _ = writeln!(out, "string {:?} {span}", s.value());
            }
            Expression::Array(a) => {
                let _ = writeln!(out, "array {span}");
                for item in a.iter() {
                    expr(item, depth + 1, out);
                }
            }
            Expression::Object(o) => {
                let _ = writeln!(out, "object {span}");
                for (k, v) in o.iter() {
                    pad(depth + 1, out);
                    match k {
                        ObjectKey::Ident(i) => {
                            let _ = writeln!(out, "key {}", i.as_str());
                        }
                        ObjectKey::Expression(k) => {
                            out.push_str("key-expr\n");
                            expr(k, depth + 2, out);
                        }
                    }
                    expr(v, depth + 2, out);
                }
            }
            Expression::StringTemplate(t) => {
                let _ = writeln!(out, "template {span}");
                template(t, depth + 1, out);
            }
            Expression::HeredocTemplate(h) => {
                let _ = writeln!(
                    out,
                    "heredoc {} {:?} {span}",
                    h.delimiter.as_str(),
                    h.indent
                );
                template(&h.template, depth + 1, out);
            }
            Expression::Parenthesis(p) => {
                let _ = writeln!(out, "paren {span}");
                expr(p.inner(), depth + 1, out);
            }
            Expression::Variable(v) => {
                let _ = writeln!(out, "var {} {span}", v.as_str());
            }
            Expression::Conditional(c) => {
                let _ = writeln!(out, "cond {span}");
                expr(&c.cond_expr, depth + 1, out);
                expr(&c.true_expr, depth + 1, out);
                expr(&c.false_expr, depth + 1, out);
            }
            Expression::FuncCall(f) => {
                let ns: Vec<&str> = f.name.namespace.iter().map(Ident::as_str).collect();
                let _ = writeln!(
                    out,
                    "call {:?} {} expand={} {span}",
                    ns,
                    f.name.name.as_str(),
                    f.args.expand_final()
                );
                for a in f.args.iter() {
                    expr(a, depth + 1, out);
                }
            }
            Expression::Traversal(t) => {
                let _ = writeln!(out, "traversal {span}");
                expr(&t.expr, depth + 1, out);
                for op in &t.operators {
                    pad(depth + 1, out);
                    match op.value() {
                        TraversalOperator::AttrSplat => out.push_str("attr-splat\n"),
                        TraversalOperator::FullSplat => out.push_str("full-splat\n"),
                        TraversalOperator::GetAttr(i) => {
                            let _ = writeln!(out, "get {}", i.as_str());
                        }
                        TraversalOperator::LegacyIndex(n) => {
                            let _ = writeln!(out, "legacy {n}");
                        }
                        TraversalOperator::Index(i) => {
                            out.push_str("index\n");
                            expr(i, depth + 2, out);
                        }
                    }
                }
            }
            Expression::UnaryOp(u) => {
                let _ = writeln!(out, "unary {:?} {span}", u.operator.value());
                expr(&u.expr, depth + 1, out);
            }
            Expression::BinaryOp(b) => {
                let _ = writeln!(out, "binary {:?} {span}", b.operator.value());
                expr(&b.lhs_expr, depth + 1, out);
                expr(&b.rhs_expr, depth + 1, out);
            }
            Expression::ForExpr(f) => {
                let _ = writeln!(
                    out,
                    "for {:?} {} grouping={} {span}",
                    f.intro.key_var.as_ref().map(Ident::as_str),
                    f.intro.value_var.as_str(),
                    f.grouping
                );
                expr(&f.intro.collection_expr, depth + 1, out);
                if let Some(k) = &f.key_expr {
                    expr(k, depth + 1, out);
                }
                expr(&f.value_expr, depth + 1, out);
                if let Some(c) = &f.cond {
                    expr(&c.expr, depth + 1, out);
                }
            }
        }
    }

    fn template(t: &Template, depth: usize, out: &mut String) {
        for el in t.iter() {
            match el {
                Element::Literal(l) => {
                    pad(depth, out);
                    let _ = writeln!(out, "literal {:?}", l.value());
                }
                Element::Interpolation(i) => {
                    pad(depth, out);
                    let _ = writeln!(out, "interp {}", strip(i.strip));
                    expr(&i.expr, depth + 1, out);
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(i) => {
                        pad(depth, out);
                        let _ = writeln!(out, "if {}", strip(i.if_strip));
                        expr(&i.cond_expr, depth + 1, out);
                        template(&i.true_template, depth + 1, out);
                        if let Some(f) = &i.false_template {
                            pad(depth, out);
                            let _ = writeln!(out, "else {}", strip(i.else_strip));
                            template(f, depth + 1, out);
                        }
                        pad(depth, out);
                        let _ = writeln!(out, "endif {}", strip(i.endif_strip));
                    }
                    Directive::For(f) => {
                        pad(depth, out);
                        let _ = writeln!(
                            out,
                            "for {:?} {} {}",
                            f.key_var.as_ref().map(Ident::as_str),
                            f.value_var.as_str(),
                            strip(f.for_strip)
                        );
                        expr(&f.collection_expr, depth + 1, out);
                        template(&f.template, depth + 1, out);
                        pad(depth, out);
                        let _ = writeln!(out, "endfor {}", strip(f.endfor_strip));
                    }
                },
            }
        }
    }
}

mod theirs {
    use super::*;
    use hcl_edit::expr::*;
    use hcl_edit::structure::*;
    use hcl_edit::template::*;

    fn strip(s: Strip) -> &'static str {
        strips(s.strip_start(), s.strip_end())
    }

    fn at(span: Option<std::ops::Range<usize>>) -> String {
        span.map(range).unwrap_or_else(|| "@?".to_owned())
    }

    pub fn body(body: &Body, depth: usize, out: &mut String) {
        for s in body.iter() {
            pad(depth, out);
            match s {
                Structure::Attribute(a) => {
                    let _ = writeln!(
                        out,
                        "attr {}{} {}",
                        a.key.as_str(),
                        at(a.key.span()),
                        at(a.span())
                    );
                    expr(&a.value, depth + 1, out);
                }
                Structure::Block(b) => {
                    let labels: Vec<String> = b
                        .labels
                        .iter()
                        .map(|l| {
                            let (text, span) = match l {
                                BlockLabel::Ident(i) => (i.as_str().to_owned(), i.span()),
                                BlockLabel::String(s) => (s.value().clone(), s.span()),
                            };
                            format!("{:?}{}", text, at(span))
                        })
                        .collect();
                    let _ = writeln!(
                        out,
                        "block {}{} {:?} {}",
                        b.ident.as_str(),
                        at(b.ident.span()),
                        labels,
                        at(b.span())
                    );
                    super::theirs::body(&b.body, depth + 1, out);
                }
            }
        }
    }

    pub fn expr(e: &Expression, depth: usize, out: &mut String) {
        pad(depth, out);
        let span = at(e.span());
        match e {
            Expression::Null(_) => {
                let _ = writeln!(out, "null {span}");
            }
            Expression::Bool(b) => {
                let _ = writeln!(out, "bool {} {span}", b.value());
            }
            Expression::Number(n) => {
                let _ = writeln!(
                    out,
                    "number {} {span}",
                    number(n.as_f64().unwrap_or(f64::NAN))
                );
            }
            Expression::String(s) => {
                let _ = writeln!(out, "string {:?} {span}", s.value());
            }
            Expression::Array(a) => {
                let _ = writeln!(out, "array {span}");
                for item in a.iter() {
                    expr(item, depth + 1, out);
                }
            }
            Expression::Object(o) => {
                let _ = writeln!(out, "object {span}");
                for (k, v) in o.iter() {
                    pad(depth + 1, out);
                    match k {
                        ObjectKey::Ident(i) => {
                            let _ = writeln!(out, "key {}", i.as_str());
                        }
                        ObjectKey::Expression(k) => {
                            out.push_str("key-expr\n");
                            expr(k, depth + 2, out);
                        }
                    }
                    expr(v.expr(), depth + 2, out);
                }
            }
            Expression::StringTemplate(t) => {
                let _ = writeln!(out, "template {span}");
                let els: Vec<&Element> = t.iter().collect();
                template(&els, depth + 1, out);
            }
            Expression::HeredocTemplate(h) => {
                let _ = writeln!(
                    out,
                    "heredoc {} {:?} {span}",
                    h.delimiter.as_str(),
                    h.indent()
                );
                let els: Vec<&Element> = h.template.iter().collect();
                template(&els, depth + 1, out);
            }
            Expression::Parenthesis(p) => {
                let _ = writeln!(out, "paren {span}");
                expr(p.inner(), depth + 1, out);
            }
            Expression::Variable(v) => {
                let _ = writeln!(out, "var {} {span}", v.as_str());
            }
            Expression::Conditional(c) => {
                let _ = writeln!(out, "cond {span}");
                expr(&c.cond_expr, depth + 1, out);
                expr(&c.true_expr, depth + 1, out);
                expr(&c.false_expr, depth + 1, out);
            }
            Expression::FuncCall(f) => {
                let ns: Vec<&str> = f.name.namespace.iter().map(|i| i.as_str()).collect();
                let _ = writeln!(
                    out,
                    "call {:?} {} expand={} {span}",
                    ns,
                    f.name.name.as_str(),
                    f.args.expand_final()
                );
                for a in f.args.iter() {
                    expr(a, depth + 1, out);
                }
            }
            Expression::Traversal(t) => {
                let _ = writeln!(out, "traversal {span}");
                expr(&t.expr, depth + 1, out);
                for op in &t.operators {
                    pad(depth + 1, out);
                    match op.value() {
                        TraversalOperator::AttrSplat(_) => out.push_str("attr-splat\n"),
                        TraversalOperator::FullSplat(_) => out.push_str("full-splat\n"),
                        TraversalOperator::GetAttr(i) => {
                            let _ = writeln!(out, "get {}", i.as_str());
                        }
                        TraversalOperator::LegacyIndex(n) => {
                            let _ = writeln!(out, "legacy {}", n.value());
                        }
                        TraversalOperator::Index(i) => {
                            out.push_str("index\n");
                            expr(i, depth + 2, out);
                        }
                    }
                }
            }
            Expression::UnaryOp(u) => {
                let _ = writeln!(out, "unary {:?} {span}", u.operator.value());
                expr(&u.expr, depth + 1, out);
            }
            Expression::BinaryOp(b) => {
                let _ = writeln!(out, "binary {:?} {span}", b.operator.value());
                expr(&b.lhs_expr, depth + 1, out);
                expr(&b.rhs_expr, depth + 1, out);
            }
            Expression::ForExpr(f) => {
                let _ = writeln!(
                    out,
                    "for {:?} {} grouping={} {span}",
                    f.intro.key_var.as_ref().map(|i| i.as_str()),
                    f.intro.value_var.as_str(),
                    f.grouping
                );
                expr(&f.intro.collection_expr, depth + 1, out);
                if let Some(k) = &f.key_expr {
                    expr(k, depth + 1, out);
                }
                expr(&f.value_expr, depth + 1, out);
                if let Some(c) = &f.cond {
                    expr(&c.expr, depth + 1, out);
                }
            }
        }
    }

    fn template(els: &[&Element], depth: usize, out: &mut String) {
        for el in els {
            match el {
                Element::Literal(l) => {
                    pad(depth, out);
                    let _ = writeln!(out, "literal {:?}", l.value());
                }
                Element::Interpolation(i) => {
                    pad(depth, out);
                    let _ = writeln!(out, "interp {}", strip(i.strip));
                    expr(&i.expr, depth + 1, out);
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(i) => {
                        pad(depth, out);
                        let _ = writeln!(out, "if {}", strip(i.if_expr.strip));
                        expr(&i.if_expr.cond_expr, depth + 1, out);
                        let t: Vec<&Element> = i.if_expr.template.iter().collect();
                        template(&t, depth + 1, out);
                        if let Some(f) = &i.else_expr {
                            pad(depth, out);
                            let _ = writeln!(out, "else {}", strip(f.strip));
                            let t: Vec<&Element> = f.template.iter().collect();
                            template(&t, depth + 1, out);
                        }
                        pad(depth, out);
                        let _ = writeln!(out, "endif {}", strip(i.endif_expr.strip));
                    }
                    Directive::For(f) => {
                        pad(depth, out);
                        let _ = writeln!(
                            out,
                            "for {:?} {} {}",
                            f.for_expr.key_var.as_ref().map(|i| i.as_str()),
                            f.for_expr.value_var.as_str(),
                            strip(f.for_expr.strip)
                        );
                        expr(&f.for_expr.collection_expr, depth + 1, out);
                        let t: Vec<&Element> = f.for_expr.template.iter().collect();
                        template(&t, depth + 1, out);
                        pad(depth, out);
                        let _ = writeln!(out, "endfor {}", strip(f.endfor_expr.strip));
                    }
                },
            }
        }
    }
}
