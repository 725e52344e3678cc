//! The judged set and the figures that measure search quality against it.
//!
//! The set lives in `crates/search/judged/`: practices written for it in eight languages, and
//! questions with graded judgments (2 answers the question, 1 is related, unlisted is 0). It is
//! compiled in, so the benchmark binary and the threshold test read the same data wherever they
//! run. [`evaluate`] runs every question through [`SearchIndex::search`] and returns nDCG@10,
//! recall@10 (same language, all languages), MRR and the empty-first-page share.

use crate::{SearchError, SearchIndex, SearchMode, SearchQuery};
use coalition_record::{LangText, Payload, Period, Practice, SecretKey};
use coalition_store::Store;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

const PRACTICES: &str = include_str!("../judged/practices.toml");
const QUESTIONS: &str = include_str!("../judged/questions.toml");

/// Ranks a question's first page has.
pub const PAGE: usize = 10;

/// One practice of the judged set, as written in `judged/practices.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgedPractice {
    /// Unique key (`p01`…) that questions judge.
    pub key: String,
    /// The one language its text is in (a language code such as `en`).
    pub lang: String,
    /// City name as published.
    pub city: String,
    /// Country code (ISO 3166-1 alpha-2).
    pub country: String,
    /// Commitment numbers of the Ten-Point Plan it serves.
    pub commitments: Vec<u8>,
    /// Start of the period (`YYYY-MM`).
    pub start: String,
    /// End of the period (`YYYY-MM`); None while it runs.
    #[serde(default)]
    pub end: Option<String>,
    /// Themes (default empty).
    #[serde(default)]
    pub themes: Vec<String>,
    /// Groups it is for (default empty).
    #[serde(default)]
    pub target_groups: Vec<String>,
    /// Partner organisations (default empty).
    #[serde(default)]
    pub partners: Vec<String>,
    /// Title, in `lang`.
    pub title: String,
    /// Summary, in `lang`.
    pub summary: String,
    /// Approach, in `lang` (default empty: published without one).
    #[serde(default)]
    pub approach: String,
}

impl JudgedPractice {
    /// The practice as a city would publish it, in its one language.
    pub fn to_payload(&self) -> Payload {
        let text = |t: &str| -> LangText {
            if t.trim().is_empty() {
                LangText::new()
            } else {
                [(self.lang.clone(), t.to_string())].into_iter().collect()
            }
        };
        Payload::Practice(Practice {
            title: text(&self.title),
            summary: text(&self.summary),
            body: LangText::new(),
            rationale: LangText::new(),
            approach: text(&self.approach),
            results: LangText::new(),
            transferability: LangText::new(),
            commitments: self.commitments.clone(),
            themes: self.themes.clone(),
            target_groups: self.target_groups.clone(),
            partners: self.partners.clone(),
            city: self.city.clone(),
            country: self.country.clone(),
            period: Period {
                start: self.start.clone(),
                end: self.end.clone(),
            },
            links: Vec::new(),
            contact: None,
            illustrative: true,
            grounds: Vec::new(),
            partner_types: Vec::new(),
        })
    }
}

/// One question of the judged set, as written in `judged/questions.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// The words as a coordinator would type them.
    pub text: String,
    /// The question's language, searched as the reader's language.
    pub lang: String,
    /// Practice key → grade (1 or 2); empty: the set holds no answer.
    pub judged: BTreeMap<String, u8>,
}

/// The judged set: practices and the questions judged against them.
#[derive(Debug, Clone)]
pub struct JudgedSet {
    /// The practices, keys unique.
    pub practices: Vec<JudgedPractice>,
    /// The questions, in file order.
    pub questions: Vec<Question>,
}

#[derive(Deserialize)]
struct PracticesFile {
    practice: Vec<JudgedPractice>,
}

#[derive(Deserialize)]
struct QuestionsFile {
    question: Vec<Question>,
}

