//! Short, plain output for people (scripts use `--json`).

use anyhow::Result;
use serde_json::Value;
use sonora_proto::{CheckinReport, Event, LayerInfo, PackInfo, StateKind, Status, VersionInfo};

fn minutes(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    if s >= 60 { format!("{}:{:02}", s / 60, s % 60) } else { format!("{s}s") }
}

/// Human output for a command's reply.
pub fn reply(cmd: &str, value: Value) -> Result<String> {
    Ok(match cmd {
        "status" | "start" | "stop" | "toggle" | "volume" | "reload" | "next" => {
            status(&serde_json::from_value::<Status>(value)?)
        }
        "version" => {
            let v: VersionInfo = serde_json::from_value(value)?;
            format!(
                "sonorad {} (protocol {}), sonoractl {}\n",
                v.version,
                v.protocol,
                sonorad_cli::LONG_VERSION
            )
        }
        "quit" => "Sonora's daemon is stopping.\n".into(),
        "layers" => layers(&serde_json::from_value::<Vec<LayerInfo>>(value)?),
        "layer" => layers(&[serde_json::from_value::<LayerInfo>(value)?]),
        "packs" => packs(&serde_json::from_value::<Vec<PackInfo>>(value)?),
        "preset_save" => format!("Saved preset '{}'.\n", value["name"].as_str().unwrap_or("?")),
        "presets" => {
            let names: Vec<String> = serde_json::from_value(value)?;
            if names.is_empty() { "No presets yet.\n".into() } else { format!("{}\n", names.join("\n")) }
        }
        "history" => history(&value),
        "schedule" | "schedule_skip_next" | "schedule_pause" | "schedule_resume" => {
            schedule(&serde_json::from_value::<sonora_proto::ScheduleInfo>(value)?)
        }
        "insights" => insights(&serde_json::from_value::<sonora_proto::Insights>(value)?),
        "rate" => format!("Thanks: rated the last session {}/5.\n", value["rating"]),
        "forget" => format!(
            "Deleted {} check-ins and {} sessions.\n",
            value["checkins"].as_u64().unwrap_or(0),
            value["sessions"].as_u64().unwrap_or(0)
        ),
        _ => format!("{}\n", serde_json::to_string_pretty(&value)?),
    })
}

fn insights(ins: &sonora_proto::Insights) -> String {
    let mut out = String::new();
    if let Some(n) = ins.reset_sessions {
        out += &format!(
            "Started learning afresh: {n} past sessions are no longer learned from (they stay in your history).\n"
        );
    }
    for o in &ins.outcomes {
        if o.times.is_empty() {
            out += &format!("{}: nothing learned yet; Sonora takes turns between packs.\n", o.outcome);
            continue;
        }
        for t in &o.times {
            out += &format!("{}\n", t.summary);
            for p in t.packs.iter().filter(|p| p.sessions > 0) {
                let avg = p.mean_rating.map(|m| format!("rated {m:.1} on average, ")).unwrap_or_default();
                out += &format!(
                    "  {:<12} {avg}{} rated of {} played; estimate {:.1} (likely {:.1} to {:.1})\n",
                    p.pack, p.rated, p.sessions, p.estimate, p.interval[0], p.interval[1]
                );
            }
        }
    }
    out += &format!("{}\n", ins.note);
    out
}

pub fn status(st: &Status) -> String {
    let mut out = String::new();
    let vol = (st.volume * 100.0).round();
    match (st.state, st.outcome) {
        (StateKind::Idle, _) => out.push_str(&format!("Idle. Volume {vol}%.\n")),
        (StateKind::CheckingIn, None) => out.push_str("Listening for a check-in (microphone open)…\n"),
        (kind, outcome) => {
            let what = outcome.map(|o| o.to_string()).unwrap_or_else(|| "a session".into());
            let verb = match kind {
                StateKind::Fading => "Fading out",
                StateKind::CheckingIn => "Listening for a check-in while playing",
                _ => "Playing",
            };
            out.push_str(&format!("{verb} {what}"));
            if let (Some(r), StateKind::Playing) = (st.remaining_s, kind) {
                out.push_str(&format!(", {} left", minutes(r)));
            }
            out.push_str(&format!(". Volume {vol}%.\n"));
        }
    }
    if let Some(why) = &st.explanation {
        out.push_str(&format!("{why}\n"));
    }
    if !st.layers.is_empty() {
        let names: Vec<String> = st
            .layers
            .iter()
            .map(|l| if l.muted { format!("{} (muted)", l.name) } else { l.name.clone() })
            .collect();
        out.push_str(&format!("Layers: {}\n", names.join(", ")));
    }
    if let Some(why) = &st.silent_reason {
        out.push_str(&format!("Silent for now: {why}.\n"));
    }
    if let Some(e) = &st.audio_error {
        out.push_str(&format!("Sound: {e}\n"));
    }
    if st.underruns > 0 {
        let times = if st.underruns == 1 { "once" } else { "times" };
        let n = if st.underruns == 1 { String::new() } else { format!("{} ", st.underruns) };
        out.push_str(&format!(
            "Sound hiccups: the sound device was not fed in time {n}{times} since sonorad started \
             (a very busy computer can cause this).\n"
        ));
    }
    out
}

fn layers(ls: &[LayerInfo]) -> String {
    if ls.is_empty() {
        return "No layers: nothing is playing.\n".into();
    }
    ls.iter()
        .map(|l| {
            format!(
                "{:<16} {:<9} {:>4.0}%{}{}\n",
                l.name,
                l.kind,
                l.volume * 100.0,
                if l.muted { "  muted" } else { "" },
                l.pack.as_deref().map(|p| format!("  ({p})")).unwrap_or_default()
            )
        })
        .collect()
}

