//! Publishing for the local city, shared by the JSON routes and the web form: fill city and
//! country from the roster, validate, sign and append durably, hand the entry to gossip, index it.

use crate::error::ApiError;
use crate::routes::AppState;
use coalition_record::{CityStatus, EntryId, Payload, PublicKey};
use serde::Serialize;
use std::time::Duration;

/// How long a publish waits for room in the gossip channel before leaving delivery to sync.
const GOSSIP_HANDOFF_TIMEOUT: Duration = Duration::from_secs(2);

/// What a successful publish returns.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub id: EntryId,
    pub author: PublicKey,
    pub seq: u64,
    pub kind: &'static str,
    /// Handed to the node's gossip channel (false: no channel, or it stayed full; periodic sync
    /// delivers the entry anyway).
    pub gossiped: bool,
    /// Applied to the full-text index (false: the index failed; a rebuild repairs it).
    pub indexed: bool,
}

/// Fills a practice's or report's empty city and country from the local city's roster entry.
pub fn fill_from_roster(payload: &mut Payload, name: &str, country: &str) {
    let fill = |city: &mut String, c: &mut String| {
        if city.trim().is_empty() {
            *city = name.to_string();
        }
        if c.trim().is_empty() {
            *c = country.to_string();
        }
    };
    match payload {
        Payload::Practice(p) => fill(&mut p.city, &mut p.country),
        Payload::PracticeRevision(r) => fill(&mut r.practice.city, &mut r.practice.country),
        Payload::ActivityReport(r) => fill(&mut r.city, &mut r.country),
        _ => {}
    }
}

/// The local city's name and country, or why this node cannot publish.
pub fn local_member(state: &AppState) -> Result<(String, String), ApiError> {
    let key = state
        .api
        .city_key
        .as_ref()
        .ok_or_else(|| ApiError::Forbidden {
            rule: "no_city_key".into(),
            message: "this node holds no city key, so it cannot publish".into(),
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

/// Validates and publishes `payload` for the local city.
pub async fn publish(state: &AppState, mut payload: Payload) -> Result<Published, ApiError> {
    let kind = payload.kind().name();
    let result = publish_inner(state, &mut payload).await;
    state
        .metrics
        .count_publish(kind, if result.is_ok() { "stored" } else { "rejected" });
    result
}

async fn publish_inner(state: &AppState, payload: &mut Payload) -> Result<Published, ApiError> {
    let (name, country) = local_member(state)?;
    let key = state
        .api
        .city_key
        .clone()
        .ok_or_else(|| ApiError::Internal("city key vanished".into()))?;
    fill_from_roster(payload, &name, &country);
    payload.validate()?;

    let store = state.api.store.clone();
    let to_append = payload.clone();
    let verified = tokio::task::spawn_blocking(move || {
        store.append_local(&key, &to_append, crate::time::now_ms())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("append task failed: {e}")))??;
    let id = verified.id();
    let header = &verified.entry.header;
    tracing::info!(%id, seq = header.seq, kind = payload.kind().name(), "published");

    let gossiped = match &state.api.published {
        Some(tx) => {
            match tokio::time::timeout(GOSSIP_HANDOFF_TIMEOUT, tx.send(verified.to_wire())).await {
                Ok(Ok(())) => true,
                Ok(Err(_)) | Err(_) => {
                    tracing::warn!(%id, "gossip channel closed or full; sync will deliver the entry");
                    state.metrics.count_gossip_handoff_failed();
                    false
                }
            }
        }
        None => false,
    };

    let mut ids = vec![id];
    if let Payload::Retraction(r) = &*payload {
        ids.push(r.target);
    }
    if let Payload::PracticeRevision(r) = &*payload {
        ids.push(r.supersedes);
    }
    let search = state.api.search.clone();
    let store = state.api.store.clone();
    let indexed = match tokio::task::spawn_blocking(move || search.apply(&store, &ids)).await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(%id, error = %e, "search index not updated; rebuild it to repair");
            false
        }
        Err(e) => {
            tracing::warn!(%id, error = %e, "search index task failed");
            false
        }
    };

    Ok(Published {
        id,
        author: header.author,
        seq: header.seq,
        kind: payload.kind().name(),
        gossiped,
        indexed,
    })
}
