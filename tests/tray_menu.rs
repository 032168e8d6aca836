//! The tray against a real daemon, a real session bus and a real panel (Xvfb + xfce4-panel as the
//! StatusNotifierWatcher host), driven the way a panel drives it: through `com.canonical.dbusmenu`.
//!
//! Needs, already running: a session D-Bus (`DBUS_SESSION_BUS_ADDRESS`), an X display (`DISPLAY`)
//! and a StatusNotifierWatcher on that bus (xfce4-panel), as `.ci/run` starts them; and the
//! binaries `sonorad`, `sonoractl` and `sonora-tray` built into `$CARGO_TARGET_DIR/debug` (or
//! `<workspace>/target/debug`): `cargo build -p sonorad -p sonoractl -p sonora-tray`.
//! A missing piece fails the test with a message naming it; it never skips.
//!
//! It talks to the bus with `busctl --json`, the same tool a person would use, so the test needs
//! no D-Bus crate of its own.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SONORA: &str = "org.sonora.Sonora1";
const SONORA_PATH: &str = "/org/sonora/Sonora1";
const WATCHER: &str = "org.kde.StatusNotifierWatcher";
const DBUSMENU: &str = "com.canonical.dbusmenu";
/// Words a label must never use (the About item states the disclaimer and is checked apart).
const CLINICAL: [&str; 8] = ["diagnos", "treat", "cure", "therap", "patient", "clinic", "medical", "symptom"];

const SETUP_HINT: &str = "run the suite through `tests/run` (what .ci/run does), which starts them; \
    by hand: `dbus-daemon --session`, `Xvfb :99` and `xfce4-panel`, with DBUS_SESSION_BUS_ADDRESS and DISPLAY \
    exported";

// ------------------------------------------------------------------ small local helpers

fn bin_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("debug")
}

fn binary(name: &str) -> PathBuf {
    let p = bin_dir().join(name);
    assert!(
        p.is_file(),
        "{} is missing: build it first with `cargo build --workspace --bins` (or `cargo build -p sonorad -p sonoractl -p sonora-tray`)",
        p.display()
    );
    p
}

/// Runs `busctl --user --json=short ARGS` and parses what it prints.
fn busctl_json(args: &[&str]) -> Result<Value, String> {
    let out = Command::new("busctl")
        .args(["--user", "--json=short"])
        .args(args)
        .output()
        .map_err(|e| format!("could not run busctl: {e}"))?;
    if !out.status.success() {
        return Err(format!("busctl {args:?}: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("busctl {args:?} printed non-JSON: {e}"))
}

fn busctl(args: &[&str]) -> Result<String, String> {
    let out = Command::new("busctl")
        .arg("--user")
        .args(args)
        .output()
        .map_err(|e| format!("could not run busctl: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("busctl {args:?}: {}", String::from_utf8_lossy(&out.stderr).trim()))
    }
}

fn name_has_owner(name: &str) -> bool {
    busctl(&["status", name]).is_ok()
}

/// Polls `f` every 50 ms until it returns `Some` or `timeout` passes.
fn wait_for<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Fails, naming what to start, when the desktop pieces are missing.
fn require_environment() {
    for (program, package) in
        [("busctl", "systemd"), ("xdotool", "xdotool"), ("import", "imagemagick"), ("compare", "imagemagick")]
    {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {program}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(found, "`{program}` is needed for the tray test: install the Debian package {package}");
    }
    for var in ["DISPLAY", "DBUS_SESSION_BUS_ADDRESS"] {
        assert!(
            std::env::var_os(var).is_some_and(|v| !v.is_empty()),
            "{var} is not set; the tray test needs a real desktop session: {SETUP_HINT}"
        );
    }
    let x_ok = Command::new("xdpyinfo").stdout(Stdio::null()).stderr(Stdio::null()).status();
    assert!(
        matches!(x_ok, Ok(s) if s.success()),
        "no X server answers on DISPLAY={:?} (xdpyinfo failed): {SETUP_HINT}",
        std::env::var("DISPLAY").unwrap_or_default()
    );
    assert!(
        name_has_owner(WATCHER),
        "no StatusNotifierWatcher ({WATCHER}) on the session bus, so no panel can show the tray: \
         start xfce4-panel (its systray plugin is the watcher); {SETUP_HINT}"
    );
}

/// A child process killed (and reaped) when dropped, so a failing assert leaves nothing behind.
struct Proc {
    child: Child,
    name: &'static str,
    log: PathBuf,
}

impl Proc {
    fn spawn(name: &'static str, cmd: &mut Command, log: PathBuf) -> Proc {
        let file = std::fs::File::create(&log).expect("log file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {name}: {e}"));
        Proc { child, name, log }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn assert_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{} exited early ({status}); its log:\n{}", self.name, self.log());
        }
    }

    fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        wait_for(timeout, || self.child.try_wait().ok().flatten())
    }

    fn stop(&mut self) {
        // SIGTERM first so the daemon can leave the bus cleanly, then make sure.
        let _ = Command::new("kill").arg(self.pid().to_string()).status();
        let gone = wait_for(Duration::from_secs(5), || self.child.try_wait().ok().flatten());
        if gone.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.stop();
        }
    }
}

