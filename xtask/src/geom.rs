//! Geometry helpers: local-plane buffers, sliver removal, one-sided simplification, rounding.

use geo::algorithm::buffer::{BufferStyle, LineJoin};
use geo::orient::Direction;
use geo::{
    BooleanOps, BoundingRect, Buffer, Coord, GeodesicArea, LineString, MapCoords, MultiPolygon,
    Orient, Point, Polygon,
};

/// Metres per degree of latitude (mean, good to ~0.5 % at Syrian latitudes).
pub const M_PER_DEG: f64 = 111_320.0;

/// Area of the WGS84 ellipsoid in km², as `GeodesicArea` computes it.
const EARTH_KM2: f64 = 510_065_621.724;

/// Geodesic area in km², whatever the ring orientation (boolean-op output and degenerate
/// slivers may come out clockwise, which `GeodesicArea` reads as the rest of the globe).
pub fn area_km2(mp: &MultiPolygon<f64>) -> f64 {
    mp.0.iter().map(polygon_km2).sum()
}

/// Geodesic area of one polygon in km², whatever the ring orientation.
pub fn polygon_km2(p: &Polygon<f64>) -> f64 {
    let ring = |ls: &LineString<f64>| {
        let a = Polygon::new(ls.clone(), vec![]).geodesic_area_unsigned() / 1e6;
        if a > EARTH_KM2 / 2.0 {
            EARTH_KM2 - a
        } else {
            a
        }
    };
    (ring(p.exterior()) - p.interiors().iter().map(ring).sum::<f64>()).max(0.0)
}

fn mid_lat(mp: &MultiPolygon<f64>) -> f64 {
    mp.bounding_rect()
        .map_or(0.0, |r| (r.min().y + r.max().y) / 2.0)
}

/// Buffer a polygon by `km` in a local equirectangular plane (lon scaled by cos(lat)),
/// so the distance is the same east-west and north-south.
pub fn buffer_km(mp: &MultiPolygon<f64>, km: f64) -> MultiPolygon<f64> {
    buffer_km_with(mp, km, |style| style)
}

/// As [`buffer_km`], with bevelled corners: two vertices where a round join has dozens, and
/// no point of the result farther than `km` from `mp`.
pub fn buffer_km_bevelled(mp: &MultiPolygon<f64>, km: f64) -> MultiPolygon<f64> {
    buffer_km_with(mp, km, |style| style.line_join(LineJoin::Bevel))
}

fn buffer_km_with(
    mp: &MultiPolygon<f64>,
    km: f64,
    style: impl FnOnce(BufferStyle<f64>) -> BufferStyle<f64>,
) -> MultiPolygon<f64> {
    let k = mid_lat(mp).to_radians().cos();
    let local = mp.map_coords(|c| Coord { x: c.x * k, y: c.y });
    let grown = local.buffer_with_style(style(BufferStyle::new(km * 1000.0 / M_PER_DEG)));
    grown.map_coords(|c| Coord { x: c.x / k, y: c.y })
}

/// A circle of radius `km` around (lat, lon), as a 64-gon in the local plane.
pub fn circle(lat: f64, lon: f64, km: f64) -> Polygon<f64> {
    let k = lat.to_radians().cos();
    let r = km * 1000.0 / M_PER_DEG;
    let n = 64;
    let mut coords: Vec<Coord<f64>> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * f64::from(i) / f64::from(n);
            Coord {
                x: lon + r * a.cos() / k,
                y: lat + r * a.sin(),
            }
        })
        .collect();
    coords.push(coords[0]);
    Polygon::new(LineString::new(coords), vec![])
}

/// Union of several area geometries.
pub fn union_all<'a>(parts: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> MultiPolygon<f64> {
    parts
        .into_iter()
        .fold(MultiPolygon::new(vec![]), |acc, p| acc.union(p))
}

/// Drop polygons and holes smaller than `min_km2` (slivers left by the boolean operations).
pub fn drop_small(mp: &MultiPolygon<f64>, min_km2: f64) -> MultiPolygon<f64> {
    MultiPolygon(
        mp.0.iter()
            .filter(|p| polygon_km2(&Polygon::new(p.exterior().clone(), vec![])) >= min_km2)
            .map(|p| {
                let holes = p
                    .interiors()
                    .iter()
                    .filter(|h| polygon_km2(&Polygon::new((*h).clone(), vec![])) >= min_km2)
                    .cloned()
                    .collect();
                Polygon::new(p.exterior().clone(), holes)
            })
            .filter(|p| polygon_km2(p) >= min_km2)
            .collect(),
    )
}

/// RFC 7946 orientation: exterior rings counter-clockwise, holes clockwise.
pub fn orient(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    mp.orient(Direction::Default)
}

/// Longest run of source vertices one simplified segment may replace.
const MAX_SPAN: usize = 400;

