//! Prometheus metrics: `GET /metrics` in the text exposition format 0.0.4.
//!
//! [`MetricsLayer`] counts every answer by route and status, with its latency
//! in a histogram. It runs on every request, so it costs a few nanoseconds
//! and never blocks: the route is found in a fixed table ([`ROUTES`]) from
//! axum's [`MatchedPath`], the status in a fixed set, and the count and
//! latency go into fixed arrays of atomics, one copy per worker thread (no
//! lock, no allocation, no cache line written by two workers). Labels are
//! bounded: `route` is the route template (`/zones/{id}`), never the raw
//! path, and `other` for requests no route matched.
//!
//! The layer must be added with [`axum::Router::layer`], which axum applies
//! to each route after matching (the request then carries its
//! [`MatchedPath`]) and to the fallback (no `MatchedPath`: `other`). Wrapped
//! around the finished router as a service it would see no route at all.
//!
//! The request counters are process-wide, like a Prometheus client's default
//! registry; the data figures come from the state of the router answering.
//! Latency is the time from the request reaching the layer to the response
//! head leaving it; streaming the body (and compressing it) is not included.
//!
//! Imports the state; no handler imports this module.

use std::{
    cell::Cell,
    fmt::Write as _,
    future::Future,
    pin::Pin,
    sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed},
    task::{Context, Poll, ready},
    time::{Duration, Instant},
};

use axum::{
    extract::{MatchedPath, State},
    http::{HeaderValue, Request, Response, header},
    response::IntoResponse,
};

use super::{
    extract::{Query, RawTarget},
    problem::{ApiError, Problem},
    state::AppState,
};

/// The route templates counted, hottest first; anything else is `other`.
///
/// A unit test checks that every route of the service is listed.
pub const ROUTES: [&str; 21] = [
    "/locate",
    "/collections/{collectionId}/items",
    "/zones",
    "/zones/{id}",
    "/collections/{collectionId}/items/{featureId}",
    "/healthz",
    "/readyz",
    "/metrics",
    "/",
    "/conformance",
    "/collections",
    "/collections/{collectionId}",
    "/collections/{collectionId}/queryables",
    "/map",
    "/map/assets/{name}",
    "/api",
    "/api/openapi-3.1.json",
    "/problems/{type}",
    "/docs",
    "/docs/",
    "/docs/{*rest}",
];

/// The `route` label of requests no listed route matched.
const OTHER_ROUTE: &str = "other";
const ROUTE_SLOTS: usize = ROUTES.len() + 1;

/// The statuses counted one by one; any other counts in its class (`4xx`).
const STATUSES: [&str; 15] = [
    "200", "304", "400", "404", "405", "406", "413", "415", "500", "503", "1xx", "2xx", "3xx",
    "4xx", "5xx",
];

/// The slot of a status in [`STATUSES`].
fn status_slot(status: u16) -> usize {
    match status {
        200 => 0,
        304 => 1,
        400 => 2,
        404 => 3,
        405 => 4,
        406 => 5,
        413 => 6,
        415 => 7,
        500 => 8,
        503 => 9,
        _ => match status / 100 {
            1 => 10,
            2 => 11,
            3 => 12,
            4 => 13,
            _ => 14,
        },
    }
}

/// Upper bounds of the latency buckets, nanoseconds (a last bucket, `+Inf`,
/// takes the rest), and their `le` labels in seconds.
const BUCKETS_NS: [u64; 16] = [
    25_000,
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
];
const BUCKET_LABELS: [&str; 17] = [
    "2.5e-05", "5e-05", "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
    "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf",
];
const BUCKET_SLOTS: usize = BUCKET_LABELS.len();

/// How many copies of the counters are kept; each thread writes to one.
const SHARDS: usize = 8;

/// One route and status: answers per latency bucket (not cumulative) and the
/// sum of their latencies.
struct Series {
    buckets: [AtomicU64; BUCKET_SLOTS],
    sum_ns: AtomicU64,
}

impl Series {
    const fn new() -> Self {
        Self {
            buckets: [const { AtomicU64::new(0) }; BUCKET_SLOTS],
            sum_ns: AtomicU64::new(0),
        }
    }
}

/// One thread's copy of every series, aligned so that no two copies share a
/// cache line.
#[repr(align(128))]
struct Shard {
    series: [[Series; STATUSES.len()]; ROUTE_SLOTS],
}

