//! The audit crate's integration tests, one binary (one link) for all of them.

mod audit;
mod cycles;
