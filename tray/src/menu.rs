//! The tray menu: built once, then updated in place from a [`View`].
//!
//! Items keep stable ids so a click maps to a [`Choice`] without comparing labels. The menu is
//! never rebuilt, because AppIndicator re-exports a rebuilt menu under new dbusmenu ids and an
//! open menu would close under the person's pointer.

use crate::client::Action;
use crate::view::{VOLUME_STEPS, View, outcome_label};
use sonora_proto::Outcome;
use tray_icon::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};

/// Label of the About item; the text it opens comes from `sonora_proto::about`.
pub const ABOUT_LABEL: &str = "About Sonora (not a medical device)";
pub const CHECKIN_LABEL: &str = "Check in now…";
pub const HISTORY_LABEL: &str = "History…";
pub const OPEN_LABEL: &str = "Open Sonora…";

/// What a click asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Choice {
    Daemon(Action),
    /// Sonora's window when installed, else the daemon's check-in with a notice.
    CheckIn,
    OpenWindow,
    History,
    OpenConfig,
    About,
    Quit,
}

/// Maps a menu id back to what it does. `view` is what the menu showed when clicked: GTK has
/// already flipped a check item by then, so the intent is read from the state before the click.
pub fn choice_for(id: &str, view: &View) -> Option<Choice> {
    if let Some(o) = id.strip_prefix("outcome:") {
        return o.parse::<Outcome>().ok().map(|o| Choice::Daemon(Action::Toggle(o)));
    }
    if let Some(pct) = id.strip_prefix("volume:") {
        return pct.parse::<u8>().ok().map(|p| Choice::Daemon(Action::Volume(f64::from(p) / 100.0)));
    }
    Some(match id {
        "checkin" => Choice::CheckIn,
        "open" => Choice::OpenWindow,
        "stop" => Choice::Daemon(Action::Stop),
        "schedule_pause" => Choice::Daemon(Action::PauseSchedule(!view.schedule_paused)),
        "history" => Choice::History,
        "config" => Choice::OpenConfig,
        "about" => Choice::About,
        "quit" => Choice::Quit,
        _ => return None,
    })
}

/// The live menu and its items.
pub struct TrayMenu {
    pub menu: Menu,
    status: MenuItem,
    outcomes: [CheckMenuItem; 3],
    checkin: MenuItem,
    stop: MenuItem,
    volume: Submenu,
    volume_steps: Vec<CheckMenuItem>,
    schedule: CheckMenuItem,
    history: MenuItem,
}

impl TrayMenu {
    pub fn new() -> Result<Self, tray_icon::menu::Error> {
        let menu = Menu::new();
        let status = MenuItem::with_id("status", "Looking for Sonora…", false, None);
        let outcomes = Outcome::ALL
            .map(|o| CheckMenuItem::with_id(format!("outcome:{o}"), outcome_label(o), false, false, None));
        let checkin = MenuItem::with_id("checkin", CHECKIN_LABEL, false, None);
        let stop = MenuItem::with_id("stop", "Stop", false, None);
        // The submenu's own label stays fixed: libdbusmenu-gtk does not pass label changes of an
        // item with a submenu on to the panel, so the level is shown by the check marks inside.
        let volume = Submenu::with_id("volume", "Volume", false);
        let volume_steps: Vec<CheckMenuItem> = VOLUME_STEPS
            .iter()
            .map(|p| CheckMenuItem::with_id(format!("volume:{p}"), format!("{p}%"), true, false, None))
            .collect();
        for step in &volume_steps {
            volume.append(step)?;
        }
        let schedule = CheckMenuItem::with_id("schedule_pause", "Pause schedule", false, false, None);
        let history = MenuItem::with_id("history", HISTORY_LABEL, false, None);
        // Always enabled: the window says itself when the daemon is not running.
        let open = MenuItem::with_id("open", OPEN_LABEL, true, None);
        let config = MenuItem::with_id("config", "Open config folder", true, None);
        let about = MenuItem::with_id("about", ABOUT_LABEL, true, None);
        let quit = MenuItem::with_id("quit", "Quit tray", true, None);

        menu.append(&status)?;
        menu.append(&open)?;
        menu.append(&PredefinedMenuItem::separator())?;
        for o in &outcomes {
            menu.append(o)?;
        }
        menu.append(&PredefinedMenuItem::separator())?;
        menu.append_items(&[&checkin, &stop, &volume, &schedule])?;
        menu.append(&PredefinedMenuItem::separator())?;
        menu.append_items(&[&history, &config, &about])?;
        menu.append(&PredefinedMenuItem::separator())?;
        menu.append(&quit)?;
        Ok(TrayMenu { menu, status, outcomes, checkin, stop, volume, volume_steps, schedule, history })
    }

    /// Copies `view` onto the widgets. Only changed values are written, so an open menu does not
    /// flicker every second while the countdown ticks.
    pub fn apply(&self, view: &View) {
        set_text(&self.status, &view.status_line);
        for (item, checked) in self.outcomes.iter().zip(view.outcome_checked) {
            set_check(item, view.connected, checked);
        }
        set_enabled(&self.checkin, view.connected && view.checkin_enabled);
        set_enabled(&self.stop, view.connected && view.stop_enabled);
        if self.volume.is_enabled() != view.connected {
            self.volume.set_enabled(view.connected);
        }
        for (item, checked) in self.volume_steps.iter().zip(view.volume_checked) {
            set_check(item, true, checked);
        }
        set_check(&self.schedule, view.connected, view.schedule_paused);
        set_enabled(&self.history, view.connected);
    }
}

fn set_text(item: &MenuItem, text: &str) {
    if item.text() != text {
        item.set_text(text);
    }
}

fn set_enabled(item: &MenuItem, enabled: bool) {
    if item.is_enabled() != enabled {
        item.set_enabled(enabled);
    }
}

fn set_check(item: &CheckMenuItem, enabled: bool, checked: bool) {
    if item.is_enabled() != enabled {
        item.set_enabled(enabled);
    }
    if item.is_checked() != checked {
        item.set_checked(checked);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::{Presence, view};
    use sonora_proto::{StateKind, Status};
    use std::time::Duration;

    #[test]
    fn ids_map_to_choices() {
        let idle = view(&Presence::Running(Box::new(Status::idle(0.5))), Duration::ZERO);
        assert_eq!(choice_for("outcome:focus", &idle), Some(Choice::Daemon(Action::Toggle(Outcome::Focus))));
        assert_eq!(choice_for("volume:40", &idle), Some(Choice::Daemon(Action::Volume(0.4))));
        assert_eq!(choice_for("schedule_pause", &idle), Some(Choice::Daemon(Action::PauseSchedule(true))));
        assert_eq!(choice_for("checkin", &idle), Some(Choice::CheckIn));
        assert_eq!(choice_for("open", &idle), Some(Choice::OpenWindow));
        assert_eq!(choice_for("about", &idle), Some(Choice::About));
        assert_eq!(choice_for("quit", &idle), Some(Choice::Quit));
        assert_eq!(choice_for("status", &idle), None);
        assert_eq!(choice_for("outcome:party", &idle), None);

        let mut paused = Status::idle(0.5);
        paused.schedule_paused = true;
        paused.state = StateKind::Playing;
        let v = view(&Presence::Running(Box::new(paused)), Duration::ZERO);
        assert_eq!(choice_for("schedule_pause", &v), Some(Choice::Daemon(Action::PauseSchedule(false))));
    }

    #[test]
    fn about_label_names_the_disclaimer_only() {
        assert!(ABOUT_LABEL.contains("not a medical device"));
    }
}
