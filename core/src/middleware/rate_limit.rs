//! Rate limits: token buckets per caller, one for every request and one per tool.

use super::{BoxHandler, Exchange, Handler, Layer};
use crate::jsonrpc::{ErrorObject, Response};
use crate::protocol::methods;
use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use crate::server::Reply;
use crate::{Error, Result};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The JSON-RPC error code of a request refused by a rate limit (a server error in the
/// range JSON-RPC leaves to implementations). `data.retryAfterSeconds` says when to retry.
pub const RATE_LIMITED: i64 = -32029;

/// The most buckets a [`MemoryRateLimiter`] keeps; past it, the fullest are forgotten
/// first (forgetting a full bucket changes nothing).
const MAX_BUCKETS: usize = 10_000;

/// One budget: `per_minute` requests on average, up to `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Tokens added per minute.
    pub per_minute: u32,
    /// The bucket's size: how many requests may arrive at once after a quiet spell.
    pub burst: u32,
}

impl Limit {
    /// `per_minute` requests a minute, all of which may arrive at once.
    pub fn per_minute(per_minute: u32) -> Self {
        Limit {
            per_minute,
            burst: per_minute,
        }
    }
}

/// The budgets a server enforces per caller.
///
/// ```
/// use edgemcp::middleware::{Limit, RateLimits};
///
/// let limits = RateLimits::new()
///     .every_request(Limit { per_minute: 120, burst: 20 })
///     .tool("sql_query", Limit::per_minute(30));
/// # let _ = limits;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimits {
    pub(crate) global: Option<Limit>,
    pub(crate) tools: Vec<(String, Limit)>,
}

impl RateLimits {
    /// No limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// A budget every request of a caller draws from.
    pub fn every_request(mut self, limit: Limit) -> Self {
        self.global = Some(limit);
        self
    }

    /// A budget the calls of tool `name` by one caller draw from (on top of the other).
    pub fn tool(mut self, name: impl Into<String>, limit: Limit) -> Self {
        self.tools.push((name.into(), limit));
        self
    }

    /// Whether any limit is set.
    pub fn is_empty(&self) -> bool {
        self.global.is_none() && self.tools.is_empty()
    }

    /// The limits the `EDGEMCP_RATE_LIMIT_*` settings describe (see
    /// [`ServerBuilder::settings_from_vars`](crate::ServerBuilder::settings_from_vars)).
    pub(crate) fn from_vars(get: &dyn Fn(&str) -> Option<String>) -> Result<Self> {
        let number = |name: &str| -> Result<Option<u32>> {
            get(name)
                .map(|v| {
                    v.trim()
                        .parse::<u32>()
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| {
                            Error::config(format!(
                                "{name} must be a whole number of at least 1, not {v:?}."
                            ))
                        })
                })
                .transpose()
        };
        let mut limits = RateLimits::new();
        let per_minute = number("EDGEMCP_RATE_LIMIT_PER_MINUTE")?;
        let burst = number("EDGEMCP_RATE_LIMIT_BURST")?;
        if let Some(per_minute) = per_minute {
            limits.global = Some(Limit {
                per_minute,
                burst: burst.unwrap_or(per_minute),
            });
        } else if burst.is_some() {
            return Err(Error::config(
                "EDGEMCP_RATE_LIMIT_BURST needs EDGEMCP_RATE_LIMIT_PER_MINUTE as well.",
            ));
        }
        for entry in get("EDGEMCP_RATE_LIMIT_TOOLS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let parsed = entry
                .split_once('=')
                .and_then(|(name, n)| Some((name.trim(), n.trim().parse::<u32>().ok()?)))
                .filter(|(name, n)| !name.is_empty() && *n >= 1);
            let Some((name, per_minute)) = parsed else {
                return Err(Error::config(format!(
                    "EDGEMCP_RATE_LIMIT_TOOLS lists tool=calls-per-minute pairs separated by \
                     commas, such as sql_query=30,blob_put=10; {entry:?} is not one."
                )));
            };
            limits
                .tools
                .push((name.to_owned(), Limit::per_minute(per_minute)));
        }
        Ok(limits)
    }
}

/// What a bucket said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The request may go on.
    Allowed,
    /// Over the limit: the request is refused; a token is back after `retry_after`.
    Limited {
        /// When the caller may retry.
        retry_after: Duration,
    },
}

/// Where the buckets live: in memory ([`MemoryRateLimiter`], per process or isolate), or
/// a store every instance shares (the Workers Rate Limiting binding).
pub trait RateLimiter: MaybeSend + MaybeSync {
    /// Takes a token from `key`'s bucket, sized by `limit`, at `now_micros` on the
    /// runtime's monotonic clock. A shared limiter may keep its own sizes instead.
    fn acquire(&self, key: &str, limit: Limit, now_micros: u64) -> BoxFuture<'static, Decision>;

    /// Whether this limiter keeps its own budget and ignores the `limit` it is given (the
    /// Workers binding, sized in `wrangler.toml`). Such a limiter holds only the budget of
    /// every request; the per-tool budgets stay in memory. A limiter that honours `limit`
    /// (the default) holds the per-tool budgets too.
    fn keeps_own_limit(&self) -> bool {
        false
    }
}

