//! What the JSON routes and the web pages show, assembled from the store once: a practice with
//! its revision history and retraction status, member cities with their counts, reports, and the
//! raw entry view with its signature checked again.

use crate::error::ApiError;
use crate::params::IdRef;
use coalition_record::{
    ActivityReport, CityStatus, EntryId, Payload, PayloadKind, Practice, PublicKey, Roster,
};
use coalition_store::{Query, Store, StoredEntry};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Longest revision chain followed (a guard against a malformed store, not a real limit).
const MAX_CHAIN: usize = 1000;

/// The result of verifying an entry again, now.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureCheck {
    /// The ed25519 signature verifies against the header's author.
    pub verified: bool,
    /// `verified` (the payload matches the signed commitment), `erased` (payload dropped by an
    /// erasure, header kept) or `mismatch`.
    pub payload: &'static str,
    /// Why the signature or the payload failed, when one did (omitted from the JSON otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

pub(crate) fn check_signature(e: &StoredEntry) -> SignatureCheck {
    let signature = e.entry.verify_signature();
    let payload = match &e.blob {
        None => Ok("erased"),
        Some(blob) => blob.check_against(&e.entry.header).map(|_| "verified"),
    };
    let detail = match (&signature, &payload) {
        (Err(err), _) | (Ok(()), Err(err)) => Some(err.to_string()),
        _ => None,
    };
    SignatureCheck {
        verified: signature.is_ok(),
        payload: payload.unwrap_or("mismatch"),
        detail,
    }
}

pub(crate) fn resolve(store: &Store, id: &IdRef) -> Result<Option<StoredEntry>, ApiError> {
    Ok(match id {
        IdRef::Full(id) => store.entry(id)?,
        IdRef::Prefix(prefix) => store.entry_by_prefix(prefix)?,
    })
}

fn id_text(id: &IdRef) -> String {
    match id {
        IdRef::Full(id) => id.to_hex(),
        IdRef::Prefix(p) => p.clone(),
    }
}

pub(crate) fn kind_name(code: u16) -> &'static str {
    PayloadKind::of_code(code).name()
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct VersionInfo {
    pub id: EntryId,
    pub seq: u64,
    pub timestamp_ms: i64,
    pub kind: &'static str,
    pub superseded_by: Option<EntryId>,
    pub retracted_by: Option<EntryId>,
    pub current: bool,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Retraction {
    pub by: EntryId,
    pub reason: Option<String>,
    pub timestamp_ms: Option<i64>,
}

/// One practice as the practice page and `GET /practices/{id}` show it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PracticeView {
    pub id: EntryId,
    /// The newest version of this practice (equal to `id` when this is it).
    pub current_id: EntryId,
    pub is_current: bool,
    pub kind: &'static str,
    pub author: PublicKey,
    /// The author's name on the roster.
    pub member: Option<String>,
    pub seq: u64,
    pub timestamp_ms: i64,
    pub languages: Vec<String>,
    pub practice: Practice,
    pub signature: SignatureCheck,
    /// Every version, oldest first: the practices this one supersedes, itself, later revisions.
    pub versions: Vec<VersionInfo>,
    /// Set when the current version was retracted.
    pub retraction: Option<Retraction>,
    /// Cities that took it up, and questions asked about it with their answers.
    #[serde(flatten)]
    pub exchange: crate::exchange::Exchange,
    /// Translations other cities signed of any of its versions, oldest first.
    pub translations: Vec<TranslationView>,
}

/// A translation of one of the practice's versions by another city.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TranslationView {
    pub id: EntryId,
    pub translator: PublicKey,
    /// The translating city's name on the roster.
    pub translator_city: Option<String>,
    pub timestamp_ms: i64,
    /// The version translated, and whether it is the version in force.
    pub of_version: EntryId,
    pub of_current: bool,
    /// The practice's own city endorsed it.
    pub endorsed: bool,
    #[serde(flatten)]
    pub translation: coalition_record::translation::Translation,
}

fn version_info(e: &StoredEntry, current: bool) -> VersionInfo {
    VersionInfo {
        id: e.id(),
        seq: e.entry.header.seq,
        timestamp_ms: e.entry.header.timestamp_ms,
        kind: kind_name(e.entry.header.kind),
        superseded_by: e.status.superseded_by,
        retracted_by: e.status.retracted_by,
        current,
    }
}

