//! The outermost layer, run for every request: CORS, the framing policy of
//! pages, and problems for every error answer.
//!
//! One hand-written tower layer rather than a stack of general ones: it runs
//! on every request of a service answering tens of thousands a second, so it
//! neither boxes nor allocates, and a successful answer costs it a status
//! check, two header lookups and two header inserts.
//!
//! CORS: any origin may `GET`, `HEAD` and `POST` (no credentials), so the
//! answer never depends on the origin: every answer carries
//! `Access-Control-Allow-Origin: *`, with or without an `Origin` in the
//! request, and no `Vary: origin`. A shared cache may then give an answer
//! stored for curl or GDAL to a map page on another origin (Fetch, §3.2.5,
//! "CORS protocol and HTTP caches"). A preflight (`OPTIONS` with `Origin` and
//! `Access-Control-Request-Method`) is answered here, on any path, with
//! `204` and what may be sent; browsers may cache that for a day.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
};

use axum::{
    extract::Request,
    http::{HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};

use super::{Limits, map, problem};

/// Methods a cross-origin caller may use.
const ALLOW_METHODS: HeaderValue = HeaderValue::from_static("GET, HEAD, POST, OPTIONS");
/// Request headers a cross-origin caller may send.
const ALLOW_HEADERS: HeaderValue = HeaderValue::from_static("content-type, if-none-match, accept");
/// Response headers a cross-origin caller may read.
const EXPOSE_HEADERS: HeaderValue = HeaderValue::from_static("etag, link, content-crs");
/// How long a browser may keep a preflight's answer, seconds.
const PREFLIGHT_MAX_AGE: HeaderValue = HeaderValue::from_static("86400");
const ANY: HeaderValue = HeaderValue::from_static("*");

/// The outermost layer (see the module's notes).
#[derive(Clone, Copy, Debug)]
pub struct OuterLayer {
    limits: Limits,
}

impl OuterLayer {
    /// The layer; `limits` are named in the problems the limits cause.
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        Self { limits }
    }
}

impl<S> tower::Layer<S> for OuterLayer {
    type Service = OuterService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        OuterService {
            inner,
            limits: self.limits,
        }
    }
}

/// The service of [`OuterLayer`].
#[derive(Clone, Debug)]
pub struct OuterService<S> {
    inner: S,
    limits: Limits,
}

impl<S> tower::Service<Request> for OuterService<S>
where
    S: tower::Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = OuterFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let headers = request.headers();
        if headers.contains_key(header::ORIGIN)
            && request.method() == Method::OPTIONS
            && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        {
            return OuterFuture::Preflight {
                answer: Some(preflight()),
            };
        }
        // A Uri clone shares its bytes: nothing is copied unless a problem is written.
        let asked = (request.uri().clone(), request.method().clone());
        OuterFuture::Inner {
            inner: self.inner.call(request),
            asked: Some(asked),
            limits: self.limits,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`OuterService`].
    #[project = OuterProjection]
    pub enum OuterFuture<F> {
        /// A CORS preflight, answered without the inner service.
        Preflight { answer: Option<Response> },
        /// Any other request.
        Inner {
            #[pin]
            inner: F,
            asked: Option<(Uri, Method)>,
            limits: Limits,
        },
    }
}

impl<F, E> Future for OuterFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            OuterProjection::Preflight { answer } => {
                Poll::Ready(Ok(answer.take().unwrap_or_else(preflight)))
            }
            OuterProjection::Inner {
                inner,
                asked,
                limits,
            } => {
                let response = ready!(inner.poll(cx))?;
                let (uri, method) = asked.take().unwrap_or_default();
                Poll::Ready(Ok(finish(response, &uri, &method, *limits)))
            }
        }
    }
}

/// What the layer does to the answer to a request other than a preflight:
/// an error becomes a problem, a page gets its framing policy, and any
/// origin may read the answer. For callers that answer without the layer
/// wrapped around them (the [`front`](super::front)).
pub fn finish(response: Response, uri: &Uri, method: &Method, limits: Limits) -> Response {
    let mut response =
        problem::render_problem(map::deny_framing_elsewhere(response), uri, method, limits);
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ANY);
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSE_HEADERS);
    response
}

fn preflight() -> Response {
    (
        StatusCode::NO_CONTENT,
        [
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, ANY),
            (header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS),
            (header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS),
            (header::ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE),
        ],
    )
        .into_response()
}
