//! `coalition-future`: the `coalition` binary built with the test-only `future-kind` feature, so
//! that it knows a payload kind (0xF000, `test_note`) today's nodes do not. Only the
//! mixed-version test uses it (`scripts/test` builds it); never shipped.

/// As `coalition` (node/src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    coalition_node::main()
}
