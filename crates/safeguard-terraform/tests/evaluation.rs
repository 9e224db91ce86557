//! Terraform semantics, end to end from HCL text to objects and values.

mod common;

use common::{eval_value, module};
use safeguard_model::{Document, Value};
use safeguard_source::SourceFile;
use safeguard_terraform::{VarSource, module_document, module_document_with};

#[test]
fn providers_in_use_become_objects_once_each() {
    let doc = module_document(
        "m",
        vec![SourceFile::new(
            "main.tf",
            "terraform {\n  required_providers {\n    sendgrid = { source = \"Trois-Six/sendgrid\" }\n    aws = \"~> 5.0\"\n  }\n}\nresource \"aws_s3_bucket\" \"a\" {}\ndata \"aws_caller_identity\" \"me\" {}\nresource \"sendgrid_api_key\" \"k\" {}\nresource \"random_id\" \"r\" {\n  count = 0\n}\ndata \"terraform_remote_state\" \"net\" {}\n",
        )],
    );
    let providers: Vec<(&str, String, String)> = doc
        .objects
        .iter()
        .filter(|o| o.kind == "required_provider")
        .map(|o| {
            (
                o.address.as_str(),
                attr(&doc, &o.address, "source").to_string(),
                attr(&doc, &o.address, "resource_types").to_string(),
            )
        })
        .collect();
    assert_eq!(
        providers,
        vec![
            (
                "provider[\"registry.terraform.io/hashicorp/aws\"]",
                "\"hashicorp/aws\"".to_owned(),
                "[\"aws_s3_bucket\", \"aws_caller_identity\"]".to_owned()
            ),
            (
                "provider[\"registry.terraform.io/trois-six/sendgrid\"]",
                "\"trois-six/sendgrid\"".to_owned(),
                "[\"sendgrid_api_key\"]".to_owned()
            ),
        ]
    );
    // The declared source locates the object; the bare constraint does not
    // name a source, so aws points at its first use.
    let sendgrid = doc
        .objects
        .iter()
        .find(|o| o.kind == "required_provider" && o.address.contains("sendgrid"))
        .unwrap();
    assert_eq!(
        &doc.files[sendgrid.file].text()[sendgrid.span.range()],
        "\"Trois-Six/sendgrid\""
    );
}

fn eval_with(extra: &str, expr: &str) -> String {
    eval_value(extra, expr).to_string()
}

fn eval(expr: &str) -> String {
    eval_with("", expr)
}

fn addresses(doc: &Document) -> Vec<&str> {
    doc.objects.iter().map(|o| o.address.as_str()).collect()
}

fn attr(doc: &Document, address: &str, name: &str) -> Value {
    let object = doc
        .objects
        .iter()
        .find(|o| o.address == address)
        .unwrap_or_else(|| panic!("no {address}"));
    object
        .attrs
        .get(name)
        .map_or(Value::Null, |e| e.value.value.clone())
}

#[test]
fn blocks_become_objects_with_addresses() {
    let doc = module(
        r#"
terraform { required_version = ">= 1.5" }
provider "aws" { region = "us-east-1" }
provider "aws" { alias = "dr" }
variable "env" { default = "prod" }
locals { a = 1 }
locals { b = 2 }
resource "aws_s3_bucket" "logs" { bucket = "clinic-logs" }
data "aws_caller_identity" "me" {}
module "db" { source = "./db" }
output "bucket" { value = aws_s3_bucket.logs.id }
moved {
  from = aws_s3_bucket.old
  to   = aws_s3_bucket.logs
}
"#,
    );
    assert_eq!(
        addresses(&doc),
        vec![
            "terraform",
            "provider.aws",
            "provider.aws.dr",
            "var.env",
            "locals",
            "locals[1]",
            "aws_s3_bucket.logs",
            "data.aws_caller_identity.me",
            "module.db",
            "output.bucket",
        ]
    );
    let bucket = &doc.objects[6];
    assert_eq!(
        doc.files[0].slice(bucket.header_span),
        "resource \"aws_s3_bucket\" \"logs\""
    );
    let Value::Unknown(id) = attr(&doc, "output.bucket", "value") else {
        panic!()
    };
    assert_eq!(
        id.reason,
        "aws_s3_bucket.logs.id is computed by the provider"
    );
    assert_eq!(id.references, vec!["aws_s3_bucket.logs".to_owned()]);
}

