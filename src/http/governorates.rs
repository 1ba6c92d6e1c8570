//! Syria's governorates as GeoJSON Features, for the `governorates` collection
//! (served by the `ogc` module at `/collections/governorates/items`).

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::zones::{GEO_JSON, Link, geometry, link};
use crate::zone::Governorate;

/// A governorate's properties.
#[derive(Debug, Serialize, ToSchema)]
pub struct GovernorateProperties {
    /// OCHA P-code.
    #[schema(example = "SY07")]
    pub pcode: String,
    /// English name (OCHA spelling).
    #[schema(example = "Idleb")]
    pub name_en: String,
    /// Arabic name.
    #[schema(example = "إدلب")]
    pub name_ar: String,
    /// Further properties from the data (source, licence, attribution), passed through.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: Map<String, Value>,
    /// Geodesic area of the (simplified) outline, km² (computed).
    #[schema(example = 5416.3)]
    pub area_km2: f64,
}

/// A governorate as a GeoJSON Feature.
#[derive(Debug, Serialize, ToSchema)]
pub struct GovernorateFeature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    #[schema(example = "Feature")]
    pub kind: &'static str,
    /// The P-code.
    #[schema(example = "SY07")]
    pub id: String,
    /// The outline: a GeoJSON Polygon or MultiPolygon, lon/lat WGS 84.
    #[schema(value_type = Object)]
    pub geometry: geojson::Geometry,
    /// The feature's bounding box.
    pub bbox: [f64; 4],
    /// Its properties.
    pub properties: GovernorateProperties,
    /// `self` and the collection.
    pub links: Vec<Link>,
}

/// The governorates as a GeoJSON FeatureCollection.
#[derive(Debug, Serialize, ToSchema)]
pub struct GovernorateCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    #[schema(example = "FeatureCollection")]
    pub kind: &'static str,
    /// The governorates, by P-code.
    pub features: Vec<GovernorateFeature>,
    /// How many there are.
    #[serde(rename = "numberReturned")]
    pub number_returned: usize,
    /// `self`.
    pub links: Vec<Link>,
}

/// A governorate as the GeoJSON Feature the collections serve.
pub(crate) fn feature(g: &Governorate, base: &str) -> GovernorateFeature {
    let (min, max) = (g.bbox.min(), g.bbox.max());
    GovernorateFeature {
        kind: "Feature",
        id: g.pcode.clone(),
        geometry: geometry(&g.geometry),
        bbox: [min.x, min.y, max.x, max.y],
        properties: GovernorateProperties {
            pcode: g.pcode.clone(),
            name_en: g.name_en.clone(),
            name_ar: g.name_ar.clone(),
            extra: g.extra.clone(),
            area_km2: (g.area_km2 * 10.0).round() / 10.0,
        },
        links: vec![
            link(
                base,
                &format!("/collections/governorates/items/{}", g.pcode),
                "self",
                GEO_JSON,
                &g.name_en,
            ),
            link(
                base,
                "/collections/governorates/items",
                "collection",
                GEO_JSON,
                "All governorates",
            ),
        ],
    }
}
