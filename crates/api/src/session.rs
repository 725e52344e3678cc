//! Web sign-in sessions: who may publish from the web page.
//!
//! Signing in takes the node's API token (the contents of `api.token`, mode 0600 in the data
//! directory), so only someone who can read the operator's files can publish: another local
//! account that can merely open a socket to 127.0.0.1 cannot. A session is a random 256-bit id
//! kept in memory with an expiry and its own CSRF token; the browser holds the id in an HttpOnly,
//! SameSite=Strict cookie. Restarting the node ends every session.

use axum::http::{header, HeaderMap};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie's name.
pub(crate) const COOKIE: &str = "coalition_session";
/// How long a session lasts after sign-in.
pub(crate) const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);
/// At most this many sessions live at once; the oldest is dropped to make room.
const MAX_SESSIONS: usize = 64;

/// A signed-in browser: its CSRF token and when it expires.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub csrf: String,
    expires: Instant,
}

/// The live sessions, by id (64 hex).
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    live: Mutex<HashMap<String, Session>>,
}

fn random_hex() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Constant-time comparison, so a secret cannot be guessed byte by byte from timings.
pub(crate) fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Sessions {
    /// Starts a session; returns its id (for the cookie).
    pub(crate) fn start(&self) -> String {
        let now = Instant::now();
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        live.retain(|_, s| s.expires > now);
        if live.len() >= MAX_SESSIONS {
            if let Some(oldest) = live
                .iter()
                .min_by_key(|(_, s)| s.expires)
                .map(|(id, _)| id.clone())
            {
                live.remove(&oldest);
            }
        }
        let id = random_hex();
        live.insert(
            id.clone(),
            Session {
                csrf: random_hex(),
                expires: now + SESSION_TTL,
            },
        );
        id
    }

    /// The live session the request's cookie names, if any.
    pub(crate) fn find(&self, headers: &HeaderMap) -> Option<(String, Session)> {
        let id = cookie_value(headers, COOKIE)?;
        let now = Instant::now();
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        let found = live
            .iter()
            .find(|(k, _)| same_secret(k.as_bytes(), id.as_bytes()))
            .map(|(k, s)| (k.clone(), s.clone()));
        match found {
            Some((k, s)) if s.expires > now => Some((k, s)),
            Some((k, _)) => {
                live.remove(&k);
                None
            }
            None => None,
        }
    }

    /// Ends a session.
    pub(crate) fn end(&self, id: &str) {
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        live.remove(id);
    }
}

/// The value of cookie `name` in the request, if present.
pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The `Set-Cookie` value that gives the browser session `id`.
pub(crate) fn set_cookie(id: &str) -> String {
    format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        SESSION_TTL.as_secs()
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub(crate) fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_cookie(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(value).expect("header"),
        );
        h
    }

    #[test]
    fn a_session_is_found_by_its_cookie_and_ends() {
        let sessions = Sessions::default();
        let id = sessions.start();
        assert_eq!(id.len(), 64);
        let headers = with_cookie(&format!("ui=fr; {COOKIE}={id}"));
        let (found, session) = sessions.find(&headers).expect("live session");
        assert_eq!(found, id);
        assert_eq!(session.csrf.len(), 64);
        assert!(sessions
            .find(&with_cookie(&format!("{COOKIE}={}", "0".repeat(64))))
            .is_none());
        sessions.end(&id);
        assert!(sessions.find(&headers).is_none());
    }

    #[test]
    fn sessions_are_bounded() {
        let sessions = Sessions::default();
        let first = sessions.start();
        for _ in 0..MAX_SESSIONS {
            sessions.start();
        }
        assert!(sessions
            .find(&with_cookie(&format!("{COOKIE}={first}")))
            .is_none());
        assert_eq!(
            sessions.live.lock().expect("lock").len(),
            MAX_SESSIONS,
            "the oldest made room"
        );
    }
}