#[test]
fn parse_error_is_located_and_other_files_still_read() {
    let bad = SourceFile::new("bad.tf", "resource \"a\" \"b\" {\n  x = \n}\n");
    let good = SourceFile::new("good.tf", "resource \"aws_efs_file_system\" \"f\" {}\n");
    let doc = module_document("m", vec![bad, good]);
    assert_eq!(
        addresses(&doc),
        vec![
            "aws_efs_file_system.f",
            "provider[\"registry.terraform.io/hashicorp/aws\"]"
        ]
    );
    assert_eq!(doc.errors.len(), 1);
    assert!(
        doc.errors[0].message.starts_with("invalid HCL"),
        "{}",
        doc.errors[0].message
    );
}

#[test]
fn wrong_label_count_is_an_error() {
    let doc = module_document(
        "m",
        vec![SourceFile::new(
            "main.tf",
            "resource \"aws_s3_bucket\" {}\n",
        )],
    );
    assert!(doc.objects.is_empty());
    assert_eq!(
        doc.errors[0].message,
        "a `resource` block takes two labels (type and name)"
    );
}

#[test]
fn literals_operators_and_conditionals() {
    assert_eq!(eval("-1"), "-1");
    assert_eq!(eval("1 + 2 * 3"), "7");
    assert_eq!(eval("10 % 4 == 2 && !false"), "true");
    assert_eq!(eval("\"a\" == \"a\" ? \"yes\" : \"no\""), "\"yes\"");
    assert_eq!(eval("[1, \"b\", null]"), "[1, \"b\", null]");
    assert_eq!(eval("{ a = 1, \"c-d\" = true }"), "{a = 1, c-d = true}");
    assert_eq!(eval("\"x-${1 + 1}-${true}\""), "\"x-2-true\"");
    assert_eq!(eval("\"%{ if true }on%{ else }off%{ endif }\""), "\"on\"");
    assert_eq!(
        eval("\"%{ for s in [\"a\", \"b\"] }${s};%{ endfor }\""),
        "\"a;b;\""
    );
    assert_eq!(eval("<<-EOT\n    indented\n    EOT\n"), "\"indented\\n\"");
    // Only the common indentation goes: deeper lines keep what is theirs.
    // (Both the parser and the evaluator used to strip, taking all of it.)
    assert_eq!(
        eval("<<-EOT\n    four\n      six\n    EOT\n"),
        "\"four\\n  six\\n\""
    );
    assert_eq!(eval("<<EOT\n  kept\nEOT\n"), "\"  kept\\n\"");
    assert_eq!(
        eval("[for s in [\"a\", \"b\"] : upper(s) if s != \"b\"]"),
        "[\"A\"]"
    );
    assert_eq!(
        eval("{for k, v in { a = 1, b = 2 } : v => k}"),
        "{1 = \"a\", 2 = \"b\"}"
    );
    assert_eq!(eval("[{ id = 1 }, { id = 2 }][*].id"), "[1, 2]");
    assert_eq!(eval("{ a = [10, 20] }.a[1]"), "20");
}

#[test]
fn functions() {
    let cases = [
        ("lookup({ a = 1 }, \"b\", 5)", "5"),
        ("merge({ a = 1, b = 1 }, { b = 2 })", "{a = 1, b = 2}"),
        ("concat([1], [2, 3])", "[1, 2, 3]"),
        ("contains([\"a\"], \"a\")", "true"),
        ("length(\"héllo\")", "5"),
        ("lower(\"ABC\")", "\"abc\""),
        (
            "format(\"%s-%03d|%-3s|%5.1f\", \"x\", 7, \"a\", 2.25)",
            "\"x-007|a  |  2.2\"",
        ),
        ("format(\"%q %.1f %%\", \"a\", 2.25)", "\"\\\"a\\\" 2.2 %\""),
        ("join(\",\", [\"a\", \"b\"])", "\"a,b\""),
        ("split(\",\", \"a,b\")", "[\"a\", \"b\"]"),
        ("coalesce(null, \"\", \"x\")", "\"x\""),
        ("try(lookup({}, \"k\"), \"fallback\")", "\"fallback\""),
        ("can(lookup({}, \"k\"))", "false"),
        ("tobool(\"true\")", "true"),
        ("tostring(12)", "\"12\""),
        ("tonumber(\"2190\")", "2190"),
        (
            "jsonencode({ b = [1, true], a = null })",
            "\"{\\\"a\\\":null,\\\"b\\\":[1,true]}\"",
        ),
        ("jsondecode(\"{\\\"k\\\": [1, 2]}\").k[1]", "2"),
        ("min(3, 1, 2)", "1"),
        ("max(3, 1, 2)", "3"),
        ("keys({ b = 1, a = 2 })", "[\"a\", \"b\"]"),
        ("values({ b = 1, a = 2 })", "[2, 1]"),
        ("toset([\"b\", \"a\", \"b\"])", "[\"a\", \"b\"]"),
        ("tolist([1])", "[1]"),
        ("tomap({ a = 1 })", "{a = 1}"),
        ("element([\"a\", \"b\"], 3)", "\"b\""),
        ("flatten([[1], [2, [3]]])", "[1, 2, 3]"),
        ("replace(\"a-b-c\", \"-\", \"_\")", "\"a_b_c\""),
        ("replace(\"v1.2\", \"/v(\\\\d)/\", \"$1\")", "\"1.2\""),
        ("startswith(\"arn:aws\", \"arn:\")", "true"),
        ("endswith(\"x.tf\", \".tf\")", "true"),
        ("trimspace(\"  a \")", "\"a\""),
        ("substr(\"hello\", 1, 3)", "\"ell\""),
        (
            "regex(\"^(\\\\d+)-(\\\\w+)$\", \"12-ab\")",
            "[\"12\", \"ab\"]",
        ),
        ("cidrsubnet(\"10.0.0.0/16\", 8, 2)", "\"10.0.2.0/24\""),
        ("cidrsubnet(\"fd00::/56\", 8, 1)", "\"fd00:0:0:1::/64\""),
    ];
    for (expr, expected) in cases {
        assert_eq!(eval(expr), expected, "{expr}");
    }
}

