//! `--format sarif`: SARIF 2.1.0, the format code-scanning services read.
//! Rules carry descriptions, a help link, tags (the safeguard, `security`,
//! `hipaa`) and GitHub's numeric `security-severity`; results carry a
//! region, the object as a logical location, and `partialFingerprints` that
//! survive line moves. Suppressed results are kept, with `suppressions`
//! holding the justification, so the acceptance is on record. Errors are
//! tool execution notifications.

use std::path::Path;

use safeguard_engine::{Finding, Status};
use safeguard_model::InputErrorLocation;
use safeguard_policy::{Policy, Severity};
use safeguard_workspace::CheckReport;
use serde_json::{Map, Value, json};

use crate::OutputOptions;
use crate::fingerprint::fingerprint;
use crate::location::{Range, display_path, finding_range, span_range};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// The run property a `--shard I/N` SARIF report carries for `safeguard merge`.
pub const SHARD_PROPERTY: &str = "safeguard/shard";

#[must_use]
pub fn render_sarif(report: &CheckReport, options: &OutputOptions) -> String {
    let rules: Vec<Value> = report.rules.iter().map(|p| rule(p)).collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        // Suppressed results always stay: SARIF records their acceptance.
        .filter(|f| options.lists(f) || (f.suppression.is_some() && f.status != Status::Pass))
        .map(|f| result(f, report, options))
        .collect();
    let notifications = notifications(report, options);
    let mut sarif = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "safeguard",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": REPOSITORY,
                    "rules": rules,
                }
            },
            "invocations": [{
                "executionSuccessful": !report.has_errors(),
                "toolExecutionNotifications": notifications,
                "properties": {
                    "filesFound": report.found,
                    "filesChecked": report.files,
                    "filesSkipped": report.skipped.len(),
                    "filesFailed": report.failed,
                },
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    if let Some(shard) = report.shard {
        // What `safeguard merge` needs to join the shards into the single
        // run's SARIF; it removes this bag. Notifications are the leading
        // configuration and policy errors (first shard only), the input
        // errors, then the skipped files.
        let inputs: Vec<String> = report
            .inputs
            .iter()
            .map(|p| display_path(p, &options.cwd))
            .collect();
        sarif["runs"][0]["properties"] = json!({
            SHARD_PROPERTY: {
                "index": shard.index,
                "count": shard.count,
                "leadingNotifications": report.config_errors.len() + report.policy_errors.len(),
                "errorNotifications": report.input_errors.len(),
                "inputs": inputs,
            }
        });
    }
    let mut text = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    text.push('\n');
    text
}

/// GitHub's scale: over 9.0 critical, 7.0 to 8.9 high, 4.0 to 6.9 medium,
/// 0.1 to 3.9 low; info stays below low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

/// Bundled policies link to their YAML file in the repository, the built-in
/// suppression checks to their documentation; a user's own policy folder
/// has no public address.
fn help_uri(policy: &Policy) -> Option<String> {
    let source = policy.source.path().to_string_lossy().replace('\\', "/");
    if let Some(relative) = source.strip_prefix("<bundled>/") {
        Some(format!("{REPOSITORY}/blob/main/policies/{relative}"))
    } else if source == "<built-in>" {
        Some(format!("{REPOSITORY}/blob/main/docs/suppressions.md"))
    } else {
        None
    }
}

fn rule(policy: &Policy) -> Value {
    let mut rule = Map::new();
    rule.insert("id".into(), json!(policy.id));
    rule.insert("shortDescription".into(), json!({ "text": policy.title }));
    rule.insert(
        "fullDescription".into(),
        json!({ "text": policy.description.as_deref().unwrap_or(&policy.title).trim() }),
    );
    rule.insert(
        "help".into(),
        json!({ "text": format!("{}\n{} ({})", policy.remediation.trim(), policy.citation, policy.safeguard) }),
    );
    if let Some(uri) = help_uri(policy) {
        rule.insert("helpUri".into(), json!(uri));
    }
    rule.insert(
        "defaultConfiguration".into(),
        json!({ "level": level(policy.severity) }),
    );
    rule.insert(
        "properties".into(),
        json!({
            "tags": [policy.safeguard.as_str(), "security", "hipaa"],
            "security-severity": security_severity(policy.severity),
            "precision": "high",
            "citation": policy.citation,
            "severity": policy.severity.as_str(),
        }),
    );
    Value::Object(rule)
}

fn region(range: Range) -> Value {
    json!({
        "startLine": range.start.line,
        "startColumn": range.start.column,
        "endLine": range.end.line,
        "endColumn": range.end.column,
    })
}

fn artifact(path: &Path, options: &OutputOptions) -> Value {
    let uri = display_path(path, &options.cwd);
    if uri.starts_with('/') {
        json!({ "uri": format!("file://{uri}") })
    } else {
        json!({ "uri": uri, "uriBaseId": "%SRCROOT%" })
    }
}

fn result(f: &Finding, report: &CheckReport, options: &OutputOptions) -> Value {
    let mut result = Map::new();
    result.insert("ruleId".into(), json!(f.policy.id));
    if let Some(index) = report.rules.iter().position(|p| p.id == f.policy.id) {
        result.insert("ruleIndex".into(), json!(index));
    }
    // SARIF: a result whose kind is not `fail` has level `none`.
    if f.status == Status::Unknown {
        result.insert("kind".into(), json!("review"));
        result.insert("level".into(), json!("none"));
    } else {
        result.insert("kind".into(), json!("fail"));
        result.insert("level".into(), json!(level(f.policy.severity)));
    }
    let mut text = f.message.clone();
    if let Some(reason) = &f.reason {
        text.push_str(": ");
        text.push_str(reason);
    }
    result.insert("message".into(), json!({ "text": text }));
    result.insert(
        "locations".into(),
        json!([{
            "physicalLocation": {
                "artifactLocation": artifact(f.file.path(), options),
                "region": region(finding_range(f)),
            },
            "logicalLocations": [{ "fullyQualifiedName": f.object, "kind": "resource" }],
        }]),
    );
    result.insert(
        "partialFingerprints".into(),
        json!({ "safeguard/v1": fingerprint(f, &options.cwd) }),
    );
    if let Some(s) = &f.suppression {
        let mut suppression = Map::new();
        suppression.insert("kind".into(), json!(s.kind.as_str()));
        suppression.insert("status".into(), json!("accepted"));
        suppression.insert("justification".into(), json!(s.justification));
        suppression.insert(
            "location".into(),
            json!({
                "physicalLocation": {
                    "artifactLocation": artifact(&s.file, options),
                    "region": { "startLine": s.line },
                }
            }),
        );
        let mut properties = Map::new();
        if let Some(until) = &s.until {
            properties.insert("until".into(), json!(until));
        }
        if let Some(approved_by) = &s.approved_by {
            properties.insert("approvedBy".into(), json!(approved_by));
        }
        if !properties.is_empty() {
            suppression.insert("properties".into(), Value::Object(properties));
        }
        result.insert("suppressions".into(), json!([suppression]));
    }
    result.insert(
        "properties".into(),
        json!({
            "status": f.status.as_str(),
            "safeguard": f.policy.safeguard.as_str(),
            "citation": f.policy.citation,
            "object": f.object,
        }),
    );
    Value::Object(result)
}

fn notifications(report: &CheckReport, options: &OutputOptions) -> Vec<Value> {
    let notification = |message: String, location: Option<Value>| {
        let mut n = Map::new();
        n.insert("level".into(), json!("error"));
        n.insert("message".into(), json!({ "text": message }));
        if let Some(location) = location {
            n.insert("locations".into(), json!([location]));
        }
        Value::Object(n)
    };
    let at = |path: &Path, start: Option<(u32, u32)>| {
        let mut physical = Map::new();
        physical.insert("artifactLocation".into(), artifact(path, options));
        if let Some((line, column)) = start {
            physical.insert(
                "region".into(),
                json!({ "startLine": line.max(1), "startColumn": column.max(1) }),
            );
        }
        json!({ "physicalLocation": physical })
    };
    let mut out = Vec::new();
    for error in &report.config_errors {
        out.push(notification(
            error.message.clone(),
            Some(at(&error.path, error.position)),
        ));
    }
    for error in &report.policy_errors {
        out.push(notification(error.to_string(), Some(at(&error.path, None))));
    }
    for error in &report.input_errors {
        let start = match &error.location {
            InputErrorLocation::None => None,
            InputErrorLocation::Position { line, column } => Some((*line, *column)),
            InputErrorLocation::Span { file, span } => {
                let range = span_range(file, *span);
                Some((range.start.line, range.start.column))
            }
        };
        out.push(notification(
            error.message.clone(),
            Some(at(&error.path, start)),
        ));
    }
    for skipped in &report.skipped {
        let mut n = notification(
            format!("skipped: {}", skipped.reason),
            Some(at(&skipped.path, None)),
        );
        n["level"] = json!("note");
        out.push(n);
    }
    out
}
