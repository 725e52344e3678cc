//! `coalition`: the node binary (see the library for its commands).

fn main() -> std::process::ExitCode {
    coalition_node::main()
}
