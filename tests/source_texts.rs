//! A check whose outputs only place findings lets go of the files' texts
//! (`SourceTexts::Released`): the findings, their positions and the
//! suppressions stay exactly those of a check that keeps them, and only a
//! file whose columns need its text, or that may hold a suppression
//! comment, keeps it.

mod common;

use std::path::{Path, PathBuf};

use safeguard_source::ColumnUnit;
use safeguard_workspace::{CheckOptions, CheckReport, SourceTexts, check};

fn run(dir: &Path, texts: SourceTexts) -> CheckReport {
    check(&CheckOptions {
        paths: vec![dir.to_path_buf()],
        policy_dirs: vec![common::repo_root().join("policies")],
        texts,
        ..CheckOptions::default()
    })
}

/// Rule, file, line and column of every finding, and whether it is suppressed.
fn placed(report: &CheckReport) -> Vec<(String, PathBuf, u32, u32, bool)> {
    report
        .findings
        .iter()
        .map(|f| {
            let at = f.file.line_column(f.span.start, ColumnUnit::Utf16);
            (
                f.policy.id.clone(),
                f.file.path().to_path_buf(),
                at.line,
                at.column,
                f.suppression.is_some(),
            )
        })
        .collect()
}

#[test]
fn released_texts_place_findings_alike_and_only_needed_texts_stay() {
    let dir = tempfile::tempdir().unwrap();
    let logging =
        std::fs::read_to_string(common::repo_root().join("testdata/clinic/logging.tf")).unwrap();
    common::write(dir.path(), "ascii/logging.tf", &logging);
    common::write(
        dir.path(),
        "accented/logging.tf",
        format!("# Résumé: é\n{logging}"),
    );
    let header = "resource \"aws_cloudwatch_log_group\" \"portal_access\"";
    assert!(logging.contains(header));
    common::write(
        dir.path(),
        "marked/logging.tf",
        logging.replacen(
            header,
            &format!("# safeguard:ignore aws-cloudwatch-log-group-kms -- test\n{header}"),
            1,
        ),
    );

    let kept = run(dir.path(), SourceTexts::Kept);
    let released = run(dir.path(), SourceTexts::Released);
    assert!(!kept.findings.is_empty());
    assert_eq!(placed(&released), placed(&kept));
    assert!(
        released.findings.iter().any(|f| f.suppression.is_some()),
        "the marked file's comment still suppresses"
    );

    for finding in &kept.findings {
        assert!(finding.file.holds_text());
    }
    for finding in &released.findings {
        let module = finding.file.path().parent().unwrap().file_name().unwrap();
        let expected = module != "ascii";
        assert_eq!(
            finding.file.holds_text(),
            expected,
            "{}",
            finding.file.path().display()
        );
    }
}