/// Request counts and latency histograms by route and status.
pub struct RequestMetrics {
    shards: [Shard; SHARDS],
}

impl std::fmt::Debug for RequestMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestMetrics").finish_non_exhaustive()
    }
}

/// The counters [`MetricsLayer::new`] records to and `GET /metrics` shows.
static GLOBAL: RequestMetrics = RequestMetrics::new();

impl RequestMetrics {
    /// Empty counters (380 KB: for a `static`, or boxed).
    #[must_use]
    #[allow(
        clippy::large_stack_arrays,
        reason = "built once, for a static or a box"
    )]
    pub const fn new() -> Self {
        Self {
            shards: [const {
                Shard {
                    series: [const { [const { Series::new() }; STATUSES.len()] }; ROUTE_SLOTS],
                }
            }; SHARDS],
        }
    }

    /// The process's counters.
    #[must_use]
    pub fn global() -> &'static Self {
        &GLOBAL
    }

    /// Counts one answer: `route` an index into [`ROUTES`] (or past it for
    /// `other`), `status` its HTTP status, `latency` its time.
    pub fn record(&self, route: usize, status: u16, latency: Duration) {
        let ns = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        let bucket = BUCKETS_NS
            .iter()
            .position(|&bound| ns <= bound)
            .unwrap_or(BUCKETS_NS.len());
        let series = &self.shards[shard()].series[route.min(ROUTE_SLOTS - 1)][status_slot(status)];
        series.buckets[bucket].fetch_add(1, Relaxed);
        series.sum_ns.fetch_add(ns, Relaxed);
    }

    /// Records and logs (at `debug`) an answer, as [`MetricsLayer`] does:
    /// `route` an index into [`ROUTES`], `status` its HTTP status, `started`
    /// when the request arrived.
    pub fn answered(&self, route: usize, status: u16, started: Instant) {
        let latency = started.elapsed();
        self.record(route, status, latency);
        tracing::debug!(
            route = ROUTES.get(route).copied().unwrap_or(OTHER_ROUTE),
            status,
            latency_us = latency.as_micros(),
            "answered"
        );
    }

    /// Answers counted for a route template (`other` for the rest) and a
    /// status label (`200`, `4xx`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use dezone::http::metrics::{RequestMetrics, route_slot};
    ///
    /// let metrics = Box::new(RequestMetrics::new());
    /// metrics.record(route_slot("/zones/{id}"), 404, Duration::from_micros(30));
    /// metrics.record(route_slot("/zones/{id}"), 418, Duration::from_micros(30));
    /// assert_eq!(metrics.count("/zones/{id}", "404"), 1);
    /// assert_eq!(metrics.count("/zones/{id}", "4xx"), 1);
    /// ```
    #[must_use]
    pub fn count(&self, route: &str, status: &str) -> u64 {
        let route = if route == OTHER_ROUTE {
            ROUTE_SLOTS - 1
        } else {
            route_slot(route)
        };
        STATUSES
            .iter()
            .position(|s| *s == status)
            .map_or(0, |slot| {
                self.shards
                    .iter()
                    .flat_map(|shard| &shard.series[route][slot].buckets)
                    .map(|b| b.load(Relaxed))
                    .sum()
            })
    }

    /// Appends the request series in the exposition format; series that
    /// counted nothing are left out.
    fn render(&self, out: &mut String) {
        let mut rows = Vec::new();
        for route in 0..ROUTE_SLOTS {
            for (slot, status) in STATUSES.iter().enumerate() {
                let mut buckets = [0_u64; BUCKET_SLOTS];
                let mut sum_ns = 0_u64;
                for shard in &self.shards {
                    let series = &shard.series[route][slot];
                    for (total, b) in buckets.iter_mut().zip(&series.buckets) {
                        *total += b.load(Relaxed);
                    }
                    sum_ns = sum_ns.wrapping_add(series.sum_ns.load(Relaxed));
                }
                let count: u64 = buckets.iter().sum();
                if count > 0 {
                    let name = ROUTES.get(route).copied().unwrap_or(OTHER_ROUTE);
                    rows.push((name, *status, buckets, sum_ns, count));
                }
            }
        }
        out.push_str(
            "# HELP dezone_http_requests_total Requests answered, by route template and status.\n\
             # TYPE dezone_http_requests_total counter\n",
        );
        for (route, status, _, _, count) in &rows {
            let _ = writeln!(
                out,
                "dezone_http_requests_total{{route=\"{}\",status=\"{status}\"}} {count}",
                escape(route)
            );
        }
        out.push_str(
            "# HELP dezone_http_request_duration_seconds Time from a request's arrival to its response head, by route template and status.\n\
             # TYPE dezone_http_request_duration_seconds histogram\n",
        );
        for (route, status, buckets, sum_ns, count) in &rows {
            let labels = format!("route=\"{}\",status=\"{status}\"", escape(route));
            let mut cumulative = 0;
            for (le, n) in BUCKET_LABELS.iter().zip(buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "dezone_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "dezone_http_request_duration_seconds_sum{{{labels}}} {}\n\
                 dezone_http_request_duration_seconds_count{{{labels}}} {count}",
                *sum_ns as f64 / 1e9
            );
        }
    }
}

