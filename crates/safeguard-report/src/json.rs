//! `--format json`: the stable, versioned contract (docs/json-output.md).

use safeguard_model::InputErrorLocation;
use safeguard_workspace::CheckReport;
use serde::Serialize;

use crate::location::{Position, Range, display_path, finding_range, span_range};
use crate::{OutputOptions, counts};

/// Everything after `findings`, in the contract's order. The report is
/// `{"version": 1, "findings": [...], <these>}`; the findings are rendered
/// apart, in parallel (see `render_json`).
#[derive(Serialize)]
struct JsonRest {
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
///
/// Byte for byte what `serde_json::to_string_pretty` gives for the whole
/// report, but the findings (tens of thousands on a monorepo, most of the
/// output) are converted and printed in parallel chunks on the current
/// rayon pool: this was the largest serial phase after the checks.
#[must_use]
pub fn render_json(report: &CheckReport, options: &OutputOptions) -> String {
    let mut bytes = Vec::new();
    if write_json(report, options, &mut bytes).is_err() {
        return "\n".to_owned();
    }
    String::from_utf8(bytes).unwrap_or_default()
}

/// [`render_json`] written straight to `out`, without first joining the
/// findings' chunks into one string (on a monorepo, megabytes copied and
/// freshly allocated for nothing).
///
/// # Errors
/// Whatever writing to `out` returns.
pub fn write_json(
    report: &CheckReport,
    options: &OutputOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    let listed: Vec<&safeguard_engine::Finding> = report
        .findings
        .par_iter()
        .filter(|f| options.lists(f))
        .collect();
    let render_chunk = |chunk: &[&safeguard_engine::Finding]| {
        let mut out = Vec::with_capacity(chunk.len() * 1536);
        // Findings are sorted by file: its displayed path is made once.
        let mut shown: Option<(&safeguard_source::SourceFile, String)> = None;
        for (index, finding) in chunk.iter().enumerate() {
            if index > 0 {
                out.extend_from_slice(b",\n");
            }
            let file = match &shown {
                Some((file, path)) if file.ptr_eq(&finding.file) => path.clone(),
                _ => {
                    let path = display_path(finding.file.path(), &options.cwd);
                    shown = Some((&finding.file, path.clone()));
                    path
                }
            };
            // Inside the report's `findings` array, two levels deep.
            write_finding(&mut out, &json_finding(finding, file, options));
        }
        out
    };
    let notes: Vec<JsonError> = report
        .notes
        .iter()
        .map(|note| input_error(note, options))
        .collect();
    let errors = errors(report, options);
    let counts = counts(report);
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
    let rest = JsonRest {
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
    let rest = serde_json::to_vec_pretty(&rest).map_err(std::io::Error::other)?;
    out.write_all(b"{\n  \"version\": 1,\n  \"findings\": ")?;
    if listed.is_empty() {
        out.write_all(b"[]")?;
    } else {
        out.write_all(b"[\n")?;
        // In batches, each rendered in parallel and written before the
        // next: the buffers are reused rather than megabytes held at once.
        let mut first = true;
        for batch in listed.chunks(2048) {
            let chunks: Vec<Vec<u8>> = batch.par_chunks(256).map(render_chunk).collect();
            for chunk in chunks {
                if !first {
                    out.write_all(b",\n")?;
                }
                first = false;
                out.write_all(&chunk)?;
            }
        }
        out.write_all(b"\n  ]")?;
    }
    out.write_all(b",\n")?;
    // `rest` is an object of its own: its members, without its `{\n`, are
    // the report's remaining members at the same depth.
    out.write_all(rest.strip_prefix(b"{\n").unwrap_or(&rest))?;
    out.write_all(b"\n")
}

fn json_finding<'a>(
    f: &'a safeguard_engine::Finding,
    file: String,
    options: &OutputOptions,
) -> JsonFinding<'a> {
    JsonFinding {
        rule: &f.policy.id,
        status: f.status.as_str(),
        severity: f.policy.severity.as_str(),
        safeguard: f.policy.safeguard.as_str(),
        citation: &f.policy.citation,
        message: &f.message,
        reason: f.reason.as_deref(),
        remediation: &f.policy.remediation,
        file,
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
    }
}

