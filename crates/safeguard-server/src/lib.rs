//! safeguard's language server (`safeguard server`): LSP over stdio on
//! `tower-lsp-server`. It owns no checking logic: each open file is mapped to
//! its document ([`safeguard_workspace::DocumentKey`]: a Terraform module
//! directory, main.cf with master.cf, a Dovecot or Exim configuration with
//! its includes) and judged by a [`safeguard_workspace::Session`] — the
//! CLI's configuration discovery, policies, frontends and engine — with open
//! buffers read instead of the files on disk. Checks run per document on
//! blocking threads off the message loop, and are published only if no
//! newer edit arrived meanwhile; edits made while a check runs coalesce
//! into one check when it ends (no fixed delay by default). Positions are
//! converted in the negotiated encoding (UTF-8 when offered, else UTF-16).
//! The transport is the crate's own (`transport`): a malformed frame is
//! answered with an error and the session goes on. The [`fix`] module
//! turns a policy's `fix` into text edits, for code actions and for
//! `safeguard check --fix`.

mod actions;
mod backend;
mod convert;
pub mod fix;
mod state;
mod transport;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use safeguard_workspace::{CheckOptions, Session};
use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::LspService;

pub use transport::MAX_MESSAGE_BYTES;

pub use actions::{EXPLAIN_COMMAND, suppression_comment};

/// How the server checks: the CLI's options (bundled policies, extra
/// folders, select/ignore) and the debounce delay.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub check: CheckOptions,
    /// How long an edit waits for the next before its check starts. A
    /// client may override it with `initializationOptions.debounceMs`.
    pub debounce: Duration,
    /// Loaded configurations. A fresh cache per server, normally; the
    /// fuzzer shares one across its sessions so that each does not
    /// compile every policy again.
    pub sessions: SessionCache,
}

/// Sessions (a configuration with its policies and engine) by
/// configuration file (`None`: the defaults) and workspace root, loaded on
/// first use and dropped when a `safeguard.toml` or policy file changes.
#[derive(Clone, Default)]
pub struct SessionCache(Arc<Mutex<Sessions>>);

/// The key: the configuration file and the workspace root.
type SessionKey = (Option<PathBuf>, PathBuf);
type Sessions = HashMap<SessionKey, Arc<Session>>;

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCache").finish_non_exhaustive()
    }
}

impl SessionCache {
    fn map(&self) -> std::sync::MutexGuard<'_, Sessions> {
        // A panic while holding the lock must not take the server down.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, key: &SessionKey) -> Option<Arc<Session>> {
        self.map().get(key).cloned()
    }

    /// Keeps the first session loaded for `key` (two checks may race to
    /// load it) and returns it.
    fn insert(&self, key: SessionKey, session: Arc<Session>) -> Arc<Session> {
        Arc::clone(self.map().entry(key).or_insert(session))
    }

    fn clear(&self) {
        self.map().clear();
    }
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
    runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout(), options));
    Ok(())
}

/// Serves LSP on any byte streams until the input ends or the client sends
/// `exit`: what [`run_stdio`] runs, and what the fuzzer drives in memory.
/// Must run inside a tokio runtime with timers enabled (checks are
/// debounced and run on blocking threads).
pub async fn serve<I, O>(input: I, output: O, options: ServerOptions)
where
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
{
    let (service, socket) = LspService::build(|client| backend::Backend::new(client, options))
        .custom_method(EXPLAIN_REQUEST, backend::Backend::explain_request)
        .finish();
    transport::serve(input, output, service, socket).await;
}

/// A custom request returning a rule's explanation as Markdown
/// (`{"rule": ID}`), for clients that render it themselves.
pub const EXPLAIN_REQUEST: &str = "safeguard/explain";
