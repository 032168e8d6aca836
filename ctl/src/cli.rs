//! `sonoractl`'s command line.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const AFTER_HELP: &str = "Exit codes: 0 done, 1 local failure, 2 bad usage, 3 daemon not running, \
4 the daemon refused the command.\n\nSonora is a wellbeing tool, not music therapy and not a medical \
device. For a health concern, see a credentialed music therapist or another health professional.";

/// Control Sonora, the adaptive soundscape daemon for calm, focus and sleep.
#[derive(Debug, Parser)]
#[command(name = "sonoractl", version = sonorad_cli::LONG_VERSION, after_help = AFTER_HELP)]
pub struct Cli {
    /// Print one JSON value instead of plain lines (for scripts).
    #[arg(long, global = true)]
    pub json: bool,
    /// How to reach the daemon: its local socket, D-Bus, or auto (socket, then D-Bus).
    #[arg(long, global = true, value_enum, default_value_t = ViaArg::Auto)]
    pub via: ViaArg,
    #[command(subcommand)]
    pub command: Cmd,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ViaArg {
    Socket,
    Dbus,
    Auto,
}

/// The same outcome argument as `sonorad render --outcome`.
pub use sonorad_cli::OutcomeArg;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Show what Sonora is doing now, why the session sounds as it does, and its layers.
    Status,
    /// Start a session for calm, focus or sleep.
    Start {
        #[arg(value_enum)]
        outcome: OutcomeArg,
        /// Length in minutes; ends with a gentle fade (default: until stopped).
        #[arg(long)]
        minutes: Option<f64>,
        /// Use a saved preset (pack and layer mix).
        #[arg(long)]
        preset: Option<String>,
        /// Play this sound pack (see `sonoractl packs`) instead of the next one in rotation.
        #[arg(long, conflicts_with = "preset")]
        pack: Option<String>,
    },
    /// Stop the session with a short fade.
    Stop,
    /// Start this outcome, or stop it if it is already playing (good for a keyboard shortcut).
    Toggle {
        #[arg(value_enum)]
        outcome: OutcomeArg,
        #[arg(long)]
        minutes: Option<f64>,
    },
    /// Set the volume, 0 to 1.
    Volume { level: f64 },
    /// Check in: read a few seconds of your voice (or a file) for everyday stress, fatigue and
    /// energy signals that shape the next sessions. Estimates, not a health measurement.
    Checkin {
        /// Seconds to record from the default microphone (default 6).
        #[arg(long)]
        seconds: Option<f64>,
        /// Read this audio file instead of the microphone.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Re-roll the scene with a fresh seed (crossfaded).
    Next,
    /// List the live layers of the scene.
    Layers,
    /// Adjust one layer of the scene.
    Layer(LayerCmd),
    /// Save or list presets (the current pack and layer mix).
    Preset {
        #[command(subcommand)]
        action: PresetCmd,
    },
    /// List sound packs and whether they loaded.
    Packs,
    /// List schedule entries with their next run; skip, pause or resume them.
    Schedule {
        #[command(subcommand)]
        action: Option<ScheduleCmd>,
    },
    /// Your check-ins over time, with a small trend of each signal.
    History {
        /// Only this far back: e.g. 7d, 12h, 30m.
        #[arg(long)]
        since: Option<String>,
    },
    /// Say whether the session that just ended helped (1 to 5); Sonora learns from it.
    Rate { rating: u8 },
    /// Export everything Sonora stored about you: `export --csv PATH` (a header and one row per
    /// check-in) or `export --json PATH` (check-ins and sessions).
    Export {
        /// Write CSV (otherwise JSON, or whatever PATH's extension says).
        #[arg(long)]
        csv: bool,
        /// File to write.
        path: PathBuf,
    },
    /// Delete stored data and say what was deleted.
    Forget {
        /// Everything.
        #[arg(long, conflicts_with = "before")]
        all: bool,
        /// Everything before this date (2026-11-01 or RFC 3339).
        #[arg(long)]
        before: Option<String>,
    },
    /// What Sonora has learned from your ratings: which sounds seem to suit you, how sure it is,
    /// and what it will try next. It learns on this computer only; it is not a measurement of health.
    Insights {
        /// Start learning afresh (your history stays; it is just no longer learned from).
        #[arg(long)]
        reset: bool,
    },
    /// Re-read the config file and packs (the last good ones stay if they are broken).
    Reload,
    /// Show the daemon's and this tool's versions.
    Version,
    /// Follow the daemon's events as they happen.
    Watch,
    /// Stop the daemon.
    Quit,
    /// What Sonora is and is not, what it stores, and where to go for a health concern.
    About {
        /// Print it as the Markdown the README carries.
        #[arg(long)]
        markdown: bool,
    },
    /// Run the daemon as a per-user service (systemd on Linux, launchd on macOS).
    Service {
        #[command(subcommand)]
        action: crate::service::ServiceAction,
    },
    /// Print a shell completion script (e.g. `sonoractl completions bash > ~/.local/share/bash-completion/completions/sonoractl`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write man pages (sonoractl.1, sonorad.1, one per subcommand) into DIR.
    Manpage { dir: std::path::PathBuf },
}

#[derive(Debug, Args)]
pub struct LayerCmd {
    /// Layer name, as `sonoractl layers` shows it.
    pub name: String,
    /// Set its volume, 0 to 1.
    #[arg(long)]
    pub volume: Option<f64>,
    #[arg(long, conflicts_with = "unmute")]
    pub mute: bool,
    #[arg(long)]
    pub unmute: bool,
}

#[derive(Debug, Subcommand)]
pub enum PresetCmd {
    /// Keep the current pack and layer mix under a name (`start calm --preset NAME` uses it).
    Save { name: String },
    /// List saved presets.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ScheduleCmd {
    /// Skip the next run of one entry.
    SkipNext { name: String },
    /// Pause the whole schedule (nothing starts by itself until resume).
    Pause,
    /// Resume the schedule after a pause.
    Resume,
}
