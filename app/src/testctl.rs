//! The test surface, only with `SONORA_APP_TEST_SOCKET=PATH`: a Unix socket taking one JSON
//! request per line, so integration tests can read and drive the real window.
//!
//! Requests: `{"op":"dump"}` (every widget: type, name, text, value, sensitivity, accessible
//! name), `{"op":"set","name":N,"value":V}` (move a slider or flip a switch as a person would),
//! `{"op":"click","name":N}`, `{"op":"page","name":P}`, `{"op":"shot","path":F}` (the window as
//! PNG), `{"op":"acks"}` (slider acknowledgement times), `{"op":"forget"}` and
//! `{"op":"export","path":F}` (the History page's actions without their dialogs).

use crate::window::Window;
use crate::{a11y, timing};
use gtk::prelude::*;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::rc::Weak;

type Request = (Value, std::sync::mpsc::Sender<Value>);

/// Listens on `path` on a helper thread; requests are answered on the GTK thread.
pub fn serve(path: PathBuf, window: Weak<Window>) -> std::io::Result<()> {
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    let (tx, rx) = async_channel::unbounded::<Request>();
    std::thread::Builder::new().name("sonora-testctl".into()).spawn(move || {
        for stream in listener.incoming().flatten() {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let Ok(mut writer) = stream.try_clone() else { return };
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let request = serde_json::from_str(&line).unwrap_or(Value::Null);
                    let (back, answer) = std::sync::mpsc::channel();
                    if tx.send_blocking((request, back)).is_err() {
                        return;
                    }
                    let reply = answer.recv().unwrap_or(Value::Null);
                    if writeln!(writer, "{reply}").is_err() {
                        return;
                    }
                }
            });
        }
    })?;
    gtk::glib::spawn_future_local(async move {
        while let Ok((request, back)) = rx.recv().await {
            let reply = match window.upgrade() {
                Some(w) => handle(&w, &request),
                None => json!({"error": "the window is gone"}),
            };
            let _ = back.send(reply);
        }
    });
    Ok(())
}

fn handle(w: &Window, req: &Value) -> Value {
    let name = req["name"].as_str().unwrap_or("");
    match req["op"].as_str().unwrap_or("") {
        "dump" => json!({
            "connected": w.connected.get(),
            "page": w.stack.visible_child_name().map(|s| s.to_string()),
            "title": w.window.title().map(|s| s.to_string()),
            "widgets": dump(w.window.upcast_ref()),
        }),
        "page" => {
            w.stack.set_visible_child_name(name);
            json!({"ok": true})
        }
        "set" => match find(w.window.upcast_ref(), name) {
            Some(widget) => {
                if let Some(range) = widget.downcast_ref::<gtk::Range>() {
                    range.set_value(req["value"].as_f64().unwrap_or(0.0));
                } else if let Some(sw) = widget.downcast_ref::<gtk::Switch>() {
                    sw.set_active(req["value"].as_bool().unwrap_or(false));
                } else if let Some(dd) = widget.downcast_ref::<gtk::DropDown>() {
                    dd.set_selected(req["value"].as_u64().unwrap_or(0) as u32);
                } else {
                    return json!({"error": format!("{name} cannot be set")});
                }
                json!({"ok": true})
            }
            None => json!({"error": format!("no widget named {name}")}),
        },
        "click" => match find(w.window.upcast_ref(), name).and_then(|x| x.downcast::<gtk::Button>().ok()) {
            Some(b) => {
                b.emit_clicked();
                json!({"ok": true})
            }
            None => json!({"error": format!("no button named {name}")}),
        },
        "shot" => match shot(&w.window, req["path"].as_str().unwrap_or("")) {
            Ok(()) => json!({"ok": true}),
            Err(e) => json!({"error": e}),
        },
        "acks" => json!({"ms": timing::layer_acks()}),
        "forget" => {
            w.history().forget_all();
            json!({"ok": true})
        }
        "export" => {
            w.history().export_to(PathBuf::from(req["path"].as_str().unwrap_or("")));
            json!({"ok": true})
        }
        other => json!({"error": format!("unknown op {other:?}")}),
    }
}

