//! Zone metadata (`/zones`) and the zones as GeoJSON (`/collections/zones/items`).
//!
//! Every body here is prepared once per data version by [`ZoneResources::new`]
//! and served with an `ETag`; handlers only look it up.

use std::collections::BTreeMap;

use axum::{
    extract::{Path, State, rejection::PathRejection},
    http::{HeaderMap, Uri},
    response::Response,
};
use geo::{CoordsIter, MultiPolygon, Polygon};
use jiff::civil::Date;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::{
    extract::{Headers, Query, RawTarget},
    map::MapPages,
    problem::{ApiError, Problem},
    resource::{Resource, short_hash},
    state::AppState,
};
use crate::{
    query::{ZoneIndex, ZoneSet},
    zone::Zone,
};

/// Media type of GeoJSON (RFC 7946).
pub const GEO_JSON: &str = "application/geo+json";
/// Media type of plain JSON.
pub const JSON: &str = "application/json";

/// A link to a related resource.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Link {
    /// The target URL.
    #[schema(example = "/collections/zones/items/idlib")]
    pub href: String,
    /// The relation.
    #[schema(example = "alternate")]
    pub rel: &'static str,
    /// The target's media type.
    #[serde(rename = "type")]
    #[schema(example = "application/geo+json")]
    pub media_type: &'static str,
    /// A label for the link.
    pub title: String,
}

/// Everything known of a zone except its outline.
///
/// Besides the members listed, the data may carry further properties (Arabic
/// names, governorates, validity dates, figures); they are passed through.
#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneProperties {
    /// The memorandum's number for the zone, 1–4.
    #[schema(example = 1)]
    pub number: u8,
    /// English name.
    #[schema(example = "Idlib")]
    pub name: String,
    /// Provinces the memorandum names for the zone.
    #[schema(example = json!(["Idlib", "Latakia", "Hama", "Aleppo"]))]
    pub provinces: Vec<String>,
    /// What the zone covered.
    pub description: String,
    /// The guarantor states.
    #[schema(example = json!(["Russia", "Iran", "Turkey"]))]
    pub guarantors: Vec<String>,
    /// Date the memorandum was signed (Astana).
    #[schema(value_type = String, format = Date, example = "2017-05-04")]
    pub signed: jiff::civil::Date,
    /// Date the zone came into force.
    #[schema(value_type = String, format = Date, example = "2017-05-06")]
    pub in_force: jiff::civil::Date,
    /// The first day the outline holds.
    #[schema(value_type = String, format = Date, example = "2017-05-06")]
    pub valid_from: jiff::civil::Date,
    /// The last day the outline holds (inclusive); `null` while the zone continues.
    #[schema(value_type = Option<String>, format = Date, example = "2018-04-14")]
    pub valid_until: Option<jiff::civil::Date>,
    /// Where the zone and its outline come from.
    pub source: String,
    /// Further properties from the data, passed through.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: Map<String, Value>,
    /// Geodesic area on the WGS 84 ellipsoid, km² (computed).
    #[schema(example = 9012.3)]
    pub area_km2: f64,
    /// Bounding box `[min_lon, min_lat, max_lon, max_lat]` (computed).
    #[schema(example = json!([35.9, 35.3, 37.2, 36.3]))]
    pub bbox: [f64; 4],
    /// A point inside the zone, `[lon, lat]`, for labels and markers (computed).
    #[schema(example = json!([36.6, 35.8]))]
    pub representative_point: [f64; 2],
}

/// A zone's metadata, without geometry.
#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneMetadata {
    /// The zone's id.
    #[schema(example = "idlib")]
    pub id: String,
    /// Its properties.
    #[serde(flatten)]
    pub properties: ZoneProperties,
    /// `self` and the zone's GeoJSON (`alternate`).
    pub links: Vec<Link>,
}

/// The metadata of all zones (or of those in force on the date asked for).
#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneList {
    /// The zones, in the memorandum's order.
    pub zones: Vec<ZoneMetadata>,
    /// `self` and the zones as GeoJSON (`alternate`).
    pub links: Vec<Link>,
    /// Which data answered.
    pub data: DataVersion,
}

