//! The service each connection calls: `GET` of the routes that clients
//! send over and over (a point query, the zone list and metadata, items,
//! the API document, the map's files, the health check) answered in the
//! call itself; every other request handed to the [`router`](super::router).
//!
//! The router runs a request through its layers (metrics, [`outer`],
//! [`guard`](super::guard), panic catching) as nested futures, the route's
//! boxed, after matching its path and recording the match in the request.
//! For a point query that is a third of the work done in-process (0.8 µs of
//! 2.3). The lane here matches the path with the same matcher and templates
//! as the router, then applies the same policies, in the same order, with
//! plain calls on the request as it arrived:
//!
//! 1. the guard's admission: the target and header limits, and the count of
//!    requests in flight, shared with the router's guard;
//! 2. the handler's own answer (`locate::answer`, `zones::list_answer`, …),
//!    with a panic caught and answered as the router's panic catching does;
//! 3. the outer finish: problems for errors, CORS for cross-origin callers;
//! 4. the metrics, counted under the route's template.
//!
//! A path whose parameters hold a `%` goes to the router, whose extractor
//! decodes them. The answer is made before the call returns, so no timeout
//! applies (the router's guard could not interrupt it either).
//! `Content-Length` is written by hyper from the body's length rather than
//! put in the header map as the router does. Tests compare the lane's
//! answers with the router's for good, bad and refused requests.
//!
//! Imports the handlers' answers and the layers' parts; nothing but the
//! server start-up imports this module.

use std::{
    convert::Infallible,
    future::Future,
    panic::{self, AssertUnwindSafe},
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Instant,
};

use axum::{
    Router,
    body::{Bytes, HttpBody},
    extract::Request,
    http::{HeaderMap, Method, Uri},
    response::{IntoResponse, Response},
    routing::future::RouteFuture,
};
use matchit::Params;

use super::{
    AppState, Limits, guard::GuardLayer, health, locate, map, metrics::RequestMetrics, ogc,
    openapi, outer, problem, zones,
};

/// How the lane answers a route: the handler's answer from the state, the
/// path's parameters (none holds a `%`), the request target and headers.
type Answer = fn(&AppState, &Params<'_, '_>, &Uri, &HeaderMap) -> Response;

/// The routes the lane answers, by their template in the router.
const LANE: [(&str, Answer); 8] = [
    ("/locate", |state, _, target, _| {
        locate::answer(state, target).into_response()
    }),
    ("/zones", |state, _, target, headers| {
        zones::list_answer(state, target, headers).into_response()
    }),
    ("/zones/{id}", |state, path, target, headers| {
        zones::zone_answer(state, param(path, "id"), target, headers).into_response()
    }),
    (
        "/collections/{collectionId}/items",
        |state, path, target, headers| {
            ogc::items_answer(state, param(path, "collectionId"), target, headers).into_response()
        },
    ),
    (
        "/collections/{collectionId}/items/{featureId}",
        |state, path, target, headers| {
            let (id, item) = (param(path, "collectionId"), param(path, "featureId"));
            ogc::item_answer(state, id, item, target, headers).into_response()
        },
    ),
    ("/api", |state, _, target, headers| {
        openapi::api_answer(state, target, headers).into_response()
    }),
    ("/map/assets/{name}", |_, path, target, headers| {
        map::asset_answer(param(path, "name"), target, headers).into_response()
    }),
    ("/healthz", |state, _, target, _| {
        health::health_answer(state, target).into_response()
    }),
];

/// A parameter of a matched template (always there).
fn param<'p>(path: &'p Params<'_, '_>, name: &str) -> &'p str {
    path.get(name).unwrap_or_default()
}

