//! The runtime of JavaScript hosts: `Date.now()`, `setTimeout` and
//! `crypto.getRandomValues`, found on `globalThis` in workerd, browsers, service workers,
//! Node 18+, Deno and Bun.
//!
//! **Requires** the `web` feature, on `wasm32` only.
//!
//! ```ignore
//! let server = edgemcp::Server::builder("demo", "1.0.0")
//!     .build(edgemcp::runtime::web::runtime())?;
//! ```

use super::{BoxFuture, Clock, Rng, Runtime, Timer};
use crate::{Error, ErrorKind};
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};

/// The runtime of this JavaScript host.
pub fn runtime() -> Runtime {
    Runtime::new(DateClock, TimeoutTimer, WebCryptoRng)
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
        let fired = js_sys::Promise::new(&mut |resolve, _reject| {
            // Without setTimeout the promise never settles: a wait that never ends is
            // what a host without timers can honestly offer.
            if let Some(set_timeout) = global_function("setTimeout") {
                let _ = set_timeout.call2(&JsValue::UNDEFINED, &resolve, &JsValue::from(ms));
            }
        });
        Box::pin(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(fired).await;
        })
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
        let crypto = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
            .map_err(|_| unavailable("no crypto"))?;
        let get_random_values =
            js_sys::Reflect::get(&crypto, &JsValue::from_str("getRandomValues"))
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
                .ok_or_else(|| unavailable("no getRandomValues"))?;
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
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str(name))
        .ok()?
        .dyn_into()
        .ok()
}
