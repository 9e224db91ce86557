//! Three-valued evaluation, relations and finding locations, end to end from
//! policy YAML and Terraform text.

use std::sync::Arc;

use safeguard_engine::{Engine, Finding, KeepPasses, Status};
use safeguard_model::Document;
use safeguard_policy::compile_policy;
use safeguard_source::{ColumnUnit, SourceFile};
use safeguard_terraform::module_document;

fn policy_yaml(types: &str, when: &str, require: &str, scope: &str) -> String {
    let indent = |text: &str| text.lines().map(|l| format!("  {l}\n")).collect::<String>();
    let when = if when.is_empty() {
        String::new()
    } else {
        format!("when:\n{}", indent(when))
    };
    format!(
        "id: test-policy\ntitle: Test\nsafeguard: encryption-at-rest\ncitation: 45 CFR 164.312(a)(2)(iv)\nseverity: high\n\
applies-to:\n  format: terraform\n  type: [{types}]\n  scope: {scope}\n{when}require:\n{}message: \"{{address}} fails\"\nremediation: Fix it.\n\
examples:\n  pass: ['x']\n  fail: ['y']\n",
        indent(require)
    )
}

/// An engine with the one test policy, and the module it judges.
fn prepared(
    types: &str,
    when: &str,
    require: &str,
    scope: &str,
    terraform: &str,
) -> (Engine, Document) {
    let yaml = policy_yaml(types, when, require, scope);
    let policy = compile_policy(&SourceFile::new("p.yaml", yaml.as_str()))
        .unwrap_or_else(|e| panic!("{e:?}\n{yaml}"));
    let engine = Engine::new(vec![Arc::new(policy)]);
    let document = module_document("mod", vec![SourceFile::new("main.tf", terraform)]);
    assert!(document.errors.is_empty(), "{:?}", document.errors);
    (engine, document)
}

fn run_scoped(
    types: &str,
    when: &str,
    require: &str,
    scope: &str,
    terraform: &str,
) -> Vec<Finding> {
    let (engine, document) = prepared(types, when, require, scope, terraform);
    engine.evaluate(&document)
}

fn run(types: &str, require: &str, terraform: &str) -> Vec<Finding> {
    run_scoped(types, "", require, "object", terraform)
}

