//! What Sonora is and is not: the one source of this text.
//!
//! `sonoractl about`, the tray's *About* item and the README's "What Sonora is" section all come
//! from here (the README's copy is checked against [`about_markdown`] by a test), so the three can
//! never drift apart.

use serde::Serialize;

pub const WHAT_IT_IS: &str = "Sonora is a wellbeing tool: it shapes calming, focusing or sleep sounds to an everyday reading of your voice.";

pub const WHAT_IT_IS_NOT: &str = "Sonora is not music therapy and not a medical device. It does not diagnose, screen for or treat anything.";

pub const MARKERS: &str = "The stress, fatigue and energy readings are everyday estimates with a confidence, not measurements of your health.";

pub const STORES: &str = "Sonora keeps only numbers derived from your voice (pitch, loudness, pace and the readings made from them), your sessions and your ratings, in a history file on this computer. The recording itself stays in memory and is never written to disk, unless you turn on keep_audio in the config. Nothing leaves your computer.";

/// Where the history lives unless `XDG_DATA_HOME` says otherwise (`about_text` prints the real path).
pub const DEFAULT_HISTORY: &str = "~/.local/share/sonora/history.db";

pub const EXPORT_DELETE: &str = "Export everything with `sonoractl export --json PATH` (or `--csv`); delete it with `sonoractl forget --all`.";

pub const HEALTH_CONCERN: &str = "If you have a health concern, please talk to a credentialed music therapist (find one through the British Association for Music Therapy, bamt.org, or the American Music Therapy Association, musictherapy.org) or another health professional.";

/// Short line for menus and notifications.
pub const SHORT: &str = "Not music therapy and not a medical device.";

/// The about text as structured data (`sonoractl about --json`).
#[derive(Debug, Clone, Serialize)]
pub struct About {
    pub what_it_is: &'static str,
    pub what_it_is_not: &'static str,
    pub markers: &'static str,
    pub stores: &'static str,
    pub data_location: String,
    pub export_and_delete: &'static str,
    pub health_concern: &'static str,
    pub version: &'static str,
}

pub fn about() -> About {
    About {
        what_it_is: WHAT_IT_IS,
        what_it_is_not: WHAT_IT_IS_NOT,
        markers: MARKERS,
        stores: STORES,
        data_location: crate::paths::data_dir().join("history.db").display().to_string(),
        export_and_delete: EXPORT_DELETE,
        health_concern: HEALTH_CONCERN,
        version: crate::VERSION,
    }
}

/// Plain text for a terminal or a dialog.
pub fn about_text() -> String {
    let a = about();
    format!(
        "{}\n{}\n\n{}\n\n{}\nHistory file: {}\n{}\n\n{}\n",
        a.what_it_is,
        a.what_it_is_not,
        a.markers,
        a.stores,
        a.data_location,
        a.export_and_delete,
        a.health_concern
    )
}

/// The README's "What Sonora is" section body, without machine-specific paths.
pub fn about_markdown() -> String {
    format!(
        "{WHAT_IT_IS}\n**{WHAT_IT_IS_NOT}**\n\n{MARKERS}\n\n{STORES}\nHistory file: `{DEFAULT_HISTORY}` \
         (under `$XDG_DATA_HOME/sonora/` if that is set).\n{EXPORT_DELETE}\n\n{HEALTH_CONCERN}\n"
    )
}

/// A passage to read aloud at a check-in, so check-ins stay comparable with each other.
pub const CHECKIN_PASSAGE: &str =
    "When the sunlight strikes raindrops in the air, they act as a prism and form a rainbow.";

/// Title of the notice that tells a person what to read when the microphone opens without
/// Sonora's window (the tray's Check in now…, the wind-down's Check in).
pub const CHECKIN_NOTICE_SUMMARY: &str = "Check-in: read this aloud";

/// Body of that notice: the passage and how long Sonora listens.
pub fn checkin_notice_body(seconds: f64) -> String {
    format!(
        "“{CHECKIN_PASSAGE}”\nAt your usual pace; Sonora listens for {} seconds.",
        seconds.ceil().max(1.0) as u64
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checkin_notice_says_what_to_read_and_for_how_long() {
        let b = checkin_notice_body(5.9);
        assert!(b.contains(CHECKIN_PASSAGE));
        assert!(b.contains("listens for 6 seconds"), "{b}");
    }

    #[test]
    fn says_what_the_issue_asks() {
        let t = about_markdown();
        for needle in [
            "wellbeing tool",
            "not music therapy and not a medical device",
            "does not diagnose, screen for or treat",
            "everyday estimates with a confidence",
            "history file",
            DEFAULT_HISTORY,
            "never written to disk",
            "sonoractl export",
            "sonoractl forget --all",
            "credentialed music therapist",
            "British Association for Music Therapy",
            "American Music Therapy Association",
            "another health professional",
        ] {
            assert!(t.contains(needle), "the about text lost {needle:?}:\n{t}");
        }
        // Short enough to read in a dialog.
        assert!(t.split_whitespace().count() < 200, "{} words", t.split_whitespace().count());
    }

    #[test]
    fn text_and_json_carry_the_same_words() {
        let text = about_text();
        let a = about();
        for part in
            [a.what_it_is, a.what_it_is_not, a.markers, a.stores, a.export_and_delete, a.health_concern]
        {
            assert!(text.contains(part));
        }
        assert!(text.contains(&a.data_location));
    }
}
