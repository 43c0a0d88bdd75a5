//! `/ready`: whether each configured store answers, for load balancers and orchestrators
//! that should stop sending traffic to an instance whose backends are down.
//!
//! `/health` stays a liveness check that touches nothing. `/ready` probes every store
//! with the cheapest call it has (a `SELECT 1`, a read of a key and of an object that
//! need not exist), each bounded by 2 s, and answers 200 when all answer,
//! 503 otherwise. The body names each store `ok` or `down` and shows each circuit
//! breaker's state; why a store is down goes to the log only, since its text can hold
//! paths and hostnames.

use crate::runtime::{BoxFuture, MaybeSend, MaybeSync, Runtime, Severity};
use crate::storage::{CircuitBreaker, SqlLimits};
use crate::toolkit::Stores;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// The longest one store may take to answer its probe.
pub(crate) const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The key the KV and object stores are probed with; it need not exist.
const PROBE_KEY: &str = "edgemcp-ready-probe";

/// A probe: a call that succeeds when its store answers.
type Probe = Arc<dyn ProbeFn>;

/// A probe's function, shareable where the host's futures are (`MaybeSend`).
trait ProbeFn: MaybeSend + MaybeSync {
    fn run(&self) -> BoxFuture<'static, crate::Result<()>>;
}

impl<F> ProbeFn for F
where
    F: Fn() -> BoxFuture<'static, crate::Result<()>> + MaybeSend + MaybeSync,
{
    fn run(&self) -> BoxFuture<'static, crate::Result<()>> {
        self()
    }
}

/// What `/ready` looks at: named probes and the circuit breakers to show. Give it to
/// [`ServerBuilder::readiness`](crate::ServerBuilder::readiness).
///
/// ```
/// use edgemcp::storage::MemoryKv;
/// use edgemcp::toolkit::Stores;
/// use edgemcp::{runtime::Runtime, Readiness};
/// use std::sync::Arc;
///
/// let stores = Stores { kv: Some(Arc::new(MemoryKv::new(Runtime::for_tests(0)))), ..Stores::default() };
/// let readiness = Readiness::new()
///     .stores(&stores)
///     .probe("upstream", || Box::pin(async { Ok(()) }));
/// assert_eq!(readiness.names(), ["kv", "upstream"]);
/// ```
#[derive(Clone, Default)]
pub struct Readiness {
    probes: Vec<(String, Probe)>,
    breakers: Vec<Arc<CircuitBreaker>>,
}

impl Readiness {
    /// Nothing to probe yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A probe for each store of `stores` that is there: `sql`, `kv` and `blobs`.
    pub fn stores(mut self, stores: &Stores) -> Self {
        if let Some(sql) = stores.sql.clone() {
            self = self.probe("sql", move || {
                let sql = sql.clone();
                Box::pin(async move {
                    sql.query("SELECT 1", &[], SqlLimits::rows(1)).await?;
                    Ok(())
                })
            });
        }
        if let Some(kv) = stores.kv.clone() {
            self = self.probe("kv", move || {
                let kv = kv.clone();
                Box::pin(async move { kv.get(PROBE_KEY).await.map(drop) })
            });
        }
        if let Some(blobs) = stores.blobs.clone() {
            self = self.probe("blobs", move || {
                let blobs = blobs.clone();
                Box::pin(async move { blobs.head(PROBE_KEY).await.map(drop) })
            });
        }
        self
    }

    /// One more probe, shown under `name`.
    pub fn probe(
        mut self,
        name: impl Into<String>,
        probe: impl Fn() -> BoxFuture<'static, crate::Result<()>> + MaybeSend + MaybeSync + 'static,
    ) -> Self {
        self.probes.push((name.into(), Arc::new(probe)));
        self
    }

    /// Circuit breakers whose state `/ready` shows (an open one is a store being spared).
    pub fn breakers(mut self, breakers: impl IntoIterator<Item = Arc<CircuitBreaker>>) -> Self {
        self.breakers.extend(breakers);
        self
    }

    /// The probes' names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.probes.iter().map(|(name, _)| name.as_str()).collect()
    }

    /// Runs every probe: whether all answered, and the body of `/ready`. A probe that
    /// fails or does not answer within 2 s is `down`, with the reason
    /// logged as a warning.
    pub async fn check(&self, runtime: &Runtime) -> (bool, Value) {
        let mut stores = Map::new();
        for (name, probe) in &self.probes {
            let failure = match runtime.within(PROBE_TIMEOUT, probe.run()).await {
                Some(Ok(())) => None,
                Some(Err(err)) => Some(err.to_string()),
                None => Some(format!("no answer within {} ms", PROBE_TIMEOUT.as_millis())),
            };
            if let Some(failure) = &failure {
                runtime.log(
                    Severity::Warn,
                    "a store is not ready",
                    &[("store", json!(name)), ("error", json!(failure))],
                );
            }
            let status = if failure.is_some() { "down" } else { "ok" };
            stores.insert(name.clone(), json!(status));
        }
        let ready = stores.values().all(|status| status == "ok");
        let breakers: Map<String, Value> = self
            .breakers
            .iter()
            .map(|b| (b.store().to_owned(), json!(b.state().as_str())))
            .collect();
        let body = json!({
            "status": if ready { "ready" } else { "unavailable" },
            "stores": stores,
            "breakers": breakers,
        });
        (ready, body)
    }
}

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readiness")
            .field("probes", &self.names())
            .finish_non_exhaustive()
    }
}
