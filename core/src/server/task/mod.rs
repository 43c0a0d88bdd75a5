//! Tasks: tool calls answered at once with a task id, whose work goes on after the
//! response and whose result the client reads later (MCP 2025-11-25 core tasks, and the
//! `io.modelcontextprotocol/tasks` extension of 2026-07-28).
//!
//! - [`call`](self::call): whether a `tools/call` becomes a task, and starting it.
//! - [`run`](self::run): the work after the response: its lease, cancellation, outcome.
//! - [`methods`](self::methods): `tasks/get`, `tasks/result`, `tasks/list`,
//!   `tasks/cancel`, `tasks/update`.
//! - [`wire`](self::wire): how each revision spells a task.
//! - [`delegate`](self::delegate): tasks kept by another server (a Worker's Durable
//!   Object), for a server that cannot keep them.
//!
//! Records live in a [`TaskStore`], so any instance sharing the store answers for any
//! task; the instance that started the work renews a lease on it while it runs, and a task
//! whose lease ran out (its process stopped) is failed when next read.

mod call;
mod delegate;
pub(crate) use call::TaskMode;
pub use delegate::TaskDelegate;
mod methods;
mod run;
mod wire;

use crate::auth::Admitted;
use crate::server::Cancellation;
use crate::storage::TaskStore;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long tasks are kept and may run, and how often clients should poll.
///
/// ```
/// use edgemcp::TaskSettings;
/// use std::time::Duration;
///
/// let settings = TaskSettings {
///     max_duration: Duration::from_secs(600),
///     ..TaskSettings::default()
/// };
/// assert_eq!(settings.default_ttl, Duration::from_secs(3600));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSettings {
    /// How long a task is kept after creation when the client asks for no time to live.
    pub default_ttl: Duration,
    /// The longest time to live a client may ask for; longer requests are cut to it.
    pub max_ttl: Duration,
    /// How often clients are told to poll.
    pub poll_interval: Duration,
    /// How long the running instance vouches for a task between renewals (it renews at a
    /// third of it). A task whose lease ran out is failed: its process stopped.
    pub lease: Duration,
    /// How long a task's work may run before it is stopped and failed.
    pub max_duration: Duration,
    /// How long a call that may be answered directly (2026-07-28, an optional task) runs
    /// before it becomes a task; a call that asks for input within it asks synchronously.
    pub answer_within: Duration,
    /// How many tasks one caller may have running in one instance (in one Durable Object
    /// on Workers, which is the caller's own); a call beyond it is refused with
    /// [`RATE_LIMITED`](crate::middleware::RATE_LIMITED) until one ends.
    pub max_running_per_caller: usize,
}

impl TaskSettings {
    /// Reads the settings through `get` (a variable's value if set), the defaults for
    /// those not set: `EDGEMCP_TASK_TTL_SECONDS`, `EDGEMCP_TASK_MAX_TTL_SECONDS`,
    /// `EDGEMCP_TASK_POLL_MS`, `EDGEMCP_TASK_LEASE_SECONDS`, `EDGEMCP_TASK_MAX_SECONDS`,
    /// `EDGEMCP_TASK_MAX_RUNNING` (per caller).
    ///
    /// ```
    /// use edgemcp::TaskSettings;
    /// use std::time::Duration;
    ///
    /// let settings = TaskSettings::from_vars(|name| (name == "EDGEMCP_TASK_LEASE_SECONDS").then(|| "3".to_owned()))?;
    /// assert_eq!(settings.lease, Duration::from_secs(3));
    /// assert!(TaskSettings::from_vars(|_| Some("soon".to_owned())).is_err());
    /// # Ok::<(), edgemcp::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::ConfigInvalid`](crate::ErrorKind::ConfigInvalid) naming the variable
    /// whose value is not a whole number in range.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> crate::Result<Self> {
        use crate::toolkit::config::number;
        let mut settings = TaskSettings::default();
        let read = |name: &str, min: u64, max: u64| -> crate::Result<Option<u64>> {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(|v| number(name, &v, min, max))
                .transpose()
        };
        const DAY: u64 = 86_400;
        if let Some(secs) = read("EDGEMCP_TASK_TTL_SECONDS", 1, 30 * DAY)? {
            settings.default_ttl = Duration::from_secs(secs);
        }
        if let Some(secs) = read("EDGEMCP_TASK_MAX_TTL_SECONDS", 1, 30 * DAY)? {
            settings.max_ttl = Duration::from_secs(secs);
        }
        if let Some(ms) = read("EDGEMCP_TASK_POLL_MS", 10, 60_000)? {
            settings.poll_interval = Duration::from_millis(ms);
        }
        if let Some(secs) = read("EDGEMCP_TASK_LEASE_SECONDS", 1, 3600)? {
            settings.lease = Duration::from_secs(secs);
        }
        if let Some(secs) = read("EDGEMCP_TASK_MAX_SECONDS", 1, DAY)? {
            settings.max_duration = Duration::from_secs(secs);
        }
        if let Some(count) = read("EDGEMCP_TASK_MAX_RUNNING", 1, 10_000)? {
            settings.max_running_per_caller = usize::try_from(count).unwrap_or(usize::MAX);
        }
        Ok(settings)
    }
}

