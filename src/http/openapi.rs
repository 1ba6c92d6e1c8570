//! The OpenAPI document (`/api`) and Swagger UI (`/docs`).

use std::sync::Arc;

use axum::{Extension, extract::RawQuery, http::HeaderMap, response::Response};
use utoipa::OpenApi;

use super::{
    extract::Query,
    problem::{ApiError, Problem},
    resource::Resource,
};

/// The document's top: info, tags. Paths and schemas come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "dezone",
        description = "The four Syrian de-escalation zones of the Astana memorandum (signed 4 May 2017 by Russia, Iran and Turkey): point-in-zone with geodesic distances, zone metadata, and the zones as GeoJSON. The outlines are approximate, drawn from public sources; see the zones' `source` property.",
        license(name = "MIT", identifier = "MIT"),
    ),
    tags(
        (name = "locate", description = "Which zone holds a point, and how far its edge is"),
        (name = "zones", description = "Zone metadata"),
        (name = "ogc", description = "OGC API – Features: the zones and Syria's governorates as collections, with bbox, datetime and CQL2 filters"),
        (name = "map", description = "The interactive zone map page, embeddable in an iframe, and its files"),
        (name = "service", description = "Health, API description and problem types"),
    )
)]
pub struct ApiDoc;

/// The OpenAPI 3.1 document (utoipa's), pretty JSON with a final newline, as
/// served at `/api/openapi-3.1.json` and committed as `openapi/openapi-3.1.json`.
#[must_use]
pub fn render(doc: &utoipa::openapi::OpenApi) -> String {
    let mut text = doc.to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

/// The OpenAPI 3.0.3 rendering, as served at `/api` (the OGC `service-desc`)
/// and committed as `openapi/openapi.json`.
#[must_use]
pub fn render_30(doc: &utoipa::openapi::OpenApi) -> String {
    let value = serde_json::to_value(doc).unwrap_or_default();
    let mut text =
        serde_json::to_string_pretty(&super::openapi30::downgrade(value)).unwrap_or_default();
    text.push('\n');
    text
}

/// The media type of the 3.0 document.
pub const OPENAPI_30_JSON: &str = "application/vnd.oai.openapi+json;version=3.0";
/// The media type of the 3.1 document.
pub const OPENAPI_31_JSON: &str = "application/vnd.oai.openapi+json;version=3.1";

/// Both renderings of the document, prepared once.
#[derive(Debug)]
pub struct Documents {
    /// OpenAPI 3.0.3.
    pub v30: Resource,
    /// OpenAPI 3.1.
    pub v31: Resource,
}

/// This API's OpenAPI 3.0.3 document (the OGC `service-desc`), the same bytes as
/// `openapi/openapi.json`.
#[utoipa::path(
    get,
    path = "/api",
    tag = "service",
    responses(
        (status = 200, description = "The OpenAPI 3.0.3 document", content_type = "application/vnd.oai.openapi+json;version=3.0", body = Object),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = "A query parameter was given (none is taken)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_api(
    Extension(documents): Extension<Arc<Documents>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), &[])?;
    Ok(documents.v30.respond(&headers))
}

/// This API's OpenAPI 3.1 document as utoipa generates it, the same bytes as
/// `openapi/openapi-3.1.json`.
#[utoipa::path(
    get,
    path = "/api/openapi-3.1.json",
    tag = "service",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", content_type = "application/vnd.oai.openapi+json;version=3.1", body = Object),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = "A query parameter was given (none is taken)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_api_31(
    Extension(documents): Extension<Arc<Documents>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), &[])?;
    Ok(documents.v31.respond(&headers))
}
