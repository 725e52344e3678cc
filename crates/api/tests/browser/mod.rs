//! The web page in a real browser: Debian's headless Chromium driven through chromedriver with
//! fantoccini, against a running API server over the demo store. It searches, filters, opens a
//! practice, switches the interface to French, signs in with the API token (a wrong one first),
//! sees a field error for a practice without a title, publishes one through the form, checks the
//! main pages with axe-core's WCAG 2.1 A/AA rules at both widths, signs out, and saves screenshots (desktop and phone widths) to `$CARGO_TARGET_TMPDIR/screenshots/`.
//!
//! Needs the Debian packages `chromium` and `chromium-driver`. When they are missing the test
//! fails with one line saying so (it does not skip). `COALITION_CHROMEDRIVER` and
//! `COALITION_CHROMIUM` override the binaries' paths.

use crate::common;

use common::Server;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod flows;
use flows::*;

const CHROMIUM_ARGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=en-US",
];
const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);

fn find_binary(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .chain(names.iter().map(|n| Path::new("/usr/bin").join(n)))
        .find(|p| p.is_file())
}

/// Kills chromedriver (our child) when the test ends, however it ends.
struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

async fn start_driver(chromedriver: &Path) -> Driver {
    let port = free_port();
    let log = std::env::temp_dir().join(format!("coalition-chromedriver-{port}.log"));
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .arg(format!("--log-path={}", log.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {}: {e}", chromedriver.display()));
    let driver = Driver {
        child,
        port,
        _profile: tempfile::tempdir().expect("a temporary Chromium profile"),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on port {port} within 20 s (log: {})",
            log.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    driver
}

async fn connect(driver: &Driver, chromium: &Path) -> Client {
    connect_as(driver, chromium, driver._profile.path(), "en-US").await
}

/// A Chromium session with its own profile directory, whose language (and so its
/// `Accept-Language`) is `lang`.
async fn connect_as(driver: &Driver, chromium: &Path, profile: &Path, lang: &str) -> Client {
    let mut args: Vec<String> = CHROMIUM_ARGS
        .iter()
        .filter(|a| !a.starts_with("--lang="))
        .map(|a| a.to_string())
        .collect();
    args.push(format!("--lang={lang}"));
    args.push(format!("--user-data-dir={}", profile.display()));
    args.push(format!("--window-size={},{}", DESKTOP.0, DESKTOP.1));
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium.display().to_string(),
            "args": args,
            "prefs": {"intl.accept_languages": lang}
        }
    });
    let Value::Object(caps) = caps else {
        unreachable!("capabilities are an object")
    };
    let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
    builder.capabilities(caps);
    builder
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .unwrap_or_else(|e| panic!("could not start a Chromium session through chromedriver: {e}"))
}

fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    dir
}

/// Saves a screenshot of the whole page at `width`: the window is made as tall as the page.
async fn shot(c: &Client, name: &str, width: u32) -> PathBuf {
    // Measure in a short window, so the page's height is its content's, not the window's.
    c.set_window_size(width, 400).await.expect("window resized");
    let height = c
        .execute(
            "return Math.ceil(Math.max(document.documentElement.scrollHeight, document.body.scrollHeight));",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .and_then(|h| u32::try_from(h).ok())
        .unwrap_or(900)
        .clamp(400, 6000);
    c.set_window_size(width, height + 140)
        .await
        .expect("window resized");
    tokio::time::sleep(Duration::from_millis(150)).await;
    let png = c.screenshot().await.expect("screenshot taken");
    let path = screenshot_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).expect("screenshot written");
    println!("screenshot: {}", path.display());
    path
}

/// The `lang` attribute of the page's `html` element.
async fn html_lang(c: &Client) -> Option<String> {
    c.find(Locator::Css("html"))
        .await
        .expect("html")
        .attr("lang")
        .await
        .expect("lang attribute")
}

/// The text of the first element matching `css`, waiting up to 10 s for it. An element the page
/// replaced between finding and reading it ("stale") is looked up again.
async fn text_of(c: &Client, css: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let element = c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"));
        match element.text().await {
            Ok(text) => return text,
            Err(e) if e.to_string().contains("stale") && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("no text in {css}: {e}"),
        }
    }
}

/// Clicks something that loads a new page and waits until the new page has loaded, so what is
/// read next comes from it and not from the page being left.
async fn click_to_load(c: &Client, css: &str) {
    c.execute("document.documentElement.dataset.leaving = '1';", vec![])
        .await
        .expect("mark the page being left");
    click(c, css).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let loaded = c
            .execute(
                "return document.readyState === 'complete' && !document.documentElement.dataset.leaving;",
                vec![],
            )
            .await;
        if matches!(loaded, Ok(Value::Bool(true))) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "clicking {css} did not load a new page within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn type_into(c: &Client, css: &str, text: &str) {
    let field = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no field {css}: {e}"));
    field.clear().await.expect("field cleared");
    field.send_keys(text).await.expect("typed");
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("nothing to click at {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("could not click {css}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_read_and_publish_in_headless_chromium() {
    let Some(chromedriver) = find_binary("COALITION_CHROMEDRIVER", &["chromedriver"]) else {
        panic!("chromedriver not found: install the Debian packages `chromium` and `chromium-driver` (apt-get install -y chromium chromium-driver)");
    };
    let Some(chromium) = find_binary("COALITION_CHROMIUM", &["chromium", "chromium-browser"])
    else {
        panic!("chromium not found: install the Debian packages `chromium` and `chromium-driver` (apt-get install -y chromium chromium-driver)");
    };
    let server = std::sync::Arc::new(Server::start().await);
    let driver = start_driver(&chromedriver).await;
    let client = connect(&driver, &chromium).await;
    // The scenario runs in its own task so that a failed assertion still ends the browser session.
    let task = {
        let (client, server) = (client.clone(), server.clone());
        tokio::spawn(async move {
            tokio::time::timeout(Duration::from_secs(180), scenario(&client, &server)).await
        })
    };
    let outcome = task.await;
    let _ = client.close().await;
    // A first visit from a browser set to Swedish gets the page in Swedish (Accept-Language).
    let swedish = if outcome.as_ref().is_ok_and(|o| o.is_ok()) {
        let profile = tempfile::tempdir().expect("profile directory");
        let c = connect_as(&driver, &chromium, profile.path(), "sv-SE").await;
        c.goto(&server.url("/")).await.expect("search page");
        let heading = text_of(&c, "h1").await;
        let lang = html_lang(&c).await;
        shot(&c, "13-accept-language-sv", DESKTOP.0).await;
        let _ = c.close().await;
        Some((heading, lang))
    } else {
        None
    };
    drop(driver);
    if let Ok(server) = std::sync::Arc::try_unwrap(server) {
        server.stop().await;
    }
    if let Some((heading, lang)) = swedish {
        assert_eq!(
            heading, "Hitta goda exempel",
            "Accept-Language: sv-SE picks Swedish"
        );
        assert_eq!(lang.as_deref(), Some("sv"));
    }
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(_)) => panic!("the browser scenario did not finish within 180 s"),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("the browser scenario task failed: {e}"),
    }
}
