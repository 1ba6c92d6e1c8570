//! OGC API – Features (Part 1 core, GeoJSON, HTML, OpenAPI 3.0; Part 3 filtering
//! with CQL2): the landing page, conformance, the `zones` and `governorates`
//! collections, their items and queryables.
//!
//! Every resource is prepared once per data version, as JSON and as HTML
//! ([`html`]); a request picks one by `f` or `Accept` ([`negotiate()`]). Item
//! queries with `bbox`, `datetime`, `filter` or paging are evaluated per request
//! over the prepared features ([`items`]). Imports `query`, `zone` and the
//! sibling HTTP modules; nothing imports it but the router.

pub mod html;
pub mod items;
pub mod negotiate;

use axum::{
    extract::{Path, State, rejection::PathRejection},
    http::{HeaderMap, HeaderValue, Uri, header},
    response::{IntoResponse, Response},
};
use geo::{MultiPolygon, Rect};
use serde_json::{Value, json};

use self::{
    html::Page,
    items::{CRS84, Days, ItemsQuery, PARAMETERS},
    negotiate::{Format, negotiate},
};
use super::{
    extract::{Headers, Query, RawTarget},
    problem::{ApiError, Problem},
    resource::Resource,
    state::AppState,
    zones::{GEO_JSON, JSON},
};
use crate::query::ZoneIndex;

/// The conformance classes the service implements.
pub const CONFORMANCE: [&str; 11] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
];

const HTML: &str = "text/html";
const SCHEMA_JSON: &str = "application/schema+json";
const OPENAPI_30: &str = "application/vnd.oai.openapi+json;version=3.0";
const QUERYABLES_REL: &str = "http://www.opengis.net/def/rel/ogc/1.0/queryables";
const ATTRIBUTION: &str = "Administrative boundaries: OCHA / UN Cartographic Section (COD-AB Syria, CC BY-IGO 3.0). Data from Who's On First (whosonfirst.org), including GeoNames (CC BY 4.0) and Quattroshapes (CC BY 2.0) material.";
const LICENSE_URL: &str = "https://creativecommons.org/licenses/by/3.0/igo/";

/// A resource prepared as JSON and as HTML.
#[derive(Debug)]
pub struct Negotiated {
    json: Resource,
    html: Resource,
}

impl Negotiated {
    fn new(value: &Value, page: Page, json_type: &'static str, base: &str) -> Self {
        Self {
            json: Resource::json(value, json_type),
            html: Resource::new(
                html::render_under(page, value, base),
                "text/html; charset=utf-8",
            ),
        }
    }

    /// Answers in `format`, with `Vary: Accept, Accept-Encoding`.
    #[must_use]
    pub fn respond(&self, format: Format, headers: &HeaderMap) -> Response {
        let resource = match format {
            Format::Json => &self.json,
            Format::Html => &self.html,
        };
        vary(resource.respond(headers))
    }
}

/// `response`, saying that it depends on `Accept` and `Accept-Encoding`.
pub(crate) fn vary(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("accept, accept-encoding"),
    );
    response
}

/// One feature of a collection, prepared.
#[derive(Debug)]
struct Item {
    id: String,
    value: Value,
    page: Negotiated,
    geometry: MultiPolygon<f64>,
    valid: Option<Days>,
}

/// A collection of features, prepared.
#[derive(Debug)]
struct Collection {
    id: &'static str,
    resource: Negotiated,
    queryables: Negotiated,
    queryable_names: Vec<String>,
    first_page: Negotiated,
    items: Vec<Item>,
}

/// Every OGC API resource of one data version.
#[derive(Debug)]
pub struct OgcResources {
    landing: Negotiated,
    conformance: Negotiated,
    collections: Negotiated,
    sets: Vec<Collection>,
    time_stamp: String,
    base: String,
}

fn link(base: &str, path: &str, rel: &str, media_type: &str, title: &str) -> Value {
    json!({"href": format!("{base}{path}"), "rel": rel, "type": media_type, "title": title})
}

/// `path` with `f=html` added to its query.
fn html_path(path: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}f=html")
}

/// `path` with `f=json` added to its query.
fn json_path(path: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}f=json")
}