pub(crate) fn practice(store: &Store, id: &IdRef) -> Result<PracticeView, ApiError> {
    let entry = resolve(store, id)?
        .ok_or_else(|| ApiError::NotFound(format!("no entry {} on this node", id_text(id))))?;
    let this_id = entry.id();
    let Some(payload) = entry.payload() else {
        return Err(ApiError::NotFound(format!(
            "the payload of entry {this_id} was erased; only its signed header remains (see /api/v1/entries/{this_id})"
        )));
    };
    let Some(practice) = payload.practice().cloned() else {
        return Err(ApiError::NotFound(format!(
            "entry {this_id} is a {}, not a practice (see /api/v1/entries/{this_id})",
            payload.kind().name()
        )));
    };
    // Earlier versions: follow `supersedes` back.
    let mut earlier = Vec::new();
    let mut cursor = payload.clone();
    while let Payload::PracticeRevision(rev) = &cursor {
        if earlier.len() >= MAX_CHAIN {
            break;
        }
        let Some(prev) = store.entry(&rev.supersedes)? else {
            break;
        };
        let next = prev.payload().cloned();
        earlier.push(prev);
        match next {
            Some(p) => cursor = p,
            None => break,
        }
    }
    earlier.reverse();
    // Later versions: follow `superseded_by` forward.
    let mut later = Vec::new();
    let mut next_id = entry.status.superseded_by;
    while let Some(id) = next_id {
        if later.len() >= MAX_CHAIN {
            break;
        }
        let Some(next) = store.entry(&id)? else {
            break;
        };
        next_id = next.status.superseded_by;
        later.push(next);
    }
    let current = later.last().unwrap_or(&entry);
    let current_id = current.id();
    let retraction = match current.status.retracted_by {
        Some(by) => {
            let r = store.entry(&by)?;
            Some(Retraction {
                by,
                reason: r.as_ref().and_then(|r| match r.payload() {
                    Some(Payload::Retraction(x)) => Some(x.reason.clone()),
                    _ => None,
                }),
                timestamp_ms: r.map(|r| r.entry.header.timestamp_ms),
            })
        }
        None => None,
    };
    let all: Vec<&StoredEntry> = earlier
        .iter()
        .chain(std::iter::once(&entry))
        .chain(later.iter())
        .collect();
    let versions = all
        .iter()
        .map(|e| version_info(e, e.id() == current_id))
        .collect();
    let ids: Vec<EntryId> = all.iter().map(|e| e.id()).collect();
    let exchange = crate::exchange::exchange_for(store, &ids)?;
    let roster = store.roster();
    let translations = store
        .translations_of(&ids)?
        .into_iter()
        .map(|(version, t)| TranslationView {
            id: t.id,
            translator: t.translator,
            translator_city: roster.cities.get(&t.translator).map(|m| m.name.clone()),
            timestamp_ms: t.timestamp_ms,
            of_version: version,
            of_current: version == current_id,
            endorsed: t.endorsed,
            translation: t.translation,
        })
        .collect();
    let author = entry.entry.header.author;
    let member = roster.cities.get(&author).cloned();
    let mut practice = practice;
    // The roster names the author; a payload's own city or country is not trusted for display.
    if let Some(m) = &member {
        practice.city = m.name.clone();
        practice.country = m.country.clone();
    }
    Ok(PracticeView {
        id: this_id,
        current_id,
        is_current: current_id == this_id,
        kind: kind_name(entry.entry.header.kind),
        author,
        member: member.map(|m| m.name),
        seq: entry.entry.header.seq,
        timestamp_ms: entry.entry.header.timestamp_ms,
        languages: payload.languages(),
        signature: check_signature(&entry),
        practice,
        versions,
        retraction,
        exchange,
        translations,
    })
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct CommitmentCount {
    pub commitment: u8,
    pub count: u64,
}

/// A member city with what it has published.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CityView {
    pub key: PublicKey,
    pub name: String,
    pub country: String,
    /// `active`, `suspended`, `revoked` or `rotated`.
    pub status: &'static str,
    pub status_detail: CityStatus,
    /// Roster version that admitted this key.
    pub admitted_in: u64,
    /// Entries in the city's log held here (its head seq).
    pub entries: u64,
    /// Current (neither retracted nor superseded) practices.
    pub practices: u64,
    /// Current activity reports.
    pub reports: u64,
    pub updates: u64,
    /// Current practices, reports and updates tagged with each commitment (all ten listed).
    pub commitments: Vec<CommitmentCount>,
    /// Timestamp of the newest entry of the city's log (ms).
    pub last_activity_ms: Option<i64>,
}

pub(crate) fn state_name(status: &CityStatus) -> &'static str {
    match status {
        CityStatus::Active => "active",
        CityStatus::Suspended { .. } => "suspended",
        CityStatus::Revoked { .. } => "revoked",
        CityStatus::Rotated { .. } => "rotated",
    }
}

