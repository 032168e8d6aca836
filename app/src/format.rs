//! Plain-words text for what the daemon reports; pure, so it is unit-tested.

use sonora_proto::{Outcome, StateKind, Status};

pub fn outcome_title(o: Outcome) -> &'static str {
    match o {
        Outcome::Calm => "Calm",
        Outcome::Focus => "Focus",
        Outcome::Sleep => "Sleep",
    }
}

/// The headline of the Now playing page.
pub fn headline(st: &Status) -> String {
    match (st.state, st.outcome) {
        (StateKind::CheckingIn, _) => "Listening for your check-in…".into(),
        (StateKind::Fading, Some(o)) => format!("{} is fading out", outcome_title(o)),
        (StateKind::Playing, Some(o)) => format!("Playing {}", outcome_title(o).to_lowercase()),
        _ => "Nothing playing".into(),
    }
}

/// "12:05 left", or an empty string for untimed or idle sessions.
pub fn time_left(remaining_s: Option<f64>) -> String {
    match remaining_s {
        Some(s) if s.is_finite() && s >= 0.0 => {
            let s = s.round() as u64;
            if s >= 3600 {
                format!("{}:{:02}:{:02} left", s / 3600, s / 60 % 60, s % 60)
            } else {
                format!("{}:{:02} left", s / 60, s % 60)
            }
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_in_plain_words() {
        let mut st = Status::idle(0.5);
        assert_eq!(headline(&st), "Nothing playing");
        st.state = StateKind::Playing;
        st.outcome = Some(Outcome::Focus);
        assert_eq!(headline(&st), "Playing focus");
        st.state = StateKind::Fading;
        assert_eq!(headline(&st), "Focus is fading out");
        st.state = StateKind::CheckingIn;
        assert_eq!(headline(&st), "Listening for your check-in…");
    }

    #[test]
    fn time_left_reads_like_a_clock() {
        assert_eq!(time_left(None), "");
        assert_eq!(time_left(Some(65.4)), "1:05 left");
        assert_eq!(time_left(Some(3725.0)), "1:02:05 left");
    }
}
