//! Property tests: encoding then decoding is the identity for payloads, entries, wire entries and
//! roster changes; and a single flipped bit anywhere in a signed entry, its payload bytes or its
//! salt is always caught by the full check, never silently accepted.

use crate::common;

use coalition_record::codec;
use coalition_record::erasure::ErasureReceipt;
use coalition_record::payload::{Erasure, PracticeRevision, Retraction};
use coalition_record::roster::CommitteeSignature;
use coalition_record::{
    ActivityReport, ActivityUpdate, CommitmentReport, Contact, EntryHeader, Hash32, Indicator,
    LangText, Payload, PayloadBlob, Period, Practice, PublicKey, RecordError, ReportStatus,
    RosterAction, RosterChange, SecretKey, SignatureBytes, SignedEntry, SignedRosterChange,
    UpdateCategory, VerifiedEntry, WireEntry, FORMAT_VERSION,
};
use proptest::collection::{btree_map, btree_set, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{select, Index};

// ---------------------------------------------------------------- strategies

fn lang() -> impl Strategy<Value = String> {
    select(vec![
        "en", "fr", "de", "de-AT", "nl", "it", "es", "es-419", "pt-BR", "sv", "pl", "zh-Hant",
    ])
    .prop_map(String::from)
}

/// Non-blank text: starts with a letter or digit, any letters, digits, spaces and punctuation.
fn words(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!(
        "[\\p{{L}}\\p{{N}}][\\p{{L}}\\p{{N}} ,.;:'’()!?-]{{0,{max}}}"
    ))
    .expect("valid regex")
}

fn lang_text(min: usize, max: usize) -> impl Strategy<Value = LangText> {
    btree_map(lang(), words(60), min..=max)
}

fn commitments(min: usize) -> impl Strategy<Value = Vec<u8>> {
    btree_set(1u8..=10, min..=4).prop_map(|s| s.into_iter().collect())
}

fn short_list() -> impl Strategy<Value = Vec<String>> {
    vec(words(20), 0..4)
}

fn links() -> impl Strategy<Value = Vec<String>> {
    vec("https?://[a-z]{3,10}\\.example/[a-z0-9/-]{0,12}", 0..3)
}