fn data_error(file: &str, detail: impl ToString) -> SearchError {
    SearchError::Data {
        file: file.to_string(),
        detail: detail.to_string(),
    }
}

impl JudgedSet {
    /// The set compiled into this build, checked: keys unique, judgments name known practices.
    pub fn builtin() -> Result<JudgedSet, SearchError> {
        let practices: PracticesFile =
            toml::from_str(PRACTICES).map_err(|e| data_error("judged/practices.toml", e))?;
        let questions: QuestionsFile =
            toml::from_str(QUESTIONS).map_err(|e| data_error("judged/questions.toml", e))?;
        let set = JudgedSet {
            practices: practices.practice,
            questions: questions.question,
        };
        let mut keys = std::collections::BTreeSet::new();
        for p in &set.practices {
            if !keys.insert(p.key.as_str()) {
                return Err(data_error(
                    "judged/practices.toml",
                    format!("key {} twice", p.key),
                ));
            }
        }
        for q in &set.questions {
            for (key, grade) in &q.judged {
                if !keys.contains(key.as_str()) || !(1..=2).contains(grade) {
                    return Err(data_error(
                        "judged/questions.toml",
                        format!(
                            "question {:?}: {key} = {grade} names no practice or is not 1 or 2",
                            q.text
                        ),
                    ));
                }
            }
        }
        Ok(set)
    }

    /// Publishes every practice into `store`, round-robin over `keys` (admitted city keys), and
    /// returns practice key → entry id (hex).
    pub fn publish(
        &self,
        store: &Store,
        keys: &[&SecretKey],
        start_ms: i64,
    ) -> Result<HashMap<String, String>, SearchError> {
        let mut ids = HashMap::new();
        for (i, p) in self.practices.iter().enumerate() {
            let Some(key) = keys.get(i % keys.len().max(1)).copied() else {
                return Err(data_error(
                    "judged/practices.toml",
                    "no city key to sign with",
                ));
            };
            let entry = store.append_local(key, &p.to_payload(), start_ms + i as i64 * 1000)?;
            ids.insert(p.key.clone(), entry.id().to_hex());
        }
        Ok(ids)
    }

    fn lang_of(&self, key: &str) -> Option<&str> {
        self.practices
            .iter()
            .find(|p| p.key == key)
            .map(|p| p.lang.as_str())
    }
}

/// The figures over the whole set.
#[derive(Debug, Clone, Default)]
pub struct Quality {
    /// Questions run.
    pub questions: usize,
    /// Questions with at least one judged practice; the averages below are over these.
    pub answerable: usize,
    /// Mean nDCG@10 (gain 2^grade − 1), 0..=1.
    pub ndcg10: f64,
    /// Relevant practices in the question's own language found in the first page.
    pub recall10_same: f64,
    /// Relevant practices in any language found in the first page.
    pub recall10_all: f64,
    /// Mean reciprocal rank of the first judged practice on the first page (0 when none is).
    pub mrr: f64,
    /// Share of answerable questions whose first page is empty.
    pub empty_first_page: f64,
    /// No-answer questions whose first page is empty or marked relaxed, of all no-answer ones.
    pub no_answer_ok: usize,
    /// Questions with no judged practice.
    pub no_answer: usize,
    /// Per question, in the set's order.
    pub per_question: Vec<QuestionFigures>,
}

/// One question's figures, to find which questions pull the averages down and why.
#[derive(Debug, Clone, Default)]
pub struct QuestionFigures {
    /// The question's words.
    pub text: String,
    /// nDCG@10; for a no-answer question 1 when it is handled well, else 0.
    pub ndcg10: f64,
    /// Recall@10 over all languages; None for a no-answer question.
    pub recall10_all: Option<f64>,
    /// Judged practices (keys) the first page missed.
    pub missed: Vec<String>,
    /// The first page was marked relaxed.
    pub relaxed: bool,
}

