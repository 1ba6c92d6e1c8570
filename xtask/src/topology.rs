//! Topology-preserving simplification of a polygon coverage (the OCHA governorates).
//!
//! The rings of all features are split into **arcs** at junction points: vertices where the
//! boundary graph branches (3+ edges meet: a triple point of governorates or of governorates
//! and the outline) or where the features on either side of the line change. A ring without
//! any junction (an island, the Damascus enclave) is one closed arc. Every arc is stored once,
//! in a canonical direction, so a line shared by two governorates is simplified once
//! (Douglas–Peucker, endpoints kept) and reused, reversed where needed, by both sides: the
//! simplified coverage has no gaps and no overlaps along shared lines.
//!
//! After simplification every pair of arc segments is checked for crossings or touching
//! (robust orientation predicates), every ring must keep at least 3 distinct vertices and
//! every rebuilt feature must pass geo `Validation`; arcs involved in a problem are
//! re-simplified from the source with half the tolerance until the result is clean.

use std::collections::{BTreeSet, HashMap, HashSet};

use anyhow::{Result, bail};
use geo::kernels::RobustKernel;
use geo::{Coord, Kernel, LineString, MultiPolygon, Orientation, Polygon, Validation};

use crate::geom::{M_PER_DEG, orient, round6};

type Key = (i64, i64);

fn key(c: Coord<f64>) -> Key {
    // the sources are on a 1e-6 degree grid; the rounding makes the key exact
    #[allow(clippy::cast_possible_truncation)]
    ((c.x * 1e6).round() as i64, (c.y * 1e6).round() as i64)
}

/// One ring of one polygon of one feature, as a sequence of arcs.
struct RingRef {
    feature: usize,
    polygon: usize,
    /// 0 = exterior, 1.. = interiors
    ring: usize,
    /// (arc index, traversed in reverse)
    parts: Vec<(usize, bool)>,
}

/// A polygon coverage decomposed into shared arcs.
pub struct Topology {
    /// Source vertices of each arc, in canonical direction, both endpoints included.
    pub arcs: Vec<Vec<Coord<f64>>>,
    rings: Vec<RingRef>,
    /// Per feature: the number of rings of each polygon.
    shape: Vec<Vec<usize>>,
    /// Junction points.
    pub junctions: usize,
}

/// The simplified coverage.
pub struct Simplified {
    pub geometries: Vec<MultiPolygon<f64>>,
    /// Tolerance finally used for each arc (degrees); smaller than the requested one where
    /// the full tolerance produced a crossing, a degenerate ring or an invalid polygon.
    pub arc_eps: Vec<f64>,
    /// Largest distance (m, local plane) from a source vertex to its simplified arc.
    pub max_deviation_m: f64,
    /// Rounds of tolerance halving needed.
    pub rounds: usize,
}

