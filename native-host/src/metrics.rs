//! Metrics in Prometheus' text format: what the core measures of each message, and how
//! long each storage call takes, kept in memory for this process and served at
//! `/metrics`.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `edgemcp_messages_total` | counter | `method`, `tool`, `outcome` |
//! | `edgemcp_errors_total` | counter | `method`, `code` (the JSON-RPC error code) |
//! | `edgemcp_message_duration_seconds` | histogram | `method` |
//! | `edgemcp_messages_in_flight` | gauge | |
//! | `edgemcp_storage_call_duration_seconds` | histogram | `backend`, `operation`, `outcome` |
//!
//! Every label takes values from a bounded set (see
//! [`MessageMeasure`]): never a user, a request id or
//! a key.

use edgemcp::runtime::{MessageMeasure, Metrics};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// Upper bounds of the duration buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    /// Observations at or under each bucket's bound (not yet cumulative).
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

impl Histogram {
    fn observe(&mut self, micros: u64) {
        let seconds = micros as f64 / 1e6;
        if let Some(i) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.counts[i] += 1;
        }
        self.count += 1;
        self.sum_seconds += seconds;
    }
}

/// The series: messages by method, then tool, then outcome.
#[derive(Default)]
struct Series {
    messages: BTreeMap<String, BTreeMap<String, BTreeMap<String, u64>>>,
    errors: BTreeMap<String, BTreeMap<i64, u64>>,
    durations: BTreeMap<String, Histogram>,
    storage: BTreeMap<(&'static str, &'static str, &'static str), Histogram>,
    breakers: BTreeMap<(&'static str, &'static str), u64>,
}

/// Applies `change` to `map[key]`, the default the first time. The key is copied only
/// then: a series that exists costs no allocation.
fn with_slot<V: Default, R>(
    map: &mut BTreeMap<String, V>,
    key: &str,
    change: impl FnOnce(&mut V) -> R,
) -> R {
    match map.get_mut(key) {
        Some(value) => change(value),
        None => change(map.entry(key.to_owned()).or_default()),
    }
}

/// The process's metrics.
#[derive(Default)]
pub struct Registry {
    series: Mutex<Series>,
    in_flight: AtomicI64,
}

static ENABLED: AtomicBool = AtomicBool::new(true);

/// Turns measuring on or off for the process (`EDGEMCP_METRICS_ENABLED`); on by default.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether the process measures at all.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// The registry every server of this process reports to.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::default)
}

impl Registry {
    fn series(&self) -> MutexGuard<'_, Series> {
        // A panic while holding the lock leaves counts that are still counts.
        self.series
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records one storage call of `operation` on `backend` that took `micros`.
    pub fn storage_call(
        &self,
        backend: &'static str,
        operation: &'static str,
        ok: bool,
        micros: u64,
    ) {
        let outcome = if ok { "ok" } else { "error" };
        crate::emf::storage_call(backend, operation, outcome, micros);
        self.series()
            .storage
            .entry((backend, operation, outcome))
            .or_default()
            .observe(micros);
    }

