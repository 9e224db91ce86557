//! `--format json`: the stable, versioned contract (docs/json-output.md).

use safeguard_model::InputErrorLocation;
use safeguard_workspace::CheckReport;
use serde::Serialize;

use crate::location::{Position, Range, display_path, finding_range, span_range};
use crate::{OutputOptions, counts};

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    errors: Vec<JsonError>,
    /// Worth knowing, not errors (a remote module not read); no effect on the exit code.
    notes: Vec<JsonError>,
    /// Files found but not read, each with the reason.
    skipped: Vec<JsonSkipped>,
    summary: JsonSummary,
    /// Only with `--shard I/N`: what `safeguard merge` needs to join shards.
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<JsonShard>,
}

/// A shard's share of the run. `inputs` are the files it read (a local
/// module called from several shards is read by each, counted once), and
/// `leading-errors` says how many of `errors` are configuration and policy
/// errors, which only the first shard reports.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct JsonShard {
    index: usize,
    count: usize,
    leading_errors: usize,
    inputs: Vec<String>,
}

#[derive(Serialize)]
struct JsonSkipped {
    file: String,
    reason: String,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    status: &'static str,
    severity: &'static str,
    safeguard: &'static str,
    citation: &'a str,
    message: &'a str,
    reason: Option<&'a str>,
    remediation: &'a str,
    file: String,
    object: &'a str,
    range: Range,
    /// `null` unless accepted by a suppression (listed with `--show-suppressed`).
    suppressed: Option<JsonSuppression<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct JsonSuppression<'a> {
    /// `inSource` (a comment) or `external` (safeguard.toml), as in SARIF.
    kind: &'static str,
    reason: &'a str,
    until: Option<&'a str>,
    approved_by: Option<&'a str>,
    file: String,
    line: u32,
}

#[derive(Serialize)]
struct JsonBaseline {
    known: usize,
    fixed: usize,
}

#[derive(Serialize)]
struct JsonError {
    file: String,
    message: String,
    range: Option<Range>,
}

#[derive(Serialize)]
struct JsonSummary {
    /// Files checked.
    files: usize,
    /// Files taken for possible inputs: checked, skipped or failed.
    found: usize,
    skipped: usize,
    /// Files with an input error.
    failed: usize,
    objects: usize,
    policies: usize,
    fail: usize,
    unknown: usize,
    suppressed: usize,
    pass: usize,
    errors: usize,
    notes: usize,
    /// Only with `--baseline`: findings it left out, and its entries fixed since.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<JsonBaseline>,
}

/// Renders the report as pretty-printed JSON with a trailing newline.
#[must_use]
pub fn render_json(report: &CheckReport, options: &OutputOptions) -> String {
    let findings = report
        .findings
        .iter()
        .filter(|f| options.lists(f))
        .map(|f| JsonFinding {
            rule: &f.policy.id,
            status: f.status.as_str(),
            severity: f.policy.severity.as_str(),
            safeguard: f.policy.safeguard.as_str(),
            citation: &f.policy.citation,
            message: &f.message,
            reason: f.reason.as_deref(),
            remediation: &f.policy.remediation,
            file: display_path(f.file.path(), &options.cwd),
            object: &f.object,
            range: finding_range(f),
            suppressed: f.suppression.as_ref().map(|s| JsonSuppression {
                kind: s.kind.as_str(),
                reason: &s.justification,
                until: s.until.as_deref(),
                approved_by: s.approved_by.as_deref(),
                file: display_path(&s.file, &options.cwd),
                line: s.line,
            }),
        })
        .collect();
    let notes: Vec<JsonError> = report
        .notes
        .iter()
        .map(|note| input_error(note, options))
        .collect();
    let errors = errors(report, options);
    let counts = counts(&report.findings);
    let summary = JsonSummary {
        files: report.files,
        found: report.found,
        skipped: report.skipped.len(),
        failed: report.failed,
        objects: report.objects,
        policies: report.policies,
        fail: counts.fail,
        unknown: counts.unknown,
        suppressed: counts.suppressed,
        pass: counts.pass,
        errors: errors.len(),
        notes: notes.len(),
        baseline: options.baseline.map(|b| JsonBaseline {
            known: b.known,
            fixed: b.fixed,
        }),
    };
    let shard = report.shard.map(|shard| JsonShard {
        index: shard.index,
        count: shard.count,
        leading_errors: report.config_errors.len() + report.policy_errors.len(),
        inputs: report
            .inputs
            .iter()
            .map(|p| display_path(p, &options.cwd))
            .collect(),
    });
    let json = JsonReport {
        version: 1,
        findings,
        errors,
        notes,
        skipped: report
            .skipped
            .iter()
            .map(|s| JsonSkipped {
                file: display_path(&s.path, &options.cwd),
                reason: s.reason.clone(),
            })
            .collect(),
        summary,
        shard,
    };
    // Sized from the findings' texts: growing a buffer of many megabytes
    // by doubling copied it into fresh pages several times.
    let estimate: usize = json
        .findings
        .iter()
        .map(|f| {
            512 + f.message.len()
                + f.reason.map_or(0, str::len)
                + f.remediation.len()
                + f.citation.len()
                + f.file.len()
                + f.object.len()
        })
        .sum();
    let mut bytes = Vec::with_capacity(estimate + 4096);
    if serde_json::to_writer_pretty(&mut bytes, &json).is_err() {
        return "\n".to_owned();
    }
    bytes.push(b'\n');
    String::from_utf8(bytes).unwrap_or_default()
}

fn errors(report: &CheckReport, options: &OutputOptions) -> Vec<JsonError> {
    let point = |(line, column): (u32, u32)| {
        let position = Position { line, column };
        Range {
            start: position,
            end: position,
        }
    };
    let mut errors = Vec::new();
    for error in &report.config_errors {
        errors.push(JsonError {
            file: display_path(&error.path, &options.cwd),
            message: error.message.clone(),
            range: error.position.map(point),
        });
    }
    for error in &report.policy_errors {
        let message = match &error.hint {
            Some(hint) => format!("{} (hint: {hint})", error.message),
            None => error.message.clone(),
        };
        errors.push(JsonError {
            file: display_path(&error.path, &options.cwd),
            message,
            range: error
                .location
                .as_ref()
                .map(|(file, span)| span_range(file, *span)),
        });
    }
    errors.extend(
        report
            .input_errors
            .iter()
            .map(|error| input_error(error, options)),
    );
    errors
}

fn input_error(error: &safeguard_model::InputError, options: &OutputOptions) -> JsonError {
    let range = match &error.location {
        InputErrorLocation::None => None,
        InputErrorLocation::Position { line, column } => {
            let position = Position {
                line: *line,
                column: *column,
            };
            Some(Range {
                start: position,
                end: position,
            })
        }
        InputErrorLocation::Span { file, span } => Some(span_range(file, *span)),
    };
    JsonError {
        file: display_path(&error.path, &options.cwd),
        message: error.message.clone(),
        range,
    }
}
