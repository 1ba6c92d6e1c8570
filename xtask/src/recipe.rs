//! The recipe files in `geodata/recipe/`: anchor towns and hand-drawn masks.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use geo::{Coord, LineString, Polygon};

/// What an anchor town must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The town must lie in `zone`.
    Inside,
    /// The town must lie in no zone.
    Outside,
    /// The town is in `zone` (ZONES.md lists it as a zone town) and the zone's edge passes
    /// within [`EDGE_KM`] of it.
    Edge,
}

/// How close an `edge` anchor must be to its zone's boundary.
pub const EDGE_KM: f64 = 2.0;

/// One row of `anchors.tsv`.
#[derive(Debug, Clone)]
pub struct Anchor {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    /// A zone id, or `none`.
    pub zone: String,
    pub role: Role,
}

/// Read a tab-separated file: skip `#` comments, return the header and rows.
fn read_tsv(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .ok_or_else(|| anyhow!("{}: empty", path.display()))?
        .split('\t')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|l| l.split('\t').map(str::to_owned).collect::<Vec<_>>())
        .collect();
    Ok((header, rows))
}

fn column(header: &[String], name: &str) -> Result<usize> {
    header
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| anyhow!("missing column `{name}`"))
}

fn field(row: &[String], i: usize) -> &str {
    row.get(i).map_or("", String::as_str)
}

fn number(row: &[String], i: usize) -> Result<f64> {
    let s = field(row, i);
    s.parse::<f64>()
        .map_err(|e| anyhow!("bad number `{s}` in row {row:?}: {e}"))
}

pub fn read_anchors(path: &Path) -> Result<Vec<Anchor>> {
    let (header, rows) = read_tsv(path)?;
    let (name, lat, lon, zone, role) = (
        column(&header, "name")?,
        column(&header, "lat")?,
        column(&header, "lon")?,
        column(&header, "zone")?,
        column(&header, "role")?,
    );
    rows.iter()
        .map(|row| {
            let role = match field(row, role) {
                "inside" => Role::Inside,
                "outside" => Role::Outside,
                "edge" => Role::Edge,
                other => bail!("{}: bad role `{other}`", path.display()),
            };
            Ok(Anchor {
                name: field(row, name).to_owned(),
                lat: number(row, lat)?,
                lon: number(row, lon)?,
                zone: field(row, zone).to_owned(),
                role,
            })
        })
        .collect()
}

/// Read `shapes.tsv` into named polygons (rings closed here).
pub fn read_shapes(path: &Path) -> Result<BTreeMap<String, Polygon<f64>>> {
    let (header, rows) = read_tsv(path)?;
    let (shape, lat, lon) = (
        column(&header, "shape")?,
        column(&header, "lat")?,
        column(&header, "lon")?,
    );
    let mut rings: BTreeMap<String, Vec<Coord<f64>>> = BTreeMap::new();
    for row in &rows {
        rings
            .entry(field(row, shape).to_owned())
            .or_default()
            .push(Coord {
                x: number(row, lon)?,
                y: number(row, lat)?,
            });
    }
    let mut shapes = BTreeMap::new();
    for (name, mut coords) in rings {
        if coords.len() < 3 {
            bail!("{}: shape {name} has fewer than 3 vertices", path.display());
        }
        coords.push(coords[0]);
        shapes.insert(name, Polygon::new(LineString::new(coords), vec![]));
    }
    Ok(shapes)
}
