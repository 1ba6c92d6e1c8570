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
        (name = "zones", description = "Zone metadata and GeoJSON"),
        (name = "governorates", description = "Syria's governorates (OCHA COD-AB) as GeoJSON"),
        (name = "service", description = "Health, API description and problem types"),
    )
)]
pub struct ApiDoc;

/// The OpenAPI document as served and committed: pretty JSON with a final newline.
#[must_use]
pub fn render(doc: &utoipa::openapi::OpenApi) -> String {
    let mut text = doc.to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

/// The media type of the document.
pub const OPENAPI_JSON: &str = "application/vnd.oai.openapi+json;version=3.1";

/// This API's OpenAPI 3.1 document, the same bytes as `openapi/openapi.json`.
#[utoipa::path(
    get,
    path = "/api",
    tag = "service",
    responses(
        (status = 200, description = "The OpenAPI document", content_type = "application/vnd.oai.openapi+json;version=3.1", body = Object),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = "A query parameter was given (none is taken)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_api(
    Extension(document): Extension<Arc<Resource>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), &[])?;
    Ok(document.respond(&headers))
}
