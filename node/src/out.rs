//! Standard output for commands. A reader that goes away (`coalition log | head -1`) is a normal
//! end, not a panic: writes return [`StdoutClosed`], which `main` turns into a quiet exit 0.
//! `println!` would panic on the closed pipe (EPIPE), since Rust ignores SIGPIPE.

use std::fmt;
use std::io::{ErrorKind, Write};

/// The reader of standard output has gone: stop writing and end quietly.
#[derive(Debug)]
pub(crate) struct StdoutClosed;

impl fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("standard output was closed by its reader")
    }
}

impl std::error::Error for StdoutClosed {}

/// Writes `args` to standard output; a closed pipe becomes [`StdoutClosed`].
pub(crate) fn write(args: fmt::Arguments<'_>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_fmt(args).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Err(StdoutClosed.into()),
        Err(e) => Err(anyhow::anyhow!("cannot write to standard output: {e}")),
    }
}

/// Like `println!`, for functions returning `anyhow::Result`: returns early when the reader of
/// standard output has gone.
macro_rules! outln {
    () => {
        $crate::out::write(format_args!("\n"))?
    };
    ($($arg:tt)*) => {
        $crate::out::write(format_args!("{}\n", format_args!($($arg)*)))?
    };
}

/// Like `print!`, for functions returning `anyhow::Result`.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::out::write(format_args!($($arg)*))?
    };
}

/// True when `error` is (or was caused by) the end of standard output's reader.
pub(crate) fn is_stdout_closed(error: &anyhow::Error) -> bool {
    error.chain().any(|c| c.is::<StdoutClosed>())
}

/// Like `println!`, best effort: for long-running commands (the demo) that keep running, and stop
/// cleanly on their own, when the reader of standard output has gone.
macro_rules! sayln {
    ($($arg:tt)*) => {{
        let _ = $crate::out::write(format_args!("{}\n", format_args!($($arg)*)));
    }};
}

/// Like `print!`, best effort (see `sayln!`).
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = $crate::out::write(format_args!($($arg)*));
    }};
}
