//! `sonoractl`: control Sonora's daemon from the command line and from scripts.
//!
//! Every subcommand takes `--json` (one JSON value on stdout, for scripts) and `--via`.
//! Exit codes are documented in [`exit`] and in `docs/protocol.md`.

mod cli;
mod exit;
// `gen` is a reserved word in edition 2024.
#[path = "gen.rs"]
mod generate;
mod human;
mod service;

use anyhow::{Context, Result};
use clap::Parser;
use cli::{Cli, Cmd, PresetCmd, ScheduleCmd};
use sonora_client::{Client, ClientError, Via};
use sonora_proto::command::*;
use sonora_proto::{CheckinReport, Command, Event};
use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sonoractl: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let code = match e.downcast_ref::<ClientError>() {
                Some(ClientError::Daemon(_)) => exit::REFUSED,
                Some(_) => exit::NOT_RUNNING,
                None => exit::FAILURE,
            };
            eprintln!("sonoractl: {e:#}");
            ExitCode::from(code)
        }
    }
}

fn via(v: cli::ViaArg) -> Via {
    match v {
        cli::ViaArg::Socket => Via::Socket,
        cli::ViaArg::Dbus => Via::Dbus,
        cli::ViaArg::Auto => Via::Auto,
    }
}

/// "7d", "12h", "30m", "90s" or plain seconds.
fn parse_since(s: &str) -> Result<f64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let n: f64 = num.parse().with_context(|| format!("'{s}' is not a duration like 7d, 12h or 30m"))?;
    let mult = match unit {
        "" | "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        "w" => 7.0 * 86_400.0,
        other => anyhow::bail!("unknown unit '{other}' in '{s}' (use s, m, h, d or w)"),
    };
    Ok(n * mult)
}

async fn run(cli: Cli) -> Result<u8> {
    let json = cli.json;
    if let Cmd::About { markdown } = cli.command {
        if markdown {
            print!("{}", sonora_proto::about::about_markdown());
        } else if json {
            println!("{}", serde_json::to_string_pretty(&sonora_proto::about::about())?);
        } else {
            print!("{}", sonora_proto::about::about_text());
        }
        return Ok(exit::OK);
    }
    match cli.command {
        Cmd::Service { action } => return service::run(action, json),
        Cmd::Completions { shell } => {
            print!("{}", generate::completions(shell, <Cli as clap::CommandFactory>::command()));
            return Ok(exit::OK);
        }
        Cmd::Manpage { dir } => {
            let files = generate::manpages(
                &dir,
                <Cli as clap::CommandFactory>::command(),
                <sonorad_cli::Cli as clap::CommandFactory>::command(),
            )?;
            for f in files {
                println!("{}", f.display());
            }
            return Ok(exit::OK);
        }
        _ => {}
    }
    let via = via(cli.via);
    let mut client = Client::connect(via).await?;
    let command = match cli.command {
        Cmd::Watch => return watch(client, json).await,
        Cmd::Checkin { seconds, file } => return checkin(client, via, seconds, file, json).await,
        Cmd::Export { csv, path } => return export(client, csv, path, json).await,
        Cmd::About { .. } | Cmd::Service { .. } | Cmd::Completions { .. } | Cmd::Manpage { .. } => {
            unreachable!("handled above")
        }
        Cmd::Status => Command::Status,
        Cmd::Start { outcome, minutes, preset, pack } => {
            Command::Start(StartArgs { outcome: outcome.into(), minutes, preset, pack })
        }
        Cmd::Stop => Command::Stop,
        Cmd::Toggle { outcome, minutes } => Command::Toggle(ToggleArgs { outcome: outcome.into(), minutes }),
        Cmd::Volume { level } => Command::Volume(VolumeArgs { level }),
        Cmd::Next => Command::Next,
        Cmd::Layers => Command::Layers,
        Cmd::Layer(l) => {
            let mute = if l.mute {
                Some(true)
            } else if l.unmute {
                Some(false)
            } else {
                None
            };
            if mute.is_none() && l.volume.is_none() {
                anyhow::bail!("say what to change: --volume 0.3, --mute or --unmute");
            }
            Command::Layer(LayerArgs { name: l.name, volume: l.volume, mute })
        }
        Cmd::Preset { action: PresetCmd::Save { name } } => Command::PresetSave(NameArgs { name }),
        Cmd::Preset { action: PresetCmd::List } => Command::Presets,
        Cmd::Packs => Command::Packs,
        Cmd::Schedule { action } => match action {
            None => Command::Schedule,
            Some(ScheduleCmd::SkipNext { name }) => Command::ScheduleSkipNext(NameArgs { name }),
            Some(ScheduleCmd::Pause) => Command::SchedulePause,
            Some(ScheduleCmd::Resume) => Command::ScheduleResume,
        },
        Cmd::History { since } => {
            Command::History(HistoryArgs { since_s: since.as_deref().map(parse_since).transpose()? })
        }
        Cmd::Rate { rating } => Command::Rate(RateArgs { rating }),
        Cmd::Forget { all, before } => Command::Forget(ForgetArgs { all, before }),
        Cmd::Insights { reset } => Command::Insights(InsightsArgs { reset }),
        Cmd::Reload => Command::Reload,
        Cmd::Version => Command::Version,
        Cmd::Quit => Command::Quit,
    };
    let name = command.name();
    let value = client.call(command).await?;
    if json {
        println!("{}", serde_json::to_string(&value)?);
        return Ok(exit::OK);
    }
    print!("{}", human::reply(&name, value)?);
    Ok(exit::OK)
}

