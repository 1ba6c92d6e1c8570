//! The HTTP API: axum routes over the `query` engine and the prepared zone data.
//!
//! [`router`] builds the whole service; [`openapi()`] the document describing it.
//! Imports `query` and `zone`; the engine never imports this module.
//!
//! Layers, outermost first: problem rendering (every error is
//! `application/problem+json`), panic catching, tracing, CORS (any origin may
//! GET, HEAD and POST), compression (gzip, br), the body limit.

pub mod extract;
pub mod governorates;
pub mod health;
pub mod locate;
pub mod map;
pub mod ogc;
pub mod openapi;
pub mod openapi30;
pub mod problem;
pub mod resource;
pub mod state;
pub mod zones;

use std::sync::Arc;

use axum::{
    Extension, Router,
    extract::DefaultBodyLimit,
    http::{HeaderName, Method, header},
    middleware,
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    cors::{Any, CorsLayer},
    limit::RequestBodyLimitLayer,
    trace::TraceLayer,
};
use utoipa::OpenApi as _;
use utoipa_axum::{router::OpenApiRouter, routes};
use utoipa_swagger_ui::{Config, SwaggerUi};

pub use state::{AppState, Limits};

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(locate::locate_point, locate::locate_batch))
        .routes(routes!(zones::list_zones))
        .routes(routes!(zones::get_zone))
        .routes(routes!(ogc::get_landing))
        .routes(routes!(ogc::get_conformance))
        .routes(routes!(ogc::get_collections))
        .routes(routes!(ogc::get_collection))
        .routes(routes!(ogc::get_queryables))
        .routes(routes!(ogc::get_items))
        .routes(routes!(ogc::get_item))
        .routes(routes!(map::get_map))
        .routes(routes!(map::get_map_asset))
        .routes(routes!(health::get_health))
        .routes(routes!(openapi::get_api))
        .routes(routes!(openapi::get_api_31))
        .routes(routes!(problem::get_problem_type))
}

/// The OpenAPI (3.1) document of the service; `GET /api` serves its 3.0.3
/// rendering ([`openapi::render_30`]).
///
/// # Examples
///
/// ```
/// let doc = dezone::http::openapi();
/// assert!(doc.paths.paths.contains_key("/locate"));
/// ```
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

/// The whole service over `state`.
pub fn router(state: AppState) -> Router {
    let (routes, doc) = api_router().split_for_parts();
    let documents = openapi::Documents {
        v30: resource::Resource::new(openapi::render_30(&doc), openapi::OPENAPI_30_JSON),
        v31: resource::Resource::new(openapi::render(&doc), openapi::OPENAPI_31_JSON),
    };
    let limits = state.limits;
    let body_limit = limits.max_body_bytes;
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD, Method::POST, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE, header::IF_NONE_MATCH, header::ACCEPT])
        .expose_headers([
            header::ETAG,
            header::LINK,
            HeaderName::from_static("content-crs"),
        ]);
    routes
        .merge(SwaggerUi::new("/docs").config(Config::from("/api")))
        .fallback(|| async { axum::http::StatusCode::NOT_FOUND })
        .layer(Extension(Arc::new(documents)))
        .with_state(state)
        .layer(middleware::map_response(map::deny_framing_elsewhere))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(CompressionLayer::new())
        .layer(cors)
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(problem::panic_response))
        .layer(middleware::from_fn_with_state(
            limits,
            problem::render_problems,
        ))
}
