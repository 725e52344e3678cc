//! Cross-crate tests, one binary (one link) for all of them: multi-node networks on loopback,
//! hostile peers, and the fuzz corpus replayed.

mod fuzz_corpus;
mod network;
mod security;
