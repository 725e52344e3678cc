//! The practice page's exchange forms (`POST /exchange`): ask the authoring city a question,
//! record that the local city took the practice up, or answer a question about one of the local
//! city's practices; add or edit a language version of its own practice (a revision). The same
//! rule as the publish form: a signed-in session, its CSRF token,
//! the node's own machine, the same origin.

use super::publish_form::{form_session, lang_text, see_other, Peer};
use super::AppState;
use crate::params::full_entry_id;
use crate::publish::{publish, publish_many};
use crate::templates::{self, FormState};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use coalition_record::{Answer, LangText, Payload, Period, PracticeAdoption, Question};

/// Back to the practice page, at `anchor`, or with the reason a submission was refused.
fn back(ui: &str, practice: &str, extra: Option<(&str, String)>, anchor: &str) -> Response {
    back_with(ui, practice, extra.as_slice(), anchor)
}

fn back_with(ui: &str, practice: &str, extra: &[(&str, String)], anchor: &str) -> Response {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if ui != "en" && !ui.is_empty() {
        pairs.push(("ui", ui.to_string()));
    }
    pairs.extend(extra.iter().cloned());
    see_other(&format!(
        "{}{anchor}",
        templates::href(&format!("/practice/{practice}"), &pairs)
    ))
}

pub(super) async fn exchange_submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    peer: Peer,
    body: Bytes,
) -> Response {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let form = FormState {
        values: pairs,
        ..FormState::default()
    };
    let ui_code = form.value("ui").to_string();
    let ui = crate::i18n::Ui::from_code(&ui_code).unwrap_or(crate::i18n::Ui::En);
    let kind = form.value("kind").to_string();
    let counted = match kind.as_str() {
        "question" => "question",
        "adoption" => "adoption",
        "answer" => "answer",
        "erase" => "erasure",
        "language" => "revision",
        _ => "entry",
    };
    if let Err(refused) = form_session(&s, &headers, &peer, &form, ui, counted) {
        return *refused;
    }
    let practice_text = form.value("practice").to_string();
    let practice = match full_entry_id("practice", &practice_text) {
        Ok(id) => id,
        Err(e) => return (StatusCode::BAD_REQUEST, e.message()).into_response(),
    };
    if kind == "erase" {
        return erase(&s, &ui_code, &practice_text, practice, form.value("reason")).await;
    }
    if kind == "language" {
        return language_version(&s, ui, &practice_text, practice, &form).await;
    }
    let lang = ui.code();
    let payload = match kind.as_str() {
        "question" => Payload::Question(Question {
            about: practice,
            text: lang_text(lang, form.value("text")),
            illustrative: false,
        }),
        "adoption" => Payload::PracticeAdoption(PracticeAdoption {
            source: practice,
            adapted: form.value("adapted") == "1",
            changes: lang_text(lang, form.value("changes")),
            period: Period {
                start: form.value("start").trim().to_string(),
                end: None,
            },
            results: LangText::new(),
            illustrative: false,
        }),
        "answer" => match full_entry_id("question", form.value("question")) {
            Ok(question) => Payload::Answer(Answer {
                question,
                text: lang_text(lang, form.value("text")),
                illustrative: false,
            }),
            Err(e) => return (StatusCode::BAD_REQUEST, e.message()).into_response(),
        },
        other => {
            return (
                StatusCode::BAD_REQUEST,
                format!("kind: '{other}' is not question, adoption or answer"),
            )
                .into_response()
        }
    };
    match publish(&s, payload).await {
        Ok(published) => back(
            &ui_code,
            &practice_text,
            None,
            &format!("#entry-{}", published.id),
        ),
        Err(e) => back(
            &ui_code,
            &practice_text,
            Some(("exchange_error", e.message())),
            "#exchange-forms",
        ),
    }
}

/// The erase form: the practice again without its contact person, then the erasure, in one
/// write (`Store::erasure_payloads_for`); back to the new version, or to the form with the reason.
async fn erase(
    s: &AppState,
    ui: &str,
    practice_text: &str,
    practice: coalition_record::EntryId,
    reason: &str,
) -> Response {
    let refused = |why: String| {
        back(
            ui,
            practice_text,
            Some(("exchange_error", why)),
            "#erase-form",
        )
    };
    let Some(city) = s.api.city_key.as_ref().map(|k| k.public()) else {
        return refused("this node has no city key".into());
    };
    let payloads = match s.api.store.erasure_payloads_for(&city, &practice, reason) {
        Ok(p) => p,
        Err(e) => return refused(crate::error::ApiError::from(e).message()),
    };
    match publish_many(s, payloads).await {
        Ok(published) => match published.first() {
            Some(revision) if published.len() == 2 => back(ui, &revision.id.to_hex(), None, ""),
            _ => back(ui, practice_text, None, ""),
        },
        Err(e) => refused(e.message()),
    }
}

/// The language form: the local city's own practice in force, published again as a revision
/// whose texts in the chosen language are the form's (an empty optional text removes that
/// section in that language); back to the new version, or to the form with the reason.
async fn language_version(
    s: &AppState,
    ui: crate::i18n::Ui,
    practice_text: &str,
    practice: coalition_record::EntryId,
    form: &FormState,
) -> Response {
    let t = ui.t();
    let lang = form.value("lang").trim().to_string();
    // Back to the form of the same language, with the reason above it.
    let refused = |why: String| {
        back_with(
            ui.code(),
            practice_text,
            &[("language_error", why), ("edit_lang", lang.clone())],
            "#language-form",
        )
    };
    if let Err(e) = coalition_record::schema::language_tag("lang", &lang) {
        return refused(e.to_string());
    }
    let Some(city) = s.api.city_key.as_ref().map(|k| k.public()) else {
        return refused("this node has no city key".into());
    };
    let held = match s.api.store.entry(&practice) {
        Ok(Some(held)) => held,
        Ok(None) => return refused(format!("practice: {practice} is not held on this node")),
        Err(e) => return refused(crate::error::ApiError::from(e).message()),
    };
    let Some(current) = held.payload().and_then(Payload::practice) else {
        return refused(format!("practice: {practice} is not a practice"));
    };
    if held.entry.header.author != city {
        return refused("not_own_entry: only the city that wrote a practice revises it; translate another city's practice instead".into());
    }
    if held.status.superseded_by.is_some() || held.status.retracted_by.is_some() {
        return refused(
            "not_current: this version was revised or retracted; open the current one".into(),
        );
    }
    let mut revised = current.clone();
    let same_language = |tag: &str| {
        coalition_record::schema::primary_tag(tag) == coalition_record::schema::primary_tag(&lang)
    };
    for (field, text) in templates::LANGUAGE_FIELDS
        .iter()
        .zip(templates::practice_texts_mut(&mut revised))
    {
        text.retain(|tag, _| !same_language(tag));
        let value = form.value(field).trim();
        if !value.is_empty() {
            text.insert(lang.clone(), value.replace("\r\n", "\n"));
        }
    }
    if !revised.title.keys().any(|tag| same_language(tag))
        || !revised.summary.keys().any(|tag| same_language(tag))
    {
        return refused(t.lv_required.to_string());
    }
    if revised == *current {
        return refused(t.lv_unchanged.to_string());
    }
    let payload = Payload::PracticeRevision(coalition_record::payload::PracticeRevision {
        supersedes: practice,
        practice: revised,
    });
    match publish(s, payload).await {
        Ok(published) => back(
            ui.code(),
            &published.id.to_hex(),
            Some(("published", "1".into())),
            "",
        ),
        Err(e) => refused(e.message()),
    }
}
