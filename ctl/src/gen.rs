//! Shell completions and man pages, generated from the clap definitions themselves so they can
//! never drift from the real command lines (`sonoractl completions SHELL`, `sonoractl manpage DIR`,
//! and `packaging/install.sh`, which calls both).

use clap::Command;
use std::io;
use std::path::{Path, PathBuf};

/// The completion script for `shell`, for the program `cmd` describes (its name is the one the
/// shell completes, so pass `sonoractl`'s command, not a renamed copy).
pub fn completions(shell: clap_complete::Shell, mut cmd: Command) -> String {
    let name = cmd.get_name().to_string();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut buf);
    String::from_utf8(buf).expect("clap_complete writes UTF-8")
}

/// Writes `sonoractl.1`, `sonorad.1` and one page per subcommand of either (`sonoractl-start.1`,
/// nested ones as `sonoractl-service-install.1`, `sonorad-render.1`) into `dir`, creating it. Returns the files
/// written, in order.
pub fn manpages(dir: &Path, ctl: Command, daemon: Command) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for mut cmd in [ctl, daemon] {
        // build() fills in what the pages show: the `sonoractl-start` display names, global
        // options propagated to subcommands, and the generated help/version flags.
        cmd.build();
        write_tree(dir, &cmd, &mut written)?;
    }
    Ok(written)
}

fn write_tree(dir: &Path, cmd: &Command, written: &mut Vec<PathBuf>) -> io::Result<()> {
    let name = cmd.get_display_name().unwrap_or_else(|| cmd.get_name()).to_string();
    let path = dir.join(format!("{name}.1"));
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut buf)?;
    std::fs::write(&path, buf)?;
    written.push(path);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        write_tree(dir, sub, written)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Command {
        Command::new("sonoractl")
            .version("1.0")
            .about("Control Sonora")
            .arg(clap::Arg::new("json").long("json").global(true).action(clap::ArgAction::SetTrue))
            .subcommand(Command::new("start").about("Start a session"))
            .subcommand(Command::new("service").about("Per-user service").subcommand(Command::new("install")))
    }

    #[test]
    fn completions_name_the_program_and_its_subcommands() {
        let bash = completions(clap_complete::Shell::Bash, sample());
        assert!(bash.contains("complete -F _sonoractl") && bash.contains("start"), "{bash}");
        let fish = completions(clap_complete::Shell::Fish, sample());
        assert!(fish.contains("complete -c sonoractl"), "{fish}");
    }

    #[test]
    fn one_page_per_subcommand_plus_the_daemon() {
        let dir = std::env::temp_dir().join(format!("sonora-gen-test-{}", std::process::id()));
        let daemon =
            Command::new("sonorad").about("The daemon").subcommand(Command::new("render").about("Render"));
        let files = manpages(&dir, sample(), daemon).unwrap();
        let names: Vec<_> =
            files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(
            names,
            [
                "sonoractl.1",
                "sonoractl-start.1",
                "sonoractl-service.1",
                "sonoractl-service-install.1",
                "sonorad.1",
                "sonorad-render.1"
            ]
        );
        let page = std::fs::read_to_string(dir.join("sonoractl-start.1")).unwrap();
        assert!(page.contains(".TH sonoractl-start 1"), "{page}");
        let page = std::fs::read_to_string(dir.join("sonorad-render.1")).unwrap();
        assert!(page.contains(".TH sonorad-render 1"), "{page}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
