use crate::js;
use edgemcp::runtime::BoxFuture;
use edgemcp::{Error, TaskDelegate};
use serde_json::Value;
use wasm_bindgen::JsValue;

/// Hands task jobs to the Durable Object of their owner, through the namespace binding.
pub struct ObjectDelegate(JsValue);

impl ObjectDelegate {
    /// Wraps a Durable Object namespace binding (`env.TASKS`); `None` when `binding` is not
    /// one.
    pub fn new(binding: JsValue) -> Option<Self> {
        js::has_method(&binding, "idFromName").then_some(ObjectDelegate(binding))
    }

    /// The delegate over `env`'s [`TASKS_BINDING`](super::TASKS_BINDING), when declared.
    pub fn from_env(env: &JsValue) -> Option<Self> {
        ObjectDelegate::new(js::get(env, super::TASKS_BINDING))
    }
}

impl TaskDelegate for ObjectDelegate {
    fn delegate(&self, owner: &str, job: Value) -> BoxFuture<'static, edgemcp::Result<Value>> {
        let namespace = self.0.clone();
        // Each caller's tasks in an object of their own: listing and purging stay local.
        let name = format!("tasks:{owner}");
        Box::pin(async move {
            let failed = |what: &str, why: String| {
                Error::storage(format!("the task object could not {what}: {why}")).set_temporary()
            };
            let id = js::call_sync(&namespace, "idFromName", &[name.into()])
                .map_err(|e| failed("be named", e))?;
            let stub =
                js::call_sync(&namespace, "get", &[id]).map_err(|e| failed("be reached", e))?;
            let init = js::object(&[("method", "POST".into()), ("body", job.to_string().into())]);
            // The host part is not used: a stub's fetch goes to its object.
            let response = js::call(
                &stub,
                "fetch",
                &["https://tasks.internal/job".into(), init.into()],
            )
            .await
            .map_err(|e| failed("answer", e))?;
            let text = js::call(&response, "text", &[])
                .await
                .map_err(|e| failed("answer", e))?
                .as_string()
                .unwrap_or_default();
            serde_json::from_str(&text).map_err(|e| failed("answer in JSON", e.to_string()))
        })
    }
}
