//! The `ctx` a JS tool handler receives: progress, logs and the request's revision.

use crate::convert::to_json;
use edgemcp::protocol::LogLevel;
use edgemcp::RequestContext;
use wasm_bindgen::prelude::*;

/// What a tool handler can do while it runs: report progress and send log messages to the
/// client (each reaches it only when the request asked for them and the transport can
/// carry them; otherwise they are dropped without error).
///
/// ```js
/// server.tool("count", { description: "Counts to n" }, async ({ n }, ctx) => {
///   for (let i = 1; i <= n; i++) ctx.progress(i, n, `step ${i}`);
///   ctx.log("info", { counted: n });
///   return `counted to ${n}`;
/// });
/// ```
#[wasm_bindgen]
pub struct ToolContext {
    inner: RequestContext,
}

impl ToolContext {
    pub(crate) fn new(inner: RequestContext) -> Self {
        ToolContext { inner }
    }
}

#[wasm_bindgen]
impl ToolContext {
    /// Reports progress: `progress` out of `total` (if known), with a message.
    pub fn progress(&self, progress: f64, total: Option<f64>, message: Option<String>) {
        self.inner.progress(progress, total, message.as_deref());
    }

    /// Sends a log message: `level` is a syslog level (`debug`, `info`, `notice`,
    /// `warning`, `error`, `critical`, `alert`, `emergency`); `data` any JSON value.
    ///
    /// # Errors
    /// Throws when the level is unknown or `data` cannot be turned into JSON.
    pub fn log(&self, level: &str, data: JsValue, logger: Option<String>) -> Result<(), JsError> {
        let level: LogLevel = serde_json::from_value(serde_json::Value::from(level))
            .map_err(|_| JsError::new(&format!("unknown log level {level:?}; use debug, info, notice, warning, error, critical, alert or emergency")))?;
        let data = to_json(&data, "the log data").map_err(|e| JsError::new(e.message()))?;
        self.inner.log(level, logger.as_deref(), data);
        Ok(())
    }

    /// The MCP revision of the request, such as `2025-11-25`.
    #[wasm_bindgen(getter, js_name = protocolVersion)]
    pub fn protocol_version(&self) -> String {
        self.inner.protocol_version().to_string()
    }

    /// Whether the client cancelled the request (`notifications/cancelled` through
    /// `handleMessage`). A long handler checks it between steps and stops: nobody waits
    /// for its answer any more, and none is sent.
    #[wasm_bindgen(getter)]
    pub fn cancelled(&self) -> bool {
        self.inner.is_cancelled()
    }

    /// Whether the client asked for progress (progress calls are dropped otherwise).
    #[wasm_bindgen(getter, js_name = wantsProgress)]
    pub fn wants_progress(&self) -> bool {
        self.inner.wants_progress()
    }
}
