//! The window: header with the page switcher, the "daemon not running" banner, the pages, and
//! the loop that routes the daemon's messages to them.

use crate::cli::Options;
use crate::daemon::{Daemon, Msg};
use crate::pages::{
    about, checkin::Checkin, history::History, mixer::Mixer, now_playing::NowPlaying, schedule::Schedule,
};
use crate::{testctl, timing};
use adw::prelude::*;
use sonora_proto::Event;
use sonora_proto::command::CheckinArgs;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

pub struct Window {
    pub window: adw::ApplicationWindow,
    pub stack: adw::ViewStack,
    banner: gtk::Revealer,
    banner_text: gtk::Label,
    pub connected: Cell<bool>,
    now: Rc<NowPlaying>,
    mixer: Rc<Mixer>,
    checkin: Rc<Checkin>,
    history: Rc<History>,
    schedule: Rc<Schedule>,
    /// A `--checkin` that arrived before the daemon answered: start it once connected.
    checkin_waiting: Cell<bool>,
}

impl Window {
    pub fn build(app: &adw::Application, started: Instant) -> anyhow::Result<Rc<Window>> {
        // Light or dark as the desktop says.
        adw::StyleManager::default().set_color_scheme(adw::ColorScheme::Default);
        let (daemon, messages) = Daemon::start()?;

        let stack = adw::ViewStack::new();
        let now = NowPlaying::new(&daemon);
        let mixer = Mixer::new(&daemon);
        let checkin = Checkin::new(&daemon);
        let history = History::new(&daemon);
        let schedule = Schedule::new(&daemon);
        stack.add_titled_with_icon(&now.root, Some("now"), "Now playing", "media-playback-start-symbolic");
        stack.add_titled_with_icon(&mixer.root, Some("mixer"), "Mixer", "multimedia-volume-control-symbolic");
        stack.add_titled_with_icon(
            &checkin.root,
            Some("checkin"),
            "Check-in",
            "audio-input-microphone-symbolic",
        );
        stack.add_titled_with_icon(
            &history.root,
            Some("history"),
            "History",
            "document-open-recent-symbolic",
        );
        stack.add_titled_with_icon(&schedule.root, Some("schedule"), "Schedule", "alarm-symbolic");
        stack.add_titled_with_icon(&about::new(), Some("about"), "About", "help-about-symbolic");
        stack.set_vexpand(true);

        let switcher = adw::ViewSwitcherTitle::builder().stack(&stack).title("Sonora").build();
        let header = adw::HeaderBar::builder().title_widget(&switcher).build();
        let bottom = adw::ViewSwitcherBar::builder().stack(&stack).build();
        switcher.bind_property("title-visible", &bottom, "reveal").sync_create().build();

        let banner_text = crate::pages::text("Looking for Sonora's daemon…");
        banner_text.set_widget_name("banner");
        banner_text.set_selectable(true);
        banner_text.set_margin_top(8);
        banner_text.set_margin_bottom(8);
        banner_text.set_margin_start(12);
        banner_text.set_margin_end(12);
        let banner_box = gtk::Box::new(gtk::Orientation::Vertical, 0);
        banner_box.add_css_class("warning");
        banner_box.append(&banner_text);
        let banner = gtk::Revealer::builder().child(&banner_box).reveal_child(false).build();

        let content = gtk::Box::new(gtk::Orientation::Vertical, 0);
        content.append(&header);
        content.append(&banner);
        content.append(&stack);
        content.append(&bottom);
        let window = adw::ApplicationWindow::builder()
            .application(app)
            .title("Sonora")
            .default_width(760)
            .default_height(640)
            .content(&content)
            .build();
        stack.set_sensitive(false);

        let win = Rc::new(Window {
            window,
            stack,
            banner,
            banner_text,
            connected: Cell::new(false),
            now,
            mixer,
            checkin,
            history,
            schedule,
            checkin_waiting: Cell::new(false),
        });
        report_first_frame(&win.window, started);
        let w = Rc::downgrade(&win);
        gtk::glib::spawn_future_local(async move {
            while let Ok(msg) = messages.recv().await {
                let Some(w) = w.upgrade() else { break };
                w.on_message(&daemon, msg);
            }
        });
        if let Some(path) = std::env::var_os("SONORA_APP_TEST_SOCKET") {
            testctl::serve(std::path::PathBuf::from(path), Rc::downgrade(&win))?;
        }
        win.window.present();
        Ok(win)
    }

    /// Options from this or a later `sonora-app` invocation.
    pub fn apply(&self, opts: &Options) {
        if let Some(page) = &opts.page {
            self.stack.set_visible_child_name(page);
        }
        if opts.checkin {
            if self.connected.get() {
                self.checkin.begin(CheckinArgs::default());
            } else {
                self.checkin_waiting.set(true);
            }
        }
        self.window.present();
    }

    fn on_message(&self, daemon: &Daemon, msg: Msg) {
        match msg {
            Msg::Up(status) => {
                self.connected.set(true);
                self.banner.set_reveal_child(false);
                self.stack.set_sensitive(true);
                self.now.on_status(&status);
                self.mixer.on_status(&status);
                self.now.on_connected();
                self.mixer.on_connected();
                self.history.reload();
                self.schedule.reload();
                if self.checkin_waiting.replace(false) {
                    self.checkin.begin(CheckinArgs::default());
                }
            }
            Msg::Down(text) => {
                self.connected.set(false);
                self.banner_text.set_label(&text);
                self.banner.set_reveal_child(true);
                self.stack.set_sensitive(false);
            }
            Msg::Event(ev) => {
                self.now.on_event(&ev);
                self.mixer.on_event(&ev);
                self.checkin.on_event(&ev);
                match &ev {
                    Event::State(st) => self.schedule.on_status(st),
                    Event::Checkin(_) => self.history.reload(),
                    _ => {}
                }
            }
            Msg::Reply { id, result } => daemon.answer(id, result),
        }
    }

    pub fn history(&self) -> &Rc<History> {
        &self.history
    }
}

/// Prints how long the first frame took (with `SONORA_APP_TIMINGS=1`), from the frame clock's
/// first after-paint.
fn report_first_frame(window: &adw::ApplicationWindow, started: Instant) {
    if !timing::enabled() {
        return;
    }
    window.connect_realize(move |w| {
        let Some(clock) = w.frame_clock() else { return };
        let done = Rc::new(Cell::new(false));
        clock.connect_after_paint(move |_| {
            if !done.replace(true) {
                timing::first_frame(started);
            }
        });
    });
}
