//! coalition-audit (placeholder until it lands).
