//! Every mistake in a policy file is reported at file:line:column with a hint.

use std::path::PathBuf;

use safeguard_policy::{Condition, Operator, compile_policy, load_sources};
use safeguard_source::SourceFile;

const VALID: &str = r#"id: aws-efs-encrypted
title: EFS file systems encrypt data at rest
safeguard: encryption-at-rest
citation: 45 CFR 164.312(a)(2)(iv)
severity: high
applies-to:
  format: terraform
  type: aws_efs_file_system
require:
  attr: encrypted
  equals: true
message: "{address} stores files unencrypted"
remediation: Set `encrypted = true`.
examples:
  pass: ['resource "aws_efs_file_system" "a" { encrypted = true }']
  fail: ['resource "aws_efs_file_system" "a" {}']
"#;

fn errors(text: &str) -> Vec<String> {
    let file = SourceFile::new("policies/p.yaml", text);
    match compile_policy(&file) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn valid_policy_compiles() {
    let policy = compile_policy(&SourceFile::new("p.yaml", VALID)).unwrap();
    assert_eq!(policy.id, "aws-efs-encrypted");
    assert_eq!(
        policy.applies_to.types,
        vec!["aws_efs_file_system".to_owned()]
    );
    let Condition::Leaf(leaf) = &policy.require else {
        panic!("leaf expected")
    };
    assert_eq!(leaf.path.as_str(), "encrypted");
    assert!(matches!(leaf.operator, Operator::Equals(_)));
    assert_eq!(policy.examples.pass.len(), 1);
    assert_eq!(
        policy
            .message
            .render("aws_efs_file_system.f", "aws_efs_file_system"),
        "aws_efs_file_system.f stores files unencrypted"
    );
}

#[test]
fn unknown_top_level_key() {
    let text = VALID.replace("remediation:", "remediaton:");
    assert_eq!(
        errors(&text),
        vec![
            "policies/p.yaml:13:1: unknown key `remediaton` in a policy (hint: did you mean `remediation`?)",
            "policies/p.yaml:1:1: missing required field `remediation` in the policy",
        ]
    );
}

#[test]
fn unknown_operator() {
    let text = VALID.replace("  equals: true", "  equal: true");
    assert_eq!(
        errors(&text),
        vec![
            "policies/p.yaml:11:3: unknown operator `equal` (hint: did you mean `equals`?)",
            "policies/p.yaml:10:3: `attr` needs an operator (hint: add one of: exists, equals, not-equals, in, not-in, matches, gte, lte, contains, any-item, all-items, vendor-baa)",
        ]
    );
}

#[test]
fn unknown_safeguard() {
    let text = VALID.replace(
        "safeguard: encryption-at-rest",
        "safeguard: encryption-at-rst",
    );
    assert_eq!(
        errors(&text),
        vec![
            "policies/p.yaml:3:12: unknown safeguard `encryption-at-rst` (hint: did you mean `encryption-at-rest`?)"
        ]
    );
}

#[test]
fn bad_regex() {
    let text = VALID.replace("  equals: true", "  matches: \"^(TLS\"");
    let errs = errors(&text);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("policies/p.yaml:11:12: invalid regular expression: "),
        "{}",
        errs[0]
    );
}

#[test]
fn missing_example() {
    let text = VALID.replace(
        "  fail: ['resource \"aws_efs_file_system\" \"a\" {}']\n",
        "",
    );
    assert_eq!(
        errors(&text),
        vec![
            "policies/p.yaml:15:3: missing `fail` example (hint: every policy needs at least one `fail` example, which `safeguard test` runs)"
        ]
    );
}

#[test]
fn citation_must_be_hipaa() {
    let text = VALID.replace(
        "citation: 45 CFR 164.312(a)(2)(iv)",
        "citation: PCI DSS 3.4",
    );
    assert_eq!(
        errors(&text),
        vec![
            "policies/p.yaml:4:11: citation `PCI DSS 3.4` is not a HIPAA citation (hint: encryption-at-rest cites `45 CFR 164.312(a)(2)(iv)`)"
        ]
    );
}

#[test]
fn invalid_yaml_is_located() {
    let errs = errors("id: [unclosed\ntitle: x\n");
    assert_eq!(errs.len(), 1);
    assert!(errs[0].starts_with("policies/p.yaml:"), "{}", errs[0]);
    assert!(errs[0].contains("invalid YAML"), "{}", errs[0]);
}

#[test]
fn operator_without_attr_and_two_forms() {
    let text = VALID.replace("  attr: encrypted\n  equals: true", "  equals: true");
    assert_eq!(
        errors(&text),
        vec![
            "policies/p.yaml:10:3: operator `equals` needs an `attr` (hint: add `attr: <attribute path>`)"
        ]
    );
    let text = VALID.replace("  attr: encrypted\n  equals: true", "  all: []\n  any: []");
    assert_eq!(
        errors(&text),
        vec![
            "policies/p.yaml:10:3: a condition takes one of all, any, not, attr, referenced-by, exists-object, hipaa-eligible-service, found all and any (hint: combine several conditions with `all` or `any`)"
        ]
    );
}

#[test]
fn duplicate_ids_are_reported_at_the_second() {
    let set = load_sources(vec![
        (PathBuf::from("a.yaml"), VALID.to_owned()),
        (PathBuf::from("b.yaml"), VALID.to_owned()),
    ]);
    assert_eq!(set.policies.len(), 1);
    let errs: Vec<String> = set.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errs,
        vec![
            "b.yaml:1:5: duplicate policy id `aws-efs-encrypted` (hint: already defined in a.yaml)"
        ]
    );
}

#[test]
fn relations_compile() {
    let text = VALID.replace(
        "  attr: encrypted\n  equals: true",
        "  any:\n    - referenced-by:\n        type: aws_x\n        attr: bucket\n        name-attr: bucket\n    - exists-object:\n        type: [aws_y]\n        where: { attr: enabled, default: true, equals: true }",
    );
    let policy = compile_policy(&SourceFile::new("p.yaml", text)).unwrap();
    let Condition::Any(parts) = &policy.require else {
        panic!()
    };
    assert!(matches!(parts[0], Condition::ReferencedBy(_)));
    assert!(matches!(parts[1], Condition::ExistsObject(_)));
}
