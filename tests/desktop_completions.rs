//! `sonoractl completions SHELL` and `sonoractl manpage DIR` (ctl/src/gen.rs): the scripts load in
//! their shell and complete real subcommands; the man pages render with man(1).

use sonora_tests::{bin, require_program};
use std::path::PathBuf;
use std::process::{Command, Output};

fn ctl(args: &[&str]) -> Output {
    Command::new(bin("sonoractl")).args(args).output().expect("run sonoractl")
}

fn completions(shell: &str) -> String {
    let out = ctl(&["completions", shell]);
    assert!(out.status.success(), "completions {shell}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sonora-gen-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn bash_completion_completes_subcommands_and_outcomes() {
    require_program("bash", "bash");
    let dir = scratch("bash");
    let script = dir.join("sonoractl.bash");
    std::fs::write(&script, completions("bash")).unwrap();
    // Load the script the way bash-completion does, then ask it what follows a partial word.
    let ask = |words: &str, cword: usize| -> Vec<String> {
        let prog = format!(
            ". '{}'; COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE='{words}'; COMP_POINT=${{#COMP_LINE}}; \
             _sonoractl sonoractl \"${{COMP_WORDS[$COMP_CWORD]}}\" \"${{COMP_WORDS[$COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let out = Command::new("bash").args(["--norc", "-c", &prog]).output().unwrap();
        assert!(out.status.success(), "bash: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).split_whitespace().map(String::from).collect()
    };
    let subs = ask("sonoractl t", 1);
    assert!(subs.contains(&"toggle".to_string()), "`sonoractl t<TAB>` offers {subs:?}");
    let all = ask("sonoractl ''", 1);
    for s in ["start", "stop", "status", "service", "completions", "manpage"] {
        assert!(all.contains(&s.to_string()), "`sonoractl <TAB>` lacks {s}: {all:?}");
    }
    let outcomes = ask("sonoractl start ''", 2);
    for o in ["calm", "focus", "sleep"] {
        assert!(outcomes.contains(&o.to_string()), "`sonoractl start <TAB>` lacks {o}: {outcomes:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn zsh_and_fish_scripts_name_sonoractl() {
    let zsh = completions("zsh");
    assert!(zsh.starts_with("#compdef sonoractl"), "{}", &zsh[..zsh.len().min(200)]);
    assert!(zsh.contains("toggle"));
    let fish = completions("fish");
    assert!(fish.contains("complete -c sonoractl") && fish.contains("toggle"), "{fish}");
    let out = ctl(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2), "an unknown shell is a usage error");
}

#[test]
fn man_pages_for_both_programs_and_each_subcommand() {
    let dir = scratch("man");
    let out = ctl(&["manpage", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed = String::from_utf8_lossy(&out.stdout);
    for page in ["sonoractl.1", "sonorad.1", "sonoractl-start.1", "sonoractl-toggle.1", "sonoractl-service.1"]
    {
        let p = dir.join(page);
        assert!(p.is_file(), "{page} was not written; listed:\n{listed}");
        assert!(listed.contains(&p.display().to_string()), "{page} not listed:\n{listed}");
    }
    let toggle = std::fs::read_to_string(dir.join("sonoractl-toggle.1")).unwrap();
    assert!(toggle.contains(".TH sonoractl-toggle 1"), "{toggle}");
    // Renders with man(1) and carries the disclaimer from --help.
    require_program("man", "man-db");
    let out = Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(dir.join("sonoractl.1"))
        .env("MANWIDTH", "100")
        .output()
        .unwrap();
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && page.contains("sonoractl"),
        "man -l failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(page.contains("not a medical"), "the disclaimer is missing from sonoractl.1:\n{page}");
    let daemon = std::fs::read_to_string(dir.join("sonorad.1")).unwrap();
    assert!(daemon.contains("print\\-config"), "sonorad.1 lacks its options:\n{daemon}");
    std::fs::remove_dir_all(&dir).unwrap();
}