impl Topology {
    pub fn new(features: &[MultiPolygon<f64>]) -> Self {
        // every ring as closed key/coord sequences without repeated vertices
        let mut raw: Vec<(usize, usize, usize, Vec<Coord<f64>>)> = Vec::new();
        let mut shape = Vec::new();
        for (f, mp) in features.iter().enumerate() {
            let mp = orient(mp);
            let mut counts = Vec::new();
            for (p, poly) in mp.0.iter().enumerate() {
                counts.push(1 + poly.interiors().len());
                for (r, ls) in std::iter::once(poly.exterior())
                    .chain(poly.interiors())
                    .enumerate()
                {
                    let mut cs: Vec<Coord<f64>> = Vec::with_capacity(ls.0.len());
                    for &c in &ls.0 {
                        if cs.last().is_none_or(|&l| key(l) != key(c)) {
                            cs.push(c);
                        }
                    }
                    if cs.len() > 1 && key(cs[0]) == key(cs[cs.len() - 1]) {
                        cs.pop();
                    }
                    raw.push((f, p, r, cs));
                }
            }
            shape.push(counts);
        }

        // undirected edges -> features on either side; vertex -> distinct neighbours
        let mut owners: HashMap<(Key, Key), Vec<usize>> = HashMap::new();
        let mut nbrs: HashMap<Key, BTreeSet<Key>> = HashMap::new();
        let ukey = |a: Key, b: Key| if a <= b { (a, b) } else { (b, a) };
        for (f, _, _, cs) in &raw {
            let n = cs.len();
            for i in 0..n {
                let (a, b) = (key(cs[i]), key(cs[(i + 1) % n]));
                let o = owners.entry(ukey(a, b)).or_default();
                o.push(*f);
                o.sort_unstable();
                nbrs.entry(a).or_default().insert(b);
                nbrs.entry(b).or_default().insert(a);
            }
        }

        let mut arcs: Vec<Vec<Coord<f64>>> = Vec::new();
        let mut arc_ids: HashMap<Vec<Key>, usize> = HashMap::new();
        let mut junction_set: HashSet<Key> = HashSet::new();
        let mut rings = Vec::new();
        let mut add_arc = |piece: Vec<Coord<f64>>| -> (usize, bool) {
            let fwd: Vec<Key> = piece.iter().map(|&c| key(c)).collect();
            let rev: Vec<Key> = fwd.iter().rev().copied().collect();
            let (canon, reversed) = if fwd <= rev {
                (fwd, false)
            } else {
                (rev, true)
            };
            let id = *arc_ids.entry(canon).or_insert_with(|| {
                let mut coords = piece.clone();
                if reversed {
                    coords.reverse();
                }
                arcs.push(coords);
                arcs.len() - 1
            });
            (id, reversed)
        };
        for (f, p, r, cs) in raw {
            let n = cs.len();
            let edge_owner = |i: usize| &owners[&ukey(key(cs[i % n]), key(cs[(i + 1) % n]))];
            let is_junction =
                |i: usize| nbrs[&key(cs[i])].len() != 2 || edge_owner(i + n - 1) != edge_owner(i);
            let junctions: Vec<usize> = (0..n).filter(|&i| is_junction(i)).collect();
            let mut parts = Vec::new();
            if junctions.is_empty() {
                // closed arc: start at the smallest vertex so both sides agree
                let start = (0..n).min_by_key(|&i| key(cs[i])).unwrap_or(0);
                let mut piece: Vec<Coord<f64>> = (0..=n).map(|i| cs[(start + i) % n]).collect();
                let last = piece.len() - 1;
                piece[last] = piece[0];
                parts.push(add_arc(piece));
            } else {
                for &j in &junctions {
                    junction_set.insert(key(cs[j]));
                }
                for (w, &j) in junctions.iter().enumerate() {
                    let next = junctions[(w + 1) % junctions.len()];
                    let len = if next > j { next - j } else { next + n - j };
                    let piece: Vec<Coord<f64>> = (0..=len).map(|i| cs[(j + i) % n]).collect();
                    parts.push(add_arc(piece));
                }
            }
            rings.push(RingRef {
                feature: f,
                polygon: p,
                ring: r,
                parts,
            });
        }
        Self {
            arcs,
            rings,
            shape,
            junctions: junction_set.len(),
        }
    }