fn bbox_of(rect: &Rect<f64>) -> [f64; 4] {
    [rect.min().x, rect.min().y, rect.max().x, rect.max().y]
}

struct Source {
    id: &'static str,
    title: String,
    description: String,
    queryables: Value,
    queryable_names: Vec<String>,
    items: Vec<Item>,
    bbox: Option<[f64; 4]>,
    interval: Option<Days>,
}

impl OgcResources {
    /// Prepares every resource for the index's zones and governorates; `base`
    /// prefixes every link.
    #[must_use]
    pub fn new(index: &ZoneIndex, base: &str) -> Self {
        let time_stamp = jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_string();
        let mut sources = vec![zone_source(index, base)];
        if !index.governorates().is_empty() {
            sources.push(governorate_source(index, base));
        }
        let sets: Vec<Collection> = sources
            .into_iter()
            .map(|s| prepare_collection(s, base, &time_stamp))
            .collect();
        let collection_values: Vec<Value> = sets
            .iter()
            .map(|c| serde_json::from_slice(c.resource.json.body()).unwrap_or(Value::Null))
            .collect();
        let landing = json!({
            "title": "dezone",
            "description": "The four Syrian de-escalation zones of the Astana memorandum (signed 4 May 2017 by Russia, Iran and Turkey) and Syria's governorates, as OGC API – Features collections, with point-in-zone answers at /locate. The zone outlines are approximate, drawn from public sources.",
            "attribution": ATTRIBUTION,
            "links": [
                link(base, "/?f=json", "self", JSON, "This document"),
                link(base, "/?f=html", "alternate", HTML, "This document as HTML"),
                link(base, "/api", "service-desc", OPENAPI_30, "The API definition (OpenAPI 3.0)"),
                link(base, "/api/openapi-3.1.json", "service-desc", "application/vnd.oai.openapi+json;version=3.1", "The API definition (OpenAPI 3.1)"),
                link(base, "/docs/", "service-doc", HTML, "The API documentation (Swagger UI)"),
                link(base, "/conformance", "conformance", JSON, "Conformance classes"),
                link(base, "/conformance?f=html", "conformance", HTML, "Conformance classes as HTML"),
                link(base, "/collections", "data", JSON, "The collections"),
                link(base, "/collections?f=html", "data", HTML, "The collections as HTML"),
                link(base, "/zones", "related", JSON, "Zone metadata"),
                link(base, "/map", "related", HTML, "Interactive map of the zones"),
            ],
        });
        let conformance = json!({
            "conformsTo": CONFORMANCE,
            "links": [
                link(base, "/conformance?f=json", "self", JSON, "This document"),
                link(base, "/conformance?f=html", "alternate", HTML, "This document as HTML"),
            ],
        });
        let collections = json!({
            "links": [
                link(base, "/collections?f=json", "self", JSON, "The collections"),
                link(base, "/collections?f=html", "alternate", HTML, "The collections as HTML"),
            ],
            "collections": collection_values,
        });
        Self {
            landing: Negotiated::new(&landing, Page::Landing, JSON, base),
            conformance: Negotiated::new(&conformance, Page::Conformance, JSON, base),
            collections: Negotiated::new(&collections, Page::Collections, JSON, base),
            sets,
            time_stamp,
            base: base.to_owned(),
        }
    }

    fn collection(&self, id: &str) -> Result<&Collection, ApiError> {
        self.sets.iter().find(|c| c.id == id).ok_or_else(|| {
            let shown: String = id.chars().take(64).collect();
            let known: Vec<&str> = self.sets.iter().map(|c| c.id).collect();
            ApiError::not_found(format!(
                "there is no collection {shown:?}; the collections are {} (GET /collections lists them)",
                known.join(", ")
            ))
        })
    }
}

