//! `sonoractl`'s command line.

use clap::{Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "Exit codes: 0 done, 1 local failure, 2 bad usage, 3 daemon not running, \
4 the daemon refused the command.\n\nSonora is a wellbeing tool, not music therapy and not a medical \
device. For a health concern, see a credentialed music therapist or another health professional.";

/// Control Sonora, the adaptive soundscape daemon for calm, focus and sleep.
#[derive(Debug, Parser)]
#[command(name = "sonoractl", version, after_help = AFTER_HELP)]
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

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutcomeArg {
    Calm,
    Focus,
    Sleep,
}

impl From<OutcomeArg> for sonora_proto::Outcome {
    fn from(o: OutcomeArg) -> Self {
        match o {
            OutcomeArg::Calm => sonora_proto::Outcome::Calm,
            OutcomeArg::Focus => sonora_proto::Outcome::Focus,
            OutcomeArg::Sleep => sonora_proto::Outcome::Sleep,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Show what Sonora is doing now.
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
    /// Re-read the config file (the last good one stays if it is broken).
    Reload,
    /// Show the daemon's and this tool's versions.
    Version,
    /// Follow the daemon's events as they happen.
    Watch,
    /// Stop the daemon.
    Quit,
    /// What Sonora is and is not, what it stores, and where to go for a health concern.
    About,
}
