//! `POST /api/v1/admin/backup`: the running node writes a backup (a RocksDB checkpoint of the
//! store it holds open, with the high-water mark) into a new directory. The CLI's `backup` uses it
//! when a node runs, since a read-only open of a locked store cannot take a checkpoint.

use super::json::parse_body;
use super::AppState;
use crate::error::ApiError;
use crate::guard::check_bearer;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use std::path::PathBuf;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BackupBody {
    /// Absolute path of a directory that does not exist yet.
    out: PathBuf,
}

pub(super) async fn backup(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_bearer(&s, &headers, "backup")?;
    let body: BackupBody = parse_body(&body)?;
    if !body.out.is_absolute() {
        return Err(ApiError::bad(
            "out",
            "absolute_path",
            format!(
                "{} is not an absolute path; give the backup directory's full path",
                body.out.display()
            ),
        ));
    }
    if body.out.exists() {
        return Err(ApiError::bad(
            "out",
            "exists",
            format!(
                "{} exists; give a new directory for the backup",
                body.out.display()
            ),
        ));
    }
    let store = s.api.store.clone();
    let out = body.out.clone();
    let entries =
        tokio::task::spawn_blocking(move || store.backup(&out).map(|()| store.entry_count()))
            .await
            .map_err(|e| ApiError::Internal(format!("backup task failed: {e}")))??;
    tracing::info!(out = %body.out.display(), entries, "backup written");
    Ok((
        StatusCode::CREATED,
        Json(json!({ "out": body.out, "entries": entries })),
    )
        .into_response())
}