fn zone_source(index: &ZoneIndex, base: &str) -> Source {
    let zones = index.zones();
    let items = zones
        .iter()
        .map(|z| {
            let feature = super::zones::zone_feature(z, base);
            let id = z.id().to_string();
            let mut value = serde_json::to_value(&feature).unwrap_or(Value::Null);
            value["links"] = json!([
                link(
                    base,
                    &format!("/collections/zones/items/{id}"),
                    "self",
                    GEO_JSON,
                    &z.meta.name
                ),
                link(
                    base,
                    &format!("/collections/zones/items/{id}?f=html"),
                    "alternate",
                    HTML,
                    &format!("{} as HTML", z.meta.name)
                ),
                link(
                    base,
                    "/collections/zones",
                    "collection",
                    JSON,
                    "The zones collection"
                ),
                link(
                    base,
                    &format!("/zones/{id}"),
                    "describedby",
                    JSON,
                    &format!("{} metadata", z.meta.name)
                ),
            ]);
            Item {
                id,
                page: Negotiated::new(&value, Page::Item, GEO_JSON, base),
                value,
                geometry: z.geometry.clone(),
                valid: Some((Some(z.meta.valid_from), z.meta.valid_until)),
            }
        })
        .collect();
    let from = zones.iter().map(|z| z.meta.valid_from).min();
    let until = if zones.iter().any(|z| z.meta.valid_until.is_none()) {
        None
    } else {
        zones.iter().filter_map(|z| z.meta.valid_until).max()
    };
    let queryables = json!({
        "id": {"title": "Zone id", "type": "string", "examples": ["idlib"]},
        "geometry": {"title": "Outline", "format": "geometry-any", "x-ogc-role": "primary-geometry"},
        "number": {"title": "Number in the memorandum", "type": "integer", "minimum": 1, "maximum": 99},
        "name": {"title": "English name", "type": "string"},
        "name_ar": {"title": "Arabic name", "type": "string"},
        "signed": {"title": "Memorandum signed", "type": "string", "format": "date"},
        "in_force": {"title": "In force from", "type": "string", "format": "date"},
        "valid_from": {"title": "Outline valid from", "type": "string", "format": "date"},
        "valid_until": {"title": "Outline valid until (inclusive)", "type": ["string", "null"], "format": "date"},
        "extent": {"title": "Period the outline describes", "type": "string"},
        "area_km2": {"title": "Geodesic area, km²", "type": "number"},
        "population": {"title": "Population (sourced estimate)", "type": "integer"},
        "fighters": {"title": "Fighters (sourced estimate)", "type": "integer"},
        "approximate": {"title": "Whether the outline is approximate", "type": "boolean"},
    });
    Source {
        id: "zones",
        title: "De-escalation zones (2017)".to_owned(),
        description: "The four de-escalation zones of the Astana memorandum of 4 May 2017 (Idlib, northern Homs, Eastern Ghouta, the south) in their 2017 extent, with the dates each was in force. Approximate outlines drawn from public sources; see each zone's source and caveat.".to_owned(),
        queryable_names: queryable_names(&queryables),
        queryables,
        items,
        bbox: crate::geodata::extent(zones),
        interval: Some((from, until)),
    }
}

fn governorate_source(index: &ZoneIndex, base: &str) -> Source {
    let governorates = index.governorates();
    let items = governorates
        .iter()
        .map(|g| {
            let feature = super::governorates::feature(g, base);
            let id = g.pcode.clone();
            let mut value = serde_json::to_value(&feature).unwrap_or(Value::Null);
            value["links"] = json!([
                link(
                    base,
                    &format!("/collections/governorates/items/{id}"),
                    "self",
                    GEO_JSON,
                    &g.name_en
                ),
                link(
                    base,
                    &format!("/collections/governorates/items/{id}?f=html"),
                    "alternate",
                    HTML,
                    &format!("{} as HTML", g.name_en)
                ),
                link(
                    base,
                    "/collections/governorates",
                    "collection",
                    JSON,
                    "The governorates collection"
                ),
            ]);
            Item {
                id,
                page: Negotiated::new(&value, Page::Item, GEO_JSON, base),
                value,
                geometry: g.geometry.clone(),
                valid: None,
            }
        })
        .collect();
    let bbox = governorates
        .iter()
        .map(|g| bbox_of(&g.bbox))
        .reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        });
    let queryables = json!({
        "id": {"title": "P-code", "type": "string", "examples": ["SY07"]},
        "geometry": {"title": "Outline", "format": "geometry-any", "x-ogc-role": "primary-geometry"},
        "pcode": {"title": "OCHA P-code", "type": "string"},
        "name_en": {"title": "English name (OCHA)", "type": "string"},
        "name_ar": {"title": "Arabic name (OCHA)", "type": "string"},
        "area_km2": {"title": "Geodesic area, km²", "type": "number"},
    });
    Source {
        id: "governorates",
        title: "Governorates of Syria".to_owned(),
        description: "Syria's 14 governorates (first-level administrative divisions) from OCHA's Common Operational Dataset (COD-AB, v02, 2020-12-17), simplified with shared edges kept identical (at most 55 m from the source lines).".to_owned(),
        queryable_names: queryable_names(&queryables),
        queryables,
        items,
        bbox,
        interval: None,
    }
}