    /// Simplify every arc with tolerance `eps` (degrees), reduce it where needed, rebuild.
    pub fn simplify(&self, eps: f64) -> Result<Simplified> {
        let mut arc_eps = vec![eps; self.arcs.len()];
        for round in 0..40 {
            let kept: Vec<Vec<usize>> = self
                .arcs
                .iter()
                .zip(&arc_eps)
                .map(|(a, &e)| simplify_arc(a, e))
                .collect();
            let simple: Vec<Vec<Coord<f64>>> = self
                .arcs
                .iter()
                .zip(&kept)
                .map(|(a, k)| k.iter().map(|&i| a[i]).collect())
                .collect();
            let mut bad: BTreeSet<usize> = crossings(&simple);
            let geometries = self.rebuild(&simple);
            for r in &self.rings {
                let distinct: HashSet<Key> = r
                    .parts
                    .iter()
                    .flat_map(|&(a, _)| simple[a].iter().map(|&c| key(c)))
                    .collect();
                if distinct.len() < 3 {
                    bad.extend(r.parts.iter().map(|&(a, _)| a));
                }
            }
            for (f, g) in geometries.iter().enumerate() {
                if !g.is_valid() {
                    bad.extend(
                        self.rings
                            .iter()
                            .filter(|r| r.feature == f)
                            .flat_map(|r| r.parts.iter().map(|&(a, _)| a)),
                    );
                }
            }
            if bad.is_empty() {
                let max_deviation_m = self
                    .arcs
                    .iter()
                    .zip(&kept)
                    .map(|(a, k)| deviation_m(a, k))
                    .fold(0.0, f64::max);
                return Ok(Simplified {
                    geometries,
                    arc_eps,
                    max_deviation_m,
                    rounds: round,
                });
            }
            for a in bad {
                arc_eps[a] = if arc_eps[a] < 1e-6 {
                    0.0
                } else {
                    arc_eps[a] / 2.0
                };
            }
        }
        bail!("topology: no valid simplification after 40 rounds")
    }

    /// Rebuild the features from (simplified) arcs: rings in source order, RFC 7946
    /// orientation, rounded to 6 decimals.
    pub fn rebuild(&self, arcs: &[Vec<Coord<f64>>]) -> Vec<MultiPolygon<f64>> {
        let mut rings: Vec<Vec<Vec<Vec<Coord<f64>>>>> = self
            .shape
            .iter()
            .map(|polys| polys.iter().map(|&n| vec![Vec::new(); n]).collect())
            .collect();
        for r in &self.rings {
            let out = &mut rings[r.feature][r.polygon][r.ring];
            for &(a, reversed) in &r.parts {
                let mut cs = arcs[a].clone();
                if reversed {
                    cs.reverse();
                }
                let skip = usize::from(!out.is_empty());
                out.extend(cs.into_iter().skip(skip));
            }
        }
        rings
            .into_iter()
            .map(|polys| {
                let mp = MultiPolygon(
                    polys
                        .into_iter()
                        .map(|rs| {
                            let mut it = rs.into_iter().map(LineString::new);
                            let ext = it.next().unwrap_or_else(|| LineString::new(vec![]));
                            Polygon::new(ext, it.collect())
                        })
                        .collect(),
                );
                orient(&round6(&mp))
            })
            .collect()
    }

    /// Number of positions of all rings written out (shared lines counted on both sides).
    pub fn positions(geometries: &[MultiPolygon<f64>]) -> usize {
        geometries
            .iter()
            .flat_map(|mp| &mp.0)
            .map(|p| p.exterior().0.len() + p.interiors().iter().map(|h| h.0.len()).sum::<usize>())
            .sum()
    }
}

/// Squared planar distance (degrees) from `p` to the segment `a`–`b`.
fn seg_dist2(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
    };
    (p.x - a.x - t * dx).powi(2) + (p.y - a.y - t * dy).powi(2)
}

/// Douglas–Peucker on `cs[lo..=hi]`: indices kept strictly between `lo` and `hi`.
fn dp(cs: &[Coord<f64>], lo: usize, hi: usize, eps: f64, keep: &mut Vec<usize>) {
    let mut stack = vec![(lo, hi)];
    let eps2 = eps * eps;
    while let Some((a, b)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        let (mut best, mut best_d) = (0, -1.0);
        for i in a + 1..b {
            let d = seg_dist2(cs[i], cs[a], cs[b]);
            if d > best_d {
                (best, best_d) = (i, d);
            }
        }
        if best_d > eps2 {
            keep.push(best);
            stack.push((a, best));
            stack.push((best, b));
        }
    }
}

