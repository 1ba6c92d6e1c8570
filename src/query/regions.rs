//! Polygons with point indexes: membership and the distance to the boundary.
//!
//! Shared by the zones and the governorates; knows only geometry. Membership
//! comes from a cell [`Grid`]; distances from boundary pieces held as straight
//! chords in Earth-centred space (see the `query` module's notes).
//!
//! # Nearest pieces
//!
//! A coarse lon/lat grid around the outlines keeps, per cell, the pieces that
//! can be nearest to some point of the cell: with `q` the cell's centre, `h`
//! the farthest any point of the cell lies from `q`, and `d` the distance from
//! `q` to its nearest piece, every point of the cell lies within `d + h` of
//! that piece, so its own nearest piece lies within `d + 2h` of `q` (triangle
//! inequality, in space). A query then measures a handful of candidates
//! instead of walking a tree. Lists are made the first time a cell is asked
//! about (an R-tree finds them), so start-up pays nothing for them; a point
//! beyond the coarse grid walks the R-tree itself. The cells' slots come in
//! blocks of [`BLOCK`] × [`BLOCK`] cells, also made on first use: most of the
//! grid lies far from Syria and is never asked about, so a data version holds
//! slots only where points were asked.
//!
//! Each list is sorted by the pieces' distances `e` from `q` (rounded down).
//! A point `p` of the cell lies at least `e - |p - q|` from a piece, so a query
//! measures the candidates in list order and stops at the first whose `e`
//! exceeds the best distance found so far plus `|p - q|`: no later piece can be
//! nearer, and usually only the first few are measured. Of equally near
//! pieces the one first in [`Regions::pieces`] wins, as in a plain scan.

use std::sync::OnceLock;

use geo::{Coord, Distance, Geodesic, MultiPolygon, Point};
use rstar::{AABB, PointDistance, RTree, RTreeObject, primitives::Line};

use super::grid::Grid;

/// The longest edge piece held in the index, in metres.
pub const MAX_PIECE_M: f64 = 2_000.0;

/// Beyond this distance (metres) the chord's arc is replaced by Karney's
/// geodesic to the same boundary point (never for a point in Syria).
const FAR_M: f64 = 1_000_000.0;

/// The side of a cell of the candidate grid, degrees.
const NEAR_CELL_DEG: f64 = 0.05;

/// How far the candidate grid reaches beyond the outlines' box, degrees.
const NEAR_REACH_DEG: f64 = 6.0;

/// The side of a block of candidate cells, in cells (see the module's notes).
const BLOCK: usize = 16;

/// Added to `|p - q|` when a query stops early (see the module's notes), to
/// outweigh rounding, metres: far more than the error of a distance in space.
const ROUNDING_M: f64 = 0.001;

/// WGS 84 semi-major axis, metres.
const WGS84_A: f64 = 6_378_137.0;
/// WGS 84 first eccentricity squared.
const WGS84_E2: f64 = 6.694_379_990_141_317e-3;

