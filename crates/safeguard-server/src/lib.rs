//! safeguard's language server (`safeguard server`): LSP over stdio on
//! `tower-lsp-server`. It owns no checking logic: each open file is mapped to
//! its document ([`safeguard_workspace::DocumentKey`]: a Terraform module
//! directory, main.cf with master.cf, a Dovecot or Exim configuration with
//! its includes) and judged by a [`safeguard_workspace::Session`] — the
//! CLI's configuration discovery, policies, frontends and engine — with open
//! buffers read instead of the files on disk. Checks run per document on
//! blocking threads off the message loop, and published
//! only if no newer edit arrived meanwhile; edits made while a check runs
//! coalesce into one check when it ends (no fixed delay by default). Positions are converted in the
//! negotiated encoding (UTF-8 when offered, else UTF-16). The [`fix`] module
//! turns a policy's `fix` into text edits, for code actions and for
//! `safeguard check --fix`.

mod actions;
mod backend;
mod convert;
pub mod fix;
mod state;

use std::time::Duration;

use safeguard_workspace::CheckOptions;
use tower_lsp_server::{LspService, Server};

pub use actions::{EXPLAIN_COMMAND, suppression_comment};

/// How the server checks: the CLI's options (bundled policies, extra
/// folders, select/ignore) and the debounce delay.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub check: CheckOptions,
    /// How long an edit waits for the next before its check starts. A
    /// client may override it with `initializationOptions.debounceMs`.
    pub debounce: Duration,
}

/// The default debounce: none. An edit is checked at once when no check of
/// its document is running; edits made while one runs coalesce into one
/// check when it ends (see `State::running`), so a burst of keystrokes
/// costs at most one check in flight plus one queued, and a pause costs no
/// waiting. A fixed delay would only add to every check's latency.
pub const DEFAULT_DEBOUNCE: Duration = Duration::ZERO;

/// Runs the server on stdin/stdout until the client exits.
///
/// # Errors
/// When the async runtime cannot be started.
pub fn run_stdio(options: ServerOptions) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let (service, socket) = LspService::build(|client| backend::Backend::new(client, options))
            .custom_method(EXPLAIN_REQUEST, backend::Backend::explain_request)
            .finish();
        Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
    Ok(())
}

/// A custom request returning a rule's explanation as Markdown
/// (`{"rule": ID}`), for clients that render it themselves.
pub const EXPLAIN_REQUEST: &str = "safeguard/explain";
