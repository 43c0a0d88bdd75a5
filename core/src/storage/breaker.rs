//! Circuit breakers: a store that keeps failing is given a rest, and callers get a fast,
//! retryable answer instead of waiting on it.

use super::{
    BlobCapability, BlobList, BlobMeta, BlobObject, BlobPut, BlobStore, ColumnInfo, KvCapability,
    KvEntry, KvList, KvPut, KvStore, SqlCapability, SqlDatabase, SqlExecution, SqlLimits, SqlRows,
    SqlValue, TableInfo,
};
use crate::runtime::{BoxFuture, Runtime, Severity};
use crate::telemetry::{OpenSpan, SpanKind};
use crate::{Error, ErrorKind, Result};
use serde_json::json;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// When a breaker opens and how long it rests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Temporary failures within `window` that open the breaker.
    pub failures: u32,
    /// How far back failures count.
    pub window: Duration,
    /// How long the breaker stays open before one trial call may go through.
    pub cool_down: Duration,
}

impl Default for BreakerSettings {
    /// Five temporary failures within 30 s open it for 10 s.
    fn default() -> Self {
        BreakerSettings {
            failures: 5,
            window: Duration::from_secs(30),
            cool_down: Duration::from_secs(10),
        }
    }
}

impl BreakerSettings {
    /// The settings `EDGEMCP_BREAKER_FAILURES`, `EDGEMCP_BREAKER_WINDOW_SECONDS` and
    /// `EDGEMCP_BREAKER_COOL_DOWN_SECONDS` describe, over the defaults.
    ///
    /// # Errors
    /// When one is not a whole number of at least 1.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let number = |name: &str, default: u64| -> Result<u64> {
            match get(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| {
                        Error::config(format!(
                            "{name} must be a whole number of at least 1, not {v:?}."
                        ))
                    }),
            }
        };
        let default = BreakerSettings::default();
        Ok(BreakerSettings {
            failures: u32::try_from(number(
                "EDGEMCP_BREAKER_FAILURES",
                u64::from(default.failures),
            )?)
            .unwrap_or(u32::MAX),
            window: Duration::from_secs(number(
                "EDGEMCP_BREAKER_WINDOW_SECONDS",
                default.window.as_secs(),
            )?),
            cool_down: Duration::from_secs(number(
                "EDGEMCP_BREAKER_COOL_DOWN_SECONDS",
                default.cool_down.as_secs(),
            )?),
        })
    }
}

/// Where a breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls fail fast until the cool-down ends.
    Open,
    /// The cool-down ended: one trial call is going through; the others fail fast.
    HalfOpen,
}

impl BreakerState {
    /// `closed`, `open` or `half_open`.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

#[derive(Debug)]
enum Phase {
    Closed { failures: Vec<u64> },
    Open { until: u64 },
    HalfOpen,
}

/// A circuit breaker around one store.
///
/// # Behavior
/// - **Closed**: calls go through; a call that fails with a
///   [temporary](crate::Error::is_temporary) error is counted, and `failures` of them
///   within `window` open the breaker. Other errors (not found, bad input) mean the store
///   answered, and do not count.
/// - **Open**: calls fail at once with [`ErrorKind::Unavailable`], a temporary error that
///   names the store, until `cool_down` has passed.
/// - **Half-open**: one trial call goes through (the others fail fast); its success
///   closes the breaker, its temporary failure opens it again.
///
/// Each change of state is logged (warn when it opens, info otherwise) through the
/// runtime's logger, with the store's name.
///
/// ```
/// use edgemcp::storage::{BreakerSettings, BreakerState, CircuitBreaker};
/// use edgemcp::runtime::Runtime;
/// use edgemcp::Error;
/// use std::time::Duration;
///
/// let settings = BreakerSettings { failures: 2, window: Duration::from_secs(30), cool_down: Duration::from_secs(5) };
/// let breaker = CircuitBreaker::new("kv", settings, Runtime::for_tests(0));
/// for _ in 0..2 {
///     let failed = futures_executor::block_on(breaker.call(async {
///         Err::<(), _>(Error::storage("connection reset").set_temporary())
///     }));
///     assert!(failed.is_err());
/// }
/// assert_eq!(breaker.state(), BreakerState::Open);
/// ```
#[derive(Debug)]
pub struct CircuitBreaker {
    store: &'static str,
    settings: BreakerSettings,
    runtime: Runtime,
    phase: Mutex<Phase>,
}

impl CircuitBreaker {
    /// A closed breaker for the store named `store` (`sql`, `kv`, `blobs`, …).
    pub fn new(store: &'static str, settings: BreakerSettings, runtime: Runtime) -> Self {
        CircuitBreaker {
            store,
            settings,
            runtime,
            phase: Mutex::new(Phase::Closed {
                failures: Vec::new(),
            }),
        }
    }

