//! `safeguard report`: evidence for auditors, as Markdown or one
//! self-contained HTML page (inline CSS and SVG, no external references).
//! For each HIPAA safeguard: the objects checked and how many passed,
//! failed, were unknown or suppressed; each failure and unknown with its
//! location; each accepted suppression with its reason, approver and expiry.
//! It also records the tool version, a digest of the policy set and a
//! SHA-256 of every input file, so the evidence can be tied to a commit.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use safeguard_engine::{Finding, Status};
use safeguard_policy::Safeguard;
use safeguard_workspace::CheckReport;
use sha2::{Digest, Sha256};

use crate::OutputOptions;
use crate::location::{display_path, finding_range};

/// One object's standing under one safeguard: its worst verdict there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Standing {
    Passed,
    Suppressed,
    Unknown,
    Failed,
}

/// The counts of one safeguard (objects, each in exactly one bucket).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SafeguardCounts {
    pub objects: usize,
    pub passed: usize,
    pub failed: usize,
    pub unknown: usize,
    pub suppressed: usize,
}

struct Section<'a> {
    safeguard: Safeguard,
    counts: SafeguardCounts,
    problems: Vec<&'a Finding>,
    accepted: Vec<&'a Finding>,
}

fn sections(report: &CheckReport) -> Vec<Section<'_>> {
    let ran: BTreeSet<Safeguard> = report.rules.iter().map(|p| p.safeguard).collect();
    Safeguard::ALL
        .into_iter()
        .filter(|g| ran.contains(g))
        .map(|safeguard| {
            let mut objects: BTreeMap<(&std::path::Path, &str), Standing> = BTreeMap::new();
            let mut problems = Vec::new();
            let mut accepted = Vec::new();
            for f in report
                .findings
                .iter()
                .filter(|f| f.policy.safeguard == safeguard)
            {
                let standing = match (f.status, &f.suppression) {
                    (Status::Pass, _) => Standing::Passed,
                    (_, Some(_)) => Standing::Suppressed,
                    (Status::Unknown, None) => Standing::Unknown,
                    (Status::Fail, None) => Standing::Failed,
                };
                match standing {
                    Standing::Failed | Standing::Unknown => problems.push(f),
                    Standing::Suppressed => accepted.push(f),
                    Standing::Passed => {}
                }
                let entry = objects
                    .entry((f.object_file.path(), f.object.as_str()))
                    .or_insert(standing);
                *entry = (*entry).max(standing);
            }
            let mut counts = SafeguardCounts {
                objects: objects.len(),
                ..SafeguardCounts::default()
            };
            for standing in objects.values() {
                match standing {
                    Standing::Passed => counts.passed += 1,
                    Standing::Failed => counts.failed += 1,
                    Standing::Unknown => counts.unknown += 1,
                    Standing::Suppressed => counts.suppressed += 1,
                }
            }
            Section {
                safeguard,
                counts,
                problems,
                accepted,
            }
        })
        .collect()
}

/// Per-safeguard counts, as both renderings show them.
#[must_use]
pub fn safeguard_counts(report: &CheckReport) -> Vec<(Safeguard, SafeguardCounts)> {
    sections(report)
        .into_iter()
        .map(|s| (s.safeguard, s.counts))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// SHA-256 over every policy's path and text, in id order: two runs with
/// the same digest judged with the same policies.
fn policy_digest(report: &CheckReport) -> String {
    let mut hasher = Sha256::new();
    for policy in &report.rules {
        hasher.update(policy.id.as_bytes());
        hasher.update([0]);
        hasher.update(policy.source.text().as_bytes());
        hasher.update([0]);
    }
    hex(&hasher.finalize())
}

/// `(displayed path, SHA-256 or why not)` of every input file.
fn input_hashes(report: &CheckReport, options: &OutputOptions) -> Vec<(String, String)> {
    report
        .inputs
        .iter()
        .map(|path| {
            let hash = match std::fs::read(path) {
                Ok(bytes) => hex(&Sha256::digest(&bytes)),
                Err(err) => format!("unreadable: {err}"),
            };
            (display_path(path, &options.cwd), hash)
        })
        .collect()
}

fn inputs_line(report: &CheckReport) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let errors =
        report.input_errors.len() + report.policy_errors.len() + report.config_errors.len();
    format!(
        "{}, {}; {}",
        plural(report.files, "file", "files"),
        plural(report.objects, "object", "objects"),
        plural(errors, "error", "errors")
    )
}

