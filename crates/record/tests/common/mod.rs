//! Fixtures shared by the integration tests: keys, a charter, a roster with one admitted city,
//! sample payloads of each kind, and helpers that sign hand-made headers (to build records that
//! break exactly one rule). The generic ones come from `coalition_record::testing`.

#![allow(dead_code)]

use coalition_record::codec;
pub use coalition_record::testing::{
    bare_practice, committee_key, committee_signed, event_update, next_change, roster_change,
    signed_change, stranger_key, text, CREATED_MS,
};
use coalition_record::{
    ActivityReport, ActivityUpdate, Charter, CommitmentReport, Contact, EntryHeader, Hash32,
    Indicator, NetworkId, Payload, PayloadBlob, Period, Practice, PublicKey, RecordError,
    ReportStatus, Roster, RosterAction, SecretKey, SignedEntry, SignedRosterChange, VerifiedEntry,
    FORMAT_VERSION,
};

pub const SALT: [u8; 16] = [3u8; 16];

pub fn city_key() -> SecretKey {
    SecretKey::from_seed([2u8; 32])
}

pub fn charter() -> Charter {
    coalition_record::testing::charter_named("Test Coalition")
}

pub fn admit_action(city: PublicKey) -> RosterAction {
    coalition_record::testing::admit(city, "Testville", "FR")
}

/// The change that admits the test city, signed by the committee (roster version 1).
pub fn admit_change(charter: &Charter) -> SignedRosterChange {
    signed_change(
        charter.network_id(),
        1,
        None,
        admit_action(city_key().public()),
    )
}

/// The roster after the admit change.
pub fn roster(charter: &Charter) -> Roster {
    let mut roster = Roster::empty(charter.network_id());
    roster
        .apply(charter, &admit_change(charter))
        .expect("admit applies");
    roster
}

/// Signs the next change of `roster` with the committee key and applies it.
pub fn apply_next(
    charter: &Charter,
    roster: &mut Roster,
    action: RosterAction,
) -> Result<(), RecordError> {
    let signed = committee_signed(next_change(roster, action));
    roster.apply(charter, &signed)
}

/// The small practice of the test vectors in docs/PROTOCOL.md.
pub fn vector_practice() -> Practice {
    Practice {
        themes: vec!["housing".into()],
        city: "Testville".into(),
        country: "FR".into(),
        ..bare_practice(
            text(&[
                ("en", "Testing rental agencies"),
                ("fr", "Tester les agences"),
            ]),
            text(&[("en", "Paired testing of rental agencies.")]),
            &[3, 7],
            "2024-01",
        )
    }
}

/// A fuller practice: every section, a contact, links.
pub fn practice() -> Practice {
    Practice {
        title: text(&[
            ("en", "Discrimination testing in rental housing"),
            ("fr", "Tests de discrimination dans le logement locatif"),
        ]),
        summary: text(&[
            (
                "en",
                "Paired testers apply for the same flats; refusals are followed up.",
            ),
            (
                "fr",
                "Des testeurs appariés postulent pour les mêmes logements.",
            ),
        ]),
        body: text(&[("en", "The city commissions an NGO to run paired tests.")]),
        rationale: text(&[("en", "Complaints alone under-report discrimination.")]),
        approach: text(&[("en", "Two testers, same profile, different origin.")]),
        results: text(&[("en", "Three agencies changed their screening.")]),
        transferability: text(&[("en", "Needs a partner NGO and a legal adviser.")]),
        commitments: vec![3, 7],
        themes: vec!["housing".into(), "testing".into()],
        target_groups: vec!["tenants".into()],
        partners: vec!["Tenants' union".into()],
        city: "Testville".into(),
        country: "FR".into(),
        period: Period {
            start: "2023-03".into(),
            end: Some("2025-12".into()),
        },
        links: vec!["https://testville.example/housing".into()],
        contact: Some(Contact {
            name: "Equality office".into(),
            role: Some("Coordinator".into()),
            email: Some("equality@testville.example".into()),
            phone: None,
        }),
        illustrative: true,
        grounds: Vec::new(),
        partner_types: Vec::new(),
    }
}

pub fn update() -> ActivityUpdate {
    event_update(
        "2025-03-21",
        text(&[
            ("en", "Day against racism"),
            ("fr", "Journée contre le racisme"),
        ]),
        text(&[("en", "Open day at the anti-discrimination office.")]),
        &[1, 4],
    )
}

pub fn report() -> ActivityReport {
    ActivityReport {
        cycle: None,
        city: "Testville".into(),
        country: "FR".into(),
        period: "2024".into(),
        narrative: text(&[("en", "A year of housing tests.")]),
        commitments: vec![CommitmentReport {
            commitment: 7,
            status: ReportStatus::InProgress,
            narrative: text(&[("en", "120 paired tests.")]),
            indicators: vec![Indicator {
                name: "paired tests".into(),
                value: 120.0,
                unit: "tests".into(),
            }],
        }],
        illustrative: true,
        grounds: Vec::new(),
    }
}

/// Encodes `header`, signs it with `key` and returns the entry bytes (header bytes || signature).
pub fn sign_header(key: &SecretKey, header: &EntryHeader) -> Vec<u8> {
    sign_header_bytes(key, codec::encode(header))
}

/// Signs arbitrary header bytes (which may be non-canonical or malformed) as a city would.
pub fn sign_header_bytes(key: &SecretKey, header_bytes: Vec<u8>) -> Vec<u8> {
    let signature = key.sign(&EntryHeader::signing_message(&header_bytes));
    let mut bytes = header_bytes;
    bytes.extend_from_slice(&signature.0);
    bytes
}

/// A header by the test city for `blob`, kind taken from `kind`.
pub fn header_for(
    network_id: NetworkId,
    seq: u64,
    prev: Option<Hash32>,
    kind: u16,
    blob: &PayloadBlob,
) -> EntryHeader {
    EntryHeader {
        version: FORMAT_VERSION,
        network_id,
        author: city_key().public(),
        seq,
        prev,
        timestamp_ms: CREATED_MS,
        kind,
        payload_commitment: blob.commitment(),
        payload_len: u32::try_from(blob.bytes.len()).expect("small payload"),
    }
}

/// The stateless rules in the order of docs/PROTOCOL.md: decode (size, canonical form,
/// version) → network id → author on roster → signature → payload (length, commitment,
/// decode, kind, schema). Chain position is checked separately with `chain_position`.
pub fn full_check(
    network_id: &NetworkId,
    roster: &Roster,
    entry_bytes: &[u8],
    blob: Option<PayloadBlob>,
) -> Result<VerifiedEntry, RecordError> {
    let entry = SignedEntry::decode(entry_bytes)?;
    entry.check_network(network_id)?;
    roster.check_author(&entry.header.author, entry.header.seq)?;
    VerifiedEntry::verify(entry, blob)
}

/// A valid entry by the test city carrying `payload`.
pub fn entry(
    network_id: NetworkId,
    seq: u64,
    prev: Option<Hash32>,
    payload: &Payload,
) -> (SignedEntry, PayloadBlob) {
    SignedEntry::create_with_salt(
        &city_key(),
        network_id,
        seq,
        prev,
        CREATED_MS,
        payload,
        SALT,
    )
}
