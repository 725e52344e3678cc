//! The web page: search, practice, cities and city pages, the audit page, and the two static
//! assets; the helpers every page shares. The publish form is in `publish_form`, sign-in in
//! `signin`.

use super::json::{run_search, search_query, PRACTICE_FILTERS};
use super::AppState;
use crate::error::ApiError;
use crate::i18n::Ui;
use crate::params::{entry_id, Params};
use crate::templates::{self, Nav, PageCtx};
use crate::views;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use coalition_record::schema;

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// An HTML response with the page's security headers, and the `ui` cookie when it changed.
pub(super) fn html(status: StatusCode, body: String, cookie: Option<Ui>) -> Response {
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(v) = cookie.and_then(ui_cookie) {
        h.insert(header::SET_COOKIE, v);
    }
    response
}

/// The `Set-Cookie` value that remembers an interface language for a year.
fn ui_cookie(ui: Ui) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "ui={}; Path=/; Max-Age=31536000; SameSite=Lax",
        ui.code()
    ))
    .ok()
}

fn cookie_ui(headers: &HeaderMap) -> Option<Ui> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| kv.trim().strip_prefix("ui="))
        .and_then(Ui::from_code)
}

/// The interface language, and whether to remember it in the cookie.
pub(super) fn pick_ui(explicit: Option<&str>, headers: &HeaderMap) -> (Ui, Option<Ui>) {
    if let Some(ui) = explicit.and_then(Ui::from_code) {
        let changed = cookie_ui(headers) != Some(ui);
        return (ui, changed.then_some(ui));
    }
    let ui = cookie_ui(headers)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Ui::from_accept_language)
        })
        .unwrap_or(Ui::En);
    (ui, None)
}

pub(super) fn page_ctx(
    s: &AppState,
    ui: Ui,
    path: &str,
    query: &Params,
    keep: &[&str],
    nav: Nav,
) -> PageCtx {
    let net = s.api.network.status();
    let store = &s.api.store;
    let city = s.api.city_key.as_ref().and_then(|k| {
        store
            .roster()
            .cities
            .get(&k.public())
            .map(|m| m.name.clone())
    });
    let mut pairs = Vec::new();
    for key in keep {
        for value in query.all(key) {
            pairs.push((key.to_string(), value.to_string()));
        }
    }
    PageCtx {
        ui,
        path: path.to_string(),
        query: pairs,
        coalition: store.charter().name.clone(),
        nav,
        footer: templates::Footer {
            city,
            entries: store.entry_count(),
            peers: net.peers,
            sync_state: net.sync_state,
            network_id: store.network_id().short(),
        },
        signout: None,
    }
}

pub(super) fn web_params(raw: Option<&str>, allowed: &[&str]) -> Params {
    let mut all: Vec<&str> = allowed.to_vec();
    all.push("ui");
    Params::parse(raw, &all, false).unwrap_or_default()
}

/// An error shown as a page: 404 for unknown things, 400 for bad parameters, 500 otherwise.
pub(super) fn error_response(ctx: &PageCtx, cookie: Option<Ui>, error: &ApiError) -> Response {
    let t = ctx.ui.t();
    let heading = match error.status() {
        StatusCode::NOT_FOUND => t.not_found,
        _ => t.error_heading,
    };
    let message = match error.field() {
        Some(field) => format!("{field}: {}", error.message()),
        None => error.message(),
    };
    html(
        error.status(),
        templates::error_page(ctx, heading, &message),
        cookie,
    )
}

pub(super) fn not_found_page(s: &AppState, headers: &HeaderMap, raw: Option<&str>) -> Response {
    let p = web_params(raw, &[]);
    let (ui, cookie) = pick_ui(p.get("ui"), headers);
    let ctx = page_ctx(s, ui, "/", &p, &[], Nav::None);
    let t = ui.t();
    html(
        StatusCode::NOT_FOUND,
        templates::error_page(&ctx, t.not_found, t.not_found_text),
        cookie,
    )
}

