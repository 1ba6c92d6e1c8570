//! Shared helpers for the HTTP tests: routers over the fixture or the embedded
//! data, one-shot requests, and readers for status, headers and bodies.

#![allow(dead_code, clippy::unwrap_used, clippy::missing_panics_doc)]

use std::path::Path;

use axum::{
    Router,
    body::{Body, Bytes},
    http::{HeaderMap, Method, Request, StatusCode, header},
};
use dezone::{
    geodata,
    http::{AppState, Limits, router},
    zone::Zone,
};
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;

/// The four boxes of `tests/fixtures/boxes.geojson`.
pub fn boxes() -> Vec<Zone> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/boxes.geojson");
    geodata::load_file(&path).unwrap()
}

/// Limits small enough that a 413 is cheap to provoke.
/// The request target may be as long as hyper takes (64 KiB), so that the
/// handlers' own refusals of long values are tested, not the guard's 414.
pub const SMALL: Limits = Limits {
    max_batch_points: 5,
    max_body_bytes: 4096,
    max_uri_bytes: 65_534,
    ..Limits::DEFAULT
};

/// The service over the boxes with [`SMALL`] limits.
pub fn app() -> Router {
    router(AppState::new(boxes(), SMALL))
}

/// The service over the boxes with the default limits.
pub fn app_default_limits() -> Router {
    router(AppState::new(boxes(), Limits::default()))
}

/// The service as `dezone serve` runs it: the embedded zones and governorates.
pub fn app_embedded() -> Router {
    let index = dezone::cli::load_index(None, None).unwrap();
    router(AppState::from_index(index, Limits::default(), ""))
}

/// A whole answer, body read.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// A header as text, if present.
    pub fn header(&self, name: impl header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// The Content-Type, which must be present.
    pub fn content_type(&self) -> &str {
        self.header(header::CONTENT_TYPE)
            .unwrap_or_else(|| panic!("no Content-Type on a {} answer", self.status))
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body of a {} answer is not JSON ({e}): {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).unwrap()
    }
}

/// Sends one request to `app`.
pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// A request with `method`, `uri`, extra `headers` and `body`.
pub fn request(
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: impl Into<Body>,
) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.into()).unwrap()
}

/// `GET uri`.
pub async fn get(app: &Router, uri: &str) -> Answer {
    send(app, request(Method::GET, uri, &[], Body::empty())).await
}

/// `GET uri` with extra headers.
pub async fn get_with(app: &Router, uri: &str, headers: &[(&str, &str)]) -> Answer {
    send(app, request(Method::GET, uri, headers, Body::empty())).await
}

/// `POST uri` with `body` as `application/json`.
pub async fn post_json(app: &Router, uri: &str, body: impl Into<Body>) -> Answer {
    post_as(app, uri, Some("application/json"), body).await
}

/// `POST uri` with `body` and the given Content-Type (none if `None`).
pub async fn post_as(
    app: &Router,
    uri: &str,
    content_type: Option<&str>,
    body: impl Into<Body>,
) -> Answer {
    let headers: Vec<(&str, &str)> = content_type
        .map(|ct| ("content-type", ct))
        .into_iter()
        .collect();
    send(app, request(Method::POST, uri, &headers, body)).await
}

/// Checks that `answer` is an RFC 9457 problem with `status` and type
/// `/problems/{slug}` for the request path `instance`; returns the body.
#[track_caller]
pub fn assert_problem(answer: &Answer, status: u16, slug: &str, instance: &str) -> Value {
    assert_eq!(
        answer.status.as_u16(),
        status,
        "status; body: {}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.content_type(), "application/problem+json");
    let problem = answer.json();
    assert_eq!(
        problem["type"],
        format!("/problems/{slug}"),
        "type of {problem}"
    );
    assert!(
        problem["title"].as_str().is_some_and(|t| !t.is_empty()),
        "title of {problem}"
    );
    assert_eq!(problem["status"], status, "status member of {problem}");
    assert!(
        problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "detail of {problem}"
    );
    assert_eq!(problem["instance"], instance, "instance of {problem}");
    problem
}

/// Checks a 400 problem about query parameter `parameter` on `instance`
/// whose detail mentions `parameter`; returns the body.
#[track_caller]
pub fn assert_parameter_problem(
    answer: &Answer,
    slug: &str,
    parameter: &str,
    instance: &str,
) -> Value {
    let problem = assert_problem(answer, 400, slug, instance);
    assert_eq!(problem["parameter"], parameter, "parameter of {problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("`{parameter}`")),
        "detail names `{parameter}`: {detail}"
    );
    problem
}

/// Checks a 400 `invalid-body` problem about batch item `index` of `POST /locate`.
#[track_caller]
pub fn assert_item_problem(answer: &Answer, index: usize) -> Value {
    let problem = assert_problem(answer, 400, "invalid-body", "/locate");
    assert_eq!(problem["index"], index, "index of {problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("item {index}")),
        "detail names item {index}: {detail}"
    );
    problem
}
