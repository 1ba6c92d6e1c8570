//! RFC 9457 problem details: every 4xx and 5xx the service sends.
//!
//! Handlers return [`ApiError`]; the [`super::outer::OuterLayer`] middleware writes the
//! `application/problem+json` body, adding the request path as `instance`, and
//! turns any other error response (405 from routing, a panic caught as 500, …)
//! into a problem too, so no client ever sees an empty or plain-text error.

use axum::{
    body::Body,
    extract::Path,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of a problem body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The media types a request body may have (`POST /locate`), as a 415 lists them.
pub const BODY_TYPES: &str = "application/json, application/geo+json";

const ACCEPT_POST: header::HeaderName = header::HeaderName::from_static("accept-post");

/// The kinds of problem, each with a stable `type` URI (`/problems/{slug}`,
/// relative to the service, where a description is served).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// A query parameter has a bad value.
    InvalidParameter,
    /// A required query parameter is missing.
    MissingParameter,
    /// A query parameter is not known for this resource.
    UnknownParameter,
    /// A query parameter appears more than once.
    DuplicateParameter,
    /// The request body cannot be used.
    InvalidBody,
    /// The body or batch exceeds a limit.
    PayloadTooLarge,
    /// The body's media type is not accepted.
    UnsupportedMediaType,
    /// No such resource.
    NotFound,
    /// The resource exists but not for this method.
    MethodNotAllowed,
    /// No representation matches the `Accept` header.
    NotAcceptable,
    /// An `If-Match` condition does not hold.
    PreconditionFailed,
    /// Any other client error.
    BadRequest,
    /// The request target (path and query) is longer than the service takes.
    UriTooLong,
    /// The request's header fields are too many or too large.
    HeadersTooLarge,
    /// The request body did not arrive in time.
    RequestTimeout,
    /// The service is at capacity, or could not answer in time; retry later.
    Unavailable,
    /// The service failed; details are in its log, not in the answer.
    Internal,
}

impl ProblemKind {
    const ALL: [Self; 17] = [
        Self::InvalidParameter,
        Self::MissingParameter,
        Self::UnknownParameter,
        Self::DuplicateParameter,
        Self::InvalidBody,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::NotAcceptable,
        Self::PreconditionFailed,
        Self::BadRequest,
        Self::UriTooLong,
        Self::HeadersTooLarge,
        Self::RequestTimeout,
        Self::Unavailable,
        Self::Internal,
    ];

