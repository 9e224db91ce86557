//! The LSP base protocol on a byte stream: `Content-Length` frames in,
//! JSON-RPC messages to the service, responses and server-to-client
//! messages out. It replaces tower-lsp-server's `Server`, whose reader
//! stops for good at the first frame it cannot decode (tokio-util ends a
//! framed stream after a decoder error), so one malformed message would
//! have ended the session. Here a bad frame is answered with a JSON-RPC
//! error (`id: null`) and reading resumes at the next `Content-Length`
//! header; headers and bodies are bounded, so no input makes the server
//! buffer without limit.
//!
//! Requests and notifications are handled one after another, in the order
//! they arrive, while a separate writer drains responses and the server's
//! own messages (diagnostics), so a handler that notifies the client never
//! waits on the reader.

use std::fmt::Display;
use std::panic::AssertUnwindSafe;

use futures::{FutureExt, SinkExt, StreamExt};
use serde_json::Value as Json;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tower_lsp_server::ClientSocket;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Id, Request, Response};
use tower_service::Service;

/// A message body larger than this is skipped unread (and answered with an
/// error). It leaves room for a document at the CLI's default file-size
/// limit (64 MiB) even with every character escaped in JSON.
pub const MAX_MESSAGE_BYTES: usize = 512 << 20;

/// One header line longer than this is not a header.
const MAX_HEADER_LINE: u64 = 8 * 1024;

/// What the next frame of the input is.
enum Frame {
    Body(Vec<u8>),
    /// A frame that could not be read; reading resumes after it.
    Bad(String),
    Eof,
}

/// An outgoing message.
enum Outgoing {
    Response(Response),
    Request(Request),
}

/// Serves `service` on `input`/`output` until the input ends or the client
/// sends `exit`.
pub async fn serve<I, O, S>(input: I, output: O, mut service: S, socket: ClientSocket)
where
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
    S: Service<Request, Response = Option<Response>>,
    S::Error: Display,
{
    let (mut client_requests, mut client_responses) = socket.split();
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Outgoing>();
    let (work_tx, mut work_rx) = mpsc::unbounded_channel::<Request>();

    let read = {
        let out_tx = out_tx.clone();
        async move {
            let mut reader = BufReader::new(input);
            let mut resync = false;
            let mut notes = Vec::new();
            loop {
                let frame = next_frame(&mut reader, &mut resync, &mut notes).await;
                for note in notes.drain(..) {
                    let _ = out_tx.send(Outgoing::Response(error(
                        Id::Null,
                        ErrorCode::ParseError,
                        note,
                    )));
                }
                let Ok(frame) = frame else { break };
                let body = match frame {
                    Frame::Eof => break,
                    Frame::Bad(message) => {
                        let _ = out_tx.send(Outgoing::Response(error(
                            Id::Null,
                            ErrorCode::ParseError,
                            message,
                        )));
                        continue;
                    }
                    Frame::Body(body) => body,
                };
                match classify(&body) {
                    Incoming::Request(request) => {
                        let exit = request.method() == "exit";
                        let _ = work_tx.send(request);
                        if exit {
                            break;
                        }
                    }
                    Incoming::Response(response) => {
                        // The client answering one of our requests; if the
                        // service is gone there is nobody to tell.
                        let _ = client_responses.send(response).await;
                    }
                    Incoming::Invalid(response) => {
                        let _ = out_tx.send(Outgoing::Response(response));
                    }
                }
            }
            drop(work_tx);
        }
    };

    let handle = {
        let out_tx = out_tx.clone();
        async move {
            while let Some(request) = work_rx.recv().await {
                // The service is called only now, in arrival order: it
                // decides by its state at call time (a request before
                // `initialize` has finished is refused), so calling it as
                // frames are read could refuse messages sent in order.
                let id = request.id().cloned();
                if std::future::poll_fn(|cx| service.poll_ready(cx))
                    .await
                    .is_err()
                {
                    break;
                }
                // A handler that panics answers its request with an
                // internal error; the session goes on.
                let outcome =
                    match std::panic::catch_unwind(AssertUnwindSafe(|| service.call(request))) {
                        Ok(work) => AssertUnwindSafe(work).catch_unwind().await,
                        Err(panic) => Err(panic),
                    };
                match outcome {
                    Ok(Ok(Some(response))) => {
                        let _ = out_tx.send(Outgoing::Response(response));
                    }
                    Ok(Ok(None)) => {}
                    // Only after `exit`: nothing more to answer.
                    Ok(Err(_)) => break,
                    Err(_) => {
                        if let Some(id) = id {
                            let _ = out_tx.send(Outgoing::Response(error(
                                id,
                                ErrorCode::InternalError,
                                "the server failed on this request",
                            )));
                        }
                    }
                }
            }
        }
    };
    // The reader and the handler hold the other senders; when both are
    // done, the writer has written everything they produced.
    drop(out_tx);

    let write = async move {
        let mut output = output;
        loop {
            let message = tokio::select! {
                biased;
                message = out_rx.recv() => match message {
                    Some(message) => message,
                    None => break,
                },
                Some(request) = client_requests.next() => Outgoing::Request(request),
            };
            let body = match &message {
                Outgoing::Response(response) => serde_json::to_vec(response),
                Outgoing::Request(request) => serde_json::to_vec(request),
            };
            let Ok(body) = body else { continue };
            let header = format!("Content-Length: {}\r\n\r\n", body.len());
            let written = async {
                output.write_all(header.as_bytes()).await?;
                output.write_all(&body).await?;
                output.flush().await
            };
            if written.await.is_err() {
                // The client is gone; keep draining so nothing blocks.
                while out_rx.recv().await.is_some() {}
                break;
            }
        }
    };

    tokio::join!(read, handle, write);
}