    /// The store's name.
    pub fn store(&self) -> &'static str {
        self.store
    }

    /// Where the breaker stands now (an open breaker whose cool-down ended reads as
    /// half-open: the next call is its trial).
    pub fn state(&self) -> BreakerState {
        let now = self.now();
        match self.phase.lock().as_deref() {
            Ok(Phase::Closed { .. }) | Err(_) => BreakerState::Closed,
            Ok(Phase::Open { until }) if now < *until => BreakerState::Open,
            Ok(Phase::Open { .. }) | Ok(Phase::HalfOpen) => BreakerState::HalfOpen,
        }
    }

    /// Runs `call` if the breaker lets it through, and counts its outcome.
    ///
    /// # Errors
    /// `call`'s error, or [`ErrorKind::Unavailable`] while the breaker is open.
    pub async fn call<T>(&self, call: impl Future<Output = Result<T>>) -> Result<T> {
        self.call_as(None, call).await
    }

    /// [`call`](Self::call), recorded as the client span `<store> <operation>` when the
    /// running code's trace is recorded.
    pub(crate) async fn call_as<T>(
        &self,
        operation: Option<&'static str>,
        call: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let span = operation.and_then(|operation| self.span(operation));
        let trial = match self.admit() {
            Ok(trial) => trial,
            Err(refused) => {
                end_span(span, Some(&refused));
                return Err(refused);
            }
        };
        // A trial dropped before it finished (its request was cancelled) must not leave the
        // breaker half-open for good.
        let mut guard = TrialGuard {
            breaker: self,
            armed: trial,
        };
        let result = call.await;
        guard.armed = false;
        self.record(trial, result.as_ref().err());
        end_span(span, result.as_ref().err());
        result
    }

    /// The span of a call of `operation` on this store, when the running code's trace
    /// is recorded.
    fn span(&self, operation: &'static str) -> Option<OpenSpan> {
        let mut span = OpenSpan::under_current(
            &self.runtime,
            || format!("{} {operation}", self.store),
            SpanKind::Client,
        )?;
        span.set("edgemcp.store", self.store);
        span.set("db.operation.name", operation);
        Some(span)
    }

    /// Counts the outcome of a call [`admit`](Self::admit) let through.
    fn record(&self, trial: bool, error: Option<&Error>) {
        match error {
            Some(err) if err.is_temporary() => self.failed(trial),
            _ => self.succeeded(trial),
        }
    }

    fn now(&self) -> u64 {
        self.runtime.monotonic_micros()
    }

    /// Whether the call may go; `Ok(true)` when it is the half-open trial.
    fn admit(&self) -> Result<bool> {
        let now = self.now();
        let Ok(mut phase) = self.phase.lock() else {
            return Ok(false);
        };
        match &*phase {
            Phase::Closed { .. } => Ok(false),
            Phase::Open { until } if now >= *until => {
                *phase = Phase::HalfOpen;
                drop(phase);
                self.changed(BreakerState::HalfOpen);
                Ok(true)
            }
            Phase::Open { until } => Err(self.refusal(until.saturating_sub(now))),
            Phase::HalfOpen => Err(self.refusal(0)),
        }
    }

    fn refusal(&self, wait_micros: u64) -> Error {
        let seconds = wait_micros.div_ceil(1_000_000).max(1);
        Error::new(
            ErrorKind::Unavailable,
            format!(
                "The {} store is failing, so calls to it are paused; retry in {seconds} s.",
                self.store
            ),
        )
        .set_temporary()
    }

    fn failed(&self, trial: bool) {
        let now = self.now();
        let window = u64::try_from(self.settings.window.as_micros()).unwrap_or(u64::MAX);
        let cool_down = u64::try_from(self.settings.cool_down.as_micros()).unwrap_or(u64::MAX);
        let Ok(mut phase) = self.phase.lock() else {
            return;
        };
        let opens = match &mut *phase {
            Phase::HalfOpen => trial,
            Phase::Closed { failures } => {
                failures.retain(|at| now.saturating_sub(*at) < window);
                failures.push(now);
                failures.len() >= self.settings.failures.max(1) as usize
            }
            Phase::Open { .. } => false,
        };
        if opens {
            *phase = Phase::Open {
                until: now.saturating_add(cool_down),
            };
            drop(phase);
            self.changed(BreakerState::Open);
        }
    }

