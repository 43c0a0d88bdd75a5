//! A closed-loop load over keep-alive HTTP/1.1 connections: each connection sends one
//! request, reads its whole answer, and sends the next, for a fixed time.

use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What one load run saw.
pub struct Loaded {
    /// Requests answered with 200.
    pub done: u64,
    /// How long the run took.
    pub elapsed: Duration,
    /// Each request's latency, in microseconds.
    pub latencies_us: Vec<f64>,
}

/// A stateless `POST /mcp` of the JSON-RPC `body` to `port` (revision 2025-06-18).
pub fn mcp_post(port: u16, body: &str) -> Vec<u8> {
    format!(
        "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\n\
         accept: application/json, text/event-stream\r\nmcp-protocol-version: 2025-06-18\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends `request` to `port` on `connections` connections for `seconds`.
///
/// # Errors
/// When a connection fails or a request is answered with anything but 200.
pub async fn run(
    port: u16,
    request: &[u8],
    connections: usize,
    seconds: f64,
) -> Result<Loaded, String> {
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(seconds);
    let mut workers = Vec::new();
    for _ in 0..connections {
        let request = request.to_vec();
        workers.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(("127.0.0.1", port))
                .await
                .map_err(|e| e.to_string())?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            let mut latencies = Vec::new();
            while Instant::now() < until {
                let sent = Instant::now();
                stream
                    .write_all(&request)
                    .await
                    .map_err(|e| e.to_string())?;
                match read_response(&mut stream).await? {
                    200 => latencies.push(sent.elapsed().as_secs_f64() * 1e6),
                    status => return Err(format!("a request got HTTP {status}")),
                }
            }
            Ok::<Vec<f64>, String>(latencies)
        }));
    }
    let mut latencies_us = Vec::new();
    for worker in workers {
        latencies_us.extend(worker.await.map_err(|e| e.to_string())??);
    }
    Ok(Loaded {
        done: latencies_us.len() as u64,
        elapsed: started.elapsed(),
        latencies_us,
    })
}

/// Sends `request` once on a new connection; the status and body of the answer.
///
/// # Errors
/// When the server cannot be reached or closes before answering.
pub async fn once(port: u16, request: &[u8]) -> Result<(u16, Vec<u8>), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| e.to_string())?;
    stream.write_all(request).await.map_err(|e| e.to_string())?;
    read_response_body(&mut stream).await
}

/// Reads one HTTP/1.1 response with a `content-length` body; returns its status.
///
/// # Errors
/// When the stream closes early or the head is malformed.
pub async fn read_response(stream: &mut TcpStream) -> Result<u16, String> {
    read_response_body(stream).await.map(|(status, _)| status)
}

async fn read_response_body(stream: &mut TcpStream) -> Result<(u16, Vec<u8>), String> {
    let mut buffer = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let status = head
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .ok_or("no status line")?;
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .ok_or(
                    "the answer has no content-length (a stream?); the load needs JSON answers",
                )?;
            while buffer.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
                if n == 0 {
                    return Err("closed mid-body".into());
                }
                buffer.extend_from_slice(&chunk[..n]);
            }
            return Ok((status, buffer[end + 4..end + 4 + length].to_vec()));
        }
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("closed before the response".into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}
