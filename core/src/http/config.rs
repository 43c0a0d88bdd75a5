/// Default request body limit: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Settings of the Streamable HTTP transport.
///
/// ```
/// use edgemcp::http::HttpConfig;
///
/// let config = HttpConfig::default()
///     .allow_origin("https://app.example.com")
///     .max_body_bytes(256 * 1024);
/// assert!(config.origin_allowed("https://app.example.com"));
/// assert!(config.origin_allowed("http://localhost:6274"));
/// assert!(!config.origin_allowed("https://evil.example"));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The MCP endpoint path. Default `/mcp`.
    pub endpoint: String,
    /// The health check path. Default `/health`.
    pub health_path: String,
    /// The readiness check path, served when the server has
    /// [`readiness`](crate::ServerBuilder::readiness). Default `/ready`.
    pub ready_path: String,
    /// Browser origins allowed to call the endpoint, exactly as sent in `Origin`.
    pub allowed_origins: Vec<String>,
    /// Whether loopback origins (`http://localhost:*`, `http://127.0.0.1:*`,
    /// `http://[::1]:*`) are allowed. Default `true`, for local tools and inspectors.
    pub allow_loopback_origins: bool,
    /// Whether every origin is allowed. Default `false`: a page on another site could
    /// otherwise drive a server on a private network (DNS rebinding).
    pub allow_any_origin: bool,
    /// The largest request body accepted, in bytes; larger gets 413.
    pub max_body_bytes: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            endpoint: "/mcp".to_owned(),
            health_path: "/health".to_owned(),
            ready_path: "/ready".to_owned(),
            allowed_origins: Vec::new(),
            allow_loopback_origins: true,
            allow_any_origin: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

impl HttpConfig {
    /// Allows one more browser origin, such as `https://app.example.com`.
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    /// Allows every origin. Only for servers that authenticate every request.
    pub fn allow_any_origin(mut self) -> Self {
        self.allow_any_origin = true;
        self
    }

    /// Sets the body limit.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Sets the endpoint path.
    pub fn endpoint(mut self, path: impl Into<String>) -> Self {
        self.endpoint = path.into();
        self
    }

    /// Whether a request carrying `Origin: origin` may proceed.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.allow_any_origin
            || self.allowed_origins.iter().any(|o| o == origin)
            || (self.allow_loopback_origins && is_loopback_origin(origin))
    }
}

fn is_loopback_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let host = if let Some(v6) = rest.strip_prefix('[') {
        match v6.split_once(']') {
            Some((host, port)) if port.is_empty() || valid_port(port) => return host == "::1",
            _ => return false,
        }
    } else {
        match rest.split_once(':') {
            Some((host, port)) if valid_port(port) => host,
            Some(_) => return false,
            None => rest,
        }
    };
    host == "localhost" || host == "127.0.0.1"
}

fn valid_port(port: &str) -> bool {
    port.strip_prefix(':')
        .unwrap_or(port)
        .parse::<u16>()
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_origins() {
        for ok in [
            "http://localhost",
            "http://localhost:6274",
            "http://127.0.0.1:8787",
            "http://[::1]:3000",
            "https://localhost",
        ] {
            assert!(is_loopback_origin(ok), "{ok}");
        }
        for bad in [
            "http://localhost.evil.com",
            "http://127.0.0.1.nip.io",
            "http://evil.com",
            "null",
            "http://localhost:99999",
            "http://localhost:80/path",
            "http://[::1].evil",
            "file://localhost",
        ] {
            assert!(!is_loopback_origin(bad), "{bad}");
        }
    }
}
