//! `/ready`: whether each configured store answers, for load balancers and orchestrators
//! that should stop sending traffic to an instance whose backends are down.
//!
//! `/health` stays a liveness check that touches nothing. `/ready` probes every store
//! with the cheapest call it has (a `SELECT 1`, a read of a key and of an object that
//! need not exist), each bounded by [`PROBE_TIMEOUT`], and answers 200 when all answer,
//! 503 otherwise. The body names each store `ok` or `down`; why one is down goes to the
//! log only, since its text can hold paths and hostnames.

use crate::log;
use edgemcp::storage::{CircuitBreaker, SqlLimits};
use edgemcp::toolkit::Stores;
use serde_json::{json, Map, Value};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The longest one store may take to answer its probe.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The key the KV and object stores are probed with; it need not exist.
const PROBE_KEY: &str = "edgemcp-ready-probe";

/// What `/ready` looks at: the stores (behind their breakers) and the breakers.
pub struct Probes {
    /// The toolkits' stores.
    pub stores: Stores,
    /// The circuit breakers in front of them.
    pub breakers: Vec<Arc<CircuitBreaker>>,
}

/// Probes every store: whether all answered, and the body for `/ready`, which also shows
/// each breaker's state. A store whose breaker is open is `down` without being called.
pub async fn check(probes: &Probes) -> (bool, Value) {
    let stores = &probes.stores;
    let mut report = Map::new();
    if let Some(sql) = &stores.sql {
        let probe = sql.query("SELECT 1", &[], SqlLimits::rows(1));
        report.insert("sql".into(), probe_result("sql", probe).await);
    }
    if let Some(kv) = &stores.kv {
        report.insert("kv".into(), probe_result("kv", kv.get(PROBE_KEY)).await);
    }
    if let Some(blobs) = &stores.blobs {
        report.insert(
            "blobs".into(),
            probe_result("blobs", blobs.head(PROBE_KEY)).await,
        );
    }
    let ready = report.values().all(|status| status == "ok");
    let breakers: Map<String, Value> = probes
        .breakers
        .iter()
        .map(|b| (b.store().to_owned(), json!(b.state().as_str())))
        .collect();
    let body = json!({
        "status": if ready { "ready" } else { "unavailable" },
        "stores": report,
        "breakers": breakers,
    });
    (ready, body)
}

async fn probe_result<T>(store: &str, probe: impl Future<Output = edgemcp::Result<T>>) -> Value {
    let failure = match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
        Ok(Ok(_)) => return json!("ok"),
        Ok(Err(err)) => err.to_string(),
        Err(_) => format!("no answer within {} ms", PROBE_TIMEOUT.as_millis()),
    };
    log::warn(
        "a store is not ready",
        &[("store", store.into()), ("error", failure.into())],
    );
    json!("down")
}
