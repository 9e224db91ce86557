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

/// `(failed, unknown, suppressed)` objects per safeguard in a JSON report,
/// each object counted once by its worst verdict, as the evidence does.
fn counts_from_json(report: &serde_json::Value) -> std::collections::BTreeMap<String, [u32; 3]> {
    let mut worst: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for f in report["findings"].as_array().unwrap() {
        let rank = if !f["suppressed"].is_null() {
            2
        } else if f["status"] == "unknown" {
            1
        } else {
            0
        };
        let key = (
            f["safeguard"].as_str().unwrap().to_owned(),
            f["object"].as_str().unwrap().to_owned(),
        );
        let entry = worst.entry(key).or_insert(rank);
        *entry = (*entry).min(rank);
    }
    let mut counts: std::collections::BTreeMap<String, [u32; 3]> = Default::default();
    for ((safeguard, _), rank) in worst {
        counts.entry(safeguard).or_default()[rank] += 1;
    }
    counts
}

/// The same from the page as headless Chromium renders it: the summary
/// table's `data-safeguard` rows, cells by class.
fn counts_from_dom(dom: &str) -> std::collections::BTreeMap<String, [u32; 3]> {
    let mut counts = std::collections::BTreeMap::new();
    for row in dom.split("<tr data-safeguard=\"").skip(1) {
        let name = &row[..row.find('"').unwrap()];
        let row = &row[..row.find("</tr>").unwrap()];
        let cell = |class: &str| -> u32 {
            let start = row.find(&format!("class=\"n {class}\">")).unwrap()
                + format!("class=\"n {class}\">").len();
            row[start..start + row[start..].find('<').unwrap()]
                .parse()
                .unwrap()
        };
        let found = [cell("failed"), cell("unknown"), cell("suppressed")];
        if found != [0, 0, 0] {
            counts.insert(name.to_owned(), found);
        }
    }
    counts
}

#[test]
fn html_evidence_rendered_in_headless_chromium_matches_the_json_counts() {
    let chromium = ["chromium", "chromium-browser"].into_iter().find(|name| {
        std::process::Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(chromium) = chromium else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is not installed but CI is set: .ci/run installs Debian's chromium"
        );
        eprintln!("skipped: chromium is not installed");
        return;
    };
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
    let page = dir.path().join("evidence.html").canonicalize().unwrap();
    let rendered = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--dump-dom",
            &format!("file://{}", page.display()),
        ])
        .output()
        .unwrap();
    assert!(rendered.status.success());
    let dom = String::from_utf8(rendered.stdout).unwrap();
    assert!(dom.contains("<svg"), "the chart is rendered inline");

    let output = safeguard(dir.path())
        .args([
            "check",
            ".",
            "--format",
            "json",
            "--show-suppressed",
            "--select",
            SELECT,
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let expected = counts_from_json(&report);
    assert_eq!(
        expected.get("encryption-at-rest"),
        Some(&[1, 0, 1]),
        "the fixture fails one object and suppresses another"
    );
    assert_eq!(counts_from_dom(&dom), expected);
}