/// A piece of a boundary edge: its lon/lat ends, its region, and the chord in
/// Earth-centred (ECEF, WGS 84) space between its ends.
#[derive(Clone, Debug)]
struct Piece {
    chord: Line<[f64; 3]>,
    from: Coord,
    to: Coord,
    region: usize,
    /// Its position in [`Regions::pieces`].
    index: u32,
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

/// A set of outlines (at most 64), with a membership grid, edge R-trees and
/// the candidate grid over them.
#[derive(Debug)]
pub(crate) struct Regions {
    count: usize,
    grid: Grid,
    /// Every piece, region after region.
    pieces: Vec<Piece>,
    /// Every region's pieces in one tree, for the nearest of all regions.
    all: RTree<Piece>,
    /// Each region's pieces.
    each: Vec<RTree<Piece>>,
    near: NearGrid,
}

/// The candidate grid (see the module's notes).
#[derive(Debug, Default)]
struct NearGrid {
    origin: Coord,
    columns: usize,
    rows: usize,
    /// Per column: the sine and cosine of its centre's longitude.
    column_centres: Box<[(f64, f64)]>,
    /// Per row: its centre's parallel (see [`parallel`]).
    row_centres: Box<[(f64, f64)]>,
    /// How many blocks make a row of blocks.
    block_columns: usize,
    /// Per block, row after row of blocks: its cells' lists, row after row
    /// within the block.
    blocks: Box<[OnceLock<Box<[CellLists]>>]>,
}

/// The candidate lists of one cell of the [`NearGrid`].
#[derive(Debug, Default)]
struct CellLists {
    /// The pieces that can be nearest among all regions, nearest to the
    /// cell's centre first.
    all: OnceLock<Box<[Candidate]>>,
    /// `regions + 1` entries whose `piece` holds where each region's list
    /// starts (and the last one ends), then for each region the pieces that
    /// can be nearest among its own, nearest to the centre first.
    each: OnceLock<Box<[Candidate]>>,
}

/// A piece that can be nearest to some point of a cell.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    /// Its position in [`Regions::pieces`].
    piece: u32,
    /// Its distance from the cell's centre in space, metres, rounded down.
    from_centre_m: f32,
}

impl NearGrid {
    fn new(pieces: &[Piece]) -> Self {
        let Some(first) = pieces.first() else {
            return Self::default();
        };
        let (mut min, mut max) = (first.from, first.from);
        for c in pieces.iter().flat_map(|p| [p.from, p.to]) {
            min = Coord {
                x: min.x.min(c.x),
                y: min.y.min(c.y),
            };
            max = Coord {
                x: max.x.max(c.x),
                y: max.y.max(c.y),
            };
        }
        let origin = Coord {
            x: (min.x - NEAR_REACH_DEG).max(-180.0),
            y: (min.y - NEAR_REACH_DEG).max(-90.0),
        };
        let end = Coord {
            x: (max.x + NEAR_REACH_DEG).min(180.0),
            y: (max.y + NEAR_REACH_DEG).min(90.0),
        };
        let columns = ((end.x - origin.x) / NEAR_CELL_DEG)
            .ceil()
            .clamp(1.0, 8_192.0) as usize;
        let rows = ((end.y - origin.y) / NEAR_CELL_DEG)
            .ceil()
            .clamp(1.0, 4_096.0) as usize;
        let block_columns = columns.div_ceil(BLOCK);
        let blocks = block_columns * rows.div_ceil(BLOCK);
        let column_centres = (0..columns)
            .map(|c| {
                let x0 = origin.x + c as f64 * NEAR_CELL_DEG;
                (x0 + NEAR_CELL_DEG / 2.0).to_radians().sin_cos()
            })
            .collect();
        let row_centres = (0..rows)
            .map(|r| parallel(origin.y + r as f64 * NEAR_CELL_DEG + NEAR_CELL_DEG / 2.0))
            .collect();
        Self {
            origin,
            columns,
            rows,
            column_centres,
            row_centres,
            block_columns,
            blocks: std::iter::repeat_with(OnceLock::new).take(blocks).collect(),
        }
    }

    /// The lists of `cell` (one the grid covers), its block made if need be.
    fn lists(&self, cell: usize) -> &CellLists {
        let (column, row) = (cell % self.columns, cell / self.columns);
        let block =
            self.blocks[(row / BLOCK) * self.block_columns + column / BLOCK].get_or_init(|| {
                std::iter::repeat_with(CellLists::default)
                    .take(BLOCK * BLOCK)
                    .collect()
            });
        &block[(row % BLOCK) * BLOCK + column % BLOCK]
    }

