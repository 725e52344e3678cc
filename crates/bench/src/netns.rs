//! A network namespace of its own for one thread of the harness, whose loopback can cap what
//! leaves a TCP port: the decade scenario gives each serving peer an uplink, as a city's node
//! has on a real network, without touching the host's loopback. Needs Linux, root, `ip` and
//! `tc` (iproute2); [`PrivateLoopback::enter`] says which is missing.

use anyhow::{bail, Context, Result};
use rustix::thread::{move_into_link_name_space, LinkNameSpaceType};
use std::fs::File;
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// Namespaces made by this process so far: each gets a name of its own.
static MADE: AtomicU32 = AtomicU32::new(0);

/// The calling thread's private network namespace: loopback up, an HTB qdisc at its root that
/// lets everything through at full speed until [`PrivateLoopback::cap_source_port`] caps a port.
/// The namespace goes away when the last thread and socket in it do.
pub struct PrivateLoopback {
    /// HTB classes made so far (one per capped port).
    classes: u32,
    /// Whether the HTB qdisc is in place (lo starts with none).
    installed: bool,
}

impl PrivateLoopback {
    /// Moves the calling thread, and every thread and process it starts from then on, into a new
    /// network namespace. There is no way back: call it on a thread of its own that ends after.
    pub fn enter() -> Result<PrivateLoopback> {
        let name = format!(
            "coalition-bench-{}-{}",
            std::process::id(),
            MADE.fetch_add(1, Ordering::Relaxed)
        );
        let own = "/proc/thread-self/ns/net";
        let inode = || -> Result<u64> {
            Ok(std::fs::metadata(own)
                .with_context(|| format!("reading {own}"))?
                .ino())
        };
        let before = inode()?;
        run("ip", &["netns", "add", &name])?;
        let path = format!("/run/netns/{name}");
        let moved = File::open(&path)
            .with_context(|| format!("opening {path}"))
            .and_then(|file| {
                move_into_link_name_space(file.as_fd(), Some(LinkNameSpaceType::Network))
                    .with_context(|| format!("setns into {path}"))
            });
        // The name only served to find the namespace: this thread keeps it alive from here on,
        // and nothing is left behind under /run/netns whatever happens next.
        let deleted = run("ip", &["netns", "delete", &name]);
        moved?;
        deleted?;
        // Never shape the host's loopback: make sure the move took.
        if inode()? == before {
            bail!("still in the namespace this thread started in after setns into {path}");
        }
        run("ip", &["link", "set", "lo", "up"])?;
        let mut lo = PrivateLoopback {
            classes: 0,
            installed: false,
        };
        lo.clear_caps()?;
        Ok(lo)
    }

    /// Caps what leaves TCP port `port` (a listener's replies to whoever dialled it) at `mbit`
    /// megabits per second, in a class of its own: two capped ports do not share a rate. The
    /// traffic towards that port (requests, ACKs) and every other port stay uncapped.
    pub fn cap_source_port(&mut self, port: u16, mbit: u32) -> Result<()> {
        self.classes += 1;
        let class = format!("1:{:x}", 0x10 + self.classes);
        // A burst of two 64 KiB loopback segments: less and HTB undershoots its rate on lo.
        let rate = format!("{mbit}mbit");
        run(
            "tc",
            &[
                "class", "add", "dev", "lo", "parent", "1:", "classid", &class, "htb", "rate",
                &rate, "burst", "128k", "cburst", "128k",
            ],
        )?;
        let port = port.to_string();
        run(
            "tc",
            &[
                "filter", "add", "dev", "lo", "parent", "1:", "protocol", "ip", "prio", "1", "u32",
                "match", "ip", "sport", &port, "0xffff", "flowid", &class,
            ],
        )
    }

    /// Removes every cap (a fresh root qdisc), e.g. before peers restart on other ports.
    pub fn clear_caps(&mut self) -> Result<()> {
        if self.installed {
            run("tc", &["qdisc", "del", "dev", "lo", "root"])?;
            self.installed = false;
        }
        // Unclassified packets go to the default class, which does not exist: HTB then sends
        // them straight on, uncapped.
        run(
            "tc",
            &[
                "qdisc", "add", "dev", "lo", "root", "handle", "1:", "htb", "default", "ffff",
                "r2q", "100",
            ],
        )?;
        self.installed = true;
        Ok(())
    }
}

/// Runs `program` with `args`; an error names the command and what it printed.
fn run(program: &str, args: &[&str]) -> Result<()> {
    let out = Command::new(program)
        .args(args)
        .output()
        .with_context(|| format!("running {program} (iproute2 installed?)"))?;
    if !out.status.success() {
        bail!(
            "`{program} {}` failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::time::Instant;

    /// Sends `bytes` from a listener to a client that dialled it; seconds taken.
    fn transfer(listener: &TcpListener, bytes: usize) -> Result<f64> {
        let addr = listener.local_addr()?;
        let reader = std::thread::spawn(move || -> Result<usize> {
            let mut client = TcpStream::connect(addr)?;
            let mut got = Vec::new();
            client.read_to_end(&mut got)?;
            Ok(got.len())
        });
        let (mut served, _) = listener.accept()?;
        let started = Instant::now();
        served.write_all(&vec![7u8; bytes])?;
        drop(served);
        let got = reader
            .join()
            .map_err(|_| anyhow::anyhow!("reader panicked"))??;
        anyhow::ensure!(got == bytes, "received {got} of {bytes} bytes");
        Ok(started.elapsed().as_secs_f64())
    }

    #[test]
    fn a_capped_port_sends_at_its_rate_and_the_host_loopback_is_untouched() -> Result<()> {
        let host_qdisc = Command::new("tc")
            .args(["qdisc", "show", "dev", "lo"])
            .output();
        let outcome = std::thread::spawn(|| -> Result<Option<(f64, f64)>> {
            let mut lo = match PrivateLoopback::enter() {
                Ok(lo) => lo,
                Err(e) => {
                    // Not root or no iproute2: nothing to check here (the harness says so too).
                    eprintln!("skipped: {e:#}");
                    return Ok(None);
                }
            };
            let listener = TcpListener::bind("127.0.0.1:0")?;
            let free = transfer(&listener, 4 << 20)?;
            lo.cap_source_port(listener.local_addr()?.port(), 40)?;
            let capped = transfer(&listener, 4 << 20)?;
            Ok(Some((free, capped)))
        })
        .join()
        .map_err(|_| anyhow::anyhow!("namespace thread panicked"))??;
        if let Some((free, capped)) = outcome {
            // 4 MiB at 40 Mbit/s is 0.84 s; unshaped loopback moves it in milliseconds.
            assert!(capped > 0.6, "capped transfer took {capped:.3} s");
            assert!(
                free < capped / 4.0,
                "free {free:.3} s, capped {capped:.3} s"
            );
            let after = Command::new("tc")
                .args(["qdisc", "show", "dev", "lo"])
                .output()?;
            assert_eq!(
                host_qdisc?.stdout, after.stdout,
                "the host's loopback qdisc changed"
            );
        }
        Ok(())
    }
}
