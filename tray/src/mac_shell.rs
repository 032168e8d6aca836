//! macOS: a menu-bar item. tao runs the AppKit loop on the main thread, which tray-icon needs, and
//! the item is created only once that loop has started, as AppKit requires. Built and reviewed
//! against tao's API but, with no macOS machine in CI, not exercised there.

use crate::app::{App, Request};
use std::time::{Duration, Instant};
use tao::event::{Event, StartCause};
use tao::event_loop::{ControlFlow, EventLoopBuilder};
use tao::platform::macos::{ActivationPolicy, EventLoopExtMacOS};

/// Runs until *Quit tray*; never returns.
pub fn run(make_app: impl FnOnce() -> anyhow::Result<App> + 'static) -> ! {
    let mut event_loop = EventLoopBuilder::new().build();
    // A menu-bar item only: no Dock icon and no app menu.
    event_loop.set_activation_policy(ActivationPolicy::Accessory);
    let mut make_app = Some(make_app);
    let mut app: Option<App> = None;
    event_loop.run(move |event, _, control_flow| {
        *control_flow = ControlFlow::WaitUntil(Instant::now() + Duration::from_millis(100));
        if let Event::NewEvents(StartCause::Init) = event {
            if let Some(make) = make_app.take() {
                match make() {
                    Ok(a) => app = Some(a),
                    Err(e) => {
                        eprintln!("sonora-tray: {e:#}");
                        *control_flow = ControlFlow::ExitWithCode(1);
                        return;
                    }
                }
            }
        }
        let Some(current) = app.as_mut() else { return };
        for request in current.tick() {
            match request {
                Request::Message { title, body } => show_message(&title, &body),
                Request::Quit => {
                    // Dropping the app removes the item from the menu bar.
                    app = None;
                    *control_flow = ControlFlow::Exit;
                    return;
                }
            }
        }
    })
}

/// A standard macOS alert through `osascript`, so the tray needs no window code of its own.
fn show_message(title: &str, body: &str) {
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let script = format!(
        "display dialog {} with title {} buttons {{\"Close\"}} default button 1",
        quote(body),
        quote(title)
    );
    match std::process::Command::new("osascript").args(["-e", &script]).spawn() {
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(e) => tracing::warn!("could not show \"{title}\": {e}"),
    }
}
