//! The Debian package built by `scripts/package`, installed for real with `dpkg -i`: the service
//! user and data directory exist, the unit verifies, the installed binary initialises and runs a
//! node as the service user, and installing again (an upgrade) keeps the data.
//!
//! It changes the machine (installs and removes the package, creates the `coalition` user), so
//! it runs only when asked, as root: `COALITION_DEB=path/to/coalition_X_amd64.deb cargo test
//! --workspace --test node package::`; `.ci/run` does that. Without `COALITION_DEB` it says so and passes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const USER: &str = "coalition";
const STATE: &str = "/var/lib/coalition";

fn sh(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} cannot run: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs the installed binary as the service user (setpriv execs it: no shell, no extra process).
fn as_service_user(args: &[&str]) -> Command {
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid", USER, "--regid", USER, "--init-groups", "--"])
        .arg("/usr/bin/coalition")
        .args(args)
        .env_remove("COALITION_DATA_DIR");
    command
}

fn ok_as_service_user(args: &[&str]) -> String {
    let out = as_service_user(args).output().expect("setpriv runs");
    assert!(
        out.status.success(),
        "coalition {args:?} as {USER} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn http_get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the API");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[test]
fn the_debian_package_installs_runs_as_its_user_and_upgrades_keeping_data() {
    let Some(deb) = std::env::var_os("COALITION_DEB") else {
        eprintln!(
            "skipped: set COALITION_DEB to a package built by scripts/package (run as root; it installs it)"
        );
        return;
    };
    let deb = deb.to_string_lossy().into_owned();
    assert_eq!(
        sh("id", &["-u"]).trim(),
        "0",
        "installing the package needs root"
    );

    sh("dpkg", &["-i", &deb]);
    let version = sh("/usr/bin/coalition", &["--version"]);
    assert!(version.starts_with("coalition "), "{version}");
    let passwd = sh("getent", &["passwd", USER]);
    assert!(passwd.trim_end().ends_with("/usr/sbin/nologin"), "{passwd}");
    assert_eq!(
        sh("stat", &["-c", "%U %G %a", STATE]).trim(),
        "coalition coalition 750"
    );
    assert!(Path::new("/usr/share/man/man1/coalition.1.gz").exists());
    let unit = "/lib/systemd/system/coalition.service";
    let text = std::fs::read_to_string(unit).expect("the unit is installed");
    for hardening in [
        "ProtectSystem=strict",
        "NoNewPrivileges=true",
        "PrivateTmp=true",
        "User=coalition",
    ] {
        assert!(text.contains(hardening), "the unit sets {hardening}");
    }
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok()
    {
        sh("systemd-analyze", &["verify", unit]);
    } else {
        eprintln!("systemd-analyze is not installed: the unit was not verified");
    }

    // A coalition and a city node, made by the installed binary as the service user.
    let root = format!("{STATE}/package-test-{}", std::process::id());
    let _ = std::fs::remove_dir_all(&root);
    sh(
        "install",
        &["-d", "-o", USER, "-g", USER, "-m", "0750", &root],
    );
    let coalition = format!("{root}/coalition");
    let node = format!("{root}/node");
    ok_as_service_user(&[
        "charter",
        "new",
        "--name",
        "Package Test",
        "--out",
        &coalition,
    ]);
    ok_as_service_user(&[
        "init",
        "--data-dir",
        &node,
        "--charter",
        &format!("{coalition}/charter.toml"),
        "--city",
        "Testville",
        "--country",
        "FR",
    ]);
    assert_eq!(
        sh("stat", &["-c", "%U", &format!("{node}/city.key")]).trim(),
        USER
    );
    let key_before = std::fs::read(format!("{node}/city.key")).expect("city.key");

    // It runs as the service user and answers on its API; SIGTERM stops it cleanly.
    let port = free_port();
    let api = format!("127.0.0.1:{port}");
    let mut child = as_service_user(&[
        "run",
        "--data-dir",
        &node,
        "--listen",
        "/ip4/127.0.0.1/tcp/0",
        "--api",
        &api,
        "--local",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("the node starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("web page") => break,
            Some(Ok(_)) => {}
            _ => panic!("the installed node stopped before serving its web page"),
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    // Alone, with no peer, the node is up but `degraded` (503); the body says so.
    let health = http_get(port, "/healthz");
    assert!(
        health.contains("\"status\":\"degraded\"") || health.contains("\"status\":\"synced\""),
        "{health}"
    );
    let owner = sh("ps", &["-o", "user=", "-p", &child.id().to_string()]);
    assert_eq!(owner.trim(), USER, "the node runs as the service user");
    sh("kill", &["-TERM", &child.id().to_string()]);
    let status = child.wait().expect("the node exits");
    assert!(status.success(), "the node exits 0 on SIGTERM: {status}");

    // Installing again (what an upgrade does) keeps the user, the directory and the city's key.
    sh("dpkg", &["-i", &deb]);
    let key_after = std::fs::read(format!("{node}/city.key")).expect("city.key kept");
    assert_eq!(key_before, key_after, "an upgrade keeps the city's key");

    // Removing the package keeps the data directory (it holds city keys).
    sh("dpkg", &["-r", "coalition"]);
    assert!(!Path::new("/usr/bin/coalition").exists());
    assert!(Path::new(&format!("{node}/city.key")).exists());
    std::fs::remove_dir_all(&root).expect("test data removed");
}
