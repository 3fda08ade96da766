//! A headless Chromium driven through its DevTools protocol, to check the HTML report as a
//! reader's browser shows it: at a given window size, with real key presses and clicks.
//! Shared by the export crate's browser tests and the report row of `cargo xtask bench`.
//!
//! The browser runs with a fresh profile, no network features and a DevTools port on loopback
//! that the system picks; it is killed when the [`Browser`] is dropped.

#![allow(dead_code)] // each user needs a different part

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::WebSocket;

/// The Chromium binary on `PATH`, if there is one.
pub fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .map(PathBuf::from)
}

/// Chromium for a browser test: `None` (the test skips) when it is missing, except under CI
/// (`CI` set), where a missing browser fails the test.
pub fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: chromium is not installed, and CI must run the browser tests \
             (`apt-get install chromium`; .ci/run does it)"
        );
        eprintln!("SKIPPED {test}: chromium is not installed (`apt-get install chromium`)");
    }
    found
}

/// One headless browser with one page, attached over the DevTools protocol.
pub struct Browser {
    child: Child,
    socket: WebSocket<TcpStream>,
    session: String,
    next_id: u64,
    _profile: tempfile::TempDir,
}

/// How long any single step may take before the browser is declared stuck.
const STEP: Duration = Duration::from_secs(60);

impl Browser {
    /// Starts `binary` headless and opens a blank page.
    pub fn launch(binary: &Path) -> Self {
        let profile = tempfile::tempdir().expect("a profile folder");
        let child = Command::new(binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        // Chromium writes the port it picked, then the browser's endpoint, to this file.
        let active = profile.path().join("DevToolsActivePort");
        let deadline = Instant::now() + STEP;
        let endpoint = loop {
            if let Ok(text) = std::fs::read_to_string(&active) {
                let mut lines = text.lines();
                if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                    break format!("ws://127.0.0.1:{port}{path}");
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromium opened no DevTools port"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let address = endpoint
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let stream = TcpStream::connect(address).expect("the DevTools port answers");
        stream.set_read_timeout(Some(STEP)).unwrap();
        let (socket, _) =
            tungstenite::client(endpoint.as_str(), stream).expect("a DevTools socket");
        let mut browser = Self {
            child,
            socket,
            session: String::new(),
            next_id: 0,
            _profile: profile,
        };
        let target = browser.call("Target.createTarget", json!({ "url": "about:blank" }));
        let attached = browser.call(
            "Target.attachToTarget",
            json!({ "targetId": target["targetId"], "flatten": true }),
        );
        browser.session = attached["sessionId"].as_str().unwrap().to_owned();
        browser.call("Page.enable", json!({}));
        browser
    }

    /// Sends one command (to the page once attached) and returns its result.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if !self.session.is_empty() {
            message["sessionId"] = json!(self.session);
        }
        self.socket
            .send(tungstenite::Message::text(message.to_string()))
            .expect("the browser takes a command");
        loop {
            let reply = self.socket.read().expect("the browser answers");
            let Ok(text) = reply.to_text() else { continue };
            let reply: Value = serde_json::from_str(text).expect("DevTools speaks JSON");
            if reply["id"] == id {
                assert!(
                    reply.get("error").is_none(),
                    "{method} failed: {}",
                    reply["error"]
                );
                return reply["result"].clone();
            }
        }
    }

    /// Makes the page `width` × `height` CSS pixels, as a phone (narrower than 600) or a
    /// desktop window.
    pub fn viewport(&mut self, width: u32, height: u32) {
        let mobile = width < 600;
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
        );
    }

    /// Opens `page` and waits until the report's script has finished (`data-ready` on
    /// `<html>`); returns the seconds from the request to that moment. Panics if the script
    /// reports an error or does not finish in time.
    pub fn open(&mut self, page: &Path) -> f64 {
        let started = Instant::now();
        self.call(
            "Page.navigate",
            json!({ "url": format!("file://{}", page.display()) }),
        );
        let deadline = started + STEP;
        loop {
            let state = self.eval(
                "(() => { const root = document.documentElement; \
                 if (!root || document.readyState === 'loading') return null; \
                 const error = root.getAttribute('data-error'); \
                 return error ? { error } : root.getAttribute('data-ready'); })()",
            );
            if state == "1" {
                return started.elapsed().as_secs_f64();
            }
            if let Some(error) = state.get("error") {
                panic!("the report's script failed: {error}");
            }
            assert!(
                Instant::now() < deadline,
                "{} was not ready in {STEP:?}",
                page.display()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Opens `page` with the page's own scripts turned off, as a reader without JavaScript
    /// sees it, and waits until it has loaded.
    pub fn open_without_script(&mut self, page: &Path) {
        self.call(
            "Emulation.setScriptExecutionDisabled",
            json!({ "value": true }),
        );
        self.call(
            "Page.navigate",
            json!({ "url": format!("file://{}", page.display()) }),
        );
        let deadline = Instant::now() + STEP;
        while self.eval("document.readyState === 'complete' && !!document.querySelector('main')")
            != true
        {
            assert!(Instant::now() < deadline, "{} did not load", page.display());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The value of a JavaScript expression in the page.
    pub fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        );
        assert!(
            result.get("exceptionDetails").is_none(),
            "{expression}: {}",
            result["exceptionDetails"]
        );
        result["result"]["value"].clone()
    }

    /// Presses and releases a key such as `Tab` or `Enter`, as a keyboard would.
    pub fn press(&mut self, key: &str, code: u32) {
        for kind in ["keyDown", "keyUp"] {
            self.call(
                "Input.dispatchKeyEvent",
                json!({ "type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code }),
            );
        }
    }

    /// Clicks with the mouse at (`x`, `y`) in CSS pixels of the viewport.
    pub fn click(&mut self, x: f64, y: f64) {
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            );
        }
    }

    /// Taps with a finger at (`x`, `y`) in CSS pixels of the viewport.
    pub fn tap(&mut self, x: f64, y: f64) {
        self.call(
            "Emulation.setTouchEmulationEnabled",
            json!({ "enabled": true, "maxTouchPoints": 1 }),
        );
        self.call(
            "Input.dispatchTouchEvent",
            json!({ "type": "touchStart", "touchPoints": [{ "x": x, "y": y }] }),
        );
        self.call(
            "Input.dispatchTouchEvent",
            json!({ "type": "touchEnd", "touchPoints": [] }),
        );
    }

    /// A PNG of the viewport.
    pub fn screenshot(&mut self) -> Vec<u8> {
        let shot = self.call("Page.captureScreenshot", json!({ "format": "png" }));
        data_encoding::BASE64
            .decode(shot["data"].as_str().unwrap().as_bytes())
            .expect("base64 from DevTools")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
