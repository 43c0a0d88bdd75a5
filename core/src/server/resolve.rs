//! Which revision a request speaks, and whether its framing fits that revision.

use super::reply::Failure;
use crate::jsonrpc::{ErrorObject, Request, INVALID_PARAMS};
use crate::protocol::{
    codes, methods, ProtocolVersion, META_CLIENT_CAPABILITIES, META_PROTOCOL_VERSION,
};
use serde_json::{json, Value};

/// Decides the revision of `req`.
///
/// `transport` is what the transport already knows: the `MCP-Protocol-Version` header on
/// HTTP, the negotiated revision on stdio, or nothing.
///
/// - A request whose `_meta` names a revision speaks it (the stateless way). The name must
///   be one this server speaks (-32022) and agree with the transport (-32020); a stateless
///   request must also declare its client capabilities (-32602).
/// - `initialize` speaks the revision negotiation picks.
/// - Anything else speaks the transport's revision, or 2025-03-26 when there is none, as
///   Streamable HTTP prescribes. A transport that says 2026-07-28 without `_meta` is an
///   incomplete stateless request (-32602).
pub(crate) fn resolve_version(
    req: &Request,
    transport: Option<ProtocolVersion>,
) -> Result<ProtocolVersion, Failure> {
    let meta = req.params.get("_meta").and_then(Value::as_object);
    let stated = meta.and_then(|m| m.get(META_PROTOCOL_VERSION));
    let stateless_request = transport.is_some_and(ProtocolVersion::is_stateless)
        || stated
            .and_then(Value::as_str)
            .and_then(|text| text.parse::<ProtocolVersion>().ok())
            .is_some_and(ProtocolVersion::is_stateless);
    // A stateless request has no `initialize`; it falls through to dispatch, which
    // answers -32601 as those revisions require.
    if req.method == methods::INITIALIZE && !stateless_request {
        let requested = req
            .params
            .get("protocolVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        return Ok(ProtocolVersion::negotiate(requested));
    }
    let Some(stated) = stated else {
        return match transport {
            Some(v) if v.is_stateless() => Err(Failure::bad_request(ErrorObject::new(
                INVALID_PARAMS,
                format!(
                    "Requests of protocol version {v} must carry `_meta.{META_PROTOCOL_VERSION}`."
                ),
            ))),
            Some(v) => Ok(v),
            None => Ok(ProtocolVersion::HTTP_DEFAULT),
        };
    };
    let Some(text) = stated.as_str() else {
        return Err(Failure::bad_request(ErrorObject::new(
            INVALID_PARAMS,
            format!("`_meta.{META_PROTOCOL_VERSION}` must be a string."),
        )));
    };
    // Disagreeing versions are a framing error, reported before whether either is spoken.
    if let Some(header) = transport {
        if header.as_str() != text {
            return Err(header_mismatch(format!(
                "The MCP-Protocol-Version header says {header} but `_meta` says {text}; send the same version in both."
            )));
        }
    }
    let version: ProtocolVersion = text.parse().map_err(|_| unsupported_version(text))?;
    if version.is_stateless()
        && !meta.is_some_and(|m| {
            m.get(META_CLIENT_CAPABILITIES)
                .is_some_and(Value::is_object)
        })
    {
        return Err(Failure::bad_request(ErrorObject::new(
            INVALID_PARAMS,
            format!("Requests of protocol version {version} must carry `_meta.{META_CLIENT_CAPABILITIES}` (an object, empty when the client has none)."),
        )));
    }
    Ok(version)
}

/// The -32022 error for a revision this server does not speak.
pub(crate) fn unsupported_version(requested: &str) -> Failure {
    let supported: Vec<&str> = ProtocolVersion::ALL.iter().map(|v| v.as_str()).collect();
    Failure::bad_request(
        ErrorObject::new(
            codes::UNSUPPORTED_PROTOCOL_VERSION,
            "Unsupported protocol version",
        )
        .with_data(json!({"requested": requested, "supported": supported})),
    )
}

/// The -32020 error for headers that disagree with the body or are missing.
pub(crate) fn header_mismatch(message: String) -> Failure {
    Failure::bad_request(ErrorObject::new(codes::HEADER_MISMATCH, message))
}
