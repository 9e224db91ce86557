//! The LSP handlers. Handlers only update state and schedule work; checks
//! run in `spawn_blocking` after the debounce, and their results are
//! published only while still current (no newer edit of the document, the
//! buffers at the versions the check read).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use safeguard_workspace::{DocumentKey, DocumentReport, Session};
use serde_json::Value as Json;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability,
    CodeActionResponse, Diagnostic, DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, ExecuteCommandOptions,
    ExecuteCommandParams, FileSystemWatcher, GlobPattern, Hover, HoverContents, HoverParams,
    HoverProviderCapability, InitializeParams, InitializeResult, InitializedParams, LSPAny,
    MarkupContent, MarkupKind, MessageType, Registration, SaveOptions, ServerCapabilities,
    ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Uri,
};
use tower_lsp_server::{Client, LanguageServer};

use crate::ServerOptions;
use crate::actions::{EXPLAIN_COMMAND, explanation, finding_actions, hover_markdown};
use crate::convert::{Encoding, Text, apply_edit, error_diagnostic, finding_diagnostic};
use crate::state::{OpenDoc, Published, State};

/// The longest debounce a client may ask for.
const MAX_DEBOUNCE_MS: u64 = 2_000;

pub struct Backend {
    client: Client,
    options: Arc<ServerOptions>,
    state: Arc<Mutex<State>>,
}

fn path_of(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path().map(|p| p.into_owned())
}

