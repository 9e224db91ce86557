//! The language server under hostile or broken clients (issue 9): malformed
//! frames, unknown methods, requests for documents it does not have,
//! out-of-range edits and a 50 MB document. After each, the same session
//! must still answer exactly: the hover and diagnostics of a real document
//! are what they are in a clean session.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::client::{Client, summary, uri};
use super::{KMS_FAIL, KMS_PASS, module, root};

/// The failing KMS key's diagnostic: `(code, line, start, end, severity)`.
fn kms_finding(line: u64) -> Vec<(String, u64, u64, u64, u64)> {
    vec![("aws-kms-key-rotation".into(), line, 2, 29, 3)]
}

/// Proves the session still works: a hover on the failing attribute of
/// `main` (open with KMS_FAIL at `version`) gives its exact range and rule,
/// then fixing the buffer clears its diagnostics.
fn still_serving(client: &mut Client, main: &str, version: i64) {
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": main }, "position": { "line": 3, "character": 10 } }),
    );
    assert_eq!(
        hover["range"],
        json!({ "start": { "line": 3, "character": 2 }, "end": { "line": 3, "character": 29 } })
    );
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("`aws-kms-key-rotation`"), "{hover}");
    client.change(main, version + 1, KMS_PASS);
    let params = client.diagnostics(main);
    assert_eq!(params["version"], version + 1);
    assert_eq!(params["diagnostics"], json!([]));
    client.change(main, version + 2, KMS_FAIL);
    let params = client.diagnostics(main);
    assert_eq!(summary(&params), kms_finding(3));
}

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn error_of(message: &Value) -> (Value, i64, String) {
    (
        message["id"].clone(),
        message["error"]["code"].as_i64().unwrap_or_default(),
        message["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

fn is_error(message: &Value) -> bool {
    message.get("error").is_some() && message.get("method").is_none()
}

#[test]
fn malformed_messages_are_answered_and_the_session_goes_on() {
    let dir = module(&[("main.tf", KMS_FAIL)]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, Some(&["utf-16"]), &[]);
    let main = client.open(&root.join("main.tf"), "terraform", 1, KMS_FAIL);
    assert_eq!(summary(&client.diagnostics(&main)), kms_finding(3));

    // Bad JSON in a valid frame.
    client.send_bytes(&frame("{\"jsonrpc\": \"2.0\", \"id\": 50, \"method\": "));
    let error = client.wait_for(is_error);
    assert_eq!(
        error_of(&error),
        (
            Value::Null,
            -32700,
            "the message is not JSON: EOF while parsing a value at line 1 column 39".to_owned()
        )
    );
    // A bad Content-Length: the body after it has no known length and is
    // skipped (its request is never run), up to the next header.
    client.send_bytes(
        b"Content-Length: forty\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":51,\"method\":\"shutdown\"}",
    );
    let error = client.wait_for(is_error);
    assert_eq!(
        error_of(&error),
        (
            Value::Null,
            -32700,
            "bad Content-Length header value \"forty\"".to_owned()
        )
    );
    // JSON that is no JSON-RPC message (the next frame after the lost
    // body: reading is back in step).
    client.send_bytes(&frame("{\"jsonrpc\":\"2.0\",\"id\":52}"));
    let error = client.wait_for(is_error);
    assert_eq!(
        error_of(&error),
        (
            json!(52),
            -32600,
            "neither a request, a notification nor a response".to_owned()
        )
    );
    // Garbage between frames: reported once, the next frame is read.
    client.send_bytes(b"hello\r\n");
    let response = client.request_raw(
        "safeguard/explain",
        json!({ "rule": "aws-kms-key-rotation" }),
    );
    assert!(
        response["result"]
            .as_str()
            .is_some_and(|t| t.contains("rotat")),
        "{response}"
    );
    let error = client.wait_for(is_error);
    assert_eq!(
        error_of(&error),
        (
            Value::Null,
            -32700,
            "skipped 7 bytes that are not an LSP message header".to_owned()
        )
    );
    // A request with parameters of the wrong shape.
    let response = client.request_raw("textDocument/hover", json!({ "position": "here" }));
    assert_eq!(response["error"]["code"], -32602, "{response}");

    still_serving(&mut client, &main, 1);
    let stray: Vec<Value> = client
        .drain(Duration::from_millis(200))
        .into_iter()
        .filter(|m| m["id"] == json!(51) || m["id"] == json!(50))
        .collect();
    assert_eq!(stray, Vec::<Value>::new(), "the lost requests never ran");
    client.shutdown();
}

#[test]
fn unknown_methods_are_method_not_found_or_ignored() {
    let dir = module(&[("main.tf", KMS_FAIL)]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, Some(&["utf-16"]), &[]);
    let main = client.open(&root.join("main.tf"), "terraform", 1, KMS_FAIL);
    client.diagnostics(&main);

    let response = client.request_raw("safeguard/frobnicate", json!({ "x": 1 }));
    assert_eq!(response["error"]["code"], -32601, "{response}");
    assert_eq!(response["error"]["data"], "safeguard/frobnicate");
    // A standard method the server does not implement.
    let response = client.request_raw(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": main } }),
    );
    assert_eq!(response["error"]["code"], -32601, "{response}");
    // Unknown notifications, with and without the `$/` prefix: no answer.
    client.notify("safeguard/frobnicated", json!({ "x": 1 }));
    client.notify("$/setTrace", json!({ "value": "verbose" }));
    client.notify("workspace/didChangeConfiguration", json!(null));

    still_serving(&mut client, &main, 1);
    let answers: Vec<Value> = client
        .drain(Duration::from_millis(200))
        .into_iter()
        .filter(|m| m.get("id").is_some() && m.get("method").is_none())
        .collect();
    assert_eq!(answers, Vec::<Value>::new(), "notifications get no answer");
    client.shutdown();
}

#[test]
fn requests_for_documents_the_server_does_not_have() {
    let dir = module(&[("main.tf", KMS_FAIL)]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, Some(&["utf-16"]), &[]);
    let main = client.open(&root.join("main.tf"), "terraform", 1, KMS_FAIL);
    client.diagnostics(&main);

    let range =
        json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 9, "character": 0 } });
    for unknown in [
        uri(&root.join("never-opened.tf")),
        uri(Path::new("/nonexistent/dir/main.tf")),
        "untitled:Untitled-1".to_owned(),
        "https://example.com/main.tf".to_owned(),
    ] {
        let hover = client.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": unknown }, "position": { "line": 3, "character": 10 } }),
        );
        assert_eq!(hover, Value::Null, "{unknown}");
        let actions = client.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": unknown }, "range": range, "context": { "diagnostics": [] } }),
        );
        assert_eq!(actions, Value::Null, "{unknown}");
        // Closing or saving what was never opened changes nothing.
        client.notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": unknown } }),
        );
        client.notify(
            "textDocument/didSave",
            json!({ "textDocument": { "uri": unknown }, "text": KMS_FAIL }),
        );
    }
    // Positions far outside the open document.
    for (line, character) in [(4_294_967_295u64, 4_294_967_295u64), (3, 4_294_967_295)] {
        let hover = client.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": main }, "position": { "line": line, "character": character } }),
        );
        assert_eq!(hover, Value::Null);
    }
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": main },
                "range": { "start": { "line": 4_294_967_295u64, "character": 0 }, "end": { "line": 4_294_967_295u64, "character": 0 } },
                "context": { "diagnostics": [] } }),
    );
    assert_eq!(actions, json!([]));

    still_serving(&mut client, &main, 1);
    client.shutdown();
}

