//! What a client is told when a request fails, and what the operator's log is told.
//!
//! Errors written for users ([`ErrorKind::is_internal`](crate::ErrorKind::is_internal) is
//! false) reach the client as they are. Internal and backend failures do not: their text
//! can hold paths, hostnames and engine messages. The client gets a short generic message
//! with a correlation id, and the log gets the same id with the full text.

use super::Server;
use crate::jsonrpc::ErrorObject;
use crate::runtime::Severity;
use crate::Error;
use serde_json::json;

/// Where a failure happened, for the log line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct During<'a> {
    /// The JSON-RPC method.
    pub(crate) method: &'a str,
    /// The tool or prompt name or the resource URI, when the request names one.
    pub(crate) target: Option<&'a str>,
}

impl Server {
    /// The text a client sees for `err`: its own for an error written for users; a
    /// generic one with a correlation id for an internal failure, whose detail is logged.
    pub(crate) fn client_message(&self, err: &Error, during: During<'_>) -> String {
        if !err.kind().is_internal() {
            return err.to_string();
        }
        let id = self.log_failure(err, during);
        generic_message(err, &id)
    }

    /// The JSON-RPC error a client sees for `err` (see
    /// [`client_message`](Self::client_message)); an internal one carries
    /// `data.correlationId`.
    pub(crate) fn client_error(&self, err: &Error, during: During<'_>) -> ErrorObject {
        let code = err.kind().jsonrpc_code();
        if !err.kind().is_internal() {
            return ErrorObject::new(code, err.to_string());
        }
        let id = self.log_failure(err, during);
        ErrorObject::new(code, generic_message(err, &id)).with_data(json!({"correlationId": id}))
    }

    /// Logs `err` in full under a new correlation id, and returns the id.
    fn log_failure(&self, err: &Error, during: During<'_>) -> String {
        let id = self.correlation_id();
        let mut fields = vec![
            ("correlation_id", json!(id)),
            ("kind", json!(err.kind().as_str())),
            ("method", json!(during.method)),
            ("error", json!(err.to_string())),
        ];
        if let Some(target) = during.target {
            fields.push(("target", json!(target)));
        }
        if err.is_temporary() {
            fields.push(("temporary", json!(true)));
        }
        if let Some(source) = std::error::Error::source(err) {
            fields.push(("source", json!(source.to_string())));
        }
        self.inner
            .runtime
            .log(Severity::Error, "request failed", &fields);
        id
    }

    /// 16 hex digits from the host's random source (the clock, should it fail).
    fn correlation_id(&self) -> String {
        crate::util::random_hex(&self.inner.runtime, 8)
    }
}

/// The message an internal failure reaches the client as.
fn generic_message(err: &Error, id: &str) -> String {
    if err.is_temporary() {
        format!(
            "A backend of this server is unavailable for now ({}); try again shortly. \
             Correlation id: {id}.",
            err.kind()
        )
    } else {
        format!(
            "The server failed ({}); its operator can find the details under correlation \
             id {id}.",
            err.kind()
        )
    }
}
