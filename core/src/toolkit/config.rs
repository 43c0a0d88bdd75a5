//! Toolkit settings, read from variables with the same names on every host
//! (Worker vars in `wrangler.toml`, environment variables natively).

use crate::{Error, Result};
use std::time::Duration;

/// Settings of the SQL toolkit.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlConfig {
    /// Whether the SQL tools are offered. `EDGEMCP_SQL_ENABLED`, default `true`.
    pub enabled: bool,
    /// Rows one `sql_query` page returns unless the call asks for fewer.
    /// `EDGEMCP_SQL_MAX_ROWS`, default 100, at most [`SQL_ROW_CAP`].
    pub max_rows: usize,
    /// Whether `sql_execute` (writes with bound parameters) is offered.
    /// `EDGEMCP_SQL_ALLOW_WRITES`, default `false`.
    pub allow_writes: bool,
    /// The time limit of one query. `EDGEMCP_SQL_TIMEOUT_MS`, default 10 000.
    pub timeout: Duration,
    /// The most bytes one `sql_query` page may hold, counted as its values take in JSON
    /// ([`SqlValue::result_len`](crate::storage::SqlValue::result_len)); a page stops
    /// before a row that does not fit, and a single value larger than this is refused.
    /// Engines that can be configured also refuse to build a larger value.
    /// `EDGEMCP_SQL_MAX_RESULT_BYTES`, default 4 MiB, from 1 KiB to 64 MiB.
    pub max_result_bytes: usize,
    /// Whether the database is meant to be shared by every tenant, so the SQL tools may be
    /// offered with tenant isolation on. `EDGEMCP_SQL_SHARED_ACROSS_TENANTS`, default
    /// `false`: with isolation on and this off, the server refuses to start.
    pub shared_across_tenants: bool,
    /// The most rows one `sql_export` writes. `EDGEMCP_SQL_EXPORT_MAX_ROWS`, default
    /// 100 000, at most 10 000 000.
    pub export_max_rows: usize,
    /// The largest object one `sql_export` writes. `EDGEMCP_SQL_EXPORT_MAX_BYTES`, default
    /// 16 MiB, at most 1 GiB.
    pub export_max_bytes: usize,
}

/// The default of [`SqlConfig::max_result_bytes`]: 4 MiB.
pub const SQL_MAX_RESULT_BYTES: usize = 4 * 1024 * 1024;

/// The most rows one `sql_query` page may ever return, whatever the configuration says.
pub const SQL_ROW_CAP: usize = 1000;

/// Settings of the key-value toolkit.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvConfig {
    /// Whether the KV tools are offered. `EDGEMCP_KV_ENABLED`, default `true`.
    pub enabled: bool,
    /// Every key the tools touch lives under this prefix, invisible to the caller.
    /// `EDGEMCP_KV_PREFIX`, default empty.
    pub prefix: String,
    /// The largest value `kv_put` accepts, in bytes. `EDGEMCP_KV_MAX_VALUE_BYTES`,
    /// default 262 144 (256 KiB).
    pub max_value_bytes: usize,
}

/// Settings of the object-store toolkit.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobConfig {
    /// Whether the blob tools are offered. `EDGEMCP_BLOB_ENABLED`, default `true`.
    pub enabled: bool,
    /// Every object the tools touch lives under this prefix, invisible to the caller.
    /// `EDGEMCP_BLOB_PREFIX`, default empty.
    pub prefix: String,
    /// The largest object `blob_put` writes and `blob_get` returns, in bytes.
    /// `EDGEMCP_BLOB_MAX_BYTES`, default 524 288 (512 KiB).
    pub max_object_bytes: usize,
}

/// Settings of all three toolkits.
///
/// ```
/// use edgemcp::toolkit::ToolkitConfig;
///
/// let vars = [("EDGEMCP_SQL_MAX_ROWS", "50"), ("EDGEMCP_KV_PREFIX", "app/")];
/// let config = ToolkitConfig::from_vars(|name| {
///     vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
/// })?;
/// assert_eq!(config.sql.max_rows, 50);
/// assert_eq!(config.kv.prefix, "app/");
/// assert!(!config.sql.allow_writes);
/// # Ok::<(), edgemcp::Error>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolkitConfig {
    /// The SQL toolkit.
    pub sql: SqlConfig,
    /// The key-value toolkit.
    pub kv: KvConfig,
    /// The object-store toolkit.
    pub blob: BlobConfig,
    /// Confines each caller's KV keys and objects to `tenants/<tenant>/` under the
    /// prefixes, the tenant taken from the verified identity (needs access control).
    pub tenant_isolation: bool,
    /// Offers the toolkits' workflows (`explore_database`, `inspect_table`,
    /// `blob_inventory`, `kv_inventory`) as prompts where their toolkit is on.
    pub workflows: bool,
}