#[derive(Default)]
struct Counts {
    practices: u64,
    reports: u64,
    updates: u64,
    commitments: BTreeMap<u8, u64>,
}

/// Every member city, sorted by name.
pub(crate) fn cities(store: &Store) -> Result<Vec<CityView>, ApiError> {
    city_views(store, None)
}

/// Member cities with their counts: all of them, or only `only` (reading only its entries).
fn city_views(store: &Store, only: Option<PublicKey>) -> Result<Vec<CityView>, ApiError> {
    let roster = store.roster();
    let mut counts: HashMap<PublicKey, Counts> = HashMap::new();
    let query = Query {
        author: only,
        ..Query::default()
    };
    for id in store.query_ids(&query)? {
        let Some(summary) = store.summary(&id)? else {
            continue;
        };
        let c = counts.entry(summary.author).or_default();
        match PayloadKind::from_code(summary.kind) {
            Some(PayloadKind::Practice | PayloadKind::PracticeRevision) => c.practices += 1,
            Some(PayloadKind::ActivityReport) => c.reports += 1,
            Some(PayloadKind::ActivityUpdate) => c.updates += 1,
            _ => continue,
        }
        for commitment in summary.commitments {
            *c.commitments.entry(commitment).or_default() += 1;
        }
    }
    let mut out = Vec::with_capacity(roster.cities.len());
    for member in roster
        .cities
        .values()
        .filter(|m| only.is_none_or(|key| m.key == key))
    {
        let c = counts.remove(&member.key).unwrap_or_default();
        let head = store.head(&member.key);
        let last_activity_ms = match head {
            Some((_, id)) => store.summary(&id)?.map(|s| s.timestamp_ms),
            None => None,
        };
        out.push(CityView {
            key: member.key,
            name: member.name.clone(),
            country: member.country.clone(),
            status: state_name(&member.status),
            status_detail: member.status.clone(),
            admitted_in: member.admitted_in,
            entries: head.map_or(0, |(seq, _)| seq),
            practices: c.practices,
            reports: c.reports,
            updates: c.updates,
            commitments: (1..=10)
                .map(|commitment| CommitmentCount {
                    commitment,
                    count: c.commitments.get(&commitment).copied().unwrap_or(0),
                })
                .collect(),
            last_activity_ms,
        });
    }
    out.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.key.cmp(&b.key))
    });
    Ok(out)
}

/// Finds a member by key, key prefix (8+ hex) or name (any case).
pub(crate) fn find_city(roster: &Roster, key_or_name: &str) -> Option<PublicKey> {
    roster.find_by_name(key_or_name).map(|m| m.key)
}

/// A practice in a list.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PracticeItem {
    pub id: EntryId,
    pub title: String,
    pub city: String,
    pub country: String,
    pub period_start: String,
    pub period_end: Option<String>,
    pub year: Option<i32>,
    pub commitments: Vec<u8>,
    pub languages: Vec<String>,
    pub timestamp_ms: i64,
}

/// An activity report in a list, with its whole content.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ReportItem {
    pub id: EntryId,
    pub author: PublicKey,
    pub city: String,
    pub country: String,
    pub period: String,
    pub commitments: Vec<u8>,
    pub timestamp_ms: i64,
    pub report: ActivityReport,
}

/// A short update in a list.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct UpdateItem {
    pub id: EntryId,
    pub date: String,
    pub title: String,
    pub commitments: Vec<u8>,
    pub timestamp_ms: i64,
}

/// The author's name and country from the roster, else the payload's.
fn place(roster: &Roster, e: &StoredEntry, city: &str, country: &str) -> (String, String) {
    match roster.cities.get(&e.entry.header.author) {
        Some(m) => (m.name.clone(), m.country.clone()),
        None => (city.to_string(), country.to_string()),
    }
}

pub(crate) fn practice_item(
    e: &StoredEntry,
    lang: Option<&str>,
    roster: &Roster,
) -> Option<PracticeItem> {
    let payload = e.payload()?;
    let p = payload.practice()?;
    let (city, country) = place(roster, e, &p.city, &p.country);
    Some(PracticeItem {
        id: e.id(),
        title: payload.title(lang),
        city,
        country,
        period_start: p.period.start.clone(),
        period_end: p.period.end.clone(),
        year: payload.year(),
        commitments: p.commitments.clone(),
        languages: payload.languages(),
        timestamp_ms: e.entry.header.timestamp_ms,
    })
}

