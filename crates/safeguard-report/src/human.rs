//! Human output: a miette snippet per finding and error, then a summary line.

use std::fmt::{self, Write as _};

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
    SourceSpan,
};
use safeguard_engine::{Finding, Status};
use safeguard_model::InputErrorLocation;
use safeguard_policy::Severity as PolicySeverity;
use safeguard_source::{SourceFile, Span};
use safeguard_workspace::CheckReport;

use crate::location::display_path;
use crate::{OutputOptions, counts};

/// miette diagnostics are errors shown by their message; each of the
/// diagnostic types below is one.
macro_rules! message_error {
    ($type:ident) => {
        impl fmt::Debug for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.message)
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.message)
            }
        }

        impl std::error::Error for $type {}
    };
}

#[derive(Debug, Clone, Copy)]
pub struct HumanOptions {
    /// Colour and emphasis; off when stdout is not a terminal or `NO_COLOR` is set.
    pub color: bool,
    pub width: usize,
}

/// Renders listed findings, then errors, then a summary line.
#[must_use]
pub fn render_human(report: &CheckReport, options: &OutputOptions, human: HumanOptions) -> String {
    let theme = if human.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(human.width)
        .with_links(false);
    let mut out = String::new();
    let mut render = |diagnostic: &dyn Diagnostic| {
        let _ = handler.render_report(&mut out, diagnostic);
        out.push('\n');
    };
    for finding in report.findings.iter().filter(|f| options.lists(f)) {
        render(&FindingDiagnostic::new(finding, options));
    }
    for error in &report.config_errors {
        render(&Plain::error(format!("{error}"), None));
    }
    for error in &report.policy_errors {
        match &error.location {
            Some((file, span)) => render(&Snippet::new(
                file,
                *span,
                options,
                error.message.clone(),
                error.hint.clone(),
            )),
            None => render(&Plain::error(format!("{error}"), None)),
        }
    }
    for error in &report.input_errors {
        let path = display_path(&error.path, &options.cwd);
        match &error.location {
            InputErrorLocation::Span { file, span } => render(&Snippet::new(
                file,
                *span,
                options,
                error.message.clone(),
                None,
            )),
            InputErrorLocation::Position { line, column } => {
                render(&Plain::error(
                    format!("{path}:{line}:{column}: {}", error.message),
                    None,
                ));
            }
            InputErrorLocation::None => {
                render(&Plain::error(format!("{path}: {}", error.message), None))
            }
        }
    }
    for note in &report.notes {
        let path = display_path(&note.path, &options.cwd);
        let at = match &note.location {
            InputErrorLocation::Span { file, span } => {
                let lc = file.line_index().line_column(
                    span.start,
                    file.text(),
                    safeguard_source::ColumnUnit::Chars,
                );
                format!(":{}:{}", lc.line, lc.column)
            }
            InputErrorLocation::Position { line, column } => format!(":{line}:{column}"),
            InputErrorLocation::None => String::new(),
        };
        let _ = writeln!(out, "note: {path}{at}: {}", note.message);
    }
    for skipped in &report.skipped {
        let path = display_path(&skipped.path, &options.cwd);
        let _ = writeln!(out, "skipped: {path}: {}", skipped.reason);
    }
    let _ = writeln!(out, "{}", summary_line(report, options));
    out
}

