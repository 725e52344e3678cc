//! The payload envelope (PROTOCOL.md §8 and §8.7): a version byte, the kind's variant index, the
//! kind's body and, in version 2, extension fields. This is where the protocol evolves: a node
//! reads what it knows and keeps the rest as bytes, so that a newer node's entries are stored,
//! forwarded and synced by older ones instead of refused.
//!
//! - version 1: exactly the body of a kind this node knows;
//! - version 2: the version-1 body followed by one or more extension fields, each
//!   `varint number || varint length || bytes`, numbers strictly increasing. A node reads the
//!   body and the fields it knows and keeps the others: adding an optional field is compatible;
//! - a kind this node does not know, or a version above 2: a [`NewerPayload`], checked for
//!   everything but its body (size, length, commitment, kind) and shown as "needs a newer version".

use crate::bytes::Hash32;
use crate::codec;
use crate::error::RecordError;
use crate::limits::{MAX_LIST_ITEMS, MAX_PAYLOAD_BYTES};
use crate::payload::{
    ActivityReport, ActivityUpdate, CommitmentReport, Contact, Erasure, Extensions, LangText,
    NewerPayload, Payload, Period, Practice, PracticeRevision, UpdateCategory,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The payload version whose body is exactly a kind's fields.
pub(crate) const PAYLOAD_VERSION_BASE: u8 = 1;
/// The payload version that appends extension fields to the version-1 body.
pub(crate) const PAYLOAD_VERSION_EXTENDED: u8 = 2;

/// One extension field on the wire.
#[derive(Serialize, Deserialize)]
struct Field {
    number: u32,
    #[serde(with = "crate::codec::byte_vec")]
    bytes: Vec<u8>,
}

/// Whether decoding re-encodes to check canonical form (input from outside) or trusts bytes
/// this node checked before storing them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    Canonical,
    Stored,
}

/// Extension field 1 of practices and revisions: the grounds of discrimination (a postcard
/// `Vec<String>`).
pub(crate) const FIELD_GROUNDS: u32 = 1;
/// Extension field 2 of practices and revisions: the type of each partner, aligned with
/// `partners` (a postcard `Vec<String>`).
pub(crate) const FIELD_PARTNER_TYPES: u32 = 2;
/// Extension field 2 of reports: the reporting cycle answered (a postcard `Hash32`).
pub(crate) const FIELD_REPORT_CYCLE: u32 = 2;
/// Extension field 1 of erasures: the reason (a postcard `String`).
pub(crate) const FIELD_ERASURE_REASON: u32 = 1;

/// An erasure's version-1 fields, as signed: the target alone.
#[derive(Serialize, Deserialize)]
struct ErasureV1 {
    target: crate::bytes::Hash32,
}

/// A practice's version-1 fields, as signed: every field but those carried as extensions.
#[derive(Serialize)]
struct PracticeV1<'a> {
    title: &'a LangText,
    summary: &'a LangText,
    body: &'a LangText,
    rationale: &'a LangText,
    approach: &'a LangText,
    results: &'a LangText,
    transferability: &'a LangText,
    commitments: &'a Vec<u8>,
    themes: &'a Vec<String>,
    target_groups: &'a Vec<String>,
    partners: &'a Vec<String>,
    city: &'a String,
    country: &'a String,
    period: &'a Period,
    links: &'a Vec<String>,
    contact: &'a Option<Contact>,
    illustrative: bool,
}

impl<'a> From<&'a Practice> for PracticeV1<'a> {
    fn from(p: &'a Practice) -> Self {
        PracticeV1 {
            title: &p.title,
            summary: &p.summary,
            body: &p.body,
            rationale: &p.rationale,
            approach: &p.approach,
            results: &p.results,
            transferability: &p.transferability,
            commitments: &p.commitments,
            themes: &p.themes,
            target_groups: &p.target_groups,
            partners: &p.partners,
            city: &p.city,
            country: &p.country,
            period: &p.period,
            links: &p.links,
            contact: &p.contact,
            illustrative: p.illustrative,
        }
    }
}

