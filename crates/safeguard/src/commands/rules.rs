use std::fmt::Write as _;

use anyhow::Result;
use serde_json::json;

use super::{policy_set, print, report_policy_errors};
use crate::cli::{OutputFormat, RulesArgs};

pub fn run(args: &RulesArgs) -> Result<u8> {
    let set = policy_set(&args.policies);
    let had_errors = report_policy_errors(&set);
    let mut policies = set.policies.clone();
    policies.sort_by(|a, b| a.id.cmp(&b.id));
    match args.format {
        OutputFormat::Json => {
            let rows: Vec<_> = policies
                .iter()
                .map(|p| {
                    json!({
                        "id": p.id,
                        "title": p.title,
                        "safeguard": p.safeguard.as_str(),
                        "citation": p.citation,
                        "severity": p.severity.as_str(),
                        "formats": [p.applies_to.format.as_str()],
                        "types": p.applies_to.types,
                    })
                })
                .collect();
            print(&format!("{}\n", serde_json::to_string_pretty(&rows)?))?;
        }
        OutputFormat::Human => {
            let headers = ["ID", "SAFEGUARD", "CITATION", "SEVERITY", "FORMATS"];
            let rows: Vec<[String; 5]> = policies
                .iter()
                .map(|p| {
                    [
                        p.id.clone(),
                        p.safeguard.to_string(),
                        p.citation.clone(),
                        p.severity.to_string(),
                        p.applies_to.format.to_string(),
                    ]
                })
                .collect();
            let mut widths = headers.map(str::len);
            for row in &rows {
                for (width, cell) in widths.iter_mut().zip(row) {
                    *width = (*width).max(cell.chars().count());
                }
            }
            let mut out = String::new();
            let mut line = |cells: [&str; 5]| {
                let mut text = String::new();
                for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
                    if i + 1 == cells.len() {
                        text.push_str(cell);
                    } else {
                        let _ = write!(text, "{cell:<width$}  ");
                    }
                }
                let _ = writeln!(out, "{}", text.trim_end());
            };
            line(headers);
            for row in &rows {
                line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
            }
            let _ = writeln!(out, "{} policies", rows.len());
            print(&out)?;
        }
    }
    Ok(if had_errors { 2 } else { 0 })
}
