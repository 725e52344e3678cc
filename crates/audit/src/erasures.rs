//! Erasures in the audit (issue #16): every erasure this node holds — a city's own or a
//! committee order — with the member cities whose nodes signed a receipt for it and those that
//! have not yet, so a city can answer a data subject and the committee can follow up.

use crate::html::ok_or_bad;
use crate::AuditError;
use coalition_i18n::{fill, Ui};
use coalition_record::calendar::date_of_ms as date;
use coalition_record::{CityStatus, EntryId, PublicKey};
use coalition_store::Store;
use maud::{html, Markup};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// One member city's receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureConfirmation {
    /// The city's roster name.
    pub city: String,
    /// Its key.
    pub key: PublicKey,
    /// When its node signed the receipt (ms since the epoch).
    pub at_ms: i64,
}

/// One erasure (a city's own or a committee order) and who has confirmed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureAudit {
    /// The erasure's (or order's) entry: what receipts name.
    pub erasure: EntryId,
    /// The city whose log carries it.
    pub published_by: String,
    /// The carrying entry's timestamp (ms since the Unix epoch, the publisher's clock).
    pub timestamp_ms: i64,
    /// The entry whose payload is erased, and its city when this node holds the entry.
    pub target: EntryId,
    /// None when this node does not hold the target entry.
    pub target_city: Option<String>,
    /// Why, in the signer's words.
    pub reason: String,
    /// A committee order rather than the target city's own erasure.
    pub by_committee: bool,
    /// Active member cities whose nodes confirmed, with when.
    pub confirmed: Vec<ErasureConfirmation>,
    /// Active member cities whose nodes have not confirmed yet (offline, behind, or observers
    /// that cannot sign).
    pub missing: Vec<String>,
}

/// Every erasure held, oldest first, with its receipts against the active members.
pub fn audit_erasures(store: &Store) -> Result<Vec<ErasureAudit>, AuditError> {
    let roster = store.roster();
    let name = |key: &PublicKey| {
        roster.cities.get(key).map_or_else(
            || format!("unknown city {}", key.short()),
            |m| m.name.clone(),
        )
    };
    let receipts = store.erasure_receipts()?;
    let mut members: Vec<(&PublicKey, &str)> = roster
        .cities
        .iter()
        .filter(|(_, m)| matches!(m.status, CityStatus::Active))
        .map(|(k, m)| (k, m.name.as_str()))
        .collect();
    members.sort_by(|a, b| a.1.cmp(b.1));
    let mut out = Vec::new();
    for e in store.erasures()? {
        let by = receipts.get(&e.id);
        let mut confirmed = Vec::new();
        let mut missing = Vec::new();
        for (key, city) in &members {
            match by.and_then(|m| m.get(*key)) {
                Some(at) => confirmed.push(ErasureConfirmation {
                    city: city.to_string(),
                    key: **key,
                    at_ms: *at,
                }),
                None => missing.push(city.to_string()),
            }
        }
        let target_city = store
            .entry(&e.target)?
            .map(|t| name(&t.entry.header.author));
        out.push(ErasureAudit {
            erasure: e.id,
            published_by: name(&e.author),
            timestamp_ms: e.timestamp_ms,
            target: e.target,
            target_city,
            reason: e.reason,
            by_committee: e.by_committee,
            confirmed,
            missing,
        });
    }
    Ok(out)
}

fn who(e: &ErasureAudit) -> String {
    if e.by_committee {
        format!("committee order, published by {}", e.published_by)
    } else {
        e.published_by.clone()
    }
}

fn confirmed_list(e: &ErasureAudit) -> String {
    if e.confirmed.is_empty() {
        return "none yet".into();
    }
    e.confirmed
        .iter()
        .map(|c| format!("{} ({})", c.city, date(c.at_ms)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn missing_list(e: &ErasureAudit) -> String {
    if e.missing.is_empty() {
        "none".into()
    } else {
        e.missing.join(", ")
    }
}

pub(crate) fn render_erasures_markdown(erasures: &[ErasureAudit]) -> String {
    let mut md = String::from("## Erasures of personal data\n\n");
    md.push_str(
        "| erased entry | city | by | date | reason | confirmed by | not confirmed yet |\n| --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for e in erasures {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            e.target.short(),
            e.target_city.as_deref().unwrap_or("not held here"),
            who(e),
            date(e.timestamp_ms),
            e.reason.replace('|', "/"),
            confirmed_list(e),
            missing_list(e)
        );
    }
    md
}

pub(crate) fn erasures_html(erasures: &[ErasureAudit], ui: Ui) -> Markup {
    let t = ui.t();
    html! {
        h2 id="erasures" { (t.au_erasures) }
        table {
            thead {
                tr {
                    th { (t.au_erased_entry) }
                    th { (t.city) }
                    th { (t.au_by) }
                    th { (t.au_date) }
                    th { (t.au_reason) }
                    th { (t.au_confirmed_by) }
                    th { (t.au_not_confirmed) }
                }
            }
            tbody {
                @for e in erasures {
                    tr {
                        td { code { (e.target.short()) } }
                        td { (e.target_city.as_deref().unwrap_or(t.au_not_held)) }
                        td {
                            @if e.by_committee {
                                (fill(t.au_committee_order, &[("city", &e.published_by)]))
                            } @else {
                                (e.published_by)
                            }
                        }
                        td { (ui.date(&date(e.timestamp_ms))) }
                        td { (e.reason) }
                        td class="ok" {
                            @if e.confirmed.is_empty() {
                                (t.au_none_yet)
                            } @else {
                                (e.confirmed
                                    .iter()
                                    .map(|c| format!("{} ({})", c.city, ui.date(&date(c.at_ms))))
                                    .collect::<Vec<_>>()
                                    .join(", "))
                            }
                        }
                        td class=(ok_or_bad(e.missing.is_empty())) {
                            @if e.missing.is_empty() {
                                (t.au_none)
                            } @else {
                                (e.missing.join(", "))
                            }
                        }
                    }
                }
            }
        }
    }
}
