//! Typed configuration of the server, from flags or `DEZONE_*` environment variables.

use std::{net::SocketAddr, path::PathBuf};

use clap::Args;

use crate::http::Limits;

/// How `dezone serve` runs.
#[derive(Clone, Debug, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "DEZONE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// Zone data to serve instead of the embedded file (a GeoJSON FeatureCollection).
    #[arg(long, env = "DEZONE_GEODATA", value_name = "PATH")]
    pub geodata: Option<PathBuf>,

    /// Governorates layer to use instead of the embedded one (a GeoJSON
    /// FeatureCollection with P-code ids).
    #[arg(long, env = "DEZONE_GOVERNORATES", value_name = "PATH")]
    pub governorates: Option<PathBuf>,

    /// Public URL prefix for links in answers (e.g. `https://maps.example.org/dezone`);
    /// when unset, `http://ADDR` of the address listened on (root-relative links
    /// when listening on `0.0.0.0` or `[::]`).
    #[arg(long, env = "DEZONE_BASE_URL", default_value = "")]
    pub base_url: String,

    /// Most points in one `POST /locate`.
    #[arg(long, env = "DEZONE_MAX_BATCH_POINTS", default_value_t = Limits::default().max_batch_points)]
    pub max_batch_points: usize,

    /// Largest request body in bytes.
    #[arg(long, env = "DEZONE_MAX_BODY_BYTES", default_value_t = Limits::default().max_body_bytes)]
    pub max_body_bytes: usize,

    /// Who may embed `/map` in a frame: a CSP `frame-ancestors` source list, e.g.
    /// `'self' https://grafana.example.org`, or `'none'`. Other pages are never frameable.
    #[arg(long, env = "DEZONE_FRAME_ANCESTORS", default_value = crate::http::map::DEFAULT_FRAME_ANCESTORS, value_parser = frame_ancestors)]
    pub frame_ancestors: String,
}

fn frame_ancestors(text: &str) -> Result<String, String> {
    crate::http::map::check_frame_ancestors(text).map(|()| text.trim().to_owned())
}

impl Config {
    /// The request limits.
    #[must_use]
    pub fn limits(&self) -> Limits {
        Limits {
            max_batch_points: self.max_batch_points,
            max_body_bytes: self.max_body_bytes,
        }
    }
}
