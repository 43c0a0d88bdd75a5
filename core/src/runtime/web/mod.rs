//! The runtime of JavaScript hosts: `Date.now()`, `setTimeout`,
//! `crypto.getRandomValues`, `fetch`, `crypto.subtle` and `console`, found on
//! `globalThis` in workerd, browsers, service workers, Node 18+, Deno and Bun.
//!
//! **Requires** the `web` feature, on `wasm32` only.
//!
//! ```ignore
//! let server = edgemcp::Server::builder("demo", "1.0.0")
//!     .build(edgemcp::runtime::web::runtime())?;
//! ```

mod fetch;
mod subtle;

use super::{BoxFuture, Clock, LogEvent, Logger, Rng, Runtime, Severity, Timer};
use crate::{Error, ErrorKind};
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};

/// The runtime of this JavaScript host. Log events go to `console` as one JSON line each
/// (which Workers Logs and most collectors index by field); replace the logger with
/// [`Runtime::with_logger`].
pub fn runtime() -> Runtime {
    Runtime::new(DateClock, TimeoutTimer, WebCryptoRng)
        .with_http_client(fetch::GlobalFetch)
        .with_signature_verifier(subtle::SubtleSignatures)
        .with_logger(ConsoleLogger)
}

/// Runs work after a response on the host's event loop (`spawn_local`): for a page, a
/// service worker, Node, Deno or Bun, the work lives as long as the page or process
/// does. Not for a Worker isolate, which may be gone once its response is sent (a Worker
/// keeps tasks in a Durable Object instead).
#[derive(Debug, Clone, Copy, Default)]
pub struct EventLoopSpawner;

impl crate::runtime::Spawner for EventLoopSpawner {
    fn spawn(&self, work: crate::runtime::BoxFuture<'static, ()>) {
        wasm_bindgen_futures::spawn_local(work);
    }
}

/// The default logger of this host: each event as one JSON line on `console` (`error`,
/// `warn`, or `log`), which Workers Logs and most collectors index by field.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsoleLogger;

impl Logger for ConsoleLogger {
    fn log(&self, event: &LogEvent<'_>) {
        let Some(console) = property(&js_sys::global(), "console") else {
            return;
        };
        let name = match event.severity {
            Severity::Error => "error",
            Severity::Warn => "warn",
            Severity::Info | Severity::Debug => "log",
        };
        if let Some(print) = method(&console, name) {
            let line = JsValue::from_str(&event.to_json().to_string());
            let _ = print.call1(&console, &line);
        }
    }
}

struct DateClock;

impl Clock for DateClock {
    fn now_unix_ms(&self) -> u64 {
        // Date.now() is a whole, non-negative number of milliseconds.
        js_sys::Date::now() as u64
    }
}

struct TimeoutTimer;

impl Timer for TimeoutTimer {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        let ms = u32::try_from(duration.as_millis()).unwrap_or(u32::MAX);
        let mut timeout_id = JsValue::UNDEFINED;
        let fired = js_sys::Promise::new(&mut |resolve, _reject| {
            // Without setTimeout the promise never settles: a wait that never ends is
            // what a host without timers can honestly offer.
            if let Some(set_timeout) = global_function("setTimeout") {
                timeout_id = set_timeout
                    .call2(&JsValue::UNDEFINED, &resolve, &JsValue::from(ms))
                    .unwrap_or(JsValue::UNDEFINED);
            }
        });
        Box::pin(Sleep {
            fired: wasm_bindgen_futures::JsFuture::from(fired),
            timeout_id,
        })
    }
}

/// A pending `setTimeout`, cleared when the wait is dropped: every message races a timer
/// (its deadline) that almost never fires, and a timer left pending keeps its closure
/// alive in the isolate, and keeps Node from exiting.
struct Sleep {
    fired: wasm_bindgen_futures::JsFuture,
    timeout_id: JsValue,
}

impl std::future::Future for Sleep {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        std::pin::Pin::new(&mut self.fired).poll(cx).map(|_| ())
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if self.timeout_id.is_undefined() {
            return;
        }
        if let Some(clear_timeout) = global_function("clearTimeout") {
            let _ = clear_timeout.call1(&JsValue::UNDEFINED, &self.timeout_id);
        }
    }
}

struct WebCryptoRng;

impl Rng for WebCryptoRng {
    fn fill(&self, buf: &mut [u8]) -> crate::Result<()> {
        let unavailable = |what: &str| {
            Error::new(
                ErrorKind::Internal,
                format!(
                    "crypto.getRandomValues is unavailable ({what}); run on a host with Web Crypto"
                ),
            )
        };
        let crypto =
            property(&js_sys::global(), "crypto").ok_or_else(|| unavailable("no crypto"))?;
        let get_random_values =
            method(&crypto, "getRandomValues").ok_or_else(|| unavailable("no getRandomValues"))?;
        // getRandomValues fills at most 65 536 bytes per call.
        for chunk in buf.chunks_mut(65_536) {
            let array = js_sys::Uint8Array::new_with_length(chunk.len() as u32);
            get_random_values
                .call1(&crypto, &array)
                .map_err(|_| unavailable("the call failed"))?;
            array.copy_to(chunk);
        }
        Ok(())
    }
}

fn global_function(name: &str) -> Option<js_sys::Function> {
    method(&js_sys::global(), name)
}

/// `target[name]`, when it is neither missing nor `undefined`.
fn property(target: &JsValue, name: &str) -> Option<JsValue> {
    js_sys::Reflect::get(target, &JsValue::from_str(name))
        .ok()
        .filter(|value| !value.is_undefined() && !value.is_null())
}

/// `target[name]`, when it is a function.
fn method(target: &JsValue, name: &str) -> Option<js_sys::Function> {
    property(target, name)?.dyn_into().ok()
}

/// Awaits `target[name](...args)`, a method returning a promise.
async fn call_async(target: &JsValue, name: &str, args: &[&JsValue]) -> Result<JsValue, String> {
    let function = method(target, name).ok_or_else(|| format!("{name} is not available"))?;
    let arguments: js_sys::Array = args.iter().copied().collect();
    let promise = function
        .apply(target, &arguments)
        .map_err(|err| describe(&err))?;
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&promise))
        .await
        .map_err(|err| describe(&err))
}

/// An object with string keys, such as the options of a Web API call.
fn object(fields: &[(&str, &JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (name, value) in fields {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(name), value);
    }
    object.into()
}

/// What a thrown JavaScript value says.
fn describe(err: &JsValue) -> String {
    err.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_else(|| "an unknown JavaScript error".to_owned())
}
