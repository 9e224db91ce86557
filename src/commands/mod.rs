mod check;
mod clean;
mod explain;
mod fix;
mod merge;
mod merge_sarif;
mod report;
mod rules;
mod server;
mod test;

use std::io::Write;

use anyhow::Result;
use safeguard_policy::PolicySet;
use safeguard_workspace::load_policies;

use crate::bundled;
use crate::cli::{Cli, Command, PolicyArgs};

/// Runs a command and returns the process exit code.
pub fn run(cli: Cli, matches: &clap::ArgMatches) -> Result<u8> {
    match cli.command {
        Command::Check(args) => check::run(&args, matches.subcommand_matches("check")),
        Command::Rules(args) => rules::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Server(args) => server::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Clean(args) => clean::run(&args),
        Command::Schema => {
            let schema = safeguard_policy::json_schema();
            print(&format!("{}\n", serde_json::to_string_pretty(&schema)?))?;
            Ok(0)
        }
    }
}

/// The result cache's directory when the user chose one: `--cache-dir`,
/// else a non-empty `SAFEGUARD_CACHE_DIR` (as ruff reads `RUFF_CACHE_DIR`).
fn cache_dir(flag: Option<&std::path::Path>) -> Option<std::path::PathBuf> {
    flag.map(std::path::Path::to_path_buf).or_else(|| {
        std::env::var_os("SAFEGUARD_CACHE_DIR")
            .filter(|dir| !dir.is_empty())
            .map(std::path::PathBuf::from)
    })
}

/// The bundled packs plus the folders named with `--policies`.
fn policy_set(args: &PolicyArgs) -> PolicySet {
    load_policies(&bundled::sources(), &args.policy_dirs)
}

/// Writes to stdout, treating a closed pipe (`| head`) as success.
fn print(text: &str) -> Result<()> {
    write_stdout(|out| out.write_all(text.as_bytes()))
}

/// Runs `write` on buffered stdout and flushes it, treating a closed pipe
/// (`| head`) as success.
fn write_stdout(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Prints policy loading errors to stderr; true when there were any.
fn report_policy_errors(set: &PolicySet) -> bool {
    for error in &set.errors {
        eprintln!("error: {error}");
    }
    !set.errors.is_empty()
}