/// Private config, data and socket locations so the test never touches a person's own Sonora.
struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = std::env::temp_dir().join(format!("sonora-tray-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["config", "data", "cache"] {
            std::fs::create_dir_all(dir.join(sub)).expect("temp dirs");
        }
        Sandbox { dir }
    }

    fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env("XDG_DATA_HOME", self.dir.join("data"))
            .env("XDG_CACHE_HOME", self.dir.join("cache"))
            .env("SONORA_SOCKET", self.dir.join("sonorad.sock"))
            .env("NO_AT_BRIDGE", "1")
            .env("RUST_LOG", "info,sonora_tray=debug")
            .env("SONORA_LOG", "debug");
        c
    }

    fn start_daemon(&self) -> Proc {
        let mut d =
            Proc::spawn("sonorad", &mut self.command(&binary("sonorad")), self.dir.join("sonorad.log"));
        if wait_for(Duration::from_secs(15), || name_has_owner(SONORA).then_some(())).is_none() {
            d.assert_alive();
            panic!("sonorad did not take {SONORA} on the session bus within 15 s; its log:\n{}", d.log());
        }
        d
    }

    fn sonoractl(&self, args: &[&str]) -> String {
        let out = self.command(&binary("sonoractl")).args(args).output().expect("sonoractl runs");
        assert!(
            out.status.success(),
            "sonoractl {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The daemon's status, read the way the tray reads it (D-Bus `Status()`).
fn daemon_status() -> Option<Value> {
    let reply = busctl_json(&["call", SONORA, SONORA_PATH, SONORA, "Status"]).ok()?;
    serde_json::from_str(reply["data"][0].as_str()?).ok()
}

// ------------------------------------------------------------------ dbusmenu

/// One menu entry from `GetLayout`.
#[derive(Debug, Clone)]
struct Entry {
    id: i64,
    props: Value,
    children: Vec<Entry>,
}

impl Entry {
    fn prop(&self, name: &str) -> Option<&Value> {
        self.props.get(name).map(|v| &v["data"])
    }
    fn label(&self) -> String {
        // dbusmenu labels carry GTK mnemonics ("_Calm"); people see them without the underscore.
        self.prop("label").and_then(Value::as_str).unwrap_or("").replace('_', "")
    }
    fn enabled(&self) -> bool {
        self.prop("enabled").and_then(Value::as_bool).unwrap_or(true)
    }
    fn toggle_state(&self) -> Option<i64> {
        self.prop("toggle-state").and_then(Value::as_i64)
    }
    fn is_separator(&self) -> bool {
        self.prop("type").and_then(Value::as_str) == Some("separator")
    }
    fn walk<'a>(&'a self, out: &mut Vec<&'a Entry>) {
        for c in &self.children {
            out.push(c);
            c.walk(out);
        }
    }
}

/// `(ia{sv}av)` as busctl's JSON prints it: `[id, {name: {type, data}}, [{type, data}, ...]]`.
fn parse_entry(v: &Value) -> Entry {
    Entry {
        id: v[0].as_i64().expect("menu id"),
        props: v[1].clone(),
        children: v[2]
            .as_array()
            .map(|c| c.iter().map(|c| parse_entry(&c["data"])).collect())
            .unwrap_or_default(),
    }
}

struct TrayItem {
    service: String,
    menu_path: String,
}

impl TrayItem {
    fn layout(&self) -> Entry {
        let v = busctl_json(&[
            "call",
            &self.service,
            &self.menu_path,
            DBUSMENU,
            "GetLayout",
            "iias",
            "--",
            "0",
            "-1",
            "0",
        ])
        .unwrap_or_else(|e| panic!("GetLayout failed: {e}"));
        parse_entry(&v["data"][1])
    }

    /// Every item with a label, depth first, so ids can be found by what a person reads.
    fn items(&self) -> Vec<Entry> {
        let root = self.layout();
        let mut all = Vec::new();
        root.walk(&mut all);
        all.into_iter().filter(|e| !e.is_separator()).cloned().collect()
    }

    fn find(&self, label: &str) -> Entry {
        let items = self.items();
        items
            .iter()
            .find(|e| e.label() == label)
            .cloned()
            .unwrap_or_else(|| panic!("no menu item labelled {label:?}; the menu has {:?}", labels(&items)))
    }

    fn click(&self, label: &str) {
        let id = self.find(label).id.to_string();
        busctl(&[
            "call",
            &self.service,
            &self.menu_path,
            DBUSMENU,
            "Event",
            "isvu",
            "--",
            &id,
            "clicked",
            "i",
            "0",
            "0",
        ])
        .unwrap_or_else(|e| panic!("clicking {label:?} failed: {e}"));
    }
}

fn labels(items: &[Entry]) -> Vec<String> {
    items.iter().map(Entry::label).collect()
}

/// Finds the tray among the watcher's items by the PID behind its bus name.
fn find_tray_item(tray_pid: u32) -> Option<TrayItem> {
    let v = busctl_json(&[
        "get-property",
        WATCHER,
        "/StatusNotifierWatcher",
        WATCHER,
        "RegisteredStatusNotifierItems",
    ])
    .ok()?;
    // The watcher may still list items whose owners just left; skip anything that does not answer.
    for item in v["data"].as_array()?.iter().filter_map(Value::as_str) {
        // "<bus name><object path>", e.g. ":1.42/org/ayatana/NotificationItem/tray_icon_tray_app_sonora"
        let (service, path) = match item.find('/') {
            Some(i) => (&item[..i], &item[i..]),
            None => (item, "/StatusNotifierItem"),
        };
        let pid = busctl_json(&[
            "call",
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "GetConnectionUnixProcessID",
            "s",
            service,
        ]);
        if pid.ok().and_then(|p| p["data"][0].as_u64()) != Some(u64::from(tray_pid)) {
            continue;
        }
        let menu = busctl_json(&["get-property", service, path, "org.kde.StatusNotifierItem", "Menu"]).ok();
        if let Some(menu_path) = menu.as_ref().and_then(|m| m["data"].as_str()) {
            return Some(TrayItem { service: service.to_string(), menu_path: menu_path.to_string() });
        }
    }
    None
}

/// The watcher's list as it stands, for failure messages.
fn registered_items() -> Result<Value, String> {
    busctl_json(&[
        "get-property",
        WATCHER,
        "/StatusNotifierWatcher",
        WATCHER,
        "RegisteredStatusNotifierItems",
    ])
    .map(|v| v["data"].clone())
}

// ------------------------------------------------------------------ screenshot

/// Finds the tray icon on screen by its calm-blue disc (drawn by `tray/src/icons.rs`) in the panel
/// strip along the top edge, right half (the left half has the Applications button).
fn find_calm_icon() -> Option<(u32, u32)> {
    let shot = std::env::temp_dir().join(format!("sonora-panel-{}.txt", std::process::id()));
    let ok = Command::new("import")
        .args(["-window", "root", "-crop", "640x48+640+0", "-depth", "8"])
        .arg(format!("txt:{}", shot.display()))
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        return None;
    }
    let text = std::fs::read_to_string(&shot).ok()?;
    let _ = std::fs::remove_file(&shot);
    let (mut sx, mut sy, mut n) = (0u64, 0u64, 0u64);
    // lines look like "12,3: (59,142,208)  #3B8ED0  srgb(59,142,208)"
    for line in text.lines().skip(1) {
        let Some((xy, rest)) = line.split_once(':') else { continue };
        let Some((x, y)) = xy.split_once(',') else { continue };
        let Some(hex) = rest.split_whitespace().find(|w| w.starts_with('#')) else { continue };
        let rgb = u32::from_str_radix(hex.trim_start_matches('#').get(..6)?, 16).ok()?;
        let (r, g, b) = ((rgb >> 16) as i32, ((rgb >> 8) & 0xff) as i32, (rgb & 0xff) as i32);
        if (r - 0x3b).abs() < 24 && (g - 0x8e).abs() < 24 && (b - 0xd0).abs() < 24 {
            sx += x.parse::<u64>().ok()?;
            sy += y.parse::<u64>().ok()?;
            n += 1;
        }
    }
    (n >= 8).then(|| (640 + (sx / n) as u32, (sy / n) as u32))
}

