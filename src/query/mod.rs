//! Answers questions about points: which zone holds this point, how far is its edge.
//!
//! Owns [`ZoneIndex`] and its acceleration structures. Imports the `zone` domain
//! only; never `http` or `geodata`.
//!
//! # The boundary rule
//!
//! A point on a zone's boundary (an edge or a vertex) counts as **inside** that
//! zone: membership is geo's `Intersects`, which is `coordinate_position != Outside`.
//! Its `distance_to_boundary_km` is then 0.
//!
//! # Distances
//!
//! Distances are geodesic, on the WGS 84 ellipsoid (Karney's algorithm), from
//! the point to the nearest point of the zone's boundary, where the boundary's
//! edges are the straight lon/lat segments between its vertices (RFC 7946).
//! Edges are held as chords of the unit sphere in an R-tree; the nearest chords
//! are walked in order until no further edge can be closer. For each, the
//! chord's nearest point fixes a position along the lon/lat edge, and the
//! geodesic distance to that point of the edge is measured exactly. Long edges
//! are cut into pieces of at most [`MAX_PIECE_M`] so that a chord never strays
//! from its lon/lat segment by more than a few centimetres.

use geo::{Coord, Distance, Geodesic, Intersects, Point};
use rstar::{AABB, PointDistance, RTree, RTreeObject, primitives::Line};

use crate::zone::Zone;

/// The longest edge piece held in the index, in metres.
pub const MAX_PIECE_M: f64 = 2_000.0;

/// The sphere used to order candidate edges (mean Earth radius, metres).
const SPHERE_RADIUS_M: f64 = 6_371_008.8;

/// How much a spherical estimate may exceed the ellipsoidal distance; the
/// true ratio stays within 0.6 %, so 2 % keeps the walk exact.
const SPHERE_MARGIN: f64 = 0.98;

/// A piece of a boundary edge: its lon/lat ends, and the chord of the unit
/// sphere between them that the R-tree orders candidates by.
#[derive(Clone, Debug)]
struct Piece {
    chord: Line<[f64; 3]>,
    from: Coord,
    to: Coord,
}

impl RTreeObject for Piece {
    type Envelope = AABB<[f64; 3]>;

    fn envelope(&self) -> Self::Envelope {
        self.chord.envelope()
    }
}

impl PointDistance for Piece {
    fn distance_2(&self, point: &[f64; 3]) -> f64 {
        self.chord.distance_2(point)
    }
}

/// An index over a set of zones answering point queries.
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
    edges: Vec<RTree<Piece>>,
}

/// The answer for one point.
#[derive(Debug, Clone)]
pub struct Location<'a> {
    /// Longitude of the point asked about.
    pub lon: f64,
    /// Latitude of the point asked about.
    pub lat: f64,
    /// The zones holding the point (boundary included), in zone order.
    pub inside: Vec<Hit<'a>>,
    /// The nearest zone: a containing one at distance 0, else the closest.
    /// `None` only when the index has no zones.
    pub nearest: Option<Nearest<'a>>,
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

impl ZoneIndex {
    /// Indexes the zones.
    #[must_use]
    pub fn new(zones: Vec<Zone>) -> Self {
        let edges = zones.iter().map(edge_tree).collect();
        Self { zones, edges }
    }

    /// The zones, in the order given.
    #[must_use]
    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    /// Whether the point lies in zone `i` (boundary included).
    #[must_use]
    pub fn contains(&self, i: usize, lon: f64, lat: f64) -> bool {
        let zone = &self.zones[i];
        let c = Coord { x: lon, y: lat };
        zone.bbox.intersects(&c) && zone.geometry.intersects(&c)
    }

