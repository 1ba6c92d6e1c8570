//! Exact point-in-polygon membership through a grid of cells.
//!
//! The grid covers the polygons' bounding box with a margin of one cell. Each
//! cell is either *plain* — no edge comes near it, so every point of it lies in
//! the same set of regions, kept in a small palette — or a *boundary* cell,
//! which holds the edges that touch it and a reference point whose set of
//! regions is known. A point in a boundary cell starts from the reference's set
//! and flips a region's membership at every edge of that region crossed on the
//! way from the reference to the point; a point lying on an edge belongs to
//! that edge's region (the boundary counts as inside, as with geo's
//! `Intersects`).
//!
//! Every test is exact: orientations are computed with adaptive-precision
//! predicates (the `robust` crate, as geo itself does), and a vertex lying on
//! the segment from reference to point is treated as lying just to its right
//! (a symbolic perturbation), so a path through a vertex counts one crossing
//! when the boundary passes through and none or two when it only touches.
//!
//! The reference sets are found by walking each row of cells from the left
//! margin (outside every region) through the cell centres, applying the same
//! crossing rule, so building costs a pass over the cells, not a
//! point-in-polygon test per cell.

use geo::{Coord, MultiPolygon};
use robust::orient2d;

/// Marks a cell value as an index into the boundary cells.
const BOUNDARY: u32 = 1 << 31;

/// About how many cells a grid has; a cell of the zones' grid is ~500 m wide,
/// of the governorates' ~1.2 km.
const TARGET_CELLS: f64 = 262_144.0;

/// Cells at most along either axis.
const MAX_SIDE: f64 = 4_096.0;

/// An edge of a region's ring.
#[derive(Clone, Copy, Debug)]
struct Edge {
    a: Coord,
    b: Coord,
    /// The region's bit.
    bit: u64,
}

impl Edge {
    /// Whether `p` lies on the edge (ends included), exactly.
    fn holds(&self, p: Coord) -> bool {
        let (a, b) = (self.a, self.b);
        p.x >= a.x.min(b.x)
            && p.x <= a.x.max(b.x)
            && p.y >= a.y.min(b.y)
            && p.y <= a.y.max(b.y)
            && orient(a, b, p) == 0.0
    }

    /// Whether the path from `from` to `to` crosses the edge, neither end lying
    /// on it; a vertex on the path's line counts as lying to its right.
    fn crossed_by(&self, from: Coord, to: Coord) -> bool {
        let left_a = orient(from, to, self.a) > 0.0;
        let left_b = orient(from, to, self.b) > 0.0;
        left_a != left_b
            && (orient(self.a, self.b, from) > 0.0) != (orient(self.a, self.b, to) > 0.0)
    }

    /// Whether the edge meets the rectangle `min`..`max` (a conservative test:
    /// callers pass a rectangle grown by a margin that dwarfs rounding).
    fn meets(&self, min: Coord, max: Coord) -> bool {
        // Liang–Barsky clipping of the segment against the rectangle.
        let d = self.b - self.a;
        let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
        for (p, q) in [
            (-d.x, self.a.x - min.x),
            (d.x, max.x - self.a.x),
            (-d.y, self.a.y - min.y),
            (d.y, max.y - self.a.y),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    return false;
                }
            } else {
                let t = q / p;
                if p < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
            }
        }
        t0 <= t1
    }
}

fn orient(a: Coord, b: Coord, c: Coord) -> f64 {
    orient2d(
        robust::Coord { x: a.x, y: a.y },
        robust::Coord { x: b.x, y: b.y },
        robust::Coord { x: c.x, y: c.y },
    )
}

/// A cell that edges pass through.
#[derive(Clone, Copy, Debug)]
struct BoundaryCell {
    /// A point of the cell on no edge.
    reference: Coord,
    /// The regions holding `reference`.
    set: u64,
    /// Its edges: `edges[start..end]`.
    start: u32,
    end: u32,
}

/// The edges meeting each cell, while a [`Grid`] is built: cell `c`'s are
/// `edges[starts[c]..starts[c + 1]]`.
struct PerCell {
    starts: Vec<u32>,
    edges: Vec<u32>,
}

impl PerCell {
    fn get(&self, cell: usize) -> &[u32] {
        &self.edges[self.starts[cell] as usize..self.starts[cell + 1] as usize]
    }
}

