//! `coalition`: the node binary (see the library for its commands).

/// mimalloc instead of the C library's allocator: ingest allocates and frees each entry's decoded
/// payload and records across threads, and glibc's malloc and free took about a fifth of the check
/// threads' time on it (docs/PERFORMANCE.md, tenth session).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    coalition_node::main()
}
