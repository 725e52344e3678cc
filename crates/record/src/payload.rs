//! Payload kinds: what an entry commits to. Each is a plain struct that reads from TOML or JSON
//! (the CLI's input) and encodes canonically with postcard (what is signed and stored).

use crate::bytes::Hash32;
pub use crate::cycle::{ReportFeedback, SignedCycleDecision};
pub use crate::kind::PayloadKind;
#[cfg(feature = "future-kind")]
pub use crate::kind::TEST_NOTE_KIND;
use serde::{Deserialize, Serialize};

pub use crate::schema::LangText;
use std::collections::BTreeMap;

/// A payload made by a newer version of Coalition: a kind this node does not know, or a version
/// of a known kind above 2 (the envelope's extended version). Its bytes are kept as they came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NewerPayload {
    /// The payload's kind code (variant index + 1), equal to the header's `kind`.
    pub kind: u16,
    /// The payload's version byte: any (at least 1) for a kind this node does not know, 3 or
    /// above for one it knows.
    pub version: u8,
}

/// Extension fields of a version-2 payload, by number: what this node does not read is kept and
/// shown as "has fields from a newer version".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extensions(pub BTreeMap<u32, Vec<u8>>);

impl Extensions {
    /// True when the payload has no extension field at all (as every version-1 payload).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// When a practice or an adoption ran (PROTOCOL.md §8.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub start: String,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, not before the start (compared as PROTOCOL.md §8.6
    /// says); `None` while it still runs or when no end is given.
    #[serde(default)]
    pub end: Option<String>,
}

/// The person to contact about a practice: personal data, which an erasure removes
/// (PROTOCOL.md §8.9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// The person's name: a required short text.
    pub name: String,
    /// Their role or office, if given: a short text.
    #[serde(default)]
    pub role: Option<String>,
    /// Their e-mail address, if given: a short text containing `@`.
    #[serde(default)]
    pub email: Option<String>,
    /// Their telephone number, if given: a short text.
    #[serde(default)]
    pub phone: Option<String>,
}

/// Reads `contact` as a table (TOML) or object (JSON) only: serde's derived form would also take a
/// list of the fields in order, which no person means. The binary encoding (not human-readable)
/// is read as before, so stored and wire bytes are unchanged.
fn contact_table<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Contact>, D::Error> {
    if !d.is_human_readable() {
        return Option::<Contact>::deserialize(d);
    }
    struct Table;
    impl<'de> serde::de::Visitor<'de> for Table {
        type Value = Option<Contact>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a table with name and optionally role, email and phone")
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(Table)
        }
        fn visit_map<M: serde::de::MapAccess<'de>>(self, map: M) -> Result<Self::Value, M::Error> {
            Contact::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Some)
        }
    }
    d.deserialize_option(Table)
}

/// A good-practice record (kind 1, PROTOCOL.md §8.1). Every text is a [`LangText`]: language
/// tag → text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Practice {
    /// Its title: required, at most 1024 bytes per language.
    pub title: LangText,
    /// A short account of it: required, at most 64 KiB per language.
    pub summary: LangText,
    /// The full description: optional, at most 64 KiB per language.
    #[serde(default)]
    pub body: LangText,
    /// Why it was needed.
    #[serde(default)]
    pub rationale: LangText,
    /// How it was done.
    #[serde(default)]
    pub approach: LangText,
    /// What changed, with evidence.
    #[serde(default)]
    pub results: LangText,
    /// What another city needs to reuse it.
    #[serde(default)]
    pub transferability: LangText,
    /// Ten-Point-Plan commitments served, 1..=10, sorted, no repeats.
    pub commitments: Vec<u8>,
    /// Free keywords (`housing`, `schools`…): at most 64, each a required short text.
    #[serde(default)]
    pub themes: Vec<String>,
    /// The people it is for, in words: at most 64, each a required short text.
    #[serde(default)]
    pub target_groups: Vec<String>,
    /// Organisations it was run with: at most 64, each a required short text.
    #[serde(default)]
    pub partners: Vec<String>,
    /// Filled from the roster when left empty in the input file.
    #[serde(default)]
    pub city: String,
    /// ISO 3166-1 alpha-2; filled from the roster when left empty.
    #[serde(default)]
    pub country: String,
    /// When it ran.
    pub period: Period,
    /// Web links about it: at most 64, each an `http://` or `https://` short text.
    #[serde(default)]
    pub links: Vec<String>,
    /// Personal data: erasable.
    #[serde(default, deserialize_with = "contact_table")]
    pub contact: Option<Contact>,
    /// Sample data, not a real city's practice.
    #[serde(default)]
    pub illustrative: bool,
    /// Grounds of discrimination it addresses: codes of `docs/grounds.toml`, sorted, each once
    /// (input files may list them in any order). Signed as extension field 1 (PROTOCOL.md §8.7),
    /// so nodes of revision 2 that do not know it keep the practice and show the rest.
    #[serde(default, deserialize_with = "sorted_codes")]
    pub grounds: Vec<String>,
    /// The kind of each partner, aligned with `partners` (codes of `docs/partner-types.toml`, or
    /// "" for one not given); empty when none is given. Signed as extension field 2.
    #[serde(default)]
    pub partner_types: Vec<String>,
}

