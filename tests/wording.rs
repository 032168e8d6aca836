//! Sonora never claims to be a health product. This test reads every text the project can show a
//! person and fails on a clinical claim, printing each offending sentence and where it came from.
//!
//! What it reads:
//! - the `--help` of `sonoractl` and `sonorad` and of every subcommand, found by following the
//!   "Commands:" section of each help page (a new subcommand is covered without touching this file);
//! - what `sonoractl` prints against a real daemon: `about` and `about --json`, `status`, sessions,
//!   `checkin --file` on an espeak-ng recording, `history` and the other read-only commands that exist,
//!   `insights` before and after ratings and the status line of a learned choice, in plain and `--json`
//!   form, plus its error messages;
//! - every string literal in the product's Rust sources (`src/` of the daemon, its crates, `sonoractl`
//!   and the tray: menu labels, notifications, explanations, log and error messages; test modules
//!   are left out);
//! - every Markdown file (README, docs, pack and analysis notes), the packs' descriptions, and the
//!   desktop entry, service units, packaging and helper scripts.
//!
//! How it judges: text is cut into sentences. A sentence is flagged when it contains a clinical term
//! (diagnose, treat, cure, therapy, clinical, medical, a named condition, ...) that is not inside an
//! allowed phrase from `tests/wording/allow.txt`: the disclaimers themselves ("not music therapy",
//! "does not diagnose, screen for or treat", "credentialed music therapist", ...). Allowed phrases
//! only excuse the words they cover, so "Sonora is not music therapy but it treats insomnia" still
//! fails. In `docs/evidence.md` a sentence reporting research with a citation (author and year) and
//! no word about Sonora or "you" passes too, as do its reference-list entries.

use sonora_tests::{Daemon, Env, bin, require_program};
use std::path::{Path, PathBuf};

// ====================================================================== the checker

mod checker {
    /// A clinical term: a word stem and the endings it may take (`None`: any ending), or a
    /// sequence of whole words.
    enum Term {
        Stem(&'static str, Option<&'static [&'static str]>),
        Words(&'static [&'static str]),
    }
    use Term::*;

    const ANY: Option<&[&str]> = None;

    /// What Sonora must never claim to do, be or detect.
    const TERMS: &[Term] = &[
        // what it does
        Stem("diagnos", ANY),
        Stem("treat", Some(&["", "s", "ed", "ing", "ment", "ments", "able"])),
        Stem("cure", Some(&["", "s", "d"])),
        Stem("curing", Some(&[""])),
        Stem("curative", Some(&["", "ly"])),
        Stem("heal", Some(&["", "s", "ed", "ing", "er", "ers"])),
        Stem("prescri", ANY),
        Words(&["screen", "for"]),
        Words(&["screens", "for"]),
        Words(&["screening", "for"]),
        Stem("screening", Some(&["", "s"])),
        // what it is
        Stem("therap", ANY),
        Stem("clinic", ANY),
        Stem("medical", ANY),
        Stem("medicine", Some(&["", "s"])),
        Stem("medication", Some(&["", "s"])),
        Stem("patient", Some(&["s"])),
        Stem("symptom", ANY),
        Stem("disorder", ANY),
        Stem("illness", Some(&["", "es"])),
        Stem("disease", Some(&["", "s"])),
        Words(&["mental", "health"]),
        Words(&["health", "condition"]),
        Words(&["health", "conditions"]),
        // conditions it must never name as something it detects or helps
        Stem("depress", ANY),
        Stem("anxiety", Some(&["", "ies"])),
        Stem("anxious", Some(&["", "ness"])),
        Stem("insomni", ANY),
        Stem("ptsd", Some(&[""])),
        Stem("adhd", Some(&[""])),
        Stem("ocd", Some(&[""])),
        Stem("burnout", Some(&["", "s"])),
        Words(&["burn", "out"]),
        Words(&["burned", "out"]),
        Words(&["burnt", "out"]),
        Stem("dementia", Some(&[""])),
        Stem("alzheimer", ANY),
        Stem("autis", ANY),
        Stem("bipolar", Some(&[""])),
        Stem("schizophreni", ANY),
        Stem("trauma", ANY),
        Words(&["panic", "attack"]),
        Words(&["panic", "attacks"]),
        Stem("tinnitus", Some(&[""])),
        Stem("apnea", Some(&[""])),
        Stem("apnoea", Some(&[""])),
        Stem("hypertension", Some(&[""])),
        Stem("migraine", Some(&["", "s"])),
    ];

