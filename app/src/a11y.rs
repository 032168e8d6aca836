//! Accessible names for every control.
//!
//! GTK 4.8 can set an accessible label but not read one back, so [`name`] also remembers the
//! label on the widget: the test surface (`testctl`) walks the window and reports controls
//! without one.

use gtk::prelude::*;

const KEY: &str = "sonora-a11y-label";

/// Gives `widget` the accessible name `label` (what a screen reader says) and a tooltip with
/// the same words, so sighted keyboard users see it too.
pub fn name(widget: &impl IsA<gtk::Widget>, label: &str) {
    let w = widget.as_ref();
    w.update_property(&[gtk::accessible::Property::Label(label)]);
    if w.tooltip_text().is_none() {
        w.set_tooltip_text(Some(label));
    }
    // SAFETY: the value is only ever read back as a String under the same key (`label_of`).
    unsafe { w.set_data(KEY, label.to_string()) };
}

/// Gives a picture (a chart) the accessible name `label`, without a tooltip: a screen reader
/// says what the chart shows; a sighted person sees it.
pub fn describe(widget: &impl IsA<gtk::Widget>, label: &str) {
    let w = widget.as_ref();
    w.update_property(&[gtk::accessible::Property::Label(label)]);
    // SAFETY: as in `name`.
    unsafe { w.set_data(KEY, label.to_string()) };
}

/// The accessible name given with [`name`], if any.
pub fn label_of(widget: &gtk::Widget) -> Option<String> {
    // SAFETY: stored as a String by `name`, and nothing else uses this key.
    unsafe { widget.data::<String>(KEY).map(|p| p.as_ref().clone()) }
}