fn queryable_names(queryables: &Value) -> Vec<String> {
    queryables
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn prepare_collection(source: Source, base: &str, time_stamp: &str) -> Collection {
    let id = source.id;
    let path = format!("/collections/{id}");
    let mut extent = json!({});
    if let Some(bbox) = source.bbox {
        extent["spatial"] = json!({"bbox": [bbox], "crs": CRS84});
    }
    if let Some((from, until)) = source.interval {
        let at = |d: Option<jiff::civil::Date>| d.map(|d| format!("{d}T00:00:00Z"));
        extent["temporal"] = json!({
            "interval": [[at(from), until.map(|d| format!("{d}T23:59:59Z"))]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        });
    }
    let collection = json!({
        "id": id,
        "title": source.title,
        "description": source.description,
        "attribution": ATTRIBUTION,
        "extent": extent,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "links": [
            link(base, &json_path(&path), "self", JSON, &source.title),
            link(base, &html_path(&path), "alternate", HTML, &format!("{} as HTML", source.title)),
            link(base, &format!("{path}/items"), "items", GEO_JSON, "The items as GeoJSON"),
            link(base, &format!("{path}/items?f=html"), "items", HTML, "The items as HTML"),
            link(base, &format!("{path}/queryables"), QUERYABLES_REL, SCHEMA_JSON, "Queryable properties"),
            link(base, &format!("{path}/queryables"), "describedby", SCHEMA_JSON, "Schema of the queryable properties"),
            json!({
                "href": LICENSE_URL,
                "rel": "license",
                "type": HTML,
                "title": "CC BY-IGO 3.0 (OCHA boundaries); see each item's attribution",
            }),
        ],
    });
    let queryables = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{base}{path}/queryables"),
        "type": "object",
        "title": source.title,
        "properties": source.queryables,
        "additionalProperties": false,
        "links": [
            link(base, &format!("{path}/queryables"), "self", SCHEMA_JSON, "Queryables"),
            link(base, &format!("{path}/queryables?f=html"), "alternate", HTML, "Queryables as HTML"),
            link(base, &path, "collection", JSON, &source.title),
        ],
    });
    let mut set = Collection {
        id,
        resource: Negotiated::new(&collection, Page::Collection, JSON, base),
        queryables: Negotiated::new(&queryables, Page::Queryables, SCHEMA_JSON, base),
        queryable_names: source.queryable_names,
        first_page: Negotiated::new(&Value::Null, Page::Items, GEO_JSON, base),
        items: source.items,
    };
    let all: Vec<&Item> = set.items.iter().collect();
    let first = page_value(&set, base, time_stamp, &all, &default_query(), &[]);
    set.first_page = Negotiated::new(&first, Page::Items, GEO_JSON, base);
    set
}

fn default_query() -> ItemsQuery {
    ItemsQuery {
        limit: items::DEFAULT_LIMIT,
        offset: 0,
        bbox: None,
        datetime: None,
        filter: None,
        selection: Vec::new(),
    }
}