impl Default for RequestMetrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The index of a route template in [`ROUTES`]; past the end for any other.
#[must_use]
pub fn route_slot(template: &str) -> usize {
    ROUTES
        .iter()
        .position(|r| *r == template)
        .unwrap_or(ROUTE_SLOTS - 1)
}

/// This thread's copy of the counters: threads take the copies in turn.
fn shard() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    SHARD.with(|shard| {
        let mut index = shard.get();
        if index == usize::MAX {
            index = NEXT.fetch_add(1, Relaxed) % SHARDS;
            shard.set(index);
        }
        index
    })
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains(['\\', '"', '\n']) {
        value
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
            .into()
    } else {
        value.into()
    }
}

/// Records every answer of the routes it wraps in [`RequestMetrics`]; add it
/// with [`axum::Router::layer`] (see the module documentation).
#[derive(Clone, Copy, Debug)]
pub struct MetricsLayer {
    metrics: &'static RequestMetrics,
}

impl MetricsLayer {
    /// The layer recording to the process's counters, which `GET /metrics` shows.
    #[must_use]
    pub fn new() -> Self {
        Self::recording_to(RequestMetrics::global())
    }

    /// The layer recording to `metrics` (for tests).
    #[must_use]
    pub fn recording_to(metrics: &'static RequestMetrics) -> Self {
        Self { metrics }
    }
}

impl Default for MetricsLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> tower::Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MetricsService {
            inner,
            metrics: self.metrics,
        }
    }
}

/// The service of [`MetricsLayer`].
#[derive(Clone, Debug)]
pub struct MetricsService<S> {
    inner: S,
    metrics: &'static RequestMetrics,
}

impl<S, ReqBody, ResBody> tower::Service<Request<ReqBody>> for MetricsService<S>
where
    S: tower::Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = MetricsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or(ROUTE_SLOTS - 1, |path| route_slot(path.as_str()));
        MetricsFuture {
            started: Instant::now(),
            inner: self.inner.call(request),
            route,
            metrics: self.metrics,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`MetricsService`].
    pub struct MetricsFuture<F> {
        #[pin]
        inner: F,
        route: usize,
        started: Instant,
        metrics: &'static RequestMetrics,
    }
}

impl<F, ResBody, E> Future for MetricsFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let output = ready!(this.inner.poll(cx));
        let status = output.as_ref().map_or(500, |r| r.status().as_u16());
        this.metrics.answered(*this.route, status, *this.started);
        Poll::Ready(output)
    }
}

/// The media type of the text exposition format.
const EXPOSITION: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Metrics for Prometheus.
///
/// The text exposition format 0.0.4: requests and their latency by route
/// template and status (`dezone_http_requests_total`,
/// `dezone_http_request_duration_seconds`), the data served
/// (`dezone_data_info{version}`, `dezone_zones_loaded`,
/// `dezone_governorates_loaded`, `dezone_data_loaded_timestamp_seconds`),
/// reloads by result (`dezone_data_reloads_total{result="ok|failed"}`) and
/// the process's memory (`process_resident_memory_bytes`).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    responses(
        (status = 200, description = "The metrics, in the Prometheus text exposition format 0.0.4", content_type = "text/plain; version=0.0.4", body = String),
        (status = 400, description = "A query parameter was given (none is taken)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_metrics(
    State(state): State<AppState>,
    RawTarget(raw): RawTarget,
) -> Result<axum::response::Response, ApiError> {
    Query::parse(raw.query(), &[])?;
    let body = render(RequestMetrics::global(), &state);
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(EXPOSITION)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response())
}