/// Indices of the vertices of one arc kept by Douglas–Peucker with tolerance `eps`
/// (degrees); both endpoints are always kept. A closed arc is first split at the vertex
/// farthest from its start.
pub fn simplify_arc(cs: &[Coord<f64>], eps: f64) -> Vec<usize> {
    let last = cs.len() - 1;
    if eps <= 0.0 || cs.len() <= 2 {
        return (0..cs.len()).collect();
    }
    let mut keep = vec![0, last];
    if key(cs[0]) == key(cs[last]) {
        let far = (1..last)
            .max_by(|&i, &j| {
                let di = (cs[i].x - cs[0].x).hypot(cs[i].y - cs[0].y);
                let dj = (cs[j].x - cs[0].x).hypot(cs[j].y - cs[0].y);
                di.total_cmp(&dj)
            })
            .unwrap_or(0);
        if far > 0 {
            keep.push(far);
            dp(cs, 0, far, eps, &mut keep);
            dp(cs, far, last, eps, &mut keep);
        }
    } else {
        dp(cs, 0, last, eps, &mut keep);
    }
    keep.sort_unstable();
    keep.dedup();
    keep
}

/// Largest distance in metres (local plane at each vertex) from a source vertex of an arc
/// to the simplified segment that replaces it.
fn deviation_m(cs: &[Coord<f64>], kept: &[usize]) -> f64 {
    let mut max = 0.0_f64;
    for w in kept.windows(2) {
        let (a, b) = (cs[w[0]], cs[w[1]]);
        for &p in &cs[w[0]..=w[1]] {
            max = max.max(local_dist_m(p, a, b));
        }
    }
    max
}

/// Distance in metres from `p` to segment `a`–`b`, in the local plane at `p`.
pub fn local_dist_m(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let k = p.y.to_radians().cos();
    let s = |c: Coord<f64>| Coord { x: c.x * k, y: c.y };
    seg_dist2(s(p), s(a), s(b)).sqrt() * M_PER_DEG
}

/// Arcs (indices) whose simplified segments cross or touch another segment anywhere but at
/// a shared endpoint.
fn crossings(arcs: &[Vec<Coord<f64>>]) -> BTreeSet<usize> {
    const CELL: f64 = 0.02;
    let segs: Vec<(usize, Coord<f64>, Coord<f64>)> = arcs
        .iter()
        .enumerate()
        .flat_map(|(i, a)| a.windows(2).map(move |w| (i, w[0], w[1])))
        .collect();
    let mut grid: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    #[allow(clippy::cast_possible_truncation)]
    let cell = |v: f64| (v / CELL).floor() as i64;
    for (s, &(_, a, b)) in segs.iter().enumerate() {
        for cx in cell(a.x.min(b.x))..=cell(a.x.max(b.x)) {
            for cy in cell(a.y.min(b.y))..=cell(a.y.max(b.y)) {
                grid.entry((cx, cy)).or_default().push(s);
            }
        }
    }
    let mut bad = BTreeSet::new();
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    let mut cells: Vec<_> = grid.into_iter().collect();
    cells.sort_unstable_by_key(|(k, _)| *k);
    for (_, members) in cells {
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                if !seen.insert((i.min(j), i.max(j))) {
                    continue;
                }
                let (ai, p1, p2) = segs[i];
                let (aj, q1, q2) = segs[j];
                if segments_conflict(p1, p2, q1, q2) {
                    bad.insert(ai);
                    bad.insert(aj);
                }
            }
        }
    }
    bad
}

