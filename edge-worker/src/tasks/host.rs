use super::ObjectStorage;
use crate::js;
use edgemcp::runtime::{BoxFuture, Runtime, Spawner};
use edgemcp::storage::TaskStore;
use edgemcp::Server;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::JsValue;

/// What a Durable Object class that keeps tasks does: answers the jobs its Worker sends
/// with a server it builds once, and runs the work that outlasts an answer in its alarm.
///
/// A Worker exports a class that holds one and forwards `fetch` and `alarm` to it:
///
/// ```ignore
/// #[wasm_bindgen]
/// pub struct TaskObject(edgemcp_worker::tasks::TaskHost);
///
/// #[wasm_bindgen]
/// impl TaskObject {
///     #[wasm_bindgen(constructor)]
///     pub fn new(state: JsValue, env: JsValue) -> TaskObject {
///         TaskObject(TaskHost::new(state, env))
///     }
///     pub fn fetch(&self, req: web_sys::Request) -> js_sys::Promise {
///         self.0.fetch(req, |env, runtime, store| my_server(env, runtime, store))
///     }
///     pub fn alarm(&self) -> js_sys::Promise {
///         self.0.alarm()
///     }
/// }
/// ```
#[derive(Clone)]
pub struct TaskHost(Rc<Inner>);

struct Inner {
    state: JsValue,
    env: JsValue,
    server: RefCell<Option<Server>>,
    /// How many pieces of work handed over after an answer still run.
    running: Rc<Cell<usize>>,
}

/// The spawner of an object's server: starts the work at once, and sets the alarm that
/// keeps the object running until the work ends.
struct AlarmKept {
    running: Rc<Cell<usize>>,
    storage: JsValue,
}

impl Spawner for AlarmKept {
    fn spawn(&self, work: BoxFuture<'static, ()>) {
        let running = self.running.clone();
        running.set(running.get() + 1);
        wasm_bindgen_futures::spawn_local(async move {
            work.await;
            running.set(running.get().saturating_sub(1));
        });
        let storage = self.storage.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let now = JsValue::from_f64(js_sys::Date::now());
            if let Err(why) = js::call(&storage, "setAlarm", &[now]).await {
                web_sys::console::error_1(&JsValue::from_str(&format!(
                    "edgemcp: a task's alarm could not be set: {why}"
                )));
            }
        });
    }
}

impl TaskHost {
    /// The host of the object whose `state` and `env` workerd passed to its constructor.
    pub fn new(state: JsValue, env: JsValue) -> Self {
        TaskHost(Rc::new(Inner {
            state,
            env,
            server: RefCell::new(None),
            running: Rc::default(),
        }))
    }

    /// Answers a job from the Worker: `build` makes the object's server (once) from the
    /// Worker's `env`, a runtime whose work runs in the alarm, and the object's storage as
    /// its task store; the server's [`Server::answer_delegated`] answers.
    pub fn fetch<F>(&self, req: web_sys::Request, build: F) -> js_sys::Promise
    where
        F: FnOnce(&JsValue, Runtime, Arc<dyn TaskStore>) -> edgemcp::Result<Server> + 'static,
    {
        let host = self.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let server = host.server(build)?;
            let text = js::call(&req, "text", &[])
                .await
                .map_err(|e| JsValue::from_str(&e))?
                .as_string()
                .unwrap_or_default();
            let job: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| JsValue::from_str(&e.to_string()))?;
            // Behind a pointer, so the dispatcher is not copied into this handler.
            let answer: BoxFuture<'static, serde_json::Value> =
                Box::pin(async move { server.answer_delegated(&job).await });
            let answer = answer.await;
            let response = web_sys::Response::new_with_opt_str(Some(&answer.to_string()))?;
            Ok(response.into())
        })
    }

    fn server<F>(&self, build: F) -> Result<Server, JsValue>
    where
        F: FnOnce(&JsValue, Runtime, Arc<dyn TaskStore>) -> edgemcp::Result<Server>,
    {
        if let Some(server) = self.0.server.borrow().clone() {
            return Ok(server);
        }
        let storage = js::get(&self.0.state, "storage");
        let store = ObjectStorage::new(storage.clone())
            .ok_or_else(|| JsValue::from_str("this Durable Object has no storage"))?;
        let runtime = edgemcp::runtime::web::runtime().with_spawner(AlarmKept {
            running: self.0.running.clone(),
            storage,
        });
        let server = build(&self.0.env, runtime, Arc::new(store))
            .map_err(|e| JsValue::from_str(&format!("the task object's server: {e}")))?;
        *self.0.server.borrow_mut() = Some(server.clone());
        Ok(server)
    }

    /// The object's alarm: lasts until the work handed over after answers has ended,
    /// which keeps the object (and so the work) running. Work lost with an earlier
    /// instance of the object is not here; its tasks are failed once their leases run out.
    pub fn alarm(&self) -> js_sys::Promise {
        let host = self.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let server = host.0.server.borrow().clone();
            if let Some(server) = server {
                while host.0.running.get() > 0 {
                    server
                        .runtime()
                        .sleep(std::time::Duration::from_millis(200))
                        .await;
                }
            }
            Ok(JsValue::UNDEFINED)
        })
    }
}