impl Default for TaskSettings {
    fn default() -> Self {
        TaskSettings {
            default_ttl: Duration::from_secs(3600),
            max_ttl: Duration::from_secs(24 * 3600),
            poll_interval: Duration::from_millis(500),
            lease: Duration::from_secs(15),
            max_duration: Duration::from_secs(15 * 60),
            answer_within: Duration::from_millis(100),
            max_running_per_caller: 16,
        }
    }
}

/// A server's tasks: where they are kept, and the ones this instance runs.
pub(crate) struct Tasks {
    pub(crate) store: Arc<dyn TaskStore>,
    pub(crate) settings: TaskSettings,
    /// The owner and cancellation of each task whose work runs in this instance, so a
    /// `tasks/cancel` arriving here stops it at once (others notice at their next renewal)
    /// and a caller's running tasks can be counted.
    running: Mutex<HashMap<String, (String, Cancellation)>>,
}

impl Tasks {
    pub(crate) fn new(store: Arc<dyn TaskStore>, settings: TaskSettings) -> Self {
        Tasks {
            store,
            settings,
            running: Mutex::new(HashMap::new()),
        }
    }

    /// Registers the work of `owner`'s task `id`, running here, and returns its
    /// cancellation. With `limited`, `Err` with the count when the owner runs as many as
    /// it may already (a task that resumes after input is not refused: it was counted
    /// when it started).
    fn start_running(&self, id: &str, owner: &str, limited: bool) -> Result<Cancellation, usize> {
        let cancel = Cancellation::default();
        if let Ok(mut running) = self.running.lock() {
            let count = running.values().filter(|(o, _)| o == owner).count();
            if limited && count >= self.settings.max_running_per_caller {
                return Err(count);
            }
            running.insert(id.to_owned(), (owner.to_owned(), cancel.clone()));
        }
        Ok(cancel)
    }

    fn stop_running(&self, id: &str) {
        if let Ok(mut running) = self.running.lock() {
            running.remove(id);
        }
    }

    /// Stops the work of task `id` if it runs here.
    fn cancel_running(&self, id: &str) {
        let cancel = self
            .running
            .lock()
            .ok()
            .and_then(|running| running.get(id).map(|(_, cancel)| cancel.clone()));
        if let Some(cancel) = cancel {
            cancel.cancel();
        }
    }

    fn lease_ms(&self) -> u64 {
        millis(self.settings.lease)
    }
}

/// Whose tasks a caller sees: its verified subject within its tenant, or one shared
/// owner where access control does not apply (no access control, a trusted transport).
pub(crate) fn owner_of(caller: &Admitted) -> String {
    match caller {
        // A JSON array keeps "tenant / subject" unambiguous whatever they contain.
        Some(who) => serde_json::json!([who.tenant, who.subject]).to_string(),
        None => String::new(),
    }
}

pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
