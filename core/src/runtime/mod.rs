//! The small runtime a host hands to the core: a clock, a timer and random bytes, and
//! optionally an HTTP client and signature checks (needed only to verify JWTs), a
//! logger for the operator and a way to run work after a response (needed only for tasks).
//!
//! The core never reads the system clock, sleeps or spawns on its own: `Instant::now`
//! panics on `wasm32-unknown-unknown`, and each host (workerd, tokio, a browser) has its
//! own way to wait. Instead a host builds a [`Runtime`] from three one-method traits and
//! passes it to [`ServerBuilder::build`](crate::ServerBuilder::build).

mod clock;
mod http_client;
mod log;
mod maybe_send;
#[cfg(feature = "metrics")]
mod metrics;
mod rng;
mod signature;
mod spawn;
mod timer;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
#[cfg(all(feature = "web", target_arch = "wasm32"))]
pub mod web;

pub use clock::Clock;
pub use http_client::{Fetched, HttpClient};
pub use log::{LogEvent, Logger, Severity};
pub use maybe_send::{BoxFuture, BoxStream, MaybeSend, MaybeSync};
#[cfg(feature = "metrics")]
pub use metrics::{MessageMeasure, Metrics};
pub use rng::Rng;
pub use signature::{PublicKey, SignatureAlgorithm, SignatureVerifier};
pub use spawn::Spawner;
pub use timer::Timer;

use std::sync::Arc;
use std::time::Duration;

/// The clock, timer and random source a server runs on.
///
/// Cheap to clone: each part is reference-counted.
///
/// ```
/// use edgemcp::runtime::{Clock, Rng, Runtime, Timer, BoxFuture};
/// use std::time::Duration;
///
/// struct EpochZero;
/// impl Clock for EpochZero {
///     fn now_unix_ms(&self) -> u64 { 0 }
/// }
/// struct NeverFires;
/// impl Timer for NeverFires {
///     fn sleep(&self, _: Duration) -> BoxFuture<'static, ()> {
///         Box::pin(futures_util::future::pending())
///     }
/// }
/// struct Zeros;
/// impl Rng for Zeros {
///     fn fill(&self, buf: &mut [u8]) -> edgemcp::Result<()> { buf.fill(0); Ok(()) }
/// }
///
/// let runtime = Runtime::new(EpochZero, NeverFires, Zeros);
/// assert_eq!(runtime.now_unix_ms(), 0);
/// ```
#[derive(Clone)]
pub struct Runtime {
    clock: Arc<dyn Clock>,
    timer: Arc<dyn Timer>,
    rng: Arc<dyn Rng>,
    http_client: Option<Arc<dyn HttpClient>>,
    signatures: Option<Arc<dyn SignatureVerifier>>,
    logger: Option<Arc<dyn Logger>>,
    min_severity: Option<Severity>,
    #[cfg(feature = "metrics")]
    metrics: Option<Arc<dyn Metrics>>,
    spans: Option<Arc<dyn crate::telemetry::SpanSink>>,
    sampler: Arc<crate::telemetry::Sampler>,
    spawner: Option<Arc<dyn Spawner>>,
}

impl Runtime {
    /// Bundles a clock, a timer and a random source.
    pub fn new(
        clock: impl Clock + 'static,
        timer: impl Timer + 'static,
        rng: impl Rng + 'static,
    ) -> Self {
        Runtime {
            clock: Arc::new(clock),
            timer: Arc::new(timer),
            rng: Arc::new(rng),
            http_client: None,
            signatures: None,
            logger: None,
            min_severity: Some(Severity::Info),
            #[cfg(feature = "metrics")]
            metrics: None,
            spans: None,
            sampler: Arc::default(),
            spawner: None,
        }
    }

    /// Adds the host's span exporter: spans of the traces `sampler` picks are recorded
    /// (see [`telemetry`](crate::telemetry)). Without one no span is recorded, and
    /// `traceparent` is still passed on.
    pub fn with_spans(
        mut self,
        sink: impl crate::telemetry::SpanSink + 'static,
        sampler: crate::telemetry::Sampler,
    ) -> Self {
        self.spans = Some(Arc::new(sink));
        self.sampler = Arc::new(sampler);
        self
    }

    /// The span exporter, if the host gave one.
    pub fn spans(&self) -> Option<&dyn crate::telemetry::SpanSink> {
        self.spans.as_deref()
    }

    /// Which traces are recorded.
    pub fn sampler(&self) -> &crate::telemetry::Sampler {
        &self.sampler
    }

    /// GETs `url` with the host's client, as part of the current trace: the request
    /// carries `traceparent` (and the caller's `tracestate`), and when spans are recorded
    /// it is a client span of its own. For tool code as for the core's own fetches.
    ///
    /// # Errors
    /// [`ErrorKind::Upstream`](crate::ErrorKind::Upstream) when the host has no HTTP
    /// client or the request fails, or the body is longer than `max_bytes`.
    pub async fn http_get(&self, url: &str, max_bytes: usize) -> crate::Result<Fetched> {
        use crate::telemetry::{OpenSpan, SpanKind};
        let client = self.http_client.clone().ok_or_else(|| {
            crate::Error::new(
                crate::ErrorKind::Upstream,
                "this host has no HTTP client for the server's outgoing requests",
            )
        })?;
        let mut span = OpenSpan::under_current(self, || "GET".to_owned(), SpanKind::Client);
        let parent = span
            .as_ref()
            .map(OpenSpan::parent)
            .or_else(crate::telemetry::current);
        let mut headers = Vec::new();
        if let Some(parent) = &parent {
            headers.push(("traceparent", parent.traceparent()));
            if let Some(state) = parent.tracestate() {
                headers.push(("tracestate", state.to_owned()));
            }
        }
        if let Some(span) = &mut span {
            span.set("http.request.method", "GET");
            span.set("url.full", url.split('?').next().unwrap_or(url));
        }
        let fetched = client.get(url, &headers, max_bytes).await;
        if let Some(mut span) = span {
            match &fetched {
                Ok(answer) => {
                    span.set("http.response.status_code", i64::from(answer.status));
                    if answer.status >= 400 {
                        span.fail(format!("HTTP {}", answer.status));
                    }
                }
                Err(err) => span.fail(err.message()),
            }
            span.end();
        }
        fetched
    }