    /// Lower-case words, split on everything that is not a letter or a digit (so "doesn't" is
    /// "doesn t" and "therapist-led" is "therapist led", in text and in patterns alike).
    pub fn words(s: &str) -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| w.to_lowercase()).collect()
    }

    /// An allowed phrase: words, where `*` stands for up to four words of any kind.
    #[derive(Debug, Clone)]
    pub struct Pattern {
        pub text: String,
        toks: Vec<Option<String>>,
    }

    #[derive(Debug, Clone, Default)]
    pub struct AllowList {
        pub patterns: Vec<Pattern>,
    }

    impl AllowList {
        /// One phrase per line; `#` starts a comment line; blank lines are ignored.
        pub fn parse(text: &str) -> AllowList {
            let patterns = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| Pattern {
                    text: l.to_string(),
                    toks: l
                        .split_whitespace()
                        .flat_map(|t| {
                            if t == "*" { vec![None] } else { words(t).into_iter().map(Some).collect() }
                        })
                        .collect(),
                })
                .filter(|p| p.toks.iter().any(Option::is_some))
                .collect();
            AllowList { patterns }
        }
    }

    /// Marks the words each match of `toks` starting at `start` covers; true if it matched.
    fn match_at(toks: &[Option<String>], ws: &[String], start: usize, covered: &mut Vec<usize>) -> bool {
        match toks.split_first() {
            None => true,
            Some((Some(t), rest)) => {
                if ws.get(start) == Some(t) {
                    covered.push(start);
                    if match_at(rest, ws, start + 1, covered) {
                        return true;
                    }
                    covered.pop();
                }
                false
            }
            Some((None, rest)) => {
                for skip in 0..=4 {
                    if start + skip > ws.len() {
                        break;
                    }
                    let mark = covered.len();
                    covered.extend(start..start + skip);
                    if match_at(rest, ws, start + skip, covered) {
                        return true;
                    }
                    covered.truncate(mark);
                }
                false
            }
        }
    }

    /// Clinical terms in `ws` with the index range each covers.
    fn terms_in(ws: &[String]) -> Vec<(std::ops::Range<usize>, String)> {
        let mut found = Vec::new();
        for i in 0..ws.len() {
            for term in TERMS {
                match term {
                    Stem(stem, endings) => {
                        let w = &ws[i];
                        if let Some(rest) = w.strip_prefix(stem)
                            && endings.is_none_or(|e| e.contains(&rest))
                        {
                            found.push((i..i + 1, w.clone()));
                        }
                    }
                    Words(seq) => {
                        if ws.len() >= i + seq.len() && seq.iter().zip(&ws[i..]).all(|(a, b)| a == b) {
                            found.push((i..i + seq.len(), seq.join(" ")));
                        }
                    }
                }
            }
        }
        found
    }

    /// One sentence that failed, and why.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Finding {
        pub source: String,
        pub sentence: String,
        pub terms: Vec<String>,
    }

    /// Words that make a sentence about Sonora or its user, not a report of research.
    const PRODUCT_WORDS: &[&str] =
        &["sonora", "sonoractl", "sonorad", "we", "our", "us", "you", "your", "app", "apps", "tool"];

    fn has_year(s: &str) -> bool {
        let b = s.as_bytes();
        (0..b.len().saturating_sub(3)).any(|i| {
            (b[i..].starts_with(b"19") || b[i..].starts_with(b"20"))
                && b[i + 2].is_ascii_digit()
                && b[i + 3].is_ascii_digit()
                && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
                && b.get(i + 4).is_none_or(|c| !c.is_ascii_digit())
        })
    }

    /// A sentence reporting research: it names its source (author and year) and says nothing
    /// about Sonora or the reader.
    fn is_cited_research(sentence: &str) -> bool {
        let ws = words(sentence);
        has_year(sentence)
            && (sentence.contains("et al") || sentence.contains(" & ") || sentence.contains("Cochrane"))
            && !ws.iter().any(|w| PRODUCT_WORDS.contains(&w.as_str()))
    }

    /// A reference-list entry: "Surname, X. ... (2014). Title. Journal ..."
    fn is_reference_entry(block: &str) -> bool {
        let b = block.trim_start_matches(|c: char| c == '-' || c == '*' || c.is_whitespace());
        let mut chars = b.chars();
        let starts_like_author = chars.next().is_some_and(char::is_uppercase)
            && b.split_whitespace().next().is_some_and(|w| w.ends_with(',') || w.ends_with('.'));
        let has_paren_year = b.match_indices('(').any(|(i, _)| {
            let y = &b[i + 1..];
            y.len() >= 5 && has_year(&y[..4]) && y.as_bytes()[4] == b')'
        });
        starts_like_author && has_paren_year && !words(b).iter().any(|w| w == "sonora")
    }

    /// Splits text into blocks: paragraphs, list items, table rows, headings, code lines.
    fn blocks(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        let mut in_code = false;
        let flush = |cur: &mut String, out: &mut Vec<String>| {
            if !cur.trim().is_empty() {
                out.push(std::mem::take(cur));
            }
            cur.clear();
        };
        for line in text.lines() {
            // Block quotes read as the text they quote.
            let t = line.trim().trim_start_matches('>').trim();
            if t.starts_with("```") {
                flush(&mut cur, &mut out);
                in_code = !in_code;
                continue;
            }
            let starts_block = in_code
                || t.is_empty()
                || t.starts_with("- ")
                || t.starts_with("* ")
                || t.starts_with("+ ")
                || t.starts_with('|')
                || t.starts_with('#')
                || t.starts_with('-')
                || t.split_once(". ")
                    .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
                || t.ends_with(':');
            if starts_block {
                flush(&mut cur, &mut out);
            }
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(t);
            if in_code || t.starts_with('|') || t.starts_with('#') || t.ends_with(':') {
                flush(&mut cur, &mut out);
            }
        }
        flush(&mut cur, &mut out);
        out
    }

    const ABBREVIATIONS: &[&str] =
        &["e.g", "i.e", "etc", "vs", "cf", "al", "dr", "mr", "mrs", "ms", "no", "vol", "pp", "fig", "approx"];

    /// Splits a block into sentences at `.`, `!` or `?` followed by a space, except after
    /// abbreviations and initials.
    pub fn sentences(block: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut start = 0;
        let chars: Vec<(usize, char)> = block.char_indices().collect();
        for (k, &(i, c)) in chars.iter().enumerate() {
            if !matches!(c, '.' | '!' | '?' | '…') {
                continue;
            }
            let next_is_space = chars.get(k + 1).is_none_or(|&(_, n)| n.is_whitespace());
            if !next_is_space {
                continue;
            }
            if c == '.' {
                let before = &block[start..i];
                let last = before.rsplit(|ch: char| ch.is_whitespace() || ch == '(').next().unwrap_or("");
                let last = last.to_lowercase();
                let initial = last.chars().count() == 1 && last.chars().all(char::is_alphabetic);
                if initial || ABBREVIATIONS.contains(&last.as_str()) {
                    continue;
                }
            }
            let end = i + c.len_utf8();
            let s = block[start..end].trim();
            if !s.is_empty() {
                out.push(s.to_string());
            }
            start = end;
        }
        let rest = block[start..].trim();
        if !rest.is_empty() {
            out.push(rest.to_string());
        }
        out
    }

    /// The clinical terms in `sentence` not covered by an allowed phrase.
    pub fn flagged_terms(sentence: &str, allow: &AllowList) -> Vec<String> {
        let ws = words(sentence);
        let terms = terms_in(&ws);
        if terms.is_empty() {
            return Vec::new();
        }
        let mut covered = vec![false; ws.len()];
        for p in &allow.patterns {
            for start in 0..ws.len() {
                let mut idx = Vec::new();
                if match_at(&p.toks, &ws, start, &mut idx) {
                    for i in idx {
                        covered[i] = true;
                    }
                }
            }
        }
        let mut out: Vec<String> =
            terms.into_iter().filter(|(r, _)| !r.clone().all(|i| covered[i])).map(|(_, t)| t).collect();
        out.dedup();
        out
    }

    /// Checks one text from `source`. `citations` allows cited research sentences and reference
    /// entries (only for the evidence page).
    pub fn check(source: &str, text: &str, allow: &AllowList, citations: bool) -> Vec<Finding> {
        let mut out = Vec::new();
        for block in blocks(text) {
            if citations && is_reference_entry(&block) {
                continue;
            }
            for s in sentences(&block) {
                let terms = flagged_terms(&s, allow);
                if terms.is_empty() || (citations && is_cited_research(&s)) {
                    continue;
                }
                out.push(Finding { source: source.to_string(), sentence: s, terms });
            }
        }
        out
    }

    /// Which allowed phrases matched anything in `texts` (to spot stale entries).
    pub fn used_patterns<'a>(allow: &'a AllowList, texts: &[String]) -> Vec<&'a str> {
        let all: Vec<Vec<String>> = texts.iter().map(|t| words(t)).collect();
        allow
            .patterns
            .iter()
            .filter(|p| all.iter().any(|ws| (0..ws.len()).any(|s| match_at(&p.toks, ws, s, &mut Vec::new()))))
            .map(|p| p.text.as_str())
            .collect()
    }
}

