//! The edges of the HTTP server, driven with a raw TCP client on 127.0.0.1: an oversized body
//! gets the typed JSON error naming the limit, and only after the token is checked (a stranger's
//! body is never read); slow clients (dribbled headers, a stalled body, an idle keep-alive
//! connection) are disconnected.

use crate::common;

use common::*;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const THREE_MIB: usize = 3 * 1024 * 1024;

/// Reads one response (head and a Content-Length body) or until the server closes.
async fn read_response(stream: &mut TcpStream, within: Duration) -> String {
    let mut buf = Vec::new();
    let deadline = Instant::now() + within;
    let mut chunk = [0u8; 8192];
    loop {
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return String::from_utf8_lossy(&buf).to_string(),
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => panic!(
                "no complete response within {within:?}; got: {}",
                String::from_utf8_lossy(&buf)
            ),
        }
    }
}

/// Waits until the server closes the connection; returns how long that took.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut chunk = [0u8; 1024];
    loop {
        let left = limit.saturating_sub(started.elapsed());
        match tokio::time::timeout(left, stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("the server kept a slow client's connection open for {limit:?}"),
        }
    }
}

fn json_body(response: &str) -> serde_json::Value {
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not a JSON body ({e}): {response}"))
}

fn status(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {response}"))
}

#[tokio::test]
async fn an_oversized_body_is_refused_in_json_after_the_token_check_and_unread() {
    let s = Server::start().await;
    let before = s.store.entry_count();

    // No token, a 3 MiB body announced: 401 at once, without the body being sent.
    let mut stream = TcpStream::connect(s.addr).await.expect("connect");
    let head = format!(
        "POST /api/v1/practices HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {THREE_MIB}\r\n\r\n",
        s.addr
    );
    stream.write_all(head.as_bytes()).await.expect("head sent");
    let response = read_response(&mut stream, Duration::from_secs(5)).await;
    assert_eq!(status(&response), 401, "{response}");
    assert_eq!(json_body(&response)["error"]["rule"], "bearer_token");

    // With the token: 413 in JSON, naming the limit, again before any of the body is sent.
    let mut stream = TcpStream::connect(s.addr).await.expect("connect");
    let head = format!(
        "POST /api/v1/practices HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {THREE_MIB}\r\n\r\n",
        s.addr
    );
    stream.write_all(head.as_bytes()).await.expect("head sent");
    let response = read_response(&mut stream, Duration::from_secs(5)).await;
    assert_eq!(status(&response), 413, "{response}");
    let body = json_body(&response);
    assert_eq!(body["error"]["rule"], "body_too_large");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("2097152") && message.contains("2 MiB"),
        "{message}"
    );

    // A chunked body (no length announced) that grows past the limit: the same JSON 413.
    let mut stream = TcpStream::connect(s.addr).await.expect("connect");
    let head = format!(
        "POST /api/v1/practices HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        s.addr
    );
    stream.write_all(head.as_bytes()).await.expect("head sent");
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0;
    while sent <= THREE_MIB {
        let frame = format!("{:x}\r\n", chunk.len());
        if stream.write_all(frame.as_bytes()).await.is_err()
            || stream.write_all(&chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break; // the server stopped reading: fine, its answer is waiting
        }
        sent += chunk.len();
    }
    let response = read_response(&mut stream, Duration::from_secs(5)).await;
    assert_eq!(status(&response), 413, "{response}");
    assert_eq!(json_body(&response)["error"]["rule"], "body_too_large");
    assert_eq!(s.store.entry_count(), before, "nothing stored");
    s.stop().await;
}

fn quick() -> Options {
    Options {
        timeouts: coalition_api::Timeouts {
            header_read: Duration::from_secs(1),
            body_read: Duration::from_secs(1),
        },
        ..Options::default()
    }
}

#[tokio::test]
async fn slow_clients_are_disconnected() {
    let s = Server::start_with(quick()).await;

    // Headers dribbled and never finished: the connection is closed.
    let mut stream = TcpStream::connect(s.addr).await.expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .expect("part of a head");
    let took = closed_within(&mut stream, Duration::from_secs(5)).await;
    assert!(took >= Duration::from_millis(900), "closed after {took:?}");

    // Headers complete, body stalled after 10 of 100 bytes: 408 in JSON.
    let mut stream = TcpStream::connect(s.addr).await.expect("connect");
    let head = format!(
        "POST /api/v1/practices HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"title\":",
        s.addr
    );
    stream.write_all(head.as_bytes()).await.expect("head sent");
    let response = read_response(&mut stream, Duration::from_secs(5)).await;
    assert_eq!(status(&response), 408, "{response}");
    assert_eq!(json_body(&response)["error"]["rule"], "body_timeout");

    // A keep-alive connection that goes quiet after one request is closed.
    let mut stream = TcpStream::connect(s.addr).await.expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("request sent");
    let response = read_response(&mut stream, Duration::from_secs(5)).await;
    assert_eq!(status(&response), 200, "{response}");
    closed_within(&mut stream, Duration::from_secs(5)).await;
    s.stop().await;
}
