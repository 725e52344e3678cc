//! A running node's erasure duty (issue #16). Whenever the store has applied an erasure — the
//! city's own, a peer's, or a committee order, arrived by gossip, sync or a local publish — and
//! once at start (an erasure stored by a run that stopped before finishing): finish deleting the
//! payload from the store's files, take the target out of the search index and rewrite the index
//! segments that still hold it, then sign this city's receipt and gossip it. A receipt is
//! signed only once the payload is gone from both. Observer nodes (no city key) do the deleting
//! and sign nothing.

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

/// What one pass did.
#[derive(Debug, Default)]
pub struct Pass {
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
pub fn pass(
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
pub async fn run(
    net: NetHandle,
    store: Arc<Store>,
    search: Arc<SearchIndex>,
    key: Option<Arc<SecretKey>>,
) {
    let mut indexed = HashSet::new();
    // u64::MAX: a first pass at start whatever the counter says.
    let mut seen = u64::MAX;
    let mut retry_at: Option<tokio::time::Instant> = None;
    loop {
        let applied = store.erasures_applied();
        let retry = retry_at.is_some_and(|at| tokio::time::Instant::now() >= at);
        if applied != seen || retry {
            seen = applied;
            let (s, se, k) = (store.clone(), search.clone(), key.clone());
            let mut done = std::mem::take(&mut indexed);
            let result = tokio::task::spawn_blocking(move || {
                let r = pass(&s, &se, k.as_deref(), &mut done, crate::commands::now_ms());
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
