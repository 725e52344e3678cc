//! A running node's erasure duty (issue #16). Whenever the store has applied an erasure — the
//! city's own, a peer's, or a committee order, arrived by gossip, sync or a local publish — and
//! once at start (an erasure stored by a run that stopped before finishing): finish deleting the
//! payload from the store's files, take the target out of the search index and rewrite the index
//! segments that still hold it, then sign this city's receipt and gossip it. A receipt is
//! signed only once the payload is gone from both. Observer nodes (no city key) do the deleting
//! and sign nothing. With `[privacy] contact_retention_years`, it also erases the contact
//! person of this city's practices older than that, hourly.

use coalition_net::NetHandle;
use coalition_record::erasure::ErasureReceipt;
use coalition_record::{EntryId, Payload, SecretKey, WireEntry};
use coalition_search::SearchIndex;
use coalition_store::Store;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// How often the duty looks at the store's erasure counter (one atomic load).
const POLL: Duration = Duration::from_millis(500);
/// How often it tries again when a receipt could not be signed (e.g. the city is suspended).
const RETRY: Duration = Duration::from_secs(60);
/// How often the retention setting is applied (and once at start).
const RETENTION_EVERY: Duration = Duration::from_secs(3600);
const YEAR_MS: i64 = 365 * 24 * 3600 * 1000 + 6 * 3600 * 1000;

/// The retention setting: erases the contact person of this city's practices whose entry is
/// older than `years` (the current version is published again without it first). Returns the
/// entries signed, to be gossiped.
pub(crate) fn apply_retention(
    store: &Store,
    key: &SecretKey,
    years: u32,
    now_ms: i64,
) -> anyhow::Result<Vec<WireEntry>> {
    let city = key.public();
    let cutoff = now_ms.saturating_sub(i64::from(years) * YEAR_MS);
    let reason = format!("contact data older than {years} years (this city's retention setting)");
    let mut signed = Vec::new();
    let old = store.query(&coalition_store::Query {
        kinds: Some(vec![
            coalition_record::PayloadKind::Practice.code(),
            coalition_record::PayloadKind::PracticeRevision.code(),
        ]),
        author: Some(city),
        until_ms: Some(cutoff),
        include_inactive: true,
        ..coalition_store::Query::default()
    })?;
    for entry in old {
        let holds_contact = entry
            .payload()
            .and_then(Payload::practice)
            .is_some_and(|p| p.contact.is_some());
        if !holds_contact || store.erasure_known(&entry.id())? {
            continue;
        }
        let payloads = store.erasure_payloads_for(&city, &entry.id(), &reason)?;
        for appended in store.publish_local(key, &payloads, now_ms)? {
            if !appended.existing {
                signed.push(appended.entry.to_wire());
            }
        }
    }
    Ok(signed)
}

/// What one pass did.
#[derive(Debug, Default)]
pub(crate) struct Pass {
    /// Payloads deleted by this pass (not already by the write that stored the erasure).
    pub deleted: usize,
    /// Index segments rewritten without erased documents.
    pub segments: usize,
    /// Receipts signed, to be gossiped.
    pub receipts: Vec<WireEntry>,
    /// Receipts still due (could not be signed now).
    pub due: usize,
}

/// One pass: delete, unindex, confirm. `indexed` holds the erasures already taken out of the
/// index by this run.
pub(crate) fn pass(
    store: &Store,
    search: &SearchIndex,
    key: Option<&SecretKey>,
    indexed: &mut HashSet<EntryId>,
    now_ms: i64,
) -> anyhow::Result<Pass> {
    let mut out = Pass {
        deleted: store.purge_erased()?,
        ..Pass::default()
    };
    let erasures = store.erasures()?;
    let fresh: Vec<EntryId> = erasures
        .iter()
        .filter(|e| !indexed.contains(&e.id))
        .map(|e| e.target)
        .collect();
    if !fresh.is_empty() {
        // Read again from the store, an erased target is no document: apply drops it.
        search.apply(store, &fresh)?;
        out.segments = search.purge_deleted()?;
        indexed.extend(erasures.iter().map(|e| e.id));
    }
    let Some(key) = key else {
        return Ok(out);
    };
    for erasure in store.erasures_awaiting_receipt(&key.public())? {
        let receipt = Payload::ErasureReceipt(ErasureReceipt {
            erasure: erasure.id,
        });
        match store.publish_local(key, &[receipt], now_ms) {
            Ok(appended) => out.receipts.extend(
                appended
                    .into_iter()
                    .filter(|a| !a.existing)
                    .map(|a| a.entry.to_wire()),
            ),
            Err(error) => {
                out.due += 1;
                tracing::warn!(erasure = %erasure.id, %error, "could not sign this city's erasure receipt yet; trying again");
            }
        }
    }
    Ok(out)
}

