//! `edgemcp stdio`: newline-delimited JSON-RPC on stdin and stdout, for desktop clients.
//!
//! Requests run concurrently; every message the server sends (responses, progress, logs,
//! and the progress and status of tasks after their call was answered) goes through one
//! writer so lines never interleave. `notifications/cancelled` stops the
//! request it names (see [`Session`]): its handler is dropped and no response is sent. The revision negotiated by `initialize` applies to later requests
//! that do not carry their own (2026-07-28 requests carry it in `_meta`).
//!
//! Every message runs as [`Caller::trusted`]: stdio serves the local user who started the
//! process, so access control (`EDGEMCP_AUTH_*`) is not applied here.

use crate::log;
use edgemcp::auth::Caller;
use edgemcp::jsonrpc;
use edgemcp::{Notifier, Outcome, Server, Session};
use serde_json::Value;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

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
    // What comes after its request's answer (a task's progress and status) goes out as it
    // comes, through the same writer; tasks may outlive the input, so this forwarding is
    // stopped, not awaited, when the input ends.
    let (later, mut later_lines) = unbounded_channel::<Vec<u8>>();
    let forward_later = {
        let out = out.clone();
        tokio::spawn(async move {
            while let Some(line) = later_lines.recv().await {
                if out.send(line).is_err() {
                    break;
                }
            }
        })
    };
    let session = Arc::new(Session::new().with_notifier(move |note: Value| send(&later, &note)));
    let mut running = tokio::task::JoinSet::new();
    let mut lines = BufReader::new(input).lines();
    while let Some(line) = lines.next_line().await? {
        if line.trim().is_empty() {
            continue;
        }
        // Progress and logs go to the writer as they are made, so they always precede
        // the answer that ends their request.
        let notes: Arc<dyn Notifier> = {
            let out = out.clone();
            Arc::new(move |note: Value| send(&out, &note))
        };
        // Started here, on the reading task: the session knows the request before the
        // next line (perhaps its cancellation) is read.
        let answer = server.start_in_session(
            &session,
            jsonrpc::parse(line.as_bytes()),
            Some(notes),
            Caller::trusted(),
        );
        let out = out.clone();
        running.spawn(async move {
            let outcome = answer.await;
            match outcome {
                Outcome::Accepted => {}
                Outcome::One(reply) => {
                    let _ = out.send(reply.into_json());
                }
                Outcome::Batch(responses) => send(&out, &responses),
            }
        });
        // Finished tasks are reaped as we go, so a long session holds only what runs.
        while running.try_join_next().is_some() {}
    }
    // Let requests still running finish and their answers reach the output.
    while running.join_next().await.is_some() {}
    forward_later.abort();
    drop(out);
    let _ = writer.await;
    Ok(())
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
