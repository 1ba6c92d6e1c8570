//! Reading the boundary files in `geodata/sources/` (GeoJSON, RFC 7946).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::Value;

/// One feature of a polygon file: its properties and its area geometry.
pub struct AreaFeature {
    pub properties: serde_json::Map<String, Value>,
    pub geometry: MultiPolygon<f64>,
}

impl AreaFeature {
    /// A string property, or "" when absent.
    pub fn prop(&self, key: &str) -> &str {
        self.properties
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// The source boundaries the recipe needs.
pub struct Sources {
    /// OCHA governorates keyed by P-code (`SY01`..`SY14`).
    pub adm1: BTreeMap<String, AreaFeature>,
    /// OCHA Syria outline.
    pub adm0: MultiPolygon<f64>,
    /// Who's On First districts, keyed by WOF name.
    pub adm2: BTreeMap<String, AreaFeature>,
    /// Israeli-occupied Golan (approximate, west of the 1974 Alpha line).
    pub golan: MultiPolygon<f64>,
}

pub const ADM1_FILE: &str = "syr_adm1_ocha.geojson";
pub const ADM0_FILE: &str = "syr_adm0_ocha.geojson";
pub const ADM2_FILE: &str = "syr_adm2_wof.geojson";
pub const GOLAN_FILE: &str = "golan_israeli_occupied_approx.geojson";

impl Sources {
    pub fn load(dir: &Path) -> Result<Self> {
        let adm1 = read_features(&dir.join(ADM1_FILE))?
            .into_iter()
            .map(|f| (f.prop("adm1_pcode").to_owned(), f))
            .collect::<BTreeMap<_, _>>();
        if adm1.len() != 14 {
            bail!(
                "{ADM1_FILE}: expected 14 governorates, found {}",
                adm1.len()
            );
        }
        let adm0 = union_all(read_features(&dir.join(ADM0_FILE))?);
        let adm2 = read_features(&dir.join(ADM2_FILE))?
            .into_iter()
            .map(|f| (f.prop("name").to_owned(), f))
            .collect::<BTreeMap<_, _>>();
        let golan = union_all(read_features(&dir.join(GOLAN_FILE))?);
        Ok(Self {
            adm1,
            adm0,
            adm2,
            golan,
        })
    }

    /// The geometry of one governorate.
    pub fn gov(&self, pcode: &str) -> Result<&MultiPolygon<f64>> {
        self.adm1
            .get(pcode)
            .map(|f| &f.geometry)
            .ok_or_else(|| anyhow!("{ADM1_FILE}: no governorate {pcode}"))
    }

    /// The geometry of one WOF district.
    pub fn district(&self, name: &str) -> Result<&MultiPolygon<f64>> {
        self.adm2
            .get(name)
            .map(|f| &f.geometry)
            .ok_or_else(|| anyhow!("{ADM2_FILE}: no district {name}"))
    }
}

fn union_all(features: Vec<AreaFeature>) -> MultiPolygon<f64> {
    MultiPolygon(
        features
            .into_iter()
            .flat_map(|f| f.geometry.0)
            .collect::<Vec<_>>(),
    )
}

/// Read every Polygon/MultiPolygon feature of a GeoJSON FeatureCollection.
pub fn read_features(path: &Path) -> Result<Vec<AreaFeature>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let json: Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let features = json
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("{}: not a FeatureCollection", path.display()))?;
    features
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let properties = f
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let geometry = f
                .get("geometry")
                .ok_or_else(|| anyhow!("feature {i} has no geometry"))
                .and_then(area_geometry)
                .with_context(|| format!("{}: feature {i}", path.display()))?;
            Ok(AreaFeature {
                properties,
                geometry,
            })
        })
        .collect()
}

/// Convert a GeoJSON Polygon or MultiPolygon geometry object.
pub fn area_geometry(geometry: &Value) -> Result<MultiPolygon<f64>> {
    let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("");
    let coords = geometry
        .get("coordinates")
        .ok_or_else(|| anyhow!("geometry has no coordinates"))?;
    match kind {
        "Polygon" => Ok(MultiPolygon(vec![polygon(coords)?])),
        "MultiPolygon" => Ok(MultiPolygon(
            coords
                .as_array()
                .ok_or_else(|| anyhow!("bad MultiPolygon"))?
                .iter()
                .map(polygon)
                .collect::<Result<_>>()?,
        )),
        other => bail!("unsupported geometry type `{other}`"),
    }
}

fn polygon(rings: &Value) -> Result<Polygon<f64>> {
    let mut rings = rings
        .as_array()
        .ok_or_else(|| anyhow!("bad Polygon"))?
        .iter()
        .map(ring);
    let exterior = rings
        .next()
        .ok_or_else(|| anyhow!("Polygon without rings"))??;
    let interiors = rings.collect::<Result<Vec<_>>>()?;
    Ok(Polygon::new(exterior, interiors))
}

fn ring(positions: &Value) -> Result<LineString<f64>> {
    positions
        .as_array()
        .ok_or_else(|| anyhow!("bad ring"))?
        .iter()
        .map(|p| {
            let x = p.get(0).and_then(Value::as_f64);
            let y = p.get(1).and_then(Value::as_f64);
            match (x, y) {
                (Some(x), Some(y)) => Ok(Coord { x, y }),
                _ => bail!("bad position {p}"),
            }
        })
        .collect::<Result<Vec<_>>>()
        .map(LineString::new)
}