/// The whole exposition: `requests`, then the data `state` serves, its
/// reloads, and the process.
#[must_use]
pub fn render(requests: &RequestMetrics, state: &AppState) -> String {
    let mut out = String::with_capacity(16 * 1024);
    requests.render(&mut out);
    let data = state.data();
    let reloads = state.reload_counts();
    let _ = write!(
        out,
        "# HELP dezone_build_info The running build; the label is its version.\n\
         # TYPE dezone_build_info gauge\n\
         dezone_build_info{{version=\"{}\"}} 1\n\
         # HELP dezone_data_info The zone data served; the label is its version, as in /healthz.\n\
         # TYPE dezone_data_info gauge\n\
         dezone_data_info{{version=\"{}\"}} 1\n\
         # HELP dezone_zones_loaded Zones in the data served.\n\
         # TYPE dezone_zones_loaded gauge\n\
         dezone_zones_loaded {}\n\
         # HELP dezone_governorates_loaded Governorates in the data served.\n\
         # TYPE dezone_governorates_loaded gauge\n\
         dezone_governorates_loaded {}\n\
         # HELP dezone_data_loaded_timestamp_seconds When the data served was put in place (start-up or the last reload that changed it), Unix time.\n\
         # TYPE dezone_data_loaded_timestamp_seconds gauge\n\
         dezone_data_loaded_timestamp_seconds {}\n\
         # HELP dezone_data_reloads_total Data reloads (SIGHUP) by result: ok (replaced, or found unchanged), failed (refused; the data in force stayed).\n\
         # TYPE dezone_data_reloads_total counter\n\
         dezone_data_reloads_total{{result=\"ok\"}} {}\n\
         dezone_data_reloads_total{{result=\"failed\"}} {}\n",
        escape(env!("CARGO_PKG_VERSION")),
        escape(&data.version),
        data.index.zones().len(),
        data.index.governorates().len(),
        state.loaded_at().as_second(),
        reloads.ok,
        reloads.failed,
    );
    drop(data);
    if let Some(memory) = Memory::read() {
        let _ = write!(
            out,
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n\
             # TYPE process_resident_memory_bytes gauge\n\
             process_resident_memory_bytes {}\n\
             # HELP process_virtual_memory_bytes Virtual memory size in bytes.\n\
             # TYPE process_virtual_memory_bytes gauge\n\
             process_virtual_memory_bytes {}\n\
             # HELP dezone_process_resident_memory_peak_bytes Peak resident memory size in bytes (VmHWM).\n\
             # TYPE dezone_process_resident_memory_peak_bytes gauge\n\
             dezone_process_resident_memory_peak_bytes {}\n",
            memory.rss, memory.virtual_size, memory.peak_rss
        );
    }
    out
}

/// The process's memory, from `/proc/self/status` (Linux only).
struct Memory {
    rss: u64,
    peak_rss: u64,
    virtual_size: u64,
}

