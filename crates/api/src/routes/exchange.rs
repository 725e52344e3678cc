//! Exchange between cities (issue 17): a city records that it took up another city's practice,
//! a coordinator asks the authoring city a question, and that city answers. Each is a signed
//! entry of the local city, published like the others.

use super::json::{created, parse_body};
use super::AppState;
use crate::error::ApiError;
use crate::guard::check_bearer;
use crate::publish::publish;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use coalition_record::{Answer, Payload, PracticeAdoption, Question};

async fn publish_one(s: &AppState, payload: Payload) -> Result<Response, ApiError> {
    let published = publish(s, payload).await?;
    let location = format!("/api/v1/entries/{}", published.id);
    Ok(created(published, location))
}

pub(super) async fn publish_adoption(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_bearer(&s, &headers, "adoption")?;
    let adoption: PracticeAdoption = parse_body(&body)?;
    publish_one(&s, Payload::PracticeAdoption(adoption)).await
}

pub(super) async fn publish_question(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_bearer(&s, &headers, "question")?;
    let question: Question = parse_body(&body)?;
    publish_one(&s, Payload::Question(question)).await
}

pub(super) async fn publish_answer(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_bearer(&s, &headers, "answer")?;
    let answer: Answer = parse_body(&body)?;
    publish_one(&s, Payload::Answer(answer)).await
}

/// The coalition's exchange as data: cities, edges with counts, and every adoption.
pub(super) async fn get_exchange(
    State(s): State<AppState>,
) -> Result<Json<crate::exchange::ExchangeGraph>, ApiError> {
    let store = s.api.store.clone();
    tokio::task::spawn_blocking(move || crate::exchange::exchange_graph(&store))
        .await
        .map_err(|e| ApiError::Internal(format!("worker task failed: {e}")))?
        .map(Json)
}
