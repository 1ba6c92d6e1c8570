//! What every handler shares: the loaded data and the limits.

use std::sync::Arc;

use jiff::civil::Date;

use crate::{
    query::{ZoneIndex, ZoneSet},
    zone::{Governorate, Zone},
};

use super::{locate::DataUsed, ogc::OgcResources, zones::ZoneResources};

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
    /// The prepared OGC API resources.
    pub ogc: OgcResources,
    /// A short hash identifying this version of the data.
    pub version: String,
    /// The period the outlines describe, when every zone gives the same `extent`.
    pub extent: Option<String>,
}

impl Data {
    /// Prepares the bodies of an index's zones and governorates; `base_url`
    /// prefixes links.
    #[must_use]
    pub fn new(index: ZoneIndex, base_url: &str) -> Self {
        let zones = ZoneResources::new(&index, base_url);
        Self {
            ogc: OgcResources::new(&index, base_url),
            version: zones.version().to_owned(),
            extent: zones.extent().map(str::to_owned),
            index,
            zones,
        }
    }

    /// The zones in force on `date`; every zone when no date is given.
    #[must_use]
    pub fn zones_on(&self, date: Option<Date>) -> ZoneSet {
        date.map_or_else(|| self.index.all(), |date| self.index.in_force_on(date))
    }

    /// Which data answers a request for `date`.
    #[must_use]
    pub fn used(&self, at: Option<Date>) -> DataUsed<'_> {
        DataUsed {
            version: &self.version,
            extent: self.extent.as_deref(),
            at,
        }
    }
}

/// The handlers' shared state; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    data: Arc<Data>,
    /// The request limits.
    pub limits: Limits,
    /// Who may frame `/map` (a CSP `frame-ancestors` source list).
    frame_ancestors: Arc<str>,
}

impl AppState {
    /// State over `zones` (no governorates), with links relative to the server root.
    #[must_use]
    pub fn new(zones: Vec<Zone>, limits: Limits) -> Self {
        Self::from_index(ZoneIndex::new(zones), limits, "")
    }

    /// State over `zones` and `governorates`, with links relative to the server root.
    #[must_use]
    pub fn with_governorates(
        zones: Vec<Zone>,
        governorates: Vec<Governorate>,
        limits: Limits,
    ) -> Self {
        Self::from_index(
            ZoneIndex::with_governorates(zones, governorates),
            limits,
            "",
        )
    }

    /// State over an index whose links start with `base_url` (no trailing slash).
    #[must_use]
    pub fn from_index(index: ZoneIndex, limits: Limits, base_url: &str) -> Self {
        Self {
            data: Arc::new(Data::new(index, base_url.trim_end_matches('/'))),
            limits,
            frame_ancestors: Arc::from(super::map::DEFAULT_FRAME_ANCESTORS),
        }
    }

    /// The same state with `/map` frameable by `sources` (a CSP
    /// `frame-ancestors` source list, checked with
    /// [`check_frame_ancestors`](super::map::check_frame_ancestors)).
    #[must_use]
    pub fn with_frame_ancestors(mut self, sources: &str) -> Self {
        self.frame_ancestors = Arc::from(sources.trim());
        self
    }

    /// Who may frame `/map`: `*` unless set with [`Self::with_frame_ancestors`].
    #[must_use]
    pub fn frame_ancestors(&self) -> &str {
        &self.frame_ancestors
    }

    /// The data in force.
    #[must_use]
    pub fn data(&self) -> &Arc<Data> {
        &self.data
    }
}
