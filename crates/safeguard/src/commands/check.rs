use std::io::IsTerminal;

use anyhow::{Context, Result};
use safeguard_policy::Severity;
use safeguard_report::{
    HumanOptions, OutputOptions, UnknownMode, exit_code, render_human, render_json,
};
use safeguard_workspace::{CheckOptions, TerraformInputs, check};

use super::print;
use crate::bundled;
use crate::cli::{CheckArgs, OutputFormat, SeverityArg, UnknownArg};

pub fn run(args: &CheckArgs) -> Result<u8> {
    let options = CheckOptions {
        paths: args.paths.clone(),
        policy_dirs: args.policies.policy_dirs.clone(),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        fail_on: args.fail_on.map(severity),
        threads: args.threads.map(usize::from),
        bundled: bundled::sources(),
        terraform: TerraformInputs {
            var_files: args.var_files.clone(),
            vars: args.vars.clone(),
            env: terraform_env(),
        },
    };
    let mut report = check(&options);
    if args.diff {
        let fixed = super::fix::safe_fixes(&report);
        let diff: String = fixed.iter().map(super::fix::unified_diff).collect();
        print(&diff)?;
        return Ok(u8::from(!fixed.is_empty()));
    }
    if args.fix {
        let fixed = super::fix::safe_fixes(&report);
        for file in &fixed {
            std::fs::write(&file.path, &file.after)
                .with_context(|| format!("cannot write {}", file.path.display()))?;
            eprintln!("fixed {} ({} fixes)", file.path.display(), file.fixes);
        }
        if !fixed.is_empty() {
            // Report what is left, as the files now are.
            report = check(&options);
        }
    }
    let unknown = match args.unknown {
        UnknownArg::Report => UnknownMode::Report,
        UnknownArg::Fail => UnknownMode::Fail,
        UnknownArg::Ignore => UnknownMode::Ignore,
    };
    let output = OutputOptions {
        unknown,
        cwd: std::env::current_dir().context("cannot read the current directory")?,
    };
    let text = match args.format {
        OutputFormat::Json => render_json(&report, &output),
        OutputFormat::Human => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let color = std::io::stdout().is_terminal() && !no_color;
            render_human(&report, &output, HumanOptions { color, width: 100 })
        }
    };
    print(&text)?;
    Ok(u8::try_from(exit_code(&report, unknown)).unwrap_or(2))
}

pub fn severity(arg: SeverityArg) -> Severity {
    match arg {
        SeverityArg::Critical => Severity::Critical,
        SeverityArg::High => Severity::High,
        SeverityArg::Medium => Severity::Medium,
        SeverityArg::Low => Severity::Low,
        SeverityArg::Info => Severity::Info,
    }
}

/// `TF_VAR_name` variables, as Terraform reads them; sorted so runs are
/// reproducible whatever the environment's order.
fn terraform_env() -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(name, value)| {
            let name = name.into_string().ok()?;
            let var = name.strip_prefix("TF_VAR_")?.to_owned();
            Some((var, value.into_string().ok()?))
        })
        .collect();
    vars.sort();
    vars
}
