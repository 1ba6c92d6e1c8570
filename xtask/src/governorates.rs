//! The governorates layer: the 14 OCHA COD-AB governorates (ADM1), simplified without
//! breaking their shared boundaries (see [`crate::topology`]), for `geodata/governorates.geojson`.

use std::path::Path;

use anyhow::{Context, Result, bail};
use geo::{Coord, Intersects, LineString, MultiPolygon, Point, Validation};
use serde_json::{Map, Value, json};

use crate::geom::{area_km2, distance_to_boundary_km, union_all};
use crate::sources::{ADM1_FILE, Sources};
use crate::topology::{Simplified, Topology, local_dist_m};
use geo::BooleanOps;

/// Douglas–Peucker tolerance in degrees (44–47 m east-west, 56 m north-south in Syria).
pub const TOLERANCE_DEG: f64 = 0.000_5;

pub const SOURCE: &str = "OCHA COD-AB Syria ADM1 v02, simplified by dezone's xtask";
pub const LICENSE: &str = "CC BY-IGO 3.0";
pub const ATTRIBUTION: &str =
    "Administrative boundaries: OCHA / UN Cartographic Section (COD-AB Syria, CC BY-IGO 3.0).";

/// One simplified governorate.
pub struct Governorate {
    pub pcode: String,
    pub name_en: String,
    pub geometry: MultiPolygon<f64>,
    pub properties: Map<String, Value>,
}

/// The layer and the numbers the report and README quote.
pub struct Layer {
    pub governorates: Vec<Governorate>,
    pub arcs: usize,
    pub junctions: usize,
    pub source_positions: usize,
    pub positions: usize,
    pub max_deviation_m: f64,
    /// Arcs simplified with less than [`TOLERANCE_DEG`] to stay valid.
    pub reduced_arcs: usize,
    pub rounds: usize,
}

/// Build the layer from the OCHA ADM1 file (already loaded with the other sources).
pub fn build(src: &Sources) -> Result<Layer> {
    // BTreeMap order = P-code order
    let pcodes: Vec<&String> = src.adm1.keys().collect();
    let features: Vec<MultiPolygon<f64>> = src.adm1.values().map(|f| f.geometry.clone()).collect();
    let topo = Topology::new(&features);
    let Simplified {
        geometries,
        arc_eps,
        max_deviation_m,
        rounds,
    } = topo.simplify(TOLERANCE_DEG)?;
    let mut governorates = Vec::new();
    for ((pcode, f), geometry) in pcodes.iter().zip(src.adm1.values()).zip(geometries) {
        if !geometry.is_valid() {
            bail!("{pcode}: invalid after simplification");
        }
        let field = |k: &str| -> Result<&str> {
            let v = f.prop(k);
            if v.is_empty() {
                bail!("{ADM1_FILE}: {pcode} has no `{k}`");
            }
            Ok(v)
        };
        let properties = match json!({
            "pcode": pcode,
            "name_en": field("adm1_en")?,
            "name_ar": field("adm1_ar")?,
            "valid_on": field("valid_on")?,
            "source": SOURCE,
            "license": LICENSE,
            "attribution": ATTRIBUTION,
        }) {
            Value::Object(m) => m,
            _ => bail!("properties are not an object"),
        };
        governorates.push(Governorate {
            pcode: (*pcode).clone(),
            name_en: field("adm1_en")?.to_owned(),
            geometry,
            properties,
        });
    }
    let positions = Topology::positions(
        &governorates
            .iter()
            .map(|g| g.geometry.clone())
            .collect::<Vec<_>>(),
    );
    Ok(Layer {
        arcs: topo.arcs.len(),
        junctions: topo.junctions,
        source_positions: Topology::positions(&features),
        positions,
        max_deviation_m,
        reduced_arcs: arc_eps.iter().filter(|&&e| e < TOLERANCE_DEG).count(),
        rounds,
        governorates,
    })
}

/// The governorate a point lies in; the boundary counts as inside (the first in P-code
/// order wins on a shared line).
pub fn locate(govs: &[Governorate], lon: f64, lat: f64) -> Option<&Governorate> {
    let p = Point::new(lon, lat);
    govs.iter().find(|g| g.geometry.intersects(&p))
}

