//! Music theory for the music layers: modes and scales, chords built from them, progressions and
//! voice leading. Pure functions and small value types; nothing here makes sound.

use serde::Deserialize;

/// The modes a pack may ask for. Every one is consonant enough to sit under a soundscape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    MajorPentatonic,
    MinorPentatonic,
    Ionian,
    Dorian,
    Lydian,
    Mixolydian,
    Aeolian,
}

impl Mode {
    pub const ALL: [Mode; 7] = [
        Mode::MajorPentatonic,
        Mode::MinorPentatonic,
        Mode::Ionian,
        Mode::Dorian,
        Mode::Lydian,
        Mode::Mixolydian,
        Mode::Aeolian,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::MajorPentatonic => "major_pentatonic",
            Mode::MinorPentatonic => "minor_pentatonic",
            Mode::Ionian => "ionian",
            Mode::Dorian => "dorian",
            Mode::Lydian => "lydian",
            Mode::Mixolydian => "mixolydian",
            Mode::Aeolian => "aeolian",
        }
    }

    /// Semitones of each scale degree above the tonic, ascending within one octave.
    pub fn degrees(self) -> &'static [u8] {
        match self {
            Mode::MajorPentatonic => &[0, 2, 4, 7, 9],
            Mode::MinorPentatonic => &[0, 3, 5, 7, 10],
            Mode::Ionian => &[0, 2, 4, 5, 7, 9, 11],
            Mode::Dorian => &[0, 2, 3, 5, 7, 9, 10],
            Mode::Lydian => &[0, 2, 4, 6, 7, 9, 11],
            Mode::Mixolydian => &[0, 2, 4, 5, 7, 9, 10],
            Mode::Aeolian => &[0, 2, 3, 5, 7, 8, 10],
        }
    }
}
