//! The OpenAPI document (`/api`) and Swagger UI (`/docs`).

use std::sync::Arc;

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse as _, Response},
};
use utoipa::OpenApi;

use super::{
    AppState,
    extract::{Headers, Query, RawTarget},
    ogc::negotiate::{Format, negotiate},
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
    // Relative to the document's own URL: behind a proxy's path prefix
    // (`https://host/dezone/api`), requests built from the document (Swagger
    // UI's "Try it out", generated clients) stay under the prefix.
    servers((url = ".", description = "This service: the folder the document is served from")),
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
/// Served one folder below `/api`, it names the folder above as its server.
#[must_use]
pub fn render(doc: &utoipa::openapi::OpenApi) -> String {
    let mut doc = doc.clone();
    doc.servers = Some(vec![
        utoipa::openapi::server::ServerBuilder::new()
            .url("..")
            .description(Some(
                "This service: the folder above the one the document is served from",
            ))
            .build(),
    ]);
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

/// Adds to every operation of `doc` the refusals the guard layer may give
/// any request (see [`super::guard`]): 414 and 431 (target or header fields
/// too large), 503 (too many requests at once, or no answer in time, with
/// `Retry-After` when shed), and to operations that take a body 408 (the body
/// did not arrive in time); and the outer layer's 412 (`If-Match` does not
/// hold). Each is a shared response in `components.responses`.
pub fn add_guard_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{
        ContentBuilder, Ref, RefOr, ResponseBuilder,
        header::HeaderBuilder,
        schema::{ObjectBuilder, Type},
    };
    let problem = || {
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build()
    };
    let shared = [
        (
            "408",
            "RequestTimeout",
            "The request body did not arrive within `request_timeout_ms`; the connection is closed",
        ),
        (
            "412",
            "PreconditionFailed",
            "`If-Match` does not hold: the service's entity tags are weak, and `If-Match` compares strongly, so only `If-Match: *` holds",
        ),
        (
            "414",
            "UriTooLong",
            "The request target (path and query) is longer than `max_uri_bytes`",
        ),
        (
            "431",
            "HeadersTooLarge",
            "The request has more header fields than `max_headers`, or more bytes of them than `max_header_bytes`",
        ),
        (
            "503",
            "Unavailable",
            "`max_in_flight` requests are being answered (shed at once, with `Retry-After`), or the answer was not ready within `request_timeout_ms`",
        ),
    ];
    let components = doc.components.get_or_insert_with(Default::default);
    for (status, name, description) in shared {
        let mut response = ResponseBuilder::new()
            .description(description)
            .content("application/problem+json", problem());
        if status == "503" {
            response = response.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
                    .description(Some("Seconds to wait before retrying, when shed"))
                    .build(),
            );
        }
        components
            .responses
            .insert(name.to_owned(), RefOr::T(response.build()));
    }
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            let takes_body = operation.request_body.is_some();
            for (status, name, _) in shared {
                if status == "408" && !takes_body {
                    continue;
                }
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
            }
        }
    }
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

impl Documents {
    /// Both renderings of `doc`.
    #[must_use]
    pub fn prepare(doc: &utoipa::openapi::OpenApi) -> Self {
        Self {
            v30: Resource::new(render_30(doc), OPENAPI_30_JSON),
            v31: Resource::new(render(doc), OPENAPI_31_JSON),
        }
    }

    /// Those of `state`, prepared on first use.
    fn of(state: &AppState) -> &Arc<Self> {
        state.documents(|| Self::prepare(&super::openapi()))
    }
}

/// This API's OpenAPI 3.0.3 document (the OGC `service-desc`), the same bytes as
/// `openapi/openapi.json`; for a browser (`f=html`, or `Accept` preferring
/// HTML), a redirect to Swagger UI (`docs/`, the OGC `service-doc`).
#[utoipa::path(
    get,
    path = "/api",
    tag = "service",
    params(super::ogc::FormatParams),
    responses(
        (status = 200, description = "The OpenAPI 3.0.3 document", content_type = "application/vnd.oai.openapi+json;version=3.0", body = Object),
        (status = 303, description = "To Swagger UI (`docs/`), for `f=html` or an `Accept` preferring HTML",
            headers(("Location" = String, description = "`docs/`, relative to `/api`"))),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = "`f` neither `json` nor `html`, or another query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_api(
    State(state): State<AppState>,
    RawTarget(raw): RawTarget,
    Headers(headers): Headers,
) -> Result<Response, ApiError> {
    api_answer(&state, &raw, &headers)
}

/// The answer of [`get_api`], made at once: the [`front`](super::front) calls it without the
/// router.
pub fn api_answer(
    state: &AppState,
    target: &Uri,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let query = Query::parse(target.query(), &["f"])?;
    let f = query.get("f");
    // Without `f`, an `Accept` matching neither form still gets the
    // document: clients ask for it by many names (YAML among them).
    let format = match negotiate(f, headers) {
        Err(refused) if f.is_some() => return Err(refused),
        chosen => chosen.unwrap_or(Format::Json),
    };
    Ok(match format {
        Format::Json => super::ogc::vary(Documents::of(state).v30.respond(headers)),
        Format::Html => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, HeaderValue::from_static("docs/")),
                (header::VARY, HeaderValue::from_static("accept")),
            ],
        )
            .into_response(),
    })
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
    State(state): State<AppState>,
    RawTarget(raw): RawTarget,
    Headers(headers): Headers,
) -> Result<Response, ApiError> {
    Query::parse(raw.query(), &[])?;
    Ok(Documents::of(&state).v31.respond(&headers))
}
