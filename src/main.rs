use std::{io::Write as _, process::ExitCode};

use anyhow::Context as _;
use dezone::{
    cli::{Cli, CliError, Command, load_index, summary},
    config::{Config, LogFormat},
    http::{self, AppState},
};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = match Cli::load() {
        Ok(cli) => cli,
        Err(CliError::Usage(e)) => e.exit(),
        Err(e) => {
            eprintln!("dezone: {e}");
            return ExitCode::FAILURE;
        }
    };
    init_tracing(cli.log_format());
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`dezone openapi | head`): it has what it
        // wanted, and there is no one to tell.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dezone: {}", message(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, `: `-separated, each cause left out when the
/// message before it already says it (the geodata errors name their cause).
fn message(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// Writes a command's output to stdout; a reader that went away or a full
/// disk is an error, not a panic (as `print!` makes it).
fn output(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write to standard output")
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Logs to stderr, at the level `RUST_LOG` sets (default `info`), as text or
/// as one JSON object per line.
fn init_tracing(format: LogFormat) {
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        LogFormat::Json => logs.with_ansi(false).json().init(),
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(config) => serve(&config),
        Command::Locate {
            lon,
            lat,
            geodata,
            at,
        } => {
            for (axis, value) in [
                (http::extract::Axis::Lon, lon),
                (http::extract::Axis::Lat, lat),
            ] {
                axis.check(value)
                    .map_err(|why| anyhow::anyhow!("{} {why}", axis.name()))?;
            }
            let index = load_index(geodata.as_deref(), None)?;
            // The data as the service holds it, so that the answer is
            // `GET /locate`'s byte for byte, `data` member included; links
            // are not part of an answer, so no address is needed.
            let data = http::state::Data::new(index, "");
            let location = data
                .index
                .locate_among(lon + 0.0, lat + 0.0, data.zones_on(at));
            let mut body = Vec::new();
            data.answers
                .write(&mut body, &data.index, &location, Some(&data.used(at)));
            let answer: serde_json::Value = serde_json::from_slice(&body)?;
            output(&format!("{}\n", serde_json::to_string_pretty(&answer)?))
        }
        Command::Validate { path, governorates } => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("{}: cannot read the file", path.display()))?;
            let (_, notes) = dezone::geodata::parse_with_notes(&path.display().to_string(), &text)?;
            let index = load_index(Some(&path), governorates.as_deref())?;
            let notes: String = notes
                .iter()
                .flat_map(|n| ["note: ", n.as_str(), "\n"])
                .collect();
            output(&format!(
                "{notes}{}: valid, {} zones\n{}",
                path.display(),
                index.zones().len(),
                summary(index.zones())
            ))
        }
        Command::Openapi { v31 } => {
            let doc = http::openapi();
            output(&if v31 {
                http::openapi::render(&doc)
            } else {
                http::openapi::render_30(&doc)
            })
        }
    }
}

fn serve(config: &Config) -> anyhow::Result<()> {
    config.log_effective();
    let index = load_index(config.geodata.as_deref(), config.governorates.as_deref())?;
    let source = config
        .geodata
        .as_ref()
        .map_or_else(|| "embedded data".to_owned(), |p| p.display().to_string());
    // This thread accepts connections and handles signals and reloads;
    // `threads` threads serve the connections (`http::workers`) and as many
    // answer batches (rayon's pool).
    let threads = config.thread_count();
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.get())
        .thread_name(http::workers::batch_thread_name)
        .build_global()
        .context("cannot start the batch threads")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener =
            listen(config.addr).with_context(|| format!("cannot listen on {}", config.addr))?;
        let addr = listener.local_addr()?;
        let base_url = public_base(&config.base_url, addr);
        let state = AppState::from_index(index, config.limits(), &base_url)
            .with_frame_ancestors(&config.frame_ancestors);
        tracing::info!(
            zones = state.data().index.zones().len(),
            version = %state.data().version,
            %source,
            base_url = %base_url,
            "zone data loaded"
        );
        // SIGHUP reloads the data from the same files (or re-checks the embedded data).
        #[cfg(unix)]
        dezone::reload::on_hangup(
            state.clone(),
            dezone::reload::Sources {
                zones: config.geodata.clone(),
                governorates: config.governorates.clone(),
            },
        )
        .context("cannot listen for SIGHUP")?;
        tracing::info!("listening on http://{addr}");
        let limits = state.limits();
        http::workers::serve(
            listener,
            threads,
            http::Front::new(state),
            limits,
            shutdown_signal(),
        )
        .await
        .context("the server failed")
    })?;
    tracing::info!("stopped");
    Ok(())
}

/// The prefix of links in answers: `--base-url` when given; else the address
/// listened on, so that clients that need absolute links (GDAL, OWSLib) get
/// them; root-relative links when listening on every interface, where no one
/// address is right for every client.
/// Connections the kernel may hold for `accept` (capped by
/// `net.core.somaxconn`). The standard library's 128 drops SYNs when clients
/// that open a connection a request arrive faster than one thread accepts, and
/// each drop costs its client a second's retransmit.
const LISTEN_BACKLOG: u32 = 4096;

/// A listening socket on `addr` with [`LISTEN_BACKLOG`].
fn listen(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // As the standard library's bind does on Unix: a restart may bind at once
    // while the last run's connections are in TIME_WAIT.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

fn public_base(configured: &str, addr: std::net::SocketAddr) -> String {
    if !configured.is_empty() {
        configured.to_owned()
    } else if addr.ip().is_unspecified() {
        String::new()
    } else {
        format!("http://{addr}")
    }
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
