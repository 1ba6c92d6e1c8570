//! What every handler shares: the loaded data and the limits.

use std::sync::Arc;

use crate::{query::ZoneIndex, zone::Zone};

use super::{resource::short_hash, zones::ZoneResources};

/// Limits on what one request may ask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most points in one `POST /locate`.
    pub max_batch_points: usize,
    /// Largest request body, bytes.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    /// 100,000 points; 16 MiB, room for that many points as GeoJSON.
    fn default() -> Self {
        Self {
            max_batch_points: 100_000,
            max_body_bytes: 16 * 1024 * 1024,
        }
    }
}

/// One version of the zone data with everything prepared from it.
#[derive(Debug)]
pub struct Data {
    /// The point index over the zones.
    pub index: ZoneIndex,
    /// The prepared zone bodies.
    pub zones: ZoneResources,
    /// A short hash identifying this version of the data.
    pub version: String,
}

impl Data {
    /// Indexes `zones` and prepares their bodies; `base_url` prefixes links.
    #[must_use]
    pub fn new(zones: Vec<Zone>, base_url: &str) -> Self {
        let resources = ZoneResources::new(&zones, base_url);
        let version = short_hash(resources.collection().body());
        Self {
            index: ZoneIndex::new(zones),
            zones: resources,
            version,
        }
    }
}

/// The handlers' shared state; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    data: Arc<Data>,
    /// The request limits.
    pub limits: Limits,
}

impl AppState {
    /// State over `zones`, with links relative to the server root.
    #[must_use]
    pub fn new(zones: Vec<Zone>, limits: Limits) -> Self {
        Self::with_base_url(zones, limits, "")
    }

    /// State over `zones` whose links start with `base_url` (no trailing slash).
    #[must_use]
    pub fn with_base_url(zones: Vec<Zone>, limits: Limits, base_url: &str) -> Self {
        Self {
            data: Arc::new(Data::new(zones, base_url.trim_end_matches('/'))),
            limits,
        }
    }

    /// The data in force.
    #[must_use]
    pub fn data(&self) -> &Arc<Data> {
        &self.data
    }
}
