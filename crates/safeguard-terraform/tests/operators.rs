//! Operators, conversions and template wrapping as Terraform evaluates
//! them. Every expected value is what Terraform's HCL library (hashicorp/hcl
//! v2.14.1 with go-cty) gives for the same text, as
//! `scripts/hcl-oracle/run --kind expressions` prints it; where Terraform
//! refuses an expression, the value is unknown here.

mod common;

use safeguard_model::Value;

/// `expression`'s value, with `local.l = ["a", "b"]`, `local.t = true` and
/// `local.n = 3` in scope.
fn value(expression: &str) -> Value {
    common::eval_value(
        "locals {\n  l = [\"a\", \"b\"]\n  t = true\n  n = 3\n}",
        expression,
    )
}

fn shown(expression: &str) -> String {
    value(expression).to_string()
}

fn unknown_reason(expression: &str) -> String {
    match value(expression) {
        Value::Unknown(unknown) => unknown.reason,
        other => panic!("{expression} is known: {other}"),
    }
}

/// `"${x}"` and nothing else is `x` itself (HCL's template wrap), the
/// style of Terraform 0.11 code: a list stays a list, a bool a bool.
#[test]
fn a_lone_interpolation_is_its_value_not_its_text() {
    assert_eq!(shown(r#""${local.l}""#), r#"["a", "b"]"#);
    assert_eq!(shown(r#""${local.t}""#), "true");
    assert_eq!(shown(r#""${null}""#), "null");
    assert_eq!(shown(r#""${local.n}""#), "3");
    // Anything beside it makes a string.
    assert_eq!(shown(r#"" ${local.t}""#), r#"" true""#);
}

#[test]
fn division_and_modulo_follow_terraforms_numbers() {
    assert_eq!(shown("5 % 0"), "5");
    assert_eq!(shown("-7 % 3"), "-1");
    // As text, where the sign of zero and the infinities show.
    assert_eq!(shown(r#""x${-3 % 1.5}""#), r#""x0""#);
    assert_eq!(shown(r#""x${1 / 0}""#), r#""x+Inf""#);
    assert_eq!(shown(r#""x${-1 / 0}""#), r#""x-Inf""#);
    assert_eq!(shown(r#""x${-3 * 0}""#), r#""x-0""#);
    assert!(unknown_reason("0 / 0").contains("not a number"));
}

#[test]
fn strings_convert_as_terraform_converts_them() {
    assert_eq!(shown(r#""1" && true"#), "true");
    assert_eq!(shown(r#""0" || false"#), "false");
    assert_eq!(shown(r#""1e3" + 1"#), "1001");
    assert_eq!(shown(r#""Inf" > 1"#), "true");
    assert!(unknown_reason(r#"" 10" + 1"#).contains("is not a number"));
    assert!(unknown_reason(r#""nan" + 1"#).contains("is not a number"));
}

/// Terraform converts both operands of `&&` and `||` before it applies
/// them: a known operand that is not a bool is an error even where the
/// other one would decide.
#[test]
fn logical_operands_must_be_bools() {
    assert!(unknown_reason("false && [1]").contains("to a bool"));
    assert!(unknown_reason("true || null").contains("must not be null"));
    assert_eq!(shown("false && local.t"), "false");
}

/// Functions take their arguments as Terraform's do (cty's standard
/// library): whole numbers where an index is meant, every argument of
/// `format` used, Go's `strings.Split`.
#[test]
fn functions_take_their_arguments_as_terraform_does() {
    assert_eq!(shown(r#"split("", "true")"#), r#"["t", "r", "u", "e"]"#);
    // Current cty wraps a negative index from the end (Debian's older one refuses it).
    assert_eq!(shown(r#"element(["a", "b", "c"], -1)"#), r#""c""#);
    assert_eq!(shown(r#"element(["a", "b", "c"], 4)"#), r#""b""#);
    assert!(unknown_reason(r#"substr("hello", 1.5, 2)"#).contains("whole number"));
    assert!(unknown_reason(r#"element(["a"], 0.5)"#).contains("whole number"));
    assert!(unknown_reason(r#"format("%s", "a", "b")"#).contains("too many arguments"));
    assert!(unknown_reason(r#"format("%d", 1.5)"#).contains("whole number"));
    assert_eq!(
        shown(r#"format("%05d|%-4s|", 42, "x")"#),
        r#""00042|x   |""#
    );
    // Go's case mappings: one character for one.
    assert_eq!(shown(r#"upper("straße")"#), r#""STRAßE""#);
    assert_eq!(shown(r#"lower("İ")"#), r#""i""#);
}

/// An object constructor may repeat a key; the last one wins, wherever it
/// came from (a bare name, a quoted one or a computed one).
#[test]
fn a_repeated_object_key_keeps_its_last_value() {
    assert_eq!(shown("{ a = 1, a = 2 }"), "{a = 2}");
    assert_eq!(shown("{ a = 1, b = 2, \"a\" = 3 }"), "{b = 2, a = 3}");
    assert_eq!(shown("length({ a = 1, (\"a\") = null })"), "1");
    assert_eq!(shown("keys({ b = 1, a = 2, b = 3 })"), r#"["a", "b"]"#);
}

/// Terraform's own collection functions (its `lang/funcs`, not cty's, so
/// the oracle does not hold them): expected values from its documentation.
#[test]
fn terraforms_own_collection_functions() {
    assert_eq!(shown("one([])"), "null");
    assert_eq!(shown(r#"one(["a"])"#), r#""a""#);
    assert!(unknown_reason(r#"one(["a", "b"])"#).contains("no more than one"));
    assert_eq!(shown("alltrue([])"), "true");
    assert_eq!(shown(r#"alltrue([true, "true"])"#), "true");
    assert_eq!(shown("alltrue([true, null])"), "false");
    assert_eq!(shown("anytrue([])"), "false");
    assert_eq!(shown(r#"anytrue([null, false, "true"])"#), "true");
    assert_eq!(shown("sum([1, 2.5, local.n])"), "6.5");
    assert!(unknown_reason("sum([])").contains("empty list"));
    assert_eq!(shown(r#"strcontains("hello world", "o w")"#), "true");
    assert_eq!(shown(r#"index(["a", "b", "c"], "b")"#), "1");
    assert!(unknown_reason(r#"index(["a"], "z")"#).contains("not found"));
    assert_eq!(shown(r#"nonsensitive(sensitive("x"))"#), r#""x""#);
}

/// A string built around a value that cannot be known stays unknown, with
/// the text around it: a bucket policy `jsonencode`d with a computed ARN
/// still shows its `aws:SecureTransport` condition.
#[test]
fn text_around_an_unknown_value_is_kept() {
    let arn = "variable \"arn\" {}";
    let known_text = |expression: &str| match common::eval_value(arn, expression) {
        Value::Unknown(unknown) => unknown.known_text.map(|pieces| *pieces),
        other => panic!("{expression} is known: {other}"),
    };
    assert_eq!(
        known_text(r#"jsonencode({ Resource = "${var.arn}/*", Effect = "Deny" })"#),
        Some(vec![
            Some(r#"{"Effect":"Deny","Resource":""#.to_owned()),
            None,
            Some(r#"/*"}"#.to_owned()),
        ])
    );
    assert_eq!(
        known_text(r#""arn=${var.arn}!""#),
        Some(vec![Some("arn=".to_owned()), None, Some("!".to_owned())])
    );
    // Not an error: `try` keeps the unknown rather than the fallback.
    assert!(known_text(r#"try(jsonencode({ a = var.arn }), "fallback")"#).is_some());
    // Anything that changes the text knows nothing of it.
    assert_eq!(known_text(r#"upper("x${var.arn}")"#), None);
    assert_eq!(known_text(r#"[for c in "x${var.arn}" : c]"#), None);
    // Only `jsonencode` text can be read back as JSON with its gaps.
    let json_text = |expression: &str| match common::eval_value(arn, expression) {
        Value::Unknown(unknown) => unknown.known_text_json,
        other => panic!("{expression} is known: {other}"),
    };
    assert!(json_text(r#"jsonencode({ Resource = "${var.arn}/*" })"#));
    assert!(!json_text(r#""{\"Resource\": \"${var.arn}/*\"}""#));
    assert!(!json_text(r#""x${jsonencode({ a = var.arn })}""#));
    // `replace` with an unknown replacement, or in a text with gaps,
    // keeps what no match can reach (terraform-aws-modules/s3-bucket puts
    // the bucket's ARN into its merged policy so).
    assert_eq!(
        known_text(
            r#"replace(jsonencode({ Resource = "_ARN_/*", Condition = "aws:SecureTransport" }), "_ARN_", var.arn)"#
        ),
        Some(vec![
            Some(r#"{"Condition":"aws:SecureTransport","Resource":""#.to_owned()),
            None,
            Some(r#"/*"}"#.to_owned()),
        ])
    );
    assert_eq!(
        known_text(r#"replace("${var.arn}:_ID_:x", "_ID_", "1")"#),
        Some(vec![None, Some(":1:x".to_owned())])
    );
    // A regular expression is not followed into the gaps.
    assert_eq!(known_text(r#"replace("${var.arn}:a", "/a/", "b")"#), None);
    // `compact` keeps an unknown string that certainly has characters.
    match common::eval_value(arn, r#"compact(["", "x${var.arn}", null])"#) {
        Value::List(items) => assert!(
            matches!(&items[..], [item] if matches!(item.value, Value::Unknown(_))),
            "{items:?}"
        ),
        other => panic!("{other}"),
    }
    assert_eq!(known_text(r#"compact(["", "${var.arn}"])"#), None);
    assert_eq!(known_text(r#"compact(["", var.arn, "x${var.arn}"])"#), None);
    // Go's encoding/json escapes, as Terraform's jsonencode writes them.
    assert_eq!(
        shown(r#"jsonencode("<a&b>\t")"#),
        r#""\"\\u003ca\\u0026b\\u003e\\t\"""#
    );
}