fn country() -> impl Strategy<Value = String> {
    select(vec![
        "FR", "DE", "BE", "ES", "IT", "SE", "PL", "AT", "NL", "PT", "GB", "NO",
    ])
    .prop_map(String::from)
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` with a real month and day, year 1900..=2190.
fn date() -> impl Strategy<Value = String> {
    (1900u32..=2190, 1u32..=12, 1u32..=28, 0u8..3).prop_map(|(y, m, d, form)| match form {
        0 => format!("{y:04}"),
        1 => format!("{y:04}-{m:02}"),
        _ => format!("{y:04}-{m:02}-{d:02}"),
    })
}

fn period() -> impl Strategy<Value = Period> {
    (date(), option::of((1u32..=10, date()))).prop_map(|(start, end)| {
        // A later year always sorts after the start, whatever the precision of either.
        let end = end.map(|(years, form)| {
            let year: u32 = start[..4].parse().unwrap_or(2000) + years;
            format!("{year:04}{}", &form[4..])
        });
        Period { start, end }
    })
}

fn contact() -> impl Strategy<Value = Contact> {
    (
        words(30),
        option::of(words(30)),
        option::of("[a-z]{1,10}@[a-z]{1,10}\\.example"),
        option::of("\\+[0-9]{6,12}"),
    )
        .prop_map(|(name, role, email, phone)| Contact {
            name,
            role,
            email,
            phone,
        })
}

fn practice() -> impl Strategy<Value = Practice> {
    let texts = (
        lang_text(1, 3),
        lang_text(1, 3),
        lang_text(0, 2),
        lang_text(0, 2),
        lang_text(0, 2),
        lang_text(0, 2),
        lang_text(0, 2),
    );
    let rest = (
        commitments(1),
        short_list(),
        short_list(),
        short_list(),
        words(30),
        country(),
        period(),
        links(),
        option::of(contact()),
        any::<bool>(),
    );
    (texts, rest).prop_map(
        |(
            (title, summary, body, rationale, approach, results, transferability),
            (
                commitments,
                themes,
                target_groups,
                partners,
                city,
                country,
                period,
                links,
                contact,
                illustrative,
            ),
        )| Practice {
            title,
            summary,
            body,
            rationale,
            approach,
            results,
            transferability,
            commitments,
            themes,
            target_groups,
            partners,
            city,
            country,
            period,
            links,
            contact,
            illustrative,
            grounds: Vec::new(),
            partner_types: Vec::new(),
        },
    )
}

fn category() -> impl Strategy<Value = UpdateCategory> {
    select(vec![
        UpdateCategory::Event,
        UpdateCategory::Campaign,
        UpdateCategory::Milestone,
        UpdateCategory::Office,
        UpdateCategory::Other,
    ])
}

fn update() -> impl Strategy<Value = ActivityUpdate> {
    (
        (1900u32..=2200, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        category(),
        lang_text(1, 3),
        lang_text(1, 3),
        commitments(0),
        links(),
        any::<bool>(),
    )
        .prop_map(
            |(date, category, title, text, commitments, links, illustrative)| ActivityUpdate {
                date,
                category,
                title,
                text,
                commitments,
                links,
                illustrative,
                grounds: Vec::new(),
            },
        )
}

fn finite() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("finite", |v| v.is_finite())
}

fn indicator() -> impl Strategy<Value = Indicator> {
    (
        words(20),
        finite(),
        prop_oneof![Just(String::new()), words(10)],
    )
        .prop_map(|(name, value, unit)| Indicator { name, value, unit })
}

fn status() -> impl Strategy<Value = ReportStatus> {
    select(vec![
        ReportStatus::NotStarted,
        ReportStatus::Planned,
        ReportStatus::InProgress,
        ReportStatus::Done,
    ])
}

fn report() -> impl Strategy<Value = ActivityReport> {
    let items = btree_set(1u8..=10, 1..=4).prop_flat_map(|ids| {
        let n = ids.len();
        (
            Just(ids.into_iter().collect::<Vec<u8>>()),
            vec((status(), lang_text(0, 2), vec(indicator(), 0..3)), n),
        )
            .prop_map(|(ids, rest)| {
                ids.into_iter()
                    .zip(rest)
                    .map(
                        |(commitment, (status, narrative, indicators))| CommitmentReport {
                            commitment,
                            status,
                            narrative,
                            indicators,
                        },
                    )
                    .collect::<Vec<_>>()
            })
    });
    (
        words(30),
        country(),
        (1900u32..=2200, 0u8..3).prop_map(|(y, h)| match h {
            0 => format!("{y}"),
            1 => format!("{y}-H1"),
            _ => format!("{y}-H2"),
        }),
        lang_text(0, 2),
        items,
        any::<bool>(),
    )
        .prop_map(
            |(city, country, period, narrative, commitments, illustrative)| ActivityReport {
                cycle: None,
                city,
                country,
                period,
                narrative,
                commitments,
                illustrative,
                grounds: Vec::new(),
            },
        )
}

fn hash() -> impl Strategy<Value = Hash32> {
    any::<[u8; 32]>().prop_map(Hash32)
}

fn payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        3 => practice().prop_map(Payload::Practice),
        1 => (hash(), practice()).prop_map(|(supersedes, practice)| {
            Payload::PracticeRevision(PracticeRevision { supersedes, practice })
        }),
        2 => update().prop_map(Payload::ActivityUpdate),
        2 => report().prop_map(Payload::ActivityReport),
        1 => (hash(), words(40)).prop_map(|(target, reason)| Payload::Retraction(Retraction { target, reason })),
        1 => (hash(), prop_oneof![Just(String::new()), words(40)])
            .prop_map(|(target, reason)| Payload::Erasure(Erasure { target, reason })),
        1 => hash().prop_map(|erasure| Payload::ErasureReceipt(ErasureReceipt { erasure })),
    ]
}

fn header() -> impl Strategy<Value = EntryHeader> {
    (
        hash(),
        any::<[u8; 32]>(),
        any::<u64>(),
        option::of(hash()),
        any::<i64>(),
        1u16..=6,
        hash(),
        any::<u32>(),
    )
        .prop_map(
            |(
                network_id,
                author,
                seq,
                prev,
                timestamp_ms,
                kind,
                payload_commitment,
                payload_len,
            )| {
                EntryHeader {
                    version: FORMAT_VERSION,
                    network_id,
                    author: PublicKey(author),
                    seq,
                    prev,
                    timestamp_ms,
                    kind,
                    payload_commitment,
                    payload_len,
                }
            },
        )
}

fn roster_action() -> impl Strategy<Value = RosterAction> {
    let key = || any::<[u8; 32]>().prop_map(PublicKey);
    prop_oneof![
        (key(), words(30), country()).prop_map(|(city, name, country)| RosterAction::Admit {
            city,
            name,
            country
        }),
        (key(), words(40)).prop_map(|(city, reason)| RosterAction::Suspend {
            city,
            reason,
            last_seq: 3
        }),
        key().prop_map(|city| RosterAction::Readmit { city }),
        (key(), key()).prop_map(|(old, new)| RosterAction::RotateKey {
            old,
            new,
            last_seq: 3
        }),
        (key(), any::<u64>(), words(40)).prop_map(|(city, cutoff_seq, reason)| {
            RosterAction::Revoke {
                city,
                cutoff_seq,
                reason,
            }
        }),
    ]
}

fn signed_roster_change() -> impl Strategy<Value = SignedRosterChange> {
    (
        hash(),
        any::<u64>(),
        option::of(hash()),
        any::<i64>(),
        roster_action(),
        vec((any::<[u8; 32]>(), vec(any::<u8>(), 64)), 0..4),
    )
        .prop_map(
            |(network_id, seq, prev, timestamp_ms, action, sigs)| SignedRosterChange {
                change: RosterChange {
                    version: FORMAT_VERSION,
                    network_id,
                    seq,
                    prev,
                    timestamp_ms,
                    action,
                },
                signatures: sigs
                    .into_iter()
                    .map(|(signer, sig)| CommitteeSignature {
                        signer: PublicKey(signer),
                        signature: SignatureBytes(sig.try_into().unwrap_or([0; 64])),
                    })
                    .collect(),
            },
        )
}

// ---------------------------------------------------------------- the full check

/// Decode, signature, then payload against the header: what a node runs on an entry it cannot
/// yet trust (the roster and chain rules depend on state and are tested in rules.rs).
fn full_check(entry: &[u8], blob: PayloadBlob) -> Result<VerifiedEntry, RecordError> {
    let entry = SignedEntry::decode(entry)?;
    VerifiedEntry::verify(entry, Some(blob))
}

fn full_check_wire(wire: &[u8]) -> Result<VerifiedEntry, RecordError> {
    let wire = WireEntry::decode(wire)?;
    let entry = SignedEntry::decode(&wire.entry)?;
    // The original carries a payload: losing it to a flipped bit counts as caught too.
    let blob = wire.payload.ok_or(RecordError::CommitmentMismatch)?;
    VerifiedEntry::verify(entry, Some(blob))
}

fn flip(bytes: &mut [u8], bit: usize) {
    bytes[bit / 8] ^= 1 << (bit % 8);
}

fn signed(
    seed: [u8; 32],
    seq: u64,
    payload: &Payload,
    salt: [u8; 16],
) -> (SignedEntry, PayloadBlob) {
    let prev = (seq > 1).then(|| Hash32::of(&seq.to_le_bytes()));
    SignedEntry::create_with_salt(
        &SecretKey::from_seed(seed),
        Hash32::of(b"network"),
        seq,
        prev,
        common::CREATED_MS,
        payload,
        salt,
    )
}

// ---------------------------------------------------------------- properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn payloads_roundtrip_and_validate(payload in payload()) {
        prop_assert_eq!(payload.validate(), Ok(()));
        let bytes = payload.to_bytes();
        // Version 2 when an extension field is present (here: an erasure's reason, §8.7).
        let extended = matches!(&payload, Payload::Erasure(e) if !e.reason.is_empty());
        prop_assert_eq!(bytes[0], if extended { 2 } else { FORMAT_VERSION });
        // The variant index (one byte for 0..=5) is the kind code minus one.
        prop_assert_eq!(u16::from(bytes[1]) + 1, payload.kind().code());
        let decoded = Payload::decode(&bytes).expect("decodes");
        prop_assert_eq!(&decoded, &payload);
        prop_assert_eq!(decoded.to_bytes(), bytes);
    }

    #[test]
    fn entry_headers_roundtrip(header in header(), sig in vec(any::<u8>(), 64)) {
        let header_bytes = codec::encode(&header);
        let mut bytes = header_bytes.clone();
        bytes.extend_from_slice(&sig);
        let entry = SignedEntry::decode(&bytes).expect("decodes");
        prop_assert_eq!(&entry.header, &header);
        prop_assert_eq!(&entry.signature.0[..], &sig[..]);
        prop_assert_eq!(entry.header_bytes(), &header_bytes[..]);
        prop_assert_eq!(entry.bytes(), &bytes[..]);
        prop_assert_eq!(entry.id(), Hash32::of(&bytes));
    }

    #[test]
    fn signed_entries_and_wire_entries_roundtrip(
        seed in any::<[u8; 32]>(),
        seq in 1u64..1_000_000,
        salt in any::<[u8; 16]>(),
        payload in payload(),
    ) {
        let (entry, blob) = signed(seed, seq, &payload, salt);
        let decoded = SignedEntry::decode(entry.bytes()).expect("decodes");
        prop_assert_eq!(&decoded, &entry);
        let verified = VerifiedEntry::verify(decoded, Some(blob.clone())).expect("verifies");
        prop_assert_eq!(verified.payload.as_ref().map(|(_, p)| p), Some(&payload));

        for wire in [WireEntry::new(&entry, Some(blob)), WireEntry::new(&entry, None)] {
            let bytes = wire.to_bytes();
            let back = WireEntry::decode(&bytes).expect("wire decodes");
            prop_assert_eq!(&back, &wire);
            prop_assert_eq!(back.to_bytes(), bytes);
        }
    }

    #[test]
    fn roster_changes_roundtrip(signed in signed_roster_change()) {
        let bytes = signed.to_bytes();
        let back = SignedRosterChange::decode(&bytes).expect("decodes");
        prop_assert_eq!(&back, &signed);
        prop_assert_eq!(back.to_bytes(), bytes);
        prop_assert_eq!(back.id(), Hash32::of(&signed.change.canonical_bytes()));
    }

    #[test]
    fn any_single_bit_flip_is_caught(
        seed in any::<[u8; 32]>(),
        seq in 1u64..1_000,
        salt in any::<[u8; 16]>(),
        payload in payload(),
        target in 0u8..4,
        at in any::<Index>(),
    ) {
        let (entry, blob) = signed(seed, seq, &payload, salt);
        prop_assert!(full_check(entry.bytes(), blob.clone()).is_ok());
        match target {
            0 => {
                let mut bytes = entry.bytes().to_vec();
                let bits = bytes.len() * 8;
                flip(&mut bytes, at.index(bits));
                prop_assert!(full_check(&bytes, blob).is_err());
            }
            1 => {
                let mut blob = blob;
                let bits = blob.bytes.len() * 8;
                flip(&mut blob.bytes, at.index(bits));
                prop_assert!(full_check(entry.bytes(), blob).is_err());
            }
            2 => {
                let mut blob = blob;
                flip(&mut blob.salt, at.index(16 * 8));
                prop_assert!(full_check(entry.bytes(), blob).is_err());
            }
            _ => {
                let mut wire = WireEntry::new(&entry, Some(blob)).to_bytes();
                let bits = wire.len() * 8;
                flip(&mut wire, at.index(bits));
                prop_assert!(full_check_wire(&wire).is_err());
            }
        }
    }
}

/// Every bit of one entry, its salt, its payload and its wire form, exhaustively.
#[test]
fn every_single_bit_flip_of_one_entry_is_caught() {
    let payload = Payload::Practice(common::practice());
    let (entry, blob) = signed([2; 32], 7, &payload, common::SALT);
    assert!(full_check(entry.bytes(), blob.clone()).is_ok());

    let mut accepted = Vec::new();
    for bit in 0..entry.bytes().len() * 8 {
        let mut bytes = entry.bytes().to_vec();
        flip(&mut bytes, bit);
        if full_check(&bytes, blob.clone()).is_ok() {
            accepted.push(format!("entry bit {bit}"));
        }
    }
    for bit in 0..16 * 8 {
        let mut b = blob.clone();
        flip(&mut b.salt, bit);
        if full_check(entry.bytes(), b).is_ok() {
            accepted.push(format!("salt bit {bit}"));
        }
    }
    for bit in 0..blob.bytes.len() * 8 {
        let mut b = blob.clone();
        flip(&mut b.bytes, bit);
        if full_check(entry.bytes(), b).is_ok() {
            accepted.push(format!("payload bit {bit}"));
        }
    }
    let wire = WireEntry::new(&entry, Some(blob)).to_bytes();
    for bit in 0..wire.len() * 8 {
        let mut w = wire.clone();
        flip(&mut w, bit);
        if full_check_wire(&w).is_ok() {
            accepted.push(format!("wire bit {bit}"));
        }
    }
    assert!(accepted.is_empty(), "flips accepted: {accepted:?}");
}