fn on_segment(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> bool {
    p.x >= a.x.min(b.x) && p.x <= a.x.max(b.x) && p.y >= a.y.min(b.y) && p.y <= a.y.max(b.y)
}

/// Do two segments meet anywhere other than at one shared endpoint (where they may only
/// meet without running along each other)?
pub fn segments_conflict(p1: Coord<f64>, p2: Coord<f64>, q1: Coord<f64>, q2: Coord<f64>) -> bool {
    let o = RobustKernel::orient2d;
    let shared = [(p1, q1), (p1, q2), (p2, q1), (p2, q2)]
        .iter()
        .filter(|(a, b)| a == b)
        .count();
    if shared >= 2 {
        return true; // the same segment twice
    }
    if shared == 1 {
        // the common point and the two far ends: a conflict only if collinear and on the
        // same side (one segment runs along the other)
        let (c, u, v) = if p1 == q1 {
            (p1, p2, q2)
        } else if p1 == q2 {
            (p1, p2, q1)
        } else if p2 == q1 {
            (p2, p1, q2)
        } else {
            (p2, p1, q1)
        };
        return o(c, u, v) == Orientation::Collinear
            && (u.x - c.x) * (v.x - c.x) + (u.y - c.y) * (v.y - c.y) > 0.0;
    }
    let (o1, o2) = (o(p1, p2, q1), o(p1, p2, q2));
    let (o3, o4) = (o(q1, q2, p1), o(q1, q2, p2));
    if o1 != o2 && o3 != o4 {
        return true;
    }
    (o1 == Orientation::Collinear && on_segment(q1, p1, p2))
        || (o2 == Orientation::Collinear && on_segment(q2, p1, p2))
        || (o3 == Orientation::Collinear && on_segment(p1, q1, q2))
        || (o4 == Orientation::Collinear && on_segment(p2, q1, q2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;

    #[test]
    fn segment_conflicts() {
        let c = |x: f64, y: f64| coord! {x: x, y: y};
        // proper crossing
        assert!(segments_conflict(
            c(0., 0.),
            c(1., 1.),
            c(0., 1.),
            c(1., 0.)
        ));
        // shared endpoint, different directions: fine
        assert!(!segments_conflict(
            c(0., 0.),
            c(1., 0.),
            c(0., 0.),
            c(0., 1.)
        ));
        // shared endpoint, running along each other
        assert!(segments_conflict(
            c(0., 0.),
            c(2., 0.),
            c(0., 0.),
            c(1., 0.)
        ));
        // a vertex touching the other segment
        assert!(segments_conflict(
            c(0., 0.),
            c(2., 0.),
            c(1., 0.),
            c(1., 1.)
        ));
        // disjoint
        assert!(!segments_conflict(
            c(0., 0.),
            c(1., 0.),
            c(0., 1.),
            c(1., 1.)
        ));
    }

    #[test]
    fn shared_lines_are_simplified_once() {
        // two squares sharing a wiggly vertical line x = 1
        let wiggle: Vec<Coord<f64>> = (0..=100)
            .map(|i| {
                let y = f64::from(i) / 100.0;
                coord! {x: 1.0 + 0.000_1 * (y * 40.0).sin(), y: y}
            })
            .collect();
        let mut left = vec![coord! {x: 0.0, y: 0.0}];
        left.extend(wiggle.iter().copied());
        left.push(coord! {x: 0.0, y: 1.0});
        left.push(left[0]);
        let mut right: Vec<Coord<f64>> = wiggle.iter().rev().copied().collect();
        right.push(coord! {x: 2.0, y: 0.0});
        right.push(coord! {x: 2.0, y: 1.0});
        right.rotate_right(1);
        right.push(right[0]);
        let features = [
            MultiPolygon(vec![Polygon::new(LineString::new(left), vec![])]),
            MultiPolygon(vec![Polygon::new(LineString::new(right), vec![])]),
        ];
        let topo = Topology::new(&features);
        let s = topo.simplify(0.000_5).expect("simplifies");
        let (a, b) = (&s.geometries[0].0[0], &s.geometries[1].0[0]);
        let keys = |p: &Polygon<f64>| -> BTreeSet<Key> {
            p.exterior().0.iter().map(|&c| key(c)).collect()
        };
        let shared: BTreeSet<Key> = keys(a).intersection(&keys(b)).copied().collect();
        assert!(shared.len() >= 2 && shared.len() < 20, "{}", shared.len());
        assert!(s.max_deviation_m < 60.0);
    }
}