fn packs(ps: &[PackInfo]) -> String {
    ps.iter()
        .map(|p| match &p.error {
            Some(e) => format!("{:<12} {}  {}\n", p.name, p.state, e),
            None => format!(
                "{:<12} {:<7} {}\n",
                p.name,
                p.state,
                p.outcomes.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(", ")
            ),
        })
        .collect()
}

/// ▁▂▃▄▅▆▇█ for values in 0..1.
fn spark(values: &[f64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    values.iter().map(|v| BARS[(v.clamp(0.0, 1.0) * 7.0).round() as usize]).collect()
}

fn history(v: &Value) -> String {
    let rows = v.as_array().cloned().unwrap_or_default();
    if rows.is_empty() {
        return "No check-ins stored yet. Try `sonoractl checkin`.\n".into();
    }
    let mut out =
        format!("{:<17} {:>6} {:>7} {:>6} {:>5}  session\n", "when", "stress", "fatigue", "energy", "conf");
    let mut series: [Vec<f64>; 3] = Default::default();
    for r in &rows {
        let at = r["at"].as_str().unwrap_or("");
        let when = at
            .parse::<jiff::Timestamp>()
            .map(|t| t.to_zoned(jiff::tz::TimeZone::system()).strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|_| at.to_string());
        let m = &r["markers"];
        let get = |k: &str| m[k].as_f64();
        for (i, k) in ["stress", "fatigue", "energy"].iter().enumerate() {
            if let Some(x) = get(k) {
                series[i].push(x);
            }
        }
        let f = |x: Option<f64>| x.map(|x| format!("{x:.2}")).unwrap_or_else(|| "–".into());
        let session = match &r["session"] {
            Value::Null => String::new(),
            s => format!(
                "{}{}",
                s["outcome"].as_str().unwrap_or(""),
                s["rating"].as_u64().map(|r| format!(" ({r}/5)")).unwrap_or_default()
            ),
        };
        out.push_str(&format!(
            "{when:<17} {:>6} {:>7} {:>6} {:>5.2}  {session}\n",
            f(get("stress")),
            f(get("fatigue")),
            f(get("energy")),
            r["confidence"].as_f64().unwrap_or(0.0)
        ));
    }
    out.push_str(&format!(
        "\nstress  {}\nfatigue {}\nenergy  {}\nEveryday estimates from your voice, not a health measurement.\n",
        spark(&series[0]),
        spark(&series[1]),
        spark(&series[2])
    ));
    out
}

fn schedule(s: &sonora_proto::ScheduleInfo) -> String {
    let mut out = String::new();
    if s.paused {
        out.push_str("The schedule is paused (sonoractl schedule resume).\n");
    }
    if s.entries.is_empty() {
        out.push_str("No schedule entries. Add [[schedule]] tables to config.toml.\n");
    }
    for e in &s.entries {
        let next = e.next_run.as_deref().unwrap_or("—");
        let len = e.minutes.map(|m| format!(" for {m} min")).unwrap_or_default();
        let ask = if e.checkin { ", check-in first" } else { "" };
        let skip = if e.skip_next { " (next run skipped)" } else { "" };
        out.push_str(&format!(
            "{:<14} {} {:<10} {}{len}{ask}; next: {next}{skip}\n",
            e.name, e.at, e.days, e.outcome
        ));
    }
    for err in &s.errors {
        out.push_str(&format!("problem: {err}\n"));
    }
    out
}

pub fn checkin(r: &CheckinReport) -> String {
    let mut out = String::new();
    if let Some(n) = &r.first_run_notice {
        out.push_str(&format!("{n}\n\n"));
    }
    out.push_str(&r.summary);
    out.push('\n');
    out
}

/// Shows the check-in countdown and input level on stderr.
pub async fn level_meter(mut events: sonora_client::EventStream) {
    use std::io::Write;
    while let Some(Ok(ev)) = events.next().await {
        if let Event::CheckinLevel { remaining_s, level_db } = ev {
            let bars = ((level_db + 60.0) / 3.0).clamp(0.0, 20.0) as usize;
            eprint!("\r{:>4.1} s left  [{:<20}]", remaining_s, "#".repeat(bars));
            let _ = std::io::stderr().flush();
        }
    }
}

pub fn event(ev: &Event) -> String {
    match ev {
        Event::State(st) => format!("state: {}", status(st).lines().next().unwrap_or_default()),
        Event::Volume { volume } => format!("volume: {}%", (volume * 100.0).round()),
        Event::Error(e) => format!("problem: {}", e.message),
        Event::Checkin(c) => format!("check-in: {}", c.summary.lines().next().unwrap_or_default()),
        Event::CheckinLevel { remaining_s, level_db } => {
            format!("listening: {remaining_s:.1} s left, {level_db:.0} dB")
        }
        Event::Lagged { missed } => format!("(missed {missed} events)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hiccups_are_mentioned_only_when_there_were_some() {
        let mut st = Status::idle(0.5);
        assert!(!status(&st).contains("hiccup"));
        st.underruns = 1;
        assert!(status(&st).contains("not fed in time once since sonorad started"), "{}", status(&st));
        st.underruns = 3;
        assert!(status(&st).contains("not fed in time 3 times since"), "{}", status(&st));
    }
}
