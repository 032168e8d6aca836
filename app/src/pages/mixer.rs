//! Mixer: one row per live layer with a volume slider and a mute switch, and presets.
//!
//! A slider move is sent at once. Events from other clients move the sliders; moves the window
//! makes itself are flagged (`quiet`) so they are not sent back, and a layer the person is
//! moving ignores echoes for a moment so an older event cannot pull the slider back mid-drag.

use crate::a11y;
use crate::daemon::Daemon;
use crate::timing;
use adw::prelude::*;
use sonora_proto::command::{LayerArgs, NameArgs, StartArgs};
use sonora_proto::{Command, Event, LayerInfo, Outcome, Status};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

/// How long after a local move the layer's slider ignores the daemon's echoes.
const HOLD: Duration = Duration::from_millis(400);

struct Row {
    name: String,
    volume: gtk::Scale,
    mute: gtk::Switch,
    moved_at: Cell<Option<Instant>>,
}

pub struct Mixer {
    pub root: gtk::ScrolledWindow,
    daemon: Daemon,
    list: gtk::ListBox,
    empty: gtk::Label,
    rows: RefCell<Vec<Rc<Row>>>,
    presets: gtk::ListBox,
    save: gtk::Button,
    message: gtk::Label,
    outcome: Cell<Option<Outcome>>,
    quiet: Cell<bool>,
}

impl Mixer {
    pub fn new(daemon: &Daemon) -> Rc<Self> {
        let (root, b) = super::page_box();
        b.append(&super::heading("Layers"));
        let empty = super::text("Nothing is playing, so there are no layers to mix.");
        let list = gtk::ListBox::new();
        list.add_css_class("boxed-list");
        list.set_selection_mode(gtk::SelectionMode::None);
        b.append(&empty);
        b.append(&list);
        let save = gtk::Button::with_mnemonic("_Save as preset…");
        save.set_widget_name("preset-save");
        a11y::name(&save, "Save this mix as a preset");
        save.set_halign(gtk::Align::Start);
        b.append(&save);
        let message = super::text("");
        message.set_widget_name("mixer-message");
        b.append(&message);
        b.append(&super::heading("Presets"));
        let presets = gtk::ListBox::new();
        presets.add_css_class("boxed-list");
        presets.set_selection_mode(gtk::SelectionMode::None);
        b.append(&presets);

        let page = Rc::new(Mixer {
            root,
            daemon: daemon.clone(),
            list,
            empty,
            rows: RefCell::new(Vec::new()),
            presets,
            save,
            message,
            outcome: Cell::new(None),
            quiet: Cell::new(false),
        });
        let p = Rc::downgrade(&page);
        page.save.connect_clicked(move |btn| {
            if let Some(p) = p.upgrade() {
                p.ask_preset_name(btn);
            }
        });
        page
    }

    pub fn on_connected(self: &Rc<Self>) {
        self.load_presets();
    }

    fn load_presets(self: &Rc<Self>) {
        let p = Rc::downgrade(self);
        self.daemon.call(Command::Presets, move |r| {
            if let (Some(p), Ok(v)) = (p.upgrade(), r) {
                let names: Vec<String> = serde_json::from_value(v).unwrap_or_default();
                p.show_presets(&names);
            }
        });
    }

    fn show_presets(self: &Rc<Self>, names: &[String]) {
        while let Some(child) = self.presets.first_child() {
            self.presets.remove(&child);
        }
        if names.is_empty() {
            self.presets.append(&super::text("No presets yet."));
        }
        for name in names {
            let row = gtk::Box::new(gtk::Orientation::Horizontal, 6);
            row.set_margin_start(6);
            row.set_margin_end(6);
            let label = super::text(name);
            label.set_hexpand(true);
            let play = gtk::Button::with_label("Play");
            play.set_widget_name(&format!("preset-play:{name}"));
            a11y::name(&play, &format!("Play the preset {name}"));
            let (p, name) = (Rc::downgrade(self), name.clone());
            play.connect_clicked(move |_| {
                if let Some(p) = p.upgrade() {
                    let outcome = p.outcome.get().unwrap_or(Outcome::Calm);
                    let preset = Some(name.clone());
                    p.send(Command::Start(StartArgs { outcome, minutes: None, preset, pack: None }));
                }
            });
            row.append(&label);
            row.append(&play);
            self.presets.append(&row);
        }
    }

