//! Template whitespace as Terraform computes it: `~` strip markers and `<<-`
//! heredocs. Every expected value here is what Terraform's HCL library
//! (hashicorp/hcl v2.14.1, `hclsyntax`) evaluates the same text to, as
//! `scripts/hcl-oracle/run` prints it; that script also compares
//! thousands of random templates.

mod common;

use safeguard_model::Value;

/// The value of `expression`, with `local.l = ["a", "b"]`, `local.x = "X"`
/// and `local.t = true` in scope.
fn value(expression: &str) -> String {
    let locals = "locals {\n  l = [\"a\", \"b\"]\n  x = \"X\"\n  t = true\n}";
    match common::eval_value(locals, expression) {
        Value::String(text) => text,
        other => panic!("not a string: {other:?}"),
    }
}

#[test]
fn strip_markers_trim_the_whitespace_beside_a_sequence() {
    assert_eq!(value(r#""a ${~ local.x ~} b""#), "aXb");
    // Escapes are resolved first: an escaped line end is whitespace too.
    assert_eq!(value(r#""a\n\t ${~ local.x}""#), "aX");
    assert_eq!(
        value(r#""x %{~ if local.t ~} y %{~ else ~} n %{~ endif ~} z""#),
        "xyz"
    );
    // Unicode spaces count, as in Go's unicode.IsSpace.
    assert_eq!(value("\"a\u{a0}\u{2003}${~ local.x}\""), "aX");
}

#[test]
fn a_marker_trims_only_the_token_next_to_it() {
    // The text after `~}` is trimmed only if it comes next.
    assert_eq!(value(r#""${local.x ~}${local.x} b""#), "XX b");
    // In a heredoc a text token ends at each line end: `%{~` at the start
    // of a line trims the previous line's end, and trailing spaces, only.
    assert_eq!(
        value("<<EOT\nfoo  \n\n%{~ if local.t }x%{ endif }\nEOT"),
        "foo  \nx\n"
    );
    // After indentation it trims that indentation only.
    assert_eq!(
        value("<<EOT\nfoo\n  %{~ if local.t }x%{ endif }\nEOT"),
        "foo\nx\n"
    );
    // `~}` trims the rest of its own line, not the next one.
    assert_eq!(value("<<EOT\n${local.x ~}\n\n  next\nEOT"), "X\n  next\n");
}

#[test]
fn strip_markers_in_a_heredoc_drop_the_directive_lines() {
    assert_eq!(
        value("<<EOT\n%{ for v in local.l ~}\nserver ${v}\n%{ endfor ~}\nEOT"),
        "server a\nserver b\n"
    );
    assert_eq!(
        value("<<EOT\r\nfoo \r\n%{~ if local.t ~}\r\nx\r\n%{~ endif ~}\r\nEOT"),
        "foox"
    );
}

#[test]
fn dedenting_ignores_lines_of_whitespace_and_keeps_them() {
    assert_eq!(
        value("<<-EOT\n    a  \n\n      \n    b\n  EOT"),
        "a  \n\n      \nb\n"
    );
}

#[test]
fn dedenting_reaches_into_directive_bodies() {
    assert_eq!(
        value("<<-EOT\n    %{ if local.t }\n      yes\n    %{ endif }\n  EOT"),
        "\n  yes\n\n"
    );
}

/// `<<-` measures the tokens that start a line after the markers have
/// trimmed them. An indentation trimmed to nothing is a line start with no
/// indentation, so nothing is dedented; a line end trimmed away means the
/// next line is not measured, and keeps its indentation.
#[test]
fn dedenting_measures_what_the_strip_markers_left() {
    assert_eq!(
        value("<<-EOT\n    a\n    %{~ if local.t ~}\n    b\n    %{~ endif ~}\n  EOT"),
        "    a\n    b\n"
    );
    assert_eq!(
        value("<<-EOT\n    %{ if local.t ~}\n    b\n    %{ endif ~}\n  EOT"),
        "    b\n"
    );
}
