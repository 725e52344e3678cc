//! coalition-audit: what the Steering Committee reads.
//!
//! - [`audit`] walks a [`coalition_store::Store`] and states, per member city, what its log holds
//!   and whether it verifies (signatures, chains, payload commitments), its gaps, fork proofs,
//!   retractions and activity reports, and coalition-wide who reported on which commitment.
//!   The [`AuditReport`] serialises to JSON and renders to Markdown and standalone HTML; it can be
//!   signed with a committee key ([`sign_report`], [`verify_signed_report`]).
//! - [`export`] writes a self-contained [`Bundle`] (charter, full roster history, entries with
//!   payloads, fork proofs) and [`verify_bundle`] checks one with no store at all.

mod bundle;
mod error;
mod render;
mod report;
mod signing;

pub use bundle::{
    export, verify_bundle, Bundle, BundleCity, BundleFailure, BundleVerdict, BUNDLE_MAGIC,
    BUNDLE_VERSION,
};
pub use error::AuditError;
pub use render::{render_html, render_markdown};
pub use report::{
    audit, period_covers, AuditReport, CityAudit, CityProblem, CoalitionSummary, CommitmentCount,
    ForkAudit, GapAudit, ReportAudit, RetractionAudit,
};
pub use signing::{
    canonical_json, sign_report, verify_signed_report, ReportSignature, SignedAuditReport,
    AUDIT_SIGNING_TAG,
};
