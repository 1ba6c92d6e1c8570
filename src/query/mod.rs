//! Answers questions about points: which zone holds this point, how far is its edge.
//!
//! Owns [`ZoneIndex`] and its acceleration structures. Imports the `zone` domain
//! only; never `http` or `geodata`.
//!
//! # Governorates
//!
//! With a governorates layer, every answer names the governorate holding the
//! point. Syria's outline (the union of the governorates) is generalised along
//! coasts and borders, so a point up to [`OUTLINE_TOLERANCE_M`] outside it is
//! taken to be in Syria, in the nearest governorate, whose `distance_km` then
//! says how far outside the outline the point lies. So is a point of the
//! coastal band ([`ZoneIndex::with_coast`]): the sea within 1 km of the coast,
//! where the gazetteer points of coastal towns fall. A point in a zone is
//! always in Syria: zones may reach up to [`ZONE_REACH_M`] across a border.
//!
//! # The boundary rule
//!
//! A point on a zone's boundary (an edge or a vertex) counts as **inside** that
//! zone: membership is geo's `Intersects`, which is `coordinate_position != Outside`.
//! Its `distance_to_boundary_km` is then 0.
//!
//! # Distances
//!
//! Distances run over the WGS 84 ellipsoid, from the point to the nearest
//! point of the zone's boundary, where the boundary's edges are the straight
//! lon/lat segments between its vertices (RFC 7946). Edges are cut into pieces
//! of at most [`MAX_PIECE_M`] and held as straight chords in Earth-centred
//! (ECEF, WGS 84) space in an R-tree; the nearest chord to the point is found
//! exactly, and its straight-line length is turned into the length of the arc
//! it spans, on a circle of the ellipsoid's Gaussian radius of curvature at the
//! point's latitude. A 2 km piece sags under 10 cm below the surface, and the
//! arc differs from Karney's geodesic by a few metres at most at 500 km (the
//! farthest a point in Syria lies from a zone): the property tests hold every
//! distance to within 0.1 % or 10 m of a brute-force Karney search over every
//! edge. Beyond 1,000 km the distance is Karney's geodesic to the boundary
//! point found.
//!
//! # Membership
//!
//! A grid of cells over the outlines answers which outlines hold a point: most
//! cells lie wholly inside or outside every outline and answer with one memory
//! read; a cell that edges cross tests only those edges, exactly (see the
//! `grid` module). The tests hold it to geo's `Intersects` on random and
//! boundary-hugging points.

use geo::{BoundingRect, Coord, CoordsIter, Intersects, MultiPolygon, Rect};
use smallvec::SmallVec;

use crate::zone::{Governorate, Zone};

mod grid;
mod regions;

pub use regions::MAX_PIECE_M;
use regions::Regions;

/// How far outside Syria's outline a point may lie and still be placed in its
/// nearest governorate (metres).
pub const OUTLINE_TOLERANCE_M: f64 = 300.0;

/// How far beyond Syria's outline a zone may reach (metres). The embedded
/// zones reach 1 km across the international borders they meet: the outline
/// is generalised, and the gazetteer points of some border villages lie up to
/// 1 km outside it. A point in a zone is in Syria, whatever its distance.
pub const ZONE_REACH_M: f64 = 1_100.0;

/// A set of zones, by their position in [`ZoneIndex::zones`] (at most 64).
///
/// # Examples
///
/// ```
/// use dezone::query::ZoneSet;
///
/// let set = ZoneSet::from_fn(4, |i| i != 2);
/// assert!(set.contains(0) && !set.contains(2) && !set.contains(7));
/// assert_eq!(set.len(), 3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ZoneSet(u64);

impl ZoneSet {
    /// The first `n` zones.
    #[must_use]
    pub fn all(n: usize) -> Self {
        Self::from_fn(n, |_| true)
    }

    /// The zones among the first `n` that `keep` accepts.
    #[must_use]
    pub fn from_fn(n: usize, keep: impl Fn(usize) -> bool) -> Self {
        Self(
            (0..n.min(64))
                .filter(|&i| keep(i))
                .fold(0, |bits, i| bits | (1 << i)),
        )
    }

    /// Whether zone `i` is in the set.
    #[must_use]
    pub fn contains(self, i: usize) -> bool {
        i < 64 && self.0 & (1 << i) != 0
    }

    /// How many zones are in the set.
    #[must_use]
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The lowest zone in the set.
    #[must_use]
    pub fn first(self) -> Option<usize> {
        (self.0 != 0).then(|| self.0.trailing_zeros() as usize)
    }

    /// The zones in the set, lowest first.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            let i = (bits != 0).then(|| bits.trailing_zeros() as usize)?;
            bits &= bits - 1;
            Some(i)
        })
    }
}