/// Runs the duty until the network stops.
pub(crate) async fn run(
    net: NetHandle,
    store: Arc<Store>,
    search: Arc<SearchIndex>,
    key: Option<Arc<SecretKey>>,
    contact_retention_years: Option<u32>,
) {
    let mut indexed = HashSet::new();
    let mut retention_at = tokio::time::Instant::now();
    // u64::MAX: a first pass at start whatever the counter says.
    let mut seen = u64::MAX;
    let mut retry_at: Option<tokio::time::Instant> = None;
    loop {
        if let (Some(years), Some(k), true) = (
            contact_retention_years,
            key.clone(),
            tokio::time::Instant::now() >= retention_at,
        ) {
            retention_at = tokio::time::Instant::now() + RETENTION_EVERY;
            let s = store.clone();
            let signed = tokio::task::spawn_blocking(move || {
                apply_retention(&s, &k, years, coalition_record::calendar::now_ms())
            })
            .await;
            match signed {
                Ok(Ok(entries)) => {
                    if !entries.is_empty() {
                        tracing::info!(
                            entries = entries.len(),
                            years,
                            "erased contact data past the retention setting"
                        );
                    }
                    for entry in entries {
                        if let Err(e) = net.publish(entry).await {
                            tracing::warn!(error = %e, "could not gossip an erasure; sync will deliver it");
                        }
                    }
                }
                Ok(Err(error)) => {
                    tracing::warn!(%error, "could not apply the contact retention setting; trying again in an hour")
                }
                Err(_) => return,
            }
        }
        let applied = store.erasures_applied();
        let retry = retry_at.is_some_and(|at| tokio::time::Instant::now() >= at);
        if applied != seen || retry {
            seen = applied;
            let (s, se, k) = (store.clone(), search.clone(), key.clone());
            let mut done = std::mem::take(&mut indexed);
            let result = tokio::task::spawn_blocking(move || {
                let r = pass(
                    &s,
                    &se,
                    k.as_deref(),
                    &mut done,
                    coalition_record::calendar::now_ms(),
                );
                (r, done)
            })
            .await;
            let Ok((result, done)) = result else {
                return;
            };
            indexed = done;
            match result {
                Ok(p) => {
                    if p.deleted > 0 || p.segments > 0 || !p.receipts.is_empty() {
                        tracing::info!(
                            deleted = p.deleted,
                            index_segments = p.segments,
                            receipts = p.receipts.len(),
                            "applied erasures: payloads deleted from the store and the search index"
                        );
                    }
                    retry_at = (p.due > 0).then(|| tokio::time::Instant::now() + RETRY);
                    for entry in p.receipts {
                        if let Err(e) = net.publish(entry).await {
                            tracing::warn!(error = %e, "could not gossip an erasure receipt; sync will deliver it");
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "the erasure duty failed; trying again");
                    retry_at = Some(tokio::time::Instant::now() + RETRY);
                }
            }
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coalition_record::{
        Charter, Contact, LangText, Period, Practice, RosterAction, RosterChange,
        SignedRosterChange, FORMAT_VERSION,
    };

    const T0: i64 = 1_600_000_000_000;

    fn practice(title: &str, contact: bool) -> Payload {
        let text: LangText = [("en".to_string(), title.to_string())].into();
        Payload::Practice(Practice {
            title: text.clone(),
            summary: text,
            body: LangText::new(),
            rationale: LangText::new(),
            approach: LangText::new(),
            results: LangText::new(),
            transferability: LangText::new(),
            commitments: vec![3],
            themes: vec!["housing".into()],
            target_groups: Vec::new(),
            partners: Vec::new(),
            city: "Valmeuse".into(),
            country: "BE".into(),
            period: Period {
                start: "2019-01".into(),
                end: None,
            },
            links: Vec::new(),
            contact: contact.then(|| Contact {
                name: "A. Person".into(),
                role: None,
                email: Some("a.person@valmeuse.example".into()),
                phone: None,
            }),
            illustrative: true,
            grounds: Vec::new(),
            partner_types: Vec::new(),
        })
    }

    #[test]
    fn retention_erases_only_old_contact_data_and_keeps_the_practice() {
        let tmp = tempfile::tempdir().expect("tmp");
        let committee = SecretKey::from_seed([1; 32]);
        let city = SecretKey::from_seed([2; 32]);
        let charter = Charter::new("Retention", vec![committee.public()], 1, T0).expect("charter");
        let store = Store::create(&tmp.path().join("store"), &charter).expect("store");
        let mut admit = SignedRosterChange::unsigned(RosterChange {
            version: FORMAT_VERSION,
            network_id: charter.network_id(),
            seq: 1,
            prev: None,
            timestamp_ms: T0,
            action: RosterAction::Admit {
                city: city.public(),
                name: "Valmeuse".into(),
                country: "BE".into(),
            },
        });
        admit.sign_with(&committee);
        store.apply_roster_change(&admit).expect("admit");
        let now = T0 + 6 * YEAR_MS;
        let old = store
            .append_local(&city, &practice("Old, with contact", true), T0)
            .expect("old")
            .id();
        let old_plain = store
            .append_local(&city, &practice("Old, no contact", false), T0 + 1)
            .expect("old plain")
            .id();
        let recent = store
            .append_local(
                &city,
                &practice("Recent, with contact", true),
                now - YEAR_MS,
            )
            .expect("recent")
            .id();

        let signed = apply_retention(&store, &city, 5, now).expect("retention");
        assert_eq!(
            signed.len(),
            2,
            "a revision without the contact, then the erasure"
        );
        assert!(!store.payload_held(&old).expect("read"));
        assert!(store.payload_held(&old_plain).expect("read"));
        assert!(store.payload_held(&recent).expect("read"));
        let erasures = store.erasures().expect("erasures");
        assert_eq!(erasures.len(), 1);
        assert_eq!(erasures[0].target, old);
        assert!(
            erasures[0].reason.contains("older than 5 years"),
            "{}",
            erasures[0].reason
        );
        // Applied again: nothing more to do (the revision carries no contact).
        assert!(apply_retention(&store, &city, 5, now)
            .expect("again")
            .is_empty());
        // Off for a longer setting.
        assert!(apply_retention(&store, &city, 10, now)
            .expect("10 years")
            .is_empty());
    }
}
