//! The HTTP API: axum routes over the `query` engine and the prepared zone data.
//!
//! [`router`] builds the whole service; [`openapi()`] the document describing it.
//! Imports `query` and `zone`; the engine never imports this module.
//!
//! Layers, outermost first (one [`ServiceBuilder`]): metrics; the [`outer`] layer (CORS — any origin
//! may GET, HEAD and POST —, the framing policy of pages, and problem
//! rendering: every error is `application/problem+json`); the [`guard`]
//! (URI and header limits, load shedding, timeouts); panic catching;
//! tracing; compression (gzip, br) of large dynamic answers (prepared
//! resources carry their own compressed variants); the body limit.

pub mod batch;
pub mod extract;
pub mod governorates;
pub mod guard;
pub mod health;
pub mod locate;
pub mod map;
pub mod metrics;
pub mod ogc;
pub mod openapi;
pub mod openapi30;
pub mod outer;
pub mod problem;
pub mod resource;
pub mod state;
pub mod zones;

use axum::{Router, extract::DefaultBodyLimit, response::IntoResponse};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer, compression::CompressionLayer, limit::RequestBodyLimitLayer,
    trace::TraceLayer,
};
use utoipa::OpenApi as _;
use utoipa_axum::{router::OpenApiRouter, routes};
use utoipa_swagger_ui::{Config, SwaggerUi};

pub use state::{AppState, Limits};

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(locate::locate_point, batch::locate_batch))
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
        .routes(routes!(health::get_ready))
        .routes(routes!(metrics::get_metrics))
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
    parts().1
}

/// The routes and the document describing them, with the guard's refusals.
fn parts() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (routes, mut doc) = api_router().split_for_parts();
    openapi::add_guard_responses(&mut doc);
    (routes, doc)
}

/// The whole service over `state`.
pub fn router(state: AppState) -> Router {
    let (routes, doc) = parts();
    state.documents(|| openapi::Documents::prepare(&doc));
    let limits = state.limits();
    let body_limit = limits.max_body_bytes;
    // One `layer` call: axum boxes a route's service once per call, so the
    // stack costs one boxed future per request instead of one per layer.
    let layers = ServiceBuilder::new()
        .layer(metrics::MetricsLayer::new())
        .layer(outer::OuterLayer::new(limits))
        .layer(guard::GuardLayer::new(limits))
        .map_response(IntoResponse::into_response)
        .layer(CatchPanicLayer::custom(problem::panic_response))
        .layer(TraceLayer::new_for_http())
        .layer(CompressionLayer::new().compress_when(worth_compressing()))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(DefaultBodyLimit::max(body_limit));
    routes
        .merge(SwaggerUi::new("/docs").config(Config::from("/api")))
        .fallback(|| async { axum::http::StatusCode::NOT_FOUND })
        .with_state(state)
        .layer(layers)
}

/// Which answers the compression layer compresses: not small ones (a point's
/// answer is under 1 KB: compressing it costs more than it saves), nor those
/// that arrive compressed (prepared resources), nor images.
fn worth_compressing() -> impl tower_http::compression::Predicate {
    use tower_http::compression::predicate::{NotForContentType, Predicate as _, SizeAbove};
    SizeAbove::new(2048)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
}
