//! The record crate's integration tests, one binary (one link) for all of them: the rules each
//! error names, property round trips, the documented examples and the test vectors of
//! docs/PROTOCOL.md.

mod common;

mod contact;
mod examples;
mod roundtrip;
mod rules;
mod vectors;