/// The governorate whose boundary is nearest to a point, with the distance in km.
pub fn nearest(govs: &[Governorate], lon: f64, lat: f64) -> Option<(&Governorate, f64)> {
    let p = Point::new(lon, lat);
    govs.iter()
        .map(|g| (g, distance_to_boundary_km(&g.geometry, p)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// The largest distance (m, local plane) from a source vertex of a governorate to the
/// simplified boundary of the same governorate, and where it occurs.
pub fn max_source_distance_m(src: &Sources, layer: &Layer) -> (f64, String) {
    let mut worst = (0.0_f64, String::new());
    for g in &layer.governorates {
        let segs: Vec<(Coord<f64>, Coord<f64>)> = rings(&g.geometry)
            .flat_map(|r| r.lines().map(|l| (l.start, l.end)))
            .collect();
        for ring in rings(&src.adm1[&g.pcode].geometry) {
            for &c in &ring.0 {
                let d = segs
                    .iter()
                    .map(|&(a, b)| local_dist_m(c, a, b))
                    .fold(f64::INFINITY, f64::min);
                if d > worst.0 {
                    worst = (d, format!("{} at {:.6} N {:.6} E", g.pcode, c.y, c.x));
                }
            }
        }
    }
    worst
}

fn rings(mp: &MultiPolygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

/// One row of the public places table, as far as the governorate check needs it.
pub struct Place {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub governorate: String,
    pub note: String,
}

impl Place {
    /// The row is outside Syria altogether: no governorate may contain it.
    pub fn abroad(&self) -> bool {
        self.governorate.starts_with("outside Syria")
    }

    /// The row's note says the point falls just outside the OCHA outline (Tartus): its
    /// governorate is the nearest one.
    pub fn outside_outline(&self) -> bool {
        self.note.contains("outside the OCHA")
    }
}

/// Read the `name`, `lat`, `lon`, `governorate` and `note` columns of the places table.
pub fn read_places(path: &Path) -> Result<Vec<Place>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty());
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .with_context(|| format!("{}: no column `{name}`", path.display()))
    };
    let (name, lat, lon, gov, note) = (
        col("name")?,
        col("lat")?,
        col("lon")?,
        col("governorate")?,
        col("note")?,
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let get = |i: usize| f.get(i).copied().unwrap_or("");
            Ok(Place {
                name: get(name).to_owned(),
                lat: get(lat).parse().with_context(|| format!("lat in {l}"))?,
                lon: get(lon).parse().with_context(|| format!("lon in {l}"))?,
                governorate: get(gov).to_owned(),
                note: get(note).to_owned(),
            })
        })
        .collect()
}

/// Print the simplification figures, per-governorate areas against the source, coverage of
/// the outline and the places-table check.
pub fn print_report(root: &Path, src: &Sources, layer: &Layer, text_len: usize) -> Result<()> {
    println!(
        "governorates: {} arcs, {} junctions, positions {} -> {}, max deviation {:.1} m, \
         {} arcs at reduced tolerance ({} rounds), {} bytes",
        layer.arcs,
        layer.junctions,
        layer.source_positions,
        layer.positions,
        layer.max_deviation_m,
        layer.reduced_arcs,
        layer.rounds,
        text_len
    );
    for g in &layer.governorates {
        let positions: usize = g
            .geometry
            .0
            .iter()
            .map(|p| p.exterior().0.len() + p.interiors().iter().map(|h| h.0.len()).sum::<usize>())
            .sum();
        let source = &src.adm1[&g.pcode].geometry;
        let source_positions: usize = source
            .0
            .iter()
            .map(|p| p.exterior().0.len() + p.interiors().iter().map(|h| h.0.len()).sum::<usize>())
            .sum();
        let (a, a0) = (area_km2(&g.geometry), area_km2(source));
        println!(
            "  {} {:15} {:9.1} km² ({:+.3} %)  parts {} positions {} -> {}",
            g.pcode,
            g.name_en,
            a,
            (a - a0) / a0 * 100.0,
            g.geometry.0.len(),
            source_positions,
            positions
        );
    }
    let (d, at) = max_source_distance_m(src, layer);
    println!("  largest distance source vertex -> simplified boundary: {d:.1} m ({at})");
    let union = union_all(layer.governorates.iter().map(|g| &g.geometry));
    println!(
        "  outline {:.1} km²: not covered {:.3} km², outside {:.3} km²",
        area_km2(&src.adm0),
        area_km2(&src.adm0.difference(&union)),
        area_km2(&union.difference(&src.adm0))
    );
    for p in read_places(&crate::zones::places_path(root))? {
        let got = locate(&layer.governorates, p.lon, p.lat).map_or("none", |g| g.name_en.as_str());
        let near = nearest(&layer.governorates, p.lon, p.lat)
            .map(|(g, km)| format!("{} {km:.2} km", g.name_en))
            .unwrap_or_default();
        let ok = if p.abroad() {
            got == "none"
        } else if p.outside_outline() {
            got == "none" && near.starts_with(&p.governorate)
        } else {
            got == p.governorate
        };
        if !ok || got == "none" {
            println!(
                "  {} {:22} table {:24} layer {:15} nearest {near}",
                if ok { "ok  " } else { "FAIL" },
                p.name,
                p.governorate,
                got
            );
        }
    }
    Ok(())
}
