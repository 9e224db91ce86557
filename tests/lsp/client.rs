//! A minimal LSP client for the protocol tests: spawns `safeguard server`,
//! frames JSON-RPC over its stdio, and collects server messages on a reader
//! thread so a test can wait for a notification with a deadline.
#![allow(dead_code)] // each test uses its own subset

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    /// Messages received while waiting for something else.
    backlog: Vec<Value>,
    next_id: i64,
}

pub const WAIT: Duration = Duration::from_secs(20);

pub fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

impl Client {
    /// Starts the server with `args` after `server` and initializes it with
    /// the given position encodings (`None`: the client lists none).
    pub fn start(root: &Path, encodings: Option<&[&str]>, args: &[&str]) -> (Self, Value) {
        Self::start_with(root, encodings, args, json!({ "debounceMs": 5 }))
    }

    /// [`Client::start`] with the given `initializationOptions`.
    pub fn start_with(
        root: &Path,
        encodings: Option<&[&str]>,
        args: &[&str],
        options: Value,
    ) -> (Self, Value) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_safeguard"))
            .arg("server")
            .args(args)
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("Content-Length header")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let message: Value = serde_json::from_slice(&body).expect("JSON from the server");
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            messages: rx,
            backlog: Vec::new(),
            next_id: 1,
        };
        let mut capabilities = json!({});
        if let Some(list) = encodings {
            capabilities = json!({ "general": { "positionEncodings": list } });
        }
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "capabilities": capabilities,
                "initializationOptions": options,
            }),
        );
        client.notify("initialized", json!({}));
        (client, result)
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its result (panics on an error response).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// Sends a request and returns the whole response.
    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait_for(|m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())
    }

    /// Writes raw bytes to the server, framing and all (malformed input).
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("write");
        self.stdin.flush().expect("flush");
    }

    /// The server's process id (for `/proc` readings).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the server process is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().expect("wait").is_none()
    }

    fn send(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).expect("serialize");
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).expect("write header");
        self.stdin.write_all(&body).expect("write body");
        self.stdin.flush().expect("flush");
    }

    /// The first message (from the backlog, then new ones) matching `want`.
    /// Server requests (`client/registerCapability`) are answered on the way.
    pub fn wait_for(&mut self, want: impl Fn(&Value) -> bool) -> Value {
        self.wait_within(WAIT, want)
    }

    /// [`Client::wait_for`] with its own deadline, for slow work.
    pub fn wait_within(&mut self, wait: Duration, want: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&want) {
            return self.backlog.remove(i);
        }
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(message) => {
                    if message.get("method").is_some() && message.get("id").is_some() {
                        let id = message["id"].clone();
                        self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": null }));
                        continue;
                    }
                    if want(&message) {
                        return message;
                    }
                    self.backlog.push(message);
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "no matching message within {wait:?}; received: {:#?}",
                    self.backlog
                ),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("server closed its output; received: {:#?}", self.backlog)
                }
            }
        }
    }

    /// The next diagnostics published for `uri`.
    pub fn diagnostics(&mut self, uri: &str) -> Value {
        self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        })["params"]
            .clone()
    }

    /// Every message received so far without waiting (after a pause).
    pub fn drain(&mut self, pause: Duration) -> Vec<Value> {
        std::thread::sleep(pause);
        while let Ok(message) = self.messages.try_recv() {
            self.backlog.push(message);
        }
        std::mem::take(&mut self.backlog)
    }

    pub fn open(&mut self, path: &Path, language: &str, version: i64, text: &str) -> String {
        let uri = uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language, "version": version, "text": text } }),
        );
        uri
    }

    pub fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    /// Shuts the server down and asserts it exits cleanly.
    pub fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.success(), "server exited with {status}");
                return;
            }
            assert!(Instant::now() < deadline, "server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `(code, start line, start character, end character, severity)` of each
/// diagnostic, in order.
pub fn summary(params: &Value) -> Vec<(String, u64, u64, u64, u64)> {
    params["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_owned(),
                d["range"]["start"]["line"].as_u64().unwrap_or_default(),
                d["range"]["start"]["character"]
                    .as_u64()
                    .unwrap_or_default(),
                d["range"]["end"]["character"].as_u64().unwrap_or_default(),
                d["severity"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}