/// [`PracticeV1`] read back; extension fields are filled in afterwards.
#[derive(Serialize, Deserialize)]
struct PracticeV1Owned {
    title: LangText,
    summary: LangText,
    body: LangText,
    rationale: LangText,
    approach: LangText,
    results: LangText,
    transferability: LangText,
    commitments: Vec<u8>,
    themes: Vec<String>,
    target_groups: Vec<String>,
    partners: Vec<String>,
    city: String,
    country: String,
    period: Period,
    links: Vec<String>,
    contact: Option<Contact>,
    illustrative: bool,
}

impl From<PracticeV1Owned> for Practice {
    fn from(p: PracticeV1Owned) -> Self {
        Practice {
            title: p.title,
            summary: p.summary,
            body: p.body,
            rationale: p.rationale,
            approach: p.approach,
            results: p.results,
            transferability: p.transferability,
            commitments: p.commitments,
            themes: p.themes,
            target_groups: p.target_groups,
            partners: p.partners,
            city: p.city,
            country: p.country,
            period: p.period,
            links: p.links,
            contact: p.contact,
            illustrative: p.illustrative,
            grounds: Vec::new(),
            partner_types: Vec::new(),
        }
    }
}

/// An update's version-1 fields, as signed.
#[derive(Serialize)]
struct UpdateV1<'a> {
    date: &'a String,
    category: UpdateCategory,
    title: &'a LangText,
    text: &'a LangText,
    commitments: &'a Vec<u8>,
    links: &'a Vec<String>,
    illustrative: bool,
}

#[derive(Serialize, Deserialize)]
struct UpdateV1Owned {
    date: String,
    category: UpdateCategory,
    title: LangText,
    text: LangText,
    commitments: Vec<u8>,
    links: Vec<String>,
    illustrative: bool,
}

/// A report's version-1 fields, as signed.
#[derive(Serialize)]
struct ReportV1<'a> {
    city: &'a String,
    country: &'a String,
    period: &'a String,
    narrative: &'a LangText,
    commitments: &'a Vec<CommitmentReport>,
    illustrative: bool,
}

#[derive(Serialize, Deserialize)]
struct ReportV1Owned {
    city: String,
    country: String,
    period: String,
    narrative: LangText,
    commitments: Vec<CommitmentReport>,
    illustrative: bool,
}

#[derive(Serialize)]
struct RevisionV1<'a> {
    supersedes: &'a Hash32,
    practice: PracticeV1<'a>,
}

#[derive(Serialize, Deserialize)]
struct RevisionV1Owned {
    supersedes: Hash32,
    practice: PracticeV1Owned,
}

/// The variant index of a kind code (`code - 1`); kind 0 is never assigned.
fn variant_index(code: u16) -> u32 {
    u32::from(code.saturating_sub(1))
}

/// Encodes a payload of a kind this node knows, with `extensions` (version 2 when there are any).
pub(crate) fn encode(payload: &Payload, extensions: &Extensions) -> Vec<u8> {
    let mut extensions = extensions.clone();
    if let Some(p) = payload.practice() {
        if !p.partner_types.is_empty() {
            extensions
                .0
                .insert(FIELD_PARTNER_TYPES, codec::encode(&p.partner_types));
        }
    }
    if let Payload::ActivityReport(ActivityReport {
        cycle: Some(cycle), ..
    }) = payload
    {
        extensions
            .0
            .insert(FIELD_REPORT_CYCLE, codec::encode(cycle));
    }
    if let Some(grounds) = payload.grounds().filter(|g| !g.is_empty()) {
        extensions.0.insert(FIELD_GROUNDS, codec::encode(&grounds));
    }
    if let Payload::Erasure(e) = payload {
        if !e.reason.is_empty() {
            extensions
                .0
                .insert(FIELD_ERASURE_REASON, codec::encode(&e.reason));
        }
    }
    let version = if extensions.is_empty() {
        PAYLOAD_VERSION_BASE
    } else {
        PAYLOAD_VERSION_EXTENDED
    };
    let mut out = vec![version];
    out.extend(codec::encode(&variant_index(payload.kind().code())));
    out.extend(body(payload));
    for (number, bytes) in &extensions.0 {
        out.extend(codec::encode(&Field {
            number: *number,
            bytes: bytes.clone(),
        }));
    }
    out
}

