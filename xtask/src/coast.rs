//! The coastal band, `geodata/coast.geojson`: the sea within [`COAST_BAND_KM`] of Syria's
//! coast (the OCHA outline), between the points where the Turkish and Lebanese borders meet
//! the sea. The service places a point of the band in the nearest governorate: the outline
//! is generalised along the coast, and the gazetteer points of coastal towns (Jableh, Tartus
//! as commonly cited) lie up to ~1 km offshore of it.

use std::path::Path;

use anyhow::{Result, anyhow, bail};
use geo::{BooleanOps, MultiPolygon, Validation};
use serde_json::{Map, Value, json};

use crate::geom::{buffer_km_bevelled, drop_small, orient, round6, simplify_inward};
use crate::recipe;
use crate::sources::Sources;
use crate::zones::{MIN_PART_KM2, SIMPLIFY_M};

/// How far the band reaches out to sea from the outline (km).
pub const COAST_BAND_KM: f64 = 1.0;
/// The Feature's id.
pub const ID: &str = "coastal-band";
/// The hand-drawn mask, in `geodata/recipe/shapes.tsv`, holding the sea off Syria and no
/// foreign land.
pub const MASK: &str = "sea";

pub const SOURCE: &str = "OCHA COD-AB Syria ADM0 outline, buffered seaward by dezone's xtask";
pub const ATTRIBUTION: &str = crate::governorates::ATTRIBUTION;

/// The band and its Feature properties.
pub struct Band {
    pub geometry: MultiPolygon<f64>,
    pub properties: Map<String, Value>,
}

/// Build the band from the outline and the sea mask.
pub fn build(root: &Path, src: &Sources) -> Result<Band> {
    let shapes = recipe::read_shapes(&root.join("geodata").join("recipe").join("shapes.tsv"))?;
    let sea = shapes
        .get(MASK)
        .ok_or_else(|| anyhow!("geodata/recipe/shapes.tsv: no shape `{MASK}`"))?;
    let sea = MultiPolygon::new(vec![sea.clone()]);
    // Only the coastal land is buffered: the band is then cut to the mask, which ends at the
    // two land borders, and the land itself is taken out.
    let coast_land = src.adm0.intersection(&sea);
    let band = buffer_km_bevelled(&coast_land, COAST_BAND_KM)
        .intersection(&sea)
        .difference(&src.adm0);
    let geometry = finish(&band)?;
    let mut properties = Map::new();
    properties.insert("name".into(), json!("Syrian coastal band"));
    properties.insert("width_km".into(), json!(COAST_BAND_KM));
    properties.insert("source".into(), json!(SOURCE));
    properties.insert("license".into(), json!(crate::governorates::LICENSE));
    properties.insert("attribution".into(), json!(ATTRIBUTION));
    Ok(Band {
        geometry,
        properties,
    })
}

/// Inward simplification (the band only shrinks), rounding and validation.
fn finish(band: &MultiPolygon<f64>) -> Result<MultiPolygon<f64>> {
    let clean = orient(&drop_small(band, MIN_PART_KM2));
    for eps in [SIMPLIFY_M, SIMPLIFY_M / 2.0, SIMPLIFY_M / 4.0, 0.0] {
        let s = if eps > 0.0 {
            simplify_inward(&clean, eps)
        } else {
            clean.clone()
        };
        let s = orient(&drop_small(&round6(&s), MIN_PART_KM2));
        if s.is_valid() && !s.0.is_empty() {
            return Ok(s);
        }
    }
    bail!("{ID}: no valid geometry after simplification and rounding")
}

/// The figures geodata/README.md quotes.
pub fn print_report(band: &Band, bytes: usize) {
    use geo::CoordsIter;
    println!(
        "\ncoastal band: {} parts, {} positions, {:.1} km², {bytes} bytes",
        band.geometry.0.len(),
        band.geometry.coords_count(),
        crate::geom::area_km2(&band.geometry)
    );
}