    /// Locates a point given in degrees (lon −180..180, lat −90..90).
    #[must_use]
    pub fn locate(&self, lon: f64, lat: f64) -> Location<'_> {
        let mut inside = Vec::new();
        for (i, zone) in self.zones.iter().enumerate() {
            if self.contains(i, lon, lat) {
                inside.push(Hit {
                    zone,
                    distance_to_boundary_km: self.boundary_distance_m(i, lon, lat, f64::INFINITY)
                        / 1000.0,
                });
            }
        }
        let nearest = if let Some(first) = inside.first() {
            Some(Nearest {
                zone: first.zone,
                distance_km: 0.0,
            })
        } else {
            self.nearest_outside(lon, lat)
        };
        Location {
            lon,
            lat,
            inside,
            nearest,
        }
    }

    /// The ids of the zones holding the point, without distances.
    pub fn zones_at(&self, lon: f64, lat: f64) -> impl Iterator<Item = &Zone> {
        (0..self.zones.len())
            .filter(move |&i| self.contains(i, lon, lat))
            .map(|i| &self.zones[i])
    }

    fn nearest_outside(&self, lon: f64, lat: f64) -> Option<Nearest<'_>> {
        let p = unit_vector(lon, lat);
        // Visit zones by a lower bound of their distance; stop once none can win.
        let mut order: Vec<(f64, usize)> = self
            .edges
            .iter()
            .enumerate()
            .filter_map(|(i, tree)| {
                let (_, d2) = tree.nearest_neighbor_iter_with_distance_2(&p).next()?;
                Some((chord_to_sphere_m(d2.sqrt()) * SPHERE_MARGIN, i))
            })
            .collect();
        order.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut best: Option<(f64, usize)> = None;
        for (bound, i) in order {
            if best.is_some_and(|(d, _)| bound > d) {
                break;
            }
            let limit = best.map_or(f64::INFINITY, |(d, _)| d);
            let d = self.boundary_distance_m(i, lon, lat, limit);
            if d < limit {
                best = Some((d, i));
            }
        }
        best.map(|(d, i)| Nearest {
            zone: &self.zones[i],
            distance_km: d / 1000.0,
        })
    }

    /// Geodesic distance in metres from the point to zone `i`'s boundary, or
    /// a value ≥ `limit` when the boundary is farther than `limit`.
    fn boundary_distance_m(&self, zone: usize, lon: f64, lat: f64, limit: f64) -> f64 {
        let on_sphere = unit_vector(lon, lat);
        let here = Point::new(lon, lat);
        let mut best = limit;
        for (piece, chord2) in self.edges[zone].nearest_neighbor_iter_with_distance_2(&on_sphere) {
            if chord_to_sphere_m(chord2.sqrt()) * SPHERE_MARGIN > best {
                break;
            }
            // The chord's nearest point fixes how far along the piece to go;
            // the point itself is taken on the lon/lat edge, the true boundary.
            let along = chord_parameter(&piece.chord.from, &piece.chord.to, &on_sphere);
            let nearest = piece.from + (piece.to - piece.from) * along;
            best = best.min(Geodesic.distance(here, Point::from(nearest)));
        }
        best
    }
}

fn edge_tree(zone: &Zone) -> RTree<Piece> {
    let mut pieces = Vec::new();
    for polygon in &zone.geometry {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            for line in ring.lines() {
                let (a, b) = (line.start, line.end);
                let length = Geodesic.distance(Point::from(a), Point::from(b));
                let count = (length / MAX_PIECE_M).ceil().max(1.0) as usize;
                let mut from = a;
                for k in 1..=count {
                    let to = if k == count {
                        b
                    } else {
                        a + (b - a) * (k as f64 / count as f64)
                    };
                    pieces.push(Piece {
                        chord: Line::new(unit_vector(from.x, from.y), unit_vector(to.x, to.y)),
                        from,
                        to,
                    });
                    from = to;
                }
            }
        }
    }
    RTree::bulk_load(pieces)
}

/// Lon/lat (degrees) to a point on the unit sphere.
fn unit_vector(lon: f64, lat: f64) -> [f64; 3] {
    let (sin_lon, cos_lon) = lon.to_radians().sin_cos();
    let (sin_lat, cos_lat) = lat.to_radians().sin_cos();
    [cos_lat * cos_lon, cos_lat * sin_lon, sin_lat]
}

fn chord_to_sphere_m(chord: f64) -> f64 {
    2.0 * SPHERE_RADIUS_M * (chord / 2.0).min(1.0).asin()
}

/// How far along chord `a`–`b` (0..1) its point closest to `p` lies.
fn chord_parameter(a: &[f64; 3], b: &[f64; 3], p: &[f64; 3]) -> f64 {
    let ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    let ap = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
    let len2 = ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2];
    if len2 > 0.0 {
        ((ap[0] * ab[0] + ap[1] * ab[1] + ap[2] * ab[2]) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests;
