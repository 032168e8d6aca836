//! Audio output: a dedicated thread owns the cpal stream; the [`mixer`] runs in its callback.

pub mod mixer;
pub mod output;

pub use output::{AudioEvent, Output, OutputError};

/// What the sound server's mixer (pactl, pavucontrol, GNOME Settings, pw-dump) shows for the
/// daemon's stream: `PULSE_PROP_OVERRIDE` in libpulse's syntax. cpal reaches PulseAudio and
/// PipeWire through the pulse ALSA plugin, which names the client "ALSA plug-in [sonorad]" itself;
/// libpulse merges `PULSE_PROP` under that name but `PULSE_PROP_OVERRIDE` over it (checked with
/// PulseAudio 16.1 and pipewire-pulse 0.3.65). See docs/audio.md.
pub const STREAM_PROPERTIES: &str = "application.name=Sonora application.icon_name=sonora media.role=music";

/// Names the daemon's stream "Sonora" in the sound server's mixer, unless the person set
/// `PULSE_PROP_OVERRIDE` themselves (theirs wins).
///
/// # Safety
/// Changes the process environment: call it before any thread exists (first thing in `main`).
pub unsafe fn name_the_stream() {
    if std::env::var_os("PULSE_PROP_OVERRIDE").is_none() {
        // SAFETY: the caller guarantees no other thread exists yet, so nothing reads the
        // environment concurrently.
        unsafe { std::env::set_var("PULSE_PROP_OVERRIDE", STREAM_PROPERTIES) };
    }
}