/// Token buckets in this process's memory.
#[derive(Debug, Default)]
pub struct MemoryRateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Tokens, in millionths.
    micro_tokens: u64,
    updated_micros: u64,
}

impl MemoryRateLimiter {
    /// A limiter with no buckets yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The decision for `key`, taken synchronously.
    pub fn take(&self, key: &str, limit: Limit, now_micros: u64) -> Decision {
        let Ok(mut buckets) = self.buckets.lock() else {
            return Decision::Allowed;
        };
        let full = u64::from(limit.burst.max(1)) * 1_000_000;
        // Tokens per microsecond, in millionths: per_minute / 60e6 * 1e6.
        let rate = u64::from(limit.per_minute.max(1));
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(key) {
            forget_fullest(&mut buckets, now_micros, rate, full);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            micro_tokens: full,
            updated_micros: now_micros,
        });
        let elapsed = now_micros.saturating_sub(bucket.updated_micros);
        bucket.micro_tokens = (bucket.micro_tokens + elapsed * rate / 60).min(full);
        bucket.updated_micros = now_micros;
        if bucket.micro_tokens >= 1_000_000 {
            bucket.micro_tokens -= 1_000_000;
            return Decision::Allowed;
        }
        let missing = 1_000_000 - bucket.micro_tokens;
        let wait_micros = (missing * 60).div_ceil(rate);
        Decision::Limited {
            retry_after: Duration::from_micros(wait_micros),
        }
    }
}

/// Drops the buckets that have refilled by now (or, failing that, an arbitrary tenth).
fn forget_fullest(buckets: &mut HashMap<String, Bucket>, now: u64, rate: u64, full: u64) {
    let before = buckets.len();
    buckets.retain(|_, b| b.micro_tokens + now.saturating_sub(b.updated_micros) * rate / 60 < full);
    if buckets.len() == before {
        let drop: Vec<String> = buckets.keys().take(before / 10 + 1).cloned().collect();
        for key in drop {
            buckets.remove(&key);
        }
    }
}

impl RateLimiter for MemoryRateLimiter {
    fn acquire(&self, key: &str, limit: Limit, now_micros: u64) -> BoxFuture<'static, Decision> {
        let decision = self.take(key, limit, now_micros);
        Box::pin(async move { decision })
    }
}

/// The layer that enforces [`RateLimits`]: every request of a caller from the budget of
/// all requests, and each tool call from its tool's budget too. The buckets live in
/// `shared` when the host has a limiter every instance shares (the per-tool ones only if
/// it honours the sizes it is given), in memory otherwise.
pub(crate) struct RateLimit {
    pub(crate) limits: RateLimits,
    pub(crate) shared: Option<Arc<dyn RateLimiter>>,
}

impl Layer for RateLimit {
    fn layer(&self, inner: BoxHandler) -> BoxHandler {
        let memory = || -> Arc<dyn RateLimiter> { Arc::new(MemoryRateLimiter::new()) };
        let global = match (&self.shared, self.limits.global) {
            (Some(shared), Some(_)) => Some(shared.clone()),
            (Some(shared), None) if shared.keeps_own_limit() => Some(shared.clone()),
            (None, Some(_)) => Some(memory()),
            _ => None,
        };
        let tools = match &self.shared {
            Some(shared) if !shared.keeps_own_limit() => shared.clone(),
            _ => memory(),
        };
        Arc::new(RateLimitHandler {
            limits: self.limits.clone(),
            global,
            tools,
            inner,
        })
    }
}

struct RateLimitHandler {
    limits: RateLimits,
    global: Option<Arc<dyn RateLimiter>>,
    tools: Arc<dyn RateLimiter>,
    inner: BoxHandler,
}

impl Handler for RateLimitHandler {
    fn handle(&self, exchange: Exchange) -> BoxFuture<'static, Option<Reply>> {
        if exchange.id().is_none() {
            return self.inner.handle(exchange);
        }
        let tool = (exchange.method() == methods::TOOLS_CALL)
            .then(|| exchange.target())
            .flatten()
            .and_then(|name| self.limits.tools.iter().find(|(tool, _)| tool == name))
            .cloned();
        if tool.is_none() && self.global.is_none() {
            return self.inner.handle(exchange);
        }
        let key = caller_key(&exchange);
        let now = exchange.runtime().monotonic_micros();
        let tool_decision = tool.as_ref().map(|(name, limit)| {
            self.tools
                .acquire(&format!("tool\u{0}{name}\u{0}{key}"), *limit, now)
        });
        let (global, limit, inner) = (self.global.clone(), self.limits.global, self.inner.clone());
        Box::pin(async move {
            if let (Some(decided), Some((name, tool_limit))) = (tool_decision, &tool) {
                if let Decision::Limited { retry_after } = decided.await {
                    return limited(&exchange, retry_after, Some(tool_limit), Some(name));
                }
            }
            if let Some(global) = global {
                // A limiter that keeps its own budget is given a placeholder it ignores.
                let size = limit.unwrap_or(Limit::per_minute(1));
                if let Decision::Limited { retry_after } = global.acquire(&key, size, now).await {
                    return limited(&exchange, retry_after, limit.as_ref(), None);
                }
            }
            inner.handle(exchange).await
        })
    }
}

