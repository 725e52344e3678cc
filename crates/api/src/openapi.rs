//! The OpenAPI 3.1 document of every route, written by hand (served at
//! `/api/v1/openapi.json`). A test checks it lists exactly the routes the router serves.

use serde_json::{json, Value};

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn path(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": {"type": "string"}})
}

fn json_response(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn html_response(description: &str) -> Value {
    json!({"description": description, "content": {"text/html": {"schema": {"type": "string"}}}})
}

fn error(description: &str) -> Value {
    json_response(description, json!({"$ref": "#/components/schemas/Error"}))
}

fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn pagination() -> [Value; 2] {
    [
        query(
            "offset",
            "Results to skip (default 0).",
            json!({"type": "integer", "minimum": 0}),
        ),
        query(
            "limit",
            "Results per page (default 20, at most 100).",
            json!({"type": "integer", "minimum": 1, "maximum": 100}),
        ),
    ]
}

fn publish_op(summary: &str, tag: &str, body: Value, location: &str) -> Value {
    json!({
        "tags": [tag],
        "summary": summary,
        "security": [{"bearer": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": body}}},
        "responses": {
            "201": {
                "description": format!("Signed, stored durably, handed to gossip and indexed. `Location` is {location}."),
                "headers": {"Location": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": r("Published")}}
            },
            "400": error("A field is invalid; `error.field` names it (e.g. `title`, `period.start`, `commitments`)."),
            "200": {
                "description": "The city had already published this exact document: nothing was signed; the body names the existing entry (`existing: true`). Publishing is idempotent.",
                "content": {"application/json": {"schema": r("Published")}}
            },
            "401": error("No or wrong `Authorization: Bearer <token>`, or no token configured."),
            "403": error("This node holds no city key, or the city is not active on the roster."),
            "408": error("The body did not arrive within the body read timeout (30 s); rule `body_timeout`."),
            "413": error("The body is over 2 MiB; rule `body_too_large`. Checked after the token, before the body is read."),
            "503": error("`store_behind_signed`: the store is behind what this city already signed (a restored backup); publishing resumes once sync has brought the city's own entries back.")
        }
    })
}

/// `POST /api/v1/batch` (kept apart: one `json!` for the whole document hits the macro's
/// recursion limit).
fn batch_path() -> Value {
    json!({
        "post": {
            "tags": ["entries"],
            "summary": "Publish several practices, reports or updates in one durable write: all are stored, or none",
            "security": [{"bearer": []}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object",
                "required": ["documents"],
                "additionalProperties": false,
                "properties": {"documents": {"type": "array", "maxItems": 100, "items": {
                    "type": "object",
                    "required": ["kind", "document"],
                    "properties": {
                        "kind": {"type": "string", "enum": ["practice", "report", "update"]},
                        "document": {"type": "object", "description": "The body the single-document route takes."}
                    }
                }}}
            }}}},
            "responses": {
                "201": json_response("Stored durably (documents already published are answered with their existing entry, `existing: true`).", json!({"type": "object", "properties": {"entries": {"type": "array", "items": r("Published")}}})),
                "200": json_response("Every document was already published; nothing was signed.", json!({"type": "object", "properties": {"entries": {"type": "array", "items": r("Published")}}})),
                "400": error("A document is invalid (`error.field` names it, e.g. `documents[1].title`); nothing was stored."),
                "401": error("No or wrong `Authorization: Bearer <token>`, or no token configured."),
                "403": error("This node holds no city key, or the city is not active on the roster."),
                "503": error("`store_behind_signed`: the store is behind what this city already signed.")
            }
        }
    })
}

/// `POST /api/v1/admin/backup`.
fn backup_path() -> Value {
    json!({
        "post": {
            "tags": ["operations"],
            "summary": "Write a backup (RocksDB checkpoint of the running store, with the high-water mark) into a new directory",
            "security": [{"bearer": []}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object",
                "required": ["out"],
                "additionalProperties": false,
                "properties": {"out": {"type": "string", "description": "Absolute path of a directory that does not exist yet, on the node's machine."}}
            }}}},
            "responses": {
                "201": json_response("Written.", json!({"type": "object", "properties": {"out": {"type": "string"}, "entries": {"type": "integer"}}})),
                "400": error("`out` is not absolute, or exists."),
                "401": error("No or wrong `Authorization: Bearer <token>`, or no token configured.")
            }
        }
    })
}