impl Default for ToolkitConfig {
    fn default() -> Self {
        ToolkitConfig {
            sql: SqlConfig {
                enabled: true,
                max_rows: 100,
                allow_writes: false,
                timeout: Duration::from_secs(10),
                max_result_bytes: SQL_MAX_RESULT_BYTES,
                shared_across_tenants: false,
                export_max_rows: 100_000,
                export_max_bytes: 16 * 1024 * 1024,
            },
            kv: KvConfig {
                enabled: true,
                prefix: String::new(),
                max_value_bytes: 256 * 1024,
            },
            blob: BlobConfig {
                enabled: true,
                prefix: String::new(),
                max_object_bytes: 512 * 1024,
            },
            tenant_isolation: false,
            workflows: true,
        }
    }
}

impl ToolkitConfig {
    /// Every variable name this reads, for hosts that list or forward them.
    pub const VARIABLES: [&'static str; 14] = [
        "EDGEMCP_SQL_ENABLED",
        "EDGEMCP_SQL_MAX_ROWS",
        "EDGEMCP_SQL_ALLOW_WRITES",
        "EDGEMCP_SQL_TIMEOUT_MS",
        "EDGEMCP_SQL_MAX_RESULT_BYTES",
        "EDGEMCP_SQL_SHARED_ACROSS_TENANTS",
        "EDGEMCP_SQL_EXPORT_MAX_ROWS",
        "EDGEMCP_SQL_EXPORT_MAX_BYTES",
        "EDGEMCP_KV_ENABLED",
        "EDGEMCP_KV_PREFIX",
        "EDGEMCP_KV_MAX_VALUE_BYTES",
        "EDGEMCP_BLOB_ENABLED",
        "EDGEMCP_BLOB_PREFIX",
        "EDGEMCP_BLOB_MAX_BYTES",
    ];

    /// Reads the settings through `get`, which returns a variable's value if it is set.
    ///
    /// # Errors
    /// [`ErrorKind::ConfigInvalid`](crate::ErrorKind::ConfigInvalid) naming the variable
    /// when a value does not parse or is out of range.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let mut c = ToolkitConfig::default();
        let get = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        if let Some(v) = get("EDGEMCP_SQL_ENABLED") {
            c.sql.enabled = parse_flag("EDGEMCP_SQL_ENABLED", &v)?;
        }
        if let Some(v) = get("EDGEMCP_SQL_MAX_ROWS") {
            c.sql.max_rows = number("EDGEMCP_SQL_MAX_ROWS", &v, 1, SQL_ROW_CAP as u64)? as usize;
        }
        if let Some(v) = get("EDGEMCP_SQL_ALLOW_WRITES") {
            c.sql.allow_writes = parse_flag("EDGEMCP_SQL_ALLOW_WRITES", &v)?;
        }
        if let Some(v) = get("EDGEMCP_SQL_TIMEOUT_MS") {
            c.sql.timeout =
                Duration::from_millis(number("EDGEMCP_SQL_TIMEOUT_MS", &v, 1, 600_000)?);
        }
        if let Some(v) = get("EDGEMCP_SQL_MAX_RESULT_BYTES") {
            c.sql.max_result_bytes =
                number("EDGEMCP_SQL_MAX_RESULT_BYTES", &v, 1024, 64 * 1024 * 1024)? as usize;
        }
        if let Some(v) = get("EDGEMCP_SQL_SHARED_ACROSS_TENANTS") {
            c.sql.shared_across_tenants = parse_flag("EDGEMCP_SQL_SHARED_ACROSS_TENANTS", &v)?;
        }
        if let Some(v) = get("EDGEMCP_SQL_EXPORT_MAX_ROWS") {
            c.sql.export_max_rows =
                number("EDGEMCP_SQL_EXPORT_MAX_ROWS", &v, 1, 10_000_000)? as usize;
        }
        if let Some(v) = get("EDGEMCP_SQL_EXPORT_MAX_BYTES") {
            c.sql.export_max_bytes =
                number("EDGEMCP_SQL_EXPORT_MAX_BYTES", &v, 1024, 1024 * 1024 * 1024)? as usize;
        }
        if let Some(v) = get("EDGEMCP_KV_ENABLED") {
            c.kv.enabled = parse_flag("EDGEMCP_KV_ENABLED", &v)?;
        }
        if let Some(v) = get("EDGEMCP_KV_PREFIX") {
            c.kv.prefix = v;
        }
        if let Some(v) = get("EDGEMCP_KV_MAX_VALUE_BYTES") {
            c.kv.max_value_bytes =
                number("EDGEMCP_KV_MAX_VALUE_BYTES", &v, 1, 25 * 1024 * 1024)? as usize;
        }
        if let Some(v) = get("EDGEMCP_BLOB_ENABLED") {
            c.blob.enabled = parse_flag("EDGEMCP_BLOB_ENABLED", &v)?;
        }
        if let Some(v) = get("EDGEMCP_BLOB_PREFIX") {
            c.blob.prefix = v;
        }
        if let Some(v) = get("EDGEMCP_WORKFLOWS_ENABLED") {
            c.workflows = parse_flag("EDGEMCP_WORKFLOWS_ENABLED", &v)?;
        }
        if let Some(v) = get("EDGEMCP_AUTH_TENANT_ISOLATION") {
            c.tenant_isolation = parse_flag("EDGEMCP_AUTH_TENANT_ISOLATION", &v)?;
        }
        if let Some(v) = get("EDGEMCP_BLOB_MAX_BYTES") {
            c.blob.max_object_bytes =
                number("EDGEMCP_BLOB_MAX_BYTES", &v, 1, 100 * 1024 * 1024)? as usize;
        }
        Ok(c)
    }
}

