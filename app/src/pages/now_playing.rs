//! Now playing: start calm, focus or sleep (optionally with a chosen pack), see why it sounds as
//! it does and how long is left, stop, next, and the master volume.

use crate::a11y;
use crate::daemon::Daemon;
use crate::format;
use gtk::prelude::*;
use sonora_proto::command::{StartArgs, VolumeArgs};
use sonora_proto::{Command, Event, Outcome, PackInfo, StateKind, Status};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Instant;

/// The pack chooser's first entry: let Sonora choose.
const ANY_PACK: &str = "Sonora chooses";

pub struct NowPlaying {
    pub root: gtk::ScrolledWindow,
    daemon: Daemon,
    headline: gtk::Label,
    explanation: gtk::Label,
    pack: gtk::Label,
    time_left: gtk::Label,
    message: gtk::Label,
    stop: gtk::Button,
    next: gtk::Button,
    volume: gtk::Scale,
    packs: gtk::DropDown,
    pack_names: RefCell<Vec<String>>,
    /// Set while the window moves the volume slider itself, so that move is not sent back.
    quiet: Cell<bool>,
    /// Seconds left at `snapshot`, for the countdown between the daemon's updates.
    remaining: Cell<Option<(f64, Instant)>>,
    ticker: RefCell<Option<gtk::glib::SourceId>>,
}

impl NowPlaying {
    pub fn new(daemon: &Daemon) -> Rc<Self> {
        let (root, b) = super::page_box();
        let headline = super::text("Nothing playing");
        headline.add_css_class("title-1");
        let explanation = super::text("");
        let pack = super::text("");
        pack.add_css_class("dim-label");
        let time_left = super::text("");
        time_left.add_css_class("numeric");
        let message = super::text("");
        message.add_css_class("error");
        message.set_visible(false);

        let outcomes = gtk::Box::new(gtk::Orientation::Horizontal, 6);
        outcomes.set_homogeneous(true);
        let packs = gtk::DropDown::from_strings(&[ANY_PACK]);
        a11y::name(&packs, "Sound pack to play");
        let pack_row = gtk::Box::new(gtk::Orientation::Horizontal, 6);
        let pack_label = gtk::Label::with_mnemonic("_Pack:");
        pack_label.set_mnemonic_widget(Some(&packs));
        pack_row.append(&pack_label);
        pack_row.append(&packs);

        let controls = gtk::Box::new(gtk::Orientation::Horizontal, 6);
        let stop = gtk::Button::with_mnemonic("_Stop");
        a11y::name(&stop, "Stop the session");
        let next = gtk::Button::with_mnemonic("_Next");
        a11y::name(&next, "Play something else for the same outcome");
        controls.append(&stop);
        controls.append(&next);

        let volume = gtk::Scale::with_range(gtk::Orientation::Horizontal, 0.0, 1.0, 0.01);
        volume.set_hexpand(true);
        volume.set_widget_name("volume");
        a11y::name(&volume, "Volume");
        let vol_row = gtk::Box::new(gtk::Orientation::Horizontal, 6);
        let vol_label = gtk::Label::with_mnemonic("_Volume");
        vol_label.set_mnemonic_widget(Some(&volume));
        vol_row.append(&vol_label);
        vol_row.append(&volume);

        for w in [
            headline.upcast_ref::<gtk::Widget>(),
            explanation.upcast_ref(),
            pack.upcast_ref(),
            time_left.upcast_ref(),
        ] {
            b.append(w);
        }
        b.append(&outcomes);
        b.append(&pack_row);
        b.append(&controls);
        b.append(&vol_row);
        b.append(&message);
        headline.set_widget_name("headline");
        explanation.set_widget_name("explanation");
        pack.set_widget_name("pack");
        time_left.set_widget_name("time-left");
        message.set_widget_name("now-message");

        let page = Rc::new(NowPlaying {
            root,
            daemon: daemon.clone(),
            headline,
            explanation,
            pack,
            time_left,
            message,
            stop,
            next,
            volume,
            packs,
            pack_names: RefCell::new(Vec::new()),
            quiet: Cell::new(false),
            remaining: Cell::new(None),
            ticker: RefCell::new(None),
        });

        for (o, mnemonic) in
            [(Outcome::Calm, "_Calm"), (Outcome::Focus, "_Focus"), (Outcome::Sleep, "S_leep")]
        {
            let btn = gtk::Button::with_mnemonic(mnemonic);
            btn.add_css_class("pill");
            btn.set_widget_name(&format!("start-{o}"));
            a11y::name(&btn, &format!("Play {} sounds", o.as_str()));
            let p = Rc::downgrade(&page);
            btn.connect_clicked(move |_| {
                if let Some(p) = p.upgrade() {
                    p.start(o);
                }
            });
            outcomes.append(&btn);
        }
        let p = Rc::downgrade(&page);
        page.stop.connect_clicked(move |_| {
            if let Some(p) = p.upgrade() {
                p.send(Command::Stop);
            }
        });
        let p = Rc::downgrade(&page);
        page.next.connect_clicked(move |_| {
            if let Some(p) = p.upgrade() {
                p.send(Command::Next);
            }
        });
        let p = Rc::downgrade(&page);
        page.volume.connect_value_changed(move |s| {
            if let Some(p) = p.upgrade()
                && !p.quiet.get()
            {
                p.send(Command::Volume(VolumeArgs { level: s.value() }));
            }
        });
        page
    }

