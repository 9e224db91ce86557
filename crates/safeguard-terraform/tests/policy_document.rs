//! `data "aws_iam_policy_document"`: its `json` and `minified_json`,
//! computed as the AWS provider (5.0 and later) writes them.

mod common;

use safeguard_model::Value;

/// The value of `EXPR` with `data` blocks beside it.
fn value(config: &str, expr: &str) -> Value {
    common::eval_value(config, expr)
}

fn text(config: &str, expr: &str) -> String {
    match value(config, expr) {
        Value::String(s) => s,
        other => panic!("expected a known string, got {other:?}"),
    }
}

/// The known pieces of an unknown string, `None` for each gap.
fn pieces(config: &str, expr: &str) -> Vec<Option<String>> {
    match value(config, expr) {
        Value::Unknown(u) => *u.known_text.expect("known pieces"),
        other => panic!("expected an unknown string, got {other:?}"),
    }
}

fn reason(config: &str, expr: &str) -> String {
    match value(config, expr) {
        Value::Unknown(u) => {
            assert!(u.known_text.is_none(), "{u:?}");
            u.reason
        }
        other => panic!("expected an unknown, got {other:?}"),
    }
}

const FULL: &str = r#"
data "aws_iam_policy_document" "p" {
  policy_id = "p1"
  statement {
    sid       = "Read"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:GetObject"]
    resources = ["arn:aws:s3:::b/&{aws:username}/*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]
    }
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["home/", "home/&{aws:username}/"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["true"]
    }
  }
  statement {
    sid           = "Two"
    effect        = "Deny"
    not_actions   = ["iam:*"]
    not_resources = ["*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}
"#;

#[test]
fn json_is_written_as_the_provider_writes_it() {
    let expected = r#"{
  "Version": "2012-10-17",
  "Id": "p1",
  "Statement": [
    {
      "Sid": "Read",
      "Effect": "Allow",
      "Action": [
        "s3:PutObject",
        "s3:GetObject"
      ],
      "Resource": "arn:aws:s3:::b/${aws:username}/*",
      "Principal": {
        "AWS": [
          "arn:aws:iam::444455556666:root",
          "arn:aws:iam::111122223333:root"
        ],
        "Service": "s3.amazonaws.com"
      },
      "Condition": {
        "Bool": {
          "aws:SecureTransport": "true"
        },
        "StringLike": {
          "s3:prefix": [
            "home/",
            "home/${aws:username}/"
          ]
        }
      }
    },
    {
      "Sid": "Two",
      "Effect": "Deny",
      "NotAction": "iam:*",
      "NotResource": "*",
      "Principal": "*"
    }
  ]
}"#;
    assert_eq!(text(FULL, "data.aws_iam_policy_document.p.json"), expected);
    let minified: String = expected
        .lines()
        .map(|line| line.trim_start().replace("\": ", "\":"))
        .collect();
    assert_eq!(
        text(FULL, "data.aws_iam_policy_document.p.minified_json"),
        minified
    );
}

#[test]
fn an_unknown_arn_leaves_a_gap_and_the_condition_known() {
    let config = r#"
resource "aws_s3_bucket" "b" {
  bucket = "clinic-records"
}
data "aws_iam_policy_document" "tls" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.b.arn, "${aws_s3_bucket.b.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}
"#;
    assert_eq!(
        pieces(config, "data.aws_iam_policy_document.tls.minified_json"),
        vec![
            Some(
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Action":"s3:*","Resource":"#
                    .to_owned()
            ),
            None,
            Some(
                r#","Principal":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#
                    .to_owned()
            ),
        ]
    );
    // One resource: a string, with its own known text.
    let one = config.replace(
        r#"[aws_s3_bucket.b.arn, "${aws_s3_bucket.b.arn}/*"]"#,
        r#"["${aws_s3_bucket.b.arn}/*"]"#,
    );
    let pieces = pieces(&one, "data.aws_iam_policy_document.tls.minified_json");
    assert_eq!(pieces[1], None);
    assert_eq!(
        pieces[2].as_deref(),
        Some(r#"/*","Principal":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#)
    );
}

#[test]
fn an_empty_sid_is_a_gap_because_providers_before_5_write_it() {
    let config = r#"
data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}
"#;
    assert_eq!(
        pieces(config, "data.aws_iam_policy_document.p.minified_json"),
        vec![
            Some(r#"{"Version":"2012-10-17","Statement":[{"#.to_owned()),
            None,
            Some(r#""Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#.to_owned()),
        ]
    );
}

#[test]
fn source_and_override_documents_merge_by_sid() {
    let config = r#"
data "aws_iam_policy_document" "p" {
  source_policy_documents = [jsonencode({
    Version = "2008-10-17"
    Statement = [
      { Sid = "A", Effect = "Allow", Action = ["b", "a"], Resource = "*" },
      { Sid = "B", Effect = "Allow", Action = "x", Principal = { AWS = ["1", "2"] } },
    ]
  })]
  override_policy_documents = [jsonencode({
    Id = "over"
    Statement = [{ Sid = "B", Effect = "Deny", Action = "y", Condition = { Bool = { "aws:SecureTransport" = "false", n = 1 } } }]
  })]
  statement {
    sid     = "A"
    actions = ["c"]
  }
  statement {
    sid     = "C"
    actions = ["d"]
  }
}
"#;
    assert_eq!(
        text(config, "data.aws_iam_policy_document.p.minified_json"),
        concat!(
            r#"{"Version":"2012-10-17","Id":"over","Statement":["#,
            r#"{"Sid":"A","Effect":"Allow","Action":"c"},"#,
            r#"{"Sid":"B","Effect":"Deny","Action":"y","Condition":{"Bool":{"aws:SecureTransport":"false"}}},"#,
            r#"{"Sid":"C","Effect":"Allow","Action":"d"}]}"#,
        )
    );
}

#[test]
fn what_the_provider_refuses_or_cannot_order_is_unknown() {
    let refused = |statement: &str| {
        reason(
            &format!("data \"aws_iam_policy_document\" \"p\" {{\n{statement}\n}}"),
            "data.aws_iam_policy_document.p.json",
        )
    };
    assert!(
        refused(r#"statement { effect = "Maybe" }"#)
            .contains("effect \"Maybe\" is neither Allow nor Deny"),
        "{}",
        refused(r#"statement { effect = "Maybe" }"#)
    );
    assert!(
        refused("statement {\n sid = \"A\"\n}\nstatement {\n sid = \"A\"\n}")
            .contains("duplicate Sid \"A\"")
    );
    assert!(refused(r#"statement { sid = "no-dash" }"#).contains("alphanumeric"));
    assert!(
        refused(r#"statement { actions = "s3:*" }"#).contains("actions is a string, not a list")
    );
    assert!(
        refused(r#"source_policy_documents = ["{"]"#)
            .contains("source_policy_documents[0] is not a policy document")
    );
    // A merged document that is not known: its statements cannot be placed.
    let unknown_source = reason(
        "variable \"doc\" {}\ndata \"aws_iam_policy_document\" \"p\" {\n source_policy_documents = [var.doc]\n}",
        "data.aws_iam_policy_document.p.json",
    );
    assert!(
        unknown_source.contains("source_policy_documents[0] is not known"),
        "{unknown_source}"
    );
    // Two principals blocks of one type: their order is the provider's set order.
    let config = r#"
data "aws_iam_policy_document" "p" {
  statement {
    sid = "S"
    principals {
      type        = "AWS"
      identifiers = ["1"]
    }
    principals {
      type        = "AWS"
      identifiers = ["2"]
    }
  }
}
"#;
    assert_eq!(
        pieces(config, "data.aws_iam_policy_document.p.minified_json"),
        vec![
            Some(r#"{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Allow","Principal":{"AWS":"#.to_owned()),
            None,
            Some("}}]}".to_owned()),
        ]
    );
    // Other attributes are still the provider's.
    assert!(reason(FULL, "data.aws_iam_policy_document.p.id").contains("computed by the provider"));
}

#[test]
fn a_configuration_that_requires_provider_5_has_no_gap_for_an_empty_sid() {
    let statement = r#"
data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}
"#;
    let expected = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    for required in [
        r#"aws = { source = "hashicorp/aws", version = ">= 5.0" }"#,
        r#"aws = { version = "~> 6.2" }"#,
        r#"aws = "5.31.0""#,
    ] {
        let config =
            format!("terraform {{\n  required_providers {{\n    {required}\n  }}\n}}\n{statement}");
        assert_eq!(
            text(&config, "data.aws_iam_policy_document.p.minified_json"),
            expected,
            "{required}"
        );
    }
    // A constraint that admits 4.x, or another namespace's `aws`, decides nothing.
    for required in [
        r#"aws = { source = "hashicorp/aws", version = ">= 4.0" }"#,
        r#"aws = { source = "example/aws", version = ">= 5.0" }"#,
    ] {
        let config =
            format!("terraform {{\n  required_providers {{\n    {required}\n  }}\n}}\n{statement}");
        assert_eq!(
            pieces(&config, "data.aws_iam_policy_document.p.minified_json")[1],
            None,
            "{required}"
        );
    }
}

/// As terraform-aws-modules/s3-bucket merges its policies: documents with
/// the bucket's ARN in them, through `compact` and a condition.
const MERGED: &str = r#"
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 6.0" }
  }
}
variable "attach_deny_insecure_transport_policy" {
  default = true
}
resource "aws_s3_bucket" "this" {
  bucket = "clinic-records"
}
data "aws_iam_policy_document" "deny_insecure_transport" {
  statement {
    sid       = "denyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}
data "aws_iam_policy_document" "combined" {
  source_policy_documents = compact([
    var.attach_deny_insecure_transport_policy ? data.aws_iam_policy_document.deny_insecure_transport.json : "",
    jsonencode({ Statement = [{ Sid = "Reads", Effect = "Allow", Action = "s3:GetObject", Resource = "${aws_s3_bucket.this.arn}/*", Principal = { AWS = "arn:aws:iam::123456789012:root" } }] }),
  ])
}
"#;

#[test]
fn documents_with_unknown_values_merge_with_those_values_unknown() {
    assert_eq!(
        pieces(
            MERGED,
            "data.aws_iam_policy_document.combined.minified_json"
        ),
        vec![
            Some(
                concat!(
                    r#"{"Version":"2012-10-17","Statement":["#,
                    r#"{"Sid":"denyInsecureTransport","Effect":"Deny","Action":"s3:*","Resource":"#
                )
                .to_owned()
            ),
            None,
            Some(
                concat!(
                    r#","Principal":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},"#,
                    r#"{"Sid":"Reads","Effect":"Allow","Action":"s3:GetObject","Resource":""#
                )
                .to_owned()
            ),
            None,
            Some(r#"/*","Principal":{"AWS":"arn:aws:iam::123456789012:root"}}]}"#.to_owned()),
        ]
    );
    // A template's gaps may hold anything: its text is not read as JSON.
    let template = MERGED.replace(
        "jsonencode({ Statement = [{ Sid = \"Reads\", Effect = \"Allow\", Action = \"s3:GetObject\", Resource = \"${aws_s3_bucket.this.arn}/*\", Principal = { AWS = \"arn:aws:iam::123456789012:root\" } }] })",
        r#""{\"Statement\": [{\"Sid\": \"Reads\", \"Resource\": \"${aws_s3_bucket.this.arn}/*\"}]}""#,
    );
    assert_ne!(template, MERGED);
    let reason = reason(&template, "data.aws_iam_policy_document.combined.json");
    assert!(
        reason.contains("source_policy_documents[1] is not known"),
        "{reason}"
    );
}