use checker::{AllowList, Finding, check};

// ====================================================================== the checker's own cases

fn allow_list() -> AllowList {
    let path = repo().join("tests/wording/allow.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    AllowList::parse(&text)
}

fn flags(text: &str) -> Vec<Finding> {
    check("unit case", text, &allow_list(), false)
}

#[test]
fn checker_flags_claims_and_passes_disclaimers() {
    let claims = [
        "Sonora treats insomnia.",
        "Sonora can diagnose stress from your voice.",
        "Clinically proven to reduce stress.",
        "A medical-grade reading of your voice.",
        "Sonora detects depression early.",
        "Music therapy in your pocket.",
        "A therapeutic soundscape for every mood.",
        "Sonora screens for burnout.",
        "Helps with anxiety and PTSD.",
        "Sonora cures sleeplessness.",
        "Sound healing for your nervous system.",
        "Your personal sound therapist.",
        "Relieves symptoms of stress.",
        // a disclaimer does not excuse a claim in the same sentence
        "Sonora is not music therapy, but it treats insomnia.",
        "It does not diagnose, screen for or treat anything, except your ADHD.",
        "Not a medical device but a treatment device.",
    ];
    for c in claims {
        let f = flags(c);
        assert!(!f.is_empty(), "the checker let a clinical claim through: {c:?}");
    }
    assert_eq!(flags("Sonora treats insomnia.")[0].terms, ["treats", "insomnia"]);
    assert_eq!(flags("Sonora can diagnose stress from your voice.")[0].terms, ["diagnose"]);

    let fine = [
        "Sonora is a wellbeing tool, not music therapy and not a medical device.",
        "Sonora is not music therapy and not a medical device. It does not diagnose, screen for or treat anything.",
        "It does not diagnose, screen for, or treat any condition.",
        "If you have a health concern, please talk to a credentialed music therapist (find one through the \
         British Association for Music Therapy, bamt.org, or the American Music Therapy Association, \
         musictherapy.org) or another health professional.",
        "For a health concern, see a credentialed music therapist or another health professional.",
        "About Sonora (not a medical device)",
        "You sound a bit tense; confidence: low, 2 of 5 baseline check-ins.",
        "Starting brighter and livelier because you sounded tense, settling towards calm.",
        "Stress, fatigue and energy are everyday estimates with a confidence, not a measurement of your health.",
        "Sonora is a consumer wellbeing tool for relaxing, focusing and winding down. It is not a medical \
         device and makes no health claims.",
        "A secure, curated set of sounds; treat yourself to a quiet evening? No: sounds, nothing more.",
    ];
    for f in fine {
        // "treat yourself" is flagged on purpose: the checker is strict, wording can change.
        if f.contains("treat yourself") {
            assert_eq!(flags(f).iter().flat_map(|x| x.terms.clone()).collect::<Vec<_>>(), ["treat"]);
            continue;
        }
        assert!(flags(f).is_empty(), "the checker flagged a disclaimer or plain wording: {:?}", flags(f));
    }

    // Citations pass only on the evidence page, and never when they speak about Sonora.
    let allow = allow_list();
    let cited = "A Cochrane review found benefits when music therapy was added to usual care \
                 (Aalbers et al. 2017).";
    assert!(check("docs/evidence.md", cited, &allow, true).is_empty());
    assert!(!check("README.md", cited, &allow, false).is_empty());
    let sneaky = "Sonora treats insomnia (Smith et al. 2020).";
    assert!(!check("docs/evidence.md", sneaky, &allow, true).is_empty());
    let reference = "- Jespersen, K. V., Pando-Naude, V., Koenig, J., Jennum, P., & Vuust, P. (2022). Listening \
                     to music for insomnia in adults. *Cochrane Database of Systematic Reviews* 2022(8).";
    assert!(check("docs/evidence.md", reference, &allow, true).is_empty());
    assert!(!check("README.md", reference, &allow, false).is_empty());

    // Sentences are cut where a reader would cut them.
    assert_eq!(
        checker::sentences("Calm, e.g. waves. Focus: steady! P. N. Juslin wrote it. Sleep? Yes"),
        ["Calm, e.g. waves.", "Focus: steady!", "P. N. Juslin wrote it.", "Sleep?", "Yes"]
    );
}

// ====================================================================== collecting texts

/// One text Sonora can show, and where it came from.
struct Text {
    source: String,
    text: String,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rel(p: &Path) -> String {
    p.strip_prefix(repo()).unwrap_or(p).display().to_string()
}

/// Files under `dir` (not following into build output, VCS or fuzzing folders).
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            if name.starts_with('.') || name.starts_with("target") || matches!(name, "fuzz" | "node_modules")
            {
                continue;
            }
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn repo_files() -> Vec<PathBuf> {
    let mut all = Vec::new();
    walk(&repo(), &mut all);
    all
}

/// README, docs and every other Markdown file, whole.
fn markdown_texts() -> Vec<Text> {
    repo_files()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| Text { source: rel(&p), text: std::fs::read_to_string(&p).unwrap() })
        .collect()
}

/// `description = "..."` of every pack manifest (built-in packs ship these texts to the user).
fn pack_texts() -> Vec<Text> {
    let mut out = Vec::new();
    for p in repo_files() {
        if p.file_name().is_some_and(|n| n == "pack.toml") {
            let text = std::fs::read_to_string(&p).unwrap();
            for (n, line) in text.lines().enumerate() {
                if let Some(v) = line.trim().strip_prefix("description") {
                    let v = v.trim_start().trim_start_matches('=').trim().trim_matches('"');
                    out.push(Text { source: format!("{}:{}", rel(&p), n + 1), text: v.to_string() });
                }
            }
        }
    }
    assert!(!out.is_empty(), "no pack descriptions found under packs/");
    out
}

/// Desktop entries, service units, launchd plists, packaging and the helper scripts people run:
/// their descriptions, comments and messages reach people too.
fn packaging_texts() -> Vec<Text> {
    let dirs = ["packaging", "systemd", "launchd", "ctl/scripts"];
    let exts = ["desktop", "service", "plist", "socket", "xml", "1"];
    repo_files()
        .into_iter()
        .filter(|p| {
            let r = rel(p);
            dirs.iter().any(|d| r.starts_with(&format!("{d}/")))
                || p.extension().and_then(|e| e.to_str()).is_some_and(|e| exts.contains(&e))
        })
        .filter_map(|p| Some(Text { source: rel(&p), text: std::fs::read_to_string(&p).ok()? }))
        .collect()
}

/// String literals of one Rust file, with their line numbers, leaving out `#[cfg(test)]` items.
fn rust_string_literals(src: &str) -> Vec<(usize, String)> {
    let b: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut depth) = (0usize, 1usize, 0usize);
    let mut pending_test_item = false;
    let mut skip_from_depth: Option<usize> = None;
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    while i < b.len() {
        let c = b[i];
        let prev_ident = i > 0 && ident(b[i - 1]);
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c == '/' && b.get(i + 1) == Some(&'/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && b.get(i + 1) == Some(&'*') {
            let mut nest = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    nest += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    nest -= 1;
                    i += 2;
                    if nest == 0 {
                        break;
                    }
                } else {
                    line += (b[i] == '\n') as usize;
                    i += 1;
                }
            }
        } else if !prev_ident && (c == 'r' || (c == 'b' && b.get(i + 1) == Some(&'r'))) && {
            let mut j = i + if c == 'b' { 2 } else { 1 };
            while b.get(j) == Some(&'#') {
                j += 1;
            }
            b.get(j) == Some(&'"')
        } {
            // raw string r#"..."#
            let mut j = i + if c == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while b[j] == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            let start_line = line;
            let mut s = String::new();
            while j < b.len() {
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                line += (b[j] == '\n') as usize;
                s.push(b[j]);
                j += 1;
            }
            if skip_from_depth.is_none() {
                out.push((start_line, s));
            }
            i = j;
        } else if c == '"' || (c == 'b' && !prev_ident && b.get(i + 1) == Some(&'"')) {
            let mut j = i + if c == 'b' { 2 } else { 1 };
            let start_line = line;
            let mut s = String::new();
            while j < b.len() && b[j] != '"' {
                if b[j] == '\\' {
                    j += 1;
                    match b.get(j) {
                        Some('n') => s.push('\n'),
                        Some('t') => s.push('\t'),
                        Some('\n') => {
                            line += 1;
                            while b.get(j + 1).is_some_and(|c| c.is_whitespace()) {
                                j += 1;
                                line += (b[j] == '\n') as usize;
                            }
                        }
                        Some('u') => {
                            while b.get(j).is_some_and(|&c| c != '}') {
                                j += 1;
                            }
                        }
                        Some('x') => j += 2,
                        Some(&o) => s.push(o),
                        None => {}
                    }
                } else {
                    line += (b[j] == '\n') as usize;
                    s.push(b[j]);
                }
                j += 1;
            }
            if skip_from_depth.is_none() {
                out.push((start_line, s));
            }
            i = j + 1;
        } else if c == '\'' {
            // char literal ('x', '\n', '\u{..}') or a lifetime ('a)
            if b.get(i + 1) == Some(&'\\') {
                let mut j = i + 2;
                while j < b.len() && b[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if c == '#' && b[i..].iter().take(12).collect::<String>() == "#[cfg(test)]" {
            pending_test_item = true;
            i += 12;
        } else if c == '{' {
            if pending_test_item && skip_from_depth.is_none() {
                skip_from_depth = Some(depth);
            }
            pending_test_item = false;
            depth += 1;
            i += 1;
        } else if c == '}' {
            depth = depth.saturating_sub(1);
            if skip_from_depth == Some(depth) {
                skip_from_depth = None;
            }
            i += 1;
        } else if c == ';' {
            pending_test_item = false;
            i += 1;
        } else {
            i += 1;
        }
    }
    out
}

/// Every string literal in the product's sources: daemon, its crates, sonoractl and the tray.
fn source_literal_texts() -> Vec<Text> {
    let mut out = Vec::new();
    let mut files = 0;
    for top in ["daemon", "ctl", "tray", "app"] {
        let mut all = Vec::new();
        walk(&repo().join(top), &mut all);
        for p in all {
            let r = rel(&p);
            let in_src = r.split('/').any(|c| c == "src");
            let not_product =
                ["/tests/", "/benches/", "/examples/", "/bench/"].iter().any(|d| format!("/{r}").contains(d));
            if p.extension().is_none_or(|e| e != "rs") || !in_src || not_product {
                continue;
            }
            files += 1;
            let src = std::fs::read_to_string(&p).unwrap();
            for (line, s) in rust_string_literals(&src) {
                if s.chars().any(char::is_alphabetic) {
                    out.push(Text { source: format!("{r}:{line}"), text: s });
                }
            }
        }
    }
    assert!(files > 20, "found only {files} source files under daemon/, ctl/, tray/ and app/");
    out
}

/// Runs a program and returns its stdout and stderr as texts.
fn run_texts(mut cmd: std::process::Command, label: &str, out: &mut Vec<Text>) -> std::process::Output {
    let o = cmd.output().unwrap_or_else(|e| panic!("run {label}: {e}"));
    for (stream, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
        let t = String::from_utf8_lossy(bytes).to_string();
        if !t.trim().is_empty() {
            out.push(Text { source: format!("`{label}` ({stream})"), text: t });
        }
    }
    o
}

/// Subcommand names in a clap help page's "Commands:" section.
fn subcommands(help: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    for line in help.lines() {
        if line.trim() == "Commands:" {
            inside = true;
            continue;
        }
        if inside {
            if line.trim().is_empty() || !line.starts_with(' ') {
                break;
            }
            // Continuation lines of a wrapped description are indented further than the names.
            if line.starts_with("  ")
                && !line.starts_with("   ")
                && let Some(name) = line.split_whitespace().next()
            {
                let name = name.trim_end_matches(',');
                if name != "help" {
                    names.push(name.to_string());
                }
            }
        }
    }
    names
}

/// `--help` of a binary and of every subcommand under it, found from the help pages themselves.
fn help_texts(env: &Env, program: &str, out: &mut Vec<Text>) -> Vec<String> {
    let mut found = Vec::new();
    let mut queue: Vec<Vec<String>> = vec![vec![]];
    while let Some(path) = queue.pop() {
        let mut cmd = env.command(bin(program));
        let label = if path.is_empty() {
            cmd.arg("--help");
            format!("{program} --help")
        } else {
            cmd.arg("help").args(&path);
            format!("{program} help {}", path.join(" "))
        };
        let o = run_texts(cmd, &label, out);
        assert!(o.status.success(), "`{label}` failed: {}", String::from_utf8_lossy(&o.stderr));
        let help = String::from_utf8_lossy(&o.stdout).to_string();
        for sub in subcommands(&help) {
            let mut p = path.clone();
            p.push(sub);
            found.push(p.join(" "));
            queue.push(p);
        }
    }
    let mut v = env.command(bin(program));
    v.arg("--version");
    run_texts(v, &format!("{program} --version"), out);
    found
}

/// Every string in a JSON value, each a text of its own.
fn json_strings(v: &serde_json::Value, path: &str, label: &str, out: &mut Vec<Text>) {
    match v {
        serde_json::Value::String(s) if s.chars().any(char::is_alphabetic) => {
            out.push(Text { source: format!("`{label}` {path}"), text: s.clone() })
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                json_strings(x, &format!("{path}[{i}]"), label, out);
            }
        }
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                json_strings(x, &format!("{path}.{k}"), label, out);
            }
        }
        _ => {}
    }
}

