//! The `safeguard` binary: the command line over the workspace, engine and
//! report crates. It parses flags, calls the shared check entry point, and
//! prints. Library crates return typed errors; only here do they become
//! `anyhow` errors and exit codes.

mod bundled;
mod cli;
mod commands;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

/// A scan allocates and frees millions of small values (spanned trees,
/// strings); glibc's allocator spent over 40% of a 10,000-file check in
/// malloc and free. mimalloc is built for exactly this pattern.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // The matches are kept: `check` pairs each --output with the --format
    // before it by position, which the derived struct does not record.
    let matches = cli::Cli::command().get_matches();
    let cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    match commands::run(cli, &matches) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
