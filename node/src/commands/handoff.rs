//! Handing work to a running node through its local API, when the node holds the store lock.
//! A small blocking HTTP/1.1 client over loopback: the API listens on 127.0.0.1.

use anyhow::{Context, Result};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A definite answer that nothing was done: the node was not reached, or it refused the request.
/// Any other failure (the connection cut after the request was sent) leaves the outcome unknown.
#[derive(Debug)]
pub(super) enum NotDone {
    NotReached {
        addr: String,
        source: std::io::Error,
    },
    Refused {
        status: u16,
        message: String,
    },
}

impl std::fmt::Display for NotDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotDone::NotReached { addr, source } => write!(
                f,
                "the store is locked by a running node, but its API at {addr} does not answer (check [api] listen in config.toml): {source}"
            ),
            NotDone::Refused { status, message } => {
                write!(f, "the running node refused it ({status}): {message}")
            }
        }
    }
}

impl std::error::Error for NotDone {}

/// POSTs `body` to the node's API and returns the JSON answer of a 2xx response.
pub(super) fn post_json(api_addr: &str, path: &str, token: &str, body: &Value) -> Result<Value> {
    request_json(api_addr, "POST", path, Some(token), Some(body))
}

/// GETs `path_and_query` from the node's API.
pub(super) fn get_json(api_addr: &str, path_and_query: &str) -> Result<Value> {
    request_json(api_addr, "GET", path_and_query, None, None)
}

fn request_json(
    api_addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Result<Value> {
    let mut stream = TcpStream::connect(api_addr).map_err(|source| NotDone::NotReached {
        addr: api_addr.to_string(),
        source,
    })?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let payload = match body {
        Some(b) => serde_json::to_vec(b)?,
        None => Vec::new(),
    };
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {api_addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        payload.len()
    )?;
    stream.write_all(&payload)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .context("the node's API sent a malformed HTTP response")?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("the node's API sent no HTTP status")?;
    let body = dechunk(head, body);
    let value: Value = serde_json::from_str(&body).unwrap_or(Value::String(body.clone()));
    if !(200..300).contains(&status) {
        let message = value
            .pointer("/error/message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| body.trim().to_string());
        return Err(NotDone::Refused { status, message }.into());
    }
    Ok(value)
}

fn dechunk(head: &str, body: &str) -> String {
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return body.to_string();
    }
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}