pub(super) async fn search_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = web_params(raw.as_deref(), PRACTICE_FILTERS);
    let (ui, cookie) = pick_ui(p.get("ui"), &headers);
    let ctx = page_ctx(&s, ui, "/", &p, PRACTICE_FILTERS, Nav::Search);
    let mut query = match search_query(&p, Some("practice")) {
        Ok(q) => q,
        Err(e) => {
            let message = format!("{}: {}", e.field().unwrap_or("query"), e.message());
            let q = coalition_search::SearchQuery {
                text: p.text("q"),
                limit: crate::params::DEFAULT_LIMIT,
                ..Default::default()
            };
            return html(
                StatusCode::BAD_REQUEST,
                templates::search_page(&ctx, &q, None, Some(&message)),
                cookie,
            );
        }
    };
    query.lang = Some(ui.code().to_string());
    match run_search(&s, query.clone()).await {
        Ok(results) => html(
            StatusCode::OK,
            templates::search_page(&ctx, &query, Some(&results), None),
            cookie,
        ),
        Err(e) => error_response(&ctx, cookie, &e),
    }
}

/// Related practices listed on a practice's page.
const RELATED_ON_PAGE: usize = 5;

pub(super) async fn practice_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    peer: super::publish_form::Peer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = web_params(
        raw.as_deref(),
        &["published", "exchange_error", "edit_lang", "language_error"],
    );
    // The exchange forms, for a signed-in browser on this machine whose city can publish.
    let form = match (
        super::publish_form::access(&s, &headers, &peer),
        s.sessions.find(&headers),
        s.api.city_key.as_ref(),
    ) {
        (templates::PublishAccess::Open { .. }, Some((_, session)), Some(key)) => {
            Some(templates::ExchangeForm {
                csrf: session.csrf.clone(),
                local: key.public(),
                error: p.get("exchange_error").map(str::to_string),
                // A language tag, as the form will sign it (anything else shows no form).
                edit_lang: p
                    .get("edit_lang")
                    .filter(|tag| coalition_record::schema::language_tag("edit_lang", tag).is_ok())
                    .map(str::to_string),
                language_error: p.get("language_error").map(str::to_string),
            })
        }
        _ => None,
    };
    let (ui, cookie) = pick_ui(p.get("ui"), &headers);
    let path = format!("/practice/{}", templates::url_enc(&id));
    let ctx = page_ctx(&s, ui, &path, &p, &[], Nav::None);
    let store = s.api.store.clone();
    let search = s.api.search.clone();
    let lang = ui.code();
    let view = match entry_id("id", &id) {
        Ok(id) => tokio::task::spawn_blocking(move || {
            let view = views::practice(&store, &id)?;
            // Related practices are a help, not the page: a search failure leaves them out.
            let related = search
                .related(&view.current_id, Some(lang), RELATED_ON_PAGE)
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "related practices");
                    None
                })
                .unwrap_or_default();
            Ok::<_, ApiError>((view, related))
        })
        .await
        .unwrap_or_else(|e| Err(ApiError::Internal(e.to_string()))),
        Err(e) => Err(e),
    };
    match view {
        Ok((v, related)) => html(
            StatusCode::OK,
            templates::practice_page(
                &ctx,
                &v,
                p.get("published").is_some(),
                &related,
                form.as_ref(),
            ),
            cookie,
        ),
        Err(e) => error_response(&ctx, cookie, &e),
    }
}

pub(super) async fn cities_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = web_params(raw.as_deref(), &[]);
    let (ui, cookie) = pick_ui(p.get("ui"), &headers);
    let ctx = page_ctx(&s, ui, "/cities", &p, &[], Nav::Cities);
    let store = s.api.store.clone();
    match tokio::task::spawn_blocking(move || views::cities(&store))
        .await
        .unwrap_or_else(|e| Err(ApiError::Internal(e.to_string())))
    {
        Ok(cities) => html(
            StatusCode::OK,
            templates::cities_page(&ctx, &cities),
            cookie,
        ),
        Err(e) => error_response(&ctx, cookie, &e),
    }
}

