//! Schedule: the entries with their next run; pause or resume the schedule, skip an entry's
//! next run.

use crate::a11y;
use crate::daemon::{Daemon, Failure};
use gtk::prelude::*;
use sonora_proto::command::NameArgs;
use sonora_proto::{Command, ScheduleInfo};
use std::rc::Rc;

pub struct Schedule {
    pub root: gtk::ScrolledWindow,
    daemon: Daemon,
    state: gtk::Label,
    pause: gtk::Button,
    list: gtk::ListBox,
    message: gtk::Label,
}

/// One entry in plain words: "evening: 21:30 every day, sleep for 30 min; next: …".
pub fn entry_line(e: &sonora_proto::ScheduleEntryInfo) -> String {
    let len = e.minutes.map(|m| format!(" for {m} min")).unwrap_or_default();
    let ask = if e.checkin { ", check-in first" } else { "" };
    let next = match (&e.next_run, e.skip_next) {
        (Some(n), true) => format!("next run skipped; then {}", pretty_time(n)),
        (Some(n), false) => format!("next: {}", pretty_time(n)),
        (None, _) => "no next run".into(),
    };
    format!("{}: {} {}, {}{len}{ask}; {next}", e.name, e.at, e.days, e.outcome)
}

fn pretty_time(rfc3339: &str) -> String {
    gtk::glib::DateTime::from_iso8601(rfc3339, None)
        .and_then(|t| t.to_local())
        .and_then(|t| t.format("%a %e %b, %H:%M"))
        .map(|s| s.to_string())
        .unwrap_or_else(|_| rfc3339.to_string())
}

impl Schedule {
    pub fn new(daemon: &Daemon) -> Rc<Self> {
        let (root, b) = super::page_box();
        let state = super::text("");
        state.set_widget_name("schedule-state");
        let pause = gtk::Button::with_mnemonic("_Pause schedule");
        pause.set_halign(gtk::Align::Start);
        pause.set_widget_name("schedule-pause");
        a11y::name(&pause, "Pause or resume the schedule");
        let list = gtk::ListBox::new();
        list.add_css_class("boxed-list");
        list.set_selection_mode(gtk::SelectionMode::None);
        let message = super::text("");
        b.append(&state);
        b.append(&pause);
        b.append(&list);
        b.append(&message);
        b.append(&super::text("Add [[schedule]] tables to config.toml to plan sessions."));
        let page = Rc::new(Schedule { root, daemon: daemon.clone(), state, pause, list, message });
        let p = Rc::downgrade(&page);
        page.pause.connect_clicked(move |btn| {
            if let Some(p) = p.upgrade() {
                let cmd = if btn.label().is_some_and(|l| l.contains("Resume")) {
                    Command::ScheduleResume
                } else {
                    Command::SchedulePause
                };
                p.run(cmd);
            }
        });
        page
    }

    pub fn reload(self: &Rc<Self>) {
        self.run(Command::Schedule);
    }

    /// Every schedule command answers with the whole schedule: show it.
    fn run(self: &Rc<Self>, cmd: Command) {
        let p = Rc::downgrade(self);
        self.daemon.call(cmd, move |r| {
            if let Some(p) = p.upgrade() {
                p.show(r);
            }
        });
    }

    fn show(self: &Rc<Self>, r: Result<serde_json::Value, Failure>) {
        let info = match r.map(serde_json::from_value::<ScheduleInfo>) {
            Ok(Ok(info)) => info,
            Ok(Err(e)) => return self.message.set_label(&format!("The schedule could not be read: {e}")),
            Err(e) => return self.message.set_label(&e.message),
        };
        self.message
            .set_label(&info.errors.iter().map(|e| format!("Problem: {e}")).collect::<Vec<_>>().join("\n"));
        self.state.set_label(match (info.paused, info.entries.is_empty()) {
            (_, true) => "No schedule entries yet.",
            (true, false) => "The schedule is paused.",
            (false, false) => "The schedule is on.",
        });
        self.pause.set_label(if info.paused { "_Resume schedule" } else { "_Pause schedule" });
        self.pause.set_sensitive(!info.entries.is_empty() || info.paused);
        while let Some(child) = self.list.first_child() {
            self.list.remove(&child);
        }
        for e in &info.entries {
            let row = gtk::Box::new(gtk::Orientation::Horizontal, 6);
            row.set_margin_start(12);
            row.set_margin_end(12);
            row.set_margin_top(6);
            row.set_margin_bottom(6);
            let label = super::text(&entry_line(e));
            label.set_hexpand(true);
            let skip = gtk::Button::with_label("Skip next");
            skip.set_widget_name(&format!("schedule-skip:{}", e.name));
            a11y::name(&skip, &format!("Skip the next run of {}", e.name));
            skip.set_sensitive(!e.skip_next && e.next_run.is_some());
            let (p, name) = (Rc::downgrade(self), e.name.clone());
            skip.connect_clicked(move |_| {
                if let Some(p) = p.upgrade() {
                    p.run(Command::ScheduleSkipNext(NameArgs { name: name.clone() }));
                }
            });
            row.append(&label);
            row.append(&skip);
            self.list.append(&row);
        }
    }

    /// The daemon's status says when the schedule is paused or resumed elsewhere.
    pub fn on_status(self: &Rc<Self>, st: &sonora_proto::Status) {
        let shown_paused = self.pause.label().is_some_and(|l| l.contains("Resume"));
        if shown_paused != st.schedule_paused {
            self.reload();
        }
    }
}
