use anyhow::{Context, Result};
use safeguard_report::{
    OutputOptions, UnknownMode, render_evidence_html, render_evidence_markdown,
};
use safeguard_workspace::{CheckOptions, TerraformInputs, check};

use super::check::terraform_env;
use super::print;
use crate::bundled;
use crate::cli::{ReportArgs, ReportFormat};

/// Runs a check and renders the evidence report. The report is evidence,
/// not a gate: findings do not change the exit code; errors do (2), as the
/// evidence is then incomplete.
pub fn run(args: &ReportArgs) -> Result<u8> {
    let options = CheckOptions {
        paths: args.paths.clone(),
        policy_dirs: args.policies.policy_dirs.clone(),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        fail_on: None,
        threads: None,
        bundled: bundled::sources(),
        terraform: TerraformInputs {
            var_files: args.var_files.clone(),
            vars: args.vars.clone(),
            env: terraform_env(),
        },
        ..CheckOptions::default()
    };
    let report = check(&options);
    let output = OutputOptions {
        unknown: UnknownMode::Report,
        cwd: std::env::current_dir().context("cannot read the current directory")?,
        show_suppressed: true,
        baseline: None,
    };
    let text = match args.format {
        ReportFormat::Html => render_evidence_html(&report, &output),
        ReportFormat::Markdown => render_evidence_markdown(&report, &output),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print(&text)?,
    }
    Ok(if report.has_errors() { 2 } else { 0 })
}
