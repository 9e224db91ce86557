//! `--format gitlab`: GitLab's Code Quality report (a JSON array of issues
//! in the Code Climate shape), shown in merge request widgets.

use safeguard_engine::Status;
use safeguard_policy::Severity;
use safeguard_workspace::CheckReport;
use serde_json::{Value, json};

use crate::OutputOptions;
use crate::fingerprint::fingerprint;
use crate::location::{display_path, finding_range};

/// Listed, unsuppressed findings as Code Quality issues, then skipped files
/// as `info` issues (`safeguard-skipped-file`) so coverage gaps show in the
/// widget. Errors have no place in this format; the job's log and exit code
/// carry them.
#[must_use]
pub fn render_gitlab(report: &CheckReport, options: &OutputOptions) -> String {
    let mut issues: Vec<Value> = report
        .findings
        .iter()
        .filter(|f| options.lists(f) && f.suppression.is_none())
        .map(|f| {
            let range = finding_range(f);
            let severity = match (f.status, f.policy.severity) {
                (Status::Unknown, _) | (_, Severity::Info) => "info",
                (_, Severity::Critical) => "blocker",
                (_, Severity::High) => "critical",
                (_, Severity::Medium) => "major",
                (_, Severity::Low) => "minor",
            };
            let mut description = f.message.clone();
            if let Some(reason) = &f.reason {
                description.push_str(": ");
                description.push_str(reason);
            }
            json!({
                "type": "issue",
                "check_name": f.policy.id,
                "description": description,
                "content": { "body": format!("{}\n\n{} ({})", f.policy.remediation, f.policy.citation, f.policy.safeguard) },
                "categories": ["Security"],
                "severity": severity,
                "fingerprint": fingerprint(f, &options.cwd),
                "location": {
                    "path": display_path(f.file.path(), &options.cwd),
                    "lines": { "begin": range.start.line, "end": range.end.line },
                },
            })
        })
        .collect();
    for skipped in &report.skipped {
        let path = display_path(&skipped.path, &options.cwd);
        issues.push(json!({
            "type": "issue",
            "check_name": "safeguard-skipped-file",
            "description": format!("not checked: {}", skipped.reason),
            "categories": ["Security"],
            "severity": "info",
            "fingerprint": format!("skipped:{path}"),
            "location": { "path": path, "lines": { "begin": 1, "end": 1 } },
        }));
    }
    let mut text = serde_json::to_string_pretty(&issues).unwrap_or_default();
    text.push('\n');
    text
}
