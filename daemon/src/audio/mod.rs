//! Audio output: a dedicated thread owns the cpal stream; the [`mixer`] runs in its callback.

pub mod mixer;
pub mod output;

pub use output::{AudioEvent, Output, OutputError};