/// One finding as serde_json's pretty printer writes a `JsonFinding` two
/// levels deep (the test below holds the two equal), by hand: the generic
/// serializer was most of the time spent rendering a monorepo's report.
fn write_finding(out: &mut Vec<u8>, f: &JsonFinding<'_>) {
    fn field(out: &mut Vec<u8>, indent: &[u8], name: &str) {
        out.extend_from_slice(indent);
        out.push(b'"');
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\": ");
    }
    fn number(out: &mut Vec<u8>, value: u32) {
        use std::io::Write as _;
        let _ = write!(out, "{value}");
    }
    fn position(out: &mut Vec<u8>, name: &str, at: Position, last: bool) {
        field(out, b"        ", name);
        out.extend_from_slice(b"{\n");
        field(out, b"          ", "line");
        number(out, at.line);
        out.extend_from_slice(b",\n");
        field(out, b"          ", "column");
        number(out, at.column);
        out.extend_from_slice(if last {
            b"\n        }\n"
        } else {
            b"\n        },\n"
        });
    }
    const FIELD: &[u8] = b"      ";
    out.extend_from_slice(b"    {\n");
    for (name, value) in [
        ("rule", f.rule),
        ("status", f.status),
        ("severity", f.severity),
        ("safeguard", f.safeguard),
        ("citation", f.citation),
        ("message", f.message),
    ] {
        field(out, FIELD, name);
        json_string(out, value);
        out.extend_from_slice(b",\n");
    }
    field(out, FIELD, "reason");
    match f.reason {
        Some(reason) => json_string(out, reason),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\n");
    for (name, value) in [
        ("remediation", f.remediation),
        ("file", f.file.as_str()),
        ("object", f.object),
    ] {
        field(out, FIELD, name);
        json_string(out, value);
        out.extend_from_slice(b",\n");
    }
    field(out, FIELD, "range");
    out.extend_from_slice(b"{\n");
    position(out, "start", f.range.start, false);
    position(out, "end", f.range.end, true);
    out.extend_from_slice(b"      },\n");
    field(out, FIELD, "suppressed");
    match &f.suppressed {
        None => out.extend_from_slice(b"null\n"),
        Some(s) => {
            const INNER: &[u8] = b"        ";
            out.extend_from_slice(b"{\n");
            field(out, INNER, "kind");
            json_string(out, s.kind);
            out.extend_from_slice(b",\n");
            field(out, INNER, "reason");
            json_string(out, s.reason);
            out.extend_from_slice(b",\n");
            for (name, value) in [("until", s.until), ("approved-by", s.approved_by)] {
                field(out, INNER, name);
                match value {
                    Some(value) => json_string(out, value),
                    None => out.extend_from_slice(b"null"),
                }
                out.extend_from_slice(b",\n");
            }
            field(out, INNER, "file");
            json_string(out, &s.file);
            out.extend_from_slice(b",\n");
            field(out, INNER, "line");
            number(out, s.line);
            out.extend_from_slice(b"\n      }\n");
        }
    }
    out.extend_from_slice(b"    }");
}

/// `text` as a JSON string, exactly as serde_json writes it. Most strings
/// in a report (messages, paths, addresses) need no escape, and serde_json
/// looks every byte up in a table to find out; checking 16 bytes at a time
/// (which the compiler vectorises) and copying the string whole is several
/// times faster. A string that does need an escape is left to serde_json.
fn json_string(out: &mut Vec<u8>, text: &str) {
    let needs_escape = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    let clean = text
        .as_bytes()
        .chunks(16)
        .all(|chunk| !chunk.iter().fold(false, |any, &b| any | needs_escape(b)));
    if clean {
        out.reserve(text.len() + 2);
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        // Writing into a vector cannot fail.
        let _ = serde_json::to_writer(&mut *out, text);
    }
}

/// serde_json's pretty printing (two-space indent) starting `depth`
/// levels deep, so a value printed alone reads exactly as it would inside
/// the whole report: the reference `write_finding` is tested against.
#[cfg(test)]
struct Nested {
    depth: usize,
    has_value: bool,
}

#[cfg(test)]
impl Nested {
    fn at(depth: usize) -> Self {
        Nested {
            depth,
            has_value: false,
        }
    }

    fn indent<W: ?Sized + std::io::Write>(&self, writer: &mut W) -> std::io::Result<()> {
        for _ in 0..self.depth {
            writer.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            writer.write_all(b"\n")?;
            self.indent(writer)?;
        }
        writer.write_all(bracket)
    }

    fn item<W: ?Sized + std::io::Write>(&self, writer: &mut W, first: bool) -> std::io::Result<()> {
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(writer)
    }
}

#[cfg(test)]
impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(writer, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        _writer: &mut W,
    ) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(writer, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        _writer: &mut W,
    ) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let mut cases: Vec<String> = (0u8..=127).map(|b| char::from(b).to_string()).collect();
        cases.extend(
            [
                "",
                "plain",
                "aws_s3_bucket.records[\"phi-archive\"]",
                "path\\with\\backslashes",
                "tab\there, newline\nthere",
                "é 日本 😀 \u{7f} \u{80} \u{2028}",
            ]
            .map(str::to_owned),
        );
        // An escape at every position of a string longer than two chunks.
        for at in 0..40 {
            let mut text = "x".repeat(40);
            text.replace_range(at..=at, "\"");
            cases.push(text);
        }
        for text in cases {
            let mut ours = Vec::new();
            json_string(&mut ours, &text);
            assert_eq!(ours, serde_json::to_vec(&text).unwrap(), "{text:?}");
        }
    }

    /// The hand-written finding equals the derived serializer's output at
    /// the same depth, with and without a reason and a suppression, and
    /// with text that needs escaping.
    #[test]
    fn a_finding_is_written_as_serde_would_write_it() {
        let range = Range {
            start: Position { line: 3, column: 1 },
            end: Position {
                line: 40,
                column: 12,
            },
        };
        let suppression = JsonSuppression {
            kind: "inSource",
            reason: "accepted \"risk\"\n(RISK-1)",
            until: Some("2027-01-01"),
            approved_by: None,
            file: "a/b.tf".to_owned(),
            line: 7,
        };
        let plain = |reason, suppressed| JsonFinding {
            rule: "aws-s3-bucket-versioning",
            status: "fail",
            severity: "high",
            safeguard: "backup",
            citation: "45 CFR 164.308(a)(7)(ii)(A)",
            message: "tab\there, quote \" and é \u{1}",
            reason,
            remediation: "Set `versioning`.",
            file: "mod/main.tf".to_owned(),
            object: "aws_s3_bucket.logs",
            range,
            suppressed,
        };
        for finding in [
            plain(None, None),
            plain(Some("`x` is \\ false"), None),
            plain(Some("r"), Some(suppression)),
        ] {
            let mut derived = b"    ".to_vec();
            let mut serializer =
                serde_json::Serializer::with_formatter(&mut derived, Nested::at(2));
            finding.serialize(&mut serializer).unwrap();
            let mut written = Vec::new();
            write_finding(&mut written, &finding);
            assert_eq!(
                String::from_utf8(written).unwrap(),
                String::from_utf8(derived).unwrap()
            );
        }
    }
}
