//! Polygons with a point index: membership and geodesic distance to the boundary.
//!
//! Shared by the zones and the governorates; knows only geometry.

use geo::{BoundingRect, Coord, Distance, Geodesic, Intersects, MultiPolygon, Point, Rect};
use rstar::{AABB, PointDistance, RTree, RTreeObject, primitives::Line};

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
        let p = unit_vector(lon, lat);
        // Visit outlines by a lower bound of their distance; stop once none can win.
        let mut order: Vec<(f64, usize)> = self
            .edges
            .iter()
            .enumerate()
            .filter(|(i, _)| wanted(*i))
            .filter_map(|(i, tree)| {
                let (_, d2) = tree.nearest_neighbor_iter_with_distance_2(&p).next()?;
                Some((chord_to_sphere_m(d2.sqrt()) * SPHERE_MARGIN, i))
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
        let on_sphere = unit_vector(lon, lat);
        let here = Point::new(lon, lat);
        let mut best = limit;
        for (piece, chord2) in self.edges[i].nearest_neighbor_iter_with_distance_2(&on_sphere) {
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
