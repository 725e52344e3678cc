//! Payload kinds: what an entry commits to. Each is a plain struct that reads from TOML or JSON
//! (the CLI's input) and encodes canonically with postcard (what is signed and stored).

use crate::bytes::Hash32;
use crate::codec;
use crate::error::RecordError;
use crate::limits::MAX_PAYLOAD_BYTES;
use crate::FORMAT_VERSION;
use serde::{Deserialize, Serialize};

pub use crate::schema::LangText;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub start: String,
    #[serde(default)]
    pub end: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
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

/// A good-practice record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Practice {
    pub title: LangText,
    pub summary: LangText,
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
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub target_groups: Vec<String>,
    #[serde(default)]
    pub partners: Vec<String>,
    /// Filled from the roster when left empty in the input file.
    #[serde(default)]
    pub city: String,
    /// ISO 3166-1 alpha-2; filled from the roster when left empty.
    #[serde(default)]
    pub country: String,
    pub period: Period,
    #[serde(default)]
    pub links: Vec<String>,
    /// Personal data: erasable.
    #[serde(default, deserialize_with = "contact_table")]
    pub contact: Option<Contact>,
    /// Sample data, not a real city's practice.
    #[serde(default)]
    pub illustrative: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateCategory {
    Event,
    Campaign,
    Milestone,
    Office,
    Other,
}

/// Short dated news from a city.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityUpdate {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub category: UpdateCategory,
    pub title: LangText,
    pub text: LangText,
    pub commitments: Vec<u8>,
    #[serde(default)]
    pub links: Vec<String>,
    #[serde(default)]
    pub illustrative: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    NotStarted,
    Planned,
    InProgress,
    Done,
}

impl ReportStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ReportStatus::NotStarted => "not_started",
            ReportStatus::Planned => "planned",
            ReportStatus::InProgress => "in_progress",
            ReportStatus::Done => "done",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub name: String,
    pub value: f64,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentReport {
    pub commitment: u8,
    pub status: ReportStatus,
    #[serde(default)]
    pub narrative: LangText,
    #[serde(default)]
    pub indicators: Vec<Indicator>,
}

/// A city's periodic report on its commitments: what the Steering Committee audits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityReport {
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub country: String,
    /// `YYYY`, `YYYY-H1` or `YYYY-H2`.
    pub period: String,
    #[serde(default)]
    pub narrative: LangText,
    pub commitments: Vec<CommitmentReport>,
    #[serde(default)]
    pub illustrative: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PracticeRevision {
    /// The entry id of the practice (or earlier revision) this one replaces.
    pub supersedes: Hash32,
    pub practice: Practice,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retraction {
    pub target: Hash32,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    pub target: Hash32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Payload {
    Practice(Practice),
    PracticeRevision(PracticeRevision),
    ActivityUpdate(ActivityUpdate),
    ActivityReport(ActivityReport),
    Retraction(Retraction),
    Erasure(Erasure),
}

/// The payload kind code carried in the entry header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayloadKind {
    Practice,
    PracticeRevision,
    ActivityUpdate,
    ActivityReport,
    Retraction,
    Erasure,
}

impl PayloadKind {
    pub const ALL: [PayloadKind; 6] = [
        PayloadKind::Practice,
        PayloadKind::PracticeRevision,
        PayloadKind::ActivityUpdate,
        PayloadKind::ActivityReport,
        PayloadKind::Retraction,
        PayloadKind::Erasure,
    ];

    pub fn code(self) -> u16 {
        match self {
            PayloadKind::Practice => 1,
            PayloadKind::PracticeRevision => 2,
            PayloadKind::ActivityUpdate => 3,
            PayloadKind::ActivityReport => 4,
            PayloadKind::Retraction => 5,
            PayloadKind::Erasure => 6,
        }
    }

    pub fn from_code(code: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn name(self) -> &'static str {
        match self {
            PayloadKind::Practice => "practice",
            PayloadKind::PracticeRevision => "practice_revision",
            PayloadKind::ActivityUpdate => "update",
            PayloadKind::ActivityReport => "report",
            PayloadKind::Retraction => "retraction",
            PayloadKind::Erasure => "erasure",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|k| {
            k.name() == name || (name == "revision" && *k == PayloadKind::PracticeRevision)
        })
    }
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    version: u8,
    payload: Payload,
}

impl Payload {
    pub fn kind(&self) -> PayloadKind {
        match self {
            Payload::Practice(_) => PayloadKind::Practice,
            Payload::PracticeRevision(_) => PayloadKind::PracticeRevision,
            Payload::ActivityUpdate(_) => PayloadKind::ActivityUpdate,
            Payload::ActivityReport(_) => PayloadKind::ActivityReport,
            Payload::Retraction(_) => PayloadKind::Retraction,
            Payload::Erasure(_) => PayloadKind::Erasure,
        }
    }

    /// Canonical bytes: the format version, then the payload enum.
    pub fn to_bytes(&self) -> Vec<u8> {
        codec::encode(&Envelope {
            version: FORMAT_VERSION,
            payload: self.clone(),
        })
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, RecordError> {
        let envelope: Envelope = codec::decode_canonical("payload", bytes, MAX_PAYLOAD_BYTES)?;
        if envelope.version != FORMAT_VERSION {
            return Err(RecordError::UnsupportedVersion {
                what: "payload",
                found: envelope.version,
                expected: FORMAT_VERSION,
            });
        }
        Ok(envelope.payload)
    }

    /// Decodes a payload this node validated before storing it (see [`codec::decode_stored`]).
    pub fn decode_stored(bytes: &[u8]) -> Result<Self, RecordError> {
        let envelope: Envelope = codec::decode_stored("payload", bytes)?;
        Ok(envelope.payload)
    }

    /// The practice this payload describes, for practices and revisions.
    pub fn practice(&self) -> Option<&Practice> {
        match self {
            Payload::Practice(p) => Some(p),
            Payload::PracticeRevision(r) => Some(&r.practice),
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
            Payload::Retraction(_) | Payload::Erasure(_) => Vec::new(),
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
            Payload::Retraction(_) | Payload::Erasure(_) => Vec::new(),
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
            Payload::Erasure(e) => format!("Erasure of {}", e.target.short()),
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
            _ => return None,
        };
        text.get(..4)?.parse().ok()
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