/// Reads a list of codes from an input file sorted and without repeats, the one order the
/// encoding allows (a person lists them in any order).
fn sorted_codes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let mut codes = Vec::<String>::deserialize(d)?;
    codes.sort();
    codes.dedup();
    Ok(codes)
}

/// What an activity update is about (PROTOCOL.md §8.3); the variant index is its tag on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateCategory {
    /// `event`: an event the city held or took part in.
    Event,
    /// `campaign`: a campaign the city ran.
    Campaign,
    /// `milestone`: a step reached, such as a plan adopted or a programme completed.
    Milestone,
    /// `office`: news of a city office, such as its anti-discrimination office.
    Office,
    /// `other`: anything else.
    Other,
}

/// Short dated news from a city (kind 3, PROTOCOL.md §8.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityUpdate {
    /// `YYYY-MM-DD` (or `YYYY-MM`, `YYYY`).
    pub date: String,
    /// What the update is about.
    pub category: UpdateCategory,
    /// Its title: required, at most 1024 bytes per language.
    pub title: LangText,
    /// The news: required, at most 64 KiB per language.
    pub text: LangText,
    /// Ten-Point-Plan commitments concerned, 1..=10, sorted, no repeats; may be empty.
    pub commitments: Vec<u8>,
    /// Web links: at most 64, each an `http://` or `https://` short text.
    #[serde(default)]
    pub links: Vec<String>,
    /// Sample data, not a real city's news.
    #[serde(default)]
    pub illustrative: bool,
    /// Grounds of discrimination the activity addressed (as a practice's); extension field 1.
    #[serde(default, deserialize_with = "sorted_codes")]
    pub grounds: Vec<String>,
}

/// Where a city stands with one commitment in a report (PROTOCOL.md §8.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Nothing done yet.
    NotStarted,
    /// Work decided but not begun.
    Planned,
    /// Work under way.
    InProgress,
    /// Done.
    Done,
}

impl ReportStatus {
    /// The status's code, as in input files and JSON: `not_started`, `planned`, `in_progress` or
    /// `done`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ReportStatus::NotStarted => "not_started",
            ReportStatus::Planned => "planned",
            ReportStatus::InProgress => "in_progress",
            ReportStatus::Done => "done",
        }
    }
}

/// One figure a report gives for a commitment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// What is measured (`complaints received`): a required short text.
    pub name: String,
    /// The figure: finite (NaN and ±infinity are refused).
    pub value: f64,
    /// Its unit (`people`, `EUR`, `%`…): a short text, empty for a plain count.
    pub unit: String,
}

/// A report's account of one commitment (PROTOCOL.md §8.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentReport {
    /// The commitment, 1 to 10; each once in a report.
    pub commitment: u8,
    /// Where the city stands with it.
    pub status: ReportStatus,
    /// What the city did: optional, at most 64 KiB per language.
    #[serde(default)]
    pub narrative: LangText,
    /// Figures: at most 64.
    #[serde(default)]
    pub indicators: Vec<Indicator>,
}

/// A city's periodic report on its commitments: what the Steering Committee audits (kind 4,
/// PROTOCOL.md §8.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityReport {
    /// The reporting city's name: required; filled from the roster when left empty in the input
    /// file.
    #[serde(default)]
    pub city: String,
    /// ISO 3166-1 alpha-2; filled from the roster when left empty.
    #[serde(default)]
    pub country: String,
    /// `YYYY`, `YYYY-H1` or `YYYY-H2`.
    pub period: String,
    /// The overall account: optional, at most 64 KiB per language.
    #[serde(default)]
    pub narrative: LangText,
    /// One account per commitment reported on: 1 to 10.
    pub commitments: Vec<CommitmentReport>,
    /// Sample data, not a real city's report.
    #[serde(default)]
    pub illustrative: bool,
    /// Grounds of discrimination the report's narrative covers (as a practice's); extension
    /// field 1.
    #[serde(default, deserialize_with = "sorted_codes")]
    pub grounds: Vec<String>,
    /// The reporting cycle answered: the id of the decision that opened it (PROTOCOL.md
    /// §8.8); extension field 2. `None` for a report outside any cycle.
    #[serde(default)]
    pub cycle: Option<Hash32>,
}