#[test]
fn unsupported_function_is_unknown_with_its_name() {
    assert_eq!(
        eval("timestamp()"),
        "(unknown: function `timestamp` is not evaluated)"
    );
    assert_eq!(
        eval("provider::aws::arn_parse(\"x\")"),
        "(unknown: function `provider::aws::arn_parse` is not evaluated)"
    );
}

#[test]
fn evaluation_errors_are_unknown_not_guesses() {
    assert_eq!(
        eval("lookup({}, \"k\")"),
        "(unknown: evaluation error: lookup: no key \"k\")"
    );
}

const VARIABLES: &str = r#"
variable "encrypted" {
  type    = bool
  default = false
}
variable "retention" {
  type = number
}
variable "tags" {
  type    = map(string)
  default = { team = "ops" }
}
"#;

fn with_sources(sources: &[VarSource]) -> Document {
    let main = format!(
        "{VARIABLES}\nresource \"aws_efs_file_system\" \"f\" {{\n  encrypted = var.encrypted\n  days = var.retention\n  tags = var.tags\n}}\n"
    );
    let doc = module_document_with("m", vec![SourceFile::new("main.tf", main)], sources);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    doc
}

#[test]
fn variable_defaults_and_missing_values() {
    let doc = with_sources(&[]);
    assert_eq!(
        attr(&doc, "aws_efs_file_system.f", "encrypted"),
        Value::Bool(false)
    );
    let Value::Unknown(days) = attr(&doc, "aws_efs_file_system.f", "days") else {
        panic!("unknown expected")
    };
    assert_eq!(
        days.reason,
        "var.retention has no value (no default, no tfvars entry, --var or TF_VAR_retention)"
    );
    assert_eq!(
        attr(&doc, "aws_efs_file_system.f", "tags").to_string(),
        "{team = \"ops\"}"
    );
}

#[test]
fn variable_precedence_follows_terraform() {
    let env = VarSource::Env {
        name: "encrypted".into(),
        raw: "true".into(),
    };
    let tfvars = VarSource::Tfvars(SourceFile::new(
        "terraform.tfvars",
        "retention = 2192\nencrypted = false\n",
    ));
    let json = VarSource::TfvarsJson(SourceFile::new(
        "x.auto.tfvars.json",
        "{\"tags\": {\"team\": \"phi\"}}",
    ));
    let cli = VarSource::Cli {
        name: "retention".into(),
        raw: "3653".into(),
    };

    let doc = with_sources(std::slice::from_ref(&env));
    assert_eq!(
        attr(&doc, "aws_efs_file_system.f", "encrypted"),
        Value::Bool(true),
        "TF_VAR_ converts to the declared bool"
    );

    let doc = with_sources(&[env.clone(), tfvars.clone()]);
    assert_eq!(
        attr(&doc, "aws_efs_file_system.f", "encrypted"),
        Value::Bool(false),
        "tfvars beats the environment"
    );
    assert_eq!(
        attr(&doc, "aws_efs_file_system.f", "days"),
        Value::Number(2192.0)
    );

    let doc = with_sources(&[env, tfvars, json, cli]);
    assert_eq!(
        attr(&doc, "aws_efs_file_system.f", "days"),
        Value::Number(3653.0),
        "--var beats tfvars"
    );
    assert_eq!(
        attr(&doc, "aws_efs_file_system.f", "tags").to_string(),
        "{team = \"phi\"}"
    );
}