/// The whole OpenAPI 3.1 document as JSON, exactly as `GET /api/v1/openapi.json` serves it:
/// every route the router serves (the `http` tests compare it with [`crate::route_list`]), its
/// parameters, request bodies and responses.
pub fn document() -> Value {
    let [offset, limit] = pagination();
    let practice_filters = vec![
        query("q", "The question, in any of the coalition's languages; its words are also looked up in the thesaurus and matched in the other languages. Results match a minimum of the words that grows with their number; when none matches all of them, `relaxed` is true. `\"a phrase\"` must match as written, `-word` excludes.", json!({"type": "string"})),
        query("commitment", "Ten-Point-Plan commitment (1-10); repeat for several (any may match).", json!({"type": "integer", "minimum": 1, "maximum": 10})),
        query("country", "ISO 3166-1 alpha-2 country code; repeat for several (any may match).", json!({"type": "string"})),
        query("city", "City name (any case); repeat for several (any may match).", json!({"type": "string"})),
        query("lang", "The reader's language (BCP 47): ranks its texts higher and shows titles and snippets in it.", json!({"type": "string"})),
        query("language", "Only entries written (at least partly) in this language (BCP 47, primary subtag matched); repeat for several (any may match).", json!({"type": "string"})),
        query("partner_type", "Only practices with a partner of this type (a code of docs/partner-types.toml, e.g. equality_body); repeat for several (any may match).", json!({"type": "string"})),
        query("ground", "Only practices that address this ground of discrimination (a code of docs/grounds.toml, e.g. religion_or_belief); repeat for several (any may match).", json!({"type": "string"})),
        query("year", "Practices active in this year: their period overlaps it (no end date means ongoing); updates and reports of that year. Repeat for several (any may match).", json!({"type": "integer"})),
        query("started", "Practices that started in this year (updates and reports of that year); repeat for several (any may match).", json!({"type": "integer"})),
        query("kind", "practice (default), report, update, or any; repeat for several (any may match).", json!({"type": "string", "enum": ["practice", "report", "update", "any"]})),
        offset.clone(),
        limit.clone(),
    ];
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Coalition node API",
            "version": "1",
            "description": "A city's node of a coalition of cities against racism: good practices, activity reports and member cities, every record signed by its city. All routes read the node's own copy of the whole knowledge base. Publishing routes sign for the node's own city and need the bearer token. Errors are `{\"error\": {\"field\", \"rule\", \"message\"}}`. Ids are 64 hex characters (a unique prefix of at least 8 is accepted in paths).",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "practices"}, {"name": "reports"}, {"name": "cities"}, {"name": "entries"},
            {"name": "operations"}, {"name": "web", "description": "The server-rendered web page (HTML)."}
        ],
        "paths": {
            "/api/v1/practices": {
                "get": {
                    "tags": ["practices"],
                    "summary": "Search and list practices, with facet counts",
                    "parameters": practice_filters,
                    "responses": {
                        "200": json_response("A page of hits, the total, and facet counts over the whole filtered set.", r("SearchResults")),
                        "400": error("A parameter is invalid or unknown; `error.field` names it.")
                    }
                },
                "post": publish_op("Publish a good practice for the local city", "practices", r("Practice"), "/api/v1/practices/{id}")
            },
            "/api/v1/practices/{id}": {
                "get": {
                    "tags": ["practices"],
                    "summary": "One practice in all its languages, with revision history and retraction status",
                    "parameters": [path("id", "Entry id (64 hex) or a unique prefix of at least 8 hex characters.")],
                    "responses": {
                        "200": json_response("The practice.", r("PracticeView")),
                        "400": error("The id is not hex or has the wrong length."),
                        "404": error("No such entry, or it is not a practice, or its payload was erased.")
                    }
                }
            },
            "/api/v1/practices/{id}/related": {
                "get": {
                    "tags": ["practices"],
                    "summary": "The practices most similar to this one in commitments, themes and text, across languages",
                    "parameters": [
                        path("id", "Entry id (64 hex) or a unique prefix of at least 8 hex characters."),
                        query("lang", "The reader's language (BCP 47): titles and snippets in it when the practice has it.", json!({"type": "string"})),
                        query("limit", "How many (1-50, default 5).", json!({"type": "integer", "minimum": 1, "maximum": 50}))
                    ],
                    "responses": {
                        "200": json_response("The related practices, most similar first (`items`, hits as in the search results).", json!({
                            "type": "object",
                            "properties": {"id": {"type": "string"}, "items": {"type": "array", "items": {"type": "object"}}}
                        })),
                        "400": error("The id or a parameter is invalid; `error.field` names it."),
                        "404": error("No such entry, or it is not a practice, or its payload was erased.")
                    }
                }
            },
            "/api/v1/reports": {
                "get": {
                    "tags": ["reports"],
                    "summary": "Current activity reports, newest period first",
                    "parameters": [
                        query("city", "City key, key prefix or name.", json!({"type": "string"})),
                        query("period", "Reporting period: YYYY, YYYY-H1 or YYYY-H2.", json!({"type": "string"})),
                        query("commitment", "Only reports covering this commitment (1-10).", json!({"type": "integer", "minimum": 1, "maximum": 10})),
                        offset.clone(),
                        limit.clone()
                    ],
                    "responses": {
                        "200": json_response("A page of reports.", json!({
                            "type": "object",
                            "properties": {
                                "total": {"type": "integer"}, "offset": {"type": "integer"}, "limit": {"type": "integer"},
                                "items": {"type": "array", "items": r("ReportItem")}
                            }
                        })),
                        "400": error("A parameter is invalid or unknown, or the city is not a member.")
                    }
                },
                "post": publish_op("Publish an activity report for the local city", "reports", r("ActivityReport"), "/api/v1/entries/{id}")
            },
            "/api/v1/cities": {
                "get": {
                    "tags": ["cities"],
                    "summary": "The roster: every member city with its counts",
                    "responses": {
                        "200": json_response("Member cities, by name.", json!({
                            "type": "object",
                            "properties": {
                                "roster_version": {"type": "integer"},
                                "total": {"type": "integer"},
                                "cities": {"type": "array", "items": r("City")}
                            }
                        }))
                    }
                }
            },
            "/api/v1/cities/{city}": {
                "get": {
                    "tags": ["cities"],
                    "summary": "One city with its current practices, reports and updates",
                    "parameters": [path("city", "City key (64 hex), key prefix (8+ hex) or name (any case).")],
                    "responses": {
                        "200": json_response("The city.", json!({
                            "type": "object",
                            "properties": {
                                "city": r("City"),
                                "practices": {"type": "array", "items": {"type": "object"}},
                                "reports": {"type": "array", "items": r("ReportItem")},
                                "updates": {"type": "array", "items": {"type": "object"}},
                                "partner_types": {"type": "array", "description": "Partners of the city's current practices by type: [code, count] pairs, most first."},
                                "took_up": {"type": "array", "description": "Other cities' practices this city took up."},
                                "taken_up_by_others": {"type": "array", "description": "This city's practices other cities took up."},
                                "open_questions": {"type": "array", "description": "Questions about its practices it has not answered yet."},
                                "newer_entries": {"type": "integer", "description": "Entries of kinds or versions a newer release made (PROTOCOL.md §8.7): held and forwarded, not shown."}
                            }
                        })),
                        "404": error("No member city by that key or name.")
                    }
                }
            },
            "/api/v1/entries/{id}": {
                "get": {
                    "tags": ["entries"],
                    "summary": "One signed entry: header, signature checked again now, payload as JSON, exact bytes",
                    "parameters": [path("id", "Entry id (64 hex) or a unique prefix of at least 8 hex characters.")],
                    "responses": {
                        "200": json_response("The entry.", r("Entry")),
                        "400": error("The id is not hex or has the wrong length."),
                        "404": error("No such entry on this node.")
                    }
                }
            },
            "/api/v1/retractions": {
                "post": publish_op("Retract one of the local city's entries", "entries", json!({
                    "type": "object",
                    "required": ["target", "reason"],
                    "additionalProperties": false,
                    "properties": {
                        "target": {"type": "string", "description": "Entry id, 64 hex."},
                        "reason": {"type": "string"}
                    }
                }), "/api/v1/entries/{id}")
            },
            "/api/v1/updates": {
                "post": publish_op("Publish an activity update for the local city", "entries", json!({
                    "type": "object",
                    "description": "An ActivityUpdate: date, category, title and text (language maps), commitments, links.",
                    "required": ["date", "category", "title", "text", "commitments"]
                }), "/api/v1/entries/{id}")
            },
            "/api/v1/revisions": {
                "post": publish_op("Publish a new version of one of the local city's practices", "practices", json!({
                    "type": "object",
                    "required": ["supersedes", "practice"],
                    "additionalProperties": false,
                    "properties": {
                        "supersedes": {"type": "string", "description": "Entry id, 64 hex, of the practice or earlier revision replaced."},
                        "practice": {"type": "object", "description": "The whole new version (same fields as POST /api/v1/practices)."}
                    }
                }), "/api/v1/practices/{id}")
            },
            "/api/v1/openapi.json": {
                "get": {
                    "tags": ["operations"],
                    "summary": "This document",
                    "responses": {"200": json_response("OpenAPI 3.1.", json!({"type": "object"}))}
                }
            },
            "/healthz": {
                "get": {
                    "tags": ["operations"],
                    "summary": "Health: sync state, entries held, peers",
                    "responses": {
                        "200": json_response("synced, syncing, or offline (no network task).", r("Health")),
                        "503": json_response("degraded.", r("Health"))
                    }
                }
            },
            "/api/v1/status": {
                "get": {
                    "tags": ["operations"],
                    "summary": "Node status for `coalition status`: version, peers, listen addresses, sync state, counts",
                    "responses": {
                        "200": json_response("Always, whatever the sync state.", r("Status"))
                    }
                }
            },
            "/metrics": {
                "get": {
                    "tags": ["operations"],
                    "summary": "Prometheus metrics",
                    "responses": {"200": {"description": "OpenMetrics text format 1.0.0, ending with `# EOF`.", "content": {"application/openmetrics-text": {"schema": {"type": "string"}}}}}
                }
            },
            "/": {
                "get": {
                    "tags": ["web"],
                    "summary": "Search page with facet filters",
                    "parameters": [
                        query("q", "Search words.", json!({"type": "string"})),
                        query("commitment", "Commitment filter, repeatable.", json!({"type": "integer"})),
                        query("country", "Country filter.", json!({"type": "string"})),
                        query("city", "City filter.", json!({"type": "string"})),
                        query("language", "Language filter.", json!({"type": "string"})),
                        query("year", "Year filter.", json!({"type": "integer"})),
                        query("kind", "practice (default), report, update or any.", json!({"type": "string"})),
                        query("offset", "Results to skip.", json!({"type": "integer"})),
                        query("ui", "Interface language: en or fr (remembered in a cookie).", json!({"type": "string", "enum": ["en", "fr"]}))
                    ],
                    "responses": {"200": html_response("The page."), "400": html_response("The page, naming the bad filter.")}
                }
            },
            "/practice/{id}": {
                "get": {
                    "tags": ["web"],
                    "summary": "Practice page",
                    "parameters": [path("id", "Entry id or unique prefix."), query("ui", "Interface language.", json!({"type": "string"}))],
                    "responses": {"200": html_response("The page."), "400": html_response("Bad id."), "404": html_response("Unknown id.")}
                }
            },
            "/cities": {
                "get": {
                    "tags": ["web"],
                    "summary": "Member cities page",
                    "parameters": [query("ui", "Interface language.", json!({"type": "string"}))],
                    "responses": {"200": html_response("The page.")}
                }
            },
            "/audit": {
                "get": {
                    "tags": ["web"],
                    "summary": "Steering Committee audit of this node's copy: integrity, forks, gaps, retractions, reporting per commitment (standalone HTML)",
                    "parameters": [query("period", "Reporting period: YYYY, YYYY-H1 or YYYY-H2 (default: the latest any report names).", json!({"type": "string"}))],
                    "responses": {"200": html_response("The audit report."), "400": {"description": "A bad period or an unknown parameter."}}
                }
            },
            "/city/{city}": {
                "get": {
                    "tags": ["web"],
                    "summary": "City page: its practices and reports over time",
                    "parameters": [path("city", "City key, key prefix or name."), query("ui", "Interface language.", json!({"type": "string"}))],
                    "responses": {"200": html_response("The page."), "404": html_response("Unknown city.")}
                }
            },
            "/publish": {
                "get": {
                    "tags": ["web"],
                    "summary": "Publish form for the local city (signed-in session, node's own machine only)",
                    "parameters": [query("ui", "Interface language.", json!({"type": "string"}))],
                    "responses": {
                        "200": html_response("The form, with the session's CSRF token and a sign-out button."),
                        "303": {"description": "No session: redirects to /signin."},
                        "403": html_response("Not on loopback, or the node has no city key.")
                    }
                },
                "post": {
                    "tags": ["web"],
                    "summary": "Submit the publish form (signed-in session, its CSRF token, same origin, loopback only)",
                    "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}},
                    "responses": {
                        "303": {"description": "Published: redirects to the practice page. No session: redirects to /signin, nothing stored."},
                        "400": html_response("The form again, with an error next to each invalid field."),
                        "403": html_response("Not on loopback, wrong CSRF token or origin, or no city key."),
                        "408": error("The body did not arrive in time."),
                        "413": error("The body is over 2 MiB.")
                    }
                }
            },
            "/signin": {
                "get": {
                    "tags": ["web"],
                    "summary": "Sign-in page: publishing from the web page needs the node's API token (api.token)",
                    "parameters": [query("ui", "Interface language.", json!({"type": "string"}))],
                    "responses": {"200": html_response("The sign-in form."), "403": html_response("Not on loopback, or the node has no API token.")}
                },
                "post": {
                    "tags": ["web"],
                    "summary": "Sign in with the API token; opens a session (cookie coalition_session: HttpOnly, SameSite=Strict, Path=/, 8 hours)",
                    "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {"token": {"type": "string"}, "ui": {"type": "string"}}}}}},
                    "responses": {
                        "303": {"description": "Signed in: sets the session cookie and redirects to /publish."},
                        "401": html_response("Wrong token; no session."),
                        "403": html_response("Not on loopback, another origin, or the node has no API token."),
                        "408": error("The body did not arrive in time."),
                        "413": error("The body is over 2 MiB.")
                    }
                }
            },
            "/signout": {
                "post": {
                    "tags": ["web"],
                    "summary": "Sign out: ends the session (form field csrf: the session's CSRF token)",
                    "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {"csrf": {"type": "string"}}}}}},
                    "responses": {
                        "303": {"description": "Signed out (the cookie is cleared; redirects to /), or there was no session (redirects to /signin)."},
                        "403": html_response("Wrong CSRF token or origin; the session stays.")
                    }
                }
            },
            "/assets/app.css": {
                "get": {
                    "tags": ["web"],
                    "summary": "The page's stylesheet",
                    "responses": {"200": {"description": "CSS.", "content": {"text/css": {"schema": {"type": "string"}}}}}
                }
            },
            "/assets/app.js": {
                "get": {
                    "tags": ["web"],
                    "summary": "The page's script (progressive enhancement only)",
                    "responses": {"200": {"description": "JavaScript.", "content": {"text/javascript": {"schema": {"type": "string"}}}}}
                }
            }
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "The node's API token (its configuration)."}
            },
            "schemas": schemas()
        }
    });
    doc["paths"]["/api/v1/batch"] = batch_path();
    doc["paths"]["/api/v1/admin/backup"] = backup_path();
    for (path, item) in crate::openapi_exchange::exchange_paths(publish_op)
        .into_iter()
        .chain(crate::openapi_cycles::cycle_paths(publish_op))
    {
        doc["paths"][path] = item;
    }
    doc
}