/// The version of the zone data.
#[derive(Debug, Serialize, ToSchema)]
pub struct DataVersion {
    /// A short hash identifying the data answering: the zones and the
    /// governorates (as in `/healthz`).
    #[schema(example = "81c889c43d5e6381")]
    pub version: String,
    /// The period the outlines describe (the zones' `extent`), e.g. `2017`.
    #[schema(example = "2017")]
    pub extent: Option<String>,
    /// The date asked for with `at`; `null` when every zone is listed.
    #[schema(value_type = Option<String>, format = Date, example = "2017-09-01")]
    pub at: Option<Date>,
}

/// A zone as a GeoJSON Feature (RFC 7946).
#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneFeature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    #[schema(example = "Feature")]
    pub kind: &'static str,
    /// The zone's id.
    #[schema(example = "idlib")]
    pub id: String,
    /// The outline: a GeoJSON Polygon or MultiPolygon, lon/lat WGS 84.
    #[schema(value_type = Object)]
    pub geometry: geojson::Geometry,
    /// The feature's bounding box.
    pub bbox: [f64; 4],
    /// The zone's metadata.
    pub properties: ZoneProperties,
    /// `self`, the metadata (`describedby`) and the collection.
    pub links: Vec<Link>,
}

/// The zones as a GeoJSON FeatureCollection.
#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    #[schema(example = "FeatureCollection")]
    pub kind: &'static str,
    /// The zones.
    pub features: Vec<ZoneFeature>,
    /// The bounding box of all zones.
    pub bbox: [f64; 4],
    /// How many zones there are.
    #[serde(rename = "numberReturned")]
    pub number_returned: usize,
    /// `self` and the metadata (`alternate`).
    pub links: Vec<Link>,
}

/// The prepared zone bodies of one data version.
#[derive(Debug)]
pub struct ZoneResources {
    list: Resource,
    metadata: BTreeMap<String, Resource>,
    collection: Resource,
    map_pages: MapPages,
    version: String,
    extent: Option<String>,
}

impl ZoneResources {
    /// Prepares every zone body; `base` prefixes every link (empty: root-relative links).
    #[must_use]
    pub fn new(index: &ZoneIndex, base: &str) -> Self {
        let zones = index.zones();
        let features: Vec<ZoneFeature> = zones
            .iter()
            .map(|z| {
                feature(
                    z,
                    &Links {
                        base,
                        id: z.id().as_str(),
                    },
                )
            })
            .collect();
        let collection = Resource::json(
            &ZoneCollection {
                kind: "FeatureCollection",
                bbox: crate::geodata::extent(zones).unwrap_or_default(),
                number_returned: features.len(),
                features,
                links: vec![
                    link(
                        base,
                        "/collections/zones/items",
                        "self",
                        GEO_JSON,
                        "The zones as GeoJSON",
                    ),
                    link(base, "/zones", "alternate", JSON, "The zones' metadata"),
                ],
            },
            GEO_JSON,
        );
        // Answers depend on the governorates and the coastal band too: a
        // version names all three, and not the address they are served at.
        // In P-code order, as served: the order of a file does not matter.
        let mut governorates: Vec<_> = index.governorates().iter().collect();
        governorates.sort_by(|a, b| a.pcode.cmp(&b.pcode));
        // The zones without their links, which carry the base URL: the same
        // data served at another address or behind a proxy is the same version.
        let mut hashed = Vec::new();
        for zone in zones {
            let mut feature = zone_feature(zone, "");
            feature.links.clear();
            hashed.extend_from_slice(&serde_json::to_vec(&feature).unwrap_or_default());
        }
        for governorate in governorates {
            let feature = super::governorates::feature(governorate, "");
            hashed.extend_from_slice(&serde_json::to_vec(&feature).unwrap_or_default());
        }
        for c in index.coast().into_iter().flat_map(CoordsIter::coords_iter) {
            hashed.extend_from_slice(&c.x.to_le_bytes());
            hashed.extend_from_slice(&c.y.to_le_bytes());
        }
        let version = short_hash(&hashed);
        let extent = common_extent(zones);
        let list = Resource::json(
            &zone_list(zones, index.all(), base, &version, extent.as_ref(), None),
            JSON,
        );
        let metadata = zones
            .iter()
            .map(|z| (z.id().to_string(), Resource::json(&metadata(z, base), JSON)))
            .collect();
        Self {
            list,
            metadata,
            collection,
            map_pages: MapPages::new(index),
            version,
            extent,
        }
    }

    /// The prepared FeatureCollection of all zones.
    #[must_use]
    pub fn collection(&self) -> &Resource {
        &self.collection
    }