/// (object, status, reason) for compact assertions.
fn verdicts(findings: &[Finding]) -> Vec<(String, Status, String)> {
    findings
        .iter()
        .map(|f| {
            (
                f.object.clone(),
                f.status,
                f.reason.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn position(finding: &Finding) -> (u32, u32) {
    let lc = finding.file.line_index().line_column(
        finding.span.start,
        finding.file.text(),
        ColumnUnit::Chars,
    );
    (lc.line, lc.column)
}

const EQUALS_TRUE: &str = "attr: storage_encrypted\nequals: true";

#[test]
fn equals_passes_fails_and_points_at_the_attribute() {
    let tf = "resource \"aws_db_instance\" \"ok\" {\n  storage_encrypted = true\n}\nresource \"aws_db_instance\" \"bad\" {\n  engine = \"postgres\"\n  storage_encrypted = false\n}\n";
    let findings = run("aws_db_instance", EQUALS_TRUE, tf);
    assert_eq!(
        verdicts(&findings),
        vec![
            ("aws_db_instance.ok".into(), Status::Pass, String::new()),
            (
                "aws_db_instance.bad".into(),
                Status::Fail,
                "`storage_encrypted` is false, expected true".into()
            ),
        ]
    );
    assert_eq!(findings[1].message, "aws_db_instance.bad fails");
    assert_eq!(position(&findings[1]), (6, 3));
    assert_eq!(
        findings[1].file.slice(findings[1].span),
        "storage_encrypted = false"
    );
}

/// A run that lists only failures and unknowns counts passes instead of
/// building them; what it lists is the same.
#[test]
fn passes_can_be_counted_instead_of_built() {
    let tf = "resource \"aws_db_instance\" \"a\" {\n  storage_encrypted = true\n}\nresource \"aws_db_instance\" \"b\" {\n  storage_encrypted = false\n}\nresource \"aws_db_instance\" \"c\" {\n  storage_encrypted = true\n}\n";
    let (engine, document) = prepared("aws_db_instance", "", EQUALS_TRUE, "object", tf);
    let (all, none_counted) = engine.evaluate_with(&document, KeepPasses::Yes);
    let (listed, counted) = engine.evaluate_with(&document, KeepPasses::No);
    assert_eq!((all.len(), none_counted), (3, 0));
    assert_eq!(counted, 2);
    assert_eq!(
        verdicts(&listed),
        verdicts(&all)
            .into_iter()
            .filter(|(_, status, _)| *status != Status::Pass)
            .collect::<Vec<_>>()
    );
}

/// A run that does not keep passes does not format their reasons, except
/// under a `not`, where a pass becomes a failure that must say why.
#[test]
fn a_negated_pass_is_explained_when_passes_are_only_counted() {
    let tf = "resource \"aws_db_instance\" \"a\" {\n  storage_encrypted = true\n}\n";
    let (engine, document) = prepared(
        "aws_db_instance",
        "",
        "not: { attr: storage_encrypted, equals: true }",
        "object",
        tf,
    );
    let (listed, counted) = engine.evaluate_with(&document, KeepPasses::No);
    assert_eq!(counted, 0);
    assert_eq!(
        verdicts(&listed),
        vec![(
            "aws_db_instance.a".into(),
            Status::Fail,
            "`storage_encrypted` is true".into()
        )]
    );
    assert_eq!(verdicts(&listed), verdicts(&engine.evaluate(&document)));
}

/// A failure under `not` says what the value is, not what a pass would
/// have expected: `azure-database-firewall-not-internet` used to report
/// "`start_ip_address` is "0.0.0.0", expected "0.0.0.0"".
#[test]
fn a_negated_condition_fails_saying_what_the_values_are() {
    let tf = "resource \"aws_db_instance\" \"a\" {\n  port = 5432\n  engine = \"postgres\"\n  tags = [\"phi\"]\n}\n";
    for (condition, reason) in [
        (
            "not: { all: [ { attr: port, equals: 5432 }, { attr: engine, in: [postgres, mysql] } ] }",
            "`port` is 5432; `engine` is \"postgres\"",
        ),
        ("not: { attr: port, gte: 1024 }", "`port` is 5432"),
        (
            "not: { attr: tags, contains: phi }",
            "`tags` is [\"phi\"], which contains \"phi\"",
        ),
    ] {
        let (engine, document) = prepared("aws_db_instance", "", condition, "object", tf);
        assert_eq!(
            verdicts(&engine.evaluate(&document)),
            vec![("aws_db_instance.a".into(), Status::Fail, reason.into())],
            "{condition}"
        );
    }
}

#[test]
fn absent_attribute_fails_at_the_object_header() {
    let findings = run(
        "aws_db_instance",
        EQUALS_TRUE,
        "\nresource \"aws_db_instance\" \"db\" {\n  engine = \"mysql\"\n}\n",
    );
    assert_eq!(
        verdicts(&findings),
        vec![(
            "aws_db_instance.db".into(),
            Status::Fail,
            "`storage_encrypted` is not set".into()
        )]
    );
    let f = &findings[0];
    assert_eq!(position(f), (2, 1));
    assert_eq!(
        f.file.slice(f.label_span),
        "resource \"aws_db_instance\" \"db\""
    );
}

#[test]
fn default_applies_when_absent() {
    let require = "attr: enabled\ndefault: true\nequals: true";
    let findings = run(
        "aws_ebs_encryption_by_default",
        require,
        "resource \"aws_ebs_encryption_by_default\" \"d\" {}\n",
    );
    assert_eq!(findings[0].status, Status::Pass);
    let findings = run(
        "aws_ebs_encryption_by_default",
        require,
        "resource \"aws_ebs_encryption_by_default\" \"d\" {\n  enabled = false\n}\n",
    );
    assert_eq!(
        verdicts(&findings)[0].2,
        "`enabled` is false, expected true"
    );
}

#[test]
fn unknown_value_is_unknown_with_its_reason() {
    let findings = run(
        "aws_db_instance",
        EQUALS_TRUE,
        "variable \"encrypt\" {}\nresource \"aws_db_instance\" \"db\" {\n  storage_encrypted = var.encrypt\n}\n",
    );
    assert_eq!(
        verdicts(&findings),
        vec![(
            "aws_db_instance.db".into(),
            Status::Unknown,
            "`storage_encrypted` cannot be known: var.encrypt has no value (no default, no tfvars entry, --var or TF_VAR_encrypt)".into()
        )]
    );
    // `exists` holds on a set attribute whose value is unknown.
    let findings = run(
        "aws_db_instance",
        "attr: kms_key_id\nexists: true",
        "resource \"aws_kms_key\" \"k\" {}\nresource \"aws_db_instance\" \"db\" {\n  kms_key_id = aws_kms_key.k.arn\n}\n",
    );
    assert_eq!(findings[0].status, Status::Pass);
}

#[test]
fn kleene_logic() {
    let tf = "variable \"y\" {}\nresource \"t\" \"a\" {\n  x = true\n  y = var.y\n}\n";
    let status = |require: &str| run("t", require, tf)[0].status;
    // all: a failure decides even beside an unknown; otherwise unknown wins over pass.
    assert_eq!(
        status("all:\n  - { attr: x, equals: false }\n  - { attr: y, equals: true }"),
        Status::Fail
    );
    assert_eq!(
        status("all:\n  - { attr: x, equals: true }\n  - { attr: y, equals: true }"),
        Status::Unknown
    );
    // any: a pass decides even beside an unknown; otherwise unknown wins over fail.
    assert_eq!(
        status("any:\n  - { attr: x, equals: true }\n  - { attr: y, equals: true }"),
        Status::Pass
    );
    assert_eq!(
        status("any:\n  - { attr: x, equals: false }\n  - { attr: y, equals: true }"),
        Status::Unknown
    );
    // not swaps pass and fail, keeps unknown.
    assert_eq!(status("not: { attr: x, equals: true }"), Status::Fail);
    assert_eq!(status("not: { attr: y, equals: true }"), Status::Unknown);
}

#[test]
fn operators() {
    let tf = "resource \"t\" \"a\" {\n  days = 2192\n  policy = \"ELBSecurityPolicy-TLS13-1-2-2021-06\"\n  list = [\"a\", \"b\"]\n  port = \"443\"\n  rule {\n    type = \"redirect\"\n    redirect {\n      protocol = \"HTTPS\"\n    }\n  }\n  rule {\n    type = \"forward\"\n  }\n}\n";
    let status = |require: &str| run("t", require, tf)[0].status;
    assert_eq!(status("attr: days\ngte: 2190"), Status::Pass);
    assert_eq!(status("attr: days\nlte: 365"), Status::Fail);
    assert_eq!(
        status("attr: policy\nmatches: '^ELBSecurityPolicy-(TLS-1-2|FS-1-2|TLS13-1-[23])-'"),
        Status::Pass
    );
    assert_eq!(status("attr: list\ncontains: b"), Status::Pass);
    assert_eq!(status("attr: list\ncontains: c"), Status::Fail);
    assert_eq!(status("attr: port\nequals: 443"), Status::Pass);
    assert_eq!(status("attr: port\nin: [80, 8080]"), Status::Fail);
    assert_eq!(status("attr: port\nnot-in: [80, 8080]"), Status::Pass);
    assert_eq!(status("attr: rule[*].type\nequals: forward"), Status::Pass);
    assert_eq!(status("attr: rule.type\nnot-equals: forward"), Status::Fail);
    assert_eq!(
        status(
            "attr: rule\nany-item:\n  all:\n    - { attr: type, equals: redirect }\n    - { attr: redirect.protocol, equals: HTTPS }"
        ),
        Status::Pass
    );
    assert_eq!(
        status("attr: rule\nall-items: { attr: type, equals: redirect }"),
        Status::Fail
    );
    assert_eq!(status("attr: rule[1].type\nequals: forward"), Status::Pass);
    assert_eq!(status("attr: missing\nexists: false"), Status::Pass);
    assert_eq!(
        status("attr: list\nany-item: { attr: ., equals: a }"),
        Status::Pass
    );
}

#[test]
fn a_pattern_too_large_to_build_is_unknown_not_a_verdict() {
    // Its syntax loads; only building it shows it exceeds regex's size limit.
    let tf = "resource \"t\" \"a\" {\n  name = \"x\"\n}\n";
    let findings = run("t", "attr: name\nmatches: '\\w{1000}'", tf);
    let (object, status, reason) = verdicts(&findings).remove(0);
    assert_eq!((object.as_str(), status), ("t.a", Status::Unknown));
    assert!(
        reason.starts_with("`name` cannot be matched against `\\w{1000}`: ")
            && reason.contains("size limit"),
        "{reason}"
    );
}

#[test]
fn dynamic_blocks_make_presence_unknown() {
    let tf = "variable \"sse\" {}\nresource \"aws_s3_bucket\" \"b\" {\n  dynamic \"server_side_encryption_configuration\" {\n    for_each = var.sse\n    content {}\n  }\n}\n";
    let findings = run(
        "aws_s3_bucket",
        "attr: server_side_encryption_configuration\nexists: true",
        tf,
    );
    assert_eq!(findings[0].status, Status::Unknown);
    assert_eq!(
        findings[0].reason.as_deref(),
        Some(
            "whether `server_side_encryption_configuration` is set cannot be known: dynamic \"server_side_encryption_configuration\" block: for_each depends on var.sse has no value (no default, no tfvars entry, --var or TF_VAR_sse)"
        )
    );
}

const SSE: &str = "referenced-by:\n  type: aws_s3_bucket_server_side_encryption_configuration\n  attr: bucket\n  name-attr: bucket\n  require: { attr: rule, exists: true }";

#[test]
fn referenced_by_follows_references_and_literal_names() {
    let tf = r#"
resource "aws_s3_bucket" "phi" { bucket = "clinic-phi" }
resource "aws_s3_bucket" "named" { bucket = "clinic-named" }
resource "aws_s3_bucket" "bare" { bucket = "clinic-bare" }
resource "aws_s3_bucket_server_side_encryption_configuration" "phi" {
  bucket = aws_s3_bucket.phi.id
  rule {}
}
resource "aws_s3_bucket_server_side_encryption_configuration" "named" {
  bucket = "clinic-named"
  rule {}
}
"#;
    assert_eq!(
        verdicts(&run("aws_s3_bucket", SSE, tf)),
        vec![
            ("aws_s3_bucket.phi".into(), Status::Pass, String::new()),
            ("aws_s3_bucket.named".into(), Status::Pass, String::new()),
            (
                "aws_s3_bucket.bare".into(),
                Status::Fail,
                "no aws_s3_bucket_server_side_encryption_configuration references aws_s3_bucket.bare".into()
            ),
        ]
    );
}

#[test]
fn referenced_by_through_a_variable_is_unknown_not_fail() {
    let tf = r#"
variable "bucket_name" {}
resource "aws_s3_bucket" "phi" { bucket = "clinic-phi" }
resource "aws_s3_bucket_server_side_encryption_configuration" "sse" {
  bucket = var.bucket_name
  rule {}
}
"#;
    assert_eq!(
        verdicts(&run("aws_s3_bucket", SSE, tf)),
        vec![(
            "aws_s3_bucket.phi".into(),
            Status::Unknown,
            "`aws_s3_bucket_server_side_encryption_configuration.sse.bucket` cannot be known (var.bucket_name has no value (no default, no tfvars entry, --var or TF_VAR_bucket_name)), so it may or may not be aws_s3_bucket.phi".into()
        )]
    );
}

#[test]
fn referencing_object_must_satisfy_require() {
    let tf = "resource \"aws_s3_bucket\" \"phi\" {}\nresource \"aws_s3_bucket_server_side_encryption_configuration\" \"sse\" {\n  bucket = aws_s3_bucket.phi.id\n}\n";
    assert_eq!(
        verdicts(&run("aws_s3_bucket", SSE, tf)),
        vec![(
            "aws_s3_bucket.phi".into(),
            Status::Fail,
            "aws_s3_bucket_server_side_encryption_configuration.sse: `rule` is not set".into()
        )]
    );
}

/// When no object of the type qualifies, the reason names the closest
/// candidates (those meeting most parts of an `all`), not every object of
/// the type: Azure's modules declare four providers, and the reason listed
/// why `random` is not `azurerm`.
#[test]
fn exists_object_explains_its_closest_candidates() {
    let require = "exists-object:\n  type: aws_kms_key\n  where:\n    all:\n      - { attr: description, equals: phi }\n      - { attr: enable_key_rotation, equals: true }";
    let tf = "resource \"aws_ebs_volume\" \"v\" { size = 10 }\n\
resource \"aws_kms_key\" \"logs\" {\n  description = \"logs\"\n}\n\
resource \"aws_kms_key\" \"phi\" {\n  description = \"phi\"\n  enable_key_rotation = false\n}\n";
    assert_eq!(
        verdicts(&run("aws_ebs_volume", require, tf)),
        vec![(
            "aws_ebs_volume.v".into(),
            Status::Fail,
            "aws_kms_key.phi: `enable_key_rotation` is false, expected true".into()
        )]
    );
}

#[test]
fn exists_object_and_document_scope() {
    let require = "exists-object:\n  type: aws_ebs_encryption_by_default\n  where: { attr: enabled, default: true, equals: true }";
    let volume = "resource \"aws_ebs_volume\" \"v\" { size = 10 }\n";
    let with_default = format!("{volume}resource \"aws_ebs_encryption_by_default\" \"on\" {{}}\n");
    assert_eq!(
        run("aws_ebs_volume", require, &with_default)[0].status,
        Status::Pass
    );
    let findings = run("aws_ebs_volume", require, volume);
    assert_eq!(
        verdicts(&findings),
        vec![(
            "aws_ebs_volume.v".into(),
            Status::Fail,
            "no aws_ebs_encryption_by_default in mod".into()
        )]
    );

    let findings = run_scoped("aws_ebs_volume", "", require, "document", volume);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].object, "mod");
    assert_eq!(
        findings[0].file.slice(findings[0].span),
        "resource \"aws_ebs_volume\" \"v\""
    );
    // No triggering object, no finding.
    assert!(
        run_scoped(
            "aws_ebs_volume",
            "",
            require,
            "document",
            "resource \"aws_s3_bucket\" \"b\" {}\n"
        )
        .is_empty()
    );
}

#[test]
fn when_gates_the_policy_and_unknown_when_is_reported() {
    let when = "attr: engine_mode\nnot-equals: serverless";
    let run_when = |tf: &str| run_scoped("aws_rds_cluster", when, EQUALS_TRUE, "object", tf);
    assert!(
        run_when("resource \"aws_rds_cluster\" \"c\" {\n  engine_mode = \"serverless\"\n}\n")
            .is_empty()
    );
    assert_eq!(
        run_when("resource \"aws_rds_cluster\" \"c\" {}\n")[0].status,
        Status::Fail
    );
    let findings = run_when(
        "variable \"mode\" {}\nresource \"aws_rds_cluster\" \"c\" {\n  engine_mode = var.mode\n  storage_encrypted = true\n}\n",
    );
    assert_eq!(findings[0].status, Status::Unknown);
    assert_eq!(
        findings[0].reason.as_deref(),
        Some(
            "whether the policy applies is unknown: `engine_mode` cannot be known: var.mode has no value (no default, no tfvars entry, --var or TF_VAR_mode)"
        )
    );
}

#[test]
fn failure_on_an_object_that_may_not_exist_is_unknown() {
    let tf = "variable \"n\" {}\nresource \"aws_db_instance\" \"r\" {\n  count = var.n\n  storage_encrypted = false\n}\n";
    let findings = run("aws_db_instance", EQUALS_TRUE, tf);
    assert_eq!(
        verdicts(&findings),
        vec![(
            "aws_db_instance.r".into(),
            Status::Unknown,
            "`storage_encrypted` is false, expected true, but whether aws_db_instance.r exists is unknown: count depends on var.n has no value (no default, no tfvars entry, --var or TF_VAR_n)".into()
        )]
    );
}

/// A pattern found in the known part of an unknown text passes `matches`,
/// when the match touches no unknown part; anything else stays unknown.
#[test]
fn a_match_in_the_known_part_of_an_unknown_text_is_certain() {
    let tf = |policy: &str| {
        format!(
            "variable \"arn\" {{}}\nresource \"aws_s3_bucket_policy\" \"a\" {{\n  policy = {policy}\n}}\n"
        )
    };
    let judge_with = |policy: &str, require: String| {
        let (engine, document) =
            prepared("aws_s3_bucket_policy", "", &require, "object", &tf(policy));
        let verdicts = verdicts(&engine.evaluate(&document));
        let [(_, status, reason)] = verdicts.as_slice() else {
            panic!("{verdicts:?}")
        };
        (*status, reason.clone())
    };
    let judge = |policy: &str, pattern: &str| {
        judge_with(policy, format!("attr: policy\nmatches: '{pattern}'"))
    };
    let secure = r#""aws:SecureTransport"\s*:\s*"false""#;
    let (status, reason) = judge(
        r#"jsonencode({ Resource = "${var.arn}/*", Condition = { Bool = { "aws:SecureTransport" = "false" } } })"#,
        secure,
    );
    assert_eq!((status, reason.as_str()), (Status::Pass, ""));
    // Under a `not` the pass is the failure, and says why.
    let (status, reason) = judge_with(
        r#"jsonencode({ Resource = "${var.arn}/*", Condition = { Bool = { "aws:SecureTransport" = "false" } } })"#,
        format!("not: {{ attr: policy, matches: '{secure}' }}"),
    );
    assert_eq!(status, Status::Fail);
    assert!(
        reason.starts_with("`policy` holds a match for") && reason.contains("var.arn has no value"),
        "{reason}"
    );
    // Not found in the known part: the unknown part might hold it.
    assert_eq!(
        judge(r#"jsonencode({ Resource = var.arn })"#, secure).0,
        Status::Unknown
    );
    // A match that touches the unknown part may read a character of it.
    assert_eq!(
        judge(r#""${var.arn}Transport""#, "^Transport").0,
        Status::Unknown
    );
    assert_eq!(
        judge(r#""x${var.arn}Transport""#, r"\bTransport").0,
        Status::Unknown
    );
    assert_eq!(
        judge(r#""Transport ${var.arn}""#, "^Transport").0,
        Status::Pass
    );
}
