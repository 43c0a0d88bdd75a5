//! The Workers Rate Limiting binding as the server's shared rate limiter: one budget that
//! holds across isolates and locations, where in-memory buckets hold per isolate only.

use edgemcp::middleware::{Decision, Limit, RateLimiter};
use edgemcp::runtime::BoxFuture;
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The binding (`[[ratelimits]]` in `wrangler.toml`) behind [`RateLimiter`].
///
/// The binding keeps its own limit and period (`simple = { limit, period }`); the
/// `EDGEMCP_RATE_LIMIT_PER_MINUTE` setting does not resize it. A call the binding cannot
/// answer is let through: a failing limiter must not take the server down with it.
pub struct BindingRateLimiter {
    binding: js_sys::Object,
    period: Duration,
}

impl BindingRateLimiter {
    /// The limiter over `binding`, whose period (as declared) is `period`: what a refused
    /// caller is told to wait.
    pub fn new(binding: js_sys::Object, period: Duration) -> Self {
        BindingRateLimiter { binding, period }
    }
}

impl RateLimiter for BindingRateLimiter {
    fn keeps_own_limit(&self) -> bool {
        true
    }

    fn acquire(&self, key: &str, _limit: Limit, _now_micros: u64) -> BoxFuture<'static, Decision> {
        let called = call_limit(&self.binding, key);
        let period = self.period;
        Box::pin(async move {
            let Ok(promise) = called else {
                return Decision::Allowed;
            };
            match JsFuture::from(promise).await {
                Ok(outcome) => {
                    let success = js_sys::Reflect::get(&outcome, &JsValue::from_str("success"))
                        .ok()
                        .and_then(|v| v.as_bool())
                        .unwrap_or(true);
                    if success {
                        Decision::Allowed
                    } else {
                        Decision::Limited {
                            retry_after: period,
                        }
                    }
                }
                Err(_) => Decision::Allowed,
            }
        })
    }
}

/// `binding.limit({ key })`.
fn call_limit(binding: &js_sys::Object, key: &str) -> Result<js_sys::Promise, JsValue> {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &JsValue::from_str("key"), &JsValue::from_str(key))?;
    let limit: js_sys::Function =
        js_sys::Reflect::get(binding, &JsValue::from_str("limit"))?.dyn_into()?;
    limit.call1(binding, &options)?.dyn_into()
}