fn error(id: Id, code: ErrorCode, message: impl Into<String>) -> Response {
    Response::from_error(
        id,
        Error {
            code,
            message: message.into().into(),
            data: None,
        },
    )
}

/// What a well-framed body holds.
enum Incoming {
    Request(Request),
    Response(Response),
    /// Not a JSON-RPC message: the error response to send.
    Invalid(Response),
}

fn classify(body: &[u8]) -> Incoming {
    let value: Json = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => {
            return Incoming::Invalid(error(
                Id::Null,
                ErrorCode::ParseError,
                format!("the message is not JSON: {e}"),
            ));
        }
    };
    // The id to answer with, when the message has a usable one.
    let id = value
        .get("id")
        .and_then(|id| serde_json::from_value::<Id>(id.clone()).ok())
        .unwrap_or(Id::Null);
    let invalid =
        |what: String| Incoming::Invalid(error(id.clone(), ErrorCode::InvalidRequest, what));
    if !value.is_object() {
        return invalid("a JSON-RPC message is an object".to_owned());
    }
    if value.get("method").is_some() {
        return match serde_json::from_value::<Request>(value) {
            Ok(request) => Incoming::Request(request),
            Err(e) => invalid(format!("not a JSON-RPC request: {e}")),
        };
    }
    if value.get("id").is_some() && (value.get("result").is_some() || value.get("error").is_some())
    {
        return match serde_json::from_value::<Response>(value) {
            Ok(response) => Incoming::Response(response),
            Err(e) => invalid(format!("not a JSON-RPC response: {e}")),
        };
    }
    invalid("neither a request, a notification nor a response".to_owned())
}

/// Reads the next frame. `resync` is set after a bad header block: the
/// body that followed it has an unknown length, so lines are skipped until
/// one holds a `Content-Length` header (it may start mid-line, right after
/// the lost body).
async fn next_frame<I: AsyncRead + Unpin>(
    reader: &mut BufReader<I>,
    resync: &mut bool,
    notes: &mut Vec<String>,
) -> std::io::Result<Frame> {
    let mut length: Option<Result<usize, String>> = None;
    let mut in_headers = false;
    let mut problem: Option<String> = None;
    let mut skipped = 0usize;
    loop {
        let mut line = Vec::new();
        let read = (&mut *reader)
            .take(MAX_HEADER_LINE)
            .read_until(b'\n', &mut line)
            .await?;
        if read == 0 {
            return Ok(Frame::Eof);
        }
        let complete = line.ends_with(b"\n");
        let text = String::from_utf8_lossy(&line);
        let mut text = text.trim_end_matches(['\r', '\n']);
        if !in_headers {
            if text.is_empty() && complete {
                continue;
            }
            // A frame starts at a header; anything before it on the line
            // (or on earlier lines) is skipped and reported once.
            let starts = |name: &str| {
                text.get(..name.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(name))
            };
            let at = if starts("Content-Length") || starts("Content-Type") {
                Some(0)
            } else {
                text.find("Content-Length")
            };
            let Some(at) = at else {
                skipped += line.len();
                continue;
            };
            skipped += at;
            if skipped > 0 && !*resync {
                notes.push(format!(
                    "skipped {skipped} bytes that are not an LSP message header"
                ));
            }
            *resync = false;
            in_headers = true;
            text = &text[at..];
        } else if text.is_empty() && complete {
            break;
        }
        if !complete {
            problem.get_or_insert_with(|| "header line too long".to_owned());
            continue;
        }
        header_line(text, &mut length, &mut problem);
    }
    let length = match length {
        Some(Ok(length)) => length,
        Some(Err(message)) => {
            *resync = true;
            return Ok(Frame::Bad(message));
        }
        None => {
            *resync = true;
            return Ok(Frame::Bad(
                problem.unwrap_or_else(|| "missing Content-Length header".to_owned()),
            ));
        }
    };
    // With a length, a frame that cannot be used is skipped exactly.
    let refused = problem.or_else(|| {
        (length > MAX_MESSAGE_BYTES).then(|| {
            format!("message of {length} bytes skipped: over the {MAX_MESSAGE_BYTES}-byte limit")
        })
    });
    if let Some(message) = refused {
        let discarded = tokio::io::copy(
            &mut (&mut *reader).take(length as u64),
            &mut tokio::io::sink(),
        )
        .await?;
        if discarded < length as u64 {
            return Ok(Frame::Eof);
        }
        return Ok(Frame::Bad(message));
    }
    // Read in steps, so a header promising more than arrives does not
    // allocate it all up front.
    let mut body = Vec::with_capacity(length.min(1 << 20));
    let got = (&mut *reader)
        .take(length as u64)
        .read_to_end(&mut body)
        .await?;
    if got < length {
        return Ok(Frame::Eof);
    }
    Ok(Frame::Body(body))
}

