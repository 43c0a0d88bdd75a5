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

/// Defines the Durable Object class `TaskObject` a Worker exports to keep its tasks:
/// `build` (`|env, runtime, store| -> edgemcp::Result<Server>`) makes the object's server,
/// the same one the Worker serves, with `store` as its task store
/// ([`ServerBuilder::tasks_in`](edgemcp::ServerBuilder::tasks_in)) and on `runtime`.
/// Declare the class in `wrangler.toml` as the `TASKS` binding, and let the `fetch`
/// handler's server delegate to it ([`ObjectDelegate::from_env`]).
///
/// ```ignore
/// edgemcp_worker::task_object!(|env, runtime, store| my_server(env, runtime, store));
/// ```
#[macro_export]
macro_rules! task_object {
    ($build:expr) => {
        /// The Durable Object that keeps this Worker's tasks.
        #[::wasm_bindgen::prelude::wasm_bindgen]
        #[allow(unreachable_pub)] // exported to JavaScript, not to Rust
        pub struct TaskObject($crate::tasks::TaskHost);

        #[::wasm_bindgen::prelude::wasm_bindgen]
        #[allow(unreachable_pub)]
        impl TaskObject {
            /// The object workerd creates with its `state` and the Worker's `env`.
            #[wasm_bindgen(constructor)]
            pub fn new(state: ::wasm_bindgen::JsValue, env: ::wasm_bindgen::JsValue) -> TaskObject {
                TaskObject($crate::tasks::TaskHost::new(state, env))
            }

            /// Answers a task job from the Worker.
            pub fn fetch(&self, req: ::web_sys::Request) -> ::js_sys::Promise {
                self.0.fetch(req, $build)
            }

            /// Keeps the object running while work handed over after an answer runs.
            pub fn alarm(&self) -> ::js_sys::Promise {
                self.0.alarm()
            }
        }
    };
}
