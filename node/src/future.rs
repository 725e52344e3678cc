//! `coalition-future`: the `coalition` binary built with the test-only `future-kind` feature, so
//! that it knows a payload kind (0xF000, `test_note`) today's nodes do not. Only the
//! mixed-version test uses it (`scripts/test` builds it); never shipped.

fn main() -> std::process::ExitCode {
    coalition_node::main()
}
