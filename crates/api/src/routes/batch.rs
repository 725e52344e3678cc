//! `POST /api/v1/batch`: several documents published in one durable write, all or nothing (the
//! CLI's `publish` with several files goes through it when a node runs).

use super::json::parse_body;
use super::AppState;
use crate::error::ApiError;
use crate::guard::check_bearer;
use crate::publish::publish_many;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use coalition_record::{ActivityReport, ActivityUpdate, Payload, Practice};
use serde::Deserialize;
use serde_json::json;

/// Most documents one batch may carry.
pub(super) const MAX_BATCH_DOCUMENTS: usize = 100;

#[derive(Deserialize)]
#[serde(tag = "kind", content = "document", rename_all = "lowercase")]
enum Document {
    Practice(Box<Practice>),
    Report(ActivityReport),
    Update(ActivityUpdate),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchBody {
    documents: Vec<Document>,
}

pub(super) async fn publish_batch(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_bearer(&s, &headers, "batch")?;
    let body: BatchBody = parse_body(&body)?;
    if body.documents.is_empty() {
        return Err(ApiError::bad(
            "documents",
            "batch_empty",
            "the batch holds no documents; send at least one",
        ));
    }
    if body.documents.len() > MAX_BATCH_DOCUMENTS {
        return Err(ApiError::bad(
            "documents",
            "batch_too_large",
            format!(
                "the batch holds {} documents; send at most {MAX_BATCH_DOCUMENTS} per request",
                body.documents.len()
            ),
        ));
    }
    let payloads = body
        .documents
        .into_iter()
        .map(|d| match d {
            Document::Practice(p) => Payload::Practice(*p),
            Document::Report(r) => Payload::ActivityReport(r),
            Document::Update(u) => Payload::ActivityUpdate(u),
        })
        .collect();
    let published = publish_many(&s, payloads).await?;
    let status = if published.iter().all(|p| p.existing) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(json!({ "entries": published }))).into_response())
}
