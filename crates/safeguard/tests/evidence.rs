//! `safeguard report`: the Markdown evidence (snapshot) and the HTML page
//! (self-contained, with the same counts).

mod common;

use common::{safeguard, stdout, write};

const SELECT: &str = "aws-s3-bucket-versioning,aws-s3-bucket-encryption,aws-rds-instance-storage-encrypted,risk-management";

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        "# safeguard:ignore aws-s3-bucket-versioning until=2999-12-31 -- rebuilt nightly from the source system\nresource \"aws_s3_bucket\" \"scratch\" {\n  bucket = \"scratch\"\n}\n\nresource \"aws_db_instance\" \"db\" {\n  storage_encrypted = false\n}\n\nresource \"aws_db_instance\" \"ok\" {\n  storage_encrypted = true\n}\n",
    );
    write(
        dir.path(),
        "safeguard.toml",
        "[[exceptions]]\nrule = \"aws-s3-bucket-encryption\"\nobject = \"aws_s3_bucket.scratch\"\nreason = \"holds no PHI, see data map v3\"\napproved-by = \"Dana Reyes (security officer)\"\n",
    );
    dir
}

/// The policy digest changes with every policy edit; it is checked for shape.
fn redact_digest(text: &str) -> String {
    let start = text.find("SHA-256 `").expect("digest") + "SHA-256 `".len();
    let digest = &text[start..start + 64];
    assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()));
    text.replace(digest, "[policy digest]")
}

#[test]
fn markdown_evidence() {
    let dir = fixture();
    let output = safeguard(dir.path())
        .args(["report", ".", "--format", "markdown", "--select", SELECT])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "findings do not fail a report"
    );
    insta::assert_snapshot!(redact_digest(&stdout(&output)));
}

#[test]
fn html_evidence_is_self_contained_with_the_same_counts() {
    let dir = fixture();
    let output = safeguard(dir.path())
        .args([
            "report",
            ".",
            "--select",
            SELECT,
            "--output",
            "evidence.html",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let page = std::fs::read_to_string(dir.path().join("evidence.html")).unwrap();
    for external in ["http:", "https:", "src=", "href=", "@import", "url("] {
        assert!(!page.contains(external), "external reference `{external}`");
    }
    assert!(page.contains("<svg role=\"img\""));
    assert!(page.contains(
        "<tr data-safeguard=\"encryption-at-rest\"><td>encryption-at-rest</td><td>45 CFR 164.312(a)(2)(iv)</td><td class=\"n objects\">3</td><td class=\"n passed\">1</td><td class=\"n failed\">1</td><td class=\"n unknown\">0</td><td class=\"n suppressed\">1</td></tr>"
    ), "{page}");
    assert!(
        page.contains(
            "<td>holds no PHI, see data map v3</td><td>Dana Reyes (security officer)</td>"
        )
    );
}
