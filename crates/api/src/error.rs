//! API errors and their JSON form: `{"error": {"field": …, "rule": …, "message": …}}`, with the
//! status code the kind of failure calls for.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use coalition_record::RecordError;
use coalition_search::SearchError;
use coalition_store::StoreError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Bad input: a query parameter, a path segment or a field of the body.
    #[error("{field}: {message}")]
    BadRequest {
        field: String,
        rule: String,
        message: String,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{message}")]
    Forbidden { rule: String, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Unavailable(String),
    /// Publishing is held: the store is behind what this city already signed.
    #[error("{0}")]
    Held(String),
    /// A request body over the limit; names the limit.
    #[error("{0}")]
    TooLarge(String),
    /// A client too slow to send its request body.
    #[error("{0}")]
    Timeout(String),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error("{0}")]
    Internal(String),
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    rule: &'a str,
    message: String,
}

impl ApiError {
    pub fn bad(field: &str, rule: &str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            field: field.to_string(),
            rule: rule.to_string(),
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Unavailable(_) | ApiError::Held(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Store(_) | ApiError::Search(_) | ApiError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The field the error is about, if it is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            ApiError::BadRequest { field, .. } => Some(field),
            _ => None,
        }
    }

    /// A short stable name for the failure.
    pub fn rule(&self) -> &str {
        match self {
            ApiError::BadRequest { rule, .. } | ApiError::Forbidden { rule, .. } => rule,
            ApiError::Unauthorized(_) => "bearer_token",
            ApiError::NotFound(_) => "not_found",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Held(_) => "store_behind_signed",
            ApiError::TooLarge(_) => "body_too_large",
            ApiError::Timeout(_) => "body_timeout",
            ApiError::Store(_) => "store",
            ApiError::Search(_) => "search",
            ApiError::Internal(_) => "internal",
        }
    }

    /// The message shown to people: the error's text (schema errors without their field name,
    /// which is given separately).
    pub fn message(&self) -> String {
        match self {
            ApiError::BadRequest { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

/// Removes the payload-kind prefix of a schema field name ("practice.title" → "title"), so the
/// field names the request body's own path.
fn body_field(field: &str) -> String {
    for prefix in [
        "practice.",
        "report.",
        "retraction.",
        "revision.",
        "update.",
    ] {
        if let Some(rest) = field.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    field.to_string()
}

impl From<RecordError> for ApiError {
    fn from(error: RecordError) -> Self {
        match error {
            RecordError::Schema { field, rule } => ApiError::BadRequest {
                field: body_field(&field),
                rule: "payload_schema".into(),
                message: rule,
            },
            RecordError::UnknownAuthor { .. }
            | RecordError::AuthorSuspended { .. }
            | RecordError::AuthorRevoked { .. } => ApiError::Forbidden {
                rule: error.rule().to_string(),
                message: error.to_string(),
            },
            RecordError::TooLarge { .. } => ApiError::BadRequest {
                field: "body".into(),
                rule: error.rule().into(),
                message: error.to_string(),
            },
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Record(record) => record.into(),
            StoreError::PublishRule {
                field,
                rule,
                message,
            } => ApiError::bad(field, rule, message),
            StoreError::BehindSigned { .. } | StoreError::AwaitingFirstSync => {
                ApiError::Held(error.to_string())
            }
            // Names the directory to free space in; the store recovers without a restart.
            ref full if full.is_disk_full() => ApiError::Unavailable(error.to_string()),
            StoreError::ReadOnly => ApiError::Forbidden {
                rule: "read_only".into(),
                message: error.to_string(),
            },
            other => ApiError::Store(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let body = Body {
            error: Detail {
                field: self.field(),
                rule: self.rule(),
                message: self.message(),
            },
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"coalition\""),
            );
        }
        response
    }
}
