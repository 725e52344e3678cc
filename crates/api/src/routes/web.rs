//! The web page: search, practice, cities, city and publish pages, and the two static assets.
//!
//! Publishing rule of the form (`POST /publish`): accepted only when the request comes from the
//! node's own machine (loopback peer address, a loopback `Host`, no proxy forwarding headers),
//! carries the per-process CSRF token embedded in the form, and, when the browser sends them, a
//! same-origin `Origin` and `Sec-Fetch-Site`. No bearer token is typed by hand: whoever can open
//! a browser on the node's machine can publish, as they could with the CLI and the key file.

use super::json::{run_search, search_query, PRACTICE_FILTERS};
use super::AppState;
use crate::error::ApiError;
use crate::i18n::Ui;
use crate::params::{entry_id, Params};
use crate::publish::{local_member, publish};
use crate::templates::{self, FormState, Nav, PageCtx, PublishAccess};
use crate::views;
use axum::body::Bytes;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use coalition_record::limits::{MAX_SHORT_TEXT_BYTES, MAX_TEXT_BYTES};
use coalition_record::{schema, Contact, LangText, Payload, Period, Practice, RecordError};
use std::net::{IpAddr, SocketAddr};

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

/// An HTML response with the page's security headers, and the `ui` cookie when it changed.
fn html(status: StatusCode, body: String, cookie: Option<Ui>) -> Response {
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
    if let Some(ui) = cookie {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "ui={}; Path=/; Max-Age=31536000; SameSite=Lax",
            ui.code()
        )) {
            h.insert(header::SET_COOKIE, v);
        }
    }
    response
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
fn pick_ui(explicit: Option<&str>, headers: &HeaderMap) -> (Ui, Option<Ui>) {
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

fn page_ctx(s: &AppState, ui: Ui, path: &str, query: &Params, keep: &[&str], nav: Nav) -> PageCtx {
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
    }
}

fn web_params(raw: Option<&str>, allowed: &[&str]) -> Params {
    let mut all: Vec<&str> = allowed.to_vec();
    all.push("ui");
    Params::parse(raw, &all, false).unwrap_or_default()
}

/// An error shown as a page: 404 for unknown things, 400 for bad parameters, 500 otherwise.
fn error_response(ctx: &PageCtx, cookie: Option<Ui>, error: &ApiError) -> Response {
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

pub fn not_found_page(s: &AppState, headers: &HeaderMap, raw: Option<&str>) -> Response {
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

pub async fn search_page(
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

pub async fn practice_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = web_params(raw.as_deref(), &["published"]);
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
            templates::practice_page(&ctx, &v, p.get("published").is_some(), &related),
            cookie,
        ),
        Err(e) => error_response(&ctx, cookie, &e),
    }
}

pub async fn cities_page(
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

pub async fn city_page(
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
    match tokio::task::spawn_blocking(move || views::city_detail(&store, &city, Some(lang)))
        .await
        .unwrap_or_else(|e| Err(ApiError::Internal(e.to_string())))
    {
        Ok(detail) => html(StatusCode::OK, templates::city_page(&ctx, &detail), cookie),
        Err(e) => error_response(&ctx, cookie, &e),
    }
}

fn peer_addr(peer: &Peer) -> Option<SocketAddr> {
    peer.as_ref().map(|Extension(ConnectInfo(addr))| *addr)
}

fn ip_is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// `127.0.0.1:8080`, `localhost:8080`, `[::1]:8080` (any loopback address, any port).
fn host_is_loopback(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(ip_is_loopback)
}

/// The request comes from the node's own machine, directly (not through a proxy).
fn is_local(headers: &HeaderMap, peer: Option<SocketAddr>) -> bool {
    let Some(peer) = peer else {
        return false;
    };
    let forwarded = [
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-real-ip",
    ]
    .iter()
    .any(|h| headers.contains_key(*h));
    let host_ok = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(host_is_loopback);
    ip_is_loopback(peer.ip()) && !forwarded && host_ok
}

/// The browser says the form was posted from this origin (when it says anything).
fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let origin_ok = match headers.get(header::ORIGIN).map(|o| o.to_str()) {
        None => true,
        Some(Ok(origin)) => origin == format!("http://{host}"),
        Some(Err(_)) => false,
    };
    let fetch_ok = match headers.get("sec-fetch-site").map(|v| v.to_str()) {
        None => true,
        Some(Ok(site)) => site == "same-origin",
        Some(Err(_)) => false,
    };
    origin_ok && fetch_ok
}

fn access(s: &AppState, headers: &HeaderMap, peer: &Peer) -> PublishAccess {
    if !is_local(headers, peer_addr(peer)) {
        return PublishAccess::NotLoopback;
    }
    match local_member(s) {
        Ok((city, country)) => PublishAccess::Open { city, country },
        Err(e) => PublishAccess::NoKey(e.message()),
    }
}

