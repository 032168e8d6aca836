//! Short, plain output for people (scripts use `--json`).

use sonora_proto::{Event, StateKind, Status};

fn minutes(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    if s >= 60 { format!("{}:{:02}", s / 60, s % 60) } else { format!("{s}s") }
}

pub fn status(st: &Status) -> String {
    let mut out = String::new();
    let vol = (st.volume * 100.0).round();
    match (st.state, st.outcome) {
        (StateKind::Idle, _) => out.push_str(&format!("Idle. Volume {vol}%.\n")),
        (StateKind::CheckingIn, _) => out.push_str("Listening for a check-in…\n"),
        (kind, outcome) => {
            let what = outcome.map(|o| o.to_string()).unwrap_or_else(|| "a session".into());
            let verb = if kind == StateKind::Fading { "Fading out" } else { "Playing" };
            out.push_str(&format!("{verb} {what}"));
            if let Some(r) = st.remaining_s {
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
    if let Some(e) = &st.audio_error {
        out.push_str(&format!("Sound: {e}\n"));
    }
    out
}

pub fn event(ev: &Event) -> String {
    match ev {
        Event::State(st) => format!("state: {}", status(st).lines().next().unwrap_or_default()),
        Event::Volume { volume } => format!("volume: {}%", (volume * 100.0).round()),
        Event::Error(e) => format!("error: {}", e.message),
        Event::Checkin(c) => format!("check-in: {}", c.summary),
        Event::Lagged { missed } => format!("(missed {missed} events)"),
    }
}