/// Membership of points in up to 64 regions (polygons with holes).
#[derive(Debug, Default)]
pub(crate) struct Grid {
    origin: Coord,
    /// Cell side, degrees, and its inverse.
    side: f64,
    inverse: f64,
    columns: usize,
    rows: usize,
    /// Per cell: a palette index, or `BOUNDARY | index` into `boundary`.
    cells: Vec<u32>,
    palette: Vec<u64>,
    boundary: Vec<BoundaryCell>,
    /// The boundary cells' edges, cell after cell.
    edges: Vec<Edge>,
}

impl Grid {
    /// Builds the grid over regions (at most 64; later ones never match).
    pub(crate) fn new(regions: &[&MultiPolygon<f64>]) -> Self {
        let mut edges = Vec::new();
        for (i, outline) in regions.iter().take(64).enumerate() {
            let rings = outline
                .iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()));
            for ring in rings {
                for line in ring.lines() {
                    let finite = [line.start, line.end]
                        .iter()
                        .all(|c| c.x.is_finite() && c.y.is_finite());
                    if finite {
                        edges.push(Edge {
                            a: line.start,
                            b: line.end,
                            bit: 1 << i,
                        });
                    }
                }
            }
        }
        if edges.is_empty() {
            return Self::default();
        }
        let (mut min, mut max) = (edges[0].a, edges[0].a);
        for e in &edges {
            for c in [e.a, e.b] {
                min = Coord {
                    x: min.x.min(c.x),
                    y: min.y.min(c.y),
                };
                max = Coord {
                    x: max.x.max(c.x),
                    y: max.y.max(c.y),
                };
            }
        }
        let (width, height) = (max.x - min.x, max.y - min.y);
        let side = (width * height / TARGET_CELLS)
            .sqrt()
            .max(width.max(height) / MAX_SIDE)
            .max(1e-9);
        let columns = (width / side).ceil() as usize + 2;
        let rows = (height / side).ceil() as usize + 2;
        let origin = Coord {
            x: min.x - side,
            y: min.y - side,
        };
        let mut grid = Self {
            origin,
            side,
            inverse: 1.0 / side,
            columns,
            rows,
            ..Self::default()
        };
        let per_cell = grid.edges_per_cell(&edges);
        grid.sweep(&edges, &per_cell);
        grid
    }

    /// The corner-to-corner rectangle of cell (`column`, `row`), grown by a
    /// margin far larger than the rounding of a point's cell index.
    fn cell_rect(&self, column: usize, row: usize) -> (Coord, Coord) {
        let margin = self.side * 1e-3;
        let min = Coord {
            x: self.origin.x + column as f64 * self.side - margin,
            y: self.origin.y + row as f64 * self.side - margin,
        };
        let max = Coord {
            x: min.x + self.side + 2.0 * margin,
            y: min.y + self.side + 2.0 * margin,
        };
        (min, max)
    }

    /// The column (or row) of coordinate `v` along an axis starting at `origin`,
    /// clamped to `0..count`.
    fn index_clamped(&self, v: f64, origin: f64, count: usize) -> usize {
        (((v - origin) * self.inverse).floor().max(0.0) as usize).min(count - 1)
    }

    /// For each cell, the indices of the edges meeting it, in edge order.
    fn edges_per_cell(&self, edges: &[Edge]) -> PerCell {
        // (cell, edge) for every edge meeting a cell, edge after edge.
        let mut meetings: Vec<(u32, u32)> = Vec::new();
        let margin = self.side * 1e-3;
        for (k, e) in edges.iter().enumerate() {
            let c0 = self.index_clamped(e.a.x.min(e.b.x) - margin, self.origin.x, self.columns);
            let c1 = self.index_clamped(e.a.x.max(e.b.x) + margin, self.origin.x, self.columns);
            let r0 = self.index_clamped(e.a.y.min(e.b.y) - margin, self.origin.y, self.rows);
            let r1 = self.index_clamped(e.a.y.max(e.b.y) + margin, self.origin.y, self.rows);
            for row in r0..=r1 {
                for column in c0..=c1 {
                    let (lo, hi) = self.cell_rect(column, row);
                    if e.meets(lo, hi) {
                        meetings.push(((row * self.columns + column) as u32, k as u32));
                    }
                }
            }
        }
        // Stable: within a cell the edges stay in their order.
        meetings.sort_by_key(|&(cell, _)| cell);
        let mut starts = vec![0_u32; self.columns * self.rows + 1];
        for &(cell, _) in &meetings {
            starts[cell as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        PerCell {
            starts,
            edges: meetings.into_iter().map(|(_, k)| k).collect(),
        }
    }

    /// Walks every row from its left margin, classifying the cells.
    fn sweep(&mut self, edges: &[Edge], per_cell: &PerCell) {
        self.cells = vec![0; self.columns * self.rows];
        self.palette = vec![0];
        // Which step last counted an edge, so an edge in two cells counts once.
        let mut counted = vec![usize::MAX; edges.len()];
        let mut step = 0;
        for row in 0..self.rows {
            let mut previous = self.centre(0, row);
            let mut set = 0_u64;
            for column in 0..self.columns {
                let here = row * self.columns + column;
                let reference = self.reference(column, row, edges, per_cell.get(here));
                if column > 0 {
                    step += 1;
                    for &k in per_cell.get(here - 1).iter().chain(per_cell.get(here)) {
                        let k = k as usize;
                        if counted[k] != step {
                            counted[k] = step;
                            if edges[k].crossed_by(previous, reference) {
                                set ^= edges[k].bit;
                            }
                        }
                    }
                }
                previous = reference;
                self.cells[here] = if per_cell.get(here).is_empty() {
                    self.palette_index(set)
                } else {
                    let start = self.edges.len() as u32;
                    self.edges
                        .extend(per_cell.get(here).iter().map(|&k| edges[k as usize]));
                    self.boundary.push(BoundaryCell {
                        reference,
                        set,
                        start,
                        end: self.edges.len() as u32,
                    });
                    BOUNDARY | (self.boundary.len() as u32 - 1)
                };
            }
        }
    }

    fn centre(&self, column: usize, row: usize) -> Coord {
        Coord {
            x: self.origin.x + (column as f64 + 0.5) * self.side,
            y: self.origin.y + (row as f64 + 0.5) * self.side,
        }
    }

    /// A point of the cell on none of its edges (`edges[k]` for each `k` of
    /// `near`): its centre, or a point near it.
    fn reference(&self, column: usize, row: usize, edges: &[Edge], near: &[u32]) -> Coord {
        let centre = self.centre(column, row);
        let clear = |p: Coord| near.iter().all(|&k| !edges[k as usize].holds(p));
        // Most cells meet no edge, and a centre lies on an edge only in
        // degenerate cases: answer those without the trigonometry below.
        if clear(centre) {
            return centre;
        }
        // A deterministic spiral of nudges, each well inside the cell; a few
        // thousand tries always find a point on no edge.
        for k in 1..4096_u32 {
            let turn = f64::from(k) * 2.399_963;
            let reach = self.side * 0.3 * (f64::from(k) / 64.0).min(1.0);
            let p = Coord {
                x: centre.x + reach * turn.cos(),
                y: centre.y + reach * turn.sin(),
            };
            if clear(p) {
                return p;
            }
        }
        centre
    }

    fn palette_index(&mut self, set: u64) -> u32 {
        if let Some(i) = self.palette.iter().position(|&s| s == set) {
            i as u32
        } else {
            self.palette.push(set);
            self.palette.len() as u32 - 1
        }
    }

    /// The regions holding the point, as bits: those holding it off their
    /// boundary, and those whose boundary it lies on.
    pub(crate) fn locate(&self, x: f64, y: f64) -> (u64, u64) {
        let fx = (x - self.origin.x) * self.inverse;
        let fy = (y - self.origin.y) * self.inverse;
        // Written so that NaN falls outside.
        if !(fx >= 0.0 && fy >= 0.0 && fx < self.columns as f64 && fy < self.rows as f64) {
            return (0, 0);
        }
        let value = self.cells[fy as usize * self.columns + fx as usize];
        if value & BOUNDARY == 0 {
            return (self.palette[value as usize], 0);
        }
        let cell = &self.boundary[(value & !BOUNDARY) as usize];
        let p = Coord { x, y };
        let mut set = cell.set;
        let mut on = 0;
        for e in &self.edges[cell.start as usize..cell.end as usize] {
            if e.holds(p) {
                on |= e.bit;
            } else if e.crossed_by(cell.reference, p) {
                set ^= e.bit;
            }
        }
        (set & !on, on)
    }
}
