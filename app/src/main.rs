//! `sonora-app`: Sonora's window, a GTK 4 + libadwaita front end to the daemon.
//!
//! Layout: [`cli`] reads the command line; [`daemon`] runs `sonora-client` on a tokio thread and
//! hands answers and events to the main loop; [`window`] builds the window and routes the
//! daemon's news to the pages in [`pages`] (one module each); [`a11y`] names every control;
//! [`testctl`] is the test surface (only with `SONORA_APP_TEST_SOCKET`); [`timing`] holds the
//! measurements the tests print.

mod a11y;
mod cli;
mod daemon;
mod format;
mod pages;
mod testctl;
mod timing;
mod window;

use adw::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

/// The application id: one window per session, a second start hands its options over.
const APP_ID: &str = "org.sonora.App";

fn main() -> anyhow::Result<std::process::ExitCode> {
    let started = Instant::now();
    let args: Vec<String> = std::env::args().collect();
    // Checked here too, so --help, --version and mistakes answer without a display.
    match cli::parse(args.iter().skip(1).cloned()) {
        Ok(cli::Parsed::Help) => {
            println!("{}", cli::USAGE);
            return Ok(std::process::ExitCode::SUCCESS);
        }
        Ok(cli::Parsed::Version) => {
            println!("sonora-app {}", sonora_proto::VERSION);
            return Ok(std::process::ExitCode::SUCCESS);
        }
        Ok(cli::Parsed::Run(_)) => {}
        Err(e) => {
            eprintln!("sonora-app: {e}\n\n{}", cli::USAGE);
            return Ok(std::process::ExitCode::from(2));
        }
    }
    gtk::glib::set_application_name("Sonora");
    let app = adw::Application::builder()
        .application_id(APP_ID)
        .flags(gtk::gio::ApplicationFlags::HANDLES_COMMAND_LINE)
        .build();
    let window: Rc<RefCell<Option<Rc<window::Window>>>> = Rc::default();
    let w = window.clone();
    app.connect_command_line(move |app, cmdline| {
        let args: Vec<String> =
            cmdline.arguments().iter().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
        let Ok(cli::Parsed::Run(opts)) = cli::parse(args) else { return 2 };
        let existing = w.borrow().clone();
        let win = match existing {
            Some(win) => win,
            None => match window::Window::build(app, started) {
                Ok(win) => {
                    *w.borrow_mut() = Some(win.clone());
                    win
                }
                Err(e) => {
                    eprintln!("sonora-app: {e:#}");
                    return 1;
                }
            },
        };
        win.apply(&opts);
        0
    });
    let code = app.run_with_args(&args);
    Ok(std::process::ExitCode::from(code.value() as u8))
}
