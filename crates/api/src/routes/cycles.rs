//! Reporting-cycle routes (issue #18): the JSON API (cycles with timeliness, indicator exports,
//! publishing a committee decision or feedback) and the web pages (`/cycles`, `/cycle/{id}` with
//! the form that saves drafts and publishes; the same rule as the publish form).

use super::json::{created, parse_body};
use super::publish_form::{access, form_session, see_other, Peer};
use super::web::{error_response, html, page_ctx, pick_ui, web_params};
use super::AppState;
use crate::error::ApiError;
use crate::guard::check_bearer;
use crate::publish::{local_member, publish};
use crate::templates::{self, CycleForm, FormState, Nav, PublishAccess};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use coalition_audit::CyclesAudit;
use coalition_record::{Payload, ReportFeedback, SignedCycleDecision};
use serde_json::json;

async fn audit_now(s: &AppState) -> Result<CyclesAudit, ApiError> {
    let store = s.api.store.clone();
    tokio::task::spawn_blocking(move || {
        coalition_audit::audit_cycles(&store, crate::time::now_ms())
            .map_err(|e| ApiError::Internal(format!("the cycle audit failed: {e}")))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// `GET /api/v1/cycles`: each cycle's terms in force and each active city's state.
pub(super) async fn list_cycles(State(s): State<AppState>) -> Result<Response, ApiError> {
    let audit = audit_now(&s).await?;
    let cycles = s.api.store.cycles()?;
    let items: Vec<_> = audit
        .cycles
        .iter()
        .map(|a| {
            let terms = cycles.iter().find(|c| c.id == a.id).map(|c| &c.terms);
            json!({ "audit": a, "terms": terms })
        })
        .collect();
    Ok(Json(json!({ "cycles": items })).into_response())
}

pub(super) async fn indicators_json(State(s): State<AppState>) -> Result<Response, ApiError> {
    let audit = audit_now(&s).await?;
    Ok(Json(json!({ "indicators": audit.indicators })).into_response())
}

fn csv(body: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        body,
    )
        .into_response()
}

pub(super) async fn indicators_csv(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(csv(coalition_audit::indicators_csv(&audit_now(&s).await?)))
}

pub(super) async fn timeliness_csv(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(csv(coalition_audit::timeliness_csv(&audit_now(&s).await?)))
}

/// Publishes a JSON body as the local city (bearer token), answering 201 with the entry.
pub(super) async fn publish_json<T: serde::de::DeserializeOwned>(
    s: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    kind: &'static str,
    wrap: fn(T) -> Payload,
) -> Result<Response, ApiError> {
    check_bearer(s, headers, kind)?;
    let document: T = parse_body(body)?;
    let published = publish(s, wrap(document)).await?;
    let location = format!("/api/v1/entries/{}", published.id);
    Ok(created(published, location))
}

/// `POST /api/v1/cycles`: a committee decision with its signatures, carried in this city's log.
pub(super) async fn publish_cycle(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    publish_json::<SignedCycleDecision>(
        &s,
        &headers,
        &body,
        "reporting_cycle",
        Payload::ReportingCycle,
    )
    .await
}

/// `POST /api/v1/feedback`: feedback signed by a committee member or a named reviewer.
pub(super) async fn publish_feedback(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    publish_json::<ReportFeedback>(
        &s,
        &headers,
        &body,
        "report_feedback",
        Payload::ReportFeedback,
    )
    .await
}

pub(super) async fn cycles_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = web_params(raw.as_deref(), &[]);
    let (ui, cookie) = pick_ui(p.get("ui"), &headers);
    let ctx = page_ctx(&s, ui, "/cycles", &p, &[], Nav::Reporting);
    match audit_now(&s).await {
        Ok(audit) => {
            let city = local_member(&s).ok().map(|(city, _)| city);
            html(
                StatusCode::OK,
                templates::cycles_page(&ctx, &audit, city.as_deref()),
                cookie,
            )
        }
        Err(e) => error_response(&ctx, cookie, &e),
    }
}

pub(super) async fn cycle_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    peer: Peer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = web_params(raw.as_deref(), &["saved", "published"]);
    let (ui, cookie) = pick_ui(p.get("ui"), &headers);
    let path = format!("/cycle/{}", templates::url_enc(&id));
    let ctx = page_ctx(&s, ui, &path, &p, &[], Nav::Reporting);
    let cycle = match crate::cycles::find(&s.api.store, &id) {
        Ok(c) => c,
        Err(e) => return error_response(&ctx, cookie, &e),
    };
    let audit = audit_now(&s).await.ok();
    let row = audit
        .as_ref()
        .and_then(|a| a.cycles.iter().find(|c| c.id == cycle.id));
    let t = ui.t();
    let notice = if p.get("saved").is_some() {
        Some(t.rc_saved.to_string())
    } else {
        p.get("published")
            .map(|id| t.rc_published.replace("{id}", id))
    };
    let open = matches!(access(&s, &headers, &peer), PublishAccess::Open { .. });
    let session = s.sessions.find(&headers);
    let page = match (&session, open) {
        (Some((_, session)), true) => {
            let form = FormState {
                values: crate::cycles::load_draft(&s.api.store, &cycle.id),
                ..FormState::default()
            };
            templates::cycle_page(
                &ctx,
                &cycle,
                row,
                CycleForm::Open {
                    csrf: &session.csrf,
                    form: &form,
                    notice: notice.as_deref(),
                },
            )
        }
        (None, true) => templates::cycle_page(&ctx, &cycle, row, CycleForm::Closed(t.rc_sign_in)),
        _ => templates::cycle_page(&ctx, &cycle, row, CycleForm::Closed(t.rc_not_here)),
    };
    html(StatusCode::OK, page, cookie)
}

