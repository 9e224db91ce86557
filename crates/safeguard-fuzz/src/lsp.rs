//! The `lsp` target: a client session fed to the language server in
//! memory, through the same transport and handlers `safeguard server`
//! runs on stdio (`safeguard_server::serve`), on a current-thread tokio
//! runtime with no debounce.
//!
//! An input holding a `Content-Length` header is sent as it is (raw
//! frames: the frame reader's own cases). Otherwise each line is one
//! message body and the target frames it, so mutations reach the JSON-RPC
//! layer and the handlers instead of only breaking lengths; a line that is
//! exactly `WAIT` lets the server finish the checks it started before the
//! next message is read, so hovers and code actions meet real findings.
//! Seeds are sessions built around the repository's Terraform and main.cf
//! fixtures: initialize, didOpen, hovers, code actions, full and ranged
//! changes, explain, save, close, shutdown, exit.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Where session documents claim to live: a directory that does not exist,
/// so a check reads nothing from disk but the open buffers.
const ROOT: &str = "/nonexistent-safeguard-fuzz";

/// How long one `WAIT` may wait for checks to finish.
const WAIT_LIMIT: Duration = Duration::from_secs(5);

/// Polls in a row that must find no task before a `WAIT` ends.
const IDLE_ROUNDS: u32 = 16;

pub const TOKENS: &[&str] = &[
    "Content-Length: 10\r\n\r\n",
    "\r\n\r\n",
    "WAIT\n",
    "{",
    "}",
    "[",
    "]",
    "\"",
    ",",
    ":",
    "null",
    "-1",
    "4294967295",
    "2147483647",
    "1e999",
    "\\u0000",
    "\\ud800",
    "\"id\":null",
    "\"id\":\"x\"",
    "\"jsonrpc\":\"2.0\"",
    "\"method\":\"textDocument/hover\"",
    "\"method\":\"textDocument/codeAction\"",
    "\"method\":\"textDocument/didChange\"",
    "\"method\":\"textDocument/didClose\"",
    "\"method\":\"exit\"",
    "\"method\":\"shutdown\"",
    "\"method\":\"initialize\"",
    "\"method\":\"$/cancelRequest\"",
    "\"method\":\"workspace/didChangeWatchedFiles\"",
    "\"range\":{\"start\":{\"line\":9,\"character\":99},\"end\":{\"line\":0,\"character\":0}}",
    "\"position\":{\"line\":4294967295,\"character\":4294967295}",
    "\"uri\":\"file:///\"",
    "\"uri\":\"file:///nonexistent-safeguard-fuzz/postfix/main.cf\"",
    "\"uri\":\"untitled:x\"",
    "\"version\":-2147483648",
    "\"debounceMs\":",
    "\"positionEncodings\":[\"utf-8\"]",
    "😀",
    "\\n",
    "resource \\\"aws_kms_key\\\" \\\"k\\\" {\\n}\\n",
];

/// The bundled policies, read once from the repository's `policies/`.
fn policies() -> &'static Vec<(PathBuf, String)> {
    static POLICIES: OnceLock<Vec<(PathBuf, String)>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        let mut out = Vec::new();
        let mut stack = vec![PathBuf::from("policies")];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.filter_map(Result::ok) {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    let shown = PathBuf::from("<bundled>")
                        .join(path.strip_prefix("policies").unwrap_or(&path));
                    out.push((shown, text));
                }
            }
        }
        out.sort();
        out
    })
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// A stretch of input, or a pause for the server to settle.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    Bytes(Vec<u8>),
    Wait,
}

/// The input as framed bytes and pauses (`WAIT` lines).
fn pieces(bytes: &[u8]) -> VecDeque<Piece> {
    if bytes.windows(14).any(|w| w == b"Content-Length") {
        return VecDeque::from([Piece::Bytes(bytes.to_vec())]);
    }
    let mut out = VecDeque::new();
    let mut current = Vec::new();
    for line in bytes.split(|b| *b == b'\n') {
        if line == b"WAIT" {
            // Pauses with nothing between them are one pause (a mutant
            // repeating `WAIT` thousands of times is not a slow server).
            if !current.is_empty() || out.back() != Some(&Piece::Wait) {
                out.push_back(Piece::Bytes(std::mem::take(&mut current)));
                out.push_back(Piece::Wait);
            }
        } else if !line.trim_ascii().is_empty() {
            current.extend(frame(line));
        }
    }
    out.push_back(Piece::Bytes(current));
    out
}

/// Answers the server's own requests (`client/registerCapability`), as an
/// editor does, so the task waiting for the answer ends.
type Replies = Arc<Mutex<VecDeque<Vec<u8>>>>;

/// The client's side of the input: the pieces in order, each pause held
/// until the runtime has no task left (the checks the messages before it
/// started are done), and replies to the server's requests slipped in
/// between pieces.
struct Input {
    queue: VecDeque<Piece>,
    current: Vec<u8>,
    offset: usize,
    replies: Replies,
    waiting_since: Option<Instant>,
    idle_rounds: u32,
}