/// A new version of a practice, replacing an earlier one (kind 2, PROTOCOL.md §8.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PracticeRevision {
    /// The entry id of the practice (or earlier revision) this one replaces.
    pub supersedes: Hash32,
    /// The practice as it now stands, whole (the same rules as a new practice).
    pub practice: Practice,
}

/// A city withdraws one of its entries (kind 5, PROTOCOL.md §8.2); the entry stays in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retraction {
    /// The entry id of the entry withdrawn.
    pub target: Hash32,
    /// Why: a required short text.
    pub reason: String,
}

/// A city erases the payload of one of its own entries on every node (kind 6, PROTOCOL.md
/// §8.9); the entry's header, signature and chain stay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    /// The entry id whose payload is erased: an entry of the same author.
    pub target: Hash32,
    /// Why, in plain words (no personal data); signed as extension field 1, empty when none.
    #[serde(default)]
    pub reason: String,
}

/// A city records that it took up another city's practice, as it was or adapted (kind 7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PracticeAdoption {
    /// The entry id of the practice (or revision) taken up.
    pub source: Hash32,
    /// Adapted to the city (true) or taken up as it was (false).
    #[serde(default)]
    pub adapted: bool,
    /// What the city changed, and why.
    #[serde(default)]
    pub changes: LangText,
    /// When the city ran it.
    pub period: Period,
    /// What it achieved there.
    #[serde(default)]
    pub results: LangText,
    /// Sample data, not a real city's adoption.
    #[serde(default)]
    pub illustrative: bool,
}

/// A coordinator's question to the authoring city about one of its practices (kind 8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// The entry id of the practice (or revision) asked about.
    pub about: Hash32,
    /// The question: required, at most 64 KiB per language.
    pub text: LangText,
    /// Sample data, not a real coordinator's question.
    #[serde(default)]
    pub illustrative: bool,
}

/// The authoring city's answer to a question about its practice (kind 9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The entry id of the question answered.
    pub question: Hash32,
    /// The answer: required, at most 64 KiB per language.
    pub text: LangText,
    /// Sample data, not a real city's answer.
    #[serde(default)]
    pub illustrative: bool,
}

/// What an entry commits to. Non-exhaustive: the protocol grows new kinds (PROTOCOL.md §8.7), and
/// code outside this crate handles the kinds it shows and treats the others as "newer".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Payload {
    /// A good practice (kind 1).
    Practice(Practice),
    /// A new version of a practice (kind 2).
    PracticeRevision(PracticeRevision),
    /// Short dated news (kind 3).
    ActivityUpdate(ActivityUpdate),
    /// A periodic report on the commitments (kind 4).
    ActivityReport(ActivityReport),
    /// The withdrawal of an entry (kind 5).
    Retraction(Retraction),
    /// The erasure of one of the city's own payloads (kind 6).
    Erasure(Erasure),
    /// Another city's practice taken up (kind 7).
    PracticeAdoption(PracticeAdoption),
    /// A question about a practice (kind 8).
    Question(Question),
    /// The practice's city's answer to a question (kind 9).
    Answer(Answer),
    /// The Steering Committee's decision opening or amending a reporting cycle (kind 10).
    ReportingCycle(SignedCycleDecision),
    /// Signed feedback on a city's report (kind 11).
    ReportFeedback(ReportFeedback),
    /// A node's receipt for an erasure it applied (kind 12).
    ErasureReceipt(crate::erasure::ErasureReceipt),
    /// The Steering Committee's order to erase any city's payload (kind 13).
    ErasureOrder(crate::erasure::SignedErasureOrder),
    /// A city's translation of another city's practice version (kind 14).
    Translation(crate::translation::Translation),
    /// The practice's own city vouches for a translation (kind 15).
    TranslationEndorsement(crate::translation::TranslationEndorsement),
    /// Only in builds with the `future-kind` feature: the kind a "newer" node knows in the
    /// mixed-version test. Kind codes from 0xF000 are reserved for tests and never assigned.
    #[cfg(feature = "future-kind")]
    TestNote(TestNote),
    /// A kind or version made by a newer version of Coalition, kept as bytes (never read from
    /// input files; never published by this node).
    #[serde(skip_deserializing)]
    Newer(NewerPayload),
}