/// Whom a request is counted against: the verified subject (within its tenant), else the
/// client's address, else one shared bucket for callers nobody can tell apart.
fn caller_key(exchange: &Exchange) -> String {
    match (exchange.identity(), exchange.trace().client_address()) {
        (Some(who), _) => format!(
            "subject\u{0}{}\u{0}{}",
            who.tenant.as_deref().unwrap_or(""),
            who.subject
        ),
        (None, Some(address)) => format!("address\u{0}{address}"),
        (None, None) => "anonymous".to_owned(),
    }
}

/// The refusal of a request over a limit: 429 over HTTP (with `Retry-After`), and the
/// JSON-RPC error [`RATE_LIMITED`] with `data.retryAfterSeconds` everywhere.
fn limited(
    exchange: &Exchange,
    retry_after: Duration,
    limit: Option<&Limit>,
    tool: Option<&str>,
) -> Option<Reply> {
    let id = exchange.id()?.clone();
    let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let what = match tool {
        Some(name) => format!("calls of `{name}`"),
        None => "requests".to_owned(),
    };
    let message = match limit {
        Some(limit) => format!(
            "Too many {what}: the limit is {} a minute per caller; retry in {seconds} s.",
            limit.per_minute
        ),
        None => format!("Too many {what} from this caller; retry in {seconds} s."),
    };
    Some(Reply::new(
        Response::error(
            Some(id),
            ErrorObject::new(RATE_LIMITED, message)
                .with_data(json!({"retryAfterSeconds": seconds})),
        ),
        429,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn settings_read_budgets_and_name_what_is_wrong() {
        let limits = RateLimits::from_vars(&vars(&[
            ("EDGEMCP_RATE_LIMIT_PER_MINUTE", "120"),
            ("EDGEMCP_RATE_LIMIT_BURST", "20"),
            ("EDGEMCP_RATE_LIMIT_TOOLS", "sql_query=30, blob_put=10"),
        ]))
        .unwrap();
        assert_eq!(
            limits.global,
            Some(Limit {
                per_minute: 120,
                burst: 20
            })
        );
        assert_eq!(
            limits.tools[1],
            ("blob_put".to_owned(), Limit::per_minute(10))
        );
        assert!(RateLimits::from_vars(&vars(&[])).unwrap().is_empty());
        for (name, value, says) in [
            ("EDGEMCP_RATE_LIMIT_PER_MINUTE", "0", "at least 1"),
            ("EDGEMCP_RATE_LIMIT_PER_MINUTE", "many", "at least 1"),
            (
                "EDGEMCP_RATE_LIMIT_BURST",
                "5",
                "needs EDGEMCP_RATE_LIMIT_PER_MINUTE",
            ),
            ("EDGEMCP_RATE_LIMIT_TOOLS", "sql_query", "sql_query=30"),
            ("EDGEMCP_RATE_LIMIT_TOOLS", "=3", "\"=3\""),
        ] {
            let err = RateLimits::from_vars(&vars(&[(name, value)])).unwrap_err();
            assert!(
                err.message().contains(says),
                "{name}={value}: {}",
                err.message()
            );
        }
    }

    #[test]
    fn a_bucket_refills_at_its_rate_and_never_past_its_size() {
        let limiter = MemoryRateLimiter::new();
        let limit = Limit {
            per_minute: 6,
            burst: 2,
        }; // a token every 10 s
        assert_eq!(limiter.take("k", limit, 0), Decision::Allowed);
        assert_eq!(limiter.take("k", limit, 0), Decision::Allowed);
        assert_eq!(
            limiter.take("k", limit, 0),
            Decision::Limited {
                retry_after: Duration::from_secs(10)
            }
        );
        assert_eq!(
            limiter.take("k", limit, 4_000_000),
            Decision::Limited {
                retry_after: Duration::from_secs(6)
            }
        );
        assert_eq!(limiter.take("k", limit, 10_000_000), Decision::Allowed);
        // An hour of quiet refills two tokens, not 360.
        let later = 3_600_000_000;
        assert_eq!(limiter.take("k", limit, later), Decision::Allowed);
        assert_eq!(limiter.take("k", limit, later), Decision::Allowed);
        assert!(matches!(
            limiter.take("k", limit, later),
            Decision::Limited { .. }
        ));
    }

    #[test]
    fn the_bucket_table_stays_bounded() {
        let limiter = MemoryRateLimiter::new();
        let limit = Limit::per_minute(1);
        for i in 0..(MAX_BUCKETS + 500) {
            limiter.take(&format!("caller-{i}"), limit, 0);
        }
        assert!(limiter.buckets.lock().unwrap().len() <= MAX_BUCKETS);
    }
}