fn schemas() -> Value {
    let lang_text = json!({
        "type": "object",
        "description": "Text by BCP 47 language tag, e.g. {\"en\": \"…\", \"fr\": \"…\"}.",
        "additionalProperties": {"type": "string"}
    });
    json!({
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["rule", "message"],
                    "properties": {
                        "field": {"type": "string", "description": "The parameter or body field at fault, when there is one."},
                        "rule": {"type": "string", "description": "Short stable name of the rule broken."},
                        "message": {"type": "string"}
                    }
                }
            }
        },
        "LangText": lang_text,
        "Practice": {
            "type": "object",
            "required": ["title", "summary", "commitments", "period"],
            "additionalProperties": false,
            "properties": {
                "title": r("LangText"), "summary": r("LangText"), "body": r("LangText"),
                "rationale": r("LangText"), "approach": r("LangText"), "results": r("LangText"),
                "transferability": r("LangText"),
                "commitments": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 10}, "description": "Increasing, no repeats."},
                "themes": {"type": "array", "items": {"type": "string"}},
                "partner_types": {"type": "array", "items": {"type": "string"}, "description": "The type of each partner, aligned with partners: codes of docs/partner-types.toml (civil_society, private_sector, public_body, equality_body, academia, international_organisation) or \"\" for one not given; empty when none is given."},
                "grounds": {"type": "array", "items": {"type": "string"}, "description": "Grounds of discrimination addressed: codes of docs/grounds.toml (racial_or_ethnic_origin, religion_or_belief, gender, disability, sexual_orientation, age, nationality, language, social_origin), any order."},
                "target_groups": {"type": "array", "items": {"type": "string"}},
                "partners": {"type": "array", "items": {"type": "string"}},
                "city": {"type": "string", "description": "Filled from the roster when empty."},
                "country": {"type": "string", "description": "ISO 3166-1 alpha-2; filled from the roster when empty."},
                "period": {
                    "type": "object", "required": ["start"], "additionalProperties": false,
                    "properties": {"start": {"type": "string", "description": "YYYY, YYYY-MM or YYYY-MM-DD"}, "end": {"type": ["string", "null"]}}
                },
                "links": {"type": "array", "items": {"type": "string", "description": "http(s) URL"}},
                "contact": {
                    "type": ["object", "null"], "required": ["name"],
                    "properties": {"name": {"type": "string"}, "role": {"type": ["string", "null"]}, "email": {"type": ["string", "null"]}, "phone": {"type": ["string", "null"]}}
                },
                "illustrative": {"type": "boolean"}
            }
        },
        "ActivityReport": {
            "type": "object",
            "required": ["period", "commitments"],
            "additionalProperties": false,
            "properties": {
                "city": {"type": "string"}, "country": {"type": "string"},
                "period": {"type": "string", "description": "YYYY, YYYY-H1 or YYYY-H2"},
                "narrative": r("LangText"),
                "commitments": {
                    "type": "array",
                    "items": {
                        "type": "object", "required": ["commitment", "status"],
                        "properties": {
                            "commitment": {"type": "integer", "minimum": 1, "maximum": 10},
                            "status": {"type": "string", "enum": ["not_started", "planned", "in_progress", "done"]},
                            "narrative": r("LangText"),
                            "indicators": {"type": "array", "items": {"type": "object", "required": ["name", "value", "unit"], "properties": {"name": {"type": "string"}, "value": {"type": "number"}, "unit": {"type": "string"}}}}
                        }
                    }
                },
                "illustrative": {"type": "boolean"}
            }
        },
        "Published": {
            "type": "object",
            "properties": {
                "id": {"type": "string"}, "author": {"type": "string"}, "seq": {"type": "integer"},
                "kind": {"type": "string"},
                "gossiped": {"type": "boolean", "description": "Handed to the gossip channel (sync delivers it otherwise)."},
                "indexed": {"type": "boolean", "description": "The search index had applied the entry when answered (false: not within 5 s; it is applied as soon as the indexer can)."},
                "existing": {"type": "boolean", "description": "The document was already published; this is that entry (nothing was signed)."}
            }
        },
        "SearchResults": {
            "type": "object",
            "properties": {
                "total": {"type": "integer"}, "offset": {"type": "integer"}, "limit": {"type": "integer"},
                "took_ms": {"type": "number"},
                "relaxed": {"type": "boolean", "description": "True when no practice matches all of the question's words and these match some of them."},
                "items": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"}, "score": {"type": "number"}, "title": {"type": "string"},
                        "snippet_html": {"type": "string", "description": "Escaped text with <mark> around matches: snippet_text with its highlights marked up, as the web page shows it."},
                        "snippet_text": {"type": "string", "description": "The snippet as plain text; … where it was cut from a longer text."},
                        "highlights": {"type": "array", "description": "Byte ranges (UTF-8) of snippet_text that the question matched, ascending, not overlapping; empty when none.", "items": {"type": "object", "properties": {"start": {"type": "integer"}, "end": {"type": "integer"}}, "required": ["start", "end"]}},
                        "lang": {"type": "string"}, "city": {"type": "string"}, "country": {"type": "string"},
                        "matched_lang": {"type": ["string", "null"], "description": "Language of the text the question matched in (it may differ from the question's: the thesaurus carries words across languages)."},
                        "translated_by": {"type": "object", "description": "Present when the title and snippet shown are another city's signed translation (kind 14): the translating city and the language it translated from.", "properties": {"city": {"type": "string"}, "from_lang": {"type": "string"}}, "required": ["city", "from_lang"]},
                        "commitments": {"type": "array", "items": {"type": "integer"}},
                        "year": {"type": ["integer", "null"]}, "kind": {"type": "string"}, "author": {"type": "string"},
                        "url": {"type": "string"}
                    }
                }},
                "facets": {
                    "type": "object",
                    "description": "Each facet: [{value, count}] over the whole filtered set; commitments also carry their title. A year counts the practices active in it (as the year filter), not only those started in it.",
                    "properties": {
                        "commitment": {"type": "array"}, "country": {"type": "array"}, "city": {"type": "array"},
                        "language": {"type": "array"}, "year": {"type": "array"}, "kind": {"type": "array"}, "ground": {"type": "array"}, "partner_type": {"type": "array"}
                    }
                }
            }
        },
        "PracticeView": {
            "type": "object",
            "properties": {
                "id": {"type": "string"}, "current_id": {"type": "string"}, "is_current": {"type": "boolean"},
                "kind": {"type": "string"}, "author": {"type": "string"}, "member": {"type": ["string", "null"]},
                "seq": {"type": "integer"}, "timestamp_ms": {"type": "integer"},
                "languages": {"type": "array", "items": {"type": "string"}},
                "practice": r("Practice"),
                "signature": r("SignatureCheck"),
                "versions": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"}, "seq": {"type": "integer"}, "timestamp_ms": {"type": "integer"},
                        "kind": {"type": "string"}, "superseded_by": {"type": ["string", "null"]},
                        "retracted_by": {"type": ["string", "null"]}, "current": {"type": "boolean"}
                    }
                }},
                "retraction": {"type": ["object", "null"], "properties": {"by": {"type": "string"}, "reason": {"type": ["string", "null"]}, "timestamp_ms": {"type": ["integer", "null"]}}}
            }
        },
        "SignatureCheck": {
            "type": "object",
            "properties": {
                "verified": {"type": "boolean", "description": "The ed25519 signature verifies against the author, checked on this request."},
                "payload": {"type": "string", "enum": ["verified", "erased", "mismatch"]},
                "detail": {"type": "string"}
            }
        },
        "City": {
            "type": "object",
            "properties": {
                "key": {"type": "string"}, "name": {"type": "string"}, "country": {"type": "string"},
                "status": {"type": "string", "enum": ["active", "suspended", "revoked", "rotated"]},
                "status_detail": {"type": "object"},
                "admitted_in": {"type": "integer"}, "entries": {"type": "integer"},
                "practices": {"type": "integer"}, "reports": {"type": "integer"}, "updates": {"type": "integer"},
                "commitments": {"type": "array", "items": {"type": "object", "properties": {"commitment": {"type": "integer"}, "count": {"type": "integer"}}}},
                "last_activity_ms": {"type": ["integer", "null"]}
            }
        },
        "ReportItem": {
            "type": "object",
            "properties": {
                "id": {"type": "string"}, "author": {"type": "string"}, "city": {"type": "string"},
                "country": {"type": "string"}, "period": {"type": "string"},
                "commitments": {"type": "array", "items": {"type": "integer"}},
                "timestamp_ms": {"type": "integer"}, "report": r("ActivityReport")
            }
        },
        "Entry": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "header": {"type": "object", "properties": {
                    "version": {"type": "integer"}, "network_id": {"type": "string"}, "author": {"type": "string"},
                    "seq": {"type": "integer"}, "prev": {"type": ["string", "null"]}, "timestamp_ms": {"type": "integer"},
                    "kind": {"type": "integer"}, "kind_name": {"type": "string"},
                    "payload_commitment": {"type": "string"}, "payload_len": {"type": "integer"}
                }},
                "member": {"type": ["string", "null"]},
                "signature": {"type": "string", "description": "64 bytes, hex."},
                "signature_check": r("SignatureCheck"),
                "retracted_by": {"type": ["string", "null"]}, "superseded_by": {"type": ["string", "null"]},
                "payload": {"type": ["object", "null"], "description": "Externally tagged by kind: {\"Practice\": {…}}."},
                "payload_erased": {"type": "boolean"},
                "needs_newer_version": {"type": "boolean", "description": "The payload is of a kind or version made by a newer release (PROTOCOL.md §8.7): kept and forwarded, not shown; upgrade to read it."},
                "entry_hex": {"type": "string"},
                "payload_salt_hex": {"type": ["string", "null"]},
                "payload_hex": {"type": ["string", "null"]}
            }
        },
        "Status": {
            "type": "object",
            "properties": {
                "version": {"type": "string"},
                "peer_id": {"type": ["string", "null"]},
                "peers": {"type": "integer"},
                "listen": {"type": "array", "items": {"type": "string"}},
                "external": {"type": "array", "items": {"type": "string"}, "description": "Addresses AutoNAT confirmed reachable from outside."},
                "relayed_peers": {"type": "integer", "description": "Peers reached only through a relay."},
                "relay_reservations": {"type": "integer", "description": "Relay reservations accepted: reachable through a relay."},
                "last_arrival_ms": {"type": ["integer", "null"]},
                "sync_state": {"type": "string", "enum": ["synced", "syncing", "degraded", "offline"]},
                "entries": {"type": "integer"}, "roster_version": {"type": "integer"},
                "search_documents": {"type": "integer"},
                "search_behind": {"type": ["integer", "null"], "description": "Entries stored but not yet applied to the search index (null: no indexer)."}
            }
        },
        "Health": {
            "type": "object",
            "properties": {
                "status": {"type": "string", "enum": ["synced", "syncing", "degraded", "offline"]},
                "entries": {"type": "integer"}, "peers": {"type": "integer"},
                "roster_version": {"type": "integer"}, "search_documents": {"type": "integer"},
                "search_behind": {"type": ["integer", "null"], "description": "Entries stored but not yet applied to the search index (null: this node keeps no indexer). Above 0, a synced network reads `syncing`."},
                "search_error": {"type": ["string", "null"], "description": "Why the search index's last catch-up failed (retried every second)."}
            }
        }
    })
}
