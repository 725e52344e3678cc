//! Sign-in and sign-out for the web page (`/signin`, `/signout`).
//!
//! Signing in takes the node's API token (the contents of `api.token` in the data directory, mode
//! 0600), so only the node's operator can publish from the page; see `crate::session` and
//! docs/SECURITY.md. Sign-in works only from the node's own machine, like the form.

use super::publish_form::{is_local, peer_addr, same_origin, see_other, to_signin, Peer};
use super::web::{html, page_ctx, pick_ui, web_params};
use super::AppState;
use crate::i18n::Ui;
use crate::params::Params;
use crate::session::{clear_cookie, same_secret, set_cookie};
use crate::templates::{self, Nav, PageCtx};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use maud::html;

/// The sign-in page's words.
fn signin_page(ctx: &PageCtx, problem: Option<&str>, show_form: bool) -> String {
    let t = ctx.ui.t();
    let body = html! {
        h1 { (t.signin_heading) }
        p { (t.signin_intro) }
        @if let Some(problem) = problem {
            div class="error-summary" role="alert" tabindex="-1" id="error-summary" { p { (problem) } }
        }
        @if show_form {
            form class="signin" method="post" action="/signin" {
                input type="hidden" name="ui" value=(ctx.ui.code());
                div class="field" {
                    label for="token" { (t.signin_label) }
                    input id="token" name="token" type="password" autocomplete="current-password" required;
                }
                div class="actions" { button type="submit" { (t.signin_button) } }
            }
        }
    };
    templates::layout(ctx, t.signin_heading, body)
}

pub(super) async fn signin_page_get(
    State(s): State<AppState>,
    headers: HeaderMap,
    peer: Peer,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = web_params(raw.as_deref(), &[]);
    let (ui, cookie) = pick_ui(p.get("ui"), &headers);
    let ctx = page_ctx(&s, ui, "/signin", &p, &[], Nav::Publish);
    let t = ui.t();
    if !is_local(&headers, peer_addr(&peer)) {
        return html(
            StatusCode::FORBIDDEN,
            signin_page(&ctx, Some(t.signin_not_local), false),
            cookie,
        );
    }
    if s.api.token.is_none() {
        return html(
            StatusCode::FORBIDDEN,
            signin_page(&ctx, Some(t.signin_no_token), false),
            cookie,
        );
    }
    html(StatusCode::OK, signin_page(&ctx, None, true), cookie)
}

fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

fn form_value<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

pub(super) async fn signin_submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    peer: Peer,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let (ui, cookie) = pick_ui(Some(form_value(&pairs, "ui")), &headers);
    let ctx = page_ctx(&s, ui, "/signin", &Params::default(), &[], Nav::Publish);
    let t = ui.t();
    if !is_local(&headers, peer_addr(&peer)) {
        return html(
            StatusCode::FORBIDDEN,
            signin_page(&ctx, Some(t.signin_not_local), false),
            cookie,
        );
    }
    if !same_origin(&headers) {
        return html(
            StatusCode::FORBIDDEN,
            signin_page(&ctx, Some(t.signin_stale), true),
            cookie,
        );
    }
    let Some(token) = &s.api.token else {
        return html(
            StatusCode::FORBIDDEN,
            signin_page(&ctx, Some(t.signin_no_token), false),
            cookie,
        );
    };
    let given = form_value(&pairs, "token").trim();
    if !same_secret(given.as_bytes(), token.as_bytes()) {
        tracing::warn!("web sign-in refused: wrong token");
        return html(
            StatusCode::UNAUTHORIZED,
            signin_page(&ctx, Some(t.signin_wrong), true),
            cookie,
        );
    }
    let id = s.sessions.start();
    tracing::info!("web sign-in");
    let mut pairs = Vec::new();
    if ui != Ui::En {
        pairs.push(("ui", ui.code().to_string()));
    }
    let mut response = see_other(&templates::href("/publish", &pairs));
    if let Ok(v) = HeaderValue::from_str(&set_cookie(&id)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

pub(super) async fn signout_submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let pairs = form_pairs(&body);
    let ui = pick_ui(Some(form_value(&pairs, "ui")), &headers).0;
    let Some((id, session)) = s.sessions.find(&headers) else {
        return to_signin(ui);
    };
    if !same_secret(
        form_value(&pairs, "csrf").as_bytes(),
        session.csrf.as_bytes(),
    ) || !same_origin(&headers)
    {
        let ctx = page_ctx(&s, ui, "/signin", &Params::default(), &[], Nav::Publish);
        return html(
            StatusCode::FORBIDDEN,
            signin_page(&ctx, Some(ui.t().signin_stale), false),
            None,
        );
    }
    s.sessions.end(&id);
    tracing::info!("web sign-out");
    let mut response = see_other("/");
    if let Ok(v) = HeaderValue::from_str(&clear_cookie()) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}
