use super::{BoxFuture, MaybeSend, MaybeSync};

/// Runs work after the response that started it: what tasks need from a host.
///
/// Each host gives what it has, and its limits are the task's: natively the tokio runtime
/// (the work lives as long as the process); in a browser or service worker the event
/// loop (`spawn_local`, as long as the page or worker lives); in a host with `waitUntil`,
/// as long as the host keeps the request's context alive. On Workers the work runs in a
/// Durable Object instead, which outlives the isolate that took the request.
///
/// ```
/// use edgemcp::runtime::{BoxFuture, Spawner};
///
/// /// Runs each piece of work on a thread of its own, to its end.
/// struct Threads;
/// impl Spawner for Threads {
///     fn spawn(&self, work: BoxFuture<'static, ()>) {
///         std::thread::spawn(move || futures_executor::block_on(work));
///     }
/// }
/// # let _ = Threads;
/// ```
pub trait Spawner: MaybeSend + MaybeSync {
    /// Starts `work` and returns at once; the work runs to its end or until the host stops.
    fn spawn(&self, work: BoxFuture<'static, ()>);
}