    /// The slug of the `type` URI.
    #[must_use]
    pub fn slug(self) -> &'static str {
        match self {
            Self::InvalidParameter => "invalid-parameter",
            Self::MissingParameter => "missing-parameter",
            Self::UnknownParameter => "unknown-parameter",
            Self::DuplicateParameter => "duplicate-parameter",
            Self::InvalidBody => "invalid-body",
            Self::PayloadTooLarge => "payload-too-large",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::NotAcceptable => "not-acceptable",
            Self::PreconditionFailed => "precondition-failed",
            Self::BadRequest => "bad-request",
            Self::UriTooLong => "uri-too-long",
            Self::HeadersTooLarge => "headers-too-large",
            Self::RequestTimeout => "request-timeout",
            Self::Unavailable => "service-unavailable",
            Self::Internal => "internal-error",
        }
    }

    /// The short, fixed title.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::InvalidParameter => "Invalid parameter",
            Self::MissingParameter => "Missing parameter",
            Self::UnknownParameter => "Unknown parameter",
            Self::DuplicateParameter => "Duplicate parameter",
            Self::InvalidBody => "Invalid request body",
            Self::PayloadTooLarge => "Payload too large",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::NotAcceptable => "Not acceptable",
            Self::PreconditionFailed => "Precondition failed",
            Self::BadRequest => "Bad request",
            Self::UriTooLong => "URI too long",
            Self::HeadersTooLarge => "Request header fields too large",
            Self::RequestTimeout => "Request timeout",
            Self::Unavailable => "Service unavailable",
            Self::Internal => "Internal server error",
        }
    }

    /// What the problem means and how to fix it, served at its `type` URI.
    #[must_use]
    pub fn explanation(self) -> &'static str {
        match self {
            Self::InvalidParameter => {
                "A query parameter has a value the resource cannot use. The problem's `parameter` names it and `detail` says what was expected (for `lon` and `lat`: a finite decimal number of degrees, lon -180..180, lat -90..90)."
            }
            Self::MissingParameter => {
                "A required query parameter was not given. The problem's `parameter` names it."
            }
            Self::UnknownParameter => {
                "The request has a query parameter this resource does not take. Misspelt parameters are refused rather than ignored, so a typo never silently changes an answer; `detail` suggests the intended name where one fits."
            }
            Self::DuplicateParameter => {
                "A query parameter was given more than once. Give each parameter once."
            }
            Self::InvalidBody => {
                "The request body is not what the resource takes: not JSON, not one of the accepted GeoJSON or array forms, or an item that is not a valid point. `detail` names the item by its index; the batch is refused whole."
            }
            Self::PayloadTooLarge => {
                "The body is larger than the service accepts, or holds more points than one batch may. `detail` gives the limit; split the batch."
            }
            Self::UnsupportedMediaType => {
                "The body's Content-Type is not accepted. Send `application/json` or `application/geo+json`."
            }
            Self::NotFound => {
                "There is no resource at this path, or no zone with this id. `GET /zones` lists the zones; `GET /api` describes every route."
            }
            Self::MethodNotAllowed => {
                "The resource exists but does not take this method. The `Allow` header lists the methods it takes."
            }
            Self::NotAcceptable => {
                "No representation of the resource matches the request's `Accept` header. The OGC API resources come as JSON (`application/json`, `application/geo+json`) or HTML (`text/html`); `f=json` or `f=html` chooses one explicitly."
            }
            Self::PreconditionFailed => {
                "The request's `If-Match` names no current version of the resource, so it was not answered. The service's entity tags are weak (`W/\"…\"`: one per version, whatever the content coding), and `If-Match` compares entity tags strongly (RFC 9110 §13.1.1): only `If-Match: *` holds. To revalidate a stored copy, send `If-None-Match` with its entity tag."
            }
            Self::BadRequest => "The request cannot be used as it is; `detail` says why.",
            Self::UriTooLong => {
                "The request target (path and query string) is longer than the service takes; `detail` gives the limit. The filters and parameters of this API fit well within it: shorten the query, e.g. simplify a CQL2 `filter`."
            }
            Self::HeadersTooLarge => {
                "The request has more header fields, or more bytes of them, than the service takes; `detail` says which limit and its value. Send fewer or smaller headers (large cookies are the usual cause)."
            }
            Self::RequestTimeout => {
                "The request body did not arrive within the service's request timeout, given in `detail`. Nothing was changed. Send the body without pauses, or a smaller batch; the connection is closed."
            }
            Self::Unavailable => {
                "The service is answering as many requests as it answers at once, or could not answer this one within its request timeout; `detail` says which, with the limit. Nothing was changed. Retry later (after the seconds in `Retry-After`, when given), or ask for less."
            }
            Self::Internal => {
                "The service failed to answer. Nothing the request sent was stored or changed; the service log has the details. Retrying may help."
            }
        }
    }

    fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::UnsupportedMediaType,
            StatusCode::NOT_ACCEPTABLE => Self::NotAcceptable,
            StatusCode::PRECONDITION_FAILED => Self::PreconditionFailed,
            StatusCode::URI_TOO_LONG => Self::UriTooLong,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => Self::HeadersTooLarge,
            StatusCode::REQUEST_TIMEOUT => Self::RequestTimeout,
            StatusCode::SERVICE_UNAVAILABLE => Self::Unavailable,
            s if s.is_server_error() => Self::Internal,
            _ => Self::BadRequest,
        }
    }

    fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug() == slug)
    }
}

/// An error a handler answers with; rendered as a problem by [`super::outer::OuterLayer`].
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The kind, giving `type` and `title`.
    pub kind: ProblemKind,
    /// What went wrong with this request and what was expected.
    pub detail: String,
    /// The query parameter at fault, if any.
    pub parameter: Option<String>,
    /// The index of the batch item at fault, if any.
    pub index: Option<usize>,
}

impl ApiError {
    /// A problem of `kind` with `status` and `detail`.
    #[must_use]
    pub fn new(status: StatusCode, kind: ProblemKind, detail: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            detail: detail.into(),
            parameter: None,
            index: None,
        }
    }

    /// A 400 naming a query parameter.
    #[must_use]
    pub fn parameter(kind: ProblemKind, parameter: &str, detail: impl Into<String>) -> Self {
        Self {
            parameter: Some(parameter.to_owned()),
            ..Self::new(StatusCode::BAD_REQUEST, kind, detail)
        }
    }

    /// A 400 about the body.
    #[must_use]
    pub fn body(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ProblemKind::InvalidBody, detail)
    }

    /// A 400 about one item of a batch.
    #[must_use]
    pub fn item(index: usize, detail: impl Into<String>) -> Self {
        Self {
            index: Some(index),
            ..Self::body(detail)
        }
    }

    /// A 404.
    #[must_use]
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ProblemKind::NotFound, detail)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// The body of every error answer (RFC 9457).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/invalid-parameter",
    "title": "Invalid parameter",
    "status": 400,
    "detail": "`lat` must be a latitude in decimal degrees (WGS 84) between -90 and 90, got 95",
    "instance": "/locate",
    "parameter": "lat"
}))]
pub struct Problem {
    /// A URI reference identifying the kind of problem; dereference it for a description.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request and what was expected.
    pub detail: String,
    /// The path of the request that failed.
    pub instance: String,
    /// The query parameter at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// The index of the batch item at fault (0-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
}

