//! Polygons with a point index: membership and geodesic distance to the boundary.
//!
//! Shared by the zones and the governorates; knows only geometry.

use geo::{BoundingRect, Coord, Distance, Geodesic, Intersects, MultiPolygon, Point, Rect};
use rstar::{AABB, PointDistance, RTree, RTreeObject, primitives::Line};

/// The longest edge piece held in the index, in metres.
pub const MAX_PIECE_M: f64 = 2_000.0;

/// WGS 84 semi-major axis, metres.
const WGS84_A: f64 = 6_378_137.0;
/// WGS 84 first eccentricity squared.
const WGS84_E2: f64 = 6.694_379_990_141_317e-3;

/// How far (metres) a chord may pass inside the surface between its ends: a
/// 2 km piece sags by under 10 cm. Straight-line distance in space never
/// exceeds the geodesic distance over the surface, so a chord farther than
/// the best geodesic found plus this slack cannot hold a nearer point.
const SAG_SLACK_M: f64 = 1.0;

/// A piece of a boundary edge: its lon/lat ends, and the chord in Earth-centred
/// (ECEF, WGS 84) space between them that the R-tree orders candidates by.
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

/// A set of outlines, each with its bounding box and an R-tree of its edges.
#[derive(Debug)]
pub(crate) struct Regions {
    outlines: Vec<(MultiPolygon<f64>, Rect<f64>)>,
    edges: Vec<RTree<Piece>>,
}

impl Regions {
    /// Indexes the outlines; an empty outline never matches.
    pub(crate) fn new<'a>(outlines: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> Self {
        let outlines: Vec<(MultiPolygon<f64>, Rect<f64>)> = outlines
            .into_iter()
            .map(|g| {
                let bbox = g.bounding_rect().unwrap_or(Rect::new(
                    Coord {
                        x: f64::NAN,
                        y: f64::NAN,
                    },
                    Coord {
                        x: f64::NAN,
                        y: f64::NAN,
                    },
                ));
                (g.clone(), bbox)
            })
            .collect();
        let edges = outlines.iter().map(|(g, _)| edge_tree(g)).collect();
        Self { outlines, edges }
    }

    /// How many outlines there are.
    pub(crate) fn len(&self) -> usize {
        self.outlines.len()
    }

    /// Whether outline `i` holds the point, boundary included.
    pub(crate) fn contains(&self, i: usize, lon: f64, lat: f64) -> bool {
        let (outline, bbox) = &self.outlines[i];
        let c = Coord { x: lon, y: lat };
        bbox.intersects(&c) && outline.intersects(&c)
    }

    /// The nearest outline among those `wanted` accepts, and the geodesic
    /// distance in metres from the point to its boundary.
    pub(crate) fn nearest(
        &self,
        lon: f64,
        lat: f64,
        wanted: impl Fn(usize) -> bool,
    ) -> Option<(usize, f64)> {
        let p = ecef(lon, lat);
        // Visit outlines by a lower bound of their distance; stop once none can win.
        let mut order: Vec<(f64, usize)> = self
            .edges
            .iter()
            .enumerate()
            .filter(|(i, _)| wanted(*i))
            .filter_map(|(i, tree)| {
                let (_, d2) = tree.nearest_neighbor_iter_with_distance_2(&p).next()?;
                Some((d2.sqrt() - SAG_SLACK_M, i))
            })
            .collect();
        order.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut best: Option<(usize, f64)> = None;
        for (bound, i) in order {
            let limit = best.map_or(f64::INFINITY, |(_, d)| d);
            if bound > limit {
                break;
            }
            let d = self.boundary_distance_m(i, lon, lat, limit);
            if d < limit {
                best = Some((i, d));
            }
        }
        best
    }

    /// Geodesic distance in metres from the point to outline `i`'s boundary, or
    /// a value ≥ `limit` when the boundary is farther than `limit`.
    pub(crate) fn boundary_distance_m(&self, i: usize, lon: f64, lat: f64, limit: f64) -> f64 {
        let in_space = ecef(lon, lat);
        let here = Point::new(lon, lat);
        let mut best = limit;
        for (piece, chord2) in self.edges[i].nearest_neighbor_iter_with_distance_2(&in_space) {
            if chord2.sqrt() - SAG_SLACK_M > best {
                break;
            }
            // The chord's nearest point fixes how far along the piece to go;
            // the point itself is taken on the lon/lat edge, the true boundary.
            let along = chord_parameter(&piece.chord.from, &piece.chord.to, &in_space);
            let nearest = piece.from + (piece.to - piece.from) * along;
            best = best.min(Geodesic.distance(here, Point::from(nearest)));
        }
        best
    }
}

fn edge_tree(outline: &MultiPolygon<f64>) -> RTree<Piece> {
    let mut pieces = Vec::new();
    for polygon in outline {
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
                        chord: Line::new(ecef(from.x, from.y), ecef(to.x, to.y)),
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

/// Lon/lat (degrees) on the WGS 84 ellipsoid to Earth-centred coordinates, metres.
fn ecef(lon: f64, lat: f64) -> [f64; 3] {
    let (sin_lon, cos_lon) = lon.to_radians().sin_cos();
    let (sin_lat, cos_lat) = lat.to_radians().sin_cos();
    let n = WGS84_A / (1.0 - WGS84_E2 * sin_lat * sin_lat).sqrt();
    [
        n * cos_lat * cos_lon,
        n * cos_lat * sin_lon,
        n * (1.0 - WGS84_E2) * sin_lat,
    ]
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