/// An index over a set of zones (and optionally the governorates) answering
/// point queries.
///
/// # Examples
///
/// ```
/// use dezone::query::ZoneIndex;
///
/// let index = ZoneIndex::new(dezone::geodata::load_embedded().unwrap());
/// let idlib_city = index.locate(36.63, 35.93);
/// assert_eq!(idlib_city.inside[0].zone.id().as_str(), "idlib");
/// assert!(idlib_city.inside[0].distance_to_boundary_km > 1.0);
///
/// let damascus = index.locate(36.30, 33.51);
/// assert!(damascus.inside.is_empty());
/// let nearest = damascus.nearest.unwrap();
/// assert_eq!(nearest.zone.id().as_str(), "eastern-ghouta");
/// assert!(nearest.distance_km > 0.5 && nearest.distance_km < 10.0);
/// ```
#[derive(Debug)]
pub struct ZoneIndex {
    zones: Vec<Zone>,
    regions: Regions,
    governorates: Vec<Governorate>,
    governorate_regions: Regions,
    coast: Option<Coast>,
}

/// The sea taken to be in Syria, with its bounding box.
#[derive(Debug)]
struct Coast {
    band: MultiPolygon<f64>,
    bbox: Rect<f64>,
}

impl Coast {
    fn holds(&self, lon: f64, lat: f64) -> bool {
        let point = Coord { x: lon, y: lat };
        self.bbox.intersects(&point) && self.band.intersects(&point)
    }
}

/// The answer for one point.
#[derive(Debug, Clone)]
pub struct Location<'a> {
    /// Longitude of the point asked about.
    pub lon: f64,
    /// Latitude of the point asked about.
    pub lat: f64,
    /// The zones holding the point (boundary included), in zone order; held
    /// inline up to two (zones meet only at their edges).
    pub inside: SmallVec<[Hit<'a>; 2]>,
    /// The nearest zone: a containing one at distance 0, else the closest.
    /// `None` only when no zone is asked about.
    pub nearest: Option<Nearest<'a>>,
    /// The governorate holding the point (see the module's notes); `None`
    /// outside Syria or without a governorates layer.
    pub governorate: Option<GovernorateHit<'a>>,
    /// Whether the point lies in Syria; `None` without a governorates layer.
    pub in_syria: Option<bool>,
}

/// A zone that holds the point.
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    /// The zone.
    pub zone: &'a Zone,
    /// Geodesic distance from the point to the zone's boundary, km.
    pub distance_to_boundary_km: f64,
}

/// The zone nearest to the point.
#[derive(Debug, Clone)]
pub struct Nearest<'a> {
    /// The zone.
    pub zone: &'a Zone,
    /// Geodesic distance from the point to the zone, km (0 when inside).
    pub distance_km: f64,
}

/// The governorate of the point.
#[derive(Debug, Clone)]
pub struct GovernorateHit<'a> {
    /// The governorate.
    pub governorate: &'a Governorate,
    /// 0 when the outline holds the point, else how far outside it lies, km.
    pub distance_km: f64,
}

impl ZoneIndex {
    /// Indexes the zones, without governorates.
    #[must_use]
    pub fn new(zones: Vec<Zone>) -> Self {
        Self::with_governorates(zones, Vec::new())
    }

    /// Indexes the zones and the governorates.
    #[must_use]
    pub fn with_governorates(zones: Vec<Zone>, governorates: Vec<Governorate>) -> Self {
        Self {
            regions: Regions::new(zones.iter().map(|z| &z.geometry)),
            zones,
            governorate_regions: Regions::new(governorates.iter().map(|g| &g.geometry)),
            governorates,
            coast: None,
        }
    }

    /// Adds a coastal band: sea beside the governorates' coast where a point
    /// is in Syria, in the nearest governorate, however far from the outline
    /// (the embedded band: [`crate::geodata::load_embedded_coast`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use dezone::{geodata, query::ZoneIndex};
    ///
    /// let zones = geodata::load_embedded().unwrap();
    /// let governorates = geodata::load_embedded_governorates().unwrap();
    /// let plain = ZoneIndex::with_governorates(zones.clone(), governorates.clone());
    /// let coast = ZoneIndex::with_governorates(zones, governorates)
    ///     .with_coast(geodata::load_embedded_coast().unwrap());
    /// // Jableh's gazetteer point, 0.47 km offshore of the outline.
    /// let (lon, lat) = (35.9222, 35.36049);
    /// assert_eq!(plain.locate(lon, lat).in_syria, Some(false));
    /// let here = coast.locate(lon, lat);
    /// assert_eq!(here.in_syria, Some(true));
    /// assert_eq!(here.governorate.unwrap().governorate.pcode, "SY06");
    /// ```
    #[must_use]
    pub fn with_coast(mut self, band: MultiPolygon<f64>) -> Self {
        self.coast = band.bounding_rect().map(|bbox| Coast { band, bbox });
        self
    }

    /// The zones, in the order given.
    #[must_use]
    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    /// The governorates, in the order given (empty without a layer).
    #[must_use]
    pub fn governorates(&self) -> &[Governorate] {
        &self.governorates
    }

    /// The coastal band (see [`Self::with_coast`]); `None` without one.
    ///
    /// # Examples
    ///
    /// ```
    /// let index = dezone::cli::load_index(None, None).unwrap();
    /// assert_eq!(index.coast().map(|band| band.0.len()), Some(2));
    /// ```
    #[must_use]
    pub fn coast(&self) -> Option<&MultiPolygon<f64>> {
        self.coast.as_ref().map(|c| &c.band)
    }