/// The items page for the `matched` items under `query`.
fn page_value(
    set: &Collection,
    base: &str,
    time_stamp: &str,
    matched: &[&Item],
    query: &ItemsQuery,
    selection: &[(String, String)],
) -> Value {
    let start = query.offset.min(matched.len());
    let end = start.saturating_add(query.limit).min(matched.len());
    let page = &matched[start..end];
    let path = format!("/collections/{}/items", set.id);
    let href = |offset: usize, f: &str| {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (name, value) in selection {
            q.append_pair(name, value);
        }
        if offset > 0 {
            q.append_pair("offset", &offset.to_string());
        }
        q.append_pair("f", f);
        format!("{path}?{}", q.finish())
    };
    // `self` names the page asked for, even past the end (an empty page).
    let mut links = vec![
        link(
            base,
            &href(query.offset, "json"),
            "self",
            GEO_JSON,
            "This page",
        ),
        link(
            base,
            &href(query.offset, "html"),
            "alternate",
            HTML,
            "This page as HTML",
        ),
        link(
            base,
            &format!("/collections/{}", set.id),
            "collection",
            JSON,
            "The collection",
        ),
    ];
    if end < matched.len() {
        links.push(link(
            base,
            &href(end, "json"),
            "next",
            GEO_JSON,
            "Next page",
        ));
    }
    if start > 0 {
        links.push(link(
            base,
            &href(start.saturating_sub(query.limit), "json"),
            "prev",
            GEO_JSON,
            "Previous page",
        ));
    }
    json!({
        "type": "FeatureCollection",
        "numberMatched": matched.len(),
        "numberReturned": page.len(),
        "timeStamp": time_stamp,
        "links": links,
        "features": page.iter().map(|i| i.value.clone()).collect::<Vec<_>>(),
    })
}

/// The representations of an OGC resource, for `f`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FormatName {
    /// JSON (GeoJSON for features).
    Json,
    /// An HTML page.
    Html,
}

/// The only CRS accepted, for `bbox-crs` and `filter-crs`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub enum Crs84 {
    /// WGS 84 lon/lat.
    #[serde(rename = "http://www.opengis.net/def/crs/OGC/1.3/CRS84")]
    Crs84,
}

/// The filter languages, for `filter-lang`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FilterLang {
    /// CQL2 text encoding.
    Cql2Text,
    /// CQL2 JSON encoding.
    Cql2Json,
}

/// The `f` parameter, the only one most OGC resources take.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatParams {
    /// The representation: `json` (the default) or `html`; overrides `Accept`.
    #[param(value_type = Option<FormatName>, inline, example = "json")]
    pub f: Option<String>,
}

/// The query of the items resource.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemsParams {
    /// The representation: `json` (GeoJSON, the default) or `html`.
    #[param(value_type = Option<FormatName>, inline, example = "json")]
    pub f: Option<String>,
    /// Items per page, 1..10000 (default 10; larger values are clamped to 10000).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 10000, default = 10, style = Form, explode = false, example = 10)]
    pub limit: Option<u64>,
    /// Matching items to skip (default 0).
    #[param(value_type = Option<u64>, minimum = 0, example = 0)]
    pub offset: Option<u64>,
    /// Only items whose geometry intersects this box: `minlon,minlat,maxlon,maxlat`
    /// (or 6 numbers with heights); `minlon > maxlon` crosses the antimeridian.
    // Declared as OGC API – Features Part 1 declares it: an array of 4 or 6
    // numbers, `style: form`, `explode: false` (comma-separated).
    #[param(value_type = Option<Vec<f64>>, min_items = 4, max_items = 6, style = Form, explode = false, example = json!([36.0, 35.0, 37.0, 36.5]))]
    pub bbox: Option<String>,
    /// The CRS of `bbox`: only CRS84.
    #[param(rename = "bbox-crs", value_type = Option<Crs84>, inline, example = "http://www.opengis.net/def/crs/OGC/1.3/CRS84")]
    pub bbox_crs: Option<String>,
    /// Only items valid at this RFC 3339 instant or during this interval (`start/end`, `..` open).
    #[param(value_type = Option<String>, style = Form, explode = false, example = "2018-01-01T00:00:00Z/..")]
    pub datetime: Option<String>,
    /// A CQL2 filter, e.g. `S_INTERSECTS(geometry,POINT(36.63 35.93))` or `number = 3`.
    #[param(value_type = Option<String>, example = "S_INTERSECTS(geometry,POINT(36.63 35.93))")]
    pub filter: Option<String>,
    /// The filter's language: `cql2-text` (default) or `cql2-json`.
    #[param(rename = "filter-lang", value_type = Option<FilterLang>, inline, example = "cql2-text")]
    pub filter_lang: Option<String>,
    /// The CRS of geometries in the filter: only CRS84.
    #[param(rename = "filter-crs", value_type = Option<Crs84>, inline, example = "http://www.opengis.net/def/crs/OGC/1.3/CRS84")]
    pub filter_crs: Option<String>,
}