fn screenshot(path: &Path) {
    let ok = Command::new("import").args(["-window", "root"]).arg(path).status().is_ok_and(|s| s.success());
    assert!(ok, "`import -window root {}` failed (is imagemagick installed?)", path.display());
}

/// Number of pixels that differ between two screenshots.
fn pixels_changed(a: &Path, b: &Path) -> u64 {
    let out =
        Command::new("compare").args(["-metric", "AE"]).arg(a).arg(b).arg("null:").output().expect("compare");
    // compare prints the metric on stderr and exits 1 when the images differ
    String::from_utf8_lossy(&out.stderr)
        .split_whitespace()
        .next()
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or(0.0) as u64
}

// ------------------------------------------------------------------ the test

#[test]
fn tray_menu_follows_and_drives_the_daemon() {
    require_environment();
    let sandbox = Sandbox::new();
    assert!(
        !name_has_owner(SONORA),
        "{SONORA} is already on this session bus (a daemon left over from another run?); stop it first"
    );
    let mut daemon = sandbox.start_daemon();

    let mut tray = Proc::spawn(
        "sonora-tray",
        &mut sandbox.command(&binary("sonora-tray")),
        sandbox.dir.join("tray.log"),
    );

    // 1. The panel's watcher lists the tray.
    let item = wait_for(Duration::from_secs(15), || {
        tray.assert_alive();
        find_tray_item(tray.pid())
    })
    .unwrap_or_else(|| {
        panic!(
            "the tray never appeared in {WATCHER}.RegisteredStatusNotifierItems ({:?}); tray log:\n{}",
            registered_items(),
            tray.log()
        )
    });

    // 2. The menu has every item, in everyday words, with outcomes as check items.
    let ready = wait_for(Duration::from_secs(5), || {
        let items = item.items();
        (items.first().map(Entry::label).as_deref() == Some("Nothing playing")).then_some(items)
    })
    .unwrap_or_else(|| {
        panic!("status line never said \"Nothing playing\"; menu: {:?}", labels(&item.items()))
    });
    let all = labels(&ready);
    eprintln!("menu: {all:?}");
    assert!(!ready[0].enabled(), "the status line is information, not a button");
    for label in [
        "Calm",
        "Focus",
        "Sleep",
        "Check in now…",
        "Stop",
        "Volume",
        "Pause schedule",
        "History…",
        "Open config folder",
        "About Sonora (not a medical device)",
        "Quit tray",
    ] {
        // the volume percentage depends on the daemon's default, so that one matches by prefix
        let found = ready
            .iter()
            .any(|e| e.label() == label || (label.ends_with('(') && e.label().starts_with(label)));
        assert!(found, "menu lacks {label:?}: {all:?}");
    }
    for label in ["Calm", "Focus", "Sleep", "Pause schedule"] {
        let e = item.find(label);
        assert_eq!(
            e.prop("toggle-type").and_then(Value::as_str),
            Some("checkmark"),
            "{label} is a check item"
        );
        assert_eq!(e.toggle_state(), Some(0), "{label} starts unchecked");
    }
    let volume = item.find("Volume");
    assert_eq!(labels(&volume.children), ["20%", "40%", "60%", "80%", "100%"]);
    let volume_checks: Vec<_> = volume.children.iter().filter(|e| e.toggle_state() == Some(1)).collect();
    assert_eq!(volume_checks.len(), 1, "exactly one volume step is checked: {:?}", labels(&volume.children));
    for l in &all {
        let lower = l.to_lowercase();
        if l.starts_with("About Sonora") {
            assert!(lower.contains("not a medical device"), "{l}");
            continue;
        }
        assert!(!CLINICAL.iter().any(|w| lower.contains(w)), "clinical word in menu label {l:?}");
    }

    // Volume steps reach the daemon.
    item.click("40%");
    wait_for(Duration::from_secs(3), || {
        daemon_status().filter(|s| (s["volume"].as_f64().unwrap_or(-1.0) - 0.4).abs() < 1e-6)
    })
    .unwrap_or_else(|| panic!("clicking 40% did not set the volume; daemon status: {:?}", daemon_status()));
    wait_for(Duration::from_secs(2), || (item.find("40%").toggle_state() == Some(1)).then_some(()))
        .expect("40% is checked once the daemon has it");

    // Pausing the schedule reaches the daemon, and the check mark follows it both ways.
    for (paused, state) in [(true, 1), (false, 0)] {
        item.click("Pause schedule");
        wait_for(Duration::from_secs(3), || daemon_status().filter(|s| s["schedule_paused"] == paused))
            .unwrap_or_else(|| panic!("Pause schedule did not set paused={paused}: {:?}", daemon_status()));
        wait_for(Duration::from_secs(2), || {
            (item.find("Pause schedule").toggle_state() == Some(state)).then_some(())
        })
        .unwrap_or_else(|| panic!("Pause schedule check mark is not {state}"));
    }

    // 3. Clicking Focus starts a focus session in the daemon, and the menu checks it.
    item.click("Focus");
    let status = wait_for(Duration::from_secs(5), || {
        daemon_status().filter(|s| s["state"] == "playing" && s["outcome"] == "focus")
    });
    assert!(status.is_some(), "clicking Focus did not start focus; daemon status: {:?}", daemon_status());
    wait_for(Duration::from_secs(2), || (item.find("Focus").toggle_state() == Some(1)).then_some(()))
        .expect("Focus is checked once focus plays");

    // 4. A change made elsewhere (sonoractl) shows within a second.
    sandbox.sonoractl(&["start", "calm", "--minutes", "25"]);
    let t0 = Instant::now();
    let seen = wait_for(Duration::from_secs(3), || {
        let (calm, focus) = (item.find("Calm"), item.find("Focus"));
        (calm.toggle_state() == Some(1) && focus.toggle_state() == Some(0)).then(|| t0.elapsed())
    });
    let took = seen.unwrap_or_else(|| {
        panic!("Calm never got checked after `sonoractl start calm`; menu: {:?}", labels(&item.items()))
    });
    eprintln!("menu followed `sonoractl start calm` in {took:?}");
    assert!(took <= Duration::from_secs(1), "the menu took {took:?} to follow sonoractl (limit 1 s)");
    assert!(
        item.items()[0].label().starts_with("Playing Calm"),
        "status line: {:?}",
        item.items()[0].label()
    );

    // 5. A screenshot with the menu open, for people (and the README).
    let target = bin_dir().parent().map(Path::to_path_buf).unwrap_or_else(std::env::temp_dir);
    let before = sandbox.dir.join("before.png");
    let shot = target.join("tray-menu.png");
    let (x, y) = wait_for(Duration::from_secs(5), find_calm_icon)
        .expect("could not find the calm-blue tray icon in the panel (top edge, right half)");
    screenshot(&before);
    Command::new("xdotool")
        .args(["mousemove", &x.to_string(), &y.to_string(), "click", "1"])
        .status()
        .expect("xdotool");
    let opened = wait_for(Duration::from_secs(5), || {
        screenshot(&shot);
        (pixels_changed(&before, &shot) > 5000).then_some(())
    });
    let _ = Command::new("xdotool").args(["key", "Escape"]).status();
    assert!(opened.is_some(), "clicking the tray icon at ({x}, {y}) did not open a menu on screen");
    eprintln!("screenshot with the menu open: {}", shot.display());

    // 6. The daemon going away greys the menu; coming back restores it.
    daemon.stop();
    wait_for(Duration::from_secs(10), || (item.items()[0].label() == "Sonora isn't running").then_some(()))
        .unwrap_or_else(|| panic!("status line after the daemon stopped: {:?}", item.items()[0].label()));
    assert!(!item.find("Calm").enabled(), "outcomes are greyed out while the daemon is away");
    assert!(item.find("Quit tray").enabled(), "quitting the tray still works");
    let _daemon = sandbox.start_daemon();
    wait_for(Duration::from_secs(5), || (item.items()[0].label() == "Nothing playing").then_some(()))
        .unwrap_or_else(|| panic!("status line after the daemon came back: {:?}", item.items()[0].label()));
    assert!(item.find("Calm").enabled(), "outcomes work again once the daemon is back");
    tray.assert_alive();

    // 7. *Quit tray* quits, and the panel drops the item.
    item.click("Quit tray");
    let status = tray.wait_exit(Duration::from_secs(5)).expect("the tray exits after Quit tray");
    assert!(status.success(), "the tray exited with {status}; log:\n{}", tray.log());
    wait_for(Duration::from_secs(5), || find_tray_item(tray.pid()).is_none().then_some(()))
        .expect("the panel still lists the tray after it quit");

    // 8. The same over the daemon's socket (the macOS way, and for desktops without a session bus).
    let mut tray = Proc::spawn(
        "sonora-tray --via socket",
        sandbox.command(&binary("sonora-tray")).args(["--via", "socket"]),
        sandbox.dir.join("tray-socket.log"),
    );
    let item = wait_for(Duration::from_secs(15), || {
        tray.assert_alive();
        find_tray_item(tray.pid())
    })
    .unwrap_or_else(|| panic!("the socket tray never appeared in the panel; its log:\n{}", tray.log()));
    wait_for(Duration::from_secs(5), || (item.items()[0].label() == "Nothing playing").then_some(()))
        .unwrap_or_else(|| panic!("socket tray status line: {:?}", item.items()[0].label()));
    sandbox.sonoractl(&["start", "sleep"]);
    let t0 = Instant::now();
    let took = wait_for(Duration::from_secs(3), || {
        (item.find("Sleep").toggle_state() == Some(1)).then(|| t0.elapsed())
    })
    .unwrap_or_else(|| panic!("Sleep never got checked over the socket; menu: {:?}", labels(&item.items())));
    assert!(took <= Duration::from_secs(1), "the socket tray took {took:?} to follow sonoractl (limit 1 s)");
    item.click("Stop");
    wait_for(Duration::from_secs(5), || daemon_status().filter(|s| s["state"] != "playing"))
        .unwrap_or_else(|| panic!("Stop over the socket did not stop; daemon status: {:?}", daemon_status()));
    tray.assert_alive();
}
