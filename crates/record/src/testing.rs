//! Fixtures shared by the integration tests of several crates: the committee key and a stranger's
//! key from fixed seeds, language texts, a one-key charter, roster changes signed by the
//! committee, and practices and updates with every optional field empty.
//!
//! Compiled only with the `test-utils` feature, which crates turn on from their
//! `[dev-dependencies]` alone: no release build contains it. What each crate's tests assert on
//! (their cities, practices and timestamps) stays in that crate's `tests/common`.

use crate::{
    ActivityUpdate, Charter, Hash32, LangText, NetworkId, Period, Practice, PublicKey, Roster,
    RosterAction, RosterChange, SecretKey, SignedRosterChange, UpdateCategory, FORMAT_VERSION,
};

/// 2023-11-14T22:13:20Z: the creation time of the test charters and the date of the roster
/// changes built here.
pub const CREATED_MS: i64 = 1_700_000_000_000;

/// The one committee key of the test coalitions (seed `[1; 32]`).
pub fn committee_key() -> SecretKey {
    SecretKey::from_seed([1u8; 32])
}

/// A key on no roster (seed `[9; 32]`).
pub fn stranger_key() -> SecretKey {
    SecretKey::from_seed([9u8; 32])
}

/// A text in each of the given `(language, text)` pairs.
pub fn text(pairs: &[(&str, &str)]) -> LangText {
    pairs
        .iter()
        .map(|(lang, t)| (lang.to_string(), t.to_string()))
        .collect()
}

/// A charter named `name` whose committee is [`committee_key`] alone (threshold 1), created at
/// [`CREATED_MS`].
pub fn charter_named(name: &str) -> Charter {
    Charter::new(name, vec![committee_key().public()], 1, CREATED_MS)
        .expect("the test charter is valid")
}

/// Admits `city` as `name` in `country`.
pub fn admit(city: PublicKey, name: &str, country: &str) -> RosterAction {
    RosterAction::Admit {
        city,
        name: name.into(),
        country: country.into(),
    }
}

/// Roster change `seq` of the coalition `network_id`, naming `prev`, dated [`CREATED_MS`],
/// unsigned.
pub fn roster_change(
    network_id: NetworkId,
    seq: u64,
    prev: Option<Hash32>,
    action: RosterAction,
) -> RosterChange {
    RosterChange {
        version: FORMAT_VERSION,
        network_id,
        seq,
        prev,
        timestamp_ms: CREATED_MS,
        action,
    }
}

/// The change that follows `roster` (its next version, naming its head), dated [`CREATED_MS`],
/// unsigned.
pub fn next_change(roster: &Roster, action: RosterAction) -> RosterChange {
    roster_change(roster.network_id, roster.version + 1, roster.head, action)
}

/// `change` signed by [`committee_key`].
pub fn committee_signed(change: RosterChange) -> SignedRosterChange {
    let mut signed = SignedRosterChange::unsigned(change);
    signed.sign_with(&committee_key());
    signed
}

/// Roster change `seq` of `network_id` (see [`roster_change`]), signed by [`committee_key`].
pub fn signed_change(
    network_id: NetworkId,
    seq: u64,
    prev: Option<Hash32>,
    action: RosterAction,
) -> SignedRosterChange {
    committee_signed(roster_change(network_id, seq, prev, action))
}

/// A practice with a title, a summary, commitments and a start month and nothing else: no other
/// sections, themes, target groups, partners, links, grounds or contact, no end date, city and
/// country empty (publishing fills them from the roster), marked illustrative. Set other fields
/// with struct update syntax: `Practice { city: "Lyon".into(), ..bare_practice(…) }`.
pub fn bare_practice(
    title: LangText,
    summary: LangText,
    commitments: &[u8],
    start: &str,
) -> Practice {
    Practice {
        title,
        summary,
        body: LangText::new(),
        rationale: LangText::new(),
        approach: LangText::new(),
        results: LangText::new(),
        transferability: LangText::new(),
        commitments: commitments.to_vec(),
        themes: Vec::new(),
        target_groups: Vec::new(),
        partners: Vec::new(),
        city: String::new(),
        country: String::new(),
        period: Period {
            start: start.into(),
            end: None,
        },
        links: Vec::new(),
        contact: None,
        illustrative: true,
        grounds: Vec::new(),
        partner_types: Vec::new(),
    }
}

/// An update about an event on `date` (`YYYY-MM-DD`), with no links or grounds, marked
/// illustrative.
pub fn event_update(
    date: &str,
    title: LangText,
    text: LangText,
    commitments: &[u8],
) -> ActivityUpdate {
    ActivityUpdate {
        date: date.into(),
        category: UpdateCategory::Event,
        title,
        text,
        commitments: commitments.to_vec(),
        links: Vec::new(),
        illustrative: true,
        grounds: Vec::new(),
    }
}