fn format_of(raw: Option<&str>, allowed: &[&str], headers: &HeaderMap) -> Result<Format, ApiError> {
    let query = Query::parse(raw, allowed)?;
    negotiate(query.get("f"), headers)
}

fn collection_id(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(id)| id)
        .map_err(|e| ApiError::not_found(format!("the path cannot be read: {e}")))
}

const NEGOTIATION_400: &str = "An unknown parameter, or `f` other than json or html";

/// The landing page: links to the API definition, conformance and the collections.
#[utoipa::path(get, path = "/", tag = "ogc", params(FormatParams),
    responses(
        (status = 200, description = "The landing page (JSON or HTML)", content((Object = "application/json"), (String = "text/html"))),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = NEGOTIATION_400, body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Accept matches neither JSON nor HTML", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_landing(
    State(state): State<AppState>,
    RawTarget(raw): RawTarget,
    Headers(headers): Headers,
) -> Result<Response, ApiError> {
    let format = format_of(raw.query(), &["f"], &headers)?;
    Ok(state.data().ogc.landing.respond(format, &headers))
}

/// The conformance classes the service implements.
#[utoipa::path(get, path = "/conformance", tag = "ogc", params(FormatParams),
    responses(
        (status = 200, description = "The conformance classes (JSON or HTML)", content((Object = "application/json"), (String = "text/html"))),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = NEGOTIATION_400, body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Accept matches neither JSON nor HTML", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_conformance(
    State(state): State<AppState>,
    RawTarget(raw): RawTarget,
    Headers(headers): Headers,
) -> Result<Response, ApiError> {
    let format = format_of(raw.query(), &["f"], &headers)?;
    Ok(state.data().ogc.conformance.respond(format, &headers))
}

/// The collections: `zones` and `governorates`.
#[utoipa::path(get, path = "/collections", tag = "ogc", params(FormatParams),
    responses(
        (status = 200, description = "The collections (JSON or HTML)", content((Object = "application/json"), (String = "text/html"))),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = NEGOTIATION_400, body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Accept matches neither JSON nor HTML", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_collections(
    State(state): State<AppState>,
    RawTarget(raw): RawTarget,
    Headers(headers): Headers,
) -> Result<Response, ApiError> {
    let format = format_of(raw.query(), &["f"], &headers)?;
    Ok(state.data().ogc.collections.respond(format, &headers))
}

/// One collection: its extent, item type, CRS and links.
#[utoipa::path(get, path = "/collections/{collectionId}", tag = "ogc",
    params(("collectionId" = String, Path, description = "`zones` or `governorates`", example = "zones"), FormatParams),
    responses(
        (status = 200, description = "The collection (JSON or HTML)", content((Object = "application/json"), (String = "text/html"))),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = NEGOTIATION_400, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Accept matches neither JSON nor HTML", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_collection(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawTarget(raw): RawTarget,
    Headers(headers): Headers,
) -> Result<Response, ApiError> {
    let id = collection_id(path)?;
    let format = format_of(raw.query(), &["f"], &headers)?;
    let data = state.data();
    Ok(data.ogc.collection(&id)?.resource.respond(format, &headers))
}

/// The properties a `filter` may name, as JSON Schema.
#[utoipa::path(get, path = "/collections/{collectionId}/queryables", tag = "ogc",
    params(("collectionId" = String, Path, description = "`zones` or `governorates`", example = "zones"), FormatParams),
    responses(
        (status = 200, description = "The queryables (JSON Schema or HTML)", content((Object = "application/schema+json"), (String = "text/html"))),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = NEGOTIATION_400, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Accept matches neither JSON nor HTML", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_queryables(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawTarget(raw): RawTarget,
    Headers(headers): Headers,
) -> Result<Response, ApiError> {
    let id = collection_id(path)?;
    let format = format_of(raw.query(), &["f"], &headers)?;
    let data = state.data();
    Ok(data
        .ogc
        .collection(&id)?
        .queryables
        .respond(format, &headers))
}

