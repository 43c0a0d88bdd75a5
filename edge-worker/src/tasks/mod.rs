//! Tasks on Workers: a Durable Object keeps them and runs their work.
//!
//! A Worker isolate does not outlive its request, so the server of the `fetch` handler
//! keeps no tasks: once it admitted the caller, it hands each task call and task method
//! to the caller's Durable Object ([`ObjectDelegate`], one object per caller and tenant,
//! bound as [`TASKS_BINDING`]). That object builds the same server over its own storage
//! ([`ObjectStorage`]) and answers the job as its own ([`TaskHost`]): the call runs there,
//! and work that outlasts the answer runs in the object's alarm, not in the isolate that
//! took the request. Records live in the object's storage, so a task is read through any
//! isolate, and after a restart.
//!
//! Limits: an alarm runs for at most 15 minutes, so a task's work does too
//! (`EDGEMCP_TASK_MAX_SECONDS` defaults to that). An object that is evicted or restarted
//! while work runs loses the work; the task's lease then runs out and it is failed when
//! next read.

mod delegate;
mod host;
mod storage;

pub use delegate::ObjectDelegate;
pub use host::TaskHost;
pub use storage::ObjectStorage;

/// The Durable Object namespace binding that keeps tasks. Without it, calls run within
/// their request and no task is offered.
pub const TASKS_BINDING: &str = "TASKS";
