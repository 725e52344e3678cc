//! Translation routes (issue #21): the local city publishes a translation of another city's
//! practice version (`POST /api/v1/translations`), or endorses a translation of its own practice
//! (`POST /api/v1/endorsements`). A practice's translations are in its JSON and on its page.

use super::cycles::publish_json;
use super::AppState;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use coalition_record::translation::{Translation, TranslationEndorsement};
use coalition_record::Payload;

/// `POST /api/v1/translations`: refused when the version is not another city's practice held
/// here (`unknown_version`, `own_practice`, `not_a_practice`) or is not in `from_lang`.
pub(super) async fn publish_translation(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    publish_json::<Translation>(&s, &headers, &body, "translation", Payload::Translation).await
}

/// `POST /api/v1/endorsements`: only the city whose practice was translated (`not_author_city`).
pub(super) async fn publish_endorsement(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    publish_json::<TranslationEndorsement>(
        &s,
        &headers,
        &body,
        "translation_endorsement",
        Payload::TranslationEndorsement,
    )
    .await
}
