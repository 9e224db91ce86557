use std::fmt::Write as _;

use anyhow::{Result, bail};

use super::{policy_set, print, report_policy_errors};
use crate::cli::ExplainArgs;

pub fn run(args: &ExplainArgs) -> Result<u8> {
    let set = policy_set(&args.policies);
    let had_errors = report_policy_errors(&set);
    let Some(policy) = set.policies.iter().find(|p| p.id == args.id) else {
        let ids: Vec<&str> = set.policies.iter().map(|p| p.id.as_str()).collect();
        match safeguard_policy::did_you_mean(&args.id, &ids) {
            Some(close) => bail!("no policy `{}` (did you mean `{close}`?)", args.id),
            None => bail!("no policy `{}` (`safeguard rules` lists them)", args.id),
        }
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", policy.id, policy.title);
    let _ = writeln!(out);
    let _ = writeln!(out, "Safeguard:   {}", policy.safeguard);
    let _ = writeln!(out, "Citation:    {}", policy.citation);
    let _ = writeln!(out, "Severity:    {}", policy.severity);
    let _ = writeln!(
        out,
        "Applies to:  {} {}",
        policy.applies_to.format,
        policy.applies_to.types.join(", ")
    );
    let _ = writeln!(out, "Defined in:  {}", policy.source.path().display());
    if let Some(description) = &policy.description {
        let _ = writeln!(out, "\nWhy it matters:\n{}", indent(description));
    }
    let _ = writeln!(out, "\nHow to fix it:\n{}", indent(&policy.remediation));
    for (label, examples) in [
        ("Compliant", &policy.examples.pass),
        ("Non-compliant", &policy.examples.fail),
    ] {
        for (i, example) in examples.iter().enumerate() {
            let _ = writeln!(
                out,
                "\n{label} example {}:\n{}",
                i + 1,
                indent(example.text.trim_end())
            );
        }
    }
    print(&out)?;
    Ok(if had_errors { 2 } else { 0 })
}

fn indent(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!("    {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
