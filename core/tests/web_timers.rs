//! The JavaScript hosts' timers (`runtime::web`) leave nothing pending: every message
//! races a deadline that almost never fires, so a wait that ends or is dropped must clear
//! its `setTimeout`. A timer left behind keeps its closure alive in the isolate (heap that
//! grows with every request) and keeps Node from exiting.
//!
//! Runs on wasm32 only, in Node and in headless Chromium (`scripts/test` runs the core's
//! wasm tests in both). `setTimeout` and `clearTimeout` are wrapped with a count of the
//! timers that were set and have neither fired nor been cleared.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Client;
use edgemcp::protocol::ProtocolVersion;
use edgemcp::runtime::web;
use futures_util::future::{select, Either};
use serde_json::json;
use std::time::Duration;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

/// Wraps `setTimeout` and `clearTimeout` once, counting pending timers.
const COUNT_TIMERS: &str = r#"
if (!globalThis.__pendingTimers) {
  const set = globalThis.setTimeout, clear = globalThis.clearTimeout;
  const pending = new Set();
  globalThis.setTimeout = function (callback, ms, ...args) {
    const id = set.call(globalThis, function () {
      pending.delete(id);
      return callback.apply(this, args);
    }, ms);
    pending.add(id);
    return id;
  };
  globalThis.clearTimeout = function (id) {
    pending.delete(id);
    return clear.call(globalThis, id);
  };
  globalThis.__pendingTimers = () => pending.size;
}
return globalThis.__pendingTimers();
"#;

/// How many timers are set and have neither fired nor been cleared.
fn pending_timers() -> u32 {
    let count = js_sys::Function::new_no_args(COUNT_TIMERS)
        .call0(&JsValue::UNDEFINED)
        .expect("the timer wrappers install");
    count.as_f64().expect("a count") as u32
}

#[wasm_bindgen_test]
async fn a_wait_that_fires_leaves_no_timer() {
    let before = pending_timers();
    let runtime = web::runtime();
    runtime.sleep(Duration::from_millis(1)).await;
    assert_eq!(pending_timers(), before);
}

#[wasm_bindgen_test]
async fn a_wait_dropped_before_it_fires_clears_its_timer() {
    let before = pending_timers();
    let runtime = web::runtime();
    let long = runtime.sleep(Duration::from_secs(30));
    // The check can fail: while the wait is alive its timer is pending.
    assert_eq!(pending_timers(), before + 1, "the 30 s timer is set");
    let short = runtime.sleep(Duration::from_millis(1));
    match select(long, short).await {
        Either::Left(_) => panic!("the 30 s wait ended first"),
        Either::Right(((), long)) => drop(long),
    }
    assert_eq!(
        pending_timers(),
        before,
        "dropping the wait cleared its timer"
    );
}

#[wasm_bindgen_test]
async fn a_completed_tool_call_leaves_no_timer() {
    let server = common::fixture_builder()
        .build(web::runtime())
        .expect("the fixture builds");
    let client = Client::new(server, ProtocolVersion::LATEST);
    let before = pending_timers();
    for _ in 0..3 {
        let seen = client
            .call(
                "tools/call",
                json!({"name": "add", "arguments": {"a": 2, "b": 3}}),
            )
            .await;
        assert_eq!(seen.result()["structuredContent"]["sum"], 5);
    }
    // A message's deadline and any tool timeout were raced and lost: all cleared.
    assert_eq!(pending_timers(), before);
}
