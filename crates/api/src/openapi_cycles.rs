//! The OpenAPI paths of reporting cycles (issue #18) and erasures (issue #16): the cycles with each city's timeliness,
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
            "/api/v1/erasures",
            json!({
                "get": {
                    "tags": ["erasure"],
                    "summary": "Every erasure this node holds (a city's own, or a committee order) with the active member cities whose nodes signed a receipt (and when) and those that have not yet",
                    "responses": {"200": {"description": "The erasures.", "content": {"application/json": {"schema": {"type": "object", "properties": {
                        "erasures": {"type": "array", "items": {"type": "object", "properties": {
                            "erasure": {"type": "string"}, "target": {"type": "string"}, "target_city": {"type": "string"},
                            "published_by": {"type": "string"}, "reason": {"type": "string"}, "by_committee": {"type": "boolean"},
                            "timestamp_ms": {"type": "integer"},
                            "confirmed": {"type": "array", "items": {"type": "object"}},
                            "missing": {"type": "array", "items": {"type": "string"}}
                        }}}
                    }}}}}}
                },
                "post": {
                    "tags": ["erasure"],
                    "summary": "Erase the payload of one of the local city's entries on every node: answers the entries signed in one write (for a practice in force, first a version without its contact person, then the erasure). Refused for another city's entry (`not_own_entry`), one not held (`unknown_entry`) or one already erased (`already_erased`)",
                    "security": [{"bearer": []}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["target"], "properties": {
                        "target": {"type": "string", "description": "Entry id, 64 hex characters."},
                        "reason": {"type": "string", "description": "Why, without personal data."}
                    }}}}},
                    "responses": {
                        "201": {"description": "Stored: {\"entries\": [...]}, each as a publish answer."},
                        "400": {"description": "A rule refused it; nothing was stored."},
                        "401": {"description": "No or wrong bearer token."}
                    }
                }
            }),
        ),
        (
            "/api/v1/erasure-orders",
            json!({"post": {
                "tags": ["erasure"],
                "summary": "Publish a Steering Committee order to erase the payload of any city's entry, carrying at least the charter's threshold of committee signatures (`coalition erasure-order propose/sign/publish` writes it); refused below the threshold (`committee_threshold`)",
                "security": [{"bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["order", "signatures"]}}}},
                "responses": {
                    "201": {"description": "Stored: the entry, as every publish answers (Location: /api/v1/entries/{id})."},
                    "400": {"description": "A rule refused it; nothing was stored."},
                    "401": {"description": "No or wrong bearer token."}
                }
            }}),
        ),
        (
            "/api/v1/translations",
            json!({"post": publish_op(
                "Publish the local city's translation of another city's practice version into one language: {source, from_lang, lang, title, summary, body, rationale, approach, results, transferability}; refused for a version not held (`unknown_version`), this city's own practice (`own_practice`: add the language with a revision), a version not written in from_lang or already in lang (`payload_schema`). The practice's JSON and page list its translations",
                "translation",
                json!({"type": "object", "required": ["source", "from_lang", "lang", "title", "summary"]}),
                "/api/v1/entries/{id}",
            )}),
        ),
        (
            "/api/v1/endorsements",
            json!({"post": publish_op(
                "Endorse a translation of one of the local city's practices: {translation}; refused for any other city (`not_author_city`) or an unknown translation (`unknown_translation`)",
                "translation",
                json!({"type": "object", "required": ["translation"]}),
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
