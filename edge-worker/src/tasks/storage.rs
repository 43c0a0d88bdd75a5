use crate::js;
use edgemcp::runtime::BoxFuture;
use edgemcp::storage::{TaskCursor, TaskRecord, TaskStore};
use edgemcp::Error;
use wasm_bindgen::JsValue;

const PREFIX: &str = "task/";

/// A [`TaskStore`] in a Durable Object's storage (`state.storage`): one key per task, the
/// record as JSON text.
///
/// An object handles one event at a time and its storage calls are ordered, so reading a
/// record and writing it back in [`TaskStore::replace`] cannot interleave with another
/// request's change.
pub struct ObjectStorage(JsValue);

impl ObjectStorage {
    /// Wraps a Durable Object's storage (`state.storage`); `None` when it is not one.
    pub fn new(storage: JsValue) -> Option<Self> {
        js::has_method(&storage, "get").then_some(ObjectStorage(storage))
    }

    async fn read(&self, id: &str) -> edgemcp::Result<Option<TaskRecord>> {
        let value = js::call(&self.0, "get", &[format!("{PREFIX}{id}").into()])
            .await
            .map_err(|e| failed("read", e))?;
        value
            .as_string()
            .map(|text| TaskRecord::from_json_text(&text))
            .transpose()
    }

    async fn write(&self, task: &TaskRecord) -> edgemcp::Result<()> {
        let text = task.to_json_text();
        js::call(
            &self.0,
            "put",
            &[format!("{PREFIX}{}", task.id).into(), text.into()],
        )
        .await
        .map_err(|e| failed("write", e))?;
        Ok(())
    }

    /// Every task this object keeps.
    async fn all(&self) -> edgemcp::Result<Vec<TaskRecord>> {
        let options = js::object(&[("prefix", PREFIX.into())]);
        let map = js::call(&self.0, "list", &[options.into()])
            .await
            .map_err(|e| failed("list", e))?;
        let values = js::call_sync(&map, "values", &[]).map_err(|e| failed("list", e))?;
        let values = js_sys::Array::from(&values);
        let mut tasks = Vec::with_capacity(values.length() as usize);
        for value in values.iter() {
            if let Some(text) = value.as_string() {
                tasks.push(TaskRecord::from_json_text(&text)?);
            }
        }
        Ok(tasks)
    }
}

fn failed(what: &str, why: String) -> Error {
    Error::storage(format!("the task object's storage could not {what}: {why}")).set_temporary()
}

impl TaskStore for ObjectStorage {
    fn create<'a>(&'a self, task: &'a TaskRecord) -> BoxFuture<'a, edgemcp::Result<()>> {
        Box::pin(async move {
            if self.read(&task.id).await?.is_some() {
                return Err(Error::storage(format!(
                    "a task with id {} exists already; create it with a fresh id",
                    task.id
                )));
            }
            self.write(task).await
        })
    }

    fn get<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, edgemcp::Result<Option<TaskRecord>>> {
        Box::pin(async move { Ok(self.read(id).await?.filter(|t| t.owner == owner)) })
    }

    fn replace<'a>(
        &'a self,
        task: &'a TaskRecord,
        expected_version: u64,
    ) -> BoxFuture<'a, edgemcp::Result<bool>> {
        Box::pin(async move {
            match self.read(&task.id).await? {
                Some(stored) if stored.version == expected_version => {
                    self.write(task).await?;
                    Ok(true)
                }
                _ => Ok(false),
            }
        })
    }

    fn list<'a>(
        &'a self,
        owner: &'a str,
        after: Option<&'a TaskCursor>,
        limit: usize,
    ) -> BoxFuture<'a, edgemcp::Result<Vec<TaskRecord>>> {
        Box::pin(async move { Ok(TaskCursor::page(self.all().await?, owner, after, limit)) })
    }

    fn purge_expired(&self, now_ms: u64) -> BoxFuture<'_, edgemcp::Result<u64>> {
        Box::pin(async move {
            let expired: Vec<JsValue> = self
                .all()
                .await?
                .into_iter()
                .filter(|t| t.is_expired(now_ms))
                .map(|t| JsValue::from_str(&format!("{PREFIX}{}", t.id)))
                .collect();
            // One delete takes at most 128 keys.
            for chunk in expired.chunks(128) {
                let keys: js_sys::Array = chunk.iter().collect();
                js::call(&self.0, "delete", &[keys.into()])
                    .await
                    .map_err(|e| failed("delete", e))?;
            }
            Ok(expired.len() as u64)
        })
    }
}
