//! Check-in: read a sentence aloud while the daemon listens, see the countdown and the input
//! level, then the result in the same words as `sonoractl checkin` (the daemon's own summary).
//! Without a microphone it says so and offers to check in from a recording instead.

use crate::a11y;
use crate::daemon::{Daemon, Failure};
use gtk::prelude::*;
use sonora_proto::command::CheckinArgs;
use sonora_proto::{CheckinReport, Command, ErrorCode, Event};
use std::rc::Rc;

pub struct Checkin {
    pub root: gtk::ScrolledWindow,
    daemon: Daemon,
    start: gtk::Button,
    countdown: gtk::Label,
    level: gtk::LevelBar,
    result: gtk::Label,
    no_mic: gtk::Box,
    from_file: gtk::Button,
    /// The open file chooser: GTK drops a native chooser nobody holds.
    chooser: std::cell::RefCell<Option<gtk::FileChooserNative>>,
}

/// The meter's scale: -60 dBFS (silence) to 0 dBFS.
fn level_fraction(level_db: f64) -> f64 {
    ((level_db + 60.0) / 60.0).clamp(0.0, 1.0)
}

/// The result card's text: the first-run notice when there is one, then the summary, exactly as
/// `sonoractl checkin` prints them.
pub fn result_text(r: &CheckinReport) -> String {
    match &r.first_run_notice {
        Some(n) => format!("{n}\n\n{}", r.summary),
        None => r.summary.clone(),
    }
}

impl Checkin {
    pub fn new(daemon: &Daemon) -> Rc<Self> {
        let (root, b) = super::page_box();
        b.append(&super::heading("Read this aloud at your usual pace:"));
        let passage = super::text(&format!("“{}”", sonora_proto::about::CHECKIN_PASSAGE));
        passage.add_css_class("title-3");
        b.append(&passage);
        let start = gtk::Button::with_mnemonic("_Check in now");
        start.add_css_class("suggested-action");
        start.add_css_class("pill");
        start.set_halign(gtk::Align::Start);
        start.set_widget_name("checkin-start");
        a11y::name(&start, "Start a check-in: Sonora listens to your voice for a few seconds");
        b.append(&start);
        let countdown = super::text("");
        countdown.set_widget_name("checkin-countdown");
        b.append(&countdown);
        let level = gtk::LevelBar::for_interval(0.0, 1.0);
        level.set_widget_name("checkin-level");
        a11y::name(&level, "Microphone input level");
        level.set_visible(false);
        b.append(&level);
        let no_mic = gtk::Box::new(gtk::Orientation::Vertical, 6);
        let from_file = gtk::Button::with_mnemonic("Check in from a _file…");
        from_file.set_halign(gtk::Align::Start);
        from_file.set_widget_name("checkin-file");
        a11y::name(&from_file, "Check in from a recording of your voice");
        no_mic.append(&from_file);
        no_mic.set_visible(false);
        let result = super::text("");
        result.set_selectable(true);
        result.set_widget_name("checkin-result");
        let card = gtk::Box::new(gtk::Orientation::Vertical, 6);
        card.add_css_class("card");
        result.set_margin_top(12);
        result.set_margin_bottom(12);
        result.set_margin_start(12);
        result.set_margin_end(12);
        card.append(&result);
        // The card shows only when there is something on it.
        card.set_visible(false);
        let c = card.clone();
        result.connect_label_notify(move |l| c.set_visible(!l.label().is_empty()));
        b.append(&no_mic);
        b.append(&card);
        b.append(&super::text(sonora_proto::about::MARKERS));

        let page = Rc::new(Checkin {
            root,
            daemon: daemon.clone(),
            start,
            countdown,
            level,
            result,
            no_mic,
            from_file,
            chooser: Default::default(),
        });
        let p = Rc::downgrade(&page);
        page.start.connect_clicked(move |_| {
            if let Some(p) = p.upgrade() {
                p.begin(CheckinArgs::default());
            }
        });
        let p = Rc::downgrade(&page);
        page.from_file.connect_clicked(move |btn| {
            if let Some(p) = p.upgrade() {
                p.choose_file(btn);
            }
        });
        page
    }

    /// Starts listening (the `--checkin` flag and the button both come here).
    pub fn begin(self: &Rc<Self>, args: CheckinArgs) {
        self.start.set_sensitive(false);
        self.no_mic.set_visible(false);
        self.result.set_label("");
        self.countdown.set_label(if args.file.is_some() {
            "Reading the recording…"
        } else {
            "Listening…"
        });
        let p = Rc::downgrade(self);
        self.daemon.call(Command::Checkin(args), move |r| {
            if let Some(p) = p.upgrade() {
                p.finish(r);
            }
        });
    }

    fn finish(&self, r: Result<serde_json::Value, Failure>) {
        self.start.set_sensitive(true);
        self.level.set_visible(false);
        self.countdown.set_label("");
        match r.map(serde_json::from_value::<CheckinReport>) {
            Ok(Ok(report)) => self.result.set_label(&result_text(&report)),
            Ok(Err(e)) => self.result.set_label(&format!("The daemon's answer could not be read: {e}")),
            Err(e) if e.code == Some(ErrorCode::Device) => {
                self.result.set_label(&format!(
                    "No microphone to listen with ({}). You can check in from a recording of your voice instead.",
                    e.message
                ));
                self.no_mic.set_visible(true);
            }
            Err(e) => self.result.set_label(&e.message),
        }
    }

    fn choose_file(self: &Rc<Self>, anchor: &gtk::Button) {
        let window = anchor.root().and_downcast::<gtk::Window>();
        let chooser = gtk::FileChooserNative::new(
            Some("Check in from a recording"),
            window.as_ref(),
            gtk::FileChooserAction::Open,
            Some("_Check in"),
            Some("_Cancel"),
        );
        let p = Rc::downgrade(self);
        chooser.connect_response(move |c, response| {
            if response == gtk::ResponseType::Accept
                && let (Some(p), Some(path)) = (p.upgrade(), c.file().and_then(|f| f.path()))
            {
                p.begin(CheckinArgs { seconds: None, file: Some(path.display().to_string()) });
            }
        });
        chooser.show();
        *self.chooser.borrow_mut() = Some(chooser);
    }

    pub fn on_event(&self, ev: &Event) {
        match ev {
            Event::CheckinLevel { remaining_s, level_db } => {
                self.level.set_visible(true);
                self.level.set_value(level_fraction(*level_db));
                self.countdown.set_label(&format!("Listening… {:.0} s left", remaining_s.ceil()));
            }
            // Another client's check-in (the tray, sonoractl) shows here too.
            Event::Checkin(report) if self.start.is_sensitive() => {
                self.result.set_label(&result_text(report))
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meter_spans_silence_to_full_scale() {
        assert_eq!(level_fraction(-90.0), 0.0);
        assert_eq!(level_fraction(-30.0), 0.5);
        assert_eq!(level_fraction(3.0), 1.0);
    }
}
