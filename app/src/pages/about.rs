//! About: what Sonora is and is not, from `sonora_proto::about` (the same source as
//! `sonoractl about` and the tray's About item).

use gtk::prelude::*;

pub fn new() -> gtk::ScrolledWindow {
    let (root, b) = super::page_box();
    let title = super::text("Sonora");
    title.add_css_class("title-1");
    b.append(&title);
    let text = super::text(&sonora_proto::about::about_text());
    text.set_selectable(true);
    text.set_widget_name("about-text");
    b.append(&text);
    b.append(&super::text(&format!("Version {}", sonora_proto::VERSION)));
    root
}