#[test]
fn complex_cli_values_are_hcl() {
    let cli = VarSource::Cli {
        name: "tags".into(),
        raw: "{ team = \"cli\" }".into(),
    };
    let doc = with_sources(&[cli]);
    assert_eq!(
        attr(&doc, "aws_efs_file_system.f", "tags").to_string(),
        "{team = \"cli\"}"
    );
}

#[test]
fn locals_chain_and_cycles() {
    assert_eq!(
        eval_with("locals {\n  b = local.a * 2\n  a = 21\n}", "local.b"),
        "42"
    );
    let cyclic = eval_with("locals {\n  p = local.q\n  q = local.p\n}", "local.p");
    assert!(
        cyclic.starts_with("(unknown: local.") && cyclic.contains("(a cycle)"),
        "{cyclic}"
    );
    let Value::Unknown(chained) =
        eval_value("variable \"k\" {}\nlocals {\n  key = var.k\n}", "local.key")
    else {
        panic!()
    };
    assert_eq!(
        chained.reason,
        "var.k has no value (no default, no tfvars entry, --var or TF_VAR_k) (via local.key)"
    );
    assert_eq!(chained.references, vec!["var.k".to_owned()]);
}

#[test]
fn count_expands_with_index_and_zero_means_none() {
    let doc = module(
        "resource \"aws_db_instance\" \"none\" {\n  count = 0\n}\nresource \"aws_db_instance\" \"r\" {\n  count = 2\n  storage_encrypted = count.index == 0\n}\n",
    );
    assert_eq!(
        addresses(&doc),
        vec!["aws_db_instance.r[0]", "aws_db_instance.r[1]"]
    );
    assert_eq!(
        attr(&doc, "aws_db_instance.r[0]", "storage_encrypted"),
        Value::Bool(true)
    );
    assert_eq!(
        attr(&doc, "aws_db_instance.r[1]", "storage_encrypted"),
        Value::Bool(false)
    );
}

#[test]
fn for_each_over_a_map_and_a_set() {
    let doc = module(
        r#"
locals {
  volumes = { billing = false, imaging = true }
}
resource "aws_ebs_volume" "data" {
  for_each  = local.volumes
  encrypted = each.value
  tags      = { Name = each.key }
}
resource "aws_s3_bucket" "b" {
  for_each = toset(["z", "a"])
  bucket   = "clinic-${each.value}"
}
"#,
    );
    assert_eq!(
        addresses(&doc),
        vec![
            "locals",
            "aws_ebs_volume.data[\"billing\"]",
            "aws_ebs_volume.data[\"imaging\"]",
            "aws_s3_bucket.b[\"a\"]",
            "aws_s3_bucket.b[\"z\"]"
        ]
    );
    assert_eq!(
        attr(&doc, "aws_ebs_volume.data[\"billing\"]", "encrypted"),
        Value::Bool(false)
    );
    assert_eq!(
        attr(&doc, "aws_s3_bucket.b[\"z\"]", "bucket"),
        Value::String("clinic-z".into())
    );
}

#[test]
fn unknown_for_each_keeps_one_object_marked_unknown() {
    let doc = module(
        "variable \"names\" {}\nresource \"aws_ebs_volume\" \"v\" {\n  for_each  = var.names\n  encrypted = false\n}\n",
    );
    let volume = doc
        .objects
        .iter()
        .find(|o| o.kind == "aws_ebs_volume")
        .unwrap();
    assert_eq!(volume.address, "aws_ebs_volume.v");
    assert_eq!(
        volume.existence_unknown.as_deref(),
        Some(
            "for_each depends on var.names has no value (no default, no tfvars entry, --var or TF_VAR_names)"
        )
    );
    assert_eq!(
        volume.attrs.get("encrypted").unwrap().value.value,
        Value::Bool(false)
    );
}

