//! An edgemcp server on a loopback port, built on the standard library alone.
//!
//! Run with `cargo run -p example-loopback` (listens on `127.0.0.1:$PORT`, default 8080),
//! then point an MCP client at `http://127.0.0.1:8080/mcp`.
//!
//! It shows the core's contract with a host: convert the request, call
//! `Server::handle_http`, write the response. There is no async runtime here: each
//! request is driven to completion with `futures_executor::block_on` on its own thread,
//! and timers are threads that sleep.

mod runtime;
mod server;

use edgemcp::http::{HttpBody, HttpRequest};
use futures_util::StreamExt;
use std::io::Read;

fn main() {
    let port = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(8080);
    let server = match server::demo_server() {
        Ok(server) => server,
        Err(err) => {
            eprintln!("cannot build the demo server: {err}");
            std::process::exit(1);
        }
    };
    let http = match tiny_http::Server::http(("127.0.0.1", port)) {
        Ok(http) => http,
        Err(err) => {
            eprintln!("cannot listen on 127.0.0.1:{port}: {err}");
            std::process::exit(1);
        }
    };
    println!("edgemcp demo server listening on http://127.0.0.1:{port}/mcp");
    for request in http.incoming_requests() {
        let server = server.clone();
        std::thread::spawn(move || serve(&server, request));
    }
}

fn serve(server: &edgemcp::Server, mut request: tiny_http::Request) {
    let limit = server.http_config().max_body_bytes;
    let mut body = Vec::new();
    // Read one byte past the limit so the core can answer 413 without buffering more.
    let _ = request
        .as_reader()
        .take(limit as u64 + 1)
        .read_to_end(&mut body);
    let req = HttpRequest {
        method: request.method().as_str().to_owned(),
        path: request.url().to_owned(),
        headers: request
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_owned(),
                    h.value.as_str().to_owned(),
                )
            })
            .collect(),
        body,
        remote_addr: request.remote_addr().map(|a| a.ip().to_string()),
    };
    let response = futures_executor::block_on(server.handle_http(req));
    let headers: Vec<tiny_http::Header> = response
        .headers
        .iter()
        .filter_map(|(name, value)| {
            tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
        })
        .collect();
    let status = tiny_http::StatusCode(response.status);
    let result = match response.body {
        HttpBody::Empty => request.respond(tiny_http::Response::new(
            status,
            headers,
            std::io::empty(),
            Some(0),
            None,
        )),
        HttpBody::Full(bytes) => {
            let len = bytes.len();
            request.respond(tiny_http::Response::new(
                status,
                headers,
                std::io::Cursor::new(bytes),
                Some(len),
                None,
            ))
        }
        HttpBody::Sse(stream) => {
            let reader = StreamReader {
                stream,
                buffer: Vec::new(),
                offset: 0,
            };
            request.respond(tiny_http::Response::new(
                status, headers, reader, None, None,
            ))
        }
    };
    if let Err(err) = result {
        eprintln!("could not write a response: {err}");
    }
}

/// Feeds an SSE body to tiny_http as it is produced, one event at a time.
struct StreamReader {
    stream: edgemcp::runtime::BoxStream<'static, Vec<u8>>,
    buffer: Vec<u8>,
    offset: usize,
}

impl Read for StreamReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.offset >= self.buffer.len() {
            match futures_executor::block_on(self.stream.next()) {
                Some(chunk) => {
                    self.buffer = chunk;
                    self.offset = 0;
                }
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.buffer.len() - self.offset);
        out[..n].copy_from_slice(&self.buffer[self.offset..self.offset + n]);
        self.offset += n;
        Ok(n)
    }
}
