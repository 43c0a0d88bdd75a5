//! Where spans are exported: the standard `OTEL_*` variables.

use super::{otlp, Sampler, SpanRecord};
use crate::{Error, Result};
use std::time::Duration;

/// The OTLP/HTTP exporter's settings, read from OpenTelemetry's standard variables:
///
/// | variable | meaning |
/// |---|---|
/// | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | the full URL spans are POSTed to |
/// | `OTEL_EXPORTER_OTLP_ENDPOINT` | the collector's base URL; spans go to `/v1/traces` under it |
/// | `OTEL_EXPORTER_OTLP_HEADERS` | `name=value` pairs, comma-separated, values percent-encoded |
/// | `OTEL_EXPORTER_OTLP_TIMEOUT` | milliseconds one export may take (default 10000) |
/// | `OTEL_SERVICE_NAME` | `service.name` (default `edgemcp`) |
/// | `OTEL_RESOURCE_ATTRIBUTES` | more resource attributes, `key=value` pairs |
/// | `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG` | which traces are recorded ([`Sampler`]) |
/// | `OTEL_SDK_DISABLED`, `OTEL_TRACES_EXPORTER=none` | no export |
///
/// Spans are sent as OTLP/JSON, which every OTLP/HTTP receiver accepts.
///
/// ```
/// use edgemcp::telemetry::OtlpSettings;
///
/// let vars = [("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"),
///             ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cr3t%3D"),
///             ("OTEL_SERVICE_NAME", "orders-mcp")];
/// let get = |name: &str| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string());
/// let settings = OtlpSettings::from_vars(get).unwrap().unwrap();
/// assert_eq!(settings.endpoint, "http://collector:4318/v1/traces");
/// assert_eq!(settings.headers, [("api-key".to_owned(), "s3cr3t=".to_owned())]);
/// assert!(!format!("{settings:?}").contains("s3cr3t"), "header values stay out of Debug");
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct OtlpSettings {
    /// Where spans are POSTed.
    pub endpoint: String,
    /// Headers sent with each export (a collector's API key, say).
    pub headers: Vec<(String, String)>,
    /// The resource attributes, `service.name` first.
    pub resource: Vec<(String, String)>,
    /// Which traces are recorded.
    pub sampler: Sampler,
    /// How long one export may take.
    pub timeout: Duration,
}

impl std::fmt::Debug for OtlpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("OtlpSettings")
            .field("endpoint", &self.endpoint)
            .field("headers", &header_names)
            .field("resource", &self.resource)
            .field("sampler", &self.sampler)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl OtlpSettings {
    /// The settings the variables describe, or `None` when no endpoint is set (or export
    /// is turned off).
    ///
    /// # Errors
    /// A configuration error naming the variable that cannot be read.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let flag = |name: &str| get(name).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        if flag("OTEL_SDK_DISABLED")
            || get("OTEL_TRACES_EXPORTER").is_some_and(|v| v.trim() == "none")
        {
            return Ok(None);
        }
        let endpoint = match (
            get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
            get("OTEL_EXPORTER_OTLP_ENDPOINT"),
        ) {
            (Some(full), _) => full.trim().to_owned(),
            (None, Some(base)) => format!("{}/v1/traces", base.trim().trim_end_matches('/')),
            (None, None) => return Ok(None),
        };
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            return Err(Error::config(format!(
                "The OTLP endpoint must be an http:// or https:// URL, such as \
                 http://localhost:4318; {endpoint:?} is not one."
            )));
        }
        for name in [
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ] {
            if get(name).is_some_and(|p| p.trim() == "grpc") {
                return Err(Error::config(format!(
                    "{name}=grpc is not supported: edgemcp exports over OTLP/HTTP (JSON); \
                     point the endpoint at the collector's HTTP port (4318) and set \
                     http/json or leave the protocol unset."
                )));
            }
        }
        let headers =
            pairs(&get("OTEL_EXPORTER_OTLP_HEADERS").unwrap_or_default()).map_err(|entry| {
                Error::config(format!(
                    "OTEL_EXPORTER_OTLP_HEADERS lists name=value pairs separated by commas, \
                     such as api-key=abc123; {entry:?} is not one."
                ))
            })?;
        let mut resource = vec![(
            "service.name".to_owned(),
            get("OTEL_SERVICE_NAME")
                .map(|name| name.trim().to_owned())
                .filter(|name| !name.is_empty())
                .unwrap_or_else(|| "edgemcp".to_owned()),
        )];
        let extra =
            pairs(&get("OTEL_RESOURCE_ATTRIBUTES").unwrap_or_default()).map_err(|entry| {
                Error::config(format!(
                    "OTEL_RESOURCE_ATTRIBUTES lists key=value pairs separated by commas, \
                     such as deployment.environment=prod; {entry:?} is not one."
                ))
            })?;
        resource.extend(extra.into_iter().filter(|(key, _)| key != "service.name"));
        let timeout = match get("OTEL_EXPORTER_OTLP_TIMEOUT") {
            None => Duration::from_secs(10),
            Some(ms) => Duration::from_millis(
                ms.trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|ms| *ms >= 1)
                    .ok_or_else(|| {
                        Error::config(format!(
                            "OTEL_EXPORTER_OTLP_TIMEOUT is in milliseconds, at least 1, not {ms:?}."
                        ))
                    })?,
            ),
        };
        Ok(Some(OtlpSettings {
            endpoint,
            headers,
            resource,
            sampler: Sampler::from_vars(&get)?,
            timeout,
        }))
    }

    /// The body of one export of `spans`: OTLP/JSON (`content-type: application/json`).
    pub fn body(&self, spans: &[SpanRecord]) -> String {
        otlp::export_request(&self.resource, spans).to_string()
    }
}

/// `name=value` pairs separated by commas, values percent-decoded; the entry that is not
/// one on error.
fn pairs(text: &str) -> std::result::Result<Vec<(String, String)>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let (name, value) = entry.split_once('=').ok_or_else(|| entry.to_owned())?;
            let name = name.trim();
            let value =
                crate::util::percent_decode(value.trim()).ok_or_else(|| entry.to_owned())?;
            if name.is_empty() {
                return Err(entry.to_owned());
            }
            Ok((name.to_owned(), value))
        })
        .collect()
}