#[test]
fn out_of_range_edits_are_clamped_and_logged() {
    let dir = module(&[("main.tf", KMS_PASS)]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, Some(&["utf-16"]), &[]);
    let main = client.open(&root.join("main.tf"), "terraform", 1, KMS_PASS);
    assert_eq!(client.diagnostics(&main)["diagnostics"], json!([]));
    let ranged = |client: &mut Client, version: i64, range: Value, text: &str| {
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": main, "version": version },
                    "contentChanges": [{ "range": range, "text": text }] }),
        );
    };
    let logged = |client: &mut Client| {
        client.wait_for(|m| m["method"] == "window/logMessage" && m["params"]["type"] == 2)
            ["params"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };

    // A range past the end: the text lands at the end of the document.
    let second = "resource \"aws_kms_key\" \"k2\" {\n  enable_key_rotation = false\n}\n";
    ranged(
        &mut client,
        2,
        json!({ "start": { "line": 100, "character": 0 }, "end": { "line": 4_294_967_295u64, "character": 7 } }),
        second,
    );
    assert_eq!(
        logged(&mut client),
        format!(
            "didChange of {main} (version 2): edit range 100:0-4294967295:7 reaches past the document and was clamped to it"
        )
    );
    let params = client.diagnostics(&main);
    assert_eq!(params["version"], 2);
    assert_eq!(
        summary(&params),
        vec![("aws-kms-key-rotation".into(), 6, 2, 29, 3)]
    );

    // An inverted range (end before start): applied with its ends swapped,
    // here deleting the first resource (lines 1 to 4).
    ranged(
        &mut client,
        3,
        json!({ "start": { "line": 5, "character": 0 }, "end": { "line": 1, "character": 0 } }),
        "",
    );
    assert_eq!(
        logged(&mut client),
        format!(
            "didChange of {main} (version 3): edit range 5:0-1:0 ends before it starts and was applied with its ends swapped"
        )
    );
    let params = client.diagnostics(&main);
    assert_eq!(params["version"], 3);
    assert_eq!(
        summary(&params),
        vec![("aws-kms-key-rotation".into(), 2, 2, 29, 3)]
    );

    // A ranged edit of a document that is not open is ignored.
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&root.join("other.tf")), "version": 1 },
                "contentChanges": [{ "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "text": "x" }] }),
    );
    assert!(logged(&mut client).ends_with("an edit of a document that is not open was ignored"));

    // Back to the known text: the session answers as a fresh one does.
    client.change(&main, 4, KMS_FAIL);
    assert_eq!(summary(&client.diagnostics(&main)), kms_finding(3));
    still_serving(&mut client, &main, 4);
    client.shutdown();
}

