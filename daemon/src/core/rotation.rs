//! Pack rotation: by default a new session (and `next`) leaves out the packs of the last two
//! sessions of the same outcome, so no pack repeats within three in a row unless it is the only
//! one that fits. A preset or an explicit `--pack` wins over rotation and still counts as played.

use sonora_proto::Outcome;
use std::collections::{HashMap, VecDeque};

/// How many recent packs per outcome are left out of the next choice.
const KEEP: usize = 2;

#[derive(Default, Debug)]
pub struct Rotation {
    recent: HashMap<Outcome, VecDeque<String>>,
}

impl Rotation {
    /// Packs the next automatic choice for `outcome` should avoid, newest first.
    pub fn avoid(&self, outcome: Outcome) -> Vec<String> {
        self.recent.get(&outcome).map(|q| q.iter().cloned().collect()).unwrap_or_default()
    }

    /// Records that a session of `outcome` played `pack`.
    pub fn played(&mut self, outcome: Outcome, pack: &str) {
        let q = self.recent.entry(outcome).or_default();
        q.retain(|p| p != pack);
        q.push_front(pack.to_string());
        q.truncate(KEEP);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_two_per_outcome() {
        let mut r = Rotation::default();
        r.played(Outcome::Calm, "shore");
        r.played(Outcome::Calm, "hearth");
        r.played(Outcome::Focus, "study");
        r.played(Outcome::Calm, "night");
        assert_eq!(r.avoid(Outcome::Calm), ["night", "hearth"]);
        assert_eq!(r.avoid(Outcome::Focus), ["study"]);
        assert!(r.avoid(Outcome::Sleep).is_empty());
    }
}