/// The items of a collection as GeoJSON, paged and filtered.
///
/// Filters combine: `bbox` (geometry intersects the box), `datetime` (the item
/// was in force at that instant or during that interval; governorates have no
/// dates and always match) and a CQL2 `filter`. `numberMatched` is exact.
/// `timeStamp` is when this data version was prepared.
#[utoipa::path(get, path = "/collections/{collectionId}/items", tag = "ogc",
    params(("collectionId" = String, Path, description = "`zones` or `governorates`", example = "zones"), ItemsParams),
    responses(
        (status = 200, description = "The matching items (GeoJSON or HTML)", content((Object = "application/geo+json"), (String = "text/html"))),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = "A bad `limit`, `offset`, `bbox`, `datetime`, `filter`, `filter-lang`, CRS or `f`, or an unknown parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Accept matches neither JSON nor HTML", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_items(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawTarget(raw): RawTarget,
    Headers(headers): Headers,
) -> Result<Response, ApiError> {
    items_answer(&state, &collection_id(path)?, &raw, &headers)
}

/// The answer of [`get_items`] for collection `id`, made at once: the [`front`](super::front) calls
/// it without the router.
pub fn items_answer(
    state: &AppState,
    id: &str,
    target: &Uri,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let query = Query::parse(target.query(), &PARAMETERS)?;
    let format = negotiate(query.get("f"), headers)?;
    let data = state.data();
    let ogc = &data.ogc;
    let set = ogc.collection(id)?;
    let items = ItemsQuery::parse(&query, &set.queryable_names)?;
    let is_default = items.selection.is_empty() && items.offset == 0;
    if is_default {
        return Ok(set.first_page.respond(format, headers));
    }
    let mut matched = Vec::new();
    for item in &set.items {
        // The filter is evaluated first so that a bad one is refused whatever else matches.
        if items.passes(&item.value)? && items.selects(&item.geometry, item.valid) {
            matched.push(item);
        }
    }
    let value = page_value(
        set,
        &ogc.base,
        &ogc.time_stamp,
        &matched,
        &items,
        &items.selection,
    );
    // Made for this answer: compressed, if at all, by the compression layer.
    let response = match format {
        Format::Json => Resource::json(&value, GEO_JSON)
            .transient()
            .respond(headers),
        Format::Html => Resource::new(
            html::render_under(Page::Items, &value, &ogc.base),
            "text/html; charset=utf-8",
        )
        .transient()
        .respond(headers),
    };
    Ok(vary(response))
}

/// One item of a collection as a GeoJSON Feature.
#[utoipa::path(get, path = "/collections/{collectionId}/items/{featureId}", tag = "ogc",
    params(
        ("collectionId" = String, Path, description = "`zones` or `governorates`", example = "zones"),
        ("featureId" = String, Path, description = "A zone id or a governorate P-code", example = "idlib"),
        FormatParams,
    ),
    responses(
        (status = 200, description = "The item (GeoJSON or HTML)", content((Object = "application/geo+json"), (String = "text/html"))),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = NEGOTIATION_400, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection or item", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Accept matches neither JSON nor HTML", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_item(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    RawTarget(raw): RawTarget,
    Headers(headers): Headers,
) -> Result<Response, ApiError> {
    let (id, item_id) = path
        .map(|Path(p)| p)
        .map_err(|e| ApiError::not_found(format!("the path cannot be read: {e}")))?;
    item_answer(&state, &id, &item_id, &raw, &headers)
}

/// The answer of [`get_item`] for item `item_id` of collection `id`, made at once: the
/// [`front`](super::front) calls it without the router.
pub fn item_answer(
    state: &AppState,
    id: &str,
    item_id: &str,
    target: &Uri,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let format = format_of(target.query(), &["f"], headers)?;
    let data = state.data();
    let set = data.ogc.collection(id)?;
    let item = set.items.iter().find(|i| i.id == item_id).ok_or_else(|| {
        let shown: String = item_id.chars().take(64).collect();
        let known: Vec<&str> = set.items.iter().map(|i| i.id.as_str()).collect();
        ApiError::not_found(format!(
            "collection {id} has no item {shown:?}; its items are {}",
            known.join(", ")
        ))
    })?;
    Ok(item.page.respond(format, headers).into_response())
}