    /// "Save as preset…": asks for a name in a dialog, then saves.
    fn ask_preset_name(self: &Rc<Self>, anchor: &gtk::Button) {
        let window = anchor.root().and_downcast::<gtk::Window>();
        let dialog = adw::MessageDialog::new(window.as_ref(), Some("Save as preset"), Some("Name this mix:"));
        let entry = gtk::Entry::new();
        entry.set_activates_default(true);
        a11y::name(&entry, "Preset name");
        dialog.set_extra_child(Some(&entry));
        dialog.add_responses(&[("cancel", "_Cancel"), ("save", "_Save")]);
        dialog.set_default_response(Some("save"));
        dialog.set_response_appearance("save", adw::ResponseAppearance::Suggested);
        let p = Rc::downgrade(self);
        dialog.connect_response(None, move |_, response| {
            let name = entry.text().trim().to_string();
            if response == "save"
                && !name.is_empty()
                && let Some(p) = p.upgrade()
            {
                let (msg, w) = (p.message.clone(), Rc::downgrade(&p));
                p.daemon.call(Command::PresetSave(NameArgs { name: name.clone() }), move |r| match r {
                    Ok(_) => {
                        msg.set_label(&format!("Saved preset “{name}”."));
                        if let Some(p) = w.upgrade() {
                            p.load_presets();
                        }
                    }
                    Err(e) => msg.set_label(&e.message),
                });
            }
        });
        dialog.present();
    }

    fn send(&self, command: Command) {
        let msg = self.message.clone();
        self.daemon.send(command, move |e| msg.set_label(&e.message));
    }

    pub fn on_status(self: &Rc<Self>, st: &Status) {
        self.outcome.set(st.outcome);
        self.save.set_sensitive(!st.layers.is_empty());
        self.empty.set_visible(st.layers.is_empty());
        self.list.set_visible(!st.layers.is_empty());
        let same = {
            let rows = self.rows.borrow();
            rows.len() == st.layers.len() && rows.iter().zip(&st.layers).all(|(r, l)| r.name == l.name)
        };
        if !same {
            self.rebuild(&st.layers);
        }
        self.quiet.set(true);
        for (row, layer) in self.rows.borrow().iter().zip(&st.layers) {
            let held = row.moved_at.get().is_some_and(|t| t.elapsed() < HOLD);
            if !held && (row.volume.value() - layer.volume).abs() > 1e-6 {
                row.volume.set_value(layer.volume);
            }
            if row.mute.is_active() != layer.muted {
                row.mute.set_active(layer.muted);
            }
        }
        self.quiet.set(false);
    }

    pub fn on_event(self: &Rc<Self>, ev: &Event) {
        if let Event::State(st) = ev {
            self.on_status(st);
        }
    }

    fn rebuild(self: &Rc<Self>, layers: &[LayerInfo]) {
        while let Some(child) = self.list.first_child() {
            self.list.remove(&child);
        }
        let mut rows = Vec::new();
        self.quiet.set(true);
        for layer in layers {
            let line = gtk::Box::new(gtk::Orientation::Horizontal, 12);
            line.set_margin_start(12);
            line.set_margin_end(12);
            line.set_margin_top(6);
            line.set_margin_bottom(6);
            let label = gtk::Label::builder().label(&layer.name).xalign(0.0).width_chars(14).build();
            let kind = gtk::Label::new(Some(&layer.kind));
            kind.add_css_class("dim-label");
            let volume = gtk::Scale::with_range(gtk::Orientation::Horizontal, 0.0, 1.0, 0.01);
            volume.set_hexpand(true);
            volume.set_value(layer.volume);
            volume.set_widget_name(&format!("layer:{}", layer.name));
            a11y::name(&volume, &format!("Volume of {}", layer.name));
            let mute = gtk::Switch::new();
            mute.set_valign(gtk::Align::Center);
            mute.set_active(layer.muted);
            mute.set_widget_name(&format!("mute:{}", layer.name));
            a11y::name(&mute, &format!("Mute {}", layer.name));
            let mute_label = gtk::Label::new(Some("Mute"));
            line.append(&label);
            line.append(&kind);
            line.append(&volume);
            line.append(&mute_label);
            line.append(&mute);
            self.list.append(&line);
            let row = Rc::new(Row { name: layer.name.clone(), volume, mute, moved_at: Cell::new(None) });
            self.connect_row(&row);
            rows.push(row);
        }
        self.quiet.set(false);
        *self.rows.borrow_mut() = rows;
    }

    fn connect_row(self: &Rc<Self>, row: &Rc<Row>) {
        let (p, r): (Weak<Mixer>, Weak<Row>) = (Rc::downgrade(self), Rc::downgrade(row));
        row.volume.connect_value_changed(move |s| {
            let (Some(p), Some(r)) = (p.upgrade(), r.upgrade()) else { return };
            if p.quiet.get() {
                return;
            }
            r.moved_at.set(Some(Instant::now()));
            let sent = Instant::now();
            let msg = p.message.clone();
            let args = LayerArgs { name: r.name.clone(), volume: Some(s.value()), mute: None };
            p.daemon.call(Command::Layer(args), move |res| match res {
                Ok(_) => timing::layer_ack(sent.elapsed()),
                Err(e) => msg.set_label(&e.message),
            });
        });
        let (p, r) = (Rc::downgrade(self), Rc::downgrade(row));
        row.mute.connect_active_notify(move |s| {
            let (Some(p), Some(r)) = (p.upgrade(), r.upgrade()) else { return };
            if !p.quiet.get() {
                p.send(Command::Layer(LayerArgs {
                    name: r.name.clone(),
                    volume: None,
                    mute: Some(s.is_active()),
                }));
            }
        });
    }
}
