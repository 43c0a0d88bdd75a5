//! Stores that time each call for the metrics (`edgemcp_storage_call_duration_seconds`).

use crate::metrics::registry;
use edgemcp::runtime::BoxFuture;
use edgemcp::storage::{
    BlobCapability, BlobList, BlobMeta, BlobObject, BlobPut, BlobStore, ColumnInfo, KvCapability,
    KvEntry, KvList, KvPut, KvStore, SqlCapability, SqlDatabase, SqlExecution, SqlLimits, SqlRows,
    SqlValue, TableInfo,
};
use edgemcp::Result;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

/// A store whose calls are timed and counted under `backend` (`sqlite`, `fs`, `s3`).
pub struct Metered<S: ?Sized> {
    inner: Arc<S>,
    backend: &'static str,
}

impl<S: ?Sized> Metered<S> {
    /// Wraps `inner`, reporting its calls as `backend`.
    pub fn new(inner: Arc<S>, backend: &'static str) -> Self {
        Metered { inner, backend }
    }

    fn timed<'a, T: 'a>(
        &'a self,
        operation: &'static str,
        call: impl Future<Output = Result<T>> + Send + 'a,
    ) -> BoxFuture<'a, Result<T>> {
        let backend = self.backend;
        if !crate::metrics::enabled() {
            return Box::pin(call);
        }
        Box::pin(async move {
            let started = Instant::now();
            let result = call.await;
            let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            registry().storage_call(backend, operation, result.is_ok(), micros);
            result
        })
    }
}

impl<S: KvStore + ?Sized> KvStore for Metered<S> {
    fn capability(&self) -> KvCapability {
        self.inner.capability()
    }
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<KvEntry>>> {
        self.timed("kv_get", self.inner.get(key))
    }
    fn put<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        options: KvPut,
    ) -> BoxFuture<'a, Result<()>> {
        self.timed("kv_put", self.inner.put(key, value, options))
    }
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
        self.timed("kv_delete", self.inner.delete(key))
    }
    fn list<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<KvList>> {
        self.timed("kv_list", self.inner.list(prefix, cursor, limit))
    }
}

impl<S: SqlDatabase + ?Sized> SqlDatabase for Metered<S> {
    fn capability(&self) -> SqlCapability {
        self.inner.capability()
    }
    fn query<'a>(
        &'a self,
        sql: &'a str,
        params: &'a [SqlValue],
        limits: SqlLimits,
    ) -> BoxFuture<'a, Result<SqlRows>> {
        self.timed("sql_query", self.inner.query(sql, params, limits))
    }
    fn execute<'a>(
        &'a self,
        sql: &'a str,
        params: &'a [SqlValue],
    ) -> BoxFuture<'a, Result<SqlExecution>> {
        self.timed("sql_execute", self.inner.execute(sql, params))
    }
    fn tables(&self) -> BoxFuture<'_, Result<Vec<TableInfo>>> {
        self.timed("sql_tables", self.inner.tables())
    }
    fn columns<'a>(&'a self, table: &'a str) -> BoxFuture<'a, Result<Vec<ColumnInfo>>> {
        self.timed("sql_columns", self.inner.columns(table))
    }
}

impl<S: BlobStore + ?Sized> BlobStore for Metered<S> {
    fn capability(&self) -> BlobCapability {
        self.inner.capability()
    }
    fn head<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<BlobMeta>>> {
        self.timed("blob_head", self.inner.head(key))
    }
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<BlobObject>>> {
        self.timed("blob_get", self.inner.get(key))
    }
    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Vec<u8>,
        options: BlobPut,
    ) -> BoxFuture<'a, Result<BlobMeta>> {
        self.timed("blob_put", self.inner.put(key, body, options))
    }
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
        self.timed("blob_delete", self.inner.delete(key))
    }
    fn list<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<BlobList>> {
        self.timed("blob_list", self.inner.list(prefix, cursor, limit))
    }
}