fn body(payload: &Payload) -> Vec<u8> {
    match payload {
        Payload::Practice(p) => codec::encode(&PracticeV1::from(p)),
        Payload::PracticeRevision(r) => codec::encode(&RevisionV1 {
            supersedes: &r.supersedes,
            practice: PracticeV1::from(&r.practice),
        }),
        Payload::ActivityUpdate(u) => codec::encode(&UpdateV1 {
            date: &u.date,
            category: u.category,
            title: &u.title,
            text: &u.text,
            commitments: &u.commitments,
            links: &u.links,
            illustrative: u.illustrative,
        }),
        Payload::ActivityReport(r) => codec::encode(&ReportV1 {
            city: &r.city,
            country: &r.country,
            period: &r.period,
            narrative: &r.narrative,
            commitments: &r.commitments,
            illustrative: r.illustrative,
        }),
        Payload::Retraction(r) => codec::encode(r),
        Payload::Erasure(e) => codec::encode(&ErasureV1 { target: e.target }),
        Payload::ErasureReceipt(r) => codec::encode(r),
        Payload::ErasureOrder(o) => codec::encode(o),
        Payload::Translation(t) => codec::encode(t),
        Payload::TranslationEndorsement(e) => codec::encode(e),
        Payload::PracticeAdoption(a) => codec::encode(a),
        Payload::Question(q) => codec::encode(q),
        Payload::Answer(a) => codec::encode(a),
        Payload::ReportingCycle(c) => codec::encode(c),
        Payload::ReportFeedback(f) => codec::encode(f),
        #[cfg(feature = "future-kind")]
        Payload::TestNote(n) => codec::encode(n),
        // Never encoded: a node publishes only kinds it knows (the publish path refuses these).
        Payload::Newer(_) => Vec::new(),
    }
}

fn malformed(detail: impl Into<String>) -> RecordError {
    RecordError::Malformed {
        what: "payload",
        detail: detail.into(),
    }
}

/// Decodes a payload's bytes: the rules "size limit", "decode", "canonical encoding" and
/// "format version" of §6, in the envelope's order.
pub(crate) fn decode(bytes: &[u8], check: Check) -> Result<(Payload, Extensions), RecordError> {
    if bytes.len() > MAX_PAYLOAD_BYTES {
        return Err(RecordError::TooLarge {
            what: "payload",
            size: bytes.len(),
            limit: MAX_PAYLOAD_BYTES,
        });
    }
    let (&version, rest) = bytes
        .split_first()
        .ok_or_else(|| malformed("empty: no version byte"))?;
    if version == 0 {
        return Err(RecordError::UnsupportedVersion {
            what: "payload",
            found: 0,
            expected: PAYLOAD_VERSION_BASE,
        });
    }
    let (index, after_index) =
        postcard::take_from_bytes::<u32>(rest).map_err(|e| malformed(e.to_string()))?;
    if check == Check::Canonical
        && !codec::encodes_to(&index, &rest[..rest.len() - after_index.len()])
    {
        return Err(RecordError::NonCanonical { what: "payload" });
    }
    let kind = u16::try_from(index)
        .ok()
        .and_then(|i| i.checked_add(1))
        .ok_or_else(|| malformed(format!("variant index {index} names no kind code")))?;
    let newer = Payload::Newer(NewerPayload { kind, version });
    if version > PAYLOAD_VERSION_EXTENDED {
        return Ok((newer, Extensions::default()));
    }
    let Some((payload, trailing)) = decode_known(kind, after_index, check)? else {
        return Ok((newer, Extensions::default()));
    };
    if version == PAYLOAD_VERSION_BASE {
        if !trailing.is_empty() {
            return Err(RecordError::NonCanonical { what: "payload" });
        }
        return Ok((payload, Extensions::default()));
    }
    let extensions = extensions(trailing, check)?;
    let mut payload = payload;
    apply_known_fields(&mut payload, &extensions, check)?;
    Ok((payload, extensions))
}

