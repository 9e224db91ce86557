//! `--format checkstyle`: Checkstyle's XML, read by many CI plugins and
//! review bots. One `<file>` per file with findings, in path order.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use safeguard_engine::{Finding, Status};
use safeguard_policy::Severity;
use safeguard_workspace::CheckReport;

use crate::OutputOptions;
use crate::location::{display_path, finding_range};
use crate::xml::escape;

#[must_use]
pub fn render_checkstyle(report: &CheckReport, options: &OutputOptions) -> String {
    let mut files: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for finding in report.findings.iter().filter(|f| options.lists(f)) {
        files
            .entry(display_path(finding.file.path(), &options.cwd))
            .or_default()
            .push(finding);
    }
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n");
    for (path, findings) in files {
        let _ = writeln!(out, "  <file name=\"{}\">", escape(&path));
        for f in findings {
            let range = finding_range(f);
            let severity = match (f.status, f.policy.severity) {
                _ if f.suppression.is_some() => "ignore",
                (Status::Unknown, _) | (_, Severity::Info) => "info",
                (_, Severity::Critical | Severity::High) => "error",
                (_, Severity::Medium | Severity::Low) => "warning",
            };
            let mut message = f.message.clone();
            if let Some(reason) = &f.reason {
                message.push_str(": ");
                message.push_str(reason);
            }
            let _ = writeln!(
                out,
                "    <error line=\"{}\" column=\"{}\" severity=\"{severity}\" message=\"{}\" source=\"safeguard.{}\"/>",
                range.start.line,
                range.start.column,
                escape(&message),
                escape(&f.policy.id)
            );
        }
        out.push_str("  </file>\n");
    }
    // Skipped files, so a coverage gap is visible to checkstyle readers too.
    for skipped in &report.skipped {
        let _ = writeln!(
            out,
            "  <file name=\"{}\">\n    <error line=\"1\" column=\"1\" severity=\"info\" message=\"not checked: {}\" source=\"safeguard.skipped-file\"/>\n  </file>",
            escape(&display_path(&skipped.path, &options.cwd)),
            escape(&skipped.reason)
        );
    }
    out.push_str("</checkstyle>\n");
    out
}
