//! Audit errors.

use coalition_record::RecordError;
use coalition_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("the signed audit report is not valid JSON of the expected shape: {0}")]
    Json(String),
    #[error("the audit report's signature does not verify against signer {signer}")]
    BadSignature { signer: String },
    #[error("the audit report was signed with domain {found:?}, expected {expected:?}")]
    WrongDomain { found: String, expected: String },
}
