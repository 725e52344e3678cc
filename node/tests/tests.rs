//! The node's integration tests, one binary (one link) for all of them: the real `coalition`
//! binary driven through its CLI, HTTP API and process signals, single and multi-node.

mod common;

mod alerts;
mod audit;
mod cli;
mod derived;
mod edges;
mod erasure;
mod kill;
mod migrate;
mod mixed_version;
mod nat;
mod observer;
mod package;
mod reporting;
mod restore;
mod restore_fresh;
mod roster;
mod run;
mod status;
mod translation;
mod websocket;
