use std::fmt::Write as _;

use anyhow::Result;
use std::sync::Arc;

use safeguard_policy::{BaaContext, BaaRegister, PolicySet, load_dir};
use safeguard_workspace::test_policies;

use super::{print, report_policy_errors};
use crate::bundled;

/// Runs the examples. Exit 0 when all behave, 1 when any does not, 2 when a
/// policy file cannot be loaded (the loadable ones are still tested).
pub fn run(args: &crate::cli::TestArgs) -> Result<u8> {
    let set = match &args.dir {
        Some(dir) => load_dir(dir),
        None => safeguard_policy::load_sources(bundled::sources()),
    };
    let had_errors = report_policy_errors(&set);
    let (out, failed) = render(&set);
    print(&out)?;
    Ok(if had_errors { 2 } else { u8::from(failed > 0) })
}

fn render(set: &PolicySet) -> (String, usize) {
    let baa = Arc::new(BaaContext {
        vendors: set.vendors.clone(),
        services: set.services.clone(),
        register: BaaRegister::default(),
    });
    let report = test_policies(&set.policies, &baa);
    let mut out = String::new();
    for policy in &set.policies {
        let results: Vec<_> = report
            .results
            .iter()
            .filter(|r| r.policy.id == policy.id)
            .collect();
        let failures: Vec<_> = results.iter().filter(|r| !r.ok).collect();
        if failures.is_empty() {
            let _ = writeln!(out, "PASS {} ({} examples)", policy.id, results.len());
            continue;
        }
        for failure in failures {
            let (line, column) = failure.position;
            let _ = writeln!(
                out,
                "FAIL {}: {} example {} at {}:{line}:{column}",
                policy.id,
                failure.kind.as_str(),
                failure.number,
                policy.source.path().display()
            );
            let _ = writeln!(out, "  - expected: {}", failure.expected);
            for (i, actual) in failure.actual.iter().enumerate() {
                let lead = if i == 0 {
                    "  + actual:   "
                } else {
                    "  +           "
                };
                let _ = writeln!(out, "{lead}{actual}");
            }
        }
    }
    let failed = report.failures().len();
    let _ = writeln!(
        out,
        "\n{} policies, {} examples",
        set.policies.len(),
        report.results.len()
    );
    let _ = writeln!(
        out,
        "examples: {} passed, {failed} failed",
        report.results.len() - failed
    );
    (out, failed)
}
