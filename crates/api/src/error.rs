//! API errors and their JSON form: `{"error": {"field": …, "rule": …, "message": …}}`, with the
//! status code the kind of failure calls for.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use coalition_record::RecordError;
use coalition_search::SearchError;
use coalition_store::StoreError;
use serde::Serialize;

/// Why a request failed. Each variant answers with its own status code ([`ApiError::status`])
/// and a JSON body naming the field (if any), a stable rule name and a message.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Bad input: a query parameter, a path segment or a field of the body (400).
    #[error("{field}: {message}")]
    BadRequest {
        /// The parameter, path segment or body field at fault, as the request names it
        /// (`title`, not `practice.title`).
        field: String,
        /// The rule broken, a short stable name (`payload_schema`, `integer_range`, `hex`, …).
        rule: String,
        /// What is wrong, for people.
        message: String,
    },
    /// A JSON publishing request without the right bearer token, or to a node with no token
    /// configured (401, with `WWW-Authenticate: Bearer`). The text says which.
    #[error("{0}")]
    Unauthorized(String),
    /// The request is understood but not allowed here: the node holds no city key, its city is
    /// not an active member, or the store is open read-only (403).
    #[error("{message}")]
    Forbidden {
        /// The rule refusing it, a short stable name (`no_city_key`, `author_not_active`,
        /// `read_only`, …).
        rule: String,
        /// Why, for people.
        message: String,
    },
    /// No such entry, practice, city or page on this node (404). The text names what was asked.
    #[error("{0}")]
    NotFound(String),
    /// The node cannot do it now but may later: its disk is full (503). The text names the
    /// directory to free space in.
    #[error("{0}")]
    Unavailable(String),
    /// Publishing is held: the store is behind what this city already signed (503).
    #[error("{0}")]
    Held(String),
    /// A request body over the limit; names the limit (413).
    #[error("{0}")]
    TooLarge(String),
    /// A client too slow to send its request body (408).
    #[error("{0}")]
    Timeout(String),
    /// The store failed in a way the client cannot fix (500, logged).
    #[error(transparent)]
    Store(StoreError),
    /// The search index failed (500, logged).
    #[error(transparent)]
    Search(#[from] SearchError),
    /// Any other failure on the node's side (500, logged); the text says what.
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
    /// A [`ApiError::BadRequest`] about `field`, breaking `rule`.
    pub fn bad(field: &str, rule: &str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            field: field.to_string(),
            rule: rule.to_string(),
            message: message.into(),
        }
    }

    /// The HTTP status code the error answers with: 400, 401, 403, 404, 408, 413, 500 or 503
    /// (`Held` and `Unavailable`).
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
