//! Exports: the person's own data, in formats any spreadsheet or script reads.

use crate::{Store, StoreError};
use serde_json::Value;
use std::io::Write;

/// The analyser's scalar fields, in CSV column order. Read from the stored JSON by name, so a check-in
/// stored before a field existed simply has an empty cell.
pub const CSV_FEATURES: &[&str] = &[
    "duration_s",
    "sample_rate",
    "speech_s",
    "voiced_fraction",
    "f0_mean_hz",
    "f0_median_hz",
    "f0_sd_st",
    "f0_p5_hz",
    "f0_p95_hz",
    "intensity_mean_db",
    "jitter_local",
    "shimmer_local",
    "hnr_db",
    "speech_rate_syl_s",
    "pause_fraction",
    "spectral_centroid_hz",
    "alpha_ratio_db",
];

fn cell(v: Option<&Value>) -> String {
    match v {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::String(s)) => quote(s),
        _ => String::new(),
    }
}

fn num(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// RFC 4180 quoting, only when needed.
fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

impl Store {
    /// Writes every check-in as CSV: a header, then one row per check-in, oldest first. Columns: `id`,
    /// `at`, the analyser's scalar features ([`CSV_FEATURES`]), `quality_ok`, `stress`, `fatigue`,
    /// `energy`, `confidence`, `session_outcome`, `session_rating`. Missing values are empty cells.
    pub fn export_csv<W: Write>(&self, mut w: W) -> Result<(), StoreError> {
        let mut header: Vec<&str> = vec!["id", "at"];
        header.extend_from_slice(CSV_FEATURES);
        header.extend_from_slice(&[
            "quality_ok",
            "stress",
            "fatigue",
            "energy",
            "confidence",
            "session_outcome",
            "session_rating",
        ]);
        writeln!(w, "{}", header.join(","))?;
        for c in self.checkins(None)? {
            let mut row = vec![c.id.to_string(), quote(&c.at)];
            row.extend(CSV_FEATURES.iter().map(|f| cell(c.features.get(f))));
            row.push(cell(c.features.get("quality").and_then(|q| q.get("ok"))));
            row.push(num(c.markers.map(|m| m.stress)));
            row.push(num(c.markers.map(|m| m.fatigue)));
            row.push(num(c.markers.map(|m| m.energy)));
            row.push(c.confidence.to_string());
            row.push(c.session.as_ref().map(|s| s.outcome.to_string()).unwrap_or_default());
            row.push(c.session.as_ref().and_then(|s| s.rating).map(|r| r.to_string()).unwrap_or_default());
            writeln!(w, "{}", row.join(","))?;
        }
        w.flush()?;
        Ok(())
    }

    /// Writes everything as one JSON object: `{"checkins": [CheckinRow...], "sessions": [SessionRow...],
    /// "learner": {model, reset_after, updated_at} or null}`,
    /// oldest first, pretty-printed so a person can read it.
    pub fn export_json<W: Write>(&self, mut w: W) -> Result<(), StoreError> {
        let doc = serde_json::json!({
            "checkins": self.checkins(None)?,
            "sessions": self.sessions(None)?,
            "learner": self.learner_export()?,
        });
        serde_json::to_writer_pretty(&mut w, &doc).map_err(std::io::Error::from)?;
        writeln!(w)?;
        w.flush()?;
        Ok(())
    }
}
