//! The gate every POST passes before its body is read: who may send it first (the bearer token
//! for the JSON API, a signed-in session for the web forms), then a size limit and a read timeout
//! on the body. A stranger's or a slow client's body is never buffered.

use crate::error::ApiError;
use crate::session::same_secret;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};

/// The largest request body accepted (JSON or form), 2 MiB: several times the largest valid
/// payload (256 KiB).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The payload kind a JSON publishing route takes (for the refused-publish counter).
fn publish_kind(path: &str) -> Option<&'static str> {
    Some(match path {
        "/api/v1/practices" => "practice",
        "/api/v1/reports" => "report",
        "/api/v1/retractions" => "retraction",
        "/api/v1/updates" => "update",
        "/api/v1/revisions" => "revision",
        _ => return None,
    })
}

fn too_large() -> Response {
    ApiError::TooLarge(format!(
        "the request body is over the limit of {} bytes (2 MiB); a valid record is far smaller (at most 256 KiB of payload)",
        MAX_BODY_BYTES
    ))
    .into_response()
}

pub(crate) async fn guard(State(s): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    if let Some(kind) = publish_kind(&path) {
        if let Err(e) = check_bearer(&s, request.headers(), kind) {
            return e.into_response();
        }
    }
    let (parts, body) = request.into_parts();
    // Web forms that need a session: without one the handler refuses (redirects to sign-in);
    // it gets no body to read.
    if matches!(path.as_str(), "/publish" | "/signout") && s.sessions.find(&parts.headers).is_none()
    {
        return next.run(Request::from_parts(parts, Body::empty())).await;
    }
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return too_large();
    }
    let read = Limited::new(body, MAX_BODY_BYTES).collect();
    let bytes = match tokio::time::timeout(s.body_read_timeout, read).await {
        Err(_) => {
            return ApiError::Timeout(format!(
                "the request body did not arrive within {} s; send it at once",
                s.body_read_timeout.as_secs_f64()
            ))
            .into_response()
        }
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => return too_large(),
        Ok(Err(e)) => {
            return ApiError::bad(
                "body",
                "body_read",
                format!("the request body could not be read: {e}"),
            )
            .into_response()
        }
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// `Authorization: Bearer <token>` must match the configured token (compared in constant time).
pub(crate) fn check_bearer(
    s: &AppState,
    headers: &HeaderMap,
    kind: &'static str,
) -> Result<(), ApiError> {
    let result = match &s.api.token {
        None => Err(ApiError::Unauthorized(
            "publishing through the JSON API is disabled on this node: no API token is configured"
                .into(),
        )),
        Some(token) => {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .map(str::trim);
            match given {
                None => Err(ApiError::Unauthorized(
                    "publishing needs the header 'Authorization: Bearer <token>'".into(),
                )),
                Some(given) if same_secret(given.as_bytes(), token.as_bytes()) => Ok(()),
                Some(_) => Err(ApiError::Unauthorized("the bearer token is wrong".into())),
            }
        }
    };
    if result.is_err() {
        s.metrics.count_publish(kind, "refused");
    }
    result
}
