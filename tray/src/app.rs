//! The tray's state on the UI thread, independent of the toolkit that runs the loop.
//!
//! The platform shell (GTK on Linux, the AppKit loop on macOS) calls [`App::tick`] every 100 ms;
//! the app drains the client's updates and the menu's clicks, re-renders, and hands back anything
//! that needs a window (a message, the about text) as [`Request`]s for the shell to show.

use crate::client::{Action, Update};
use crate::icons;
use crate::menu::{Choice, TrayMenu, choice_for};
use crate::view::{IconKind, Presence, View, view};
use crate::window;
use std::process::Command;
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;
use tracing::warn;
use tray_icon::menu::MenuEvent;
use tray_icon::{TrayIcon, TrayIconBuilder};

/// Something only the shell can do.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Show a small window with this text.
    Message {
        title: String,
        body: String,
    },
    Quit,
}

pub struct App {
    menu: TrayMenu,
    tray: TrayIcon,
    presence: Presence,
    snapshot_at: Instant,
    view: View,
    icon: IconKind,
    tooltip: String,
    updates: Receiver<Update>,
    /// For results produced on helper threads (the history summary).
    updates_tx: Sender<Update>,
    actions: UnboundedSender<Action>,
}

impl App {
    pub fn new(
        updates: Receiver<Update>,
        updates_tx: Sender<Update>,
        actions: UnboundedSender<Action>,
    ) -> anyhow::Result<Self> {
        let presence = Presence::Connecting;
        let view = view(&presence, Duration::ZERO);
        let menu = TrayMenu::new()?;
        menu.apply(&view);
        let tray = TrayIconBuilder::new()
            .with_id("sonora")
            .with_menu(Box::new(menu.menu.clone()))
            .with_icon(icons::tray_icon(view.icon))
            .with_tooltip(&view.tooltip)
            .build()?;
        Ok(App {
            menu,
            tray,
            presence,
            snapshot_at: Instant::now(),
            icon: view.icon,
            tooltip: view.tooltip.clone(),
            view,
            updates,
            updates_tx,
            actions,
        })
    }

    /// Drains pending updates and clicks, then re-renders (the countdown moves even without news).
    pub fn tick(&mut self) -> Vec<Request> {
        let mut out = Vec::new();
        while let Ok(update) = self.updates.try_recv() {
            match update {
                Update::Presence(p) => {
                    self.presence = p;
                    self.snapshot_at = Instant::now();
                }
                Update::Message { title, body } => out.push(Request::Message { title, body }),
            }
        }
        while let Ok(event) = MenuEvent::receiver().try_recv() {
            if let Some(request) = self.on_click(event.id.as_ref()) {
                out.push(request);
            }
        }
        self.render();
        out
    }

    fn on_click(&mut self, id: &str) -> Option<Request> {
        let choice = choice_for(id, &self.view);
        // GTK flips a check item as it is clicked; put the menu back to the daemon's truth at
        // once, and let the daemon's answer move it.
        self.menu.apply(&self.view);
        match choice? {
            Choice::Daemon(action) => {
                self.act(action);
                None
            }
            Choice::CheckIn => {
                // The window shows the sentence, a countdown and the meter; without it the
                // client thread posts a notice with the sentence as the daemon starts listening.
                if !window::app_path().is_some_and(|app| window::open(&app, &["--checkin"])) {
                    self.act(Action::CheckIn);
                }
                None
            }
            Choice::OpenWindow => match window::app_path() {
                Some(app) if window::open(&app, &[]) => None,
                _ => Some(Request::Message {
                    title: "Sonora's window is not installed".into(),
                    body: "Install sonora-app (it comes with the Sonora package) to open Sonora's window."
                        .into(),
                }),
            },
            Choice::History => {
                if !window::app_path().is_some_and(|app| window::open(&app, &["--page", "history"])) {
                    self.show_history();
                }
                None
            }
            Choice::OpenConfig => {
                open_config_folder();
                None
            }
            Choice::About => match window::app_path() {
                Some(app) if window::open(&app, &["--page", "about"]) => None,
                _ => Some(Request::Message {
                    title: "About Sonora".into(),
                    body: sonora_proto::about::about_text(),
                }),
            },
            Choice::Quit => Some(Request::Quit),
        }
    }

    fn act(&self, action: Action) {
        if self.actions.send(action).is_err() {
            warn!("the D-Bus thread is gone; {action:?} dropped");
        }
    }

    fn render(&mut self) {
        let view = view(&self.presence, self.snapshot_at.elapsed());
        if view == self.view {
            return;
        }
        self.menu.apply(&view);
        if view.icon != self.icon {
            if let Err(e) = self.tray.set_icon(Some(icons::tray_icon(view.icon))) {
                warn!("could not change the tray icon: {e}");
            }
            self.icon = view.icon;
        }
        if view.tooltip != self.tooltip {
            let _ = self.tray.set_tooltip(Some(&view.tooltip));
            self.tooltip = view.tooltip.clone();
        }
        self.view = view;
    }

    /// Runs `sonoractl history` on a helper thread and shows what it prints: the CLI already words
    /// the history for people, and the tray should not keep a second copy of that wording.
    fn show_history(&self) {
        let tx = self.updates_tx.clone();
        std::thread::spawn(move || {
            let body = match Command::new(sonoractl_path()).arg("history").output() {
                Ok(out) if out.status.success() => {
                    let text = String::from_utf8_lossy(&out.stdout).trim_end().to_string();
                    if text.is_empty() { "No sessions or check-ins yet.".to_string() } else { text }
                }
                Ok(out) => format!(
                    "`sonoractl history` failed:\n{}",
                    String::from_utf8_lossy(&out.stderr).trim_end()
                ),
                Err(e) => format!("Could not run sonoractl ({e}). Is it installed next to sonora-tray?"),
            };
            let _ = tx.send(Update::Message { title: "Sonora history".into(), body });
        });
    }
}

/// `sonoractl` beside our own binary (a build tree or an install prefix), else from `PATH`.
fn sonoractl_path() -> std::path::PathBuf {
    let name = format!("sonoractl{}", std::env::consts::EXE_SUFFIX);
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join(&name)))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| name.into())
}

/// Opens the config folder in the file manager, creating it first so there is something to open.
fn open_config_folder() {
    let dir = sonora_proto::paths::config_dir();
    if let Err(e) = std::fs::create_dir_all(&dir) {
        warn!("could not create {}: {e}", dir.display());
    }
    let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    match Command::new(opener).arg(&dir).spawn() {
        // Reap it on a helper thread so no zombie is left behind.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(e) => warn!("could not run {opener} {}: {e}", dir.display()),
    }
}
