//! The command line: `serve`, `locate`, `validate`, `openapi`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::{
    config::Config,
    geodata::{self, GeodataError},
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
    Serve(Config),
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
    },
    /// Check a zone file; print a summary, or the fault and exit non-zero.
    Validate {
        /// The GeoJSON file to check.
        path: PathBuf,
    },
    /// Print the OpenAPI document (as committed in openapi/openapi.json).
    Openapi,
}

/// Loads the zones from `path`, or the embedded data.
pub fn load_zones(path: Option<&std::path::Path>) -> Result<Vec<Zone>, GeodataError> {
    match path {
        Some(path) => geodata::load_file(path),
        None => geodata::load_embedded(),
    }
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
