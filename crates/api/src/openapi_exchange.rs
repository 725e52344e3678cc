//! The OpenAPI paths of the exchange between cities (adoptions, questions, answers), kept apart
//! from `openapi.rs` so each file stays readable.

use serde_json::{json, Value};

/// `(path, item)` for each exchange route, built with the document's own publish operation.
pub(crate) fn exchange_paths(
    publish_op: fn(&str, &str, Value, &str) -> Value,
) -> Vec<(&'static str, Value)> {
    let lang_text = json!({"type": "object", "additionalProperties": {"type": "string"}});
    let id = json!({"type": "string", "description": "Entry id, 64 hex."});
    let period = json!({"type": "object", "required": ["start"], "properties": {
        "start": {"type": "string"}, "end": {"type": ["string", "null"]}
    }});
    vec![
        (
            "/api/v1/exchange",
            json!({"get": {
                "tags": ["exchange"],
                "summary": "The coalition's exchange: member cities, edges (from the city whose practice was taken up to the city that took it up, with counts) and every adoption",
                "responses": {"200": {"description": "The exchange graph.", "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "cities": {"type": "array", "items": {"type": "string"}},
                    "edges": {"type": "array", "items": {"type": "object", "properties": {"from": {"type": "string"}, "to": {"type": "string"}, "adoptions": {"type": "integer"}}}},
                    "adoptions": {"type": "array", "items": {"type": "object"}}
                }}}}}}
            }}),
        ),
        (
            "/exchange",
            json!({"get": {
                "tags": ["web"],
                "summary": "The exchange page: an inline SVG graph of practices taken up between cities, and the list of adoptions",
                "responses": {"200": {"description": "HTML.", "content": {"text/html": {"schema": {"type": "string"}}}}}
            },
            "post": {
                "tags": ["web"],
                "summary": "The practice page's exchange forms (form-encoded: kind = question, adoption or answer; practice; csrf): ask, take up or answer as the local city. Same rule as the publish form: a signed-in session, its CSRF token, the node's own machine, the same origin",
                "responses": {
                    "303": {"description": "Back to the practice page, at the new entry, or with `exchange_error` saying why it was refused."},
                    "403": {"description": "No valid session token, not from this machine or origin, or this node cannot publish."}
                }
            }}),
        ),
        (
            "/api/v1/adoptions",
            json!({"post": publish_op(
                "Record that the local city took up another city's practice (adapted or as it was); refused for the city's own practice or one this node does not hold (`own_practice`, `unknown_practice`, `not_a_practice`)",
                "exchange",
                json!({"type": "object", "required": ["source", "period"], "properties": {
                    "source": id, "adapted": {"type": "boolean"}, "changes": lang_text,
                    "period": period, "results": lang_text, "illustrative": {"type": "boolean"}
                }}),
                "/api/v1/entries/{id}",
            )}),
        ),
        (
            "/api/v1/questions",
            json!({"post": publish_op(
                "Ask the authoring city a question about its practice (`about`: the practice's entry id)",
                "exchange",
                json!({"type": "object", "required": ["about", "text"], "properties": {
                    "about": id, "text": lang_text, "illustrative": {"type": "boolean"}
                }}),
                "/api/v1/entries/{id}",
            )}),
        ),
        (
            "/api/v1/answers",
            json!({"post": publish_op(
                "Answer a question about one of the local city's practices; refused for another city's practice (`not_your_practice`) or an unknown question",
                "exchange",
                json!({"type": "object", "required": ["question", "text"], "properties": {
                    "question": id, "text": lang_text, "illustrative": {"type": "boolean"}
                }}),
                "/api/v1/entries/{id}",
            )}),
        ),
    ]
}
