//! coalition-search (placeholder until it lands).