    /// Adds the host's way to run work after a response, which tasks need (see
    /// [`Spawner`]).
    pub fn with_spawner(mut self, spawner: impl Spawner + 'static) -> Self {
        self.spawner = Some(Arc::new(spawner));
        self
    }

    /// Whether the host can run work after a response.
    pub fn can_spawn(&self) -> bool {
        self.spawner.is_some()
    }

    /// Starts `work` on the host's spawner; `false`, dropping it, when the host has none.
    pub fn spawn(&self, work: BoxFuture<'static, ()>) -> bool {
        match &self.spawner {
            Some(spawner) => {
                spawner.spawn(work);
                true
            }
            None => false,
        }
    }

    /// Adds the host's HTTP client, with which JWT verification fetches signing keys.
    pub fn with_http_client(mut self, client: impl HttpClient + 'static) -> Self {
        self.http_client = Some(Arc::new(client));
        self
    }

    /// Adds the host's signature checks, with which JWT verification checks tokens.
    pub fn with_signature_verifier(mut self, verifier: impl SignatureVerifier + 'static) -> Self {
        self.signatures = Some(Arc::new(verifier));
        self
    }

    /// Adds the host's logger, which receives the server's own events (such as the detail
    /// of a failure the client sees only by its correlation id). Without one they are
    /// dropped.
    pub fn with_logger(mut self, logger: impl Logger + 'static) -> Self {
        self.logger = Some(Arc::new(logger));
        self
    }

    /// Logs only events at `min` or above (`Info` unless told); `None` logs nothing.
    /// Hosts set it from `EDGEMCP_LOG_LEVEL` (see [`Severity::from_directives`]).
    pub fn with_min_severity(mut self, min: Option<Severity>) -> Self {
        self.min_severity = min;
        self
    }

    /// Whether an event of `severity` would reach a logger.
    pub fn logs(&self, severity: Severity) -> bool {
        self.logger.is_some() && self.min_severity.is_some_and(|min| severity >= min)
    }

    /// Sends an event to the host's logger, if it gave one and the level lets it through.
    pub fn log(&self, severity: Severity, message: &str, fields: &[(&str, serde_json::Value)]) {
        if !self.logs(severity) {
            return;
        }
        if let Some(logger) = &self.logger {
            logger.log(&LogEvent {
                severity,
                message,
                fields,
            });
        }
    }

    /// Adds the host's metrics sink, which receives a measure of every message.
    ///
    /// **Requires** the `metrics` feature.
    #[cfg(feature = "metrics")]
    pub fn with_metrics(mut self, metrics: impl Metrics + 'static) -> Self {
        self.metrics = Some(Arc::new(metrics));
        self
    }

    /// The host's metrics sink, if it gave one.
    ///
    /// **Requires** the `metrics` feature.
    #[cfg(feature = "metrics")]
    pub fn metrics(&self) -> Option<&dyn Metrics> {
        self.metrics.as_deref()
    }

    /// Microseconds on the host's monotonic clock, for measuring durations.
    pub fn monotonic_micros(&self) -> u64 {
        self.clock.monotonic_micros()
    }

    /// The host's HTTP client, if it gave one.
    pub fn http_client(&self) -> Option<Arc<dyn HttpClient>> {
        self.http_client.clone()
    }

    /// The host's signature checks, if it gave them.
    pub fn signature_verifier(&self) -> Option<Arc<dyn SignatureVerifier>> {
        self.signatures.clone()
    }

    /// Milliseconds since the Unix epoch, from the host's clock.
    pub fn now_unix_ms(&self) -> u64 {
        self.clock.now_unix_ms()
    }

    /// A future that completes after `duration`, from the host's timer.
    pub fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.timer.sleep(duration)
    }

    /// Runs `work` for at most `limit`: its output, or `None` when the time ran out first
    /// (then `work` is dropped, which stops it at its next `await`).
    ///
    /// ```
    /// use edgemcp::runtime::testing::{CountingRng, ImmediateTimer, ManualClock};
    /// use edgemcp::runtime::Runtime;
    /// use std::time::Duration;
    ///
    /// // A timer that fires at once: the pending work loses the race.
    /// let runtime = Runtime::new(ManualClock::new(0), ImmediateTimer, CountingRng::default());
    /// let never = futures_util::future::pending::<()>();
    /// assert_eq!(futures_executor::block_on(runtime.within(Duration::from_secs(1), never)), None);
    /// ```
    pub async fn within<F: std::future::Future>(
        &self,
        limit: Duration,
        work: F,
    ) -> Option<F::Output> {
        let work = std::pin::pin!(work);
        match futures_util::future::select(work, self.sleep(limit)).await {
            futures_util::future::Either::Left((output, _)) => Some(output),
            futures_util::future::Either::Right(((), _)) => None,
        }
    }

    /// Fills `buf` with random bytes from the host's source.
    pub fn fill_random(&self, buf: &mut [u8]) -> crate::Result<()> {
        self.rng.fill(buf)
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime").finish_non_exhaustive()
    }
}