fn summary_line(report: &CheckReport, options: &OutputOptions) -> String {
    let counts = counts(report);
    let errors =
        report.input_errors.len() + report.policy_errors.len() + report.config_errors.len();
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    // Suppressed and baseline counts appear only when there are any, so the
    // everyday line stays short.
    let suppressed = if counts.suppressed > 0 {
        format!(", {} suppressed", counts.suppressed)
    } else {
        String::new()
    };
    let baseline = options
        .baseline
        .map(|b| {
            format!(
                " Baseline: {} known finding{} not shown, {} fixed.",
                b.known,
                if b.known == 1 { "" } else { "s" },
                b.fixed
            )
        })
        .unwrap_or_default();
    // Coverage appears only when something found was not fully checked.
    let coverage = if report.skipped.is_empty() && report.failed == 0 {
        String::new()
    } else {
        format!(
            " Of {} found: {} skipped, {} with errors.",
            plural(report.found, "file"),
            report.skipped.len(),
            report.failed
        )
    };
    format!(
        "Checked {} ({}) against {}: {} failed, {} unknown{suppressed}, {} passed, {}.{baseline}{coverage}",
        plural(report.files, "file"),
        plural(report.objects, "object"),
        plural(report.policies, "policy").replace("policys", "policies"),
        counts.fail,
        counts.unknown,
        counts.pass,
        plural(errors, "error"),
    )
}

fn source_span(span: Span) -> SourceSpan {
    SourceSpan::new((span.start as usize).into(), span.len() as usize)
}

fn named_source(file: &SourceFile, options: &OutputOptions) -> NamedSource<String> {
    // miette wants an owned source; findings of one file share the Arc'd text
    // elsewhere, and rendering is the one place a copy is acceptable.
    NamedSource::new(
        display_path(file.path(), &options.cwd),
        file.text().to_owned(),
    )
}

/// One finding: the policy message, the labelled attribute or object header,
/// the remediation and citation as help.
struct FindingDiagnostic {
    message: String,
    code: String,
    severity: miette::Severity,
    help: String,
    label: LabeledSpan,
    source: NamedSource<String>,
}

impl FindingDiagnostic {
    fn new(finding: &Finding, options: &OutputOptions) -> Self {
        let policy = &finding.policy;
        let (severity, prefix) = match (finding.status, policy.severity) {
            (Status::Unknown, _) => (miette::Severity::Advice, "unknown"),
            (_, PolicySeverity::Critical) => (miette::Severity::Error, "critical"),
            (_, PolicySeverity::High) => (miette::Severity::Error, "high"),
            (_, PolicySeverity::Medium) => (miette::Severity::Warning, "medium"),
            (_, PolicySeverity::Low) => (miette::Severity::Warning, "low"),
            (_, PolicySeverity::Info) => (miette::Severity::Advice, "info"),
        };
        let label_text = finding
            .reason
            .clone()
            .unwrap_or_else(|| policy.title.clone());
        let message = match &finding.suppression {
            Some(s) => format!(
                "[{prefix}, suppressed: {}] {}",
                s.justification, finding.message
            ),
            None => format!("[{prefix}] {}", finding.message),
        };
        let severity = if finding.suppression.is_some() {
            miette::Severity::Advice
        } else {
            severity
        };
        Self {
            message,
            code: policy.id.clone(),
            severity,
            help: format!(
                "{}\n{} ({}, severity {})",
                policy.remediation, policy.citation, policy.safeguard, policy.severity
            ),
            label: LabeledSpan::new_primary_with_span(
                Some(label_text),
                source_span(finding.label_span),
            ),
            source: named_source(&finding.file, options),
        }
    }
}

message_error!(FindingDiagnostic);

impl Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.help))
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(self.label.clone())))
    }
}

/// An error with a snippet (a parse error, a policy mistake).
struct Snippet {
    message: String,
    help: Option<String>,
    span: SourceSpan,
    source: NamedSource<String>,
}

impl Snippet {
    fn new(
        file: &SourceFile,
        span: Span,
        options: &OutputOptions,
        message: String,
        help: Option<String>,
    ) -> Self {
        Self {
            message,
            help,
            span: source_span(span),
            source: named_source(file, options),
        }
    }
}

message_error!(Snippet);

impl Diagnostic for Snippet {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Error)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some("here".to_owned()), self.span),
        )))
    }
}

/// An error without a snippet: its location is in the message.
struct Plain {
    message: String,
    help: Option<String>,
}

impl Plain {
    fn error(message: String, help: Option<String>) -> Self {
        Self { message, help }
    }
}

message_error!(Plain);

impl Diagnostic for Plain {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Error)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
}
