//! The runtime workerd gives the core: `Date.now()`, `setTimeout`, `crypto.getRandomValues`.

use edgemcp::runtime::{BoxFuture, Clock, Rng, Runtime, Timer};
use edgemcp::{Error, ErrorKind};
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};

struct DateClock;

impl Clock for DateClock {
    fn now_unix_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }
}

struct TimeoutTimer;

impl Timer for TimeoutTimer {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(worker::Delay::from(duration))
    }
}

struct WebCryptoRng;

impl Rng for WebCryptoRng {
    fn fill(&self, buf: &mut [u8]) -> edgemcp::Result<()> {
        let unavailable = |what: &str| {
            Error::new(
                ErrorKind::Internal,
                format!("crypto.getRandomValues is unavailable: {what}"),
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

/// The runtime of this host.
pub(crate) fn runtime() -> Runtime {
    Runtime::new(DateClock, TimeoutTimer, WebCryptoRng)
}