/// Runs `sonoractl ARGS` plainly and with `--json`, collecting what it prints.
fn ctl_both(env: &Env, args: &[&str], out: &mut Vec<Text>) -> bool {
    let label = format!("sonoractl {}", args.join(" "));
    let mut c = env.command(bin("sonoractl"));
    c.args(args);
    let plain = run_texts(c, &label, out);
    let mut c = env.command(bin("sonoractl"));
    c.arg("--json").args(args);
    let json_label = format!("sonoractl --json {}", args.join(" "));
    let o = c.output().unwrap_or_else(|e| panic!("run {json_label}: {e}"));
    let stdout = String::from_utf8_lossy(&o.stdout);
    // `--json` prints one value, or one per line for streams.
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(v) => json_strings(&v, "", &json_label, out),
            Err(_) => {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&stdout) {
                    json_strings(&v, "", &json_label, out);
                } else {
                    out.push(Text { source: format!("`{json_label}` (stdout)"), text: stdout.to_string() });
                }
                break;
            }
        }
    }
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    if !err.trim().is_empty() {
        out.push(Text { source: format!("`{json_label}` (stderr)"), text: err });
    }
    if !plain.status.success() {
        eprintln!("note: `{label}` exited with {} (its output is checked all the same)", plain.status);
    }
    plain.status.success()
}