    /// Everything measured so far, in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let series = self.series();
        let mut out = String::new();
        out.push_str("# HELP edgemcp_messages_total MCP messages handled.\n# TYPE edgemcp_messages_total counter\n");
        for (method, tools) in &series.messages {
            for (tool, outcomes) in tools {
                for (outcome, n) in outcomes {
                    let _ = writeln!(
                        out,
                        "edgemcp_messages_total{{method=\"{method}\",tool=\"{tool}\",outcome=\"{outcome}\"}} {n}"
                    );
                }
            }
        }
        out.push_str("# HELP edgemcp_errors_total JSON-RPC errors returned, by code.\n# TYPE edgemcp_errors_total counter\n");
        for (method, codes) in &series.errors {
            for (code, n) in codes {
                let _ = writeln!(
                    out,
                    "edgemcp_errors_total{{method=\"{method}\",code=\"{code}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP edgemcp_messages_in_flight MCP messages being handled now.\n# TYPE edgemcp_messages_in_flight gauge\n");
        let _ = writeln!(
            out,
            "edgemcp_messages_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        out.push_str("# HELP edgemcp_message_duration_seconds Time to handle an MCP message.\n# TYPE edgemcp_message_duration_seconds histogram\n");
        for (method, histogram) in &series.durations {
            histogram_lines(
                &mut out,
                "edgemcp_message_duration_seconds",
                &format!("method=\"{method}\""),
                histogram,
            );
        }
        out.push_str("# HELP edgemcp_storage_call_duration_seconds Time of one call to a store.\n# TYPE edgemcp_storage_call_duration_seconds histogram\n");
        for ((backend, operation, outcome), histogram) in &series.storage {
            let labels =
                format!("backend=\"{backend}\",operation=\"{operation}\",outcome=\"{outcome}\"");
            histogram_lines(
                &mut out,
                "edgemcp_storage_call_duration_seconds",
                &labels,
                histogram,
            );
        }
        out.push_str("# HELP edgemcp_breaker_transitions_total Circuit breaker state changes, by store and new state.\n# TYPE edgemcp_breaker_transitions_total counter\n");
        for ((store, state), n) in &series.breakers {
            let _ = writeln!(
                out,
                "edgemcp_breaker_transitions_total{{store=\"{store}\",state=\"{state}\"}} {n}"
            );
        }
        out
    }
}

fn histogram_lines(out: &mut String, name: &str, labels: &str, histogram: &Histogram) {
    let mut cumulative = 0;
    for (bound, n) in BUCKETS.iter().zip(histogram.counts) {
        cumulative += n;
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
    }
    let _ = writeln!(
        out,
        "{name}_bucket{{{labels},le=\"+Inf\"}} {}",
        histogram.count
    );
    let _ = writeln!(out, "{name}_sum{{{labels}}} {}", histogram.sum_seconds);
    let _ = writeln!(out, "{name}_count{{{labels}}} {}", histogram.count);
}

/// What the core's runtime reports to: the process registry.
pub(crate) struct ProcessMetrics;

impl Metrics for ProcessMetrics {
    fn message_started(&self) {
        registry().in_flight.fetch_add(1, Ordering::Relaxed);
    }

    fn message_finished(&self, measure: &MessageMeasure<'_>) {
        crate::emf::message(measure);
        let registry = registry();
        registry.in_flight.fetch_sub(1, Ordering::Relaxed);
        let mut series = registry.series();
        with_slot(&mut series.messages, measure.method, |tools| {
            with_slot(tools, measure.tool.unwrap_or_default(), |outcomes| {
                with_slot(outcomes, measure.outcome, |count| *count += 1);
            });
        });
        if let Some(code) = measure.code {
            with_slot(&mut series.errors, measure.method, |codes| {
                *codes.entry(code).or_default() += 1;
            });
        }
        with_slot(&mut series.durations, measure.method, |histogram| {
            histogram.observe(measure.duration_micros);
        });
    }

    fn breaker_changed(&self, store: &'static str, state: &'static str) {
        *registry()
            .series()
            .breakers
            .entry((store, state))
            .or_default() += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_end_at_the_count() {
        let mut histogram = Histogram::default();
        for micros in [100, 800, 800, 30_000, 9_000_000] {
            histogram.observe(micros);
        }
        let mut out = String::new();
        histogram_lines(&mut out, "t", "m=\"x\"", &histogram);
        assert!(out.contains("t_bucket{m=\"x\",le=\"0.0005\"} 1\n"), "{out}");
        assert!(out.contains("t_bucket{m=\"x\",le=\"0.001\"} 3\n"), "{out}");
        assert!(out.contains("t_bucket{m=\"x\",le=\"0.05\"} 4\n"), "{out}");
        assert!(out.contains("t_bucket{m=\"x\",le=\"5\"} 4\n"), "{out}");
        assert!(out.contains("t_bucket{m=\"x\",le=\"+Inf\"} 5\n"), "{out}");
        assert!(out.contains("t_count{m=\"x\"} 5\n"), "{out}");
    }
}