    fn succeeded(&self, trial: bool) {
        let Ok(mut phase) = self.phase.lock() else {
            return;
        };
        if trial && matches!(*phase, Phase::HalfOpen) {
            *phase = Phase::Closed {
                failures: Vec::new(),
            };
            drop(phase);
            self.changed(BreakerState::Closed);
        }
    }

    fn changed(&self, state: BreakerState) {
        #[cfg(feature = "metrics")]
        if let Some(metrics) = self.runtime.metrics() {
            metrics.breaker_changed(self.store, state.as_str());
        }
        let severity = match state {
            BreakerState::Open => Severity::Warn,
            _ => Severity::Info,
        };
        self.runtime.log(
            severity,
            "circuit breaker",
            &[
                ("store", json!(self.store)),
                ("state", json!(state.as_str())),
            ],
        );
    }
}

/// Puts an abandoned trial's breaker back to open, so that a later call may try again.
struct TrialGuard<'a> {
    breaker: &'a CircuitBreaker,
    armed: bool,
}

impl Drop for TrialGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            if let Ok(mut phase) = self.breaker.phase.lock() {
                if matches!(*phase, Phase::HalfOpen) {
                    *phase = Phase::Open { until: 0 };
                }
            }
        }
    }
}

/// A store behind a [`CircuitBreaker`]: every call goes through the breaker.
pub struct Guarded<S: ?Sized> {
    inner: Arc<S>,
    breaker: Arc<CircuitBreaker>,
}

impl<S: ?Sized> Guarded<S> {
    /// `inner` behind `breaker`.
    pub fn new(inner: Arc<S>, breaker: Arc<CircuitBreaker>) -> Self {
        Guarded { inner, breaker }
    }

    /// `call` through the breaker, recorded as the client span `<store> <operation>`
    /// when the running code's trace is recorded.
    fn guarded<'a, T: 'a>(
        &'a self,
        operation: &'static str,
        call: BoxFuture<'a, Result<T>>,
    ) -> BoxFuture<'a, Result<T>> {
        Box::pin(self.breaker.call_as(Some(operation), call))
    }
}

/// Ends a storage call's span, if it has one, failed with the error's kind if any.
fn end_span(span: Option<OpenSpan>, error: Option<&Error>) {
    let Some(mut span) = span else { return };
    if let Some(error) = error {
        span.fail(error.kind().to_string());
    }
    span.end();
}

impl<S: KvStore + ?Sized> KvStore for Guarded<S> {
    fn capability(&self) -> KvCapability {
        self.inner.capability()
    }
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<KvEntry>>> {
        self.guarded("get", self.inner.get(key))
    }
    fn put<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        options: KvPut,
    ) -> BoxFuture<'a, Result<()>> {
        self.guarded("put", self.inner.put(key, value, options))
    }
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
        self.guarded("delete", self.inner.delete(key))
    }
    fn list<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<KvList>> {
        self.guarded("list", self.inner.list(prefix, cursor, limit))
    }
}

impl<S: SqlDatabase + ?Sized> SqlDatabase for Guarded<S> {
    fn capability(&self) -> SqlCapability {
        self.inner.capability()
    }
    fn query<'a>(
        &'a self,
        sql: &'a str,
        params: &'a [SqlValue],
        limits: SqlLimits,
    ) -> BoxFuture<'a, Result<SqlRows>> {
        self.guarded("query", self.inner.query(sql, params, limits))
    }
    fn execute<'a>(
        &'a self,
        sql: &'a str,
        params: &'a [SqlValue],
    ) -> BoxFuture<'a, Result<SqlExecution>> {
        self.guarded("execute", self.inner.execute(sql, params))
    }
    fn tables(&self) -> BoxFuture<'_, Result<Vec<TableInfo>>> {
        self.guarded("tables", self.inner.tables())
    }
    fn columns<'a>(&'a self, table: &'a str) -> BoxFuture<'a, Result<Vec<ColumnInfo>>> {
        self.guarded("columns", self.inner.columns(table))
    }
}

impl<S: BlobStore + ?Sized> BlobStore for Guarded<S> {
    fn capability(&self) -> BlobCapability {
        self.inner.capability()
    }
    fn head<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<BlobMeta>>> {
        self.guarded("head", self.inner.head(key))
    }
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<BlobObject>>> {
        self.guarded("get", self.inner.get(key))
    }
    fn put<'a>(
        &'a self,
        key: &'a str,
        content: Vec<u8>,
        options: BlobPut,
    ) -> BoxFuture<'a, Result<BlobMeta>> {
        self.guarded("put", self.inner.put(key, content, options))
    }
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
        self.guarded("delete", self.inner.delete(key))
    }
    fn list<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<BlobList>> {
        self.guarded("list", self.inner.list(prefix, cursor, limit))
    }
}