    fn start(&self, outcome: Outcome) {
        let i = self.packs.selected() as usize;
        let pack = if i == 0 { None } else { self.pack_names.borrow().get(i - 1).cloned() };
        self.send(Command::Start(StartArgs { outcome, minutes: None, preset: None, pack }));
    }

    fn send(&self, command: Command) {
        let msg = self.message.clone();
        msg.set_visible(false);
        self.daemon.send(command, move |e| {
            msg.set_label(&e.message);
            msg.set_visible(true);
        });
    }

    /// Connected again: refresh the pack list too.
    pub fn on_connected(self: &Rc<Self>) {
        let p = Rc::downgrade(self);
        self.daemon.call(Command::Packs, move |r| {
            if let (Some(p), Ok(v)) = (p.upgrade(), r)
                && let Ok(packs) = serde_json::from_value::<Vec<PackInfo>>(v)
            {
                p.set_packs(&packs);
            }
        });
    }

    fn set_packs(&self, packs: &[PackInfo]) {
        let names: Vec<String> =
            packs.iter().filter(|p| p.state == "loaded").map(|p| p.name.clone()).collect();
        let mut items: Vec<&str> = vec![ANY_PACK];
        items.extend(names.iter().map(String::as_str));
        self.packs.set_model(Some(&gtk::StringList::new(&items)));
        *self.pack_names.borrow_mut() = names;
    }

    pub fn on_status(self: &Rc<Self>, st: &Status) {
        self.headline.set_label(&format::headline(st));
        self.explanation.set_label(st.explanation.as_deref().unwrap_or(""));
        self.pack.set_label(&st.pack.as_ref().map(|p| format!("Pack: {p}")).unwrap_or_default());
        let playing = matches!(st.state, StateKind::Playing | StateKind::Fading);
        self.stop.set_sensitive(playing);
        self.next.set_sensitive(st.state == StateKind::Playing);
        self.set_volume(st.volume);
        self.remaining.set(st.remaining_s.map(|s| (s, Instant::now())));
        self.tick();
        // A one-second ticker only while a timed session plays: an idle window does no work.
        let want = playing && st.remaining_s.is_some();
        let mut ticker = self.ticker.borrow_mut();
        if want && ticker.is_none() {
            let p = Rc::downgrade(self);
            *ticker = Some(gtk::glib::timeout_add_seconds_local(1, move || match p.upgrade() {
                Some(p) => {
                    p.tick();
                    gtk::glib::ControlFlow::Continue
                }
                None => gtk::glib::ControlFlow::Break,
            }));
        } else if !want && let Some(id) = ticker.take() {
            id.remove();
        }
    }

    fn tick(&self) {
        let left = self.remaining.get().map(|(s, at)| (s - at.elapsed().as_secs_f64()).max(0.0));
        self.time_left.set_label(&format::time_left(left));
    }

    fn set_volume(&self, v: f64) {
        if (self.volume.value() - v).abs() > 1e-6 {
            self.quiet.set(true);
            self.volume.set_value(v);
            self.quiet.set(false);
        }
    }

    pub fn on_event(self: &Rc<Self>, ev: &Event) {
        match ev {
            Event::State(st) => self.on_status(st),
            Event::Volume { volume } => self.set_volume(*volume),
            Event::Error(e) => {
                self.message.set_label(&e.message);
                self.message.set_visible(true);
            }
            _ => {}
        }
    }
}
