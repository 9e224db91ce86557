//! Where and why a text is refused, the limits that keep hostile input from
//! overflowing the stack, and the places where this parser deliberately
//! differs from `hcl-edit`.

use safeguard_hcl::{Element, Expression, Structure, parse_body, parse_expr};

fn error(text: &str) -> (usize, String) {
    let err = parse_body(text).expect_err(text);
    (err.offset(), err.message().to_owned())
}

fn value(text: &str) -> Expression {
    let body = parse_body(text).unwrap();
    match body.iter().next() {
        Some(Structure::Attribute(attr)) => attr.value.clone(),
        other => panic!("not an attribute: {other:?}"),
    }
}

#[test]
fn a_missing_value_is_reported_where_it_should_start() {
    let (offset, message) = error("resource \"a\" \"b\" {\n  bucket = \n}\n");
    assert_eq!(offset, 30);
    assert!(
        message.starts_with("invalid expression; expected"),
        "{message}"
    );
}

#[test]
fn a_repeated_attribute_is_reported_at_its_second_definition() {
    assert_eq!(
        error("a = 1\nb = 2\na = 3\n"),
        (
            12,
            "invalid attribute; expected unique attribute key; found redefined attribute"
                .to_owned()
        )
    );
}

#[test]
fn two_structures_on_one_line_are_refused_after_the_first() {
    assert_eq!(
        error("a = 1 b = 2\n"),
        (
            6,
            "invalid structure; expected a newline or the end of the file".to_owned()
        )
    );
}

#[test]
fn unterminated_constructs_are_reported_at_the_end() {
    assert_eq!(error("a = \"open\n").0, 10);
    assert_eq!(error("a = [1, 2\n").0, 10);
    assert_eq!(error("block {\n  a = 1\n").0, 16);
    assert_eq!(
        error("a = <<EOT\nno end\n").1,
        "invalid heredoc; expected heredoc end delimiter"
    );
}

#[test]
fn bad_escapes_are_refused() {
    assert_eq!(error("a = \"\\q\"\n").0, 6);
    assert_eq!(error("a = \"\\u12\"\n").0, 5);
    assert_eq!(
        error("a = \"\\uD800\"\n").0,
        5,
        "a surrogate is not a character"
    );
}

#[test]
fn nesting_deeper_than_64_levels_is_refused() {
    // The attribute's own value does not count; what is nested in it does.
    let ok = format!("a = {}{}\n", "[".repeat(65), "]".repeat(65));
    assert!(parse_body(&ok).is_ok());
    let deep = format!("a = {}{}\n", "[".repeat(66), "]".repeat(66));
    assert_eq!(
        error(&deep),
        (
            69,
            "invalid nesting depth; expected at most 64 nested levels".to_owned()
        )
    );
    let blocks = format!("{}{}", "b {\n".repeat(100_000), "}\n".repeat(100_000));
    assert_eq!(error(&blocks).0, 64 * 4 + 2);
}

#[test]
fn chains_longer_than_128_operators_are_refused() {
    let ok = format!("a = 1{}\n", " + 1".repeat(128));
    assert!(parse_body(&ok).is_ok());
    let long = format!("a = 1{}\n", " + 1".repeat(100_000));
    let (offset, message) = error(&long);
    assert_eq!(offset, 5 + 128 * 4 + 1);
    assert_eq!(
        message,
        "invalid binary operation; expected at most 128 chained binary operators"
    );
    // Nested chains add up along a path, so parentheses do not evade it.
    let nested = format!(
        "a = {}1{}\n",
        "(1 + 1 + 1 + ".repeat(40),
        " + 1)".repeat(40)
    );
    assert!(parse_body(&nested).is_err());
}

#[test]
fn a_lone_expression_may_be_surrounded_by_whitespace() {
    assert!(matches!(parse_expr("  [1, 2]\n"), Ok(Expression::Array(_))));
    assert!(parse_expr("1 2").is_err());
}

