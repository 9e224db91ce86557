//! `safeguard server`: the language server on stdio, with the bundled
//! policies and any `--policies` folders.

use std::time::Duration;

use anyhow::Result;
use safeguard_workspace::CheckOptions;

use crate::bundled;
use crate::cli::ServerArgs;

pub fn run(args: &ServerArgs) -> Result<u8> {
    let options = safeguard_server::ServerOptions {
        check: CheckOptions {
            policy_dirs: args.policies.policy_dirs.clone(),
            bundled: bundled::sources(),
            ..CheckOptions::default()
        },
        debounce: args
            .debounce_ms
            .map_or(safeguard_server::DEFAULT_DEBOUNCE, Duration::from_millis),
        sessions: safeguard_server::SessionCache::default(),
    };
    safeguard_server::run_stdio(options)?;
    Ok(0)
}
