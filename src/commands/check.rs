use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use safeguard_policy::Severity;
use safeguard_report::{
    Baseline, HumanOptions, OutputOptions, UnknownMode, apply_baseline, exit_code,
    render_checkstyle, render_github, render_gitlab, render_human, render_json, render_junit,
    render_sarif,
};
use safeguard_workspace::{CacheMode, CheckOptions, Passes, SourceTexts, TerraformInputs, check};

use super::print;
use crate::bundled;
use crate::cli::{CheckArgs, OutputFormat, SeverityArg, UnknownArg};

pub fn run(args: &CheckArgs, matches: Option<&clap::ArgMatches>) -> Result<u8> {
    let destinations = destinations(args, matches)?;
    // Read before checking: a missing baseline should not cost a whole scan.
    if args.shard.is_some() && (args.baseline.is_some() || args.write_baseline.is_some()) {
        bail!(
            "--shard cannot be combined with --baseline or --write-baseline: merge the shards first"
        );
    }
    let baseline = args
        .baseline
        .as_ref()
        .map(|path| Baseline::read(path))
        .transpose()?;
    let mut paths = args.paths.clone();
    if let Some(rev) = &args.since {
        let changed = changed_since(rev)?;
        // `.` is only the default: with --since, no changed file means nothing to check.
        if args.paths == [PathBuf::from(".")] {
            paths.clear();
        }
        paths.extend(changed);
    }
    if paths.is_empty() {
        let report = safeguard_workspace::CheckReport::default();
        let output = OutputOptions {
            unknown: UnknownMode::Report,
            cwd: std::env::current_dir().context("cannot read the current directory")?,
            show_suppressed: false,
            baseline: None,
        };
        for (format, path) in destinations {
            let text = render(format, &report, &output, path.is_none());
            match path {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print(&text)?,
            }
        }
        return Ok(0);
    }
    if let Some(threads) = args.threads {
        // Rendering runs on the global pool: `--threads` bounds it too.
        // (Already built only if this process checked before: keep it.)
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(threads).max(1))
            .build_global();
    }
    let options = CheckOptions {
        paths,
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
        parse_only: args.parse_only,
        shard: args.shard,
        limits: args.limits.overrides(),
        strict: args.strict,
        // Fixes write files and re-check them; benchmarks of parsing must
        // parse: neither may take results from the cache.
        cache: if args.no_cache || args.fix || args.diff || args.parse_only {
            CacheMode::Off
        } else {
            CacheMode::On
        },
        cache_dir: super::cache_dir(args.cache_dir.as_deref()),
        // JUnit lists a test case per verdict; every other format lists
        // failures and unknowns and only counts the passes.
        passes: if destinations.iter().any(|(f, _)| *f == OutputFormat::Junit) {
            Passes::Kept
        } else {
            Passes::Counted
        },
        // Human output quotes the source and fixes edit it; every other
        // format only places findings, which a line index does.
        texts: if args.fix
            || args.diff
            || destinations.iter().any(|(f, _)| *f == OutputFormat::Human)
        {
            SourceTexts::Kept
        } else {
            SourceTexts::Released
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
    let mut timings = safeguard_workspace::Timings::from_env();
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    // Written from every current finding, before an old baseline hides any.
    let written = match &args.write_baseline {
        Some(path) => {
            let written = Baseline::from_report(&report, &cwd);
            std::fs::write(path, written.to_json())
                .with_context(|| format!("cannot write the baseline {}", path.display()))?;
            Some(written)
        }
        None => None,
    };
    let mut outcome = baseline.map(|baseline| apply_baseline(&mut report, &baseline, &cwd));
    if let Some(written) = written {
        // The recorded findings are accepted from now on, this run included.
        let known = apply_baseline(&mut report, &written, &cwd);
        outcome = Some(match outcome {
            Some(before) => safeguard_report::BaselineOutcome {
                known: before.known + known.known,
                fixed: before.fixed,
            },
            None => known,
        });
    }
    let unknown = match args.unknown {
        UnknownArg::Report => UnknownMode::Report,
        UnknownArg::Fail => UnknownMode::Fail,
        UnknownArg::Ignore => UnknownMode::Ignore,
    };
    let output = OutputOptions {
        unknown,
        cwd,
        show_suppressed: args.show_suppressed,
        baseline: outcome,
    };
    for (format, path) in destinations {
        if format == OutputFormat::Json {
            // Streamed: the findings are written as rendered, not joined.
            write_json_to(&report, &output, path.as_deref())?;
            continue;
        }
        let text = render(format, &report, &output, path.is_none());
        match path {
            Some(path) => std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?,
            None => print(&text)?,
        }
    }
    timings.lap("baseline, render and write");
    let code = u8::try_from(exit_code(&report, unknown)).unwrap_or(2);
    // The process ends right after this: freeing a monorepo's findings and
    // file texts one by one would only delay the exit.
    std::mem::forget(report);
    Ok(code)
}

/// `--format json` to its file, or to standard output (a closed pipe
/// there is not an error, as for every format).
fn write_json_to(
    report: &safeguard_workspace::CheckReport,
    output: &OutputOptions,
    path: Option<&std::path::Path>,
) -> Result<()> {
    use std::io::Write as _;
    match path {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
            safeguard_report::write_json(report, output, &mut out)
                .and_then(|()| out.flush())
                .with_context(|| format!("cannot write {}", path.display()))
        }
        None => super::write_stdout(|out| safeguard_report::write_json(report, output, out)),
    }
}