pub(crate) fn report_item(e: &StoredEntry, roster: &Roster) -> Option<ReportItem> {
    let Some(Payload::ActivityReport(r)) = e.payload() else {
        return None;
    };
    let (city, country) = place(roster, e, &r.city, &r.country);
    Some(ReportItem {
        id: e.id(),
        author: e.entry.header.author,
        city,
        country,
        period: r.period.clone(),
        commitments: r.commitments.iter().map(|c| c.commitment).collect(),
        timestamp_ms: e.entry.header.timestamp_ms,
        report: r.clone(),
    })
}

fn update_item(e: &StoredEntry, lang: Option<&str>) -> Option<UpdateItem> {
    let Some(payload @ Payload::ActivityUpdate(u)) = e.payload() else {
        return None;
    };
    Some(UpdateItem {
        id: e.id(),
        date: u.date.clone(),
        title: payload.title(lang),
        commitments: u.commitments.clone(),
        timestamp_ms: e.entry.header.timestamp_ms,
    })
}

/// A city page: the city and its current practices, reports and updates, newest first.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CityDetail {
    pub city: CityView,
    pub practices: Vec<PracticeItem>,
    pub reports: Vec<ReportItem>,
    pub updates: Vec<UpdateItem>,
    /// Entries of kinds or versions a newer release made (PROTOCOL.md §8.7): held, not shown.
    pub newer_entries: u64,
    /// Partners of the city's current practices by type: (code, partners of that type), most
    /// first; partners without a type are not counted.
    pub partner_types: Vec<(String, u64)>,
    /// Other cities' practices this city took up.
    pub took_up: Vec<crate::exchange::AdoptionLink>,
    /// This city's practices other cities took up.
    pub taken_up_by_others: Vec<crate::exchange::AdoptionLink>,
    /// Questions about its practices it has not answered yet.
    pub open_questions: Vec<crate::exchange::OpenQuestion>,
}

pub(crate) fn city_detail(
    store: &Store,
    key_or_name: &str,
    lang: Option<&str>,
) -> Result<CityDetail, ApiError> {
    let roster = store.roster();
    let key = find_city(&roster, key_or_name).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no member city with the key or name '{key_or_name}'"
        ))
    })?;
    let city = city_views(store, Some(key))?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::NotFound(format!("no member city '{key_or_name}'")))?;
    let entries = store.query(&Query {
        author: Some(key),
        ..Query::default()
    })?;
    let roster = store.roster();
    let mut practices: Vec<PracticeItem> = entries
        .iter()
        .filter_map(|e| practice_item(e, lang, &roster))
        .collect();
    practices.sort_by(|a, b| {
        b.period_start
            .cmp(&a.period_start)
            .then(b.timestamp_ms.cmp(&a.timestamp_ms))
    });
    let mut reports: Vec<ReportItem> = entries
        .iter()
        .filter_map(|e| report_item(e, &roster))
        .collect();
    reports.sort_by(|a, b| {
        b.period
            .cmp(&a.period)
            .then(b.timestamp_ms.cmp(&a.timestamp_ms))
    });
    let updates = entries
        .iter()
        .filter_map(|e| update_item(e, lang))
        .collect();
    let mut by_type: std::collections::BTreeMap<String, u64> = Default::default();
    for e in &entries {
        if let Some(p) = e.payload().and_then(|p| p.practice()) {
            for code in p.partner_types.iter().filter(|c| !c.is_empty()) {
                *by_type.entry(code.clone()).or_default() += 1;
            }
        }
    }
    let mut partner_types: Vec<(String, u64)> = by_type.into_iter().collect();
    partner_types.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let links = crate::exchange::adoption_links(store)?;
    let took_up = links.iter().filter(|a| a.to_key == key).cloned().collect();
    let taken_up_by_others = links
        .into_iter()
        .filter(|a| a.from_key == Some(key))
        .collect();
    let newer_entries = entries
        .iter()
        .filter(|e| e.payload().is_some_and(|p| p.newer().is_some()))
        .count() as u64;
    Ok(CityDetail {
        city,
        practices,
        reports,
        updates,
        newer_entries,
        partner_types,
        took_up,
        taken_up_by_others,
        open_questions: crate::exchange::open_questions(store, &key)?,
    })
}

/// Current reports matching the filters, newest period first.
pub(crate) fn reports(
    store: &Store,
    author: Option<PublicKey>,
    period: Option<&str>,
    commitment: Option<u8>,
) -> Result<Vec<ReportItem>, ApiError> {
    let entries = store.query(&Query {
        kinds: Some(vec![PayloadKind::ActivityReport.code()]),
        author,
        commitment,
        ..Query::default()
    })?;
    let roster = store.roster();
    let mut out: Vec<ReportItem> = entries
        .iter()
        .filter_map(|e| report_item(e, &roster))
        .filter(|r| period.is_none_or(|p| r.period == p))
        .collect();
    out.sort_by(|a, b| {
        b.period
            .cmp(&a.period)
            .then(b.timestamp_ms.cmp(&a.timestamp_ms))
    });
    Ok(out)
}