/// `POST /cycle/{id}`: `action=draft` saves the values on this node; `action=publish` builds the
/// report, has the store check it against the cycle, and signs it.
pub(super) async fn cycle_submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    peer: Peer,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let values: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let mut form = FormState {
        values,
        ..FormState::default()
    };
    let ui_code = form.value("ui").to_string();
    let ui = crate::i18n::Ui::from_code(&ui_code).unwrap_or(crate::i18n::Ui::En);
    let session = match form_session(&s, &headers, &peer, &form, ui, "report") {
        Ok(session) => session,
        Err(refused) => return *refused,
    };
    let p = web_params(None, &[]);
    let path = format!("/cycle/{}", templates::url_enc(&id));
    let ctx = page_ctx(&s, ui, &path, &p, &[], Nav::Reporting);
    let cycle = match crate::cycles::find(&s.api.store, &id) {
        Ok(c) => c,
        Err(e) => return error_response(&ctx, None, &e),
    };
    let back = |extra: (&str, String)| {
        let mut pairs = vec![extra];
        if ui != crate::i18n::Ui::En {
            pairs.push(("ui", ui.code().to_string()));
        }
        see_other(&templates::href(&format!("/cycle/{}", cycle.id), &pairs))
    };
    if let Err(e) = crate::cycles::save_draft(&s.api.store, &cycle.id, &form.values) {
        return error_response(&ctx, None, &e);
    }
    if form.value("action") == "draft" {
        return back(("saved", "1".into()));
    }
    let values = form.values.clone();
    let value = |name: &str| {
        values
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let refused = match crate::cycles::report_from_form(&cycle.terms, cycle.id, ui, value) {
        Err((field, message)) => Some((field, message)),
        Ok(report) => match publish(&s, Payload::ActivityReport(report)).await {
            Ok(published) => {
                crate::cycles::drop_draft(&s.api.store, &cycle.id);
                return back(("published", published.id.to_string()));
            }
            Err(e) => Some((
                e.field()
                    .map(|f| crate::cycles::form_field(&cycle.terms, f))
                    .unwrap_or_default(),
                e.message(),
            )),
        },
    };
    if let Some((field, message)) = refused {
        form.general = Some(format!("{} {message}", ui.t().rc_not_published));
        if !field.is_empty() {
            form.errors.push((field, message));
        }
    }
    let audit = audit_now(&s).await.ok();
    let row = audit
        .as_ref()
        .and_then(|a| a.cycles.iter().find(|c| c.id == cycle.id));
    let page = templates::cycle_page(
        &ctx,
        &cycle,
        row,
        CycleForm::Open {
            csrf: &session.csrf,
            form: &form,
            notice: None,
        },
    );
    html(StatusCode::BAD_REQUEST, page, None)
}
