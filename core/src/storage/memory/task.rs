use super::lock;
use crate::runtime::BoxFuture;
use crate::storage::{TaskCursor, TaskRecord, TaskStore};
use crate::{Error, Result};
use std::collections::HashMap;
use std::sync::Mutex;

/// A [`TaskStore`] in one process's memory.
///
/// Tasks live as long as the process and are seen only by servers that share this value:
/// enough for tests, stdio and a single JavaScript host, not for several instances (use a
/// database there).
///
/// ```
/// use edgemcp::storage::{MemoryTasks, TaskStore};
///
/// let tasks = MemoryTasks::new();
/// let found = futures_executor::block_on(tasks.get("someone", "no-such-task"))?;
/// assert!(found.is_none());
/// # Ok::<(), edgemcp::Error>(())
/// ```
#[derive(Default)]
pub struct MemoryTasks {
    tasks: Mutex<HashMap<String, TaskRecord>>,
}

impl MemoryTasks {
    /// An empty store.
    pub fn new() -> Self {
        MemoryTasks::default()
    }
}

impl TaskStore for MemoryTasks {
    fn create<'a>(&'a self, task: &'a TaskRecord) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut tasks = lock(&self.tasks, "task store")?;
            if tasks.contains_key(&task.id) {
                return Err(Error::storage(format!(
                    "a task with id {} exists already; create it with a fresh id",
                    task.id
                )));
            }
            tasks.insert(task.id.clone(), task.clone());
            Ok(())
        })
    }

    fn get<'a>(&'a self, owner: &'a str, id: &'a str) -> BoxFuture<'a, Result<Option<TaskRecord>>> {
        Box::pin(async move {
            let tasks = lock(&self.tasks, "task store")?;
            Ok(tasks.get(id).filter(|t| t.owner == owner).cloned())
        })
    }

    fn replace<'a>(
        &'a self,
        task: &'a TaskRecord,
        expected_version: u64,
    ) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move {
            let mut tasks = lock(&self.tasks, "task store")?;
            match tasks.get_mut(&task.id) {
                Some(stored) if stored.version == expected_version => {
                    *stored = task.clone();
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
    ) -> BoxFuture<'a, Result<Vec<TaskRecord>>> {
        Box::pin(async move {
            let tasks = lock(&self.tasks, "task store")?;
            let mine = tasks.values().filter(|t| t.owner == owner).cloned();
            Ok(TaskCursor::page(mine, owner, after, limit))
        })
    }

    fn purge_expired(&self, now_ms: u64) -> BoxFuture<'_, Result<u64>> {
        Box::pin(async move {
            let mut tasks = lock(&self.tasks, "task store")?;
            let before = tasks.len();
            tasks.retain(|_, t| !t.is_expired(now_ms));
            Ok((before - tasks.len()) as u64)
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_promises_of_a_task_store() {
        let tasks = super::MemoryTasks::new();
        futures_executor::block_on(crate::storage::testing::task_behavior(&tasks));
    }
}