impl Backend {
    pub fn new(client: Client, options: ServerOptions) -> Self {
        Self {
            client,
            options: Arc::new(options),
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock must not take the server down.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `safeguard/explain`: `{"rule": ID}` → the explanation as Markdown.
    pub async fn explain_request(&self, params: Json) -> Result<Json> {
        let rule = params
            .get("rule")
            .and_then(Json::as_str)
            .ok_or_else(|| Error::invalid_params("expected {\"rule\": ID}"))?;
        self.explain(rule)
            .map(Json::String)
            .ok_or_else(|| Error::invalid_params(format!("no policy `{rule}`")))
    }

    fn explain(&self, rule: &str) -> Option<String> {
        let session = {
            let state = self.state();
            let root = state.root.clone();
            drop(state);
            self.session_for(&root)
        };
        session
            .policies()
            .iter()
            .find(|p| p.id == rule)
            .map(|p| explanation(p))
    }

    /// The session of the configuration governing `path`, loaded on first use.
    fn session_for(&self, path: &Path) -> Arc<Session> {
        let config = State::config_for(path);
        let root = self.state().root.clone();
        let key = (config, root);
        if let Some(session) = self.options.sessions.get(&key) {
            return session;
        }
        let session = Arc::new(Session::load(&self.options.check, key.0.as_deref(), &key.1));
        self.options.sessions.insert(key, session)
    }

    /// Records a buffer's text (newer versions only: notifications may be
    /// handled out of order) and schedules its document's check.
    fn update(&self, uri: Uri, version: i32, text: String) {
        let Some(path) = path_of(&uri) else { return };
        // Outside the state's lock: the first use of a configuration loads it.
        let key = self.document_for(&path, &text);
        {
            let mut state = self.state();
            if state.docs.get(&path).is_some_and(|d| d.version > version) {
                return;
            }
            state.docs.insert(
                path,
                OpenDoc {
                    uri,
                    version,
                    text: text.into(),
                    key: key.clone(),
                },
            );
        }
        if let Some(key) = key {
            self.schedule(key);
        }
    }

    /// The document `path` belongs to under the configuration governing it,
    /// as `check` would read it.
    fn document_for(&self, path: &Path, text: &str) -> Option<DocumentKey> {
        self.session_for(path).document_for(path, text)
    }

    /// Checks `key`: at once when no check of it is running (a coalesced
    /// rerun otherwise), or after the debounce unless a newer edit comes
    /// first when a client asked for one.
    fn schedule(&self, key: DocumentKey) {
        let (generation, debounce) = {
            let mut state = self.state();
            let generation = state.bump(&key);
            let debounce = state
                .debounce_ms
                .map_or(self.options.debounce, Duration::from_millis);
            if debounce.is_zero() && !state.running.insert(key.clone()) {
                // The running check's loop sees the new generation.
                return;
            }
            (generation, debounce)
        };
        let this = self.handle();
        if debounce.is_zero() {
            tokio::spawn(async move { this.check_until_current(key).await });
            return;
        }
        tokio::spawn(async move {
            tokio::time::sleep(debounce).await;
            this.run_check(key, generation).await;
        });
    }

    fn handle(&self) -> Handle {
        Handle {
            client: self.client.clone(),
            options: Arc::clone(&self.options),
            state: Arc::clone(&self.state),
        }
    }
}

/// What a spawned check needs of the backend.
#[derive(Clone)]
struct Handle {
    client: Client,
    options: Arc<ServerOptions>,
    state: Arc<Mutex<State>>,
}

impl Handle {
    fn backend(&self) -> Backend {
        Backend {
            client: self.client.clone(),
            options: Arc::clone(&self.options),
            state: Arc::clone(&self.state),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Checks `key` at its newest generation, again while edits came in
    /// during the check, then lets the next edit start a new one.
    async fn check_until_current(&self, key: DocumentKey) {
        // Cleared if a check panics, so the document is never stuck; on the
        // normal path the loop clears it itself (and a later loop for the
        // same document may already have set it again by the time this
        // guard drops, so the guard must not touch it then).
        struct Running<'a> {
            handle: &'a Handle,
            key: &'a DocumentKey,
            armed: bool,
        }
        impl Drop for Running<'_> {
            fn drop(&mut self) {
                if self.armed {
                    let mut state = self.handle.state();
                    state.running.remove(self.key);
                }
            }
        }
        let mut guard = Running {
            handle: self,
            key: &key,
            armed: true,
        };
        loop {
            let generation = self.state().generation(&key);
            self.run_check(key.clone(), generation).await;
            let mut state = self.state();
            // One critical section: an edit arriving now either sees the
            // check still running (and is checked here, next round) or
            // starts its own loop.
            if state.generation(&key) == generation {
                state.running.remove(&key);
                guard.armed = false;
                return;
            }
        }
    }

    async fn run_check(&self, key: DocumentKey, generation: u64) {
        let (overlay, versions) = {
            let state = self.state();
            if !state.is_current(&key, generation) {
                return;
            }
            let versions: HashMap<PathBuf, i32> = state
                .docs
                .iter()
                .map(|(p, d)| (p.clone(), d.version))
                .collect();
            (state.overlay(), versions)
        };
        let anchor = key.path().to_path_buf();
        let backend = self.backend();
        let check_key = key.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            let session = backend.session_for(&anchor);
            let report = session.check(&check_key, &overlay);
            (session, report)
        })
        .await;
        let (session, report) = match outcome {
            Ok(result) => result,
            Err(err) => {
                self.client
                    .log_message(MessageType::ERROR, format!("check failed: {err}"))
                    .await;
                return;
            }
        };
        self.announce(&key, &session).await;
        let to_publish = {
            let mut state = self.state();
            // Stale: a newer edit came in, or a buffer moved past what we read.
            let stale = !state.is_current(&key, generation)
                || report
                    .files
                    .iter()
                    .any(|p| state.docs.get(p).map(|d| d.version) != versions.get(p).copied());
            if stale {
                return;
            }
            publishable(&mut state, &key, &report, &versions)
        };
        for (uri, diagnostics, version) in to_publish {
            self.client
                .publish_diagnostics(uri, diagnostics, version)
                .await;
        }
    }

    /// Shows a configuration's load errors once.
    async fn announce(&self, key: &DocumentKey, session: &Session) {
        let config = State::config_for(key.path());
        let errors: Vec<String> = session
            .config_errors()
            .iter()
            .map(ToString::to_string)
            .chain(
                session
                    .load_errors
                    .policy_errors
                    .iter()
                    .map(ToString::to_string),
            )
            .collect();
        let first = self.state().announced.insert(config);
        if first && !errors.is_empty() {
            self.client
                .show_message(MessageType::ERROR, errors.join("\n"))
                .await;
        }
    }
}