    /// The cell holding the point, if the grid covers it.
    fn cell(&self, lon: f64, lat: f64) -> Option<usize> {
        let fx = (lon - self.origin.x) / NEAR_CELL_DEG;
        let fy = (lat - self.origin.y) / NEAR_CELL_DEG;
        (fx >= 0.0 && fy >= 0.0 && fx < self.columns as f64 && fy < self.rows as f64)
            .then(|| fy as usize * self.columns + fx as usize)
    }

    /// The centre of `cell` in space.
    fn centre(&self, cell: usize) -> [f64; 3] {
        let (column, row) = (cell % self.columns, cell / self.columns);
        on_parallel(self.column_centres[column], self.row_centres[row])
    }

    /// How far `p` lies from the centre of `cell`, plus [`ROUNDING_M`].
    fn off_centre(&self, cell: usize, p: &[f64; 3]) -> f64 {
        distance_3(p, &self.centre(cell)) + ROUNDING_M
    }

    /// The centre of `cell` in space, and how far from it any point of the
    /// cell (on the surface) can lie, metres, generously rounded up.
    fn reach(&self, cell: usize) -> ([f64; 3], f64) {
        let (column, row) = ((cell % self.columns) as f64, (cell / self.columns) as f64);
        let x0 = self.origin.x + column * NEAR_CELL_DEG;
        let y0 = self.origin.y + row * NEAR_CELL_DEG;
        let centre = self.centre(cell);
        let corners = [
            (x0, y0),
            (x0 + NEAR_CELL_DEG, y0),
            (x0, y0 + NEAR_CELL_DEG),
            (x0 + NEAR_CELL_DEG, y0 + NEAR_CELL_DEG),
        ];
        let h = corners
            .iter()
            .map(|&(x, y)| distance_3(&centre, &ecef(x, y)))
            .fold(0.0, f64::max);
        (centre, h * 1.01 + 1.0)
    }
}

/// `tree`'s pieces that can be nearest to some point within `h` of `centre`,
/// nearest to `centre` first (then by index).
fn candidates(tree: &RTree<Piece>, centre: &[f64; 3], h: f64) -> Vec<Candidate> {
    let Some(nearest) = tree.nearest_neighbor(centre) else {
        return Vec::new();
    };
    let reach = nearest.distance_2(centre).sqrt() + 2.0 * h;
    let mut found: Vec<Candidate> = tree
        .locate_within_distance(*centre, reach * reach)
        .map(|p| Candidate {
            piece: p.index,
            from_centre_m: round_down(
                segment_distance_2(&p.chord.from, &p.chord.to, centre).sqrt(),
            ),
        })
        .collect();
    found.sort_unstable_by(|a, b| {
        (a.from_centre_m.total_cmp(&b.from_centre_m)).then(a.piece.cmp(&b.piece))
    });
    found
}

/// The largest `f32` not above `x` (`x` finite and not negative).
fn round_down(x: f64) -> f32 {
    let y = x as f32;
    if f64::from(y) > x { y.next_down() } else { y }
}

