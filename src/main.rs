use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser as _;
use dezone::{
    cli::{Cli, Command, load_zones, summary},
    config::Config,
    http::{self, AppState, locate::LocateAnswer},
    query::ZoneIndex,
};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dezone: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(config) => serve(&config),
        Command::Locate { lon, lat, geodata } => {
            for (axis, value) in [
                (http::extract::Axis::Lon, lon),
                (http::extract::Axis::Lat, lat),
            ] {
                axis.check(value)
                    .map_err(|why| anyhow::anyhow!("{} {why}", axis.name()))?;
            }
            let index = ZoneIndex::new(load_zones(geodata.as_deref())?);
            let answer = LocateAnswer::from(index.locate(lon + 0.0, lat + 0.0));
            println!("{}", serde_json::to_string_pretty(&answer)?);
            Ok(())
        }
        Command::Validate { path } => {
            let zones = load_zones(Some(&path))?;
            print!(
                "{}: valid, {} zones\n{}",
                path.display(),
                zones.len(),
                summary(&zones)
            );
            Ok(())
        }
        Command::Openapi => {
            print!("{}", http::openapi::render(&http::openapi()));
            Ok(())
        }
    }
}

fn serve(config: &Config) -> anyhow::Result<()> {
    let zones = load_zones(config.geodata.as_deref())?;
    let source = config
        .geodata
        .as_ref()
        .map_or_else(|| "embedded data".to_owned(), |p| p.display().to_string());
    let state = AppState::with_base_url(zones, config.limits(), &config.base_url);
    tracing::info!(
        zones = state.data().index.zones().len(),
        version = %state.data().version,
        %source,
        "zone data loaded"
    );
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let addr = listener.local_addr()?;
        tracing::info!("listening on http://{addr}");
        axum::serve(listener, http::router(state))
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("the server failed")
    })?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM; in-flight requests then finish.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down; finishing requests in flight");
}