/// Diagnostics per file of the document, plus empty lists for files it
/// published to before and no longer does. Records what was published.
fn publishable(
    state: &mut State,
    key: &DocumentKey,
    report: &DocumentReport,
    versions: &HashMap<PathBuf, i32>,
) -> Vec<(Uri, Vec<Diagnostic>, Option<i32>)> {
    let encoding = state.encoding();
    let mut per_file: HashMap<PathBuf, (Vec<Diagnostic>, Vec<safeguard_engine::Finding>)> =
        HashMap::new();
    for file in &report.files {
        per_file.entry(file.clone()).or_default();
    }
    for finding in &report.findings {
        let entry = per_file
            .entry(finding.file.path().to_path_buf())
            .or_default();
        entry.0.push(finding_diagnostic(finding, encoding));
        entry.1.push(finding.clone());
    }
    for error in &report.errors {
        let path = match &error.location {
            safeguard_model::InputErrorLocation::Span { file, .. } => file.path().to_path_buf(),
            _ => error.path.clone(),
        };
        let text: Arc<str> = match state.docs.get(&path) {
            Some(doc) => Arc::clone(&doc.text),
            None => Arc::from(std::fs::read_to_string(&path).unwrap_or_default()),
        };
        let index = safeguard_source::LineIndex::new(&text);
        let current = Text {
            text: &text,
            index: &index,
        };
        per_file
            .entry(path)
            .or_default()
            .0
            .push(error_diagnostic(error, &current, encoding));
    }
    let previous = state.published_by.remove(key).unwrap_or_default();
    let mut now = HashSet::new();
    let mut out = Vec::new();
    for (path, (diagnostics, findings)) in per_file {
        // Closed files with nothing to say and nothing said before stay
        // quiet; an open one always hears that it was checked.
        if diagnostics.is_empty() && !previous.contains(&path) && !state.docs.contains_key(&path) {
            continue;
        }
        let version = versions.get(&path).copied();
        let uri = match state.docs.get(&path) {
            Some(doc) => doc.uri.clone(),
            None => match Uri::from_file_path(&path) {
                Some(uri) => uri,
                None => continue,
            },
        };
        if !diagnostics.is_empty() {
            now.insert(path.clone());
        }
        state
            .published
            .insert(path, Published { version, findings });
        out.push((uri, diagnostics, version));
    }
    for path in previous.difference(&now) {
        if out
            .iter()
            .any(|(u, _, _)| path_of(u).as_ref() == Some(path))
        {
            continue;
        }
        state.published.remove(path);
        if let Some(uri) = Uri::from_file_path(path) {
            out.push((uri, Vec::new(), versions.get(path).copied()));
        }
    }
    out.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    state.published_by.insert(key.clone(), now);
    out
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let encoding = Encoding::negotiate(
            params
                .capabilities
                .general
                .as_ref()
                .and_then(|g| g.position_encodings.as_deref()),
        );
        #[allow(deprecated)] // root_uri: older clients send only it
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|f| f.first())
            .and_then(|f| path_of(&f.uri))
            .or_else(|| params.root_uri.as_ref().and_then(path_of))
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        {
            let mut state = self.state();
            state.encoding = Some(encoding);
            state.root = root;
            state.debounce_ms = params
                .initialization_options
                .as_ref()
                .and_then(|o| o.get("debounceMs"))
                .and_then(Json::as_u64)
                // A huge delay would mean diagnostics never come.
                .map(|ms| ms.min(MAX_DEBOUNCE_MS));
        }
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(encoding.kind()),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        // Full text: robust against notifications handled out of order.
                        change: Some(TextDocumentSyncKind::FULL),
                        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                            include_text: Some(true),
                        })),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..CodeActionOptions::default()
                    },
                )),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![EXPLAIN_COMMAND.to_owned()],
                    ..ExecuteCommandOptions::default()
                }),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "safeguard".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        // Ask to hear of configuration, policy and Terraform file changes on
        // disk; clients without dynamic registration send them anyway or not at all.
        let watchers = [
            "**/safeguard.toml",
            "**/*.yaml",
            "**/*.yml",
            "**/*.tf",
            "**/*.tfvars",
        ]
        .into_iter()
        .map(|glob| FileSystemWatcher {
            glob_pattern: GlobPattern::String(glob.to_owned()),
            kind: None,
        })
        .collect();
        let registration = Registration {
            id: "safeguard-watch".to_owned(),
            method: "workspace/didChangeWatchedFiles".to_owned(),
            register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
                watchers,
            })
            .ok(),
        };
        let client = self.client.clone();
        // Not awaited here: a client slow to answer must not hold up the loop.
        tokio::spawn(async move {
            let _ = client.register_capability(vec![registration]).await;
        });
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.update(doc.uri, doc.version, doc.text);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        // We ask for full text, but a client may still send ranged edits:
        // they are applied in order to the buffer we hold (clamped, see
        // `apply_edit`), never taken for the whole text.
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let Some(path) = path_of(&uri) else { return };
        let mut notes = Vec::new();
        let ranged = params.content_changes.iter().any(|c| c.range.is_some());
        let text = if ranged {
            let (encoding, mut text) = {
                let state = self.state();
                let text = state.docs.get(&path).map(|d| d.text.to_string());
                (state.encoding(), text)
            };
            for change in params.content_changes {
                match (change.range, &mut text) {
                    (None, _) => text = Some(change.text),
                    (Some(range), Some(current)) => {
                        notes.extend(apply_edit(current, range, &change.text, encoding));
                    }
                    (Some(_), None) => {
                        notes.push("an edit of a document that is not open was ignored".to_owned())
                    }
                }
            }
            text
        } else {
            params.content_changes.into_iter().last().map(|c| c.text)
        };
        for note in notes {
            self.client
                .log_message(
                    MessageType::WARNING,
                    format!("didChange of {} (version {version}): {note}", uri.as_str()),
                )
                .await;
        }
        if let Some(text) = text {
            self.update(uri, version, text);
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let Some(path) = path_of(&params.text_document.uri) else {
            return;
        };
        let text = {
            let mut state = self.state();
            let Some(doc) = state.docs.get_mut(&path) else {
                return;
            };
            if let Some(text) = params.text {
                doc.text = text.into();
            }
            Arc::clone(&doc.text)
        };
        let key = self.document_for(&path, &text);
        if let Some(doc) = self.state().docs.get_mut(&path) {
            doc.key.clone_from(&key);
        }
        if let Some(key) = key {
            self.schedule(key);
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let Some(path) = path_of(&uri) else { return };
        let key = {
            let mut state = self.state();
            let Some(doc) = state.docs.remove(&path) else {
                return;
            };
            state.published.remove(&path);
            for files in state.published_by.values_mut() {
                files.remove(&path);
            }
            doc.key
        };
        self.client.publish_diagnostics(uri, Vec::new(), None).await;
        // The rest of its document now reads the file from disk.
        if let Some(key) = key {
            let others_open = self.state().open_keys().contains(&key);
            if others_open {
                self.schedule(key);
            }
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let reload = params.changes.iter().any(|change| {
            path_of(&change.uri).is_some_and(|p| {
                p.file_name().is_some_and(|n| n == "safeguard.toml")
                    || p.extension().is_some_and(|e| e == "yaml" || e == "yml")
            })
        });
        if reload {
            let texts: Vec<(PathBuf, Arc<str>)> = {
                let mut state = self.state();
                self.options.sessions.clear();
                state.announced.clear();
                state
                    .docs
                    .iter()
                    .map(|(path, doc)| (path.clone(), Arc::clone(&doc.text)))
                    .collect()
            };
            // A new configuration can map buffers to other formats.
            let keys: Vec<(PathBuf, Option<DocumentKey>)> = texts
                .into_iter()
                .map(|(path, text)| {
                    let key = self.document_for(&path, &text);
                    (path, key)
                })
                .collect();
            let mut state = self.state();
            for (path, key) in keys {
                if let Some(doc) = state.docs.get_mut(&path) {
                    doc.key = key;
                }
            }
        }
        let keys = self.state().open_keys();
        for key in keys {
            self.schedule(key);
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let position = params.text_document_position_params;
        let Some(path) = path_of(&position.text_document.uri) else {
            return Ok(None);
        };
        let state = self.state();
        let Some(findings) = current_findings(&state, &path) else {
            return Ok(None);
        };
        let Some(first) = findings.first() else {
            return Ok(None);
        };
        let file = &first.file;
        let text = Text {
            text: file.text(),
            index: file.line_index(),
        };
        let offset = text.offset(position.position, state.encoding());
        let hits: Vec<&safeguard_engine::Finding> = findings
            .iter()
            .filter(|f| {
                let span = f.label_span.cover(f.span);
                span.start <= offset && offset <= span.end
            })
            .collect();
        if hits.is_empty() {
            return Ok(None);
        }
        let range = text.range(hits[0].label_span, state.encoding());
        Ok(Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: hover_markdown(&hits),
            }),
            range: Some(range),
        }))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let Some(path) = path_of(&uri) else {
            return Ok(None);
        };
        let state = self.state();
        let encoding = state.encoding();
        let Some(findings) = current_findings(&state, &path) else {
            return Ok(None);
        };
        let mut actions = Vec::new();
        for finding in findings {
            let file = &finding.file;
            let text = Text {
                text: file.text(),
                index: file.line_index(),
            };
            let range = text.range(finding.label_span, encoding);
            let wanted = params.range;
            // Overlapping lines count: editors ask for the cursor's position.
            if range.end.line < wanted.start.line || range.start.line > wanted.end.line {
                continue;
            }
            actions.extend(finding_actions(finding, &uri, encoding));
        }
        Ok(Some(actions))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        if params.command != EXPLAIN_COMMAND {
            return Err(Error::invalid_params(format!(
                "unknown command `{}`",
                params.command
            )));
        }
        let Some(rule) = params.arguments.first().and_then(Json::as_str) else {
            return Err(Error::invalid_params("expected the rule id"));
        };
        let Some(text) = self.explain(rule) else {
            return Err(Error::invalid_params(format!("no policy `{rule}`")));
        };
        self.client.show_message(MessageType::INFO, &text).await;
        Ok(Some(Json::String(text)))
    }
}

