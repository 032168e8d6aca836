//! The command line: `sonora-app [--page PAGE] [--checkin]`, `--help`, `--version`.

/// The pages, by the names `--page` takes (also the view stack's child names).
pub const PAGES: [&str; 6] = ["now", "mixer", "checkin", "history", "schedule", "about"];

pub const USAGE: &str = "sonora-app: Sonora's window (needs the daemon, sonorad)

Usage: sonora-app [--page now|mixer|checkin|history|schedule|about] [--checkin]
       sonora-app --help | --version

  --page PAGE   open the window on this page
  --checkin     open the check-in page and start listening at once

A second sonora-app passes its options to the window that is already open.";

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Options {
    pub page: Option<String>,
    pub checkin: bool,
}

#[derive(Debug, PartialEq)]
pub enum Parsed {
    Run(Options),
    Help,
    Version,
}

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum CliError {
    #[error("--page takes one of {pages}, not {0:?}", pages = PAGES.join(", "))]
    BadPage(String),
    #[error("unknown argument '{0}'")]
    Unknown(String),
}

/// Parses the arguments after the program name.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Parsed, CliError> {
    let mut o = Options::default();
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "-V" | "--version" => return Ok(Parsed::Version),
            "--checkin" => o.checkin = true,
            "--page" => {
                let p = args.next().unwrap_or_default();
                if !PAGES.contains(&p.as_str()) {
                    return Err(CliError::BadPage(p));
                }
                o.page = Some(p);
            }
            other => match other.strip_prefix("--page=") {
                Some(p) if PAGES.contains(&p) => o.page = Some(p.to_string()),
                Some(p) => return Err(CliError::BadPage(p.to_string())),
                None => return Err(CliError::Unknown(other.to_string())),
            },
        }
    }
    if o.checkin {
        o.page = Some("checkin".into());
    }
    Ok(Parsed::Run(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(a: &[&str]) -> Result<Parsed, CliError> {
        parse(a.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_pages_and_checkin() {
        assert_eq!(p(&[]), Ok(Parsed::Run(Options::default())));
        assert_eq!(
            p(&["--page", "history"]),
            Ok(Parsed::Run(Options { page: Some("history".into()), checkin: false }))
        );
        assert_eq!(
            p(&["--page=about"]),
            Ok(Parsed::Run(Options { page: Some("about".into()), checkin: false }))
        );
        assert_eq!(
            p(&["--checkin"]),
            Ok(Parsed::Run(Options { page: Some("checkin".into()), checkin: true }))
        );
        assert_eq!(p(&["--page", "nowhere"]), Err(CliError::BadPage("nowhere".into())));
        assert_eq!(p(&["--loud"]), Err(CliError::Unknown("--loud".into())));
        assert_eq!(p(&["--version"]), Ok(Parsed::Version));
    }
}