/// The payload of the test-only future kind: a note in some languages.
#[cfg(feature = "future-kind")]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestNote {
    /// The note, per language.
    pub text: LangText,
}

impl Payload {
    /// The payload's kind; for a [`Payload::Newer`], the kind of its code.
    pub fn kind(&self) -> PayloadKind {
        match self {
            Payload::Practice(_) => PayloadKind::Practice,
            Payload::PracticeRevision(_) => PayloadKind::PracticeRevision,
            Payload::ActivityUpdate(_) => PayloadKind::ActivityUpdate,
            Payload::ActivityReport(_) => PayloadKind::ActivityReport,
            Payload::Retraction(_) => PayloadKind::Retraction,
            Payload::Erasure(_) => PayloadKind::Erasure,
            Payload::PracticeAdoption(_) => PayloadKind::PracticeAdoption,
            Payload::Question(_) => PayloadKind::Question,
            Payload::Answer(_) => PayloadKind::Answer,
            Payload::ReportingCycle(_) => PayloadKind::ReportingCycle,
            Payload::ReportFeedback(_) => PayloadKind::ReportFeedback,
            Payload::ErasureReceipt(_) => PayloadKind::ErasureReceipt,
            Payload::ErasureOrder(_) => PayloadKind::ErasureOrder,
            Payload::Translation(_) => PayloadKind::Translation,
            Payload::TranslationEndorsement(_) => PayloadKind::TranslationEndorsement,
            #[cfg(feature = "future-kind")]
            Payload::TestNote(_) => PayloadKind::TestNote,
            Payload::Newer(n) => PayloadKind::of_code(n.kind),
        }
    }

    /// A payload made by a newer version, that this node keeps but cannot show.
    pub fn newer(&self) -> Option<NewerPayload> {
        match self {
            Payload::Newer(n) => Some(*n),
            _ => None,
        }
    }

    /// The practice this payload describes, for practices and revisions.
    pub fn practice(&self) -> Option<&Practice> {
        match self {
            Payload::Practice(p) => Some(p),
            Payload::PracticeRevision(r) => Some(&r.practice),
            _ => None,
        }
    }

    /// Grounds of discrimination it names, for kinds that carry them (practices, revisions,
    /// updates, reports).
    pub fn grounds(&self) -> Option<&Vec<String>> {
        match self {
            Payload::Practice(p) => Some(&p.grounds),
            Payload::PracticeRevision(r) => Some(&r.practice.grounds),
            Payload::ActivityUpdate(u) => Some(&u.grounds),
            Payload::ActivityReport(r) => Some(&r.grounds),
            _ => None,
        }
    }

    /// Commitments the payload is tagged with.
    pub fn commitments(&self) -> Vec<u8> {
        match self {
            Payload::Practice(p) => p.commitments.clone(),
            Payload::PracticeRevision(r) => r.practice.commitments.clone(),
            Payload::ActivityUpdate(u) => u.commitments.clone(),
            Payload::ActivityReport(r) => r.commitments.iter().map(|c| c.commitment).collect(),
            #[cfg(feature = "future-kind")]
            Payload::TestNote(_) => Vec::new(),
            Payload::Retraction(_)
            | Payload::Erasure(_)
            | Payload::PracticeAdoption(_)
            | Payload::Question(_)
            | Payload::Answer(_)
            | Payload::ReportingCycle(_)
            | Payload::ReportFeedback(_)
            | Payload::ErasureReceipt(_)
            | Payload::ErasureOrder(_)
            | Payload::Translation(_)
            | Payload::TranslationEndorsement(_)
            | Payload::Newer(_) => Vec::new(),
        }
    }

    /// Languages any of the payload's texts are written in.
    pub fn languages(&self) -> Vec<String> {
        let mut langs: Vec<String> = match self {
            Payload::Practice(p) => practice_languages(p),
            Payload::PracticeRevision(r) => practice_languages(&r.practice),
            Payload::ActivityUpdate(u) => u.title.keys().chain(u.text.keys()).cloned().collect(),
            Payload::ActivityReport(r) => r
                .narrative
                .keys()
                .chain(r.commitments.iter().flat_map(|c| c.narrative.keys()))
                .cloned()
                .collect(),
            Payload::PracticeAdoption(a) => {
                a.changes.keys().chain(a.results.keys()).cloned().collect()
            }
            Payload::Question(q) => q.text.keys().cloned().collect(),
            Payload::Answer(a) => a.text.keys().cloned().collect(),
            Payload::ReportingCycle(c) => c.decision.title.keys().cloned().collect(),
            Payload::ReportFeedback(f) => f.text.keys().cloned().collect(),
            #[cfg(feature = "future-kind")]
            Payload::TestNote(n) => n.text.keys().cloned().collect(),
            Payload::Retraction(_)
            | Payload::Erasure(_)
            | Payload::ErasureReceipt(_)
            | Payload::ErasureOrder(_)
            | Payload::Translation(_)
            | Payload::TranslationEndorsement(_)
            | Payload::Newer(_) => Vec::new(),
        };
        langs.sort();
        langs.dedup();
        langs
    }

