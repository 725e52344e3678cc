//! The publish form (`GET`/`POST /publish`) for the local city.
//!
//! Publishing rule of the form: accepted only from a signed-in browser session (see
//! `crate::session`: sign-in takes the node's API token), with the session's CSRF token in the
//! form, from the node's own machine (loopback peer address, a loopback `Host`, no proxy
//! forwarding headers) and, when the browser sends them, a same-origin `Origin` and
//! `Sec-Fetch-Site`. Without a session the form is not shown and a submission is refused: both
//! redirect to the sign-in page.

use super::web::{html, page_ctx, pick_ui, web_params};
use super::AppState;
use crate::i18n::Ui;
use crate::params::Params;
use crate::publish::{local_member, publish};
use crate::session::{same_secret, Session};
use crate::templates::{self, FormState, Nav, PublishAccess};
use axum::body::Bytes;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use coalition_record::limits::{MAX_SHORT_TEXT_BYTES, MAX_TEXT_BYTES};
use coalition_record::{schema, Contact, LangText, Payload, Period, Practice, RecordError};
use std::net::{IpAddr, SocketAddr};

pub(super) type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

/// A 303 redirect to `location`.
pub(super) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// Where a browser without a session is sent: the sign-in page, in its language.
pub(super) fn to_signin(ui: Ui) -> Response {
    let mut pairs = Vec::new();
    if ui != Ui::En {
        pairs.push(("ui", ui.code().to_string()));
    }
    see_other(&templates::href("/signin", &pairs))
}

pub(super) fn peer_addr(peer: &Peer) -> Option<SocketAddr> {
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
pub(super) fn is_local(headers: &HeaderMap, peer: Option<SocketAddr>) -> bool {
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
pub(super) fn same_origin(headers: &HeaderMap) -> bool {
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

/// The rule of every form that publishes (the exchange forms, the cycle form): a signed-in
/// session, its CSRF token in the form, the node's own machine, the same origin. The session,
/// or the response to send instead (sign in, or 403 counted as a refused publish of `kind`).
pub(super) fn form_session(
    s: &AppState,
    headers: &HeaderMap,
    peer: &Peer,
    form: &FormState,
    ui: Ui,
    kind: &'static str,
) -> Result<Session, Box<Response>> {
    let Some((_, session)) = s.sessions.find(headers) else {
        return Err(Box::new(to_signin(ui)));
    };
    let csrf_ok = same_secret(form.value("csrf").as_bytes(), session.csrf.as_bytes());
    if !matches!(access(s, headers, peer), PublishAccess::Open { .. })
        || !csrf_ok
        || !same_origin(headers)
    {
        s.metrics.count_publish(kind, "refused");
        return Err(Box::new(
            (
                StatusCode::FORBIDDEN,
                "refused: the form's security token is missing or stale, the request did not come from this node's own page, or this node cannot publish; reload the page and try again",
            )
                .into_response(),
        ));
    }
    Ok(session)
}

pub(super) fn access(s: &AppState, headers: &HeaderMap, peer: &Peer) -> PublishAccess {
    if !is_local(headers, peer_addr(peer)) {
        return PublishAccess::NotLoopback;
    }
    match local_member(s) {
        Ok((city, country)) => PublishAccess::Open { city, country },
        Err(e) => PublishAccess::NoKey(e.message()),
    }
}

pub(super) async fn publish_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    peer: Peer,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = web_params(raw.as_deref(), &[]);
    let (ui, cookie) = pick_ui(p.get("ui"), &headers);
    let mut ctx = page_ctx(&s, ui, "/publish", &p, &[], Nav::Publish);
    let access = access(&s, &headers, &peer);
    if matches!(access, PublishAccess::NotLoopback) {
        return html(
            StatusCode::FORBIDDEN,
            templates::publish_page(&ctx, &access, "", &FormState::default()),
            cookie,
        );
    }
    // No session, no form (and so no CSRF token): sign in first.
    let Some((_, session)) = s.sessions.find(&headers) else {
        return to_signin(ui);
    };
    // Signed in: the page starts with the sign-out button.
    ctx.signout = Some(session.csrf.clone());
    let status = match access {
        PublishAccess::Open { .. } => StatusCode::OK,
        _ => StatusCode::FORBIDDEN,
    };
    let page = templates::publish_page(&ctx, &access, &session.csrf, &FormState::default());
    html(status, page, cookie)
}

/// A form field's text in `lang`, trimmed, with browser line ends; empty when blank.
pub(super) fn lang_text(lang: &str, value: &str) -> LangText {
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
        "grounds" => "grounds",
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
    let mut grounds: Vec<String> = form
        .values
        .iter()
        .filter(|(k, _)| k == "ground")
        .map(|(_, v)| v.trim().to_string())
        .collect();
    grounds.sort();
    grounds.dedup();
    for code in &grounds {
        check(
            "grounds",
            coalition_record::taxonomy::check_listed(
                code,
                &coalition_record::taxonomy::GROUNDS,
                "docs/grounds.toml",
            )
            .map_err(|rule| RecordError::Schema {
                field: "grounds".into(),
                rule,
            }),
        );
    }
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
        grounds,
        partner_types: Vec::new(),
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

pub(super) async fn publish_submit(
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
    let mut ctx = page_ctx(&s, ui, "/publish", &Params::default(), &[], Nav::Publish);
    let access = access(&s, &headers, &peer);
    let Some((_, session)) = s.sessions.find(&headers) else {
        s.metrics.count_publish("practice", "refused");
        if matches!(access, PublishAccess::NotLoopback) {
            return html(
                StatusCode::FORBIDDEN,
                templates::publish_page(&ctx, &access, "", &FormState::default()),
                cookie,
            );
        }
        return to_signin(ui);
    };
    ctx.signout = Some(session.csrf.clone());
    let csrf_ok = same_secret(form.value("csrf").as_bytes(), session.csrf.as_bytes());
    if !matches!(access, PublishAccess::Open { .. }) || !csrf_ok || !same_origin(&headers) {
        s.metrics.count_publish("practice", "refused");
        let access = match access {
            PublishAccess::Open { .. } => PublishAccess::NoKey(
                "the form's security token is missing or stale, or the request did not come from this page; reload the page and try again"
                    .into(),
            ),
            other => other,
        };
        let page = templates::publish_page(&ctx, &access, &session.csrf, &FormState::default());
        return html(StatusCode::FORBIDDEN, page, cookie);
    }
    let (practice, errors) = practice_from_form(&form);
    if !errors.is_empty() {
        s.metrics.count_publish("practice", "rejected");
        form.errors = errors;
        let page = templates::publish_page(&ctx, &access, &session.csrf, &form);
        return html(StatusCode::BAD_REQUEST, page, cookie);
    }
    match publish(&s, Payload::Practice(practice)).await {
        Ok(published) => {
            let mut pairs = vec![("published", "1".to_string())];
            if ui != Ui::En {
                pairs.push(("ui", ui.code().to_string()));
            }
            see_other(&templates::href(
                &format!("/practice/{}", published.id),
                &pairs,
            ))
        }
        Err(e) => {
            let status = e.status();
            match e.field().and_then(form_field) {
                Some(field) => form.errors.push((field.to_string(), e.message())),
                None => form.general = Some(e.message()),
            }
            let page = templates::publish_page(&ctx, &access, &session.csrf, &form);
            html(status, page, cookie)
        }
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
