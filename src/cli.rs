//! The command line: `serve`, `locate`, `validate`, `openapi`.

use std::{
    ffi::OsString,
    path::{Path, PathBuf},
};

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

use crate::{
    config::{self, Config, ConfigError, FileSettings, LogFormat, Provenance},
    geodata::{self, GeodataError},
    query::ZoneIndex,
    zone::Zone,
};

/// The four Syrian de-escalation zones of the 2017 Astana memorandum: point-in-zone,
/// metadata and GeoJSON over HTTP.
#[derive(Debug, Parser)]
#[command(name = "dezone", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (embedded zone data unless --geodata is given).
    Serve(Box<Config>),
    /// Print the answer for one point, as `GET /locate` gives it.
    #[command(allow_negative_numbers = true)]
    Locate {
        /// Longitude, decimal degrees.
        lon: f64,
        /// Latitude, decimal degrees.
        lat: f64,
        /// Zone data to use instead of the embedded file.
        #[arg(long, value_name = "PATH")]
        geodata: Option<PathBuf>,
        /// Only zones in force on this date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        at: Option<jiff::civil::Date>,
    },
    /// Check a zone file; print a summary, or the fault and exit non-zero.
    Validate {
        /// The GeoJSON file to check.
        path: PathBuf,
        /// The governorates to check it against (default: the embedded layer).
        #[arg(long, value_name = "PATH")]
        governorates: Option<PathBuf>,
    },
    /// Print the OpenAPI 3.0.3 document served at /api (committed as openapi/openapi.json).
    Openapi {
        /// Print the OpenAPI 3.1 document instead (openapi/openapi-3.1.json).
        #[arg(long)]
        v31: bool,
    },
}

/// Why the command line cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A usage error, or `--help` or `--version`: [`clap::Error::exit`] prints it.
    #[error(transparent)]
    Usage(#[from] clap::Error),
    /// The `--config` file is unreadable or wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl Cli {
    /// Reads the process's command line, environment and, for `serve`, the
    /// `--config` file.
    pub fn load() -> Result<Self, CliError> {
        Self::load_from(std::env::args_os())
    }

    /// Reads `args` (the program's name first), the environment and, for
    /// `serve`, the `--config` file: a flag beats its variable, which beats
    /// the file, which beats the default. The `serve` configuration records
    /// where each setting came from.
    ///
    /// # Examples
    ///
    /// ```
    /// use dezone::cli::{Cli, Command};
    ///
    /// let cli = Cli::load_from(["dezone", "serve", "--max-batch-points", "10"]).unwrap();
    /// let Command::Serve(config) = cli.command else { unreachable!() };
    /// assert_eq!(config.max_batch_points, 10);
    /// assert_eq!(config.provenance.source("max_batch_points"), Some("flag"));
    /// ```
    pub fn load_from<I, T>(args: I) -> Result<Self, CliError>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let matches = Self::command().try_get_matches_from(&args)?;
        let file = match matches.subcommand() {
            Some(("serve", serve)) => serve
                .get_one::<PathBuf>(config::CONFIG_KEY)
                .map(|path| FileSettings::read(path))
                .transpose()?,
            _ => None,
        };
        let matches = match &file {
            Some(file) => Self::command()
                .mut_subcommand("serve", |serve| file.as_defaults(serve))
                .try_get_matches_from(&args)?,
            None => matches,
        };
        let mut cli = Self::from_arg_matches(&matches)?;
        if let (Command::Serve(config), Some(("serve", serve))) =
            (&mut cli.command, matches.subcommand())
        {
            config.provenance = Provenance::from_matches(serve, file.as_ref());
        }
        Ok(cli)
    }

    /// How this command logs: as `serve` is configured, else as text.
    #[must_use]
    pub fn log_format(&self) -> LogFormat {
        match &self.command {
            Command::Serve(config) => config.log_format,
            _ => LogFormat::Text,
        }
    }
}

/// Loads the zones from `path`, or the embedded data.
pub fn load_zones(path: Option<&Path>) -> Result<Vec<Zone>, GeodataError> {
    match path {
        Some(path) => geodata::load_file(path),
        None => geodata::load_embedded(),
    }
}

/// Loads the zones and the governorates (each from its file, or the embedded
/// data; the coastal band always embedded), indexes them, and refuses zones
/// that reach outside Syria.
pub fn load_index(
    zones: Option<&Path>,
    governorates: Option<&Path>,
) -> Result<ZoneIndex, GeodataError> {
    let zone_name = zones.map_or_else(
        || geodata::EMBEDDED_NAME.to_owned(),
        |p| p.display().to_string(),
    );
    let zones = load_zones(zones)?;
    let governorates = match governorates {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| GeodataError::Read {
                path: path.to_owned(),
                source,
            })?;
            geodata::parse_governorates(&path.display().to_string(), &text)?
        }
        None => geodata::load_embedded_governorates()?,
    };
    // The sea off Syria's coast is the same whichever outline the governorates
    // draw, so the embedded band goes with any of them.
    let index = ZoneIndex::with_governorates(zones, governorates)
        .with_coast(geodata::load_embedded_coast()?);
    if let Some((zone, vertex, metres)) = index.farthest_outside_syria() {
        return Err(GeodataError::OutsideSyria {
            name: zone_name,
            zone: zone.id().to_string(),
            lon: vertex.x,
            lat: vertex.y,
            distance_m: metres,
        });
    }
    Ok(index)
}

/// One line per zone: number, id, name, area, vertex count.
#[must_use]
pub fn summary(zones: &[Zone]) -> String {
    use geo::CoordsIter;
    use std::fmt::Write as _;
    zones.iter().fold(String::new(), |mut text, z| {
        let _ = writeln!(
            text,
            "zone {} {:<16} {:<20} {:>9.1} km²  {} vertices",
            z.meta.number,
            z.id(),
            z.meta.name,
            z.area_km2,
            z.geometry.coords_count()
        );
        text
    })
}