    /// A title for listings, in `lang` when present, else the first language.
    pub fn title(&self, lang: Option<&str>) -> String {
        let pick = |text: &LangText| pick_lang(text, lang).unwrap_or_default();
        match self {
            Payload::Practice(p) => pick(&p.title),
            Payload::PracticeRevision(r) => pick(&r.practice.title),
            Payload::ActivityUpdate(u) => pick(&u.title),
            Payload::ActivityReport(r) => format!("Activity report {} ({})", r.period, r.city),
            Payload::Retraction(r) => format!("Retraction of {}: {}", r.target.short(), r.reason),
            Payload::Erasure(e) if e.reason.is_empty() => {
                format!("Erasure of {}", e.target.short())
            }
            Payload::Erasure(e) => format!("Erasure of {}: {}", e.target.short(), e.reason),
            Payload::ErasureReceipt(r) => format!("Erasure {} applied", r.erasure.short()),
            Payload::Translation(t) => t.title.clone(),
            Payload::TranslationEndorsement(e) => {
                format!("Endorsed translation {}", e.translation.short())
            }
            Payload::ErasureOrder(o) => format!(
                "Committee erasure order for {}: {}",
                o.order.target.short(),
                o.order.reason
            ),
            Payload::PracticeAdoption(a) => format!(
                "{} practice {}",
                if a.adapted { "Adapted" } else { "Took up" },
                a.source.short()
            ),
            Payload::Question(q) => first_line(&pick(&q.text)),
            Payload::Answer(a) => first_line(&pick(&a.text)),
            Payload::ReportingCycle(c) => format!(
                "Reporting cycle {}: {} (deadline {})",
                c.decision.period,
                pick(&c.decision.title),
                c.decision.deadline
            ),
            Payload::ReportFeedback(f) => format!(
                "Feedback on report {}: {}",
                f.report.short(),
                first_line(&pick(&f.text))
            ),
            #[cfg(feature = "future-kind")]
            Payload::TestNote(n) => pick(&n.text),
            Payload::Newer(n) => format!(
                "An entry of kind {} (payload version {}) from a newer version of Coalition: upgrade this node to read it",
                n.kind, n.version
            ),
        }
    }

    /// Country stated in the payload, if it states one.
    pub fn country(&self) -> Option<&str> {
        match self {
            Payload::Practice(p) => Some(&p.country),
            Payload::PracticeRevision(r) => Some(&r.practice.country),
            Payload::ActivityReport(r) => Some(&r.country),
            _ => None,
        }
    }

    /// The year the payload is about: a practice's start, an update's date, a report's period.
    pub fn year(&self) -> Option<i32> {
        let text = match self {
            Payload::Practice(p) => &p.period.start,
            Payload::PracticeRevision(r) => &r.practice.period.start,
            Payload::ActivityUpdate(u) => &u.date,
            Payload::ActivityReport(r) => &r.period,
            Payload::PracticeAdoption(a) => &a.period.start,
            _ => return None,
        };
        text.get(..4)?.parse().ok()
    }
}

/// The first line of a text, at most 120 characters, for listings.
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(120) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    }
}

fn practice_languages(p: &Practice) -> Vec<String> {
    [
        &p.title,
        &p.summary,
        &p.body,
        &p.rationale,
        &p.approach,
        &p.results,
        &p.transferability,
    ]
    .iter()
    .flat_map(|t| t.keys().cloned())
    .collect()
}

/// The text in `lang` (or its primary language), else English, else the first language held.
pub fn pick_lang(text: &LangText, lang: Option<&str>) -> Option<String> {
    if let Some(lang) = lang {
        if let Some(t) = text.get(lang) {
            return Some(t.clone());
        }
        let primary = lang.split('-').next().unwrap_or(lang);
        if let Some((_, t)) = text
            .iter()
            .find(|(k, _)| k.split('-').next() == Some(primary))
        {
            return Some(t.clone());
        }
    }
    text.get("en")
        .or_else(|| text.values().next())
        .map(|t| t.to_string())
}