fn location(f: &Finding, options: &OutputOptions) -> String {
    let range = finding_range(f);
    format!(
        "{}:{}:{}",
        display_path(f.file.path(), &options.cwd),
        range.start.line,
        range.start.column
    )
}

fn problem_text(f: &Finding) -> String {
    match &f.reason {
        Some(reason) => format!("{}: {reason}", f.message),
        None => f.message.clone(),
    }
}

fn md(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The evidence report in Markdown.
#[must_use]
pub fn render_evidence_markdown(report: &CheckReport, options: &OutputOptions) -> String {
    let sections = sections(report);
    let mut out = String::from("# HIPAA evidence report\n\n");
    let _ = writeln!(out, "- Tool: safeguard {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(
        out,
        "- Policy set: {} policies, SHA-256 `{}`",
        report.rules.len(),
        policy_digest(report)
    );
    let _ = writeln!(out, "- Inputs: {}", inputs_line(report));
    out.push_str("\n## Summary\n\n| safeguard | citation | objects | passed | failed | unknown | suppressed |\n|---|---|---|---|---|---|---|\n");
    for s in &sections {
        let c = s.counts;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            s.safeguard,
            s.safeguard.citation(),
            c.objects,
            c.passed,
            c.failed,
            c.unknown,
            c.suppressed
        );
    }
    for s in &sections {
        let _ = writeln!(out, "\n## {} ({})\n", s.safeguard, s.safeguard.citation());
        if s.problems.is_empty() {
            out.push_str("No failures or unknowns.\n");
        } else {
            out.push_str(
                "| status | location | rule | object | finding |\n|---|---|---|---|---|\n",
            );
            for f in &s.problems {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | `{}` | {} |",
                    f.status,
                    location(f, options),
                    f.policy.id,
                    md(&f.object),
                    md(&problem_text(f))
                );
            }
        }
        if !s.accepted.is_empty() {
            out.push_str("\nAccepted exceptions:\n\n| location | rule | object | reason | approved by | until | accepted in |\n|---|---|---|---|---|---|---|\n");
            for f in &s.accepted {
                let Some(sup) = &f.suppression else { continue };
                let _ = writeln!(
                    out,
                    "| {} | {} | `{}` | {} | {} | {} | {}:{} |",
                    location(f, options),
                    f.policy.id,
                    md(&f.object),
                    md(&sup.justification),
                    md(sup.approved_by.as_deref().unwrap_or("—")),
                    sup.until.as_deref().unwrap_or("—"),
                    display_path(&sup.file, &options.cwd),
                    sup.line
                );
            }
        }
    }
    out.push_str("\n## Input files\n\n| file | SHA-256 |\n|---|---|\n");
    for (path, hash) in input_hashes(report, options) {
        let _ = writeln!(out, "| {} | `{hash}` |", md(&path));
    }
    out
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Horizontal stacked bars, one per safeguard, scaled to its object count.
fn chart(sections: &[Section<'_>]) -> String {
    const WIDTH: usize = 420;
    const LABEL: usize = 190;
    const ROW: usize = 26;
    let height = ROW * sections.len() + 30;
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"Objects passed and failed per safeguard\" width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\">\n",
        LABEL + WIDTH + 60,
        LABEL + WIDTH + 60
    );
    for (i, s) in sections.iter().enumerate() {
        let y = i * ROW + 4;
        let c = s.counts;
        let _ = writeln!(
            svg,
            "<text x=\"0\" y=\"{}\" font-size=\"13\">{}</text>",
            y + 15,
            html(s.safeguard.as_str())
        );
        let mut x = LABEL;
        for (count, class) in [
            (c.passed, "passed"),
            (c.failed, "failed"),
            (c.unknown, "unknown"),
            (c.suppressed, "suppressed"),
        ] {
            if count == 0 || c.objects == 0 {
                continue;
            }
            let w = (count * WIDTH).div_ceil(c.objects).max(1);
            let _ = writeln!(
                svg,
                "<rect class=\"{class}\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"18\"><title>{class}: {count}</title></rect>"
            );
            x += w;
        }
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\">{}/{}</text>",
            x + 6,
            y + 15,
            c.passed,
            c.objects
        );
    }
    let legend_y = ROW * sections.len() + 20;
    let mut x = LABEL;
    for class in ["passed", "failed", "unknown", "suppressed"] {
        let _ = writeln!(
            svg,
            "<rect class=\"{class}\" x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\"/><text x=\"{}\" y=\"{legend_y}\" font-size=\"12\">{class}</text>",
            legend_y - 10,
            x + 16
        );
        x += 100;
    }
    svg.push_str("</svg>");
    svg
}

