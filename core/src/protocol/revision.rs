use std::fmt;
use std::str::FromStr;

/// An MCP revision this server speaks.
///
/// The three 2025 revisions open with `initialize`; 2026-07-28 is stateless and carries
/// its revision in each request's `_meta`. Methods on this type name every behaviour that
/// differs between revisions, so the dispatcher asks instead of comparing dates.
///
/// ```
/// use edgemcp::protocol::ProtocolVersion;
///
/// let v: ProtocolVersion = "2025-06-18".parse().unwrap();
/// assert!(v.has_structured_output());
/// assert_eq!(ProtocolVersion::negotiate("1999-01-01"), ProtocolVersion::LATEST_SESSION);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolVersion {
    /// 2025-03-26: Streamable HTTP, batches, tool annotations.
    V2025_03_26,
    /// 2025-06-18: structured tool output, no batches, `MCP-Protocol-Version` header.
    V2025_06_18,
    /// 2025-11-25: icons, tasks, tool input errors as `isError` results.
    V2025_11_25,
    /// 2026-07-28: stateless; `server/discover`, per-request `_meta`, `resultType`.
    V2026_07_28,
}

/// A revision string this server does not speak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVersion(pub String);

impl fmt::Display for UnknownVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "protocol version {:?} is not supported; use one of {}",
            self.0,
            ProtocolVersion::ALL
                .iter()
                .map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

impl std::error::Error for UnknownVersion {}

impl ProtocolVersion {
    /// Every revision, oldest first.
    pub const ALL: [ProtocolVersion; 4] = [
        ProtocolVersion::V2025_03_26,
        ProtocolVersion::V2025_06_18,
        ProtocolVersion::V2025_11_25,
        ProtocolVersion::V2026_07_28,
    ];

    /// The newest revision.
    pub const LATEST: ProtocolVersion = ProtocolVersion::V2026_07_28;

    /// The newest revision that opens with `initialize`.
    pub const LATEST_SESSION: ProtocolVersion = ProtocolVersion::V2025_11_25;

    /// What Streamable HTTP assumes when a request carries no `MCP-Protocol-Version`.
    pub const HTTP_DEFAULT: ProtocolVersion = ProtocolVersion::V2025_03_26;

    /// The revision as the wire spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProtocolVersion::V2025_03_26 => "2025-03-26",
            ProtocolVersion::V2025_06_18 => "2025-06-18",
            ProtocolVersion::V2025_11_25 => "2025-11-25",
            ProtocolVersion::V2026_07_28 => "2026-07-28",
        }
    }

    /// The revision an `initialize` asking for `requested` gets: the same one when it
    /// opens with `initialize`, otherwise the newest that does.
    pub fn negotiate(requested: &str) -> ProtocolVersion {
        match requested.parse::<ProtocolVersion>() {
            Ok(v) if !v.is_stateless() => v,
            _ => ProtocolVersion::LATEST_SESSION,
        }
    }

    /// Stateless revisions take their revision from each request's `_meta`.
    pub fn is_stateless(self) -> bool {
        self >= ProtocolVersion::V2026_07_28
    }

    /// Whether a body may be a JSON array of messages.
    pub fn allows_batches(self) -> bool {
        self == ProtocolVersion::V2025_03_26
    }

    /// Whether tools carry `title` and `outputSchema` and results `structuredContent`.
    pub fn has_structured_output(self) -> bool {
        self >= ProtocolVersion::V2025_06_18
    }

    /// Whether results carry `resultType` (and list results `ttlMs` and `cacheScope`).
    pub fn has_result_type(self) -> bool {
        self.is_stateless()
    }

    /// Whether the revision has the core tasks of 2025-11-25: the `tasks` capability,
    /// `execution.taskSupport` on tools, the `task` parameter of `tools/call`,
    /// `tasks/result` and `tasks/list`. Later revisions moved tasks into the
    /// `io.modelcontextprotocol/tasks` extension (see [`has_task_extension`](Self::has_task_extension)).
    pub fn has_core_tasks(self) -> bool {
        self == ProtocolVersion::V2025_11_25
    }

    /// Whether tasks are the `io.modelcontextprotocol/tasks` extension, declared per
    /// request: the server decides which calls become tasks, results are read with
    /// `tasks/get`, input is answered with `tasks/update`.
    pub fn has_task_extension(self) -> bool {
        self.is_stateless()
    }

    /// Whether `title` exists on prompts, resources and the server's info, and resource
    /// links exist as content.
    pub fn has_titles(self) -> bool {
        self >= ProtocolVersion::V2025_06_18
    }

    /// The JSON-RPC code for a resource URI that names nothing: -32002 in the 2025
    /// revisions, -32602 from 2026-07-28 on.
    pub fn resource_not_found_code(self) -> i64 {
        if self.is_stateless() {
            crate::jsonrpc::INVALID_PARAMS
        } else {
            super::codes::RESOURCE_NOT_FOUND
        }
    }
}

impl FromStr for ProtocolVersion {
    type Err = UnknownVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProtocolVersion::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownVersion(s.to_owned()))
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_revision_and_nothing_else() {
        for v in ProtocolVersion::ALL {
            assert_eq!(v.as_str().parse::<ProtocolVersion>(), Ok(v));
        }
        for bad in ["", "2024-11-05", "2025-3-26", "latest", " 2025-06-18"] {
            assert!(bad.parse::<ProtocolVersion>().is_err(), "{bad}");
        }
    }

    #[test]
    fn negotiation_echoes_session_revisions_and_falls_back_to_the_newest() {
        assert_eq!(
            ProtocolVersion::negotiate("2025-03-26"),
            ProtocolVersion::V2025_03_26
        );
        assert_eq!(
            ProtocolVersion::negotiate("2025-06-18"),
            ProtocolVersion::V2025_06_18
        );
        assert_eq!(
            ProtocolVersion::negotiate("2024-11-05"),
            ProtocolVersion::V2025_11_25
        );
        assert_eq!(
            ProtocolVersion::negotiate("2026-07-28"),
            ProtocolVersion::V2025_11_25
        );
    }
}