fn distance_3(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// Squared distance from `point` to the segment `from`–`to`, in space.
fn segment_distance_2(from: &[f64; 3], to: &[f64; 3], point: &[f64; 3]) -> f64 {
    let t = chord_parameter(from, to, point);
    let foot = [
        from[0] + (to[0] - from[0]) * t,
        from[1] + (to[1] - from[1]) * t,
        from[2] + (to[2] - from[2]) * t,
    ];
    (point[0] - foot[0]).powi(2) + (point[1] - foot[1]).powi(2) + (point[2] - foot[2]).powi(2)
}

impl Regions {
    /// Indexes the outlines; an empty outline never matches.
    pub(crate) fn new<'a>(outlines: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> Self {
        let outlines: Vec<&MultiPolygon<f64>> = outlines.into_iter().collect();
        let mut all = Vec::new();
        for (i, g) in outlines.iter().enumerate() {
            push_pieces(&mut all, i, g);
        }
        let each = (0..outlines.len())
            .map(|i| RTree::bulk_load(all.iter().filter(|p| p.region == i).cloned().collect()))
            .collect();
        Self {
            count: outlines.len(),
            grid: Grid::new(&outlines),
            near: NearGrid::new(&all),
            all: RTree::bulk_load(all.clone()),
            pieces: all,
            each,
        }
    }

    /// The outlines holding the point, boundary included, as bits (outline
    /// `i` is bit `i`).
    pub(crate) fn members(&self, lon: f64, lat: f64) -> u64 {
        let (inside, on) = self.grid.locate(lon, lat);
        inside | on
    }

    /// The outlines holding the point: those holding it off their boundary,
    /// and those whose boundary it lies on, as bits.
    pub(crate) fn locate(&self, lon: f64, lat: f64) -> (u64, u64) {
        self.grid.locate(lon, lat)
    }

    /// The nearest outline among those in `wanted` (bits), and the distance in
    /// metres from the point to its boundary.
    pub(crate) fn nearest(&self, lon: f64, lat: f64, wanted: u64) -> Option<(usize, f64)> {
        let everything = if self.count >= 64 {
            u64::MAX
        } else {
            (1 << self.count) - 1
        };
        let wanted = wanted & everything;
        let p = ecef(lon, lat);
        let piece = match self.near.cell(lon, lat) {
            Some(cell) if wanted == everything => self.nearest_of(
                self.all_candidates(cell),
                &p,
                self.near.off_centre(cell, &p),
                None,
            ),
            Some(cell) => {
                let lists = self.each_candidates(cell);
                let off_centre = self.near.off_centre(cell, &p);
                (0..self.count)
                    .filter(|&i| i < 64 && wanted & (1 << i) != 0)
                    .fold(None, |best, i| {
                        self.nearest_of(region_list(lists, i), &p, off_centre, best)
                    })
            }
            None if wanted == everything => self
                .all
                .nearest_neighbor(&p)
                .map(|piece| (piece, piece.distance_2(&p))),
            None => self
                .each
                .iter()
                .enumerate()
                .filter(|(i, _)| *i < 64 && wanted & (1 << i) != 0)
                .filter_map(|(_, tree)| tree.nearest_neighbor(&p))
                .map(|piece| (piece, piece.distance_2(&p)))
                .min_by(|a, b| a.1.total_cmp(&b.1)),
        }?
        .0;
        Some((piece.region, surface_distance_m(piece, lon, lat, &p)))
    }

    /// Distance in metres from the point to outline `i`'s boundary.
    pub(crate) fn boundary_distance_m(&self, i: usize, lon: f64, lat: f64) -> f64 {
        let p = ecef(lon, lat);
        let piece = match self.near.cell(lon, lat) {
            Some(cell) => self
                .nearest_of(
                    region_list(self.each_candidates(cell), i),
                    &p,
                    self.near.off_centre(cell, &p),
                    None,
                )
                .map(|(piece, _)| piece),
            None => self.each[i].nearest_neighbor(&p),
        };
        piece.map_or(f64::INFINITY, |piece| {
            surface_distance_m(piece, lon, lat, &p)
        })
    }

    /// The nearest to `p` of `best` and the pieces of a cell's `list`, with
    /// its squared distance; of equally near pieces, the first in
    /// [`Regions::pieces`]. `off_centre` is [`NearGrid::off_centre`]: the
    /// walk stops early (see the module's notes).
    fn nearest_of<'a>(
        &'a self,
        list: &[Candidate],
        p: &[f64; 3],
        off_centre: f64,
        mut best: Option<(&'a Piece, f64)>,
    ) -> Option<(&'a Piece, f64)> {
        let mut stop = best.map_or(f64::INFINITY, |(_, d2)| d2.sqrt() + off_centre);
        for candidate in list {
            if f64::from(candidate.from_centre_m) > stop {
                break;
            }
            let piece = &self.pieces[candidate.piece as usize];
            let d2 = segment_distance_2(&piece.chord.from, &piece.chord.to, p);
            if best.is_none_or(|(b, b2)| (d2, piece.index) < (b2, b.index)) {
                best = Some((piece, d2));
                stop = d2.sqrt() + off_centre;
            }
        }
        best
    }

    fn all_candidates(&self, cell: usize) -> &[Candidate] {
        self.near.lists(cell).all.get_or_init(|| {
            let (centre, h) = self.near.reach(cell);
            candidates(&self.all, &centre, h).into_boxed_slice()
        })
    }

    fn each_candidates(&self, cell: usize) -> &[Candidate] {
        self.near.lists(cell).each.get_or_init(|| {
            let (centre, h) = self.near.reach(cell);
            let start = |at: usize| Candidate {
                piece: (self.count + 1 + at) as u32,
                from_centre_m: 0.0,
            };
            let mut starts = Vec::with_capacity(self.count + 1);
            let mut lists = Vec::new();
            for tree in &self.each {
                starts.push(start(lists.len()));
                lists.extend(candidates(tree, &centre, h));
            }
            starts.push(start(lists.len()));
            starts.extend(lists);
            starts.into_boxed_slice()
        })
    }
}