/// The evidence report as one self-contained HTML page.
#[must_use]
pub fn render_evidence_html(report: &CheckReport, options: &OutputOptions) -> String {
    let sections = sections(report);
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>HIPAA evidence report</title>\n<style>\nbody{font-family:system-ui,sans-serif;margin:2em;max-width:75em;color:#1b1b1b}\ntable{border-collapse:collapse;margin:.5em 0 1.5em}\nth,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}\nth{background:#eee}\ntd.n{text-align:right}\ncode{font-size:.9em}\n.passed{fill:#2e7d32}.failed{fill:#c62828}.unknown{fill:#757575}.suppressed{fill:#f9a825}\n</style>\n</head>\n<body>\n<h1>HIPAA evidence report</h1>\n",
    );
    let _ = writeln!(
        out,
        "<ul>\n<li>Tool: safeguard <span id=\"tool-version\">{}</span></li>\n<li>Policy set: {} policies, SHA-256 <code id=\"policy-digest\">{}</code></li>\n<li>Inputs: {}</li>\n</ul>",
        env!("CARGO_PKG_VERSION"),
        report.rules.len(),
        policy_digest(report),
        html(&inputs_line(report))
    );
    out.push_str("<h2>Summary</h2>\n");
    out.push_str(&chart(&sections));
    out.push_str("\n<table id=\"summary\">\n<tr><th>safeguard</th><th>citation</th><th>objects</th><th>passed</th><th>failed</th><th>unknown</th><th>suppressed</th></tr>\n");
    for s in &sections {
        let c = s.counts;
        let _ = writeln!(
            out,
            "<tr data-safeguard=\"{0}\"><td>{0}</td><td>{1}</td><td class=\"n objects\">{2}</td><td class=\"n passed\">{3}</td><td class=\"n failed\">{4}</td><td class=\"n unknown\">{5}</td><td class=\"n suppressed\">{6}</td></tr>",
            html(s.safeguard.as_str()),
            html(s.safeguard.citation()),
            c.objects,
            c.passed,
            c.failed,
            c.unknown,
            c.suppressed
        );
    }
    out.push_str("</table>\n");
    for s in &sections {
        let _ = writeln!(
            out,
            "<h2 id=\"{0}\">{0} ({1})</h2>",
            html(s.safeguard.as_str()),
            html(s.safeguard.citation())
        );
        if s.problems.is_empty() {
            out.push_str("<p>No failures or unknowns.</p>\n");
        } else {
            out.push_str("<table class=\"problems\">\n<tr><th>status</th><th>location</th><th>rule</th><th>object</th><th>finding</th></tr>\n");
            for f in &s.problems {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                    f.status,
                    html(&location(f, options)),
                    html(&f.policy.id),
                    html(&f.object),
                    html(&problem_text(f))
                );
            }
            out.push_str("</table>\n");
        }
        if !s.accepted.is_empty() {
            out.push_str("<h3>Accepted exceptions</h3>\n<table class=\"accepted\">\n<tr><th>location</th><th>rule</th><th>object</th><th>reason</th><th>approved by</th><th>until</th><th>accepted in</th></tr>\n");
            for f in &s.accepted {
                let Some(sup) = &f.suppression else { continue };
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}:{}</td></tr>",
                    html(&location(f, options)),
                    html(&f.policy.id),
                    html(&f.object),
                    html(&sup.justification),
                    html(sup.approved_by.as_deref().unwrap_or("—")),
                    html(sup.until.as_deref().unwrap_or("—")),
                    html(&display_path(&sup.file, &options.cwd)),
                    sup.line
                );
            }
            out.push_str("</table>\n");
        }
    }
    out.push_str(
        "<h2>Input files</h2>\n<table id=\"inputs\">\n<tr><th>file</th><th>SHA-256</th></tr>\n",
    );
    for (path, hash) in input_hashes(report, options) {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td><code>{}</code></td></tr>",
            html(&path),
            html(&hash)
        );
    }
    out.push_str("</table>\n</body>\n</html>\n");
    out
}
