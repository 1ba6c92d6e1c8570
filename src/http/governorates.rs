//! Syria's governorates as a second collection (`/collections/governorates/items`).

use std::collections::BTreeMap;

use axum::{
    extract::{Path, RawQuery, State, rejection::PathRejection},
    http::HeaderMap,
    response::Response,
};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::{
    extract::Query,
    problem::{ApiError, Problem},
    resource::Resource,
    state::AppState,
    zones::{GEO_JSON, Link, geometry, link},
};
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

/// The prepared governorate bodies of one data version.
#[derive(Debug)]
pub struct GovernorateResources {
    collection: Resource,
    features: BTreeMap<String, Resource>,
}

impl GovernorateResources {
    /// Prepares the bodies; `base` prefixes every link.
    #[must_use]
    pub fn new(governorates: &[Governorate], base: &str) -> Self {
        let features: Vec<GovernorateFeature> =
            governorates.iter().map(|g| feature(g, base)).collect();
        let by_pcode = features
            .iter()
            .map(|f| (f.id.clone(), Resource::json(f, GEO_JSON)))
            .collect();
        let collection = GovernorateCollection {
            kind: "FeatureCollection",
            number_returned: features.len(),
            features,
            links: vec![link(
                base,
                "/collections/governorates/items",
                "self",
                GEO_JSON,
                "Syria's governorates as GeoJSON",
            )],
        };
        Self {
            collection: Resource::json(&collection, GEO_JSON),
            features: by_pcode,
        }
    }
}

fn feature(g: &Governorate, base: &str) -> GovernorateFeature {
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

/// Syria's 14 governorates as a GeoJSON FeatureCollection (OCHA COD-AB, simplified).
#[utoipa::path(
    get,
    path = "/collections/governorates/items",
    tag = "governorates",
    responses(
        (status = 200, description = "The governorates as GeoJSON (RFC 7946)", body = GovernorateCollection, content_type = "application/geo+json",
         headers(("ETag" = String, description = "Version of the body"))),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = "A query parameter was given (none is taken)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_governorate_items(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), &[])?;
    Ok(state.data().governorates.collection.respond(&headers))
}

/// One governorate as a GeoJSON Feature.
#[utoipa::path(
    get,
    path = "/collections/governorates/items/{pcode}",
    tag = "governorates",
    params(("pcode" = String, Path, description = "The governorate's OCHA P-code", example = "SY07")),
    responses(
        (status = 200, description = "The governorate as a GeoJSON Feature", body = GovernorateFeature, content_type = "application/geo+json",
         headers(("ETag" = String, description = "Version of the body"))),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = "A query parameter was given (none is taken)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No governorate has this P-code", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_governorate_item(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let pcode = path
        .map(|Path(p)| p)
        .map_err(|e| ApiError::not_found(format!("the P-code in the path cannot be read: {e}")))?;
    Query::parse(raw.as_deref(), &[])?;
    let resources = &state.data().governorates;
    let resource = resources.features.get(&pcode).ok_or_else(|| {
        let shown: String = pcode.chars().take(64).collect();
        let known: Vec<&str> = resources.features.keys().map(String::as_str).collect();
        ApiError::not_found(format!(
            "there is no governorate {shown:?}; the P-codes are {}",
            if known.is_empty() {
                "none (no governorates layer is loaded)".to_owned()
            } else {
                known.join(", ")
            }
        ))
    })?;
    Ok(resource.respond(&headers))
}