async fn checkin(
    mut client: Client,
    via: Via,
    seconds: Option<f64>,
    file: Option<std::path::PathBuf>,
    json: bool,
) -> Result<u8> {
    let tty = std::io::stderr().is_terminal();
    let file = match file {
        Some(f) => Some(std::fs::canonicalize(&f).with_context(|| format!("cannot read {}", f.display()))?),
        None => None,
    };
    // A countdown and level meter on a terminal, fed by the daemon's events.
    let meter = if tty && file.is_none() && !json {
        eprintln!("Read this aloud at your usual pace:\n  \"{}\"", sonora_proto::about::CHECKIN_PASSAGE);
        let events = Client::connect(via).await?.events().await?;
        Some(tokio::spawn(human::level_meter(events)))
    } else {
        None
    };
    let args = CheckinArgs { seconds, file: file.map(|f| f.display().to_string()) };
    let result = client.call(Command::Checkin(args)).await;
    if let Some(m) = meter {
        m.abort();
        eprintln!();
    }
    let value = result?;
    if json {
        println!("{}", serde_json::to_string(&value)?);
        return Ok(exit::OK);
    }
    let report: CheckinReport = serde_json::from_value(value)?;
    print!("{}", human::checkin(&report));
    Ok(exit::OK)
}

async fn export(mut client: Client, csv: bool, path: std::path::PathBuf, json: bool) -> Result<u8> {
    let by_ext = path.extension().and_then(|e| e.to_str()).map(|e| e.eq_ignore_ascii_case("csv"));
    let format = if csv || (!json && by_ext == Some(true)) { ExportFormat::Csv } else { ExportFormat::Json };
    let v = client.call(Command::Export(ExportArgs { format })).await?;
    let content = v["content"].as_str().context("the daemon sent no export content")?;
    std::fs::write(&path, content).with_context(|| format!("cannot write {}", path.display()))?;
    let kind = if format == ExportFormat::Csv { "CSV" } else { "JSON" };
    if json {
        println!("{}", serde_json::json!({"path": path, "format": format, "bytes": content.len()}));
    } else {
        println!("Wrote your Sonora data as {kind} to {}.", path.display());
    }
    Ok(exit::OK)
}

async fn watch(client: Client, json: bool) -> Result<u8> {
    let mut events = client.events().await?;
    while let Some(ev) = events.next().await {
        let ev = ev?;
        if matches!(ev, Event::CheckinLevel { .. }) && !json {
            continue;
        }
        if json {
            println!("{}", serde_json::to_string(&ev)?);
        } else {
            println!("{}", human::event(&ev));
        }
    }
    eprintln!("sonoractl: the daemon went away");
    Ok(exit::NOT_RUNNING)
}