/// A few seconds of ordinary speech from espeak-ng, as a check-in recording.
fn speech_wav(dir: &Path) -> PathBuf {
    require_program("espeak-ng", "espeak-ng");
    let wav = dir.join("checkin.wav");
    let ok = std::process::Command::new("espeak-ng")
        .args(["-v", "en", "-s", "160", "-w"])
        .arg(&wav)
        .arg("It has been a long day at work, but I am looking forward to a quiet evening at home with a book.")
        .status()
        .expect("run espeak-ng");
    assert!(ok.success(), "espeak-ng could not write {}", wav.display());
    wav
}

/// `sonoractl help SUB`.
fn ctl_help(env: &Env, sub: &str) -> String {
    let o = env.command(bin("sonoractl")).args(["help", sub]).output().expect("run sonoractl help");
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// Everything `sonoractl` and `sonorad` print: help, about, and the output of a real session.
fn printed_texts() -> Vec<Text> {
    let mut out = Vec::new();
    let env = Env::new();

    let ctl_subs = help_texts(&env, "sonoractl", &mut out);
    let daemon_subs = help_texts(&env, "sonorad", &mut out);
    assert!(ctl_subs.iter().any(|s| s == "about"), "sonoractl has no `about`: {ctl_subs:?}");
    let has = |s: &str| ctl_subs.iter().any(|x| x == s);

    // Without a daemon: about, and the errors people see.
    ctl_both(&env, &["about"], &mut out);
    ctl_both(&env, &["status"], &mut out);
    let mut bad_usage = env.command(bin("sonoractl"));
    bad_usage.arg("start");
    run_texts(bad_usage, "sonoractl start", &mut out);
    let mut pc = env.command(bin("sonorad"));
    pc.arg("--print-config");
    run_texts(pc, "sonorad --print-config", &mut out);
    if daemon_subs.iter().any(|s| s == "analyze") {
        let wav = speech_wav(&env.root);
        let mut c = env.command(bin("sonorad"));
        c.arg("analyze").arg(&wav);
        run_texts(c, "sonorad analyze checkin.wav", &mut out);
    }
    if daemon_subs.iter().any(|s| s == "render") {
        let wav = env.root.join("render.wav");
        let mut c = env.command(bin("sonorad"));
        c.args(["render", "--outcome", "calm", "--minutes", "0.05", "--stress", "0.8", "--out"]).arg(&wav);
        run_texts(c, "sonorad render --outcome calm --stress 0.8", &mut out);
    }
    drop(env);

    // Against a real daemon, playing on the shared sound server.
    let _audio = sonora_tests::audio::lock();
    let d = Daemon::start();
    let dir = d.env.root.clone();
    let run = |args: &[&str], out: &mut Vec<Text>| {
        // Only subcommands this build has (`preset list` is known as "preset list").
        let key =
            if args.len() > 1 && has(&args[..2].join(" ")) { args[..2].join(" ") } else { args[0].into() };
        if has(&key) {
            ctl_both(&d.env, args, out);
        }
    };
    assert!(ctl_both(&d.env, &["status"], &mut out), "`sonoractl status` failed against a running daemon");
    for args in [&["version"][..], &["packs"], &["layers"], &["history"], &["schedule"], &["preset", "list"]]
    {
        run(args, &mut out);
    }
    if has("checkin") {
        let wav = speech_wav(&dir);
        let wav = wav.to_str().unwrap();
        if ctl_help(&d.env, "checkin").contains("--file") {
            // The first check-in carries the one-time notice; later ones show the usual summary.
            run(&["checkin", "--file", wav], &mut out);
            run(&["checkin", "--file", wav], &mut out);
        } else {
            eprintln!("note: `sonoractl checkin` has no --file; check-in output comes from the sources only");
        }
        run(&["history"], &mut out);
        run(&["status"], &mut out);
    }
    for outcome in ["calm", "focus", "sleep"] {
        run(&["start", outcome, "--minutes", "1"], &mut out);
        run(&["status"], &mut out);
        run(&["layers"], &mut out);
    }
    run(&["next"], &mut out);
    run(&["stop"], &mut out);
    run(&["rate", "4"], &mut out);
    run(&["history"], &mut out);
    // Learning from ratings (issue 15): what `insights` says before and after a few ratings, and
    // the status line of a session whose pack came from what was learned.
    if has("insights") {
        run(&["insights"], &mut out);
        for _ in 0..3 {
            run(&["start", "calm", "--pack", "shore"], &mut out);
            run(&["stop"], &mut out);
            run(&["rate", "5"], &mut out);
        }
        run(&["insights"], &mut out);
        run(&["start", "calm"], &mut out);
        run(&["status"], &mut out);
        run(&["stop"], &mut out);
        run(&["insights", "--reset"], &mut out);
    }
    if has("export") {
        for (flag, name) in [("--json", "export.json"), ("--csv", "export.csv")] {
            let path = dir.join(name);
            let mut c = d.env.command(bin("sonoractl"));
            c.args(["export", flag]).arg(&path);
            run_texts(c, &format!("sonoractl export {flag} {name}"), &mut out);
        }
    }
    if has("forget") {
        let mut c = d.env.command(bin("sonoractl"));
        c.args(["forget", "--all"]);
        run_texts(c, "sonoractl forget --all", &mut out);
        run(&["history"], &mut out);
    }
    run(&["status"], &mut out);
    if has("quit") {
        let mut c = d.env.command(bin("sonoractl"));
        c.arg("quit");
        run_texts(c, "sonoractl quit", &mut out);
    }
    out
}

// ====================================================================== the checks

fn assert_no_claims(kind: &str, texts: &[Text]) {
    // `WORDING_DUMP=DIR` writes out everything read, to see what the test covers.
    if let Some(dir) = std::env::var_os("WORDING_DUMP") {
        let dump: String = texts.iter().map(|t| format!("==== {}\n{}\n", t.source, t.text)).collect();
        let file = Path::new(&dir).join(format!("{}.txt", kind.replace(' ', "-")));
        std::fs::write(&file, dump).unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
    }
    let allow = allow_list();
    let mut findings = Vec::new();
    for t in texts {
        let citations = t.source == "docs/evidence.md";
        for mut f in check(&t.source, &t.text, &allow, citations) {
            // Files get the line the sentence starts on.
            if !f.source.contains(['`', ':']) {
                let head: String = f.sentence.chars().take(24).collect();
                let head = head.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
                if let Some(n) = t.text.lines().position(|l| l.contains(&head)) {
                    f.source = format!("{}:{}", f.source, n + 1);
                }
            }
            findings.push(f);
        }
    }
    let all: Vec<String> = texts.iter().map(|t| t.text.clone()).collect();
    let used = checker::used_patterns(&allow, &all);
    println!("{kind}: checked {} texts; allowed phrases in use: {}", texts.len(), used.len());
    if !findings.is_empty() {
        let mut msg = format!(
            "{} sentence(s) in {kind} read as clinical claims. Sonora is a wellbeing tool: reword them \
             (see docs/evidence.md and the design notes' \"Words\"), or, if a sentence is a disclaimer, add \
             its phrase to tests/wording/allow.txt.\n",
            findings.len()
        );
        for f in &findings {
            msg.push_str(&format!(
                "\n  {}\n      {:?}\n      flagged: {}\n",
                f.source,
                f.sentence,
                f.terms.join(", ")
            ));
        }
        panic!("{msg}");
    }
}

#[test]
fn docs_and_source_strings_make_no_clinical_claims() {
    let mut texts = markdown_texts();
    assert!(texts.iter().any(|t| t.source == "docs/evidence.md"), "docs/evidence.md is missing");
    if !texts.iter().any(|t| t.source == "README.md") {
        eprintln!("note: there is no README.md yet");
    }
    texts.extend(pack_texts());
    texts.extend(packaging_texts());
    texts.extend(source_literal_texts());
    texts.push(Text {
        source: "sonora_proto::about::about_text()".into(),
        text: sonora_proto::about::about_text(),
    });
    assert_no_claims("docs, packs and source strings", &texts);
}

#[test]
fn everything_the_programs_print_makes_no_clinical_claims() {
    let texts = printed_texts();
    assert_no_claims("program output", &texts);
}
