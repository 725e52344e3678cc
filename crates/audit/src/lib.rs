//! coalition-audit: what the Steering Committee reads.
//!
//! - [`audit`] walks a [`coalition_store::Store`] and states, per member city, what its log holds
//!   and whether it verifies (signatures, chains, payload commitments), its gaps, fork proofs,
//!   retractions and activity reports, and coalition-wide who reported on which commitment.
//!   The [`AuditReport`] serialises to JSON and renders to Markdown and standalone HTML; it can be
//!   signed with a committee key ([`sign_report`], [`verify_signed_report`]).
//! - [`audit_cycles`] adds the reporting cycles: who filed on time, late or not at all, and the
//!   indicators across cities and periods (JSON, CSV, SVG charts).
//! - [`export`] writes a self-contained [`Bundle`] (charter, full roster history, entries with
//!   payloads, fork proofs) and [`verify_bundle`] checks one with no store at all.

#![warn(missing_docs, unreachable_pub)]

mod bundle;
mod cycles;
mod erasures;
mod error;
mod html;
mod render;
mod report;
mod signing;

pub use bundle::{
    export, verify_bundle, Bundle, BundleCity, BundleFailure, BundleVerdict, BUNDLE_MAGIC,
    BUNDLE_VERSION,
};
pub use cycles::{
    audit_cycles, indicator_charts, indicators_csv, render_cycles_html, render_cycles_markdown,
    timeliness_csv, CycleAudit, CycleCity, CyclesAudit, IndicatorRow, INDICATORS_CSV_HEADER,
    TIMELINESS_CSV_HEADER,
};
pub use erasures::{audit_erasures, ErasureAudit, ErasureConfirmation};
pub use error::AuditError;
pub use render::{render_html, render_html_in, render_markdown};
pub use report::{
    audit, audit_at, period_covers, AuditReport, CityAudit, CityProblem, CoalitionSummary,
    CommitmentCount, ForkAudit, GapAudit, ReportAudit, RetractionAudit,
};
pub use signing::{
    canonical_json, sign_report, verify_signed_report, ReportSignature, SignedAuditReport,
    AUDIT_SIGNING_TAG,
};
