//! BAA scope: the vendor catalogue, the organisation's register of signed
//! BAAs in safeguard.toml, and the AWS eligible-services list.

mod common;

use common::{error_lines, finding_lines, json, repo_root, safeguard, write};

fn check(dir: &std::path::Path, path: &str) -> (Option<i32>, serde_json::Value) {
    let output = safeguard(dir)
        .args(["check", path, "--format", "json", "--select", "baa-scope"])
        .output()
        .unwrap();
    (output.status.code(), json(&output))
}

#[test]
fn testdata_findings_follow_catalogue_and_register() {
    let (code, report) = check(&repo_root(), "testdata/baa");
    assert_eq!(
        finding_lines(&report),
        vec![
            "testdata/baa/main.tf:16 aws-phi-service-hipaa-eligible fail aws_gamelift_fleet.therapy_pilot",
            "testdata/baa/main.tf:22 aws-phi-service-hipaa-eligible unknown aws_lightsail_instance.intake",
            "testdata/baa/main.tf:31 terraform-provider-baa-not-registered fail provider[\"registry.terraform.io/hashicorp/okta\"]",
            "testdata/baa/versions.tf:8 terraform-provider-no-baa fail provider[\"registry.terraform.io/trois-six/sendgrid\"]",
        ]
    );
    assert_eq!(code, Some(1));
    let reasons: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reason"].as_str().unwrap())
        .collect();
    assert!(reasons[1].starts_with(
        "`aws_lightsail_instance` belongs to no service on safeguard's aws eligible-services list (as of 2026-11-28)"
    ));
    assert!(reasons[3].contains("names Twilio SendGrid (`sendgrid`), which offers no BAA"));
    // Registered vendors (AWS, Mailgun) and eligible services pass.
    assert_eq!(report["summary"]["pass"], 7, "{report:#}");
}

const MIXED: &str = r#"
resource "aws_s3_bucket" "records" {
  bucket = "clinic-records"
}
resource "mailgun_domain" "mail" {
  name = "mail.example.org"
}
"#;

#[test]
fn an_empty_register_leaves_every_available_baa_unsigned() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", MIXED);
    let (code, report) = check(dir.path(), ".");
    assert_eq!(
        finding_lines(&report),
        vec![
            "main.tf:2 terraform-provider-baa-not-registered fail provider[\"registry.terraform.io/hashicorp/aws\"]",
            "main.tf:5 terraform-provider-baa-not-registered fail provider[\"registry.terraform.io/hashicorp/mailgun\"]",
        ]
    );
    assert_eq!(code, Some(1));
}

#[test]
fn register_mistakes_are_located_and_do_not_count() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", MIXED);
    write(
        dir.path(),
        "safeguard.toml",
        "[[baa]]\nvendor = \"awss\"\nsigned = \"2024-01-01\"\n\n[[baa]]\nvendor = \"mailgun\"\nsigned = \"2020-01-01\"\nexpires = \"2021-01-01\"\n",
    );
    let (code, report) = check(dir.path(), ".");
    assert_eq!(
        error_lines(&report),
        vec![
            "safeguard.toml:2:10 `awss` is not in the vendor catalogue (did you mean `aws`?)",
            "safeguard.toml:8:11 the BAA with `mailgun` expired on 2021-01-01; renew it and update the register, or remove the entry",
        ]
    );
    // Neither entry counts: both vendors are still findings, and the run
    // exits 2 because the configuration has errors.
    assert_eq!(finding_lines(&report).len(), 2);
    assert_eq!(code, Some(2));
}

#[test]
fn a_bad_date_in_the_register_is_located() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", MIXED);
    write(
        dir.path(),
        "safeguard.toml",
        "[[baa]]\nvendor = \"aws\"\nsigned = \"March 2024\"\n",
    );
    let (code, report) = check(dir.path(), ".");
    assert_eq!(
        error_lines(&report),
        vec!["safeguard.toml:3:10 `March 2024` is not a date written YYYY-MM-DD"]
    );
    assert_eq!(code, Some(2));
}

#[test]
fn a_vendor_outside_the_catalogue_can_be_registered_with_its_own_hosts() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", MIXED);
    write(
        dir.path(),
        "safeguard.toml",
        "[[baa]]\nvendor = \"aws\"\nsigned = \"2024-01-01\"\n\n[[baa]]\nvendor = \"mailgun\"\nsigned = \"2024-01-01\"\nexpires = \"2999-01-01\"\n\n[[baa]]\nvendor = \"acme-labs\"\nsigned = \"2024-01-01\"\nresource-prefixes = [\"acme_\"]\n",
    );
    let (code, report) = check(dir.path(), ".");
    assert_eq!(finding_lines(&report), Vec::<String>::new());
    assert_eq!(report["summary"]["pass"], 4);
    assert_eq!(code, Some(0));
}

#[test]
fn eligibility_is_judged_only_on_resources_tagged_as_phi() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        "resource \"aws_gamelift_fleet\" \"f\" {\n  name = \"f\"\n  tags = { data-classification = \"phi\" }\n}\n",
    );
    write(
        dir.path(),
        "safeguard.toml",
        "[[baa]]\nvendor = \"aws\"\nsigned = \"2024-01-01\"\n",
    );
    // No [phi] tag configured: safeguard cannot know what holds PHI.
    let (code, report) = check(dir.path(), ".");
    assert_eq!(finding_lines(&report), Vec::<String>::new());
    assert_eq!(code, Some(0));

    write(
        dir.path(),
        "safeguard.toml",
        "[phi]\ntag = \"data-classification\"\n\n[[baa]]\nvendor = \"aws\"\nsigned = \"2024-01-01\"\n",
    );
    let (code, report) = check(dir.path(), ".");
    assert_eq!(
        finding_lines(&report),
        vec!["main.tf:1 aws-phi-service-hipaa-eligible fail aws_gamelift_fleet.f"]
    );
    assert_eq!(code, Some(1));
}

#[test]
fn mail_next_hops_are_matched_against_catalogue_and_register() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "postfix/main.cf",
        "relayhost = [smtp.mailgun.org]:587\ntransport_maps = texthash:/etc/postfix/transport\nsmtp_tls_security_level = encrypt\n",
    );
    write(
        dir.path(),
        "postfix/transport",
        "# newsletters go out through Mandrill\nnews.clinic.example  smtp:[smtp.mandrillapp.com]:587\n",
    );
    let (code, report) = check(dir.path(), ".");
    assert_eq!(
        finding_lines(&report),
        vec![
            // relayhost serves both address classes, through `relay` and `smtp`.
            "postfix/main.cf:1 postfix-relay-baa-not-registered fail postfix.next_hop[relay:[smtp.mailgun.org]:587]",
            "postfix/main.cf:1 postfix-relay-baa-not-registered fail postfix.next_hop[smtp:[smtp.mailgun.org]:587]",
            "postfix/transport:2 postfix-relay-no-baa-vendor fail postfix.next_hop[smtp:[smtp.mandrillapp.com]:587]",
        ]
    );
    assert_eq!(code, Some(1));

    // Registering Mailgun clears its finding; Mandrill signs none, so it stays.
    write(
        dir.path(),
        "safeguard.toml",
        "[[baa]]\nvendor = \"mailgun\"\nsigned = \"2025-06-15\"\n",
    );
    let (_, report) = check(dir.path(), ".");
    assert_eq!(
        finding_lines(&report),
        vec![
            "postfix/transport:2 postfix-relay-no-baa-vendor fail postfix.next_hop[smtp:[smtp.mandrillapp.com]:587]"
        ]
    );
}
