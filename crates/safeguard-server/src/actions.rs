//! Hovers, code actions and the rule explanation, built from the findings
//! last published for a document version.

use std::collections::HashMap;

use safeguard_engine::Finding;
use safeguard_policy::Policy;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Command, Diagnostic, TextEdit, Uri,
    WorkspaceEdit,
};

use crate::convert::{Encoding, Text, finding_diagnostic};
use crate::fix::fix_edits;

/// The command that shows a rule's explanation.
pub const EXPLAIN_COMMAND: &str = "safeguard.explain";

/// The suppression comment the CLI honours, with a reason to fill in.
#[must_use]
pub fn suppression_comment(rule: &str) -> String {
    format!("# safeguard:ignore {rule} -- TODO: why this is acceptable")
}

/// Markdown for a hover on a finding: title, safeguard, citation, why it
/// matters and how to fix it.
#[must_use]
pub fn hover_markdown(findings: &[&Finding]) -> String {
    let mut parts = Vec::new();
    for finding in findings {
        let policy = &finding.policy;
        let mut text = format!(
            "**{}** `{}`\n\n{}\n\n*Safeguard:* {} · *Citation:* {} · *Severity:* {}",
            policy.title,
            policy.id,
            finding.message,
            policy.safeguard,
            policy.citation,
            policy.severity
        );
        if let Some(reason) = &finding.reason {
            text.push_str(&format!(
                "\n\n*{}:* {reason}",
                if finding.status == safeguard_engine::Status::Unknown {
                    "Unknown because"
                } else {
                    "Found"
                }
            ));
        }
        if let Some(description) = &policy.description {
            text.push_str(&format!("\n\n**Why it matters.** {}", description.trim()));
        }
        text.push_str(&format!(
            "\n\n**How to fix.** {}",
            policy.remediation.trim()
        ));
        parts.push(text);
    }
    parts.join("\n\n---\n\n")
}

/// The explanation `safeguard explain` would give, as Markdown.
#[must_use]
pub fn explanation(policy: &Policy) -> String {
    let mut text = format!(
        "# {}\n\n`{}` · {} · {} · severity {}\n",
        policy.title, policy.id, policy.safeguard, policy.citation, policy.severity
    );
    if let Some(description) = &policy.description {
        text.push_str(&format!("\n{}\n", description.trim()));
    }
    text.push_str(&format!(
        "\n## Remediation\n\n{}\n",
        policy.remediation.trim()
    ));
    if let Some(fix) = &policy.fix {
        text.push_str("\n## Fix\n\n");
        for (key, value) in &fix.set {
            text.push_str(&format!("- `{key}` = `{}`\n", value_text(value)));
        }
        if fix.safe {
            text.push_str("\nSafe: `safeguard check --fix` applies it.\n");
        }
    }
    for example in &policy.examples.fail {
        text.push_str(&format!(
            "\n## Fails\n\n```\n{}\n```\n",
            example.text.trim_end()
        ));
    }
    for example in &policy.examples.pass {
        text.push_str(&format!(
            "\n## Passes\n\n```\n{}\n```\n",
            example.text.trim_end()
        ));
    }
    text
}

fn value_text(value: &safeguard_model::Value) -> String {
    match value {
        safeguard_model::Value::String(s) => s.clone(),
        safeguard_model::Value::Bool(b) => b.to_string(),
        safeguard_model::Value::Number(n) => n.to_string(),
        other => other.type_name().to_owned(),
    }
}

/// The code actions for one finding: apply the policy's fix, suppress it
/// with a reason, explain the rule.
#[must_use]
pub fn finding_actions(
    finding: &Finding,
    uri: &Uri,
    encoding: Encoding,
) -> Vec<CodeActionOrCommand> {
    let file = &finding.file;
    let text = Text {
        text: file.text(),
        index: file.line_index(),
    };
    let diagnostic: Diagnostic = finding_diagnostic(finding, encoding);
    let id = &finding.policy.id;
    let mut actions = Vec::new();
    if let (Some(edits), Some(fix)) = (fix_edits(finding), finding.policy.fix.as_ref()) {
        let summary: Vec<String> = fix
            .set
            .iter()
            .map(|(k, v)| format!("{k} = {}", value_text(v)))
            .collect();
        let edits = edits
            .into_iter()
            .map(|e| TextEdit {
                range: text.range(
                    safeguard_source::Span::from_range(e.range.clone()),
                    encoding,
                ),
                new_text: e.new_text,
            })
            .collect();
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("Fix {id}: set {}", summary.join(", ")),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic.clone()]),
            edit: Some(WorkspaceEdit {
                changes: Some(HashMap::from([(uri.clone(), edits)])),
                ..WorkspaceEdit::default()
            }),
            is_preferred: Some(fix.safe),
            ..CodeAction::default()
        }));
    }
    // The comment goes on its own line above the finding, indented like it.
    let start = finding.label_span.start as usize;
    let source = file.text();
    let line_start = source[..start.min(source.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let indent: String = source[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let at = text.position(u32::try_from(line_start).unwrap_or(u32::MAX), encoding);
    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
        title: format!("Suppress {id} here (with a reason)"),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic]),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(
                uri.clone(),
                vec![TextEdit {
                    range: tower_lsp_server::ls_types::Range::new(at, at),
                    new_text: format!("{indent}{}\n", suppression_comment(id)),
                }],
            )])),
            ..WorkspaceEdit::default()
        }),
        ..CodeAction::default()
    }));
    actions.push(CodeActionOrCommand::Command(Command {
        title: format!("Explain {id}"),
        command: EXPLAIN_COMMAND.to_owned(),
        arguments: Some(vec![serde_json::Value::String(id.clone())]),
    }));
    actions
}