impl Memory {
    fn read() -> Option<Self> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let field = |name: &str| -> Option<u64> {
            let line = status.lines().find(|l| l.starts_with(name))?;
            let kb: u64 = line[name.len()..]
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()?;
            Some(kb * 1024)
        };
        Some(Self {
            rss: field("VmRSS:")?,
            peak_rss: field("VmHWM:")?,
            virtual_size: field("VmSize:")?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::{Router, body::Body, http::StatusCode, routing::get};
    use tower::ServiceExt as _;

    use super::*;

    #[test]
    fn every_route_of_the_service_is_listed() {
        let doc = super::super::openapi();
        for path in doc.paths.paths.keys() {
            assert!(
                ROUTES.contains(&path.as_str()),
                "{path} is not in metrics::ROUTES: add it, or its requests count as `other`"
            );
        }
    }

    #[test]
    fn statuses_fall_in_their_slot_or_their_class() {
        for (i, label) in STATUSES.iter().enumerate().take(10) {
            assert_eq!(status_slot(label.parse().unwrap()), i);
        }
        assert_eq!(STATUSES[status_slot(201)], "2xx");
        assert_eq!(STATUSES[status_slot(302)], "3xx");
        assert_eq!(STATUSES[status_slot(429)], "4xx");
        assert_eq!(STATUSES[status_slot(502)], "5xx");
        assert_eq!(STATUSES[status_slot(101)], "1xx");
        assert_eq!(STATUSES[status_slot(999)], "5xx");
        assert_eq!(BUCKETS_NS.len() + 1, BUCKET_LABELS.len());
    }

    fn leaked() -> &'static RequestMetrics {
        Box::leak(Box::new(RequestMetrics::new()))
    }

    async fn call(app: &Router, uri: &str) -> StatusCode {
        app.clone()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap()
            .status()
    }

    #[tokio::test]
    async fn router_layer_counts_by_route_template_and_status() {
        let metrics = leaked();
        let app = Router::new()
            .route("/zones/{id}", get(|| async { "zone" }))
            .route("/locate", get(|| async { StatusCode::BAD_REQUEST }))
            .fallback(|| async { StatusCode::NOT_FOUND })
            .layer(MetricsLayer::recording_to(metrics));
        assert_eq!(call(&app, "/zones/idlib").await, StatusCode::OK);
        assert_eq!(call(&app, "/zones/southern").await, StatusCode::OK);
        assert_eq!(call(&app, "/locate").await, StatusCode::BAD_REQUEST);
        assert_eq!(call(&app, "/nowhere/at/all").await, StatusCode::NOT_FOUND);
        assert_eq!(metrics.count("/zones/{id}", "200"), 2);
        assert_eq!(metrics.count("/locate", "400"), 1);
        assert_eq!(metrics.count("other", "404"), 1);

        let mut text = String::new();
        metrics.render(&mut text);
        assert!(
            text.contains("dezone_http_requests_total{route=\"/zones/{id}\",status=\"200\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("dezone_http_requests_total{route=\"other\",status=\"404\"} 1\n"));
        assert!(text.contains(
            "dezone_http_request_duration_seconds_bucket{route=\"/zones/{id}\",status=\"200\",le=\"+Inf\"} 2\n"
        ));
        assert!(text.contains(
            "dezone_http_request_duration_seconds_count{route=\"/locate\",status=\"400\"} 1\n"
        ));
        assert!(!text.contains("idlib"), "raw paths never become labels");
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_the_sum_is_in_seconds() {
        let metrics = leaked();
        let slot = route_slot("/locate");
        metrics.record(slot, 200, Duration::from_micros(10));
        metrics.record(slot, 200, Duration::from_micros(200));
        metrics.record(slot, 200, Duration::from_secs(10));
        let mut text = String::new();
        metrics.render(&mut text);
        let value = |le: &str| -> u64 {
            let key = format!(
                "dezone_http_request_duration_seconds_bucket{{route=\"/locate\",status=\"200\",le=\"{le}\"}} "
            );
            let line = text.lines().find(|l| l.starts_with(&key)).unwrap();
            line[key.len()..].parse().unwrap()
        };
        assert_eq!(value("2.5e-05"), 1);
        assert_eq!(value("0.0001"), 1);
        assert_eq!(value("0.00025"), 2);
        assert_eq!(value("2.5"), 2);
        assert_eq!(value("+Inf"), 3);
        assert!(text.contains(
            "dezone_http_request_duration_seconds_sum{route=\"/locate\",status=\"200\"} 10.00021\n"
        ));
    }

    #[test]
    fn every_line_is_a_comment_or_a_sample() {
        let state = AppState::new(
            crate::geodata::load_embedded().unwrap(),
            super::super::Limits::default(),
        );
        let metrics = leaked();
        metrics.record(0, 200, Duration::from_micros(80));
        let text = render(metrics, &state);
        for line in text.lines() {
            if line.starts_with('#') {
                assert!(
                    line.starts_with("# HELP ") || line.starts_with("# TYPE "),
                    "{line}"
                );
                continue;
            }
            let (series, value) = line.rsplit_once(' ').unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
            let name = series.split('{').next().unwrap();
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{line}"
            );
        }
        assert!(text.contains(&format!(
            "dezone_data_info{{version=\"{}\"}} 1\n",
            state.data().version
        )));
        assert!(text.contains("dezone_zones_loaded 4\n"));
        assert!(text.contains("dezone_data_reloads_total{result=\"failed\"} 0\n"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape("plain"), "plain");
    }
}