/// The service `dezone serve` runs (see the module's notes): the router,
/// with the hottest `GET`s answered at once.
///
/// # Examples
///
/// ```
/// use axum::{body::Body, http::{Request, StatusCode}};
/// use dezone::http::{AppState, Front, Limits};
/// use tower::ServiceExt as _;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let index = dezone::cli::load_index(None, None).unwrap();
/// let front = Front::new(AppState::from_index(index, Limits::default(), ""));
/// let request = Request::get("/locate?lon=36.63&lat=35.93").body(Body::empty()).unwrap();
/// let answer = front.clone().oneshot(request).await.unwrap();
/// assert_eq!(answer.status(), StatusCode::OK);
/// let request = Request::get("/readyz").body(Body::empty()).unwrap();
/// assert_eq!(front.oneshot(request).await.unwrap().status(), StatusCode::OK);
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct Front {
    router: Router,
    lane: Arc<matchit::Router<Lane>>,
    state: AppState,
    guard: GuardLayer,
    limits: Limits,
    metrics: &'static RequestMetrics,
}

/// A route of the lane: its slot in the metrics, and how it is answered.
#[derive(Clone, Copy, Debug)]
struct Lane {
    route: usize,
    answer: Answer,
}

impl Front {
    /// The service over `state`, recording to the process's metrics.
    #[must_use]
    pub fn new(state: AppState) -> Self {
        Self::recording_to(state, RequestMetrics::global())
    }

    /// The service over `state`, recording to `metrics` (for tests).
    ///
    /// # Panics
    ///
    /// If a template of the lane is not a valid route, which a test rules out.
    #[must_use]
    pub fn recording_to(state: AppState, metrics: &'static RequestMetrics) -> Self {
        let limits = state.limits();
        let guard = GuardLayer::new(limits);
        let mut lane = matchit::Router::new();
        for (template, answer) in LANE {
            let route = super::metrics::route_slot(template);
            #[allow(clippy::expect_used, reason = "fixed templates, tested")]
            lane.insert(template, Lane { route, answer })
                .expect("the lane's templates are valid and distinct");
        }
        Self {
            router: super::assemble(state.clone(), &guard, metrics),
            lane: Arc::new(lane),
            state,
            guard,
            limits,
            metrics,
        }
    }

    /// The router answering every request the lane does not.
    pub fn router(&self) -> &Router {
        &self.router
    }

    /// The route of the lane that answers `request`, with the path's
    /// parameters, if any does.
    fn lane_of<'s, 'r, B>(&'s self, request: &'r Request<B>) -> Option<(Lane, Params<'s, 'r>)> {
        if request.method() != Method::GET {
            return None;
        }
        let matched = self.lane.at(request.uri().path()).ok()?;
        if matched.params.iter().any(|(_, value)| value.contains('%')) {
            return None;
        }
        Some((*matched.value, matched.params))
    }

    /// The answer of `lane` to `request` (see the module's notes).
    fn answer<B>(&self, request: &Request<B>, lane: Lane, path: &Params<'_, '_>) -> Response {
        let started = Instant::now();
        let headers = request.headers();
        let answer = match self.guard.admit(request) {
            Ok(_in_flight) => panic::catch_unwind(AssertUnwindSafe(|| {
                (lane.answer)(&self.state, path, request.uri(), headers)
            }))
            .unwrap_or_else(problem::panic_response),
            Err(refusal) => refusal,
        };
        let answer = outer::finish(
            answer,
            &outer::Asked::of(request),
            self.limits,
            self.state.base_path(),
        );
        self.metrics
            .answered(lane.route, answer.status().as_u16(), started);
        answer
    }
}

