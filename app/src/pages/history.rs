//! History: stress, fatigue and energy over days with their confidence, sessions per outcome
//! and their ratings, over 7 days, 30 days or everything; export and forget.

use super::charts::{self, OutcomeBar, Point};
use crate::a11y;
use crate::daemon::Daemon;
use adw::prelude::*;
use sonora_proto::Command;
use sonora_proto::command::{ExportArgs, ExportFormat, ForgetArgs, HistoryArgs};
use std::cell::RefCell;
use std::rc::Rc;

/// The range selector's entries: label and days (None: everything).
const RANGES: [(&str, Option<f64>); 3] =
    [("Last 7 days", Some(7.0)), ("Last 30 days", Some(30.0)), ("All", None)];

pub struct History {
    pub root: gtk::ScrolledWindow,
    daemon: Daemon,
    range: gtk::DropDown,
    markers: gtk::DrawingArea,
    sessions: gtk::DrawingArea,
    summary: gtk::Label,
    message: gtk::Label,
    data: RefCell<(Vec<Point>, Vec<OutcomeBar>, f64)>,
    chooser: RefCell<Option<gtk::FileChooserNative>>,
}

fn fg_of(w: &gtk::DrawingArea) -> (f64, f64, f64) {
    #[allow(deprecated)] // GtkWidget::color() is 4.10; this is the 4.8 way.
    let c = w.style_context().color();
    (f64::from(c.red()), f64::from(c.green()), f64::from(c.blue()))
}

impl History {
    pub fn new(daemon: &Daemon) -> Rc<Self> {
        let (root, b) = super::page_box();
        let top = gtk::Box::new(gtk::Orientation::Horizontal, 6);
        let labels: Vec<&str> = RANGES.iter().map(|r| r.0).collect();
        let range = gtk::DropDown::from_strings(&labels);
        range.set_widget_name("history-range");
        a11y::name(&range, "Time range of the charts");
        let export = gtk::Button::with_mnemonic("_Export…");
        export.set_widget_name("history-export");
        a11y::name(&export, "Export all your Sonora data to a file");
        let forget = gtk::Button::with_mnemonic("_Forget everything…");
        forget.add_css_class("destructive-action");
        forget.set_widget_name("history-forget");
        a11y::name(&forget, "Delete all stored check-ins and sessions");
        let range_label = gtk::Label::with_mnemonic("_Range:");
        range_label.set_mnemonic_widget(Some(&range));
        top.append(&range_label);
        top.append(&range);
        let spacer = gtk::Box::new(gtk::Orientation::Horizontal, 0);
        spacer.set_hexpand(true);
        top.append(&spacer);
        top.append(&export);
        top.append(&forget);
        b.append(&top);

        b.append(&super::heading("How you sounded"));
        let markers = gtk::DrawingArea::builder().content_height(240).build();
        markers.set_widget_name("chart-markers");
        a11y::describe(
            &markers,
            "Chart of stress, fatigue and energy over time; wider bands mean less sure estimates",
        );
        b.append(&markers);
        b.append(&super::text(
            "Everyday estimates from your voice, not a health measurement. The shaded band shows how sure each one is: \
             the wider, the less sure.",
        ));
        b.append(&super::heading("Sessions with a check-in, and how you rated them"));
        let sessions = gtk::DrawingArea::builder().content_height(180).build();
        sessions.set_widget_name("chart-sessions");
        a11y::describe(&sessions, "Chart of sessions per outcome and their ratings");
        b.append(&sessions);
        let summary = super::text("");
        summary.set_widget_name("history-summary");
        b.append(&summary);
        let message = super::text("");
        message.set_widget_name("history-message");
        message.set_selectable(true);
        b.append(&message);

        let page = Rc::new(History {
            root,
            daemon: daemon.clone(),
            range,
            markers,
            sessions,
            summary,
            message,
            data: RefCell::new((Vec::new(), Vec::new(), 7.0)),
            chooser: RefCell::new(None),
        });
        let p = Rc::downgrade(&page);
        page.markers.set_draw_func(move |area, cr, w, h| {
            if let Some(p) = p.upgrade() {
                let d = p.data.borrow();
                charts::draw_markers(cr, f64::from(w), f64::from(h), &d.0, d.2, fg_of(area));
            }
        });
        let p = Rc::downgrade(&page);
        page.sessions.set_draw_func(move |area, cr, w, h| {
            if let Some(p) = p.upgrade() {
                charts::draw_sessions(cr, f64::from(w), f64::from(h), &p.data.borrow().1, fg_of(area));
            }
        });
        let p = Rc::downgrade(&page);
        page.range.connect_selected_notify(move |_| {
            if let Some(p) = p.upgrade() {
                p.reload();
            }
        });
        let p = Rc::downgrade(&page);
        export.connect_clicked(move |btn| {
            if let Some(p) = p.upgrade() {
                p.export(btn);
            }
        });
        let p = Rc::downgrade(&page);
        forget.connect_clicked(move |btn| {
            if let Some(p) = p.upgrade() {
                p.confirm_forget(btn);
            }
        });
        page
    }

