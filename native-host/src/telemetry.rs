//! Traces natively: the core's spans exported over OTLP/HTTP by a thread of their own.
//!
//! With `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) set, [`start`] gives the
//! runtime a [`SpanSink`] that queues each finished span (never blocking the request) for
//! an exporter thread, which POSTs them in batches: every second, or at once when 512
//! are waiting. The queue holds at most 8192 spans; past that, spans are dropped and
//! counted, and the count is logged. [`flush`] sends what is queued, for shutdown and
//! for the end of each Lambda invocation (a frozen Lambda sends nothing).

use crate::log;
use edgemcp::telemetry::{OtlpSettings, SpanRecord, SpanSink};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// The most spans one export holds.
const BATCH: usize = 512;
/// The most spans waiting; more are dropped.
const QUEUE: usize = 8192;
/// How long spans wait before they are sent.
const INTERVAL: Duration = Duration::from_secs(1);

enum Message {
    Span(SpanRecord),
    Flush(oneshot::Sender<()>),
}

/// The sink the runtime records into: a bounded queue to the exporter thread.
pub struct QueuedSpans {
    queue: mpsc::Sender<Message>,
    dropped: AtomicU64,
}

impl SpanSink for QueuedSpans {
    fn record(&self, span: SpanRecord) {
        if self.queue.try_send(Message::Span(span)).is_err() {
            let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                log::warn(
                    "spans are being dropped: the OTLP endpoint does not keep up",
                    &[("dropped", dropped.into())],
                );
            }
        }
    }
}

static EXPORTER: OnceLock<mpsc::Sender<Message>> = OnceLock::new();

/// Starts the exporter thread for `settings`; the sink to give the runtime.
///
/// # Errors
/// When the thread or its HTTP client cannot start.
pub fn start(settings: OtlpSettings) -> edgemcp::Result<QueuedSpans> {
    let (queue, spans) = mpsc::channel(QUEUE);
    let client = reqwest::Client::builder()
        .timeout(settings.timeout)
        .user_agent(concat!("edgemcp/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| edgemcp::Error::internal(format!("the OTLP client could not start: {e}")))?;
    log::info(
        "traces are exported over OTLP/HTTP",
        &[("endpoint", settings.endpoint.clone().into())],
    );
    std::thread::Builder::new()
        .name("edgemcp-otlp".to_owned())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                log::error("the OTLP exporter could not start a runtime", &[]);
                return;
            };
            runtime.block_on(export_loop(settings, client, spans));
        })
        .map_err(|e| {
            edgemcp::Error::internal(format!("the OTLP exporter thread could not start: {e}"))
        })?;
    // A second start (tests build many servers) keeps the first exporter for `flush`.
    let _ = EXPORTER.set(queue.clone());
    Ok(QueuedSpans {
        queue,
        dropped: AtomicU64::new(0),
    })
}

/// Sends every queued span and waits (up to `limit`) until the export is done.
pub async fn flush(limit: Duration) {
    let Some(exporter) = EXPORTER.get() else {
        return;
    };
    let (done, exported) = oneshot::channel();
    if exporter.send(Message::Flush(done)).await.is_ok() {
        let _ = tokio::time::timeout(limit, exported).await;
    }
}

async fn export_loop(
    settings: OtlpSettings,
    client: reqwest::Client,
    mut spans: mpsc::Receiver<Message>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let message = tokio::time::timeout(INTERVAL, spans.recv()).await;
        match message {
            Ok(Some(Message::Span(span))) => {
                batch.push(span);
                if batch.len() >= BATCH {
                    export(&settings, &client, &mut batch).await;
                }
            }
            Ok(Some(Message::Flush(done))) => {
                // Whatever was queued before the flush is in `batch` or still queued.
                while let Ok(Message::Span(span)) = spans.try_recv() {
                    batch.push(span);
                }
                export(&settings, &client, &mut batch).await;
                let _ = done.send(());
            }
            Ok(None) => {
                export(&settings, &client, &mut batch).await;
                return;
            }
            Err(_) => export(&settings, &client, &mut batch).await,
        }
    }
}

/// POSTs `batch` (then empties it); a failure is logged and the batch dropped, so a
/// collector that is down never makes the server hold spans without bound.
async fn export(settings: &OtlpSettings, client: &reqwest::Client, batch: &mut Vec<SpanRecord>) {
    if batch.is_empty() {
        return;
    }
    let mut request = client
        .post(&settings.endpoint)
        .header("content-type", "application/json")
        .body(settings.body(batch));
    for (name, value) in &settings.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let outcome = match request.send().await {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => Err(format!("the collector answered {}", response.status())),
        Err(e) => Err(crate::error_text::with_causes(&e)),
    };
    if let Err(why) = outcome {
        log::warn(
            "spans could not be exported",
            &[("spans", batch.len().into()), ("error", why.into())],
        );
    }
    batch.clear();
}