/// Reads a true/false setting the way every edgemcp variable is read: `1`, `true`,
/// `yes`, `on` or `0`, `false`, `no`, `off`, in any case.
///
/// Hosts use it for their own settings, so all of them accept the same spellings.
///
/// ```
/// assert_eq!(edgemcp::toolkit::parse_flag("EDGEMCP_X", "Yes").ok(), Some(true));
/// assert!(edgemcp::toolkit::parse_flag("EDGEMCP_X", "maybe").is_err());
/// ```
///
/// # Errors
/// A configuration error naming the variable when the value is neither.
pub fn parse_flag(name: &str, value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(Error::config(format!(
            "{name} must be true or false, not {value:?}."
        ))),
    }
}

/// Reads a whole number from `min` to `max` for the variable `name`.
pub(crate) fn number(name: &str, value: &str, min: u64, max: u64) -> Result<u64> {
    value
        .parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            Error::config(format!(
                "{name} must be a whole number from {min} to {max}, not {value:?}."
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<ToolkitConfig> {
        ToolkitConfig::from_vars(|name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(from(&[]).unwrap(), ToolkitConfig::default());
        let c = from(&[
            ("EDGEMCP_SQL_ENABLED", "false"),
            ("EDGEMCP_SQL_MAX_ROWS", "1000"),
            ("EDGEMCP_SQL_ALLOW_WRITES", "yes"),
            ("EDGEMCP_SQL_TIMEOUT_MS", "250"),
            ("EDGEMCP_SQL_MAX_RESULT_BYTES", "65536"),
            ("EDGEMCP_SQL_SHARED_ACROSS_TENANTS", "true"),
            ("EDGEMCP_KV_PREFIX", "tenant/"),
            ("EDGEMCP_BLOB_ENABLED", "0"),
            ("EDGEMCP_KV_ENABLED", " "),
        ])
        .unwrap();
        assert!(!c.sql.enabled && c.sql.allow_writes && !c.blob.enabled && c.kv.enabled);
        assert_eq!(c.sql.max_rows, 1000);
        assert_eq!(c.sql.timeout, Duration::from_millis(250));
        assert_eq!(c.sql.max_result_bytes, 65536);
        assert!(c.sql.shared_across_tenants);
        assert_eq!(c.kv.prefix, "tenant/");
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (name, value) in [
            ("EDGEMCP_SQL_MAX_ROWS", "1001"),
            ("EDGEMCP_SQL_MAX_ROWS", "0"),
            ("EDGEMCP_SQL_MAX_ROWS", "ten"),
            ("EDGEMCP_SQL_ENABLED", "maybe"),
            ("EDGEMCP_KV_MAX_VALUE_BYTES", "-1"),
            ("EDGEMCP_SQL_MAX_RESULT_BYTES", "1023"),
            ("EDGEMCP_SQL_MAX_RESULT_BYTES", "67108865"),
            ("EDGEMCP_SQL_SHARED_ACROSS_TENANTS", "sometimes"),
        ] {
            let err = from(&[(name, value)]).unwrap_err();
            assert!(err.to_string().contains(name), "{err}");
        }
    }
}
