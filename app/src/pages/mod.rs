//! One module per page of the window. Each page builds its widgets once and then follows the
//! daemon through `on_status` / `on_event`; none of them blocks or talks to the daemon directly.

pub mod about;
pub mod charts;
pub mod checkin;
pub mod history;
pub mod mixer;
pub mod now_playing;
pub mod schedule;

use gtk::prelude::*;

/// A vertical page with the usual margins, inside a scroller so small windows still reach
/// every control.
pub fn page_box() -> (gtk::ScrolledWindow, gtk::Box) {
    let b = gtk::Box::new(gtk::Orientation::Vertical, 12);
    b.set_margin_top(18);
    b.set_margin_bottom(18);
    b.set_margin_start(18);
    b.set_margin_end(18);
    let clamp = adw::Clamp::builder().maximum_size(720).child(&b).build();
    let scroll =
        gtk::ScrolledWindow::builder().hscrollbar_policy(gtk::PolicyType::Never).child(&clamp).build();
    (scroll, b)
}

/// A label that wraps and starts at the left edge.
pub fn text(s: &str) -> gtk::Label {
    gtk::Label::builder().label(s).wrap(true).xalign(0.0).build()
}

/// A bold section heading.
pub fn heading(s: &str) -> gtk::Label {
    let l = text(s);
    l.add_css_class("heading");
    l
}
