//! What other cities did with a practice: who took it up (adoptions) and the questions asked
//! about it with their answers. Read from the store's adoption, question and answer entries
//! that name any version of the practice.

use crate::error::ApiError;
use coalition_record::{EntryId, LangText, Payload, PayloadKind, Period, PublicKey};
use coalition_store::{Query, Store, StoredEntry};
use serde::Serialize;

/// A city that took up the practice.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AdoptionView {
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
pub(crate) struct QuestionView {
    pub id: EntryId,
    pub author: PublicKey,
    pub city: String,
    pub text: LangText,
    pub timestamp_ms: i64,
    pub answers: Vec<AnswerView>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct AnswerView {
    pub id: EntryId,
    pub city: String,
    pub text: LangText,
    pub timestamp_ms: i64,
}

/// Adoptions and questions of one practice, oldest first.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Exchange {
    pub adoptions: Vec<AdoptionView>,
    pub questions: Vec<QuestionView>,
}

impl Exchange {
    /// Distinct cities that took the practice up.
    pub(crate) fn adopting_cities(&self) -> usize {
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
pub(crate) fn exchange_for(store: &Store, versions: &[EntryId]) -> Result<Exchange, ApiError> {
    let roster = store.roster();
    let city = |key: &PublicKey| {
        roster.cities.get(key).map_or_else(
            || format!("unknown city {}", key.short()),
            |m| m.name.clone(),
        )
    };
    let adoptions = of_kind(store, PayloadKind::PracticeAdoption)?
        .into_iter()
        .filter_map(|e| match e.payload() {
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
        .filter_map(|e| match e.payload() {
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
            let Some(Payload::Answer(a)) = e.payload() else {
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

/// One adoption with both cities resolved: who took up whose practice.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AdoptionLink {
    pub adoption: EntryId,
    pub practice: EntryId,
    /// The practice's title in English, else its first language; empty when not held.
    pub practice_title: String,
    pub from: String,
    pub from_key: Option<PublicKey>,
    pub to: String,
    pub to_key: PublicKey,
    pub adapted: bool,
}

/// The coalition's exchange: every adoption, and the edges between cities (from the city whose
/// practice was taken up to the city that took it up) with their counts.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ExchangeGraph {
    /// Member cities in roster order: the graph's nodes.
    pub cities: Vec<String>,
    pub edges: Vec<ExchangeEdge>,
    pub adoptions: Vec<AdoptionLink>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ExchangeEdge {
    pub from: String,
    pub to: String,
    pub adoptions: u64,
}

/// Every current adoption, oldest first.
pub(crate) fn adoption_links(store: &Store) -> Result<Vec<AdoptionLink>, ApiError> {
    let roster = store.roster();
    let name = |key: &PublicKey| {
        roster.cities.get(key).map_or_else(
            || format!("unknown city {}", key.short()),
            |m| m.name.clone(),
        )
    };
    let mut out = Vec::new();
    for e in of_kind(store, PayloadKind::PracticeAdoption)? {
        let Some(Payload::PracticeAdoption(a)) = e.payload() else {
            continue;
        };
        let source = store.entry(&a.source)?;
        let from_key = source.as_ref().map(|s| s.entry.header.author);
        out.push(AdoptionLink {
            adoption: e.id(),
            practice: a.source,
            practice_title: source
                .as_ref()
                .and_then(|s| s.payload())
                .map(|p| p.title(Some("en")))
                .unwrap_or_default(),
            from: from_key.as_ref().map_or_else(|| "?".to_string(), name),
            from_key,
            to: name(&e.entry.header.author),
            to_key: e.entry.header.author,
            adapted: a.adapted,
        });
    }
    Ok(out)
}

pub(crate) fn exchange_graph(store: &Store) -> Result<ExchangeGraph, ApiError> {
    let adoptions = adoption_links(store)?;
    let mut counts: std::collections::BTreeMap<(String, String), u64> = Default::default();
    for a in &adoptions {
        *counts.entry((a.from.clone(), a.to.clone())).or_default() += 1;
    }
    let mut cities: Vec<(u64, String)> = store
        .roster()
        .cities
        .values()
        .map(|m| (m.admitted_in, m.name.clone()))
        .collect();
    cities.sort();
    Ok(ExchangeGraph {
        cities: cities.into_iter().map(|(_, name)| name).collect(),
        edges: counts
            .into_iter()
            .map(|((from, to), adoptions)| ExchangeEdge {
                from,
                to,
                adoptions,
            })
            .collect(),
        adoptions,
    })
}

/// A question about one of a city's practices that the city has not answered yet.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct OpenQuestion {
    pub id: EntryId,
    pub practice: EntryId,
    pub practice_title: String,
    /// The asking city.
    pub city: String,
    pub text: LangText,
    pub timestamp_ms: i64,
}

/// Questions about `city`'s practices with no answer from it yet, oldest first.
pub(crate) fn open_questions(
    store: &Store,
    city: &PublicKey,
) -> Result<Vec<OpenQuestion>, ApiError> {
    let roster = store.roster();
    let answered: Vec<EntryId> = of_kind(store, PayloadKind::Answer)?
        .into_iter()
        .filter(|e| e.entry.header.author == *city)
        .filter_map(|e| match e.payload() {
            Some(Payload::Answer(a)) => Some(a.question),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for e in of_kind(store, PayloadKind::Question)? {
        let Some(Payload::Question(q)) = e.payload() else {
            continue;
        };
        if answered.contains(&e.id()) {
            continue;
        }
        let Some(practice) = store.entry(&q.about)? else {
            continue;
        };
        if practice.entry.header.author != *city {
            continue;
        }
        out.push(OpenQuestion {
            id: e.id(),
            practice: q.about,
            practice_title: practice
                .payload()
                .map(|p| p.title(Some("en")))
                .unwrap_or_default(),
            city: roster.cities.get(&e.entry.header.author).map_or_else(
                || format!("unknown city {}", e.entry.header.author.short()),
                |m| m.name.clone(),
            ),
            text: q.text.clone(),
            timestamp_ms: e.entry.header.timestamp_ms,
        });
    }
    Ok(out)
}