fn dcg(gains: impl Iterator<Item = f64>) -> f64 {
    gains
        .enumerate()
        .map(|(i, g)| g / ((i + 2) as f64).log2())
        .sum()
}

fn gain(grade: u8) -> f64 {
    f64::from((1u32 << grade) - 1)
}

/// Runs every question of `set` (first page, in the question's language as the reader's) with
/// `mode`, against an index holding the set's practices under `ids` (key → entry id hex).
pub fn evaluate(
    index: &SearchIndex,
    set: &JudgedSet,
    ids: &HashMap<String, String>,
    mode: SearchMode,
) -> Result<Quality, SearchError> {
    let key_of: HashMap<&str, &str> = ids.iter().map(|(k, v)| (v.as_str(), k.as_str())).collect();
    let mut q = Quality {
        questions: set.questions.len(),
        ..Quality::default()
    };
    let (mut same_n, mut all_n) = (0usize, 0usize);
    let mut empty = 0usize;
    for question in &set.questions {
        let results = index.search(&SearchQuery {
            text: Some(question.text.clone()),
            lang: Some(question.lang.clone()),
            limit: PAGE,
            mode,
            ..SearchQuery::default()
        })?;
        let ranked: Vec<&str> = results
            .hits
            .iter()
            .filter_map(|h| key_of.get(h.id.as_str()).copied())
            .collect();
        if question.judged.is_empty() {
            q.no_answer += 1;
            let ok = results.hits.is_empty() || results.relaxed;
            q.no_answer_ok += usize::from(ok);
            q.per_question.push(QuestionFigures {
                text: question.text.clone(),
                ndcg10: if ok { 1.0 } else { 0.0 },
                relaxed: results.relaxed,
                ..QuestionFigures::default()
            });
            continue;
        }
        q.answerable += 1;
        if ranked.is_empty() {
            empty += 1;
        }
        let grade = |key: &str| question.judged.get(key).copied().unwrap_or(0);
        let actual = dcg(ranked.iter().map(|k| gain(grade(k))));
        let mut ideal: Vec<u8> = question.judged.values().copied().collect();
        ideal.sort_unstable_by(|a, b| b.cmp(a));
        let best = dcg(ideal.into_iter().take(PAGE).map(gain));
        let ndcg = if best > 0.0 { actual / best } else { 0.0 };
        q.ndcg10 += ndcg;
        if let Some(rank) = ranked.iter().position(|k| grade(k) > 0) {
            q.mrr += 1.0 / (rank + 1) as f64;
        }
        let found = |keys: &[&String]| {
            keys.iter().filter(|k| ranked.contains(&k.as_str())).count() as f64 / keys.len() as f64
        };
        let all: Vec<&String> = question.judged.keys().collect();
        let recall_all = found(&all);
        q.recall10_all += recall_all;
        all_n += 1;
        q.per_question.push(QuestionFigures {
            text: question.text.clone(),
            ndcg10: ndcg,
            recall10_all: Some(recall_all),
            missed: all
                .iter()
                .filter(|k| !ranked.contains(&k.as_str()))
                .map(|k| k.to_string())
                .collect(),
            relaxed: results.relaxed,
        });
        let same: Vec<&String> = all
            .iter()
            .copied()
            .filter(|k| set.lang_of(k) == Some(question.lang.as_str()))
            .collect();
        if !same.is_empty() {
            q.recall10_same += found(&same);
            same_n += 1;
        }
    }
    let per = |sum: f64, n: usize| if n == 0 { 0.0 } else { sum / n as f64 };
    q.ndcg10 = per(q.ndcg10, q.answerable);
    q.mrr = per(q.mrr, q.answerable);
    q.recall10_all = per(q.recall10_all, all_n);
    q.recall10_same = per(q.recall10_same, same_n);
    q.empty_first_page = per(empty as f64, q.answerable);
    Ok(q)
}