/// One-sided (inward) Douglas-Peucker-like simplification of an oriented ring.
///
/// A run of vertices is replaced by a chord only if every skipped vertex lies within `eps_m`
/// metres of the chord **and** on its outer side (right of the chord; the polygon interior is
/// on the left with RFC 7946 orientation). The simplified polygon therefore never leaves the
/// original one: a zone simplified this way stays inside the Syria outline and outside the
/// occupied Golan, and its edges stay within `eps_m` of the source lines.
pub fn simplify_ring_inward(ring: &LineString<f64>, eps_m: f64, lat0: f64) -> LineString<f64> {
    let coords = &ring.0;
    if coords.len() < 6 {
        return ring.clone();
    }
    let n = coords.len() - 1; // distinct vertices; coords[n] == coords[0]
    let k = lat0.to_radians().cos() * M_PER_DEG;
    let p: Vec<(f64, f64)> = coords[..n]
        .iter()
        .map(|c| (c.x * k, c.y * M_PER_DEG))
        .collect();
    let ok = |i: usize, j: usize| -> bool {
        let (ax, ay) = p[i];
        let (bx, by) = p[j % n];
        let (dx, dy) = (bx - ax, by - ay);
        let len2 = dx * dx + dy * dy;
        if len2 == 0.0 {
            return false;
        }
        let len = len2.sqrt();
        ((i + 1)..j).all(|m| {
            let (px, py) = p[m];
            let cross = dx * (py - ay) - dy * (px - ax);
            // left of the chord (inside the polygon) by more than 1 cm: not allowed
            if cross / len > 0.01 {
                return false;
            }
            let t = ((px - ax) * dx + (py - ay) * dy) / len2;
            let (qx, qy) = if t <= 0.0 {
                (ax, ay)
            } else if t >= 1.0 {
                (bx, by)
            } else {
                (ax + t * dx, ay + t * dy)
            };
            ((px - qx).powi(2) + (py - qy).powi(2)).sqrt() <= eps_m
        })
    };
    let mut keep = vec![0usize];
    let mut i = 0;
    while i < n {
        let mut best = i + 1;
        let mut j = i + 2;
        while j <= n && j - i <= MAX_SPAN && ok(i, j) {
            best = j;
            j += 1;
        }
        if best >= n {
            break;
        }
        keep.push(best);
        i = best;
    }
    if keep.len() < 3 {
        return ring.clone();
    }
    let mut out: Vec<Coord<f64>> = keep.iter().map(|&i| coords[i]).collect();
    out.push(coords[0]);
    LineString::new(out)
}

/// Simplify every ring of an (oriented) multipolygon inward; see [`simplify_ring_inward`].
pub fn simplify_inward(mp: &MultiPolygon<f64>, eps_m: f64) -> MultiPolygon<f64> {
    let lat0 = mid_lat(mp);
    MultiPolygon(
        mp.0.iter()
            .map(|p| {
                Polygon::new(
                    simplify_ring_inward(p.exterior(), eps_m, lat0),
                    p.interiors()
                        .iter()
                        .map(|h| simplify_ring_inward(h, eps_m, lat0))
                        .collect(),
                )
            })
            .collect(),
    )
}

/// Round to 6 decimals (~0.1 m) and drop repeated vertices.
pub fn round6(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let r = |v: f64| (v * 1e6).round() / 1e6;
    let ring = |ls: &LineString<f64>| {
        let mut out: Vec<Coord<f64>> = Vec::with_capacity(ls.0.len());
        for c in &ls.0 {
            let c = Coord {
                x: r(c.x),
                y: r(c.y),
            };
            if out.last() != Some(&c) {
                out.push(c);
            }
        }
        LineString::new(out)
    };
    MultiPolygon(
        mp.0.iter()
            .map(|p| Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect()))
            .filter(|p| p.exterior().0.len() >= 4)
            .collect(),
    )
}

/// Distance in km from a point to the nearest edge of an area (local plane).
pub fn distance_to_boundary_km(mp: &MultiPolygon<f64>, pt: Point<f64>) -> f64 {
    let k = pt.y().to_radians().cos();
    let (px, py) = (pt.x() * k, pt.y());
    let mut best = f64::INFINITY;
    for poly in &mp.0 {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            for seg in ring.lines() {
                let (ax, ay) = (seg.start.x * k, seg.start.y);
                let (bx, by) = (seg.end.x * k, seg.end.y);
                let (dx, dy) = (bx - ax, by - ay);
                let len2 = dx * dx + dy * dy;
                let t = if len2 == 0.0 {
                    0.0
                } else {
                    (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0)
                };
                let d = ((px - ax - t * dx).powi(2) + (py - ay - t * dy).powi(2)).sqrt();
                best = best.min(d);
            }
        }
    }
    best * M_PER_DEG / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, polygon};

    #[test]
    fn inward_simplification_never_leaves_the_original() {
        // a wiggly square, CCW
        let mut coords = vec![];
        for i in 0..=100 {
            let x = f64::from(i) / 100.0;
            coords.push(Coord {
                x,
                y: 0.0001 * (x * 50.0).sin(),
            });
        }
        coords.push(Coord { x: 1.0, y: 1.0 });
        coords.push(Coord { x: 0.0, y: 1.0 });
        coords.push(coords[0]);
        let p = MultiPolygon(vec![Polygon::new(LineString::new(coords), vec![])]);
        let s = simplify_inward(&orient(&p), 50.0);
        assert!(s.0[0].exterior().0.len() < 60);
        let diff = s.difference(&p);
        assert!(area_km2(&diff) < 1e-9);
    }

    #[test]
    fn small_parts_are_dropped() {
        let big = polygon![(x: 0.0, y: 0.0), (x: 0.1, y: 0.0), (x: 0.1, y: 0.1), (x: 0.0, y: 0.1)];
        let tiny = polygon![(x: 1.0, y: 1.0), (x: 1.001, y: 1.0), (x: 1.001, y: 1.001), (x: 1.0, y: 1.001)];
        let out = drop_small(&MultiPolygon(vec![big, tiny]), 0.05);
        assert_eq!(out.0.len(), 1);
    }

    #[test]
    fn circle_has_the_requested_radius() {
        let c = circle(35.0, 36.0, 2.0);
        let a = polygon_km2(&c);
        assert!((a - std::f64::consts::PI * 4.0).abs() < 0.2, "{a}");
        assert!(c.contains(&Point::new(36.0, 35.0)));
    }
}