/// Dresses an error answer as a problem: an [`ApiError`] from a handler with
/// its own detail, any other error status (routing, limits, panics) with a
/// generic one. Any other answer passes unchanged. `base_path` is the path
/// the service is served under (`/dezone`, or empty at the root): `type` and
/// `instance` begin with it, so that they resolve to this service behind a
/// proxy's path prefix too.
pub(crate) fn render_problem(
    response: Response,
    uri: &axum::http::Uri,
    method: &axum::http::Method,
    limits: super::Limits,
    base_path: &str,
) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let instance = format!("{base_path}{}", uri.path());
    if let Some(error) = response.extensions().get::<ApiError>().cloned() {
        return problem_response(response, error, instance, base_path);
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return response;
    }
    let kind = ProblemKind::from_status(status);
    let detail = match kind {
        ProblemKind::NotFound => {
            format!("there is no resource at {instance}; GET /api lists every route")
        }
        ProblemKind::MethodNotAllowed => {
            format!(
                "{instance} does not take {method}; the Allow header lists the methods it takes"
            )
        }
        ProblemKind::PayloadTooLarge => format!(
            "the request body is larger than {} bytes, the most one request may send",
            limits.max_body_bytes
        ),
        ProblemKind::Internal => {
            "the service failed to answer; the failure is in its log".to_owned()
        }
        _ => status
            .canonical_reason()
            .unwrap_or("the request cannot be used")
            .to_owned(),
    };
    let error = ApiError::new(status, kind, detail);
    problem_response(response, error, instance, base_path)
}

fn problem_response(
    original: Response,
    error: ApiError,
    instance: String,
    base_path: &str,
) -> Response {
    // A 503 is load shedding or a timeout, counted by the metrics: one log
    // line each would flood the log just when the service is busiest.
    if error.status.is_server_error() && error.kind != ProblemKind::Unavailable {
        tracing::error!(status = %error.status, detail = %error.detail, %instance, "answered with a server error");
    }
    let problem = Problem {
        kind: format!("{base_path}/problems/{}", error.kind.slug()),
        title: error.kind.title().to_owned(),
        status: error.status.as_u16(),
        detail: error.detail,
        instance,
        parameter: error.parameter,
        index: error.index,
    };
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let (mut parts, _) = original.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::ETAG);
    parts.headers.remove(header::CACHE_CONTROL);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    match error.kind {
        // What the one resource taking a body takes (RFC 9110 §12.5.3 and
        // §15.5.16; `Accept-Post`, W3C LDP §7.1).
        ProblemKind::UnsupportedMediaType => {
            parts
                .headers
                .insert(ACCEPT_POST, HeaderValue::from_static(BODY_TYPES));
            parts.headers.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_static("identity"),
            );
        }
        // The rest of a body too large is not read: the connection cannot
        // carry another request, and the client is told so (RFC 9112 §9.6).
        ProblemKind::PayloadTooLarge => {
            parts
                .headers
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        _ => {}
    }
    Response::from_parts(parts, Body::from(body))
}

/// The answer to a caught panic: a bare 500 that [`super::outer::OuterLayer`] dresses.
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// Describes a problem type.
#[utoipa::path(
    get,
    path = "/problems/{type}",
    tag = "service",
    params(("type" = String, Path, description = "The problem type's slug, as in a problem's `type`", example = "invalid-parameter")),
    responses(
        (status = 200, description = "What the problem type means", content_type = "text/plain", body = String),
        (status = 400, description = "A query parameter was given (none is taken)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such problem type", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_problem_type(
    Path(slug): Path<String>,
    super::extract::RawTarget(raw): super::extract::RawTarget,
) -> Result<Response, ApiError> {
    super::extract::Query::parse(raw.query(), &[])?;
    let kind = ProblemKind::from_slug(&slug)
        .ok_or_else(|| ApiError::not_found(format!("there is no problem type {slug:?}")))?;
    let text = format!("{}\n\n{}\n", kind.title(), kind.explanation());
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}