/// An entry's signed header as [`EntryView::header`] shows it: the fields of
/// [`coalition_record::EntryHeader`] (ids and keys in hex), with the kind's name beside its code.
#[derive(Debug, Clone, Serialize)]
pub struct HeaderView {
    /// Format version (1).
    pub version: u8,
    /// The coalition the entry belongs to.
    pub network_id: EntryId,
    /// The city key that signed the entry.
    pub author: PublicKey,
    /// Position in the author's log: 1, 2, 3…
    pub seq: u64,
    /// The id of the author's entry at `seq - 1`; `null` for seq 1.
    pub prev: Option<EntryId>,
    /// When the author says it signed the entry (ms since the Unix epoch); informational only.
    pub timestamp_ms: i64,
    /// The payload's kind code (PROTOCOL.md §8).
    pub kind: u16,
    /// The kind's name (`practice`, `report`…), `newer_kind` for a code this node does not know.
    pub kind_name: &'static str,
    /// BLAKE3 of the payload's salt and bytes, which the signature covers.
    pub payload_commitment: EntryId,
    /// Length of the payload bytes (without the salt).
    pub payload_len: u32,
}

/// `GET /entries/{id}`: the signed header, the signature checked again, the payload as JSON and
/// the exact bytes.
#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    /// The entry's id (BLAKE3 of its canonical bytes, 64 hex characters).
    pub id: EntryId,
    /// The signed header.
    pub header: HeaderView,
    /// The author's city name on this node's roster; `null` for a key the roster does not hold.
    pub member: Option<String>,
    /// The ed25519 signature in hex (128 characters).
    pub signature: String,
    /// The signature and the payload verified again while answering.
    pub signature_check: SignatureCheck,
    /// The retraction that withdrew this entry, if this node holds one.
    pub retracted_by: Option<EntryId>,
    /// The practice revision that replaced this practice, if this node holds one.
    pub superseded_by: Option<EntryId>,
    /// The payload as JSON (externally tagged by kind), `null` when erased.
    pub payload: Option<Payload>,
    /// The payload was dropped by an erasure; the header and signature are kept.
    pub payload_erased: bool,
    /// The payload is of a kind or version a newer release of Coalition made (PROTOCOL.md
    /// §8.7): kept, forwarded and synced, but this node cannot show it; upgrade to read it.
    pub needs_newer_version: bool,
    /// The entry's canonical bytes (header then signature) in hex.
    pub entry_hex: String,
    /// The payload's salt in hex, when the payload is held.
    pub payload_salt_hex: Option<String>,
    /// The payload's canonical bytes in hex, when held.
    pub payload_hex: Option<String>,
}

pub(crate) fn entry(store: &Store, id: &IdRef) -> Result<EntryView, ApiError> {
    let e = resolve(store, id)?
        .ok_or_else(|| ApiError::NotFound(format!("no entry {} on this node", id_text(id))))?;
    Ok(entry_view(store, &e))
}

/// One stored entry as `GET /api/v1/entries/{id}` shows it; `coalition show --json`, `log --json`
/// and the listings of `search --json` print the same keys.
pub fn entry_view(store: &Store, e: &StoredEntry) -> EntryView {
    let h = &e.entry.header;
    EntryView {
        id: e.id(),
        header: HeaderView {
            version: h.version,
            network_id: h.network_id,
            author: h.author,
            seq: h.seq,
            prev: h.prev,
            timestamp_ms: h.timestamp_ms,
            kind: h.kind,
            kind_name: kind_name(h.kind),
            payload_commitment: h.payload_commitment,
            payload_len: h.payload_len,
        },
        member: store.roster().cities.get(&h.author).map(|m| m.name.clone()),
        signature: hex::encode(e.entry.signature.0),
        signature_check: check_signature(e),
        retracted_by: e.status.retracted_by,
        superseded_by: e.status.superseded_by,
        payload_erased: e.blob.is_none(),
        needs_newer_version: e.payload().is_some_and(|p| p.newer().is_some()),
        payload: e.payload().cloned(),
        entry_hex: hex::encode(e.entry.bytes()),
        payload_salt_hex: e.blob.as_ref().map(|b| hex::encode(b.salt)),
        payload_hex: e.blob.as_ref().map(|b| hex::encode(&b.bytes)),
    }
}
