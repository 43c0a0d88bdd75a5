//! An SSE body: the request's notifications as they happen, then its response.

use crate::runtime::BoxFuture;
use crate::server::Reply;
use futures_channel::mpsc::UnboundedReceiver;
use futures_util::{Stream, StreamExt};
use serde_json::Value;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields each notification the handler sends, then the final response, then ends.
///
/// Notifications still queued when the handler finishes are sent before the response, so
/// the client never sees progress after the result. Dropping the stream (the client went
/// away) drops the handler: that is how a request is cancelled over HTTP.
pub(crate) struct SseStream {
    /// A notification already taken off the channel, sent first.
    first: Option<Value>,
    notifications: UnboundedReceiver<Value>,
    reply: Option<BoxFuture<'static, Reply>>,
    finished: Option<Reply>,
}

impl SseStream {
    pub(crate) fn new(
        first: Option<Value>,
        notifications: UnboundedReceiver<Value>,
        reply: BoxFuture<'static, Reply>,
    ) -> Self {
        SseStream {
            first,
            notifications,
            reply: Some(reply),
            finished: None,
        }
    }
}

impl Stream for SseStream {
    type Item = Vec<u8>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Vec<u8>>> {
        let this = &mut *self;
        if let Some(note) = this.first.take() {
            return Poll::Ready(Some(event(&note)));
        }
        if let Some(reply) = this.reply.as_mut() {
            if let Poll::Ready(Some(note)) = this.notifications.poll_next_unpin(cx) {
                return Poll::Ready(Some(event(&note)));
            }
            match reply.as_mut().poll(cx) {
                Poll::Ready(reply) => {
                    this.reply = None;
                    this.finished = Some(reply);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
        // The handler is done: drain what it queued, then send the response.
        if let Ok(note) = this.notifications.try_recv() {
            return Poll::Ready(Some(event(&note)));
        }
        Poll::Ready(
            this.finished
                .take()
                .map(|reply| event_of(&reply.into_json())),
        )
    }
}

/// One SSE `message` event carrying `payload` as JSON.
pub(crate) fn event(payload: &impl serde::Serialize) -> Vec<u8> {
    event_of(&serde_json::to_vec(payload).unwrap_or_default())
}

/// One SSE `message` event carrying `json`, already written.
fn event_of(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() + 24);
    out.extend_from_slice(b"event: message\ndata: ");
    out.extend_from_slice(json);
    out.extend_from_slice(b"\n\n");
    out
}