/// The findings published for `path`, if they describe its current buffer.
fn current_findings<'s>(
    state: &'s State,
    path: &Path,
) -> Option<&'s Vec<safeguard_engine::Finding>> {
    let published = state.published.get(path)?;
    let current = state.docs.get(path).map(|d| d.version);
    (published.version == current).then_some(&published.findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use safeguard_workspace::CheckOptions;
    use tower_lsp_server::LspService;
    use tower_lsp_server::ls_types::{TextDocumentIdentifier, TextDocumentItem};

    /// Closing a buffer drops its text and everything remembered for it;
    /// the other open buffers stay.
    #[tokio::test(flavor = "current_thread")]
    async fn closing_a_document_frees_it() {
        let options = ServerOptions {
            check: CheckOptions::default(),
            // No check runs while the test looks at the state.
            debounce: Duration::from_secs(3600),
            sessions: crate::SessionCache::default(),
        };
        let (service, _socket) = LspService::new(|client| Backend::new(client, options));
        let backend = service.inner();
        let open = |name: &str, text: String| DidOpenTextDocumentParams {
            text_document: TextDocumentItem {
                uri: Uri::from_file_path(format!("/nonexistent-safeguard/{name}")).unwrap(),
                language_id: "terraform".to_owned(),
                version: 1,
                text,
            },
        };
        backend.did_open(open("big.tf", "#".repeat(8 << 20))).await;
        backend
            .did_open(open("small.tf", "# small\n".to_owned()))
            .await;
        let big = PathBuf::from("/nonexistent-safeguard/big.tf");
        let key = DocumentKey::Terraform(PathBuf::from("/nonexistent-safeguard"));
        {
            let mut state = backend.state();
            assert_eq!(state.docs.len(), 2);
            state.published.insert(big.clone(), Published::default());
            state
                .published_by
                .entry(key.clone())
                .or_default()
                .insert(big.clone());
        }
        backend
            .did_close(DidCloseTextDocumentParams {
                text_document: TextDocumentIdentifier {
                    uri: Uri::from_file_path(&big).unwrap(),
                },
            })
            .await;
        let state = backend.state();
        let mut open: Vec<&PathBuf> = state.docs.keys().collect();
        open.sort();
        assert_eq!(
            open,
            vec![&PathBuf::from("/nonexistent-safeguard/small.tf")]
        );
        assert!(!state.published.contains_key(&big));
        assert!(!state.published_by[&key].contains(&big));
    }
}
