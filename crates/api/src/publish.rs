//! Publishing for the local city, shared by the JSON routes and the web form: fill city and
//! country from the roster, validate, sign and append durably, hand the entry to gossip, and wait
//! (bounded) until the node's indexer has applied it, so it is searchable when answered.

use crate::error::ApiError;
use crate::state::AppState;
use coalition_record::{CityStatus, EntryId, Payload, PublicKey};
use serde::Serialize;
use std::time::Duration;

/// How long a publish waits for room in the gossip channel before leaving delivery to sync.
const GOSSIP_HANDOFF_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a publish waits for the indexer to apply it before answering anyway (`indexed`
/// false: the entry is stored, and the indexer applies it as soon as it can).
const INDEX_WAIT: Duration = Duration::from_secs(5);

/// What a successful publish returns.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Published {
    pub id: EntryId,
    pub author: PublicKey,
    pub seq: u64,
    pub kind: &'static str,
    /// Handed to the node's gossip channel (false: no channel, or it stayed full; periodic sync
    /// delivers the entry anyway).
    pub gossiped: bool,
    /// Applied to the full-text index when answered (false: not within a few seconds, or this
    /// node keeps no index; the node's indexer applies it as soon as it can).
    pub indexed: bool,
    /// The city had already published this document; this is that entry (HTTP 200, not 201).
    pub existing: bool,
}

/// The local city's name and country, or why this node cannot publish.
pub(crate) fn local_member(state: &AppState) -> Result<(String, String), ApiError> {
    let key = state
        .api
        .city_key
        .as_ref()
        .ok_or_else(|| ApiError::Forbidden {
            rule: "no_city_key".into(),
            message: "this node holds no city key (an observer, or a city key not installed), so it cannot publish".into(),
        })?;
    let roster = state.api.store.roster();
    let member = roster
        .cities
        .get(&key.public())
        .ok_or_else(|| ApiError::Forbidden {
            rule: "unknown_author".into(),
            message: format!(
                "this node's city key {} is not on the roster; the Steering Committee must admit it first",
                key.public()
            ),
        })?;
    if member.status != CityStatus::Active {
        return Err(ApiError::Forbidden {
            rule: "author_not_active".into(),
            message: format!(
                "{} is {} on the roster; new entries are refused",
                member.name,
                crate::views::state_name(&member.status)
            ),
        });
    }
    Ok((member.name.clone(), member.country.clone()))
}

/// Validates and publishes `payload` for the local city. A document the city already published
/// is not signed again: the answer names the existing entry (`existing: true`).
pub(crate) async fn publish(state: &AppState, payload: Payload) -> Result<Published, ApiError> {
    publish_many(state, vec![payload])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("a publish returned no entry".into()))
}

/// Publishes several documents in one durable write: all are stored, or none.
pub(crate) async fn publish_many(
    state: &AppState,
    payloads: Vec<Payload>,
) -> Result<Vec<Published>, ApiError> {
    let kinds: Vec<&'static str> = payloads.iter().map(|p| p.kind().name()).collect();
    let result = publish_inner(state, payloads).await;
    for kind in kinds {
        state
            .metrics
            .count_publish(kind, if result.is_ok() { "stored" } else { "rejected" });
    }
    result
}

async fn publish_inner(
    state: &AppState,
    payloads: Vec<Payload>,
) -> Result<Vec<Published>, ApiError> {
    local_member(state)?;
    let key = state
        .api
        .city_key
        .clone()
        .ok_or_else(|| ApiError::Internal("city key vanished".into()))?;
    let store = state.api.store.clone();
    // City and country are filled from (and checked against) the roster by the store.
    let appended = tokio::task::spawn_blocking(move || {
        store.publish_local(&key, &payloads, crate::time::now_ms())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("append task failed: {e}")))??;

    let mut out = Vec::with_capacity(appended.len());
    // The highest seq answered (new or already published: an entry stored before a crash may
    // still be on its way into the index): the indexer applies a log in order, so covering it
    // covers them all.
    let mut to_index = None;
    for a in &appended {
        let id = a.entry.id();
        let header = &a.entry.entry.header;
        let kind = a
            .entry
            .payload
            .as_ref()
            .map_or("entry", |(_, p)| p.kind().name());
        let mut gossiped = false;
        if a.existing {
            tracing::info!(%id, seq = header.seq, kind, "already published; answering with the existing entry");
        } else {
            tracing::info!(%id, seq = header.seq, kind, "published");
            gossiped = gossip(state, a.entry.to_wire(), id).await;
        }
        to_index = to_index.max(Some((header.author, header.seq)));
        out.push(Published {
            id,
            author: header.author,
            seq: header.seq,
            kind,
            gossiped,
            indexed: true,
            existing: a.existing,
        });
    }
    if let Some((author, seq)) = to_index {
        let indexed = indexed(state, author, seq).await;
        for p in out.iter_mut() {
            p.indexed = indexed;
        }
    }
    Ok(out)
}

async fn gossip(state: &AppState, wire: coalition_record::WireEntry, id: EntryId) -> bool {
    let Some(tx) = &state.api.published else {
        return false;
    };
    match tokio::time::timeout(GOSSIP_HANDOFF_TIMEOUT, tx.send(wire)).await {
        Ok(Ok(())) => true,
        Ok(Err(_)) | Err(_) => {
            tracing::warn!(%id, "gossip channel closed or full; sync will deliver the entry");
            state.metrics.count_gossip_handoff_failed();
            false
        }
    }
}

/// Wakes the indexer and waits until it has applied `author`'s log up to `seq`, at most
/// [`INDEX_WAIT`].
async fn indexed(state: &AppState, author: PublicKey, seq: u64) -> bool {
    let Some(indexer) = state.api.indexer.clone() else {
        return false;
    };
    match tokio::task::spawn_blocking(move || indexer.wait_applied(&author, seq, INDEX_WAIT)).await
    {
        Ok(true) => true,
        Ok(false) => {
            tracing::warn!(seq, "the search index has not applied a publish yet; the indexer applies it as soon as it can");
            false
        }
        Err(e) => {
            tracing::warn!(error = %e, "waiting for the search indexer failed");
            false
        }
    }
}
