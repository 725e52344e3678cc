//! JSON routes under `/api/v1`, and `/healthz` and `/metrics`.

use super::AppState;
use crate::error::ApiError;
use crate::guard::check_bearer;
use crate::params::{entry_id, full_entry_id, Params};
use crate::publish::{publish, Published};
use crate::views;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use coalition_record::payload::Retraction;
use coalition_record::{ActivityReport, Payload, Practice};
use coalition_search::{Hit, SearchQuery, SearchResults};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

/// Runs blocking store or index work off the async threads.
async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::Internal(format!("worker task failed: {e}")))?
}

pub(crate) const PRACTICE_FILTERS: &[&str] = &[
    "q",
    "commitment",
    "country",
    "city",
    "lang",
    "language",
    "year",
    "started",
    "kind",
    "ground",
    "partner_type",
    "offset",
    "limit",
];

/// The search kinds a listing may ask for (several are alternatives); `any` lifts the filter.
fn search_kinds(p: &Params, default: Option<&str>) -> Result<Vec<String>, ApiError> {
    let mut kinds = Vec::new();
    for k in p.all("kind") {
        match k.to_ascii_lowercase().as_str() {
            "practice" | "revision" | "practice_revision" => kinds.push("practice".to_string()),
            "update" => kinds.push("update".into()),
            "report" => kinds.push("report".into()),
            "any" | "all" => return Ok(Vec::new()),
            _ => {
                return Err(ApiError::bad(
                    "kind",
                    "payload_kind",
                    format!("'{k}' is not a kind; use practice, report, update or any"),
                ))
            }
        }
    }
    if kinds.is_empty() {
        kinds.extend(default.map(str::to_string));
    }
    Ok(kinds)
}

/// Every value of `key` (repeated keys are alternatives), each checked by the single-value rule
/// `one` of that parameter.
fn each<T>(
    p: &Params,
    key: &str,
    one: impl Fn(&Params, &str) -> Result<Option<T>, ApiError>,
) -> Result<Vec<T>, ApiError> {
    let mut out = Vec::new();
    for value in p.all(key) {
        let single = Params::from_pairs(vec![(key.to_string(), value.to_string())], &[key], true)?;
        out.extend(one(&single, key)?);
    }
    Ok(out)
}

/// Builds a search query from listing parameters, checking each. Repeated values of one
/// parameter are alternatives; different parameters must all match.
pub(crate) fn search_query(
    p: &Params,
    default_kind: Option<&str>,
) -> Result<SearchQuery, ApiError> {
    Ok(SearchQuery {
        text: p.text("q"),
        lang: p.language("lang")?,
        commitments: p.commitments("commitment")?,
        country: each(p, "country", Params::country)?,
        city: p.all("city").map(str::to_string).collect(),
        language: each(p, "language", Params::language)?,
        year: each(p, "year", Params::year)?,
        started: each(p, "started", Params::year)?,
        kind: search_kinds(p, default_kind)?,
        ground: each(p, "ground", Params::ground)?,
        partner_type: each(p, "partner_type", Params::partner_type)?,
        offset: p.offset()?,
        limit: p.limit()?,
        ..SearchQuery::default()
    })
}

pub(crate) async fn run_search(s: &AppState, q: SearchQuery) -> Result<SearchResults, ApiError> {
    let search = s.api.search.clone();
    blocking(move || Ok(search.search(&q)?)).await
}

fn facet_list<T: serde::Serialize>(items: &[(T, u64)]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|(value, count)| json!({"value": value, "count": count}))
            .collect(),
    )
}

/// A search hit as JSON: its fields (the snippet as `snippet_text` and `highlights`), and
/// `snippet_html`, the snippet as the web page shows it (escaped text, `<mark>` around the
/// matched words), as the API gave it before the ranges.
pub fn hit_json(h: &Hit) -> Value {
    let mut v = serde_json::to_value(h).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        let html = crate::templates::snippet_html(&h.snippet).into_string();
        map.insert("snippet_html".into(), Value::String(html));
    }
    v
}