    /// Asks the daemon for the selected range and redraws.
    pub fn reload(self: &Rc<Self>) {
        let days = RANGES.get(self.range.selected() as usize).and_then(|r| r.1);
        let p = Rc::downgrade(self);
        let args = HistoryArgs { since_s: days.map(|d| d * 86_400.0) };
        self.daemon.call(Command::History(args), move |r| {
            let Some(p) = p.upgrade() else { return };
            match r {
                Ok(v) => {
                    let rows = v.as_array().cloned().unwrap_or_default();
                    let now = gtk::glib::DateTime::now_utc().map(|t| t.to_unix() as f64).unwrap_or(0.0);
                    let (points, bars) = charts::prepare(&rows, now);
                    let span = days
                        .unwrap_or_else(|| points.first().map(|p| p.days_ago.ceil().max(1.0)).unwrap_or(7.0));
                    p.summary.set_label(&match rows.len() {
                        0 => "No check-ins stored in this range yet.".to_string(),
                        1 => "1 check-in in this range.".to_string(),
                        n => format!("{n} check-ins in this range."),
                    });
                    *p.data.borrow_mut() = (points, bars, span);
                    p.markers.queue_draw();
                    p.sessions.queue_draw();
                }
                Err(e) => p.message.set_label(&e.message),
            }
        });
    }

    fn export(self: &Rc<Self>, anchor: &gtk::Button) {
        let window = anchor.root().and_downcast::<gtk::Window>();
        let chooser = gtk::FileChooserNative::new(
            Some("Export your Sonora data"),
            window.as_ref(),
            gtk::FileChooserAction::Save,
            Some("_Export"),
            Some("_Cancel"),
        );
        chooser.set_current_name("sonora-data.csv");
        let p = Rc::downgrade(self);
        chooser.connect_response(move |c, response| {
            if response == gtk::ResponseType::Accept
                && let (Some(p), Some(path)) = (p.upgrade(), c.file().and_then(|f| f.path()))
            {
                p.export_to(path);
            }
        });
        chooser.show();
        *self.chooser.borrow_mut() = Some(chooser);
    }

    /// Writes the export: JSON when the name ends in .json, CSV otherwise.
    pub fn export_to(&self, path: std::path::PathBuf) {
        let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let format = if json { ExportFormat::Json } else { ExportFormat::Csv };
        let msg = self.message.clone();
        self.daemon.call(Command::Export(ExportArgs { format }), move |r| {
            let text = match r {
                Ok(v) => match v["content"].as_str() {
                    Some(content) => match std::fs::write(&path, content) {
                        Ok(()) => format!(
                            "Wrote your Sonora data as {} to {}.",
                            if json { "JSON" } else { "CSV" },
                            path.display()
                        ),
                        Err(e) => format!("Could not write {}: {e}", path.display()),
                    },
                    None => "The daemon sent no export content.".into(),
                },
                Err(e) => e.message,
            };
            msg.set_label(&text);
        });
    }

    fn confirm_forget(self: &Rc<Self>, anchor: &gtk::Button) {
        let window = anchor.root().and_downcast::<gtk::Window>();
        let dialog = adw::MessageDialog::new(
            window.as_ref(),
            Some("Forget everything?"),
            Some("This deletes every stored check-in and session from this computer. It cannot be undone."),
        );
        dialog.add_responses(&[("cancel", "_Cancel"), ("forget", "_Forget everything")]);
        dialog.set_response_appearance("forget", adw::ResponseAppearance::Destructive);
        dialog.set_default_response(Some("cancel"));
        dialog.set_close_response("cancel");
        let p = Rc::downgrade(self);
        dialog.connect_response(None, move |_, response| {
            if response == "forget"
                && let Some(p) = p.upgrade()
            {
                p.forget_all();
            }
        });
        dialog.present();
    }

    /// Deletes everything and says what was deleted, from the daemon's reply.
    pub fn forget_all(self: &Rc<Self>) {
        let p = Rc::downgrade(self);
        self.daemon.call(Command::Forget(ForgetArgs { all: true, before: None }), move |r| {
            let Some(p) = p.upgrade() else { return };
            p.message.set_label(&match r {
                Ok(v) => format!(
                    "Deleted {} check-ins and {} sessions.",
                    v["checkins"].as_u64().unwrap_or(0),
                    v["sessions"].as_u64().unwrap_or(0)
                ),
                Err(e) => e.message,
            });
            p.reload();
        });
    }
}
