//! Erasure routes (issue #16): the local city erases the personal data of one of its entries
//! (`POST /api/v1/erasures`), a committee order is carried in this city's log
//! (`POST /api/v1/erasure-orders`), and every erasure is listed with its receipts
//! (`GET /api/v1/erasures`).

use super::json::{created, parse_body};
use super::AppState;
use crate::error::ApiError;
use crate::guard::check_bearer;
use crate::params::full_entry_id;
use crate::publish::{local_member, publish, publish_many};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use coalition_record::erasure::SignedErasureOrder;
use coalition_record::Payload;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ErasureBody {
    /// Entry id (64 hex) of one of the local city's entries.
    target: String,
    /// Why, without personal data.
    #[serde(default)]
    reason: String,
}

fn answer(published: Vec<crate::publish::Published>) -> Response {
    let status = if published.iter().all(|p| p.existing) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    (status, Json(json!({ "entries": published }))).into_response()
}

/// `POST /api/v1/erasures`: the erasure (after a version of a practice without its contact
/// person) in one write; 201 with the entries.
pub(super) async fn publish_erasure(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_bearer(&s, &headers, "erasure")?;
    let body: ErasureBody = parse_body(&body)?;
    let target = full_entry_id("target", &body.target)?;
    local_member(&s)?;
    let city = s
        .api
        .city_key
        .as_ref()
        .map(|k| k.public())
        .ok_or_else(|| ApiError::Internal("city key vanished".into()))?;
    let payloads = s
        .api
        .store
        .erasure_payloads_for(&city, &target, &body.reason)?;
    for payload in &payloads {
        payload.validate()?;
    }
    Ok(answer(publish_many(&s, payloads).await?))
}

/// `POST /api/v1/erasure-orders`: a committee order with its signatures.
pub(super) async fn publish_order(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_bearer(&s, &headers, "erasure_order")?;
    let order: SignedErasureOrder = parse_body(&body)?;
    let published = publish(&s, Payload::ErasureOrder(order)).await?;
    let location = format!("/api/v1/entries/{}", published.id);
    Ok(created(published, location))
}

/// `GET /api/v1/erasures`: each erasure with the member cities that confirmed it and those that
/// have not yet.
pub(super) async fn list_erasures(State(s): State<AppState>) -> Result<Response, ApiError> {
    let store = s.api.store.clone();
    let erasures = tokio::task::spawn_blocking(move || coalition_audit::audit_erasures(&store))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(format!("the erasure audit failed: {e}")))?;
    Ok(Json(json!({ "erasures": erasures })).into_response())
}