pub(crate) fn results_json(q: &SearchQuery, r: &SearchResults) -> Value {
    let items: Vec<Value> = r
        .hits
        .iter()
        .map(|h| {
            let mut v = hit_json(h);
            if let Value::Object(map) = &mut v {
                let url = if h.kind == "practice" {
                    format!("/api/v1/practices/{}", h.id)
                } else {
                    format!("/api/v1/entries/{}", h.id)
                };
                map.insert("url".into(), Value::String(url));
            }
            v
        })
        .collect();
    let commitments: Vec<Value> = r
        .facets
        .commitment
        .iter()
        .map(|(c, n)| {
            json!({
                "value": c,
                "count": n,
                "title": coalition_record::taxonomy::commitment(*c).map(|c| c.title),
            })
        })
        .collect();
    json!({
        "total": r.total,
        "offset": q.offset,
        "limit": q.limit,
        "took_ms": r.took_ms,
        "relaxed": r.relaxed,
        "items": items,
        "facets": {
            "commitment": commitments,
            "country": facet_list(&r.facets.country),
            "city": facet_list(&r.facets.city),
            "language": facet_list(&r.facets.language),
            "year": facet_list(&r.facets.year),
            "kind": facet_list(&r.facets.kind),
            "ground": facet_list(&r.facets.ground),
            "partner_type": facet_list(&r.facets.partner_type),
        }
    })
}

pub(super) async fn list_practices(
    State(s): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(raw.as_deref(), PRACTICE_FILTERS, true)?;
    let q = search_query(&p, Some("practice"))?;
    let results = run_search(&s, q.clone()).await?;
    Ok(Json(results_json(&q, &results)))
}

pub(super) async fn get_practice(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<views::PracticeView>, ApiError> {
    let id = entry_id("id", &id)?;
    let store = s.api.store.clone();
    Ok(Json(blocking(move || views::practice(&store, &id)).await?))
}

/// Most related practices per page unless `limit` says otherwise, and at most.
const RELATED_DEFAULT: usize = 5;
const RELATED_MAX: usize = 50;

pub(super) async fn related_practices(
    State(s): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(raw.as_deref(), &["lang", "limit"], true)?;
    let lang = p.language("lang")?;
    let limit = p.usize_or("limit", RELATED_DEFAULT, RELATED_MAX)?.max(1);
    let id = entry_id("id", &id)?;
    let store = s.api.store.clone();
    let search = s.api.search.clone();
    let (view_id, hits) = blocking(move || {
        let view = views::practice(&store, &id)?;
        let hits = search
            .related(&view.current_id, lang.as_deref(), limit)?
            .unwrap_or_default();
        Ok((view.current_id, hits))
    })
    .await?;
    let items: Vec<Value> = hits
        .iter()
        .map(|h| {
            let mut v = hit_json(h);
            if let Value::Object(map) = &mut v {
                map.insert(
                    "url".into(),
                    Value::String(format!("/api/v1/practices/{}", h.id)),
                );
            }
            v
        })
        .collect();
    Ok(Json(json!({ "id": view_id.to_hex(), "items": items })))
}

pub(super) async fn list_reports(
    State(s): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(
        raw.as_deref(),
        &["city", "period", "commitment", "offset", "limit"],
        true,
    )?;
    let period = p.period("period")?;
    let commitment = p.commitment("commitment")?;
    let offset = p.offset()?;
    let limit = p.limit()?;
    let author = match p.get("city") {
        Some(city) => Some(
            views::find_city(&s.api.store.roster(), city).ok_or_else(|| {
                ApiError::bad(
                    "city",
                    "unknown_city",
                    format!("no member city with the key or name '{city}'"),
                )
            })?,
        ),
        None => None,
    };
    let store = s.api.store.clone();
    let all =
        blocking(move || views::reports(&store, author, period.as_deref(), commitment)).await?;
    let total = all.len();
    let items: Vec<_> = all.into_iter().skip(offset).take(limit).collect();
    Ok(Json(json!({
        "total": total,
        "offset": offset,
        "limit": limit,
        "items": items,
    })))
}

pub(super) async fn list_cities(State(s): State<AppState>) -> Result<Json<Value>, ApiError> {
    let store = s.api.store.clone();
    let version = store.roster_version();
    let cities = blocking(move || views::cities(&store)).await?;
    Ok(Json(json!({
        "roster_version": version,
        "total": cities.len(),
        "cities": cities,
    })))
}

pub(super) async fn get_city(
    State(s): State<AppState>,
    Path(city): Path<String>,
) -> Result<Json<views::CityDetail>, ApiError> {
    let store = s.api.store.clone();
    Ok(Json(
        blocking(move || views::city_detail(&store, &city, None)).await?,
    ))
}

pub(super) async fn get_entry(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<views::EntryView>, ApiError> {
    let id = entry_id("id", &id)?;
    let store = s.api.store.clone();
    Ok(Json(blocking(move || views::entry(&store, &id)).await?))
}

pub(super) async fn openapi() -> Json<Value> {
    Json(crate::openapi::document())
}

pub(super) async fn healthz(State(s): State<AppState>) -> Response {
    let net = s.api.network.status();
    let code = if net.sync_state == crate::SyncState::Degraded {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let index = s.api.indexer.as_ref().map(|i| i.status());
    // Synced means the derived views too: a node whose index lags its store is still syncing.
    let status = crate::sync_state(&net, index.as_ref());
    let body = json!({
        "status": status,
        "entries": s.api.store.entry_count(),
        "peers": net.peers,
        "roster_version": s.api.store.roster_version(),
        "search_documents": s.api.search.doc_count(),
        "search_behind": index.as_ref().map(|i| i.behind),
        "search_error": index.and_then(|i| i.error),
    });
    (code, Json(body)).into_response()
}

pub(super) async fn metrics(State(s): State<AppState>) -> Response {
    let registry = s.registry.clone();
    let encoded = blocking(move || {
        crate::metrics::encode(&registry)
            .map_err(|_| ApiError::Internal("the metrics could not be encoded".into()))
    });
    match encoded.await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(crate::metrics::CONTENT_TYPE),
            )],
            text,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// Parses a JSON body, naming the field that failed ("period.start", "commitments[2]", or the
/// missing or unknown field itself).
pub(super) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad(
            "body",
            "json",
            "the request body is empty; send the record as JSON",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.to_string();
        let named = |prefix: &str| {
            message
                .strip_prefix(prefix)
                .and_then(|rest| rest.split('`').next())
                .map(str::to_string)
        };
        // serde_path_to_error's path ends at the unknown field itself, but at the parent of a
        // missing one.
        let field = match (
            named("missing field `"),
            named("unknown field `"),
            path.as_str(),
        ) {
            (Some(name), _, "." | "") => name,
            (Some(name), _, parent) => format!("{parent}.{name}"),
            (None, Some(name), "." | "") => name,
            (None, _, "." | "") => "body".to_string(),
            (None, _, path) => path.to_string(),
        };
        let rule = if inner.is_syntax() || inner.is_eof() {
            "json_syntax"
        } else {
            "json_schema"
        };
        ApiError::bad(&field, rule, message)
    })?;
    de.end()
        .map_err(|e| ApiError::bad("body", "json_syntax", e.to_string()))?;
    Ok(value)
}