/// Fills the fields this node knows from their extension fields; the others stay as bytes.
fn apply_known_fields(
    payload: &mut Payload,
    extensions: &Extensions,
    check: Check,
) -> Result<(), RecordError> {
    let read = |what: &'static str, bytes: &[u8]| -> Result<Vec<String>, RecordError> {
        match check {
            Check::Canonical => codec::decode_canonical(what, bytes, MAX_PAYLOAD_BYTES),
            Check::Stored => codec::decode_stored(what, bytes),
        }
    };
    if let Payload::Erasure(e) = payload {
        if let Some(bytes) = extensions.0.get(&FIELD_ERASURE_REASON) {
            e.reason = match check {
                Check::Canonical => codec::decode_canonical(
                    "payload field 1 (erasure reason)",
                    bytes,
                    MAX_PAYLOAD_BYTES,
                )?,
                Check::Stored => codec::decode_stored("payload field 1 (erasure reason)", bytes)?,
            };
        }
        return Ok(());
    }
    let grounds = match extensions.0.get(&FIELD_GROUNDS) {
        Some(bytes) => read("payload field 1 (grounds)", bytes)?,
        None => Vec::new(),
    };
    match payload {
        Payload::Practice(p) => p.grounds = grounds,
        Payload::PracticeRevision(r) => r.practice.grounds = grounds,
        Payload::ActivityUpdate(u) => u.grounds = grounds,
        Payload::ActivityReport(r) => {
            r.grounds = grounds;
            if let Some(bytes) = extensions.0.get(&FIELD_REPORT_CYCLE) {
                r.cycle = Some(match check {
                    Check::Canonical => codec::decode_canonical(
                        "payload field 2 (report cycle)",
                        bytes,
                        MAX_PAYLOAD_BYTES,
                    )?,
                    Check::Stored => codec::decode_stored("payload field 2 (report cycle)", bytes)?,
                });
            }
            return Ok(());
        }
        _ => return Ok(()),
    }
    let practice = match payload {
        Payload::Practice(p) => p,
        Payload::PracticeRevision(r) => &mut r.practice,
        _ => return Ok(()),
    };
    if let Some(bytes) = extensions.0.get(&FIELD_PARTNER_TYPES) {
        practice.partner_types = read("payload field 2 (partner types)", bytes)?;
    }
    Ok(())
}

/// The body of a kind this node knows, and the bytes after it; `None` for other kinds.
fn decode_known(
    kind: u16,
    body: &[u8],
    check: Check,
) -> Result<Option<(Payload, &[u8])>, RecordError> {
    Ok(Some(match kind {
        1 => take(body, check, |p: PracticeV1Owned| {
            Payload::Practice(p.into())
        })?,
        2 => take(body, check, |r: RevisionV1Owned| {
            Payload::PracticeRevision(PracticeRevision {
                supersedes: r.supersedes,
                practice: r.practice.into(),
            })
        })?,
        3 => take(body, check, |u: UpdateV1Owned| {
            Payload::ActivityUpdate(ActivityUpdate {
                date: u.date,
                category: u.category,
                title: u.title,
                text: u.text,
                commitments: u.commitments,
                links: u.links,
                illustrative: u.illustrative,
                grounds: Vec::new(),
            })
        })?,
        4 => take(body, check, |r: ReportV1Owned| {
            Payload::ActivityReport(ActivityReport {
                city: r.city,
                country: r.country,
                period: r.period,
                narrative: r.narrative,
                commitments: r.commitments,
                illustrative: r.illustrative,
                grounds: Vec::new(),
                cycle: None,
            })
        })?,
        5 => take(body, check, Payload::Retraction)?,
        6 => take(body, check, |e: ErasureV1| {
            Payload::Erasure(Erasure {
                target: e.target,
                reason: String::new(),
            })
        })?,
        7 => take(body, check, Payload::PracticeAdoption)?,
        8 => take(body, check, Payload::Question)?,
        9 => take(body, check, Payload::Answer)?,
        10 => take(body, check, Payload::ReportingCycle)?,
        11 => take(body, check, Payload::ReportFeedback)?,
        12 => take(body, check, Payload::ErasureReceipt)?,
        13 => take(body, check, Payload::ErasureOrder)?,
        14 => take(body, check, Payload::Translation)?,
        15 => take(body, check, Payload::TranslationEndorsement)?,
        #[cfg(feature = "future-kind")]
        crate::payload::TEST_NOTE_KIND => take(body, check, Payload::TestNote)?,
        _ => return Ok(None),
    }))
}

