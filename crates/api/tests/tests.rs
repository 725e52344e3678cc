//! The HTTP layer's integration tests, one binary (one link) for all of them: a real server on
//! loopback, real HTTP clients and a real browser.

mod common;

mod access;
mod browser;
mod http;
mod limits;
mod publish;
mod search_http;
