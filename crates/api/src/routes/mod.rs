//! The route table: every route is declared once, here, with its method, so the OpenAPI test can
//! compare the router with the document both ways ([`route_list`]).

mod admin;
mod batch;
mod cycles;
mod erasures;
mod exchange;
mod exchange_form;
mod json;
mod publish_form;
mod signin;
mod status;
mod translations;
mod web;

pub(crate) use crate::state::AppState;
pub use json::hit_json;

use crate::counters::Metrics;
use crate::error::ApiError;
use crate::ApiState;
use axum::handler::Handler;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use prometheus_client::registry::Registry;
use std::sync::Arc;

struct Table {
    router: Router<AppState>,
    routes: Vec<(&'static str, &'static str)>,
}

impl Table {
    fn get<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, get(handler));
        self.routes.push(("get", path));
        self
    }

    fn post<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, post(handler));
        self.routes.push(("post", path));
        self
    }
}

fn table() -> Table {
    Table {
        router: Router::new(),
        routes: Vec::new(),
    }
    // JSON API
    .get("/api/v1/practices", json::list_practices)
    .post("/api/v1/practices", json::publish_practice)
    .get("/api/v1/practices/{id}", json::get_practice)
    .get("/api/v1/practices/{id}/related", json::related_practices)
    .get("/api/v1/reports", json::list_reports)
    .post("/api/v1/reports", json::publish_report)
    .get("/api/v1/cities", json::list_cities)
    .get("/api/v1/cities/{city}", json::get_city)
    .get("/api/v1/entries/{id}", json::get_entry)
    .post("/api/v1/retractions", json::publish_retraction)
    .post("/api/v1/updates", json::publish_update)
    .post("/api/v1/revisions", json::publish_revision)
    .post("/api/v1/adoptions", exchange::publish_adoption)
    .post("/api/v1/questions", exchange::publish_question)
    .post("/api/v1/answers", exchange::publish_answer)
    .get("/api/v1/exchange", exchange::get_exchange)
    .get("/api/v1/cycles", cycles::list_cycles)
    .post("/api/v1/cycles", cycles::publish_cycle)
    .get("/api/v1/cycles/indicators", cycles::indicators_json)
    .get("/api/v1/cycles/indicators.csv", cycles::indicators_csv)
    .get("/api/v1/cycles/timeliness.csv", cycles::timeliness_csv)
    .post("/api/v1/feedback", cycles::publish_feedback)
    .get("/api/v1/erasures", erasures::list_erasures)
    .post("/api/v1/erasures", erasures::publish_erasure)
    .post("/api/v1/erasure-orders", erasures::publish_order)
    .post("/api/v1/translations", translations::publish_translation)
    .post("/api/v1/endorsements", translations::publish_endorsement)
    .post("/api/v1/batch", batch::publish_batch)
    .post("/api/v1/admin/backup", admin::backup)
    .get("/api/v1/openapi.json", json::openapi)
    // Operations
    .get("/healthz", json::healthz)
    .get("/api/v1/status", status::status)
    .get("/metrics", json::metrics)
    // Web page
    .get("/", web::search_page)
    .get("/practice/{id}", web::practice_page)
    .get("/cities", web::cities_page)
    .get("/city/{city}", web::city_page)
    .get("/exchange", web::exchange_page)
    .post("/exchange", exchange_form::exchange_submit)
    .get("/cycles", cycles::cycles_page)
    .get("/cycle/{id}", cycles::cycle_page)
    .post("/cycle/{id}", cycles::cycle_submit)
    .get("/audit", web::audit_page)
    .get("/publish", publish_form::publish_page)
    .post("/publish", publish_form::publish_submit)
    .get("/signin", signin::signin_page_get)
    .post("/signin", signin::signin_submit)
    .post("/signout", signin::signout_submit)
    .get("/assets/app.css", web::stylesheet)
    .get("/assets/app.js", web::script)
}

/// Every route the router serves, as (lower-case method, path template).
pub fn route_list() -> Vec<(&'static str, &'static str)> {
    table().routes
}

/// The application over `api`. The HTTP layer's metrics are added to `registry`, which the
/// node may have filled with its own; `/metrics` then serves the whole.
pub(crate) fn build(api: ApiState, timeouts: crate::Timeouts, mut registry: Registry) -> Router {
    let metrics = Metrics::registered(&mut registry);
    registry.register_collector(Box::new(crate::metrics::Snapshots::of(&api)));
    let state = AppState {
        api,
        metrics: Arc::new(metrics),
        registry: Arc::new(registry),
        sessions: Arc::new(crate::session::Sessions::default()),
        body_read_timeout: timeouts.body_read,
    };
    table()
        .router
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::guard::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track,
        ))
        .with_state(state)
}

fn is_machine_path(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz" || path == "/metrics"
}

async fn fallback(
    axum::extract::State(s): axum::extract::State<AppState>,
    uri: Uri,
    headers: axum::http::HeaderMap,
) -> Response {
    if is_machine_path(uri.path()) {
        ApiError::NotFound(format!("no route {}", uri.path())).into_response()
    } else {
        web::not_found_page(&s, &headers, uri.query())
    }
}

async fn method_not_allowed(uri: Uri) -> Response {
    let mut response = ApiError::BadRequest {
        field: "method".into(),
        rule: "method_not_allowed".into(),
        message: format!("{} does not accept this method", uri.path()),
    }
    .into_response();
    *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    response
}