/// One `Name: value` header line of a frame.
fn header_line(
    text: &str,
    length: &mut Option<Result<usize, String>>,
    problem: &mut Option<String>,
) {
    match text.split_once(':') {
        Some((name, value)) if name.eq_ignore_ascii_case("Content-Length") => {
            let value = value.trim();
            *length = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| format!("bad Content-Length header value {value:?}")),
            );
        }
        Some((name, value)) if name.eq_ignore_ascii_case("Content-Type") => {
            let charset = value
                .split(';')
                .skip(1)
                .map(str::trim)
                .find_map(|p| p.strip_prefix("charset="));
            if !matches!(charset, None | Some("utf-8" | "utf8")) {
                problem
                    .get_or_insert_with(|| format!("unsupported Content-Type {:?}", value.trim()));
            }
        }
        // Other headers are allowed and mean nothing to us.
        Some(_) => {}
        None => {
            problem.get_or_insert_with(|| format!("malformed header line {text:?}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn frames(input: &[u8]) -> Vec<String> {
        let mut reader = BufReader::new(input);
        let mut resync = false;
        let mut out = Vec::new();
        loop {
            let mut notes = Vec::new();
            let frame = next_frame(&mut reader, &mut resync, &mut notes)
                .await
                .unwrap();
            out.extend(notes.into_iter().map(|n| format!("note: {n}")));
            match frame {
                Frame::Eof => return out,
                Frame::Bad(message) => out.push(format!("bad: {message}")),
                Frame::Body(body) => out.push(String::from_utf8(body).unwrap()),
            }
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn frames_resume_after_bad_headers_and_garbage() {
        let input = b"Content-Length: 2\r\n\r\n{}\
Content-Length: abc\r\n\r\n{\"lost\":1}Content-Length: 4\r\n\r\n[1,2]\
garbage\r\nContent-Length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}\
Content-Length: 9\r\n\r\n{}";
        assert_eq!(
            frames(input).await,
            vec![
                "{}".to_owned(),
                "bad: bad Content-Length header value \"abc\"".to_owned(),
                "[1,2".to_owned(),
                "note: skipped 10 bytes that are not an LSP message header".to_owned(),
                "{}".to_owned(),
            ]
        );
        // Content-Type first is fine; a charset other than UTF-8 is not,
        // nor is a block without a length.
        assert_eq!(
            frames(b"Content-Type: application/vscode-jsonrpc\r\nContent-Length: 2\r\n\r\n{}Content-Type: x; charset=latin1\r\nContent-Length: 2\r\n\r\n{}Content-Type: x\r\n\r\n{}Content-Length: 2\r\n\r\n[]").await,
            vec![
                "{}".to_owned(),
                "bad: unsupported Content-Type \"x; charset=latin1\"".to_owned(),
                "bad: missing Content-Length header".to_owned(),
                "[]".to_owned()
            ]
        );
        assert_eq!(
            frames(b"Content-Length: 2\r\nX\r\n\r\n{}Content-Length: 2\r\n\r\n{}").await,
            vec![
                "bad: malformed header line \"X\"".to_owned(),
                "{}".to_owned()
            ]
        );
    }

    #[test]
    fn bodies_are_classified() {
        let kind = |body: &str| match classify(body.as_bytes()) {
            Incoming::Request(r) => format!("request {}", r.method()),
            Incoming::Response(_) => "response".to_owned(),
            Incoming::Invalid(r) => serde_json::to_string(&r).unwrap(),
        };
        assert_eq!(
            kind(r#"{"jsonrpc":"2.0","id":1,"method":"hover"}"#),
            "request hover"
        );
        assert_eq!(
            kind(r#"{"jsonrpc":"2.0","id":1,"result":null}"#),
            "response"
        );
        assert_eq!(
            kind("{not json"),
            r#"{"jsonrpc":"2.0","error":{"code":-32700,"message":"the message is not JSON: key must be a string at line 1 column 2"},"id":null}"#
        );
        assert_eq!(
            kind(r#"{"jsonrpc":"1.0","id":7,"method":"x"}"#),
            r#"{"jsonrpc":"2.0","error":{"code":-32600,"message":"not a JSON-RPC request: expected JSON-RPC version \"2.0\""},"id":7}"#
        );
        assert_eq!(
            kind("[]"),
            r#"{"jsonrpc":"2.0","error":{"code":-32600,"message":"a JSON-RPC message is an object"},"id":null}"#
        );
    }
}