    /// All zones, as a set.
    #[must_use]
    pub fn all(&self) -> ZoneSet {
        ZoneSet::all(self.zones.len())
    }

    /// The zones in force on `date` (see [`crate::zone::ZoneMeta::in_force_on`]).
    #[must_use]
    pub fn in_force_on(&self, date: jiff::civil::Date) -> ZoneSet {
        ZoneSet::from_fn(self.zones.len(), |i| self.zones[i].meta.in_force_on(date))
    }

    /// Whether the point lies in zone `i` (boundary included).
    #[must_use]
    pub fn contains(&self, i: usize, lon: f64, lat: f64) -> bool {
        i < 64 && self.regions.members(lon, lat) & (1 << i) != 0
    }

    /// The zones holding the point (boundary included).
    ///
    /// # Examples
    ///
    /// ```
    /// use dezone::query::ZoneIndex;
    ///
    /// let index = ZoneIndex::new(dezone::geodata::load_embedded().unwrap());
    /// let set = index.zone_set_at(36.63, 35.93);
    /// assert_eq!(set.len(), 1);
    /// assert_eq!(index.zones()[set.first().unwrap()].id().as_str(), "idlib");
    /// ```
    #[must_use]
    pub fn zone_set_at(&self, lon: f64, lat: f64) -> ZoneSet {
        ZoneSet(self.regions.members(lon, lat))
    }

    /// Locates a point given in degrees (lon −180..180, lat −90..90) among all zones.
    #[must_use]
    pub fn locate(&self, lon: f64, lat: f64) -> Location<'_> {
        self.locate_among(lon, lat, self.all())
    }

    /// Locates a point among the zones in `set` only (e.g. those in force on a date).
    #[must_use]
    pub fn locate_among(&self, lon: f64, lat: f64, set: ZoneSet) -> Location<'_> {
        let (within, on) = self.regions.locate(lon, lat);
        let inside: SmallVec<[Hit<'_>; 2]> = ZoneSet((within | on) & set.0)
            .iter()
            .map(|i| Hit {
                zone: &self.zones[i],
                distance_to_boundary_km: if on & (1 << i) == 0 {
                    self.regions.boundary_distance_m(i, lon, lat) / 1000.0
                } else {
                    0.0
                },
            })
            .collect();
        let nearest = if let Some(first) = inside.first() {
            Some(Nearest {
                zone: first.zone,
                distance_km: 0.0,
            })
        } else {
            self.regions.nearest(lon, lat, set.0).map(|(i, d)| Nearest {
                zone: &self.zones[i],
                distance_km: d / 1000.0,
            })
        };
        let (governorate, in_syria) = if self.governorates.is_empty() {
            (None, None)
        } else {
            let hit = self.governorate_at(lon, lat, !inside.is_empty());
            let in_syria = hit.is_some();
            (hit, Some(in_syria))
        };
        Location {
            lon,
            lat,
            inside,
            nearest,
            governorate,
            in_syria,
        }
    }

    /// The zones holding the point, without distances.
    pub fn zones_at(&self, lon: f64, lat: f64) -> impl Iterator<Item = &Zone> {
        self.zone_set_at(lon, lat).iter().map(|i| &self.zones[i])
    }

    /// The governorate holding the point, or the nearest within the outline
    /// tolerance or from the coastal band (any distance when `in_zone`).
    fn governorate_at(&self, lon: f64, lat: f64, in_zone: bool) -> Option<GovernorateHit<'_>> {
        let regions = &self.governorate_regions;
        if let Some(i) = ZoneSet(regions.members(lon, lat)).first() {
            return Some(GovernorateHit {
                governorate: &self.governorates[i],
                distance_km: 0.0,
            });
        }
        let (i, metres) = regions.nearest(lon, lat, u64::MAX)?;
        (in_zone
            || metres <= OUTLINE_TOLERANCE_M
            || self.coast.as_ref().is_some_and(|c| c.holds(lon, lat)))
        .then(|| GovernorateHit {
            governorate: &self.governorates[i],
            distance_km: metres / 1000.0,
        })
    }

    /// The zone vertex lying farthest outside Syria's outline beyond
    /// [`ZONE_REACH_M`], with its distance in metres; `None` when every zone
    /// lies within that reach (or there is no governorates layer).
    #[must_use]
    pub fn farthest_outside_syria(&self) -> Option<(&Zone, Coord, f64)> {
        if self.governorates.is_empty() {
            return None;
        }
        let regions = &self.governorate_regions;
        let mut worst: Option<(&Zone, Coord, f64)> = None;
        for zone in &self.zones {
            for c in zone.geometry.coords_iter() {
                if regions.members(c.x, c.y) != 0 {
                    continue;
                }
                let Some((_, metres)) = regions.nearest(c.x, c.y, u64::MAX) else {
                    continue;
                };
                if metres > ZONE_REACH_M && worst.is_none_or(|(_, _, w)| metres > w) {
                    worst = Some((zone, c, metres));
                }
            }
        }
        worst
    }
}

#[cfg(test)]
mod tests;
