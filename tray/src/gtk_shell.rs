//! Linux: the GTK main loop on the main thread (AppIndicator and muda are GTK objects and must
//! stay on the thread that made them), polling the app every 100 ms.

use crate::app::{App, Request};
use gtk::glib;
use gtk::prelude::*;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;

/// Runs until *Quit tray*, SIGTERM or Ctrl-C. The app is dropped before this returns, so the
/// icon leaves the panel at once and its temporary picture file is removed.
pub fn run(app: App) {
    let app = Rc::new(RefCell::new(app));
    let stop = Rc::new(Cell::new(false));
    for signal in [SIGINT, SIGTERM] {
        let stop = stop.clone();
        glib::unix_signal_add_local(signal, move || {
            stop.set(true);
            glib::ControlFlow::Continue
        });
    }
    glib::timeout_add_local(Duration::from_millis(100), move || {
        if stop.get() {
            gtk::main_quit();
            return glib::ControlFlow::Break;
        }
        let requests = app.borrow_mut().tick();
        for request in requests {
            match request {
                Request::Message { title, body } => show_message(&title, &body),
                Request::Quit => {
                    gtk::main_quit();
                    return glib::ControlFlow::Break;
                }
            }
        }
        glib::ControlFlow::Continue
    });
    gtk::main();
}

/// Short news (an error, a check-in summary) in a plain message box; long text (about, history)
/// in a window with selectable, scrollable text. Neither is modal: the tray keeps working.
fn show_message(title: &str, body: &str) {
    if body.len() < 300 && body.lines().count() <= 4 {
        let dialog = gtk::MessageDialog::new(
            None::<&gtk::Window>,
            gtk::DialogFlags::empty(),
            gtk::MessageType::Info,
            gtk::ButtonsType::Close,
            title,
        );
        dialog.set_title(title);
        dialog.set_secondary_text(Some(body));
        dialog.set_position(gtk::WindowPosition::Center);
        dialog.connect_response(|d, _| d.close());
        dialog.show_all();
        return;
    }
    let dialog = gtk::Dialog::with_buttons(
        Some(title),
        None::<&gtk::Window>,
        gtk::DialogFlags::empty(),
        &[("Close", gtk::ResponseType::Close)],
    );
    dialog.set_default_size(520, 360);
    dialog.set_position(gtk::WindowPosition::Center);
    dialog.set_icon_name(Some("dialog-information"));
    let text = gtk::TextView::new();
    text.set_editable(false);
    text.set_cursor_visible(false);
    text.set_wrap_mode(gtk::WrapMode::Word);
    text.set_left_margin(12);
    text.set_right_margin(12);
    text.set_top_margin(12);
    text.set_bottom_margin(12);
    if let Some(buffer) = text.buffer() {
        buffer.set_text(body);
    }
    let scroll = gtk::ScrolledWindow::builder().hexpand(true).vexpand(true).child(&text).build();
    dialog.content_area().pack_start(&scroll, true, true, 0);
    dialog.connect_response(|d, _| d.close());
    dialog.show_all();
}
