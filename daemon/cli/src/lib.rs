//! `sonorad`'s command line. A crate of its own so `sonoractl manpage` can render `sonorad.1`
//! without linking the daemon.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The version with the git commit it was built from, when built from a checkout
/// ("0.2.0 (git 0123456789ab)"), else the plain version (see build.rs).
pub const LONG_VERSION: &str = env!("SONORA_VERSION_LONG");

const AFTER_HELP: &str = "Sonora is a wellbeing tool, not music therapy and not a medical device. \
For a health concern, see a credentialed music therapist or another health professional.";

/// The Sonora daemon: plays adaptive soundscapes for calm, focus and sleep, shaped by an
/// everyday reading of your voice.
///
/// With no subcommand it runs in the foreground (as systemd and launchd expect) and logs to
/// stderr; SONORA_LOG or RUST_LOG set the log filter (e.g. SONORA_LOG=debug).
#[derive(Debug, Parser)]
#[command(name = "sonorad", version = LONG_VERSION, after_help = AFTER_HELP)]
pub struct Cli {
    /// Print the effective configuration (defaults, config file, SONORA_* variables) and exit.
    #[arg(long)]
    pub print_config: bool,

    #[command(subcommand)]
    pub command: Option<DaemonCommand>,
}

#[derive(Debug, Subcommand)]
pub enum DaemonCommand {
    /// Analyse one audio file offline and print the everyday voice signals read from it.
    Analyze(AnalyzeArgs),
    /// Render a session to a 48 kHz stereo WAV file, faster than real time.
    Render(RenderArgs),
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// WAV file (8/16/24-bit integer or 32-bit float, mono or stereo, 8 kHz and up).
    pub path: PathBuf,
    /// Print one JSON object instead of plain lines.
    #[arg(long)]
    pub json: bool,
    /// Include the pitch track (10 ms frames) in the JSON.
    #[arg(long)]
    pub frames: bool,
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

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[arg(long, value_enum)]
    pub outcome: OutcomeArg,
    /// Length of the session in minutes.
    #[arg(long, default_value_t = 10.0)]
    pub minutes: f64,
    /// Seed for the scene's choices; the same seed and inputs give the same file.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Everyday stress signal 0..1 to shape the opening (as a check-in would).
    #[arg(long)]
    pub stress: Option<f64>,
    /// Everyday fatigue signal 0..1.
    #[arg(long)]
    pub fatigue: Option<f64>,
    /// Everyday energy signal 0..1.
    #[arg(long)]
    pub energy: Option<f64>,
    /// Render this sound pack (by name) instead of the seed's choice among the outcome's packs.
    #[arg(long)]
    pub pack: Option<String>,
    /// Turn on the pack's gentle focus pulse (focus only; see docs/evidence.md).
    #[arg(long)]
    pub focus_pulse: bool,
    /// Output WAV file.
    #[arg(long)]
    pub out: PathBuf,
    /// Print a JSON report when done.
    #[arg(long)]
    pub json: bool,
}
