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
#[cfg(target_os = "macos")]
mod mac_shell;
mod menu;
mod notice;
mod socket;
mod view;
mod window;

use anyhow::Context;

const USAGE: &str = "sonora-tray: Sonora in the panel (needs the daemon, sonorad, on the session bus)

Usage: sonora-tray [--via dbus|socket] [--help | --version]
       sonora-tray --write-icon SIZE FILE

  --via dbus     follow the daemon on the session bus (the default on Linux)
  --via socket   follow it over its local socket (the default on macOS; for desktops without
                 a session bus)
  --write-icon SIZE FILE
                 write Sonora's application icon, SIZE x SIZE pixels, as a PNG and exit (how
                 packages draw the menu icon from the tray's own picture)

Logs go to stderr; set RUST_LOG=sonora_tray=debug for more.";

/// How the tray reaches the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Dbus,
    Socket,
}

fn main() -> anyhow::Result<()> {
    let mut via = if cfg!(target_os = "macos") { Via::Socket } else { Via::Dbus };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "-V" | "--version" => {
                println!("sonora-tray {}", sonora_proto::VERSION);
                return Ok(());
            }
            "--write-icon" => {
                let size: u32 = match args.next().map(|s| s.parse()) {
                    Some(Ok(n)) if (8..=1024).contains(&n) => n,
                    _ => {
                        anyhow::bail!("--write-icon takes a size in pixels (8 to 1024) and a file\n\n{USAGE}")
                    }
                };
                let file = args.next().context("--write-icon needs a file name")?;
                return icons::write_png(icons::APP_ICON, size, std::path::Path::new(&file));
            }
            "--via" => {
                via = match args.next().as_deref() {
                    Some("dbus") => Via::Dbus,
                    Some("socket") => Via::Socket,
                    other => anyhow::bail!("--via takes dbus or socket, not {other:?}\n\n{USAGE}"),
                }
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
    run(via)
}

/// Starts the thread that talks to the daemon, then hands the main thread to the toolkit.
fn run(via: Via) -> anyhow::Result<()> {
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
        .name("sonora-client".into())
        .spawn(move || match via {
            Via::Dbus => rt.block_on(client::run(client_tx, actions_rx, first)),
            Via::Socket => rt.block_on(socket::run(client_tx, actions_rx)),
        })
        .context("could not start the thread that talks to the daemon")?;

    let make_app =
        move || app::App::new(updates_rx, updates_tx, actions_tx).context("could not create the tray icon");
    shell_run(make_app)
}

#[cfg(target_os = "linux")]
fn shell_run(make_app: impl FnOnce() -> anyhow::Result<app::App>) -> anyhow::Result<()> {
    gtk_shell::run(make_app()?);
    Ok(())
}

#[cfg(target_os = "macos")]
fn shell_run(make_app: impl FnOnce() -> anyhow::Result<app::App> + 'static) -> anyhow::Result<()> {
    mac_shell::run(make_app)
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn shell_run(_make_app: impl FnOnce() -> anyhow::Result<app::App>) -> anyhow::Result<()> {
    anyhow::bail!("sonora-tray runs on Linux and macOS only")
}