fn take<T: Serialize + DeserializeOwned>(
    bytes: &[u8],
    check: Check,
    wrap: impl FnOnce(T) -> Payload,
) -> Result<(Payload, &[u8]), RecordError> {
    let (value, rest) =
        postcard::take_from_bytes::<T>(bytes).map_err(|e| malformed(e.to_string()))?;
    if check == Check::Canonical && !codec::encodes_to(&value, &bytes[..bytes.len() - rest.len()]) {
        return Err(RecordError::NonCanonical { what: "payload" });
    }
    Ok((wrap(value), rest))
}

/// Reads the extension fields of a version-2 payload: at least one (a version 2 without fields
/// is a non-canonical version 1), at most [`MAX_LIST_ITEMS`], numbers from 1 strictly increasing.
fn extensions(mut bytes: &[u8], check: Check) -> Result<Extensions, RecordError> {
    if bytes.is_empty() {
        return Err(RecordError::NonCanonical {
            what: "payload (version 2 without extension fields is version 1)",
        });
    }
    let mut fields = BTreeMap::new();
    let mut last = 0u32;
    while !bytes.is_empty() {
        let (field, rest) =
            postcard::take_from_bytes::<Field>(bytes).map_err(|e| malformed(e.to_string()))?;
        if check == Check::Canonical {
            if !codec::encodes_to(&field, &bytes[..bytes.len() - rest.len()]) {
                return Err(RecordError::NonCanonical { what: "payload" });
            }
            if field.number <= last {
                return Err(RecordError::NonCanonical {
                    what: "payload (extension field numbers must start at 1 and increase)",
                });
            }
            if fields.len() == MAX_LIST_ITEMS {
                return Err(RecordError::TooLarge {
                    what: "payload extension fields",
                    size: fields.len() + 1,
                    limit: MAX_LIST_ITEMS,
                });
            }
        }
        last = field.number;
        fields.insert(field.number, field.bytes);
        bytes = rest;
    }
    Ok(Extensions(fields))
}

/// The envelope's encoding and decoding, as methods of the payload.
impl Payload {
    /// Canonical bytes (§8): version 1, the kind's variant index, then the kind's fields.
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(self, &Extensions::default())
    }

    /// Canonical bytes with extension fields (§8.7): version 2 when there are any.
    pub fn to_bytes_with(&self, extensions: &Extensions) -> Vec<u8> {
        encode(self, extensions)
    }

    /// Decodes payload bytes from outside (canonical form checked). A kind or version this node
    /// does not know decodes to [`Payload::Newer`]; extension fields are checked and dropped.
    pub fn decode(bytes: &[u8]) -> Result<Self, RecordError> {
        decode(bytes, Check::Canonical).map(|(p, _)| p)
    }

    /// As [`Payload::decode`], with the extension fields of a version-2 payload.
    pub fn decode_with_extensions(bytes: &[u8]) -> Result<(Self, Extensions), RecordError> {
        decode(bytes, Check::Canonical)
    }

    /// Decodes a payload this node validated before storing it (see [`codec::decode_stored`]).
    pub fn decode_stored(bytes: &[u8]) -> Result<Self, RecordError> {
        decode(bytes, Check::Stored).map(|(p, _)| p)
    }
}