pub async fn publish_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    peer: Peer,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = web_params(raw.as_deref(), &[]);
    let (ui, cookie) = pick_ui(p.get("ui"), &headers);
    let ctx = page_ctx(&s, ui, "/publish", &p, &[], Nav::Publish);
    let access = access(&s, &headers, &peer);
    let status = match access {
        PublishAccess::Open { .. } => StatusCode::OK,
        _ => StatusCode::FORBIDDEN,
    };
    html(
        status,
        templates::publish_page(&ctx, &access, &s.csrf, &FormState::default()),
        cookie,
    )
}

fn lang_text(lang: &str, value: &str) -> LangText {
    let mut text = LangText::new();
    let value = value.trim();
    if !value.is_empty() {
        text.insert(lang.to_string(), value.replace("\r\n", "\n"));
    }
    text
}

fn split_list(value: &str, separator: char) -> Vec<String> {
    value
        .split(separator)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Maps a schema field ("practice.period.start", "practice.links[2]") to the form field showing
/// it; `None` for fields the form does not have.
fn form_field(field: &str) -> Option<&'static str> {
    let field = field.strip_prefix("practice.").unwrap_or(field);
    let base = field.split(['[', '.']).next().unwrap_or(field);
    Some(match base {
        "title" => "title",
        "summary" => "summary",
        "body" => "body",
        "rationale" => "rationale",
        "approach" => "approach",
        "results" => "results",
        "transferability" => "transferability",
        "commitments" => "commitments",
        "themes" => "themes",
        "target_groups" => "target_groups",
        "partners" => "partners",
        "links" => "links",
        "period" if field.ends_with("end") => "period_end",
        "period" => "period_start",
        "contact" if field.ends_with("email") => "contact_email",
        "contact" => "contact_name",
        _ => return None,
    })
}

/// Reads the practice from the form and checks every field on its own, so that all problems
/// show at once (the payload rule then runs once more, whole, before signing).
fn practice_from_form(form: &FormState) -> (Practice, Vec<(String, String)>) {
    let lang = form.value("lang").trim();
    let lang = if lang.is_empty() { "en" } else { lang };
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut check = |form_name: &str, result: Result<(), RecordError>| {
        if let Err(RecordError::Schema { rule, .. }) = result {
            if !errors.iter().any(|(f, _)| f == form_name) {
                errors.push((form_name.to_string(), rule));
            }
        }
    };
    check("lang", schema::language_tag("lang", lang));
    let mut commitments: Vec<u8> = Vec::new();
    for (k, v) in &form.values {
        if k == "commitment" {
            match v.parse::<u8>() {
                Ok(c) => commitments.push(c),
                Err(_) => check(
                    "commitments",
                    Err(RecordError::Schema {
                        field: "commitments".into(),
                        rule: format!("'{v}' is not a Ten-Point-Plan commitment (1 to 10)"),
                    }),
                ),
            }
        }
    }
    commitments.sort_unstable();
    commitments.dedup();
    let end = form.value("period_end").trim();
    let contact_name = form.value("contact_name").trim();
    let contact_email = form.value("contact_email").trim();
    let practice = Practice {
        title: lang_text(lang, form.value("title")),
        summary: lang_text(lang, form.value("summary")),
        body: lang_text(lang, form.value("body")),
        rationale: lang_text(lang, form.value("rationale")),
        approach: lang_text(lang, form.value("approach")),
        results: lang_text(lang, form.value("results")),
        transferability: lang_text(lang, form.value("transferability")),
        commitments,
        themes: split_list(form.value("themes"), ','),
        target_groups: split_list(form.value("target_groups"), ','),
        partners: split_list(form.value("partners"), '\n'),
        city: String::new(),
        country: String::new(),
        period: Period {
            start: form.value("period_start").trim().to_string(),
            end: (!end.is_empty()).then(|| end.to_string()),
        },
        links: split_list(form.value("links"), '\n'),
        contact: (!contact_name.is_empty() || !contact_email.is_empty()).then(|| Contact {
            name: contact_name.to_string(),
            role: None,
            email: (!contact_email.is_empty()).then(|| contact_email.to_string()),
            phone: None,
        }),
        illustrative: false,
    };
    let p = &practice;
    check(
        "title",
        schema::lang_text("title", &p.title, true, MAX_SHORT_TEXT_BYTES),
    );
    check(
        "summary",
        schema::lang_text("summary", &p.summary, true, MAX_TEXT_BYTES),
    );
    check(
        "commitments",
        schema::commitments("commitments", &p.commitments, true),
    );
    check(
        "period_start",
        schema::date("period.start", &p.period.start),
    );
    if let Some(end) = &p.period.end {
        check("period_end", schema::date("period.end", end));
    }
    for (name, text) in [
        ("body", &p.body),
        ("rationale", &p.rationale),
        ("approach", &p.approach),
        ("results", &p.results),
        ("transferability", &p.transferability),
    ] {
        check(name, schema::lang_text(name, text, false, MAX_TEXT_BYTES));
    }
    for link in &p.links {
        if !(link.starts_with("https://") || link.starts_with("http://")) {
            check(
                "links",
                Err(RecordError::Schema {
                    field: "links".into(),
                    rule: format!("'{link}' is not an http(s) link"),
                }),
            );
        }
    }
    if let Some(c) = &p.contact {
        if c.name.is_empty() {
            check(
                "contact_name",
                Err(RecordError::Schema {
                    field: "contact.name".into(),
                    rule: "required when a contact e-mail is given".into(),
                }),
            );
        }
        if c.email.as_deref().is_some_and(|e| !e.contains('@')) {
            check(
                "contact_email",
                Err(RecordError::Schema {
                    field: "contact.email".into(),
                    rule: format!("'{contact_email}' is not an e-mail address"),
                }),
            );
        }
    }
    (practice, errors)
}

fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub async fn publish_submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    peer: Peer,
    body: Bytes,
) -> Response {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let mut form = FormState {
        values: pairs,
        ..FormState::default()
    };
    let (ui, cookie) = pick_ui(Some(form.value("ui")), &headers);
    let ctx = page_ctx(&s, ui, "/publish", &Params::default(), &[], Nav::Publish);
    let access = access(&s, &headers, &peer);
    let csrf_ok = same_secret(form.value("csrf").as_bytes(), s.csrf.as_bytes());
    if !matches!(access, PublishAccess::Open { .. }) || !csrf_ok || !same_origin(&headers) {
        s.metrics.count_publish("practice", "refused");
        let access = match access {
            PublishAccess::Open { .. } => PublishAccess::NoKey(
                "the form's security token is missing or stale, or the request did not come from this page; reload the page and try again"
                    .into(),
            ),
            other => other,
        };
        return html(
            StatusCode::FORBIDDEN,
            templates::publish_page(&ctx, &access, &s.csrf, &FormState::default()),
            cookie,
        );
    }
    let (practice, errors) = practice_from_form(&form);
    if !errors.is_empty() {
        s.metrics.count_publish("practice", "rejected");
        form.errors = errors;
        return html(
            StatusCode::BAD_REQUEST,
            templates::publish_page(&ctx, &access, &s.csrf, &form),
            cookie,
        );
    }
    match publish(&s, Payload::Practice(practice)).await {
        Ok(published) => {
            let mut pairs = vec![("published", "1".to_string())];
            if ui != Ui::En {
                pairs.push(("ui", ui.code().to_string()));
            }
            let location = templates::href(&format!("/practice/{}", published.id), &pairs);
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, v);
            }
            response
        }
        Err(e) => {
            let status = e.status();
            match e.field().and_then(form_field) {
                Some(field) => form.errors.push((field.to_string(), e.message())),
                None => form.general = Some(e.message()),
            }
            html(
                status,
                templates::publish_page(&ctx, &access, &s.csrf, &form),
                cookie,
            )
        }
    }
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/app.css"),
    )
        .into_response()
}

pub async fn script() -> Response {
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
pub async fn audit_page(State(s): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let mut period = None;
    for pair in raw
        .as_deref()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        match pair.split_once('=') {
            Some(("period", value)) if !value.is_empty() => period = Some(value.to_string()),
            _ => {
                return (
                    StatusCode::BAD_REQUEST,
                    format!("unknown parameter in '{pair}': the audit page takes only period=YYYY, YYYY-H1 or YYYY-H2"),
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
    let store = s.api.store.clone();
    let rendered = tokio::task::spawn_blocking(move || {
        coalition_audit::audit(&store, period.as_deref(), &[])
            .map(|report| coalition_audit::render_html(&report, None))
    })
    .await;
    match rendered {
        Ok(Ok(page)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page,
        )
            .into_response(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        assert!(host_is_loopback("127.0.0.1:8080"));
        assert!(host_is_loopback("localhost:1"));
        assert!(host_is_loopback("[::1]:8080"));
        assert!(host_is_loopback("127.0.0.2"));
        assert!(!host_is_loopback("example.org:8080"));
        assert!(!host_is_loopback("10.0.0.1:8080"));
        assert!(!host_is_loopback("127.0.0.1.evil.example:80"));
    }

    #[test]
    fn schema_fields_map_to_form_fields() {
        assert_eq!(form_field("practice.title"), Some("title"));
        assert_eq!(form_field("practice.title.en"), Some("title"));
        assert_eq!(form_field("practice.period.end"), Some("period_end"));
        assert_eq!(form_field("period.start"), Some("period_start"));
        assert_eq!(form_field("practice.links[1]"), Some("links"));
        assert_eq!(form_field("contact.email"), Some("contact_email"));
        assert_eq!(form_field("practice.country"), None);
    }

    #[test]
    fn an_empty_form_names_every_required_field() {
        let (_, errors) = practice_from_form(&FormState::default());
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["title", "summary", "commitments", "period_start"]);
    }
}
