//! coalition-api (placeholder until it lands).