    /// The map page (`/map`) as most requests ask for it.
    #[must_use]
    pub fn map_pages(&self) -> &MapPages {
        &self.map_pages
    }

    /// A short hash of the zone data: the zones and the governorates.
    #[must_use]
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The period every zone's outline describes, if they agree.
    #[must_use]
    pub fn extent(&self) -> Option<&str> {
        self.extent.as_deref()
    }

    fn unknown(&self, id: &str) -> ApiError {
        let shown: String = id.chars().take(64).collect();
        let known: Vec<&str> = self.metadata.keys().map(String::as_str).collect();
        ApiError::not_found(format!(
            "there is no zone {shown:?}; the zones are {} (GET /zones lists them)",
            known.join(", ")
        ))
    }
}

/// The `extent` property shared by every zone, if they agree.
fn common_extent(zones: &[Zone]) -> Option<String> {
    let mut extents = zones
        .iter()
        .map(|z| z.meta.extra.get("extent").and_then(Value::as_str));
    let first = extents.next().flatten()?;
    extents.all(|e| e == Some(first)).then(|| first.to_owned())
}

struct Links<'a> {
    base: &'a str,
    id: &'a str,
}

pub(super) fn link(
    base: &str,
    path: &str,
    rel: &'static str,
    media_type: &'static str,
    title: &str,
) -> Link {
    Link {
        href: format!("{base}{path}"),
        rel,
        media_type,
        title: title.to_owned(),
    }
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

fn properties(zone: &Zone) -> ZoneProperties {
    let meta = &zone.meta;
    ZoneProperties {
        number: meta.number,
        name: meta.name.clone(),
        provinces: meta.provinces.clone(),
        description: meta.description.clone(),
        guarantors: meta.guarantors.clone(),
        signed: meta.signed,
        in_force: meta.in_force,
        valid_from: meta.valid_from,
        valid_until: meta.valid_until,
        source: meta.source.clone(),
        extra: meta.extra.clone(),
        area_km2: round(zone.area_km2, 1),
        bbox: bbox(zone),
        representative_point: [
            round(zone.representative_point.x(), 6),
            round(zone.representative_point.y(), 6),
        ],
    }
}

fn bbox(zone: &Zone) -> [f64; 4] {
    let (min, max) = (zone.bbox.min(), zone.bbox.max());
    [min.x, min.y, max.x, max.y]
}

fn metadata(zone: &Zone, base: &str) -> ZoneMetadata {
    let id = zone.id().as_str();
    ZoneMetadata {
        id: id.to_owned(),
        properties: properties(zone),
        links: vec![
            link(base, &format!("/zones/{id}"), "self", JSON, &zone.meta.name),
            link(
                base,
                &format!("/collections/zones/items/{id}"),
                "alternate",
                GEO_JSON,
                &format!("{} as GeoJSON", zone.meta.name),
            ),
        ],
    }
}

/// A zone as the GeoJSON Feature the collections serve.
pub(crate) fn zone_feature(zone: &Zone, base: &str) -> ZoneFeature {
    feature(
        zone,
        &Links {
            base,
            id: zone.id().as_str(),
        },
    )
}

fn feature(zone: &Zone, links: &Links<'_>) -> ZoneFeature {
    let Links { base, id } = *links;
    ZoneFeature {
        kind: "Feature",
        id: id.to_owned(),
        geometry: geometry(&zone.geometry),
        bbox: bbox(zone),
        properties: properties(zone),
        links: vec![
            link(
                base,
                &format!("/collections/zones/items/{id}"),
                "self",
                GEO_JSON,
                &zone.meta.name,
            ),
            link(
                base,
                &format!("/zones/{id}"),
                "describedby",
                JSON,
                &format!("{} metadata", zone.meta.name),
            ),
            link(
                base,
                "/collections/zones/items",
                "collection",
                GEO_JSON,
                "All zones",
            ),
        ],
    }
}

/// A single-part outline is written as a Polygon, others as a MultiPolygon.
pub(super) fn geometry(outline: &MultiPolygon<f64>) -> geojson::Geometry {
    match outline.0.as_slice() {
        [one] => geojson::Geometry::from(&Polygon::clone(one)),
        _ => geojson::Geometry::from(outline),
    }
}

fn zone_id(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(id)| id)
        .map_err(|e| ApiError::not_found(format!("the zone id in the path cannot be read: {e}")))
}

