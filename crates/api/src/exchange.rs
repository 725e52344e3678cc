//! What other cities did with a practice: who took it up (adoptions) and the questions asked
//! about it with their answers. Read from the store's adoption, question and answer entries
//! that name any version of the practice.

use crate::error::ApiError;
use coalition_record::{EntryId, LangText, Payload, PayloadKind, Period, PublicKey};
use coalition_store::{Query, Store, StoredEntry};
use serde::Serialize;

/// A city that took up the practice.
#[derive(Debug, Clone, Serialize)]
pub struct AdoptionView {
    pub id: EntryId,
    pub author: PublicKey,
    /// The adopting city's name on the roster.
    pub city: String,
    pub adapted: bool,
    pub changes: LangText,
    pub period: Period,
    pub results: LangText,
    pub timestamp_ms: i64,
}

/// A question about the practice, with the authoring city's answers.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionView {
    pub id: EntryId,
    pub author: PublicKey,
    pub city: String,
    pub text: LangText,
    pub timestamp_ms: i64,
    pub answers: Vec<AnswerView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnswerView {
    pub id: EntryId,
    pub city: String,
    pub text: LangText,
    pub timestamp_ms: i64,
}

/// Adoptions and questions of one practice, oldest first.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Exchange {
    pub adoptions: Vec<AdoptionView>,
    pub questions: Vec<QuestionView>,
}

impl Exchange {
    /// Distinct cities that took the practice up.
    pub fn adopting_cities(&self) -> usize {
        let mut cities: Vec<&PublicKey> = self.adoptions.iter().map(|a| &a.author).collect();
        cities.sort();
        cities.dedup();
        cities.len()
    }
}

fn of_kind(store: &Store, kind: PayloadKind) -> Result<Vec<StoredEntry>, ApiError> {
    let mut entries = store.query(&Query {
        kinds: Some(vec![kind.code()]),
        ..Query::default()
    })?;
    entries.sort_by_key(|e| e.entry.header.timestamp_ms);
    Ok(entries)
}

/// The exchange about the practice whose versions are `versions` (any of them may be named).
pub fn exchange_for(store: &Store, versions: &[EntryId]) -> Result<Exchange, ApiError> {
    let roster = store.roster();
    let city = |key: &PublicKey| {
        roster.cities.get(key).map_or_else(
            || format!("unknown city {}", key.short()),
            |m| m.name.clone(),
        )
    };
    let adoptions = of_kind(store, PayloadKind::PracticeAdoption)?
        .into_iter()
        .filter_map(|e| match &e.payload {
            Some(Payload::PracticeAdoption(a)) if versions.contains(&a.source) => {
                Some(AdoptionView {
                    id: e.id(),
                    author: e.entry.header.author,
                    city: city(&e.entry.header.author),
                    adapted: a.adapted,
                    changes: a.changes.clone(),
                    period: a.period.clone(),
                    results: a.results.clone(),
                    timestamp_ms: e.entry.header.timestamp_ms,
                })
            }
            _ => None,
        })
        .collect();
    let mut questions: Vec<QuestionView> = of_kind(store, PayloadKind::Question)?
        .into_iter()
        .filter_map(|e| match &e.payload {
            Some(Payload::Question(q)) if versions.contains(&q.about) => Some(QuestionView {
                id: e.id(),
                author: e.entry.header.author,
                city: city(&e.entry.header.author),
                text: q.text.clone(),
                timestamp_ms: e.entry.header.timestamp_ms,
                answers: Vec::new(),
            }),
            _ => None,
        })
        .collect();
    if !questions.is_empty() {
        // Only the practice's author answers (the publish rule); an answer by another city
        // (from a node that did not check) is not shown as the author's.
        let practice_author = match versions.first() {
            Some(id) => store.entry(id)?.map(|e| e.entry.header.author),
            None => None,
        };
        for e in of_kind(store, PayloadKind::Answer)? {
            let Some(Payload::Answer(a)) = &e.payload else {
                continue;
            };
            if Some(e.entry.header.author) != practice_author {
                continue;
            }
            if let Some(q) = questions.iter_mut().find(|q| q.id == a.question) {
                q.answers.push(AnswerView {
                    id: e.id(),
                    city: city(&e.entry.header.author),
                    text: a.text.clone(),
                    timestamp_ms: e.entry.header.timestamp_ms,
                });
            }
        }
    }
    Ok(Exchange {
        adoptions,
        questions,
    })
}