/// `VmHWM` (peak resident memory) of a process, in kB.
fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A 50 MB buffer: the failing key, then comment lines (a generated file,
/// a vendored blob pasted in). It is checked like any other, with the exact
/// finding, the server's peak memory stays under 500 MB, and closing it
/// lets go of it.
#[test]
fn a_50_mb_document() {
    const SIZE: usize = 50 * 1024 * 1024;
    let dir = module(&[("main.tf", KMS_PASS)]);
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, Some(&["utf-16"]), &[]);
    let main = client.open(&root.join("main.tf"), "terraform", 1, KMS_FAIL);
    assert_eq!(summary(&client.diagnostics(&main)), kms_finding(3));

    let mut big = String::with_capacity(SIZE + 100);
    big.push_str(KMS_FAIL);
    let filler = "# generated: the quick brown fox jumps over the lazy dog 0123456789\n";
    while big.len() + filler.len() <= SIZE {
        big.push_str(filler);
    }
    let started = Instant::now();
    client.change(&main, 2, &big);
    // A debug build on a busy machine takes its time over 50 MB.
    let params = client.wait_within(Duration::from_secs(180), |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == main
    })["params"]
        .clone();
    assert_eq!(params["version"], 2);
    assert_eq!(summary(&params), kms_finding(3));
    let took = started.elapsed();
    drop(big);

    still_serving(&mut client, &main, 2);
    #[cfg(target_os = "linux")]
    {
        let peak = peak_rss_kb(client.pid()).expect("VmHWM");
        eprintln!("server peak RSS after the 50 MB document: {peak} kB");
        assert!(
            peak < 500 * 1024,
            "peak RSS {peak} kB after the 50 MB document"
        );
    }
    // Closed, the buffer is gone: an edit of it is refused as not open, and
    // a hover finds nothing.
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": main } }),
    );
    assert_eq!(client.diagnostics(&main)["diagnostics"], json!([]));
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": main, "version": 9 },
                "contentChanges": [{ "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "text": "x" }] }),
    );
    let log = client.wait_for(|m| m["method"] == "window/logMessage" && m["params"]["type"] == 2);
    assert!(
        log["params"]["message"]
            .as_str()
            .unwrap_or_default()
            .ends_with("an edit of a document that is not open was ignored"),
        "{log}"
    );
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": main }, "position": { "line": 3, "character": 10 } }),
    );
    assert_eq!(hover, Value::Null);
    assert!(client.running());
    eprintln!("50 MB document checked in {took:?}");
    client.shutdown();
}

/// An open buffer is held to `[limits] max-file-size` as the file on disk
/// is: over it, one error and no findings; back under it, checked again.
#[test]
fn a_buffer_over_the_file_size_limit_is_an_error() {
    let dir = module(&[("main.tf", KMS_FAIL)]);
    std::fs::write(
        dir.path().join("safeguard.toml"),
        "ignore = [\"baa-scope\"]\n\n[limits]\nmax-file-size = 200\n",
    )
    .unwrap();
    let root = root(&dir);
    let (mut client, _) = Client::start(&root, Some(&["utf-16"]), &[]);
    let main = client.open(&root.join("main.tf"), "terraform", 1, KMS_FAIL);
    assert_eq!(summary(&client.diagnostics(&main)), kms_finding(3));
    let big = format!("{KMS_FAIL}{}", "# padding\n".repeat(20));
    client.change(&main, 2, &big);
    let params = client.diagnostics(&main);
    let messages: Vec<(&str, &str)> = params["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default(),
                d["message"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        messages,
        vec![(
            "input-error",
            format!(
                "buffer is {} bytes, over the 200-byte limit (max-file-size); not checked",
                big.len()
            )
            .as_str()
        )]
    );
    client.change(&main, 3, KMS_FAIL);
    assert_eq!(summary(&client.diagnostics(&main)), kms_finding(3));
    still_serving(&mut client, &main, 3);
    client.shutdown();
}