impl<B> tower::Service<Request<B>> for Front
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = FrontFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if let Some((lane, path)) = self.lane_of(&request) {
            return FrontFuture::Answered {
                answer: Some(self.answer(&request, lane, &path)),
            };
        }
        FrontFuture::Routed {
            inner: self.router.call(request),
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Front`].
    #[project = FrontProjection]
    pub enum FrontFuture {
        /// Answered in the call.
        Answered { answer: Option<Response> },
        /// Being answered by the router.
        Routed {
            #[pin]
            inner: RouteFuture<Infallible>,
        },
    }
}

impl Future for FrontFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            // Polled once more after it was ready: a future must not be, so
            // this is never sent.
            FrontProjection::Answered { answer } => Poll::Ready(Ok(answer
                .take()
                .unwrap_or_else(|| problem::panic_response(Box::new(()))))),
            FrontProjection::Routed { inner } => inner.poll(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::{
        body::Body,
        http::{HeaderMap, StatusCode, header},
    };
    use http_body_util::BodyExt as _;
    use proptest::prelude::*;
    use tower::ServiceExt as _;

    use super::*;

    fn front(limits: Limits, metrics: &'static RequestMetrics) -> Front {
        let index = crate::cli::load_index(None, None).unwrap();
        Front::recording_to(AppState::from_index(index, limits, ""), metrics)
    }

    fn metrics() -> &'static RequestMetrics {
        Box::leak(Box::new(RequestMetrics::new()))
    }

    /// A `GET` of `target` with `headers`, as a client sends it.
    fn get(target: &str, headers: &[(&str, &str)]) -> Request<Body> {
        let mut request = Request::get(target).header("host", "127.0.0.1:8080");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(Body::empty()).unwrap()
    }

    /// Status, headers (without `Content-Length`) and body of an answer.
    async fn parts(answer: Response) -> (StatusCode, HeaderMap, Bytes, Option<String>) {
        let status = answer.status();
        let mut headers = answer.headers().clone();
        let length = headers
            .remove(header::CONTENT_LENGTH)
            .map(|v| v.to_str().unwrap().to_owned());
        let body = answer.into_body().collect().await.unwrap().to_bytes();
        (status, headers, body, length)
    }

    /// Asserts that the lane answers `target` as the router does.
    async fn same_answer(front: &Front, target: &str, headers: &[(&str, &str)]) -> StatusCode {
        let lane = front.clone().oneshot(get(target, headers)).await.unwrap();
        let routed = front
            .router()
            .clone()
            .oneshot(get(target, headers))
            .await
            .unwrap();
        let (status, lane_headers, lane_body, lane_length) = parts(lane).await;
        let (routed_status, routed_headers, routed_body, routed_length) = parts(routed).await;
        assert_eq!(status, routed_status, "{target}");
        assert_eq!(lane_headers, routed_headers, "{target}");
        assert_eq!(lane_body, routed_body, "{target}");
        // The router writes the length into the headers; for the lane, the
        // answer did, or hyper will.
        assert_eq!(
            routed_length,
            Some(routed_body.len().to_string()),
            "{target}"
        );
        assert!(
            lane_length.is_none() || lane_length == routed_length,
            "{target}"
        );
        status
    }

    #[test]
    fn every_route_of_the_lane_is_a_get_route_of_the_router() {
        let routes = super::super::openapi();
        for (template, _) in LANE {
            let item = routes.paths.paths.get(template);
            assert!(item.is_some_and(|i| i.get.is_some()), "{template}");
            assert!(
                super::super::metrics::ROUTES.contains(&template),
                "{template}"
            );
        }
    }

    #[tokio::test]
    async fn the_lane_answers_every_route_as_the_router_does() {
        let front = front(Limits::DEFAULT, metrics());
        let asset = format!("/map/assets/{}", map::asset_names()[0]);
        let zones = front.clone().oneshot(get("/zones", &[])).await.unwrap();
        let etag = zones.headers()[header::ETAG].to_str().unwrap().to_owned();
        let targets = [
            "/zones",
            "/zones?at=2017-09-01",
            "/zones?at=someday",
            "/zones?x=1",
            "/zones/idlib",
            "/zones/eastern-ghouta?at=2019-01-01",
            "/zones/nowhere",
            "/zones/idl%69b",
            "/collections/zones/items",
            "/collections/zones/items?limit=2",
            "/collections/zones/items?bbox=36,35,37,36",
            "/collections/zones/items?f=html",
            "/collections/zones/items?limit=-1",
            "/collections/governorates/items",
            "/collections/nothing/items",
            "/collections/zones/items/idlib",
            "/collections/zones/items/idlib?f=html",
            "/collections/zones/items/atlantis",
            "/collections/governorates/items/SY07",
            "/api",
            "/api?f=json",
            &asset,
            "/map/assets/nothing.js",
            "/healthz",
            "/healthz?verbose=1",
        ];
        let header_sets: [&[(&str, &str)]; 9] = [
            &[],
            &[("accept-encoding", "gzip")],
            &[("accept-encoding", "gzip, deflate, br, zstd")],
            &[("accept", "text/html")],
            &[("accept", "image/png")],
            &[("origin", "https://dashboard.example.org")],
            &[("if-none-match", etag.as_str())],
            &[("if-match", etag.as_str())],
            &[("if-match", "*")],
        ];
        let mut statuses = std::collections::BTreeSet::new();
        for target in targets {
            for headers in header_sets {
                statuses.insert(same_answer(&front, target, headers).await.as_u16());
            }
        }
        // Good, not modified, bad, unknown, not acceptable and failed
        // precondition answers all compared.
        for status in [200, 304, 400, 404, 406, 412] {
            assert!(statuses.contains(&status), "{status} in {statuses:?}");
        }
    }

    #[tokio::test]
    async fn the_lane_answers_good_bad_and_oversized_requests_as_the_router_does() {
        let limits = Limits {
            max_uri_bytes: 256,
            max_headers: 8,
            ..Limits::DEFAULT
        };
        let front = front(limits, metrics());
        let origin = [("origin", "https://maps.example.org")];
        let many: Vec<(&str, &str)> = vec![("x-a", "1"); 9];
        let long = format!("/locate?lon=36.63&lat=35.93&at={}", "9".repeat(300));
        for (target, headers, status) in [
            ("/locate?lon=36.63&lat=35.93", &[][..], StatusCode::OK),
            (
                "/locate?lat=35.93&lon=36.63&at=2017-09-01",
                &[],
                StatusCode::OK,
            ),
            ("/locate?lon=39.5&lat=33.1", &[], StatusCode::OK),
            (
                "/locate?lon=36.2&lat=36.0&at=2019-01-01",
                &[],
                StatusCode::OK,
            ),
            ("/locate?lon=36.63&lat=35.93", &origin[..], StatusCode::OK),
            (
                "/locate?lon=200&lat=35.93",
                &origin[..],
                StatusCode::BAD_REQUEST,
            ),
            ("/locate?lon=%33%36.5&lat=35", &[], StatusCode::OK),
            ("/locate", &[], StatusCode::BAD_REQUEST),
            ("/locate?lat=35.93", &[], StatusCode::BAD_REQUEST),
            ("/locate?lon=36&lat=35&lat=36", &[], StatusCode::BAD_REQUEST),
            (
                "/locate?lon=36&lat=35&zone=idlib",
                &[],
                StatusCode::BAD_REQUEST,
            ),
            (
                "/locate?lon=36&lat=35&at=2017-13-01",
                &[],
                StatusCode::BAD_REQUEST,
            ),
            ("/locate?lon=NaN&lat=35", &[], StatusCode::BAD_REQUEST),
            (&long, &[], StatusCode::URI_TOO_LONG),
            (
                "/locate?lon=36&lat=35",
                &many,
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ),
            (
                "http://127.0.0.1:8080/locate?lon=36&lat=35",
                &[],
                StatusCode::OK,
            ),
        ] {
            assert_eq!(
                same_answer(&front, target, headers).await,
                status,
                "{target}"
            );
        }
    }

    #[tokio::test]
    async fn under_a_path_prefix_the_lane_s_problems_name_it_as_the_router_s_do() {
        let index = crate::cli::load_index(None, None).unwrap();
        let state = AppState::from_index(index, Limits::DEFAULT, "https://maps.example.org/dezone");
        let front = Front::recording_to(state, metrics());
        for target in [
            "/locate?lon=200&lat=35.93",
            "/zones/nowhere",
            "/collections/zones/items?limit=-1",
        ] {
            assert!(same_answer(&front, target, &[]).await.is_client_error());
            let answer = front.clone().oneshot(get(target, &[])).await.unwrap();
            let body = answer.into_body().collect().await.unwrap().to_bytes();
            let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let path = target.split('?').next().unwrap();
            assert_eq!(problem["instance"], format!("/dezone{path}"), "{problem}");
            assert!(
                problem["type"]
                    .as_str()
                    .unwrap()
                    .starts_with("/dezone/problems/"),
                "{problem}"
            );
        }
    }

    #[tokio::test]
    async fn the_lane_sheds_load_with_the_router_s_count() {
        let limits = Limits {
            max_in_flight: 0,
            ..Limits::DEFAULT
        };
        let front = front(limits, metrics());
        let status = same_answer(&front, "/locate?lon=36.63&lat=35.93", &[]).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }

    #[tokio::test]
    async fn the_lane_counts_its_answers_under_the_locate_route() {
        let metrics = metrics();
        let front = front(Limits::DEFAULT, metrics);
        for target in [
            "/locate?lon=36.63&lat=35.93",
            "/locate?lon=36.63&lat=35.93",
            "/locate?lon=x&lat=35.93",
        ] {
            front.clone().oneshot(get(target, &[])).await.unwrap();
        }
        assert_eq!(metrics.count("/locate", "200"), 2);
        assert_eq!(metrics.count("/locate", "400"), 1);
    }

    #[test]
    fn other_methods_and_paths_and_escaped_parameters_go_to_the_router() {
        let front = front(Limits::DEFAULT, metrics());
        let request = |method: Method, target: &str| {
            Request::builder()
                .method(method)
                .uri(target)
                .body(Body::empty())
                .unwrap()
        };
        for target in [
            "/locate?lon=36.63&lat=35.93",
            "/zones/idlib",
            "/collections/zones/items/idlib?f=html",
            "/healthz",
        ] {
            assert!(
                front.lane_of(&request(Method::GET, target)).is_some(),
                "{target}"
            );
            assert!(
                front.lane_of(&request(Method::HEAD, target)).is_none(),
                "{target}"
            );
            assert!(
                front.lane_of(&request(Method::POST, target)).is_none(),
                "{target}"
            );
        }
        for target in [
            "/locate/?lon=36.63&lat=35.93",
            "/LOCATE?lon=36.63&lat=35.93",
            "/zones/idl%69b",
            "/zones/",
            "/readyz",
            "/metrics",
            "/",
        ] {
            assert!(
                front.lane_of(&request(Method::GET, target)).is_none(),
                "{target}"
            );
        }
    }

    /// Query strings made of the pieces a client might send, good and bad.
    fn queries() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("lon=".to_owned()),
            Just("lat=".to_owned()),
            Just("at=".to_owned()),
            Just("&".to_owned()),
            Just("%".to_owned()),
            Just("+".to_owned()),
            Just("2017-09-01".to_owned()),
            (-200.0_f64..200.0).prop_map(|v| format!("{v:.4}")),
            (32.0_f64..37.5).prop_map(|v| format!("{v:.5}")),
            "[a-z0-9.%=&-]{0,6}",
        ];
        proptest::collection::vec(piece, 0..10).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn the_lane_answers_any_query_as_the_router_does(query in queries()) {
            static FRONT: std::sync::LazyLock<Front> =
                std::sync::LazyLock::new(|| front(Limits::DEFAULT, metrics()));
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let target = format!("/locate?{query}");
            if target.parse::<axum::http::Uri>().is_ok() {
                runtime.block_on(same_answer(&FRONT, &target, &[]));
            }
        }
    }
}