/// 201 with the new entry, or 200 when the document was already published (same entry).
pub(super) fn created(published: Published, location: String) -> Response {
    let status = if published.existing {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut response = (status, Json(published)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

pub(super) async fn publish_practice(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_bearer(&s, &headers, "practice")?;
    let practice: Practice = parse_body(&body)?;
    let published = publish(&s, Payload::Practice(practice)).await?;
    let location = format!("/api/v1/practices/{}", published.id);
    Ok(created(published, location))
}

pub(super) async fn publish_report(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_bearer(&s, &headers, "report")?;
    let report: ActivityReport = parse_body(&body)?;
    let published = publish(&s, Payload::ActivityReport(report)).await?;
    let location = format!("/api/v1/entries/{}", published.id);
    Ok(created(published, location))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RetractionBody {
    /// Entry id (64 hex) of one of the local city's entries.
    target: String,
    reason: String,
}

pub(super) async fn publish_retraction(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_bearer(&s, &headers, "retraction")?;
    let body: RetractionBody = parse_body(&body)?;
    let target = full_entry_id("target", &body.target)?;
    let published = publish(
        &s,
        Payload::Retraction(Retraction {
            target,
            reason: body.reason,
        }),
    )
    .await?;
    let location = format!("/api/v1/entries/{}", published.id);
    Ok(created(published, location))
}

pub(super) async fn publish_update(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_bearer(&s, &headers, "update")?;
    let update: coalition_record::ActivityUpdate = parse_body(&body)?;
    let published = publish(&s, Payload::ActivityUpdate(update)).await?;
    let location = format!("/api/v1/entries/{}", published.id);
    Ok(created(published, location))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevisionBody {
    /// Entry id (64 hex) of the local city's practice (or earlier revision) being replaced.
    supersedes: String,
    practice: Practice,
}

pub(super) async fn publish_revision(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_bearer(&s, &headers, "revision")?;
    let body: RevisionBody = parse_body(&body)?;
    let supersedes = full_entry_id("supersedes", &body.supersedes)?;
    let published = publish(
        &s,
        Payload::PracticeRevision(coalition_record::payload::PracticeRevision {
            supersedes,
            practice: body.practice,
        }),
    )
    .await?;
    let location = format!("/api/v1/practices/{}", published.id);
    Ok(created(published, location))
}