/// Region `i`'s list in a cell's per-region lists.
fn region_list(lists: &[Candidate], i: usize) -> &[Candidate] {
    &lists[lists[i].piece as usize..lists[i + 1].piece as usize]
}

/// The distance over the surface from the point (`p` in space) to the nearest
/// point of `piece`: the chord's length as an arc of the local radius of
/// curvature; far away, Karney's geodesic to the same point of the lon/lat edge.
fn surface_distance_m(piece: &Piece, lon: f64, lat: f64, p: &[f64; 3]) -> f64 {
    let chord = piece.chord.distance_2(p).sqrt();
    let arc = chord_to_arc_m(chord, lat);
    if arc <= FAR_M {
        return arc;
    }
    let along = chord_parameter(&piece.chord.from, &piece.chord.to, p);
    let nearest = piece.from + (piece.to - piece.from) * along;
    Geodesic.distance(Point::new(lon, lat), Point::from(nearest))
}

/// The arc of a circle of the ellipsoid's Gaussian radius of curvature at
/// latitude `lat` (degrees) whose chord is `chord` metres long.
fn chord_to_arc_m(chord: f64, lat: f64) -> f64 {
    let sin_lat = lat.to_radians().sin();
    let radius = WGS84_A * (1.0 - WGS84_E2).sqrt() / (1.0 - WGS84_E2 * sin_lat * sin_lat);
    2.0 * radius * (chord / (2.0 * radius)).min(1.0).asin()
}

/// Adds region `region`'s edges, cut into pieces of at most [`MAX_PIECE_M`].
fn push_pieces(pieces: &mut Vec<Piece>, region: usize, outline: &MultiPolygon<f64>) {
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
                        region,
                        index: pieces.len() as u32,
                    });
                    from = to;
                }
            }
        }
    }
}

/// Lon/lat (degrees) on the WGS 84 ellipsoid to Earth-centred coordinates, metres.
fn ecef(lon: f64, lat: f64) -> [f64; 3] {
    on_parallel(lon.to_radians().sin_cos(), parallel(lat))
}

/// The parallel of latitude `lat` (degrees) on the WGS 84 ellipsoid: its
/// radius, and its height above the equator's plane, metres.
fn parallel(lat: f64) -> (f64, f64) {
    let (sin_lat, cos_lat) = lat.to_radians().sin_cos();
    let n = WGS84_A / (1.0 - WGS84_E2 * sin_lat * sin_lat).sqrt();
    (n * cos_lat, n * (1.0 - WGS84_E2) * sin_lat)
}

