//! The search crate's integration tests, one binary (one link) for all of them: real tantivy
//! indexes over real stores.

mod common;

mod ranked;
mod search;
mod years;
