//! Bodies prepared once per data version and served with validators.

use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use sha2::{Digest, Sha256};

/// How long clients and caches may reuse zone data before revalidating.
pub const CACHE_CONTROL: &str = "public, max-age=300";

/// A prepared body with its media type and entity tag.
#[derive(Clone, Debug)]
pub struct Resource {
    body: Bytes,
    content_type: HeaderValue,
    etag: HeaderValue,
}

impl Resource {
    /// Prepares `body`; its weak entity tag is a hash of the bytes (weak, since
    /// compression may change the bytes on the wire).
    #[must_use]
    pub fn new(body: impl Into<Bytes>, content_type: &'static str) -> Self {
        let body = body.into();
        let etag = format!("W/\"{}\"", short_hash(&body));
        Self {
            content_type: HeaderValue::from_static(content_type),
            etag: HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("W/\"0\"")),
            body,
        }
    }

    /// Serialises `value` as JSON and prepares it.
    #[must_use]
    pub fn json(value: &impl serde::Serialize, content_type: &'static str) -> Self {
        Self::new(serde_json::to_vec(value).unwrap_or_default(), content_type)
    }

    /// The prepared bytes.
    #[must_use]
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The entity tag, quotes and `W/` included.
    #[must_use]
    pub fn etag(&self) -> &HeaderValue {
        &self.etag
    }

    /// The answer to a GET: `304 Not Modified` when `If-None-Match` names this
    /// version (or `*`), else `200` with the body.
    #[must_use]
    pub fn respond(&self, request_headers: &HeaderMap) -> Response {
        let headers = [
            (header::ETAG, self.etag.clone()),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(CACHE_CONTROL),
            ),
            // A 304 repeats the Vary its 200 carries (RFC 9110 §15.4.5).
            (header::VARY, HeaderValue::from_static("accept-encoding")),
        ];
        if self.matches(request_headers) {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        let mut response = (headers, Body::from(self.body.clone())).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, self.content_type.clone());
        response
    }

    /// Weak comparison of `If-None-Match` against this version (RFC 9110 §13.1.2).
    fn matches(&self, request_headers: &HeaderMap) -> bool {
        let ours = opaque(self.etag.as_bytes());
        request_headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .flat_map(|v| v.as_bytes().split(|&b| b == b','))
            .map(<[u8]>::trim_ascii)
            .any(|tag| tag == b"*" || opaque(tag) == ours)
    }
}

fn opaque(tag: &[u8]) -> &[u8] {
    tag.strip_prefix(b"W/").unwrap_or(tag)
}

/// The first 16 hex digits of the SHA-256 of `bytes`.
#[must_use]
pub fn short_hash(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .take(8)
        .fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}
