//! The HTTP stack in-process: one request through `dezone::http::router`
//! (every layer, the routing, the handler and the whole answer body), and
//! the same through the `Front` that `dezone serve` runs, with no socket,
//! next to the same through a bare axum router that answers "Hello, World!"
//! (the `examples/hello.rs` service). The difference is the
//! part of a request's CPU time that dezone adds over hello-world; the
//! socket and HTTP/1.1 work that both share is measured by `load.sh`.
//!
//! `cargo bench --bench router`

use std::hint::black_box;

use axum::{Router, body::Body, http::Request, routing::get};
use criterion::{Criterion, criterion_group, criterion_main};
use dezone::http::{AppState, Front, Limits, router};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

/// The request wrk sends, with the headers a browser or wrk would.
fn request(uri: &str) -> Request<Body> {
    Request::builder()
        .uri(uri)
        .header("host", "127.0.0.1:8080")
        .header("user-agent", "bench")
        .header("accept", "*/*")
        .body(Body::empty())
        .expect("a valid request")
}

/// One request's answer, its body read to the end.
async fn answer<S>(app: S, uri: &str) -> usize
where
    S: tower::Service<Request<Body>, Response = axum::response::Response>,
    S::Error: std::fmt::Debug,
{
    let response = app.oneshot(request(uri)).await.expect("infallible");
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    body.len()
}

fn stack(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let index = dezone::cli::load_index(None, None).expect("the embedded data");
    let state = AppState::from_index(index, Limits::default(), "");
    let app = router(state.clone());
    let front = Front::new(state);
    let hello = Router::new().route("/", get(|| async { "Hello, World!" }));

    let mut group = c.benchmark_group("router");
    group.bench_function("hello", |b| {
        b.iter(|| runtime.block_on(answer(hello.clone(), black_box("/"))));
    });
    for (name, uri) in [
        ("healthz", "/healthz"),
        ("locate", "/locate?lon=36.63&lat=35.93"),
        ("zones", "/zones"),
        ("items", "/collections/zones/items"),
    ] {
        // Warm the lazily prepared parts first.
        runtime.block_on(answer(app.clone(), uri));
        group.bench_function(name, |b| {
            b.iter(|| runtime.block_on(answer(app.clone(), black_box(uri))));
        });
        // What `dezone serve` runs: these routes answered without the router.
        group.bench_function(format!("{name} (front)"), |b| {
            b.iter(|| runtime.block_on(answer(front.clone(), black_box(uri))));
        });
    }
    group.finish();
}

criterion_group!(benches, stack);
criterion_main!(benches);
