//! `sonora-tray`: see and steer the Sonora daemon from the panel or menu bar.
//!
//! Layout: [`view`] turns the daemon's status into labels, check marks and an icon kind (pure,
//! unit-tested); [`icons`] draws the icons; [`menu`] owns the menu items; [`client`] talks D-Bus on
//! its own thread; [`app`] joins them on the UI thread; the platform shell runs the loop. The tray
//! never touches audio: everything goes through the daemon's D-Bus API.

mod app;
mod client;
#[cfg(target_os = "linux")]
mod gtk_shell;
mod icons;
mod menu;
mod view;

use anyhow::Context;

const USAGE: &str = "sonora-tray: Sonora in the panel (needs the daemon, sonorad, on the session bus)

Usage: sonora-tray [--help | --version]

Logs go to stderr; set RUST_LOG=sonora_tray=debug for more.";

fn main() -> anyhow::Result<()> {
    if let Some(arg) = std::env::args().nth(1) {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "-V" | "--version" => {
                println!("sonora-tray {}", sonora_proto::VERSION);
                return Ok(());
            }
            other => anyhow::bail!("unknown argument '{other}'\n\n{USAGE}"),
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("sonora_tray=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    run()
}

/// Starts the D-Bus thread, then hands the main thread to the toolkit.
fn run() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("tokio runtime")?;
    let first = match rt.block_on(client::claim_single_instance()) {
        client::Claim::Owned(conn) => Some(conn),
        client::Claim::AlreadyRunning => {
            // Not an error: autostart and a manual start meeting is normal.
            eprintln!("sonora-tray is already running ({} is taken); nothing to do", client::TRAY_NAME);
            return Ok(());
        }
        client::Claim::NoBus(e) => {
            tracing::warn!("no session bus yet ({e}); will keep trying");
            None
        }
    };

    #[cfg(target_os = "linux")]
    {
        // Panels show this as the item's title (its tooltip heading).
        gtk::glib::set_application_name("Sonora");
        gtk::init().context("could not open the display (is DISPLAY or WAYLAND_DISPLAY set?)")?;
    }

    let (updates_tx, updates_rx) = std::sync::mpsc::channel();
    let (actions_tx, actions_rx) = tokio::sync::mpsc::unbounded_channel();
    let client_tx = updates_tx.clone();
    std::thread::Builder::new()
        .name("sonora-dbus".into())
        .spawn(move || rt.block_on(client::run(client_tx, actions_rx, first)))
        .context("could not start the D-Bus thread")?;

    let app = app::App::new(updates_rx, updates_tx, actions_tx).context("could not create the tray icon")?;
    shell_run(app)
}

#[cfg(target_os = "linux")]
fn shell_run(app: app::App) -> anyhow::Result<()> {
    gtk_shell::run(app);
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn shell_run(_app: app::App) -> anyhow::Result<()> {
    anyhow::bail!("this platform's tray loop is not built yet")
}
