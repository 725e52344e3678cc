//! The store's integration tests, one binary (one link) for all of them: real RocksDB in
//! temporary directories.

mod common;

mod append;
mod cycles;
mod damage;
mod erasures;
mod fixture;
mod full_disk;
mod high_water;
mod ingest;
mod integrity;
mod migrate;
mod open;
mod pipeline;
mod query;
mod translations;
