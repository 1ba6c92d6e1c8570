//! The HTTP API: axum routes over the `query` engine and the prepared zone data.
//!
//! [`router`] builds the whole service; [`openapi()`] the document describing it.
//! Imports `query` and `zone`; the engine never imports this module.
//!
//! [`Front`] is the service `dezone serve` runs: it answers the `GET`s
//! clients repeat most (`/locate`, `/zones`, the items, `/api`, …) itself,
//! with the same policies as the layers below, and hands every other
//! request to the [`router`].
//!
//! Layers on every route, outermost first (one [`ServiceBuilder`]): metrics
//! (which also logs each answer at `debug`); the [`outer`] layer (CORS — any
//! origin may GET, HEAD and POST —, the framing policy of pages, and problem
//! rendering: every error is `application/problem+json`); the [`guard`] (URI
//! and header limits, load shedding, timeouts); panic catching. On some
//! routes only: the body limit (`POST /locate`) and compression (gzip, br) of
//! answers made per request that are not resources (`POST /locate`,
//! `/metrics`, `/docs`). Resources carry their own compressed variants, and a
//! resource made for one answer (a filtered page of items, a map page with
//! parameters) is compressed by [`resource`] itself: a compression layer
//! costs every request of its routes (about 0.8 µs a request in-process).

pub mod answer;
pub mod batch;
pub mod extract;
pub mod front;
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
pub mod workers;
pub mod zones;

use axum::{Router, extract::DefaultBodyLimit, response::IntoResponse};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer, compression::CompressionLayer, limit::RequestBodyLimitLayer,
};
use utoipa::OpenApi as _;
use utoipa_axum::{router::OpenApiRouter, routes};
use utoipa_swagger_ui::{Config, SwaggerUi};

pub use front::Front;
pub use state::{AppState, Limits};

/// The routes and what documents them. `limits` bound the body of `POST
/// /locate`, the one route that reads a body: its layers (the body limit,
/// compression of the answer) sit on that route alone, as compression sits
/// on `/metrics`, made per request and not a resource; resources carry their
/// own compressed variants, and small answers are not worth the work.
fn api_router(limits: Limits) -> OpenApiRouter<AppState> {
    let batch = OpenApiRouter::new()
        .routes(routes!(batch::locate_batch))
        .layer(
            ServiceBuilder::new()
                .layer(compression())
                .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
                .layer(DefaultBodyLimit::max(limits.max_body_bytes)),
        );
    let made_per_request = OpenApiRouter::new()
        .routes(routes!(metrics::get_metrics))
        .layer(compression());
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(locate::locate_point))
        .merge(batch)
        .routes(routes!(zones::list_zones))
        .routes(routes!(zones::get_zone))
        .routes(routes!(ogc::get_landing))
        .routes(routes!(ogc::get_conformance))
        .routes(routes!(ogc::get_collections))
        .routes(routes!(ogc::get_collection))
        .routes(routes!(ogc::get_queryables))
        .routes(routes!(ogc::get_items))
        .merge(made_per_request)
        .routes(routes!(map::get_map))
        .routes(routes!(ogc::get_item))
        .routes(routes!(map::get_map_asset))
        .routes(routes!(health::get_health))
        .routes(routes!(health::get_ready))
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
    parts(Limits::default()).1
}

/// The routes and the document describing them, with the guard's refusals.
fn parts(limits: Limits) -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (routes, mut doc) = api_router(limits).split_for_parts();
    openapi::add_guard_responses(&mut doc);
    (routes, doc)
}

/// The whole service over `state`, as a router. [`Front`] is the same
/// service with its hottest `GET`s answered without the router; it is what
/// `dezone serve` runs.
pub fn router(state: AppState) -> Router {
    let limits = state.limits();
    assemble(
        state,
        &guard::GuardLayer::new(limits),
        metrics::RequestMetrics::global(),
    )
}

/// The router over `state`, counting its requests in flight with `guard`
/// and recording them to `metrics`.
fn assemble(
    state: AppState,
    guard: &guard::GuardLayer,
    metrics: &'static metrics::RequestMetrics,
) -> Router {
    let limits = state.limits();
    let (routes, doc) = parts(limits);
    state.documents(|| openapi::Documents::prepare(&doc));
    // One `layer` call: axum boxes a route's service once per call, so the
    // stack costs one boxed future per request instead of one per layer.
    // The front applies the same layers, in the same order, to the routes
    // it answers itself: a layer added here belongs there too (its tests
    // compare its answers with the router's).
    let layers = ServiceBuilder::new()
        .layer(metrics::MetricsLayer::recording_to(metrics))
        .layer(outer::OuterLayer::new(limits).under(state.base_path()))
        .layer(guard.clone())
        .map_response(IntoResponse::into_response)
        .layer(CatchPanicLayer::custom(problem::panic_response));
    // The UI's links are relative (`../api` from `/docs/`, the redirect to
    // `docs/`), so that it works under a proxy's path prefix too.
    let docs = Router::new()
        .merge(SwaggerUi::new("/docs").config(Config::from("../api")))
        .layer(axum::middleware::map_response(docs_headers))
        .layer(compression());
    routes
        .merge(docs)
        .fallback(|| async { axum::http::StatusCode::NOT_FOUND })
        .with_state(state)
        .layer(layers)
}

/// How long a browser may keep Swagger UI's files: they are compiled into
/// the binary (the bundle is 1.5 MB) and change only with it.
pub const DOCS_CACHE_CONTROL: &str = "public, max-age=86400";

/// Swagger UI's answers, amended: its redirect from `/docs` to `/docs/` made
/// relative (`docs/`, RFC 9110 §10.2.2) so that it keeps a proxy's path
/// prefix, and its files given [`DOCS_CACHE_CONTROL`] so that a browser does
/// not fetch them again at every visit.
async fn docs_headers(mut response: axum::response::Response) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let headers = response.headers_mut();
    if headers.get(header::LOCATION).is_some_and(|l| l == "/docs/") {
        headers.insert(header::LOCATION, HeaderValue::from_static("docs/"));
    }
    if response.status().is_success() {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(DOCS_CACHE_CONTROL),
        );
    }
    response
}

/// Compression (gzip, br) of answers made per request, when worth it.
fn compression() -> CompressionLayer<impl tower_http::compression::Predicate> {
    CompressionLayer::new().compress_when(worth_compressing())
}

/// Which answers the compression layer compresses: not small ones (a point's
/// answer is under 1 KB: compressing it costs more than it saves), nor those
/// that arrive compressed (prepared resources), nor images.
fn worth_compressing() -> impl tower_http::compression::Predicate {
    use tower_http::compression::predicate::{NotForContentType, Predicate as _, SizeAbove};
    // The same size below which a resource made for one answer is sent
    // uncompressed.
    const SMALL: u16 = {
        assert!(resource::TRANSIENT_MIN_BYTES <= u16::MAX as usize);
        resource::TRANSIENT_MIN_BYTES as u16
    };
    SizeAbove::new(SMALL)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
}
