//! `--format github`: GitHub Actions workflow commands
//! (`::error file=…,line=…::message`), which the runner turns into
//! annotations on the pull request's diff.

use std::fmt::Write as _;

use safeguard_engine::Status;
use safeguard_model::InputErrorLocation;
use safeguard_policy::Severity;
use safeguard_workspace::CheckReport;

use crate::location::{display_path, finding_range, span_range};
use crate::{OutputOptions, counts};

/// One command per listed finding and error, then a summary notice.
#[must_use]
pub fn render_github(report: &CheckReport, options: &OutputOptions) -> String {
    let mut out = String::new();
    for finding in report.findings.iter().filter(|f| options.lists(f)) {
        let level = match (finding.status, finding.policy.severity) {
            _ if finding.suppression.is_some() => "notice",
            (Status::Unknown, _) | (_, Severity::Info) => "notice",
            (_, Severity::Critical | Severity::High) => "error",
            (_, Severity::Medium | Severity::Low) => "warning",
        };
        let range = finding_range(finding);
        let mut message = finding.message.clone();
        if let Some(reason) = &finding.reason {
            let _ = write!(message, ": {reason}");
        }
        let _ = write!(
            message,
            "\n{} ({})\nRemediation: {}",
            finding.policy.citation, finding.policy.safeguard, finding.policy.remediation
        );
        if let Some(suppression) = &finding.suppression {
            let _ = write!(message, "\nSuppressed: {}", suppression.justification);
        }
        let status = if finding.status == Status::Unknown {
            "unknown"
        } else {
            finding.policy.severity.as_str()
        };
        let _ = writeln!(
            out,
            "::{level} file={},line={},endLine={},col={},endColumn={},title={}::{}",
            property(&display_path(finding.file.path(), &options.cwd)),
            range.start.line,
            range.end.line,
            range.start.column,
            range.end.column,
            property(&format!("[{status}] {}", finding.policy.id)),
            data(&message),
        );
    }
    for error in &report.config_errors {
        let position = error
            .position
            .map(|(line, col)| format!(",line={line},col={col}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "::error file={}{position},title=safeguard configuration::{}",
            property(&display_path(&error.path, &options.cwd)),
            data(&error.message)
        );
    }
    for error in &report.policy_errors {
        let _ = writeln!(
            out,
            "::error title=safeguard policy::{}",
            data(&error.to_string())
        );
    }
    for skipped in &report.skipped {
        let _ = writeln!(
            out,
            "::notice file={},title=safeguard skipped file::{}",
            property(&display_path(&skipped.path, &options.cwd)),
            data(&skipped.reason)
        );
    }
    for error in &report.input_errors {
        let position = match &error.location {
            InputErrorLocation::None => String::new(),
            InputErrorLocation::Position { line, column } => format!(",line={line},col={column}"),
            InputErrorLocation::Span { file, span } => {
                let range = span_range(file, *span);
                format!(",line={},col={}", range.start.line, range.start.column)
            }
        };
        let _ = writeln!(
            out,
            "::error file={}{position},title=safeguard input error::{}",
            property(&display_path(&error.path, &options.cwd)),
            data(&error.message)
        );
    }
    let counts = counts(report);
    let _ = writeln!(
        out,
        "::notice title=safeguard::{}",
        data(&format!(
            "{} failed, {} unknown, {} suppressed, {} passed",
            counts.fail, counts.unknown, counts.suppressed, counts.pass
        ))
    );
    out
}

/// A command's message: `%`, CR and LF escaped as the runner expects.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: also `:` and `,`, which would end the value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_as_the_runner_reads() {
        assert_eq!(super::data("50%\na"), "50%25%0Aa");
        assert_eq!(super::property("a:b,c"), "a%3Ab%2Cc");
    }
}
