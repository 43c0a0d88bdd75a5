//! `resources/read`: a resource by URI, or through the template it matches.

use crate::jsonrpc::{describe, ErrorObject};
use crate::protocol::ProtocolVersion;
use crate::server::reply::{Failure, Params};
use crate::server::Server;
use crate::{ErrorKind, RequestContext};
use serde_json::{json, Map, Value};

impl Server {
    /// `resources/read`: the contents of a fixed resource or of a template's match.
    pub(in crate::server) async fn read_resource(
        &self,
        params: &Params,
        cx: RequestContext,
    ) -> Result<Params, Failure> {
        let version = cx.protocol_version();
        let uri = match params.get("uri") {
            Some(Value::String(uri)) => uri.clone(),
            other => {
                return Err(Failure::invalid_params(format!(
                    "`uri` must be a string, received {}.",
                    other.map_or_else(|| "nothing".to_owned(), describe)
                )))
            }
        };
        let inner = &self.inner;
        let cx_remaining = cx.remaining();
        let read = if let Some(&i) = inner.resource_index.get(&uri) {
            inner.resources[i]
                .read
                .read(uri.clone(), Default::default(), cx)
        } else if let Some((template, vars)) = inner
            .templates
            .iter()
            .find_map(|t| t.template.matches(&uri).map(|vars| (t, vars)))
        {
            template.read.read(uri.clone(), vars, cx)
        } else {
            return Err(resource_not_found(&uri, version));
        };
        let limit = inner.tool_timeout.min(cx_remaining);
        let Some(read) = self.runtime().within(limit, read).await else {
            return Err(Failure::rpc(ErrorObject::new(
                crate::jsonrpc::INTERNAL_ERROR,
                format!(
                    "Resource {uri} was not read within {} ms and the read was stopped; try again later or read a smaller resource.",
                    limit.as_millis()
                ),
            )));
        };
        match read {
            Ok(contents) if !contents.is_empty() => {
                let mut out = Map::new();
                out.insert("contents".into(), json!(contents));
                Ok(out)
            }
            Ok(_) => Err(resource_not_found(&uri, version)),
            Err(err) if err.kind() == ErrorKind::NotFound => Err(resource_not_found(&uri, version)),
            Err(err) => Err(err.into()),
        }
    }
}

fn resource_not_found(uri: &str, version: ProtocolVersion) -> Failure {
    Failure::rpc(
        ErrorObject::new(
            version.resource_not_found_code(),
            format!("Resource not found: {uri}. Call resources/list or resources/templates/list to see what exists."),
        )
        .with_data(json!({"uri": uri})),
    )
}