/// Widgets a person operates; each must have an accessible name.
const CONTROLS: [&str; 9] = [
    "GtkButton",
    "GtkToggleButton",
    "GtkScale",
    "GtkSwitch",
    "GtkDropDown",
    "GtkEntry",
    "GtkCheckButton",
    "GtkLevelBar",
    "AdwViewSwitcherButton",
];

fn dump(root: &gtk::Widget) -> Vec<Value> {
    let mut out = Vec::new();
    walk(root, None, &mut out);
    out
}

fn walk(w: &gtk::Widget, inside: Option<&str>, out: &mut Vec<Value>) {
    let ty = w.type_().name().to_string();
    let is_control = CONTROLS.contains(&ty.as_str()) || w.is::<gtk::Button>();
    let mut v = json!({
        "type": ty,
        "name": w.widget_name().to_string(),
        "sensitive": w.is_sensitive(),
        "visible": w.is_visible(),
        "mapped": w.is_mapped(),
        // A drop-down takes focus on its inner button: count focusable parts too.
        "focusable": w.is_focusable() || (is_control && focusable_within(w)),
        "control": is_control && inside.is_none(),
        "inside": inside,
        "a11y": a11y::label_of(w),
        "tooltip": w.tooltip_text().map(|s| s.to_string()),
    });
    if let Some(l) = w.downcast_ref::<gtk::Label>() {
        v["text"] = json!(l.text().to_string());
    }
    if is_control {
        v["text"] = json!(texts_within(w).join(" "));
    }
    if let Some(r) = w.downcast_ref::<gtk::Range>() {
        v["value"] = json!(r.value());
    }
    if let Some(s) = w.downcast_ref::<gtk::Switch>() {
        v["active"] = json!(s.is_active());
    }
    if let Some(b) = w.downcast_ref::<gtk::LevelBar>() {
        v["value"] = json!(b.value());
    }
    out.push(v);
    // Parts of a control (a drop-down's button, an entry's text) are not controls themselves;
    // GTK's own title-bar buttons are named by GTK.
    let inside = if is_control || ty == "GtkWindowControls" {
        Some(inside.unwrap_or(ty.as_str()).to_string())
    } else {
        inside.map(String::from)
    };
    let mut child = w.first_child();
    while let Some(c) = child {
        walk(&c, inside.as_deref(), out);
        child = c.next_sibling();
    }
}

fn focusable_within(w: &gtk::Widget) -> bool {
    let mut child = w.first_child();
    while let Some(c) = child {
        if c.is_focusable() || focusable_within(&c) {
            return true;
        }
        child = c.next_sibling();
    }
    false
}

fn texts_within(w: &gtk::Widget) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(l) = w.downcast_ref::<gtk::Label>()
        && !l.text().is_empty()
    {
        out.push(l.text().to_string());
    }
    let mut child = w.first_child();
    while let Some(c) = child {
        out.extend(texts_within(&c));
        child = c.next_sibling();
    }
    out
}

fn find(w: &gtk::Widget, name: &str) -> Option<gtk::Widget> {
    if w.widget_name() == name {
        return Some(w.clone());
    }
    let mut child = w.first_child();
    while let Some(c) = child {
        if let Some(found) = find(&c, name) {
            return Some(found);
        }
        child = c.next_sibling();
    }
    None
}

/// Renders the window with its own renderer and saves a PNG.
fn shot(window: &adw::ApplicationWindow, path: &str) -> Result<(), String> {
    let (w, h) = (window.width(), window.height());
    let paintable = gtk::WidgetPaintable::new(Some(window));
    let snapshot = gtk::Snapshot::new();
    paintable.snapshot(&snapshot, f64::from(w), f64::from(h));
    let node = snapshot.to_node().ok_or("nothing to draw yet")?;
    let renderer = window.renderer().ok_or("the window has no renderer yet")?;
    let bounds = gtk::graphene::Rect::new(0.0, 0.0, w as f32, h as f32);
    let texture = renderer.render_texture(&node, Some(&bounds));
    texture.save_to_png(path).map_err(|e| e.to_string())
}