#[test]
fn huge_count_is_bounded() {
    let mut doc = module_document(
        "m",
        vec![SourceFile::new(
            "main.tf",
            "resource \"aws_ebs_volume\" \"v\" {\n  count = 100000000\n}\n",
        )],
    );
    // The limit hit is also a located error, so the run cannot pass as if
    // the block had been expanded.
    let errors: Vec<&str> = doc.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        errors,
        vec!["count = 100000000 is over the 10000-instance limit; the block is read as unknown"]
    );
    doc.objects.retain(|o| o.kind != "required_provider");
    assert_eq!(doc.objects.len(), 1);
    assert_eq!(
        doc.objects[0].existence_unknown.as_deref(),
        Some("count = 100000000 is over the 10000-instance limit")
    );
}

#[test]
fn dynamic_blocks_expand_and_unknown_ones_stay_unknown() {
    let doc = module(
        r#"
variable "rules" {}
resource "aws_security_group" "sg" {
  dynamic "ingress" {
    for_each = [22, 443]
    iterator = port
    content {
      from_port = port.value
    }
  }
  ingress { from_port = 80 }
  dynamic "egress" {
    for_each = var.rules
    content {}
  }
}
"#,
    );
    assert_eq!(
        attr(&doc, "aws_security_group.sg", "ingress").to_string(),
        "[{from_port = 22}, {from_port = 443}, {from_port = 80}]"
    );
    let Value::Unknown(egress) = attr(&doc, "aws_security_group.sg", "egress") else {
        panic!()
    };
    assert!(egress.presence_unknown);
    assert!(
        egress
            .reason
            .starts_with("dynamic \"egress\" block: for_each depends on var.rules has no value"),
        "{}",
        egress.reason
    );
}

#[test]
fn references_to_configured_and_computed_attributes() {
    let doc = module(
        r#"
resource "aws_s3_bucket" "logs" {
  bucket = "clinic-${local.env}-logs"
}
locals { env = "prod" }
resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.bucket
}
resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
}
resource "aws_ebs_volume" "v" {
  count = 2
}
resource "aws_volume_attachment" "a" {
  volume_id = aws_ebs_volume.v[1].id
}
"#,
    );
    assert_eq!(
        attr(&doc, "aws_s3_bucket_versioning.logs", "bucket"),
        Value::String("clinic-prod-logs".into())
    );
    let Value::Unknown(id) = attr(&doc, "aws_s3_bucket_policy.logs", "bucket") else {
        panic!()
    };
    assert_eq!(id.references, vec!["aws_s3_bucket.logs".to_owned()]);
    let Value::Unknown(volume) = attr(&doc, "aws_volume_attachment.a", "volume_id") else {
        panic!()
    };
    assert_eq!(volume.references, vec!["aws_ebs_volume.v[1]".to_owned()]);
}

#[test]
fn resource_cycles_end_as_unknown() {
    let doc =
        module("resource \"t\" \"a\" {\n  x = t.b.y\n}\nresource \"t\" \"b\" {\n  y = t.a.x\n}\n");
    let Value::Unknown(u) = attr(&doc, "t.a", "x") else {
        panic!("{:?}", attr(&doc, "t.a", "x"))
    };
    assert!(u.reason.contains("cycle"), "{}", u.reason);
}

#[test]
fn spans_point_at_the_using_expression() {
    let doc = module(
        "variable \"e\" {\n  default = false\n}\nresource \"aws_efs_file_system\" \"f\" {\n  encrypted = var.e\n}\n",
    );
    let object = doc
        .objects
        .iter()
        .find(|o| o.kind == "aws_efs_file_system")
        .unwrap();
    let entry = object.attrs.get("encrypted").unwrap();
    assert_eq!(doc.files[0].slice(entry.value.span), "var.e");
}

/// A long splat chain is an evaluation error (unknown with the reason), not
/// a stack overflow: 20,000 `.*` crashed the evaluator (found by fuzzing).
#[test]
fn splat_chains_are_bounded() {
    let text = |splats: usize| {
        format!(
            "locals {{\n  l = [[1]]\n}}\nresource \"x\" \"r\" {{\n  v = local.l{}\n}}\n",
            ".*".repeat(splats)
        )
    };
    let doc = module(&text(2));
    assert_eq!(attr(&doc, "x.r", "v").to_string(), "[[1]]");
    for splats in [33, 20_000] {
        let doc = module(&text(splats));
        let value = attr(&doc, "x.r", "v");
        let Value::Unknown(unknown) = value else {
            panic!("{splats}: {value:?}")
        };
        assert_eq!(
            unknown.reason,
            format!("evaluation error: {splats} splats in one traversal, over the limit of 32")
        );
    }
}
