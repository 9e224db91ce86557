//! `--format junit`: one `<testsuite>` per policy, one `<testcase>` per
//! object it judged (passes included, so a CI dashboard shows what was
//! checked). A failure carries the message, reason and remediation; an
//! unknown or suppressed result is `<skipped>` with why (an unknown is a
//! failure under `--unknown fail`); errors form a last suite of their own.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use safeguard_engine::{Finding, Status};
use safeguard_model::InputErrorLocation;
use safeguard_workspace::CheckReport;

use crate::location::{display_path, finding_range, span_range};
use crate::xml::escape;
use crate::{OutputOptions, UnknownMode};

#[must_use]
pub fn render_junit(report: &CheckReport, options: &OutputOptions) -> String {
    let mut suites: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for finding in &report.findings {
        suites.entry(&finding.policy.id).or_default().push(finding);
    }
    let errors = error_cases(report, options);
    let mut body = String::new();
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for (rule, findings) in &suites {
        let mut suite = String::new();
        let (mut suite_failures, mut suite_skipped) = (0, 0);
        for f in findings {
            let path = display_path(f.file.path(), &options.cwd);
            let range = finding_range(f);
            let _ = write!(
                suite,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"",
                escape(&f.object),
                escape(&path),
                escape(&path),
                range.start.line
            );
            let detail = || {
                let mut text = format!(
                    "{path}:{}:{}: {}",
                    range.start.line, range.start.column, f.message
                );
                if let Some(reason) = &f.reason {
                    let _ = write!(text, "\nreason: {reason}");
                }
                let _ = write!(
                    text,
                    "\n{} ({}, severity {})\nremediation: {}",
                    f.policy.citation, f.policy.safeguard, f.policy.severity, f.policy.remediation
                );
                text
            };
            let unknown_fails = options.unknown == UnknownMode::Fail;
            match (&f.suppression, f.status) {
                (_, Status::Pass) => suite.push_str("/>\n"),
                (Some(suppression), _) => {
                    suite_skipped += 1;
                    let _ = writeln!(
                        suite,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        escape(&format!("suppressed: {}", suppression.justification))
                    );
                }
                (None, Status::Fail) | (None, Status::Unknown)
                    if f.status == Status::Fail || unknown_fails =>
                {
                    suite_failures += 1;
                    let _ = writeln!(
                        suite,
                        ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                        escape(&f.message),
                        if f.status == Status::Fail {
                            f.policy.severity.as_str()
                        } else {
                            "unknown"
                        },
                        escape(&detail())
                    );
                }
                (None, _) => {
                    suite_skipped += 1;
                    let _ = writeln!(
                        suite,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        escape(&format!(
                            "unknown: {}",
                            f.reason.as_deref().unwrap_or(&f.message)
                        ))
                    );
                }
            }
        }
        let title = &findings[0].policy.title;
        let _ = writeln!(
            body,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{suite_failures}\" errors=\"0\" skipped=\"{suite_skipped}\">\n    <properties>\n      <property name=\"title\" value=\"{}\"/>\n      <property name=\"citation\" value=\"{}\"/>\n    </properties>\n{suite}  </testsuite>",
            escape(rule),
            findings.len(),
            escape(title),
            escape(&findings[0].policy.citation),
        );
        tests += findings.len();
        failures += suite_failures;
        skipped += suite_skipped;
    }
    if !errors.is_empty() {
        let _ = writeln!(
            body,
            "  <testsuite name=\"errors\" tests=\"{}\" failures=\"0\" errors=\"{}\" skipped=\"0\">",
            errors.len(),
            errors.len()
        );
        for (path, message) in &errors {
            let _ = writeln!(
                body,
                "    <testcase name=\"{}\" classname=\"{}\">\n      <error message=\"{}\"/>\n    </testcase>",
                escape(path),
                escape(path),
                escape(message)
            );
        }
        body.push_str("  </testsuite>\n");
        tests += errors.len();
    }
    if !report.skipped.is_empty() {
        let _ = writeln!(
            body,
            "  <testsuite name=\"skipped files\" tests=\"{}\" failures=\"0\" errors=\"0\" skipped=\"{}\">",
            report.skipped.len(),
            report.skipped.len()
        );
        for file in &report.skipped {
            let path = display_path(&file.path, &options.cwd);
            let _ = writeln!(
                body,
                "    <testcase name=\"{}\" classname=\"{}\">\n      <skipped message=\"{}\"/>\n    </testcase>",
                escape(&path),
                escape(&path),
                escape(&file.reason)
            );
        }
        body.push_str("  </testsuite>\n");
        tests += report.skipped.len();
        skipped += report.skipped.len();
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"safeguard\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{}\" skipped=\"{skipped}\">\n{body}</testsuites>\n",
        errors.len()
    )
}

/// `(file, located message)` for every error, in the report's order.
fn error_cases(report: &CheckReport, options: &OutputOptions) -> Vec<(String, String)> {
    let mut cases = Vec::new();
    for error in &report.config_errors {
        cases.push((display_path(&error.path, &options.cwd), error.to_string()));
    }
    for error in &report.policy_errors {
        cases.push((display_path(&error.path, &options.cwd), error.to_string()));
    }
    for error in &report.input_errors {
        let path = display_path(&error.path, &options.cwd);
        let at = match &error.location {
            InputErrorLocation::None => String::new(),
            InputErrorLocation::Position { line, column } => format!(":{line}:{column}"),
            InputErrorLocation::Span { file, span } => {
                let range = span_range(file, *span);
                format!(":{}:{}", range.start.line, range.start.column)
            }
        };
        cases.push((path.clone(), format!("{path}{at}: {}", error.message)));
    }
    cases
}
