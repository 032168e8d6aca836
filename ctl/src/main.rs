//! `sonoractl`: control Sonora's daemon from the command line and from scripts.
//!
//! Every subcommand takes `--json` (one JSON value on stdout, for scripts) and `--via`.
//! Exit codes are documented in [`exit`] and in `docs/protocol.md`.

mod cli;
mod exit;
mod human;

use anyhow::Result;
use clap::Parser;
use cli::{Cli, Cmd};
use sonora_client::{Client, ClientError, Via};
use sonora_proto::command::*;
use sonora_proto::{Command, Status};
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
                Some(ClientError::NotRunning { .. }) => exit::NOT_RUNNING,
                Some(ClientError::Daemon(_)) => exit::REFUSED,
                Some(_) => exit::NOT_RUNNING,
                None => exit::FAILURE,
            };
            eprintln!("sonoractl: {e}");
            ExitCode::from(code)
        }
    }
}

async fn run(cli: Cli) -> Result<u8> {
    let json = cli.json;
    // Commands that need no daemon.
    if let Cmd::About = cli.command {
        if json {
            println!("{}", serde_json::to_string_pretty(&sonora_proto::about::about())?);
        } else {
            print!("{}", sonora_proto::about::about_text());
        }
        return Ok(exit::OK);
    }
    let via = match cli.via {
        cli::ViaArg::Socket => Via::Socket,
        cli::ViaArg::Dbus => Via::Dbus,
        cli::ViaArg::Auto => Via::Auto,
    };
    let mut client = Client::connect(via).await?;
    let command = match cli.command {
        Cmd::Watch => return watch(client, json).await,
        Cmd::About => unreachable!("handled above"),
        Cmd::Status => Command::Status,
        Cmd::Start { outcome, minutes, preset } => {
            Command::Start(StartArgs { outcome: outcome.into(), minutes, preset })
        }
        Cmd::Stop => Command::Stop,
        Cmd::Toggle { outcome, minutes } => Command::Toggle(ToggleArgs { outcome: outcome.into(), minutes }),
        Cmd::Volume { level } => Command::Volume(VolumeArgs { level }),
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
    match name.as_str() {
        "status" | "start" | "stop" | "toggle" | "volume" | "reload" => {
            let st: Status = serde_json::from_value(value)?;
            print!("{}", human::status(&st));
        }
        "version" => {
            let v: sonora_proto::VersionInfo = serde_json::from_value(value)?;
            println!("sonorad {} (protocol {}), sonoractl {}", v.version, v.protocol, sonora_proto::VERSION);
        }
        "quit" => println!("Sonora's daemon is stopping."),
        _ => println!("{}", serde_json::to_string_pretty(&value)?),
    }
    Ok(exit::OK)
}

async fn watch(client: Client, json: bool) -> Result<u8> {
    let mut events = client.events().await?;
    while let Some(ev) = events.next().await {
        let ev = ev?;
        if json {
            println!("{}", serde_json::to_string(&ev)?);
        } else {
            println!("{}", human::event(&ev));
        }
    }
    eprintln!("sonoractl: the daemon went away");
    Ok(exit::NOT_RUNNING)
}
