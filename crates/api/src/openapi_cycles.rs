//! The OpenAPI paths of reporting cycles (issue #18): the cycles with each city's timeliness,
//! the indicator exports, publishing a committee decision or feedback, and the web pages.

use serde_json::{json, Value};

/// `(path, item)` for each reporting-cycle route, built with the document's publish operation.
pub(crate) fn cycle_paths(
    publish_op: fn(&str, &str, Value, &str) -> Value,
) -> Vec<(&'static str, Value)> {
    let html = json!({"200": {"description": "HTML.", "content": {"text/html": {"schema": {"type": "string"}}}}});
    let csv = |what: &str| json!({"200": {"description": what, "content": {"text/csv": {"schema": {"type": "string"}}}}});
    vec![
        (
            "/api/v1/cycles",
            json!({
                "get": {
                    "tags": ["reporting"],
                    "summary": "Every reporting cycle this node holds: its terms in force (period, deadline, questionnaire, amendments) and each active city's state (on_time, late, missing, due) with days late or left",
                    "responses": {"200": {"description": "The cycles.", "content": {"application/json": {"schema": {"type": "object", "properties": {
                        "cycles": {"type": "array", "items": {"type": "object"}}
                    }}}}}}
                },
                "post": publish_op(
                    "Publish a Steering Committee decision opening or amending a reporting cycle, carrying at least the charter's threshold of committee signatures (`coalition cycle propose/sign/publish` writes it); refused below the threshold (`committee_threshold`)",
                    "reporting",
                    json!({"type": "object", "required": ["decision", "signatures"]}),
                    "/api/v1/entries/{id}",
                )
            }),
        ),
        (
            "/api/v1/cycles/indicators",
            json!({"get": {
                "tags": ["reporting"],
                "summary": "Indicator values of the reports filed for cycles: one row per period, commitment, indicator and city (the same rows as the CSV)",
                "responses": {"200": {"description": "The rows.", "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "indicators": {"type": "array", "items": {"type": "object", "properties": {
                        "period": {"type": "string"}, "commitment": {"type": "integer"}, "indicator": {"type": "string"},
                        "unit": {"type": "string"}, "city": {"type": "string"}, "country": {"type": "string"},
                        "value": {"type": "number"}, "report": {"type": "string"}
                    }}}
                }}}}}}
            }}),
        ),
        (
            "/api/v1/cycles/indicators.csv",
            json!({"get": {"tags": ["reporting"], "summary": "The indicator rows as CSV", "responses": csv("CSV with a header row.")}}),
        ),
        (
            "/api/v1/cycles/timeliness.csv",
            json!({"get": {"tags": ["reporting"], "summary": "One row per cycle and active city: state, filing date, days late or left, feedback count", "responses": csv("CSV with a header row.")}}),
        ),
        (
            "/api/v1/feedback",
            json!({"post": publish_op(
                "Publish feedback on a city's report, signed by a committee member or a reviewer the report's cycle names (`coalition feedback` signs it); refused for any other signer (`not_a_reviewer`)",
                "reporting",
                json!({"type": "object", "required": ["report", "text", "signer", "signature"]}),
                "/api/v1/entries/{id}",
            )}),
        ),
        (
            "/cycles",
            json!({"get": {"tags": ["web"], "summary": "The reporting page: open cycles with the days left, past cycles with who filed on time, late or not at all", "responses": html}}),
        ),
        (
            "/cycle/{id}",
            json!({
                "get": {"tags": ["web"], "summary": "One cycle (by id or period): its questions and, for the local city signed in, the form that saves a draft and publishes the report",
                    "responses": {"200": html["200"].clone(), "404": {"description": "No such cycle on this node (HTML page)."}}},
                "post": {"tags": ["web"], "summary": "The cycle form (form-encoded: action = draft or publish; csrf; status_N, narrative_N, ind_N_J per commitment N and indicator J). Same rule as the publish form",
                    "responses": {
                        "303": {"description": "Back to the cycle page: draft saved, or report published."},
                        "400": {"description": "The report does not answer the cycle: the page again, with the rule broken and the values kept."},
                        "403": {"description": "No valid session token, not from this machine or origin, or this node cannot publish."}
                    }}
            }),
        ),
    ]
}
