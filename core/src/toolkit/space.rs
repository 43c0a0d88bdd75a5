//! Where a toolkit's keys live (its prefix, and each tenant's space under it), and how
//! many a listing returns.

use crate::{Error, Result};

/// The most entries one listing returns.
const MAX_LIST: usize = 1000;

/// Where one toolkit's keys live: the configured prefix and, with tenant isolation,
/// `tenants/<tenant>/` under it for each caller's verified tenant.
#[derive(Debug, Clone)]
pub(crate) struct KeySpace {
    base: String,
    isolate: bool,
}

impl KeySpace {
    pub(crate) fn new(base: &str, isolate: bool) -> Self {
        KeySpace {
            base: base.to_owned(),
            isolate,
        }
    }

    /// The prefix the keys of the call `cx` live under.
    ///
    /// The tenant comes only from the verified identity, never from anything the client
    /// sends; a caller without one is refused rather than given a shared space.
    pub(crate) fn prefix_for(&self, cx: &crate::RequestContext) -> Result<String> {
        if !self.isolate {
            return Ok(self.base.clone());
        }
        let tenant = cx
            .identity()
            .and_then(|who| who.tenant.as_deref())
            .ok_or_else(|| {
                crate::Error::invalid_params(
                    "Tenant isolation is on, but this caller has no verified tenant; use a key or \
                     token that names one.",
                )
            })?;
        if !crate::auth::is_tenant_name(tenant) {
            return Err(crate::Error::invalid_params(
                "The caller's tenant is not a safe name (letters, digits, `-`, `_`, `.`); \
                 refusing to store under it.",
            ));
        }
        Ok(format!("{}tenants/{tenant}/", self.base))
    }
}

/// `key` under `prefix`.
pub(crate) fn within_prefix(prefix: &str, key: &str) -> String {
    let mut full = String::with_capacity(prefix.len() + key.len());
    full.push_str(prefix);
    full.push_str(key);
    full
}

/// The page size a list call asked for, checked.
pub(crate) fn page_limit(limit: Option<usize>) -> Result<usize> {
    match limit {
        None => Ok(100),
        Some(n) if (1..=MAX_LIST).contains(&n) => Ok(n),
        Some(n) => Err(Error::invalid_params(format!(
            "limit is {n}; use 1 to {MAX_LIST}."
        ))),
    }
}
