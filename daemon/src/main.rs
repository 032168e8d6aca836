//! `sonorad`: the Sonora daemon.
//!
//! Layout (one room per folder):
//! - [`core`]: the command core, a state machine every transport drives;
//! - [`transport`]: the local socket and D-Bus ways in;
//! - [`audio`]: the cpal output and the realtime mixer;
//! - [`config`]: layered settings;
//! - [`checkin`]: recording and reading a voice check-in;
//! - [`hooks`]: the user's `on_event` script, run on session and check-in events;
//! - [`instance`]: one daemon per user;
//! - [`watch`]: config and pack files reloaded when they change;
//! - [`sleep`]: fade out before suspend, go on after resume (logind);
//! - [`offline`]: `sonorad analyze` and `sonorad render`, which need no running daemon;

mod audio;
mod checkin;
mod clock;
mod config;
mod core;
mod exit_code;
mod hooks;
mod instance;
mod logging;
mod notice;
mod notify;
mod offline;
mod sleep;
mod transport;
mod watch;

use clap::Parser;
use sonorad_cli::Cli;
use std::process::ExitCode;

/// Debug builds check that the audio callback never allocates or frees: inside
/// `assert_no_alloc(..)` (see audio/output.rs) any allocator call aborts the daemon.
#[cfg(debug_assertions)]
#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

fn main() -> ExitCode {
    // SAFETY: first thing in main, before the runtime, logging or audio threads exist.
    unsafe { audio::name_the_stream() };
    let cli = Cli::parse();
    if cli.print_config {
        return match config::load() {
            Ok(s) => {
                print!("{}", config::to_toml(&s));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("sonorad: {e}");
                ExitCode::from(exit_code::CONFIG)
            }
        };
    }
    if let Some(cmd) = cli.command {
        return match cmd {
            sonorad_cli::DaemonCommand::Analyze(a) => ExitCode::from(offline::analyze(&a)),
            sonorad_cli::DaemonCommand::Render(r) => ExitCode::from(offline::render(&r)),
        };
    }
    logging::init();
    // Everything the daemon creates (socket, lock, history) is private to this user.
    // SAFETY: umask has no preconditions.
    unsafe { libc::umask(0o077) };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

fn run() -> Result<(), ExitCode> {
    let settings = config::load().unwrap_or_else(|e| {
        tracing::error!(
            "{e}; starting with the built-in defaults until it is fixed (then `sonoractl reload`)"
        );
        config::defaults()
    });
    let socket = sonora_proto::paths::socket_path();
    let _lock = instance::acquire(&socket).map_err(|e| {
        tracing::error!("{e}");
        match e {
            instance::InstanceError::AlreadyRunning(_) => ExitCode::from(exit_code::ALREADY_RUNNING),
            _ => ExitCode::from(exit_code::FAILURE),
        }
    })?;
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(|e| {
            eprintln!("sonorad: cannot start the runtime: {e}");
            ExitCode::from(exit_code::FAILURE)
        })?;
    rt.block_on(async move {
        let listener = transport::socket::bind(&socket).map_err(|e| {
            tracing::error!("{e}");
            ExitCode::from(exit_code::FAILURE)
        })?;
        tracing::info!(socket = %socket.display(), version = sonora_proto::VERSION, "sonorad ready");
        let (mut core, handle) = core::Core::new(settings);
        let _hooks_task = tokio::spawn(hooks::run(core.hook_program(), handle.subscribe()));
        core.set_notifier(notify::spawn(handle.clone()));
        let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
        let socket_task =
            tokio::spawn(transport::socket::serve(listener, handle.clone(), shutdown_rx.clone()));
        let dbus_task = tokio::spawn(transport::dbus::serve(handle.clone(), shutdown_rx.clone()));
        let mpris_task = tokio::spawn(transport::mpris::serve(handle.clone(), shutdown_rx.clone()));
        let _sleep_task = tokio::spawn(sleep::run(handle.clone()));
        let _watcher = watch::files(handle.clone());
        core.run(shutdown_signal()).await;
        let _ = shutdown_tx.send(true);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async {
            let _ = socket_task.await;
            let _ = dbus_task.await;
            let _ = mpris_task.await;
        })
        .await;
        let _ = std::fs::remove_file(&socket);
        tracing::info!("sonorad stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