impl AsyncRead for Input {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        loop {
            if this.offset < this.current.len() {
                let n = buf.remaining().min(this.current.len() - this.offset);
                buf.put_slice(&this.current[this.offset..this.offset + n]);
                this.offset += n;
                return Poll::Ready(Ok(()));
            }
            let reply = this
                .replies
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .pop_front();
            if let Some(reply) = reply {
                (this.current, this.offset) = (reply, 0);
                continue;
            }
            match this.queue.pop_front() {
                None => return Poll::Ready(Ok(())),
                Some(Piece::Bytes(bytes)) => (this.current, this.offset) = (bytes, 0),
                Some(Piece::Wait) => {
                    // The reader runs ahead of the handlers, so "no task"
                    // counts only once it has held over several rounds in
                    // which the handlers ran (each `Pending` lets the
                    // server's other futures run before we are polled again).
                    let since = *this.waiting_since.get_or_insert_with(Instant::now);
                    let busy = tokio::runtime::Handle::current()
                        .metrics()
                        .num_alive_tasks()
                        > 0;
                    this.idle_rounds = if busy { 0 } else { this.idle_rounds + 1 };
                    if this.idle_rounds < IDLE_ROUNDS && since.elapsed() < WAIT_LIMIT {
                        this.queue.push_front(Piece::Wait);
                        cx.waker().wake_by_ref();
                        if busy {
                            std::thread::yield_now();
                        }
                        return Poll::Pending;
                    }
                    this.waiting_since = None;
                    this.idle_rounds = 0;
                }
            }
        }
    }
}

/// The server's output: frames are parsed only to answer its requests.
struct Output {
    buffer: Vec<u8>,
    replies: Replies,
    /// `SAFEGUARD_FUZZ_TRACE` set: print what the server sends (to see
    /// what a replayed input does).
    trace: bool,
}

impl Output {
    fn take_frames(&mut self) {
        loop {
            let Some(end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
                return;
            };
            let header = String::from_utf8_lossy(&self.buffer[..end]).into_owned();
            let length: usize = header
                .strip_prefix("Content-Length: ")
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(0);
            let start = end + 4;
            if self.buffer.len() < start + length {
                return;
            }
            if self.trace {
                eprintln!(
                    "<- {}",
                    String::from_utf8_lossy(&self.buffer[start..start + length])
                );
            }
            let body: Value =
                serde_json::from_slice(&self.buffer[start..start + length]).unwrap_or(Value::Null);
            if body.get("method").is_some()
                && let Some(id) = body.get("id")
            {
                let reply = json!({ "jsonrpc": "2.0", "id": id, "result": null });
                self.replies
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push_back(frame(&serde_json::to_vec(&reply).unwrap_or_default()));
            }
            self.buffer.drain(..start + length);
        }
    }
}

impl AsyncWrite for Output {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.buffer.extend_from_slice(buf);
        self.take_frames();
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Panics anywhere in the server (a handler, a spawned task, a check on a
/// blocking thread) are caught where they happen so the session goes on;
/// for the fuzzer each is still a crash, so a hook counts them.
static PANICS: AtomicUsize = AtomicUsize::new(0);
static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            *LAST_PANIC
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = info.to_string();
        }));
    });
}

pub fn run(bytes: &[u8]) {
    count_panics();
    let before = PANICS.load(Ordering::SeqCst);
    serve_session(bytes);
    if PANICS.load(Ordering::SeqCst) != before {
        let message = LAST_PANIC
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        panic!("the language server panicked: {message}");
    }
}

fn serve_session(bytes: &[u8]) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    // One cache for every session: compiling the policies is what would
    // otherwise cost most of each run.
    static SESSIONS: OnceLock<safeguard_server::SessionCache> = OnceLock::new();
    let options = safeguard_server::ServerOptions {
        check: safeguard_workspace::CheckOptions {
            bundled: policies().clone(),
            ..safeguard_workspace::CheckOptions::default()
        },
        debounce: Duration::ZERO,
        sessions: SESSIONS.get_or_init(Default::default).clone(),
    };
    let replies = Replies::default();
    let input = Input {
        queue: pieces(bytes),
        current: Vec::new(),
        offset: 0,
        replies: Arc::clone(&replies),
        waiting_since: None,
        idle_rounds: 0,
    };
    let output = Output {
        buffer: Vec::new(),
        replies,
        trace: std::env::var_os("SAFEGUARD_FUZZ_TRACE").is_some(),
    };
    runtime.block_on(safeguard_server::serve(input, output, options));
    // Dropping the runtime waits for checks still running on its blocking
    // threads: a check that never ends is a hang here too.
    drop(runtime);
}

