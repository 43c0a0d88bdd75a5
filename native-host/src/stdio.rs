//! `edgemcp stdio`: newline-delimited JSON-RPC on stdin and stdout, for desktop clients.
//!
//! Requests run concurrently; every message the server sends (responses, progress, logs)
//! goes through one writer so lines never interleave. `notifications/cancelled` stops the
//! request it names. The revision negotiated by `initialize` applies to later requests
//! that do not carry their own (2026-07-28 requests carry it in `_meta`).
//!
//! Every message runs as [`Caller::trusted`]: stdio serves the local user who started the
//! process, so access control (`EDGEMCP_AUTH_*`) is not applied here.

use crate::log;
use edgemcp::auth::Caller;
use edgemcp::jsonrpc::{self, Incoming, Message, RequestId};
use edgemcp::protocol::{methods, ProtocolVersion};
use edgemcp::{Outcome, Server};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio::task::AbortHandle;

/// Serves `server` over `input` and `output` until `input` ends.
///
/// # Errors
/// When reading the input fails.
pub async fn run<R, W>(server: Server, input: R, output: W) -> std::io::Result<()>
where
    R: tokio::io::AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (out, mut lines_out) = unbounded_channel::<Vec<u8>>();
    let writer = tokio::spawn(async move {
        let mut output = output;
        while let Some(mut line) = lines_out.recv().await {
            line.push(b'\n');
            if output.write_all(&line).await.is_err() || output.flush().await.is_err() {
                break;
            }
        }
    });
    let session: Arc<Mutex<Option<ProtocolVersion>>> = Arc::default();
    let running: Arc<Mutex<HashMap<RequestId, AbortHandle>>> = Arc::default();
    let mut lines = BufReader::new(input).lines();
    while let Some(line) = lines.next_line().await? {
        if line.trim().is_empty() {
            continue;
        }
        let version = session.lock().ok().and_then(|s| *s);
        match jsonrpc::parse(line.as_bytes()) {
            Incoming::Single(Ok(Message::Request(req))) => {
                let (server, out, session, running2) = (
                    server.clone(),
                    out.clone(),
                    session.clone(),
                    running.clone(),
                );
                let id = req.id.clone();
                let task = tokio::spawn(async move {
                    let (sink, mut notes) = futures_channel::mpsc::unbounded::<Value>();
                    let forward = {
                        let out = out.clone();
                        tokio::spawn(async move {
                            use futures_util::StreamExt;
                            while let Some(note) = notes.next().await {
                                send(&out, &note);
                            }
                        })
                    };
                    let req_id = req.id.clone();
                    let reply = server
                        .handle_request(req, version, Some(sink), Caller::trusted())
                        .await;
                    // Progress and logs go out before the response that ends them.
                    let _ = forward.await;
                    if let Some(negotiated) = reply.negotiated_version() {
                        if let Ok(mut s) = session.lock() {
                            *s = Some(negotiated);
                        }
                    }
                    send(&out, &reply.response);
                    if let Ok(mut r) = running2.lock() {
                        r.remove(&req_id);
                    }
                });
                if let Ok(mut r) = running.lock() {
                    r.insert(id, task.abort_handle());
                }
            }
            Incoming::Single(Ok(Message::Notification(note)))
                if note.method == methods::NOTIFICATION_CANCELLED =>
            {
                let target = note.params.get("requestId").and_then(request_id);
                if let (Some(id), Ok(mut r)) = (target, running.lock()) {
                    if let Some(task) = r.remove(&id) {
                        // The protocol says a cancelled request gets no response.
                        task.abort();
                    }
                }
            }
            other => match server
                .handle_incoming(other, version, Caller::trusted())
                .await
            {
                Outcome::Accepted => {}
                Outcome::One(reply) => send(&out, &reply.response),
                Outcome::Batch(responses) => send(&out, &responses),
            },
        }
    }
    drop(out);
    // Let requests still running finish and their answers reach the output.
    let pending: Vec<AbortHandle> = running
        .lock()
        .map(|r| r.values().cloned().collect())
        .unwrap_or_default();
    while !pending.iter().all(AbortHandle::is_finished) {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let _ = writer.await;
    Ok(())
}

fn request_id(value: &Value) -> Option<RequestId> {
    match value {
        Value::String(s) => Some(RequestId::String(s.clone())),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(RequestId::Number(n.clone())),
        _ => None,
    }
}

fn send(out: &UnboundedSender<Vec<u8>>, message: &impl serde::Serialize) {
    match serde_json::to_vec(message) {
        Ok(line) => {
            let _ = out.send(line);
        }
        Err(err) => log::error(
            "could not encode a message",
            &[("error", err.to_string().into())],
        ),
    }
}