pub(super) async fn exchange_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = web_params(raw.as_deref(), &[]);
    let (ui, cookie) = pick_ui(p.get("ui"), &headers);
    let ctx = page_ctx(&s, ui, "/exchange", &p, &[], Nav::Exchange);
    let store = s.api.store.clone();
    match tokio::task::spawn_blocking(move || crate::exchange::exchange_graph(&store))
        .await
        .unwrap_or_else(|e| Err(ApiError::Internal(e.to_string())))
    {
        Ok(graph) => html(
            StatusCode::OK,
            templates::exchange_page(&ctx, &graph),
            cookie,
        ),
        Err(e) => error_response(&ctx, cookie, &e),
    }
}

pub(super) async fn city_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(city): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = web_params(raw.as_deref(), &[]);
    let (ui, cookie) = pick_ui(p.get("ui"), &headers);
    let path = format!("/city/{}", templates::url_enc(&city));
    let ctx = page_ctx(&s, ui, &path, &p, &[], Nav::Cities);
    let store = s.api.store.clone();
    let lang = ui.code();
    let now = crate::time::now_ms();
    match tokio::task::spawn_blocking(move || {
        let detail = views::city_detail(&store, &city, Some(lang))?;
        let audit = coalition_audit::audit_cycles(&store, now)
            .map_err(|e| ApiError::Internal(format!("the cycle audit failed: {e}")))?;
        let feedback = crate::cycles::feedback_for_city(&store, &detail.city.key)?;
        Ok((detail, audit, feedback))
    })
    .await
    .unwrap_or_else(|e| Err(ApiError::Internal(e.to_string())))
    {
        Ok((detail, audit, feedback)) => {
            let extra = maud::html! {
                (templates::reminders(&ctx, &audit, &detail.city.name))
                (templates::feedback_section(&ctx, &feedback))
            };
            let page = templates::city_page(&ctx, &detail, extra);
            html(StatusCode::OK, page, cookie)
        }
        Err(e) => error_response(&ctx, cookie, &e),
    }
}

pub(super) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/app.css"),
    )
        .into_response()
}

pub(super) async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/app.js"),
    )
        .into_response()
}

/// The Steering Committee's audit of this node's copy of the coalition: the same standalone HTML
/// as `coalition audit --format html` (integrity, forks, gaps, retractions, reporting per
/// commitment). `?period=2025` or `2025-H1` picks the reporting period.
pub(super) async fn audit_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let mut period = None;
    let mut explicit_ui = None;
    for pair in raw
        .as_deref()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        match pair.split_once('=') {
            Some(("period", value)) if !value.is_empty() => period = Some(value.to_string()),
            Some(("ui", value)) if Ui::from_code(value).is_some() => {
                explicit_ui = Some(value.to_string())
            }
            _ => {
                return (
                    StatusCode::BAD_REQUEST,
                    format!("unknown parameter in '{pair}': the audit page takes only period=YYYY, YYYY-H1 or YYYY-H2, and ui=en, fr, de, es, it, nl, sv or pt"),
                )
                    .into_response()
            }
        }
    }
    if let Some(p) = &period {
        if let Err(e) = schema::report_period("period", p) {
            return (StatusCode::BAD_REQUEST, e.to_string()).into_response();
        }
    }
    let (ui, remember) = pick_ui(explicit_ui.as_deref(), &headers);
    let store = s.api.store.clone();
    let rendered = tokio::task::spawn_blocking(move || {
        coalition_audit::audit_at(&store, period.as_deref(), &[], crate::time::now_ms())
            .map(|report| coalition_audit::render_html_in(&report, None, ui))
    })
    .await;
    match rendered {
        Ok(Ok(page)) => {
            // Standalone (its own inline style, as in the file the CLI writes), so not `html()`
            // and its CSP; the language chosen with `?ui=` is remembered as on every page.
            let mut response = (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                page,
            )
                .into_response();
            if let Some(cookie) = remember.and_then(ui_cookie) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Ok(Err(e)) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the audit failed: {e}"),
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the audit failed: {e}"),
        )
            .into_response(),
    }
}
