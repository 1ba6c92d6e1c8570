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
    http::{HeaderValue, Method, StatusCode, Uri, Version, header},
    response::{IntoResponse, Response},
};

use axum::body::HttpBody as _;

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
    base_path: &'static str,
}

impl OuterLayer {
    /// The layer for a service at the root of its host; `limits` are named
    /// in the problems the limits cause.
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            base_path: "",
        }
    }

    /// The same layer for a service served under `base_path` (`/dezone`:
    /// [`AppState::base_path`](super::AppState::base_path)), which begins
    /// the problems' `type` and `instance`.
    #[must_use]
    pub fn under(self, base_path: &'static str) -> Self {
        Self { base_path, ..self }
    }
}

impl<S> tower::Layer<S> for OuterLayer {
    type Service = OuterService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        OuterService {
            inner,
            limits: self.limits,
            base_path: self.base_path,
        }
    }
}

/// The service of [`OuterLayer`].
#[derive(Clone, Debug)]
pub struct OuterService<S> {
    inner: S,
    limits: Limits,
    base_path: &'static str,
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
        let asked = Asked::of(&request);
        OuterFuture::Inner {
            inner: self.inner.call(request),
            asked: Some(asked),
            limits: self.limits,
            base_path: self.base_path,
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
            asked: Option<Asked>,
            limits: Limits,
            base_path: &'static str,
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
                base_path,
            } => {
                let response = ready!(inner.poll(cx))?;
                let asked = asked.take().unwrap_or_default();
                Poll::Ready(Ok(finish(response, &asked, *limits, base_path)))
            }
        }
    }
}

/// What of a request the layer needs once its answer is made.
#[derive(Clone, Debug, Default)]
pub struct Asked {
    /// The request target.
    pub uri: Uri,
    /// The method.
    pub method: Method,
    /// The `If-Match` condition, if any.
    pub if_match: Option<HeaderValue>,
    /// The HTTP version.
    pub version: Version,
}

impl Asked {
    /// What the layer needs of `request`.
    #[must_use]
    pub fn of<B>(request: &Request<B>) -> Self {
        Self {
            uri: request.uri().clone(),
            method: request.method().clone(),
            if_match: request.headers().get(header::IF_MATCH).cloned(),
            version: request.version(),
        }
    }
}

/// What the layer does to the answer to a request other than a preflight:
/// an `If-Match` that does not hold makes it a 412, an error becomes a
/// problem, a page gets its framing policy, and any origin may read the
/// answer. For callers that answer without the layer wrapped around them
/// (the [`front`](super::front)); `base_path` as in [`OuterLayer::under`].
pub fn finish(response: Response, asked: &Asked, limits: Limits, base_path: &str) -> Response {
    let mut response = match &asked.if_match {
        Some(condition) => precondition(response, condition),
        None => response,
    };
    if response.status() == StatusCode::NOT_MODIFIED {
        // The router gives a HEAD's answer the length of its empty body; a
        // 304 may give only the length of the 200 it stands for (RFC 9110
        // §8.6), and gives none here.
        response.headers_mut().remove(header::CONTENT_LENGTH);
    }
    if asked.version == Version::HTTP_10
        && !response.headers().contains_key(header::CONTENT_LENGTH)
        && response.body().size_hint().exact().is_none()
    {
        // An HTTP/1.0 answer of unknown length (streamed, or compressed on
        // the way out) ends when the connection closes: it says so, where
        // the HTTP library would say `keep-alive` to a client asking for it
        // and close all the same (RFC 9112 §6.3, §9.3). Marked HTTP/1.0,
        // the answer makes the library honour the `close` rather than add
        // `keep-alive` beside it.
        *response.version_mut() = Version::HTTP_10;
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    let mut response = problem::render_problem(
        map::deny_framing_elsewhere(response),
        &asked.uri,
        &asked.method,
        limits,
        base_path,
    );
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ANY);
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSE_HEADERS);
    response
}

/// `response`, or a 412 when `condition` (an `If-Match`) does not hold for
/// it (RFC 9110 §13.1.1, §13.2.2). A condition is evaluated only for an
/// answer that would be a 2xx without it (a 304 comes of `If-None-Match`,
/// evaluated after it); `*` holds for any such answer, and a list of tags
/// when one is the answer's `ETag`, compared strongly: a weak tag, as every
/// tag of the service is, never holds.
fn precondition(response: Response, condition: &HeaderValue) -> Response {
    let status = response.status();
    if !(status.is_success() || status == StatusCode::NOT_MODIFIED) {
        return response;
    }
    let tags = condition
        .as_bytes()
        .split(|&b| b == b',')
        .map(<[u8]>::trim_ascii);
    let ours = response
        .headers()
        .get(header::ETAG)
        .map(HeaderValue::as_bytes)
        .filter(|tag| !tag.starts_with(b"W/"));
    let mut holds = false;
    for tag in tags {
        holds |= tag == b"*" || ours.is_some_and(|ours| ours == tag);
    }
    if holds {
        return response;
    }
    let shown: String = String::from_utf8_lossy(condition.as_bytes())
        .chars()
        .take(120)
        .collect();
    let version = response.headers().get(header::ETAG).map_or_else(
        || "this answer has no entity tag".to_owned(),
        |tag| {
            format!(
                "its entity tag is {}",
                String::from_utf8_lossy(tag.as_bytes())
            )
        },
    );
    problem::ApiError::new(
        StatusCode::PRECONDITION_FAILED,
        problem::ProblemKind::PreconditionFailed,
        format!(
            "If-Match {shown:?} does not hold: {version}, and If-Match compares tags strongly, so that only * holds here; send If-None-Match to revalidate a stored copy"
        ),
    )
    .into_response()
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