/// The point in space on `parallel` (radius, height) at the longitude whose
/// sine and cosine are `lon`.
fn on_parallel((sin_lon, cos_lon): (f64, f64), (radius, height): (f64, f64)) -> [f64; 3] {
    [radius * cos_lon, radius * sin_lon, height]
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
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::geodata;

    /// The zones' regions and the governorates' regions.
    fn layers() -> &'static [Regions; 2] {
        static LAYERS: OnceLock<[Regions; 2]> = OnceLock::new();
        LAYERS.get_or_init(|| {
            let zones = geodata::load_embedded().unwrap();
            let governorates = geodata::load_embedded_governorates().unwrap();
            [
                Regions::new(zones.iter().map(|z| &z.geometry)),
                Regions::new(governorates.iter().map(|g| &g.geometry)),
            ]
        })
    }

    /// The nearest of the `wanted` regions by measuring every piece, the
    /// first of equally near pieces winning, and its distance.
    fn plain_scan(regions: &Regions, lon: f64, lat: f64, wanted: u64) -> Option<(usize, f64)> {
        let p = ecef(lon, lat);
        regions
            .pieces
            .iter()
            .filter(|piece| wanted & (1 << piece.region) != 0)
            .map(|piece| {
                let d2 = segment_distance_2(&piece.chord.from, &piece.chord.to, &p);
                (piece, d2)
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(piece, _)| (piece.region, surface_distance_m(piece, lon, lat, &p)))
    }

    /// Points over the candidate grid around Syria, and points close to
    /// either layer's vertices, where pieces nearly tie.
    fn points() -> impl Strategy<Value = (f64, f64)> {
        let vertices: Vec<Coord> = layers()
            .iter()
            .flat_map(|r| r.pieces.iter().map(|p| p.from))
            .collect();
        let near = move |reach: f64| {
            let vertices = vertices.clone();
            (0..vertices.len(), -reach..reach, -reach..reach)
                .prop_map(move |(i, dx, dy)| (vertices[i].x + dx, vertices[i].y + dy))
        };
        prop_oneof![(32.0..46.0_f64, 29.0..41.0_f64), near(0.02), near(0.000_1)]
    }

    #[test]
    fn candidate_blocks_are_made_only_where_points_are_asked() {
        let zones = geodata::load_embedded().unwrap();
        let regions = Regions::new(zones.iter().map(|z| &z.geometry));
        let made = |r: &Regions| r.near.blocks.iter().filter(|b| b.get().is_some()).count();
        assert!(
            regions.near.blocks.len() > 100,
            "{}",
            regions.near.blocks.len()
        );
        assert_eq!(made(&regions), 0);
        regions.nearest(36.63, 35.93, u64::MAX);
        regions.nearest(36.631, 35.931, u64::MAX);
        assert_eq!(made(&regions), 1);
        regions.nearest(36.2, 32.6, 1);
        assert_eq!(made(&regions), 2);
    }

    #[test]
    fn every_candidate_cell_has_lists_of_its_own() {
        for regions in layers() {
            let grid = &regions.near;
            let cells = grid.columns * grid.rows;
            let slots: std::collections::HashSet<*const CellLists> = (0..cells)
                .map(|c| std::ptr::from_ref(grid.lists(c)))
                .collect();
            assert_eq!(slots.len(), cells);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn candidate_grid_finds_the_same_piece_as_a_plain_scan(
            (lon, lat) in points(),
            wanted in prop_oneof![Just(u64::MAX), any::<u64>()],
        ) {
            for regions in layers() {
                prop_assume!(regions.near.cell(lon, lat).is_some());
                let everything = (1 << regions.count) - 1;
                prop_assert_eq!(
                    regions.nearest(lon, lat, wanted),
                    plain_scan(regions, lon, lat, wanted & everything)
                );
                for i in 0..regions.count {
                    let want = plain_scan(regions, lon, lat, 1 << i).map(|(_, d)| d);
                    prop_assert_eq!(Some(regions.boundary_distance_m(i, lon, lat)), want);
                }
            }
        }
    }
}