/// Metadata of all zones, without geometry.
#[utoipa::path(
    get,
    path = "/zones",
    tag = "zones",
    params(AtParams),
    responses(
        (status = 200, description = "The zones' metadata, with links to their GeoJSON", body = ZoneList,
         headers(("ETag" = String, description = "Version of the body"))),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = "`at` is not a date, or an unknown parameter was given", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_zones(
    State(state): State<AppState>,
    RawTarget(raw): RawTarget,
    Headers(headers): Headers,
) -> Result<Response, ApiError> {
    list_answer(&state, &raw, &headers)
}

/// The answer of [`list_zones`] to `target` and `headers`, made at once: the
/// [`front`](super::front) calls it without the router.
pub fn list_answer(
    state: &AppState,
    target: &Uri,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let query = Query::parse(target.query(), &["at"])?;
    let data = state.data();
    let Some(at) = query.date("at")? else {
        return Ok(data.zones.list.respond(headers));
    };
    // A date's list is made for its answer: its links and `data` name the date.
    let zones = data.index.zones();
    let list = zone_list(
        zones,
        data.zones_on(Some(at)),
        state.base_url(),
        &data.version,
        data.zones.extent.as_ref(),
        Some(at),
    );
    Ok(Resource::json(&list, JSON).transient().respond(headers))
}

/// The metadata of the zones of `set`, with links to themselves and to the
/// zones as GeoJSON, both for `at` when a date was asked for.
fn zone_list(
    zones: &[Zone],
    set: ZoneSet,
    base: &str,
    version: &str,
    extent: Option<&String>,
    at: Option<Date>,
) -> ZoneList {
    let (list, items) = at.map_or_else(
        || ("/zones".to_owned(), "/collections/zones/items".to_owned()),
        |at| {
            (
                format!("/zones?at={at}"),
                format!("/collections/zones/items?datetime={at}"),
            )
        },
    );
    ZoneList {
        zones: zones
            .iter()
            .enumerate()
            .filter(|(i, _)| set.contains(*i))
            .map(|(_, z)| metadata(z, base))
            .collect(),
        links: vec![
            link(base, &list, "self", JSON, "The zones' metadata"),
            link(base, &items, "alternate", GEO_JSON, "The zones as GeoJSON"),
        ],
        data: DataVersion {
            version: version.to_owned(),
            extent: extent.cloned(),
            at,
        },
    }
}

/// The `at` parameter of the zone metadata routes.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AtParams {
    /// Only zones in force on this date (`YYYY-MM-DD`, `valid_from <= at <= valid_until`).
    #[param(value_type = Option<String>, format = Date, example = "2017-09-01")]
    pub at: Option<String>,
}

/// One zone's metadata, without geometry.
#[utoipa::path(
    get,
    path = "/zones/{id}",
    tag = "zones",
    params(("id" = String, Path, description = "The zone's id", example = "eastern-ghouta"), AtParams),
    responses(
        (status = 200, description = "The zone's metadata", body = ZoneMetadata,
         headers(("ETag" = String, description = "Version of the body"))),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = "`at` is not a date, or an unknown parameter was given", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No zone has this id, or it was not in force on the date asked for", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_zone(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawTarget(raw): RawTarget,
    Headers(headers): Headers,
) -> Result<Response, ApiError> {
    zone_answer(&state, &zone_id(path)?, &raw, &headers)
}

/// The answer of [`get_zone`] for zone `id`, made at once: the [`front`](super::front) calls it
/// without the router.
pub fn zone_answer(
    state: &AppState,
    id: &str,
    target: &Uri,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let query = Query::parse(target.query(), &["at"])?;
    let at = query.date("at")?;
    let data = state.data();
    let resource = data
        .zones
        .metadata
        .get(id)
        .ok_or_else(|| data.zones.unknown(id))?;
    if let Some(date) = at {
        let zone = data.index.zones().iter().find(|z| z.id().as_str() == id);
        if let Some(zone) = zone.filter(|z| !z.meta.in_force_on(date)) {
            let from = zone.meta.valid_from;
            let valid = zone.meta.valid_until.map_or_else(
                || format!("valid from {from}, with no end"),
                |until| format!("valid {from} to {until}"),
            );
            return Err(ApiError::not_found(format!(
                "zone {id} was not in force on {date} ({valid})"
            )));
        }
    }
    Ok(resource.respond(headers))
}