/// Each `--format` with the `--output` that follows it (before the next
/// `--format`), or standard output. Only one format may go to standard
/// output, and an `--output` must belong to a format.
fn destinations(
    args: &CheckArgs,
    matches: Option<&clap::ArgMatches>,
) -> Result<Vec<(OutputFormat, Option<PathBuf>)>> {
    if args.format.is_empty() {
        return match args.output.as_slice() {
            [] => Ok(vec![(OutputFormat::Human, None)]),
            [path] => Ok(vec![(OutputFormat::Human, Some(path.clone()))]),
            _ => bail!(
                "several --output files but no --format: give a --format before each --output"
            ),
        };
    }
    let indices = |id: &str| -> Vec<usize> {
        matches
            .and_then(|m| m.indices_of(id))
            .map(Iterator::collect)
            .unwrap_or_default()
    };
    let format_at = indices("format");
    let output_at = indices("output");
    let mut pairs: Vec<(OutputFormat, Option<PathBuf>)> =
        args.format.iter().map(|f| (*f, None)).collect();
    for (path, at) in args.output.iter().zip(&output_at) {
        let Some(owner) = format_at.iter().rposition(|f| f < at) else {
            bail!(
                "--output {} comes before any --format: write `--format FORMAT --output FILE`",
                path.display()
            );
        };
        if pairs[owner].1.is_some() {
            bail!("two --output files for one --format: repeat --format before each --output");
        }
        pairs[owner].1 = Some(path.clone());
    }
    if pairs.iter().filter(|(_, path)| path.is_none()).count() > 1 {
        bail!("only one --format can go to standard output: give the others an --output FILE");
    }
    Ok(pairs)
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
pub fn terraform_env() -> Vec<(String, String)> {
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

fn render(
    format: OutputFormat,
    report: &safeguard_workspace::CheckReport,
    output: &OutputOptions,
    to_stdout: bool,
) -> String {
    match format {
        OutputFormat::Json => render_json(report, output),
        OutputFormat::Sarif => render_sarif(report, output),
        OutputFormat::Junit => render_junit(report, output),
        OutputFormat::Github => render_github(report, output),
        OutputFormat::Gitlab => render_gitlab(report, output),
        OutputFormat::Checkstyle => render_checkstyle(report, output),
        OutputFormat::Human => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let color = to_stdout && std::io::stdout().is_terminal() && !no_color;
            render_human(report, output, HumanOptions { color, width: 100 })
        }
    }
}

/// Files changed since `rev` (committed, staged or not), relative to the
/// current directory, that still exist and that safeguard reads. Runs the
/// user's `git`, never anything from the scanned tree.
fn changed_since(rev: &str) -> Result<Vec<PathBuf>> {
    if rev.starts_with('-') {
        bail!("--since takes a git revision, not an option: `{rev}`");
    }
    let output = std::process::Command::new("git")
        .args([
            "diff",
            "--name-only",
            "--relative",
            "--no-renames",
            rev,
            "--",
        ])
        .output()
        .context("cannot run git for --since")?;
    if !output.status.success() {
        bail!(
            "git diff {rev} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let mut files: Vec<PathBuf> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(PathBuf::from)
        .filter(|path| path.is_file() && is_checked_file(path))
        .collect();
    files.sort();
    Ok(files)
}

/// The files a check reads when named: Terraform, JSON (plans), Postfix and
/// Dovecot main files.
fn is_checked_file(path: &std::path::Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.ends_with(".tf")
        || name.ends_with(".json")
        || matches!(name, "main.cf" | "master.cf" | "dovecot.conf")
}
