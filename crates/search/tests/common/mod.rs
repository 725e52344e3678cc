//! Test fixtures: a real store in a temporary directory with a committee, admitted cities, and
//! helpers to publish practices, revisions, retractions, updates and reports.

#![allow(dead_code)]

use coalition_record::payload::{PracticeRevision, Retraction};
pub use coalition_record::testing::text;
use coalition_record::testing::{
    admit, bare_practice, committee_key, committee_signed, event_update, next_change,
};
use coalition_record::{
    ActivityReport, Charter, CommitmentReport, EntryId, Hash32, LangText, Payload, Practice,
    ReportStatus, RosterChange, SecretKey, SignedEntry, WireEntry,
};
use coalition_store::Store;
use tempfile::TempDir;

pub const T0: i64 = 1_750_000_000_000;

pub struct City {
    pub key: SecretKey,
    pub name: String,
    pub country: String,
}

pub struct Fixture {
    pub dir: TempDir,
    pub store: Store,
    pub cities: Vec<City>,
    clock: i64,
}

impl Fixture {
    /// A store with one committee key and these (name, country) cities admitted.
    pub fn new(cities: &[(&str, &str)]) -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let charter = Charter::new(
            "Search Test Coalition",
            vec![committee_key().public()],
            1,
            T0,
        )
        .expect("charter");
        let store = Store::create(&dir.path().join("store"), &charter).expect("store");
        let mut admitted = Vec::new();
        for (i, (name, country)) in cities.iter().enumerate() {
            let mut seed = [0u8; 32];
            seed[0] = 100;
            seed[1] = i as u8;
            seed[2] = (i >> 8) as u8;
            let key = SecretKey::from_seed(seed);
            let change = RosterChange {
                timestamp_ms: T0,
                ..next_change(&store.roster(), admit(key.public(), name, country))
            };
            store
                .apply_roster_change(&committee_signed(change))
                .expect("admit city");
            admitted.push(City {
                key,
                name: name.to_string(),
                country: country.to_string(),
            });
        }
        Fixture {
            dir,
            store,
            cities: admitted,
            clock: T0,
        }
    }

    /// Signs and appends `payload` as city `city`'s next entry, one second after the last.
    pub fn publish(&mut self, city: usize, payload: Payload) -> EntryId {
        self.clock += 1000;
        self.store
            .append_local(&self.cities[city].key, &payload, self.clock)
            .expect("append")
            .id()
    }

    /// A practice by city `city` with the city's own name and country.
    pub fn practice(
        &self,
        city: usize,
        title: &[(&str, &str)],
        summary: &[(&str, &str)],
        commitments: &[u8],
        year: i32,
    ) -> Practice {
        practice(
            title,
            summary,
            commitments,
            &self.cities[city].name,
            &self.cities[city].country,
            year,
        )
    }

    pub fn revise(&mut self, city: usize, supersedes: EntryId, practice: Practice) -> EntryId {
        self.publish(
            city,
            Payload::PracticeRevision(PracticeRevision {
                supersedes,
                practice,
            }),
        )
    }

    pub fn retract(&mut self, city: usize, target: EntryId) -> EntryId {
        self.publish(
            city,
            Payload::Retraction(Retraction {
                target,
                reason: "published by mistake".into(),
            }),
        )
    }

    pub fn update(&mut self, city: usize, title: &str, body: &str, commitments: &[u8]) -> EntryId {
        self.publish(
            city,
            Payload::ActivityUpdate(event_update(
                "2025-03-21",
                text(&[("en", title)]),
                text(&[("en", body)]),
                commitments,
            )),
        )
    }

    pub fn report(&mut self, city: usize, narrative: &str) -> EntryId {
        self.publish(
            city,
            Payload::ActivityReport(ActivityReport {
                cycle: None,
                city: self.cities[city].name.clone(),
                country: self.cities[city].country.clone(),
                period: "2024".into(),
                narrative: text(&[("en", narrative)]),
                commitments: vec![CommitmentReport {
                    commitment: 1,
                    status: ReportStatus::InProgress,
                    narrative: LangText::new(),
                    indicators: Vec::new(),
                }],
                illustrative: true,
                grounds: Vec::new(),
            }),
        )
    }

    /// Appends many payloads of city `city` in one durable batch (signed here, verified by the
    /// store), for large fixtures. Returns their ids.
    pub fn ingest_bulk(&mut self, city: usize, payloads: &[Payload]) -> Vec<EntryId> {
        let key = &self.cities[city].key;
        let (mut seq, mut prev) = match self.store.head(&key.public()) {
            Some((seq, id)) => (seq, Some(id)),
            None => (0, None),
        };
        let mut batch = Vec::with_capacity(payloads.len());
        let mut ids = Vec::with_capacity(payloads.len());
        for payload in payloads {
            seq += 1;
            self.clock += 1;
            let (entry, blob) =
                SignedEntry::create(key, self.store.network_id(), seq, prev, self.clock, payload);
            prev = Some(entry.id());
            ids.push(entry.id());
            batch.push(WireEntry::new(&entry, Some(blob)));
        }
        let outcomes = self.store.ingest(batch).expect("ingest");
        assert!(
            outcomes.iter().all(|o| o.is_stored()),
            "every bulk entry is stored: {:?}",
            outcomes.iter().find(|o| !o.is_stored())
        );
        ids
    }
}

pub fn practice(
    title: &[(&str, &str)],
    summary: &[(&str, &str)],
    commitments: &[u8],
    city: &str,
    country: &str,
    year: i32,
) -> Practice {
    Practice {
        city: city.into(),
        country: country.into(),
        ..bare_practice(
            text(title),
            text(summary),
            commitments,
            &format!("{year}-01"),
        )
    }
}

pub fn hex(id: &Hash32) -> String {
    id.to_hex()
}