/// `hcl-edit` reads `<<EOT` followed directly by `EOT` as text running to
/// the next `EOT` line; Terraform reads an empty string, and so do we.
#[test]
fn an_empty_heredoc_is_an_empty_template() {
    let Expression::HeredocTemplate(heredoc) = value("a = <<EOT\nEOT\nb = 1\n") else {
        panic!("not a heredoc");
    };
    assert_eq!(heredoc.template.iter().count(), 0);
}

/// A directive's text inside a quoted string ends at the closing quote.
/// `hcl-edit` lets the text of `%{ if }` run past it.
#[test]
fn a_directive_in_a_quoted_string_ends_at_the_quote() {
    let Expression::StringTemplate(template) = value("a = \"%{ if x }y%{ endif }\"\n") else {
        panic!("not a template");
    };
    assert_eq!(template.iter().count(), 1);
    assert!(matches!(
        template.iter().next(),
        Some(Element::Directive(_))
    ));
    assert!(
        parse_body("a = \"%{ if x }y\"\n").is_err(),
        "an unclosed if"
    );
}

/// Backslash escapes apply everywhere in a quoted string, inside a
/// directive's text too; `hcl-edit` reads that text as a heredoc's, where a
/// backslash is literal.
#[test]
fn escapes_apply_inside_a_directive_in_a_quoted_string() {
    let Expression::StringTemplate(template) = value("a = \"%{ if x }\\n%{ endif }\"\n") else {
        panic!("not a template");
    };
    let Some(Element::Directive(directive)) = template.iter().next() else {
        panic!("not a directive");
    };
    let safeguard_hcl::Directive::If(if_directive) = directive.as_ref() else {
        panic!("not an if");
    };
    let Some(Element::Literal(text)) = if_directive.true_template.iter().next() else {
        panic!("no text");
    };
    assert_eq!(text.value(), "\n");
}

/// `<<-` removes the indentation every line shares, so a line without any
/// means nothing is removed (Terraform's rule). `hcl-edit` skipped such a
/// line when finding the common indentation, then cut the other lines and
/// the first characters of that one.
#[test]
fn a_line_without_indentation_keeps_a_dedented_heredoc_as_written() {
    let Expression::HeredocTemplate(heredoc) =
        value("a = <<-EOT\n    one ${x}\n    two\nthree\n    EOT\n")
    else {
        panic!("not a heredoc");
    };
    assert_eq!(heredoc.indent, None);
    let texts: Vec<&str> = heredoc
        .template
        .iter()
        .filter_map(|e| match e {
            Element::Literal(l) => Some(l.value().as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, vec!["    one ", "\n    two\nthree\n"]);
}

#[test]
fn object_keys_have_spans() {
    let Expression::Object(object) = value("a = { key = 1 }\n") else {
        panic!("not an object");
    };
    let (key, _) = object.iter().next().unwrap();
    let safeguard_hcl::ObjectKey::Ident(ident) = key else {
        panic!("not an identifier key");
    };
    assert_eq!(ident.span().range(), 6..9);
}

/// A repeated attribute is found by hashing, not by comparing every pair:
/// a hostile body of 200,000 attributes parses at once, and one repeat at
/// its end is still refused. An object constructor may repeat a key (the
/// last one wins, as hashicorp/hcl evaluates it): that parses.
#[test]
fn huge_bodies_are_checked_for_repeated_attributes_in_linear_time() {
    let attributes: String = (0..200_000).map(|i| format!("k{i} = 1\n")).collect();
    let started = std::time::Instant::now();
    assert!(parse_body(&attributes).is_ok());
    let (_, message) = error(&format!("{attributes}k7 = 2\n"));
    assert!(message.contains("redefined attribute"), "{message}");
    assert!(parse_body(&format!("a = {{\n{attributes}k7 = 2\n}}\n")).is_ok());
    // Generous: a quadratic scan takes minutes here, hashing milliseconds.
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}