/// Sessions around one fixture: a line-per-message session in each
/// position encoding, and the same one as raw frames.
pub fn sessions(path: &Path, bytes: &[u8]) -> Vec<Vec<u8>> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    let (uri, language) = if path.file_name().is_some_and(|n| n == "main.cf") {
        (format!("file://{ROOT}/postfix/main.cf"), "postfix")
    } else {
        (format!("file://{ROOT}/module/main.tf"), "terraform")
    };
    let mut out = Vec::new();
    for encoding in ["utf-8", "utf-16"] {
        let messages = session(&uri, language, text, encoding);
        let mut lines = Vec::new();
        for message in &messages {
            match message {
                None => lines.extend_from_slice(b"WAIT\n"),
                Some(value) => {
                    lines.extend(serde_json::to_vec(value).unwrap_or_default());
                    lines.push(b'\n');
                }
            }
        }
        out.push(lines);
        if encoding == "utf-16" {
            out.push(
                messages
                    .iter()
                    .flatten()
                    .flat_map(|m| frame(&serde_json::to_vec(m).unwrap_or_default()))
                    .collect(),
            );
        }
    }
    out
}

/// One editor session; `None` is a pause for checks to finish.
fn session(uri: &str, language: &str, text: &str, encoding: &str) -> Vec<Option<Value>> {
    let request = |id: i64, method: &str, params: Value| {
        Some(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))
    };
    let notify = |method: &str, params: Value| {
        Some(json!({ "jsonrpc": "2.0", "method": method, "params": params }))
    };
    let doc = json!({ "uri": uri });
    let lines = u32::try_from(text.lines().count()).unwrap_or(0);
    let changed = text.replace("true", "false");
    let everything =
        json!({ "start": { "line": 0, "character": 0 }, "end": { "line": lines, "character": 0 } });
    let mut messages = vec![
        request(
            1,
            "initialize",
            json!({
                "processId": null,
                "rootUri": format!("file://{ROOT}"),
                "capabilities": { "general": { "positionEncodings": [encoding] } },
                "initializationOptions": { "debounceMs": 0 },
            }),
        ),
        notify("initialized", json!({})),
        notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language, "version": 1, "text": text } }),
        ),
        None,
    ];
    let mut id = 2;
    for line in [0, 1, 2, 3, 5, 8, 13] {
        if line < lines {
            messages.push(request(
                id,
                "textDocument/hover",
                json!({ "textDocument": doc, "position": { "line": line, "character": 4 } }),
            ));
            id += 1;
        }
    }
    messages.extend([
        request(
            id,
            "textDocument/codeAction",
            json!({ "textDocument": doc, "range": everything, "context": { "diagnostics": [] } }),
        ),
        notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": changed }] }),
        ),
        None,
        request(
            id + 1,
            "textDocument/codeAction",
            json!({ "textDocument": doc, "range": everything, "context": { "diagnostics": [] } }),
        ),
        notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": 3 },
                    "contentChanges": [{ "range": { "start": { "line": 1, "character": 2 }, "end": { "line": 1, "character": 2 } }, "text": "# edited\n" }] }),
        ),
        None,
        request(
            id + 2,
            "textDocument/hover",
            json!({ "textDocument": doc, "position": { "line": 2, "character": 3 } }),
        ),
        request(
            id + 3,
            "workspace/executeCommand",
            json!({ "command": "safeguard.explain", "arguments": ["aws-kms-key-rotation"] }),
        ),
        request(
            id + 4,
            "safeguard/explain",
            json!({ "rule": "postfix-relayhost-tls-enforced" }),
        ),
        notify(
            "textDocument/didSave",
            json!({ "textDocument": doc, "text": text }),
        ),
        // A changed `.tf` on disk rechecks open documents; a changed
        // `safeguard.toml` would also drop the shared sessions, and reloading
        // them in every run would slow the target to a crawl.
        notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": format!("file://{ROOT}/module/other.tf"), "type": 2 }] }),
        ),
        None,
        notify("textDocument/didClose", json!({ "textDocument": doc })),
        request(id + 5, "shutdown", Value::Null),
        notify("exit", Value::Null),
    ]);
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_framed_and_split_at_wait() {
        assert_eq!(
            pieces(b"{}\nWAIT\nWAIT\nWAIT\n[1]\n\n"),
            VecDeque::from([
                Piece::Bytes(b"Content-Length: 2\r\n\r\n{}".to_vec()),
                Piece::Wait,
                Piece::Bytes(b"Content-Length: 3\r\n\r\n[1]".to_vec()),
            ])
        );
        let raw = b"Content-Length: 2\r\n\r\n{}\nWAIT\n".to_vec();
        assert_eq!(pieces(&raw), VecDeque::from([Piece::Bytes(raw.clone())]));
    }

    #[test]
    fn a_seed_session_runs_and_ends() {
        let text = "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = false\n}\n";
        for session in sessions(Path::new("main.tf"), text.as_bytes()) {
            let started = Instant::now();
            run(&session);
            assert!(started.elapsed() < Duration::from_secs(30));
        }
    }
}
