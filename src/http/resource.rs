//! Bodies prepared once per data version and served with validators, in the
//! content coding the client prefers.
//!
//! A [`Resource`] keeps its body as prepared (the identity coding) and, for
//! the prepared bodies, a gzip and a br variant. Each variant is compressed the
//! first time a client accepts it, once (a `OnceLock`), at the densest level
//! (br quality 11; gzip by Zopfli): compressing every body eagerly would cost
//! seconds of start-up (br of the embedded data and the map's files: about
//! 2 s of CPU; Zopfli's gzip about as much), against a budget of 150 ms. The
//! first br or gzip answer of the largest bodies (the Leaflet script, the
//! governorates) takes about half a second; every later one reuses the
//! bytes. A variant is kept only when it is smaller than the body. The answer
//! names its coding in `Content-Encoding`. A body made for one answer
//! ([`Resource::transient`]) keeps no variants: when large, it is compressed
//! for that answer alone, at a quick level, so the routes serving resources
//! need no compression layer.
//!
//! Every coding of a body carries the same weak entity tag: the variants are
//! the same content, so `If-None-Match` with the tag of one answers `304` for
//! all (RFC 9110 §8.8.1, §13.1.2).
//!
//! Imports nothing else of the service.

use std::{io::Write as _, sync::OnceLock};

use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::Response,
};
use bytes::Bytes;
use sha2::{Digest, Sha256};

/// How long clients and caches may reuse zone data before revalidating.
pub const CACHE_CONTROL: &str = "public, max-age=300";

/// Brotli quality of the br variants: the densest.
const BROTLI_QUALITY: i32 = 11;

/// Zopfli's iterations for the gzip variants (see [`gzip_densest`]).
const ZOPFLI_ITERATIONS: u64 = 5;

/// Brotli quality of a transient body compressed for one answer: quick
/// (tens of MB/s), and still denser than gzip.
pub const TRANSIENT_BROTLI_QUALITY: i32 = 5;

/// A transient body this long or shorter is sent as it is: compressing a
/// small answer costs more than it saves.
pub const TRANSIENT_MIN_BYTES: usize = 2048;

/// A content coding a [`Resource`] can be sent in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Coding {
    /// No coding: the body as prepared.
    Identity,
    /// gzip (RFC 1952).
    Gzip,
    /// Brotli (RFC 7932), `br`.
    Brotli,
}

impl Coding {
    /// The coding's token, as `Content-Encoding` names it.
    ///
    /// # Examples
    ///
    /// ```
    /// use dezone::http::resource::Coding;
    ///
    /// assert_eq!(Coding::Brotli.token(), "br");
    /// assert_eq!(Coding::Gzip.token(), "gzip");
    /// ```
    #[must_use]
    pub fn token(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Gzip => "gzip",
            Self::Brotli => "br",
        }
    }

    /// Which coding wins a tie in quality: br (the smallest), then gzip,
    /// then identity.
    fn rank(self) -> u8 {
        match self {
            Self::Identity => 0,
            Self::Gzip => 1,
            Self::Brotli => 2,
        }
    }
}

/// What a request's `Accept-Encoding` says of the codings a [`Resource`] can
/// be sent in (RFC 9110 §12.5.3).
///
/// Tokens are case-insensitive; `x-gzip` is gzip; a weight (`q`, 0 to 1, in
/// thousandths) ranks them and `q=0` refuses; `*` stands for every coding the
/// field does not name. `identity` is acceptable unless refused (by
/// `identity;q=0`, or `*;q=0` without `identity`); when the field does not
/// weigh it, any coding it accepts is preferred to it. Without the field, or
/// with an empty one, only identity is acceptable. An element with a malformed
/// weight is ignored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AcceptEncoding {
    br: Option<u16>,
    gzip: Option<u16>,
    identity: Option<u16>,
    any: Option<u16>,
}

impl AcceptEncoding {
    /// Reads every `Accept-Encoding` field of a request.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::http::{HeaderMap, HeaderValue, header};
    /// use dezone::http::resource::{AcceptEncoding, Coding};
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip, br;q=0"));
    /// let accept = AcceptEncoding::from_headers(&headers);
    /// assert_eq!(accept.preference().collect::<Vec<_>>(), [Coding::Gzip, Coding::Identity]);
    /// ```
    #[must_use]
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut accept = Self::default();
        let elements = headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','));
        for element in elements {
            let mut parts = element.split(';');
            let token = parts.next().unwrap_or_default().trim();
            let Some(q) = weight(parts) else { continue };
            let slot = if token.eq_ignore_ascii_case("br") {
                &mut accept.br
            } else if token.eq_ignore_ascii_case("gzip") || token.eq_ignore_ascii_case("x-gzip") {
                &mut accept.gzip
            } else if token.eq_ignore_ascii_case("identity") {
                &mut accept.identity
            } else if token == "*" {
                &mut accept.any
            } else {
                continue;
            };
            // A coding weighed twice gets the lower weight.
            *slot = Some(slot.map_or(q, |old| old.min(q)));
        }
        accept
    }

    /// How much the client wants `coding`: `None` when it refuses it, else its
    /// weight and the coding's rank (compared in that order).
    fn appeal(&self, coding: Coding) -> Option<(u16, u8)> {
        let named = match coding {
            Coding::Brotli => self.br,
            Coding::Gzip => self.gzip,
            Coding::Identity => self.identity,
        };
        let q = match (named.or(self.any), coding) {
            (Some(q), _) => q,
            // Acceptable by default, after every coding the field accepts.
            (None, Coding::Identity) => return Some((0, 0)),
            (None, _) => 0,
        };
        (q > 0).then_some((q, coding.rank()))
    }

    /// The acceptable codings, the most wanted first; empty when the client
    /// refuses them all.
    pub fn preference(&self) -> impl Iterator<Item = Coding> + use<> {
        let mut ranked =
            [Coding::Brotli, Coding::Gzip, Coding::Identity].map(|c| (self.appeal(c), c));
        ranked.sort_by_key(|&(appeal, _)| std::cmp::Reverse(appeal));
        ranked
            .into_iter()
            .filter_map(|(appeal, coding)| appeal.map(|_| coding))
    }
}

/// The weight among an element's parameters: 1 when there is none, `None`
/// when it is malformed (RFC 9110 §12.4.2: `0`–`1`, at most three decimals).
fn weight<'a>(parameters: impl Iterator<Item = &'a str>) -> Option<u16> {
    let mut q = 1000;
    for parameter in parameters {
        let (name, value) = parameter.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("q") {
            continue;
        }
        let value = value.trim();
        let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
        if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let thousandths = fraction
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(3)
            .fold(0u16, |n, b| n * 10 + u16::from(b - b'0'));
        q = match whole {
            "0" => thousandths,
            "1" if thousandths == 0 => 1000,
            _ => return None,
        };
    }
    Some(q)
}

/// The compressed variants of a prepared body, each made on first use;
/// `None` inside when it is not smaller than the body.
#[derive(Clone, Debug, Default)]
struct Variants {
    gzip: OnceLock<Option<Bytes>>,
    br: OnceLock<Option<Bytes>>,
}

/// A prepared body with its media type, entity tag and compressed variants.
#[derive(Clone, Debug)]
pub struct Resource {
    body: Bytes,
    content_type: HeaderValue,
    etag: HeaderValue,
    /// `None` for a body made for one answer.
    variants: Option<Variants>,
}

impl Resource {
    /// Prepares `body`; its weak entity tag is a hash of the bytes (weak, since
    /// its gzip and br variants share it). The variants are compressed when
    /// first asked for.
    ///
    /// # Examples
    ///
    /// ```
    /// use dezone::http::resource::Resource;
    ///
    /// let resource = Resource::new("{}", "application/json");
    /// assert!(resource.etag().to_str().unwrap().starts_with("W/\""));
    /// assert_eq!(&resource.body()[..], b"{}");
    /// ```
    #[must_use]
    pub fn new(body: impl Into<Bytes>, content_type: &'static str) -> Self {
        let body = body.into();
        let etag = format!("W/\"{}\"", short_hash(&body));
        Self {
            content_type: HeaderValue::from_static(content_type),
            etag: HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("W/\"0\"")),
            body,
            variants: Some(Variants::default()),
        }
    }

    /// Serialises `value` as JSON and prepares it.
    #[must_use]
    pub fn json(value: &impl serde::Serialize, content_type: &'static str) -> Self {
        Self::new(serde_json::to_vec(value).unwrap_or_default(), content_type)
    }

    /// The same body for one answer only (a filtered page, a map page with
    /// parameters): no variants are kept, since compressing at the densest
    /// level for one answer costs more than it saves; [`Self::negotiate`]
    /// compresses it for the answer, at a quick level, when it is large.
    ///
    /// # Examples
    ///
    /// ```
    /// use dezone::http::resource::{Coding, Resource};
    ///
    /// let once = Resource::new("[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]", "application/json").transient();
    /// assert!(once.variant(Coding::Gzip).is_none());
    /// ```
    #[must_use]
    pub fn transient(mut self) -> Self {
        self.variants = None;
        self
    }

    /// The prepared bytes (the identity coding).
    #[must_use]
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The entity tag, quotes and `W/` included.
    #[must_use]
    pub fn etag(&self) -> &HeaderValue {
        &self.etag
    }

    /// The body in `coding`, compressed on first use; `None` when no such
    /// variant is kept (it would not be smaller, or the body is transient).
    ///
    /// # Examples
    ///
    /// ```
    /// use dezone::http::resource::{Coding, Resource};
    ///
    /// let resource = Resource::new("zone ".repeat(100), "text/plain");
    /// let br = resource.variant(Coding::Brotli).unwrap();
    /// assert!(br.len() < resource.body().len());
    /// assert!(Resource::new("{}", "application/json").variant(Coding::Gzip).is_none());
    /// ```
    #[must_use]
    pub fn variant(&self, coding: Coding) -> Option<&Bytes> {
        let variants = self.variants.as_ref();
        match coding {
            Coding::Identity => Some(&self.body),
            Coding::Gzip => variants?
                .gzip
                .get_or_init(|| {
                    off_the_workers(|| smaller(gzip_densest(&self.body), self.body.len()))
                })
                .as_ref(),
            Coding::Brotli => variants?
                .br
                .get_or_init(|| {
                    off_the_workers(|| smaller(brotli(&self.body, BROTLI_QUALITY), self.body.len()))
                })
                .as_ref(),
        }
    }

    /// The coding to answer a request in, and the bytes: the most wanted
    /// acceptable coding that has a variant; identity when the client refuses
    /// every coding there is (RFC 9110 §12.1 lets a server disregard the field).
    ///
    /// A transient body has no variants: when the client prefers gzip or br
    /// and the body is over [`TRANSIENT_MIN_BYTES`], it is compressed for
    /// this answer, at a quick level (gzip 6, br quality
    /// [`TRANSIENT_BROTLI_QUALITY`]), and sent so when that is smaller.
    #[must_use]
    pub fn negotiate(&self, request_headers: &HeaderMap) -> (Coding, Bytes) {
        for coding in AcceptEncoding::from_headers(request_headers).preference() {
            if let Some(bytes) = self.variant(coding) {
                return (coding, bytes.clone());
            }
            if self.variants.is_none() && self.body.len() > TRANSIENT_MIN_BYTES {
                let once = match coding {
                    Coding::Identity => None,
                    Coding::Gzip => gzip(&self.body, flate2::Compression::default()),
                    Coding::Brotli => brotli(&self.body, TRANSIENT_BROTLI_QUALITY),
                };
                if let Some(bytes) = smaller(once, self.body.len()) {
                    return (coding, bytes);
                }
            }
        }
        (Coding::Identity, self.body.clone())
    }

    /// The answer to a GET or HEAD: `304 Not Modified` when `If-None-Match`
    /// names this version (or `*`), else `200` with the body in the coding
    /// [`Self::negotiate`] picks, its `Content-Encoding` and `Content-Length`.
    /// Both carry the `ETag`, `Cache-Control` and `Vary: accept-encoding`.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
    /// use dezone::http::resource::Resource;
    ///
    /// let resource = Resource::new("zone ".repeat(100), "text/plain");
    /// let mut request = HeaderMap::new();
    /// request.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
    /// let answer = resource.respond(&request);
    /// assert_eq!(answer.headers()[header::CONTENT_ENCODING], "gzip");
    ///
    /// request.insert(header::IF_NONE_MATCH, resource.etag().clone());
    /// assert_eq!(resource.respond(&request).status(), StatusCode::NOT_MODIFIED);
    /// ```
    #[must_use]
    pub fn respond(&self, request_headers: &HeaderMap) -> Response {
        let mut headers = HeaderMap::with_capacity(8);
        headers.insert(header::ETAG, self.etag.clone());
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        );
        // A 304 repeats the Vary its 200 carries (RFC 9110 §15.4.5).
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if self.matches(request_headers) {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            *response.headers_mut() = headers;
            return response;
        }
        let (coding, bytes) = self.negotiate(request_headers);
        headers.insert(header::CONTENT_TYPE, self.content_type.clone());
        if coding != Coding::Identity {
            headers.insert(
                header::CONTENT_ENCODING,
                HeaderValue::from_static(coding.token()),
            );
        }
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
        let mut response = Response::new(Body::from(bytes));
        *response.headers_mut() = headers;
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

/// Runs `compress` so that it does not hold up the other requests of a
/// multi-threaded runtime's worker (br at quality 11 takes up to half a second
/// for the largest bodies): the worker hands its queue to another thread
/// meanwhile. Elsewhere (a current-thread runtime, no runtime) it just runs.
fn off_the_workers<T>(compress: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(compress)
        }
        _ => compress(),
    }
}

/// `encoded` when it is smaller than the `original_len` bytes it encodes.
fn smaller(encoded: Option<Vec<u8>>, original_len: usize) -> Option<Bytes> {
    encoded.filter(|e| e.len() < original_len).map(Bytes::from)
}

/// `body` gzipped at `level`.
fn gzip(body: &[u8], level: flate2::Compression) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 3), level);
    encoder.write_all(body).ok()?;
    encoder.finish().ok()
}

/// `body` gzipped by Zopfli: a deflate stream 2–22 % smaller than
/// zlib's best level makes for the same body (the zone GeoJSON: 7.5 against
/// 9.0 KB), for many times the CPU, once per data version. Clients without a
/// Brotli decoder (Python's `requests` as installed, curl built without
/// brotli) take gzip.
fn gzip_densest(body: &[u8]) -> Option<Vec<u8>> {
    let options = zopfli::Options {
        // Past 5 iterations the bodies served here shrink by a few bytes at
        // most, and the time doubles.
        iteration_count: std::num::NonZeroU64::new(ZOPFLI_ITERATIONS)?,
        ..zopfli::Options::default()
    };
    let mut out = Vec::with_capacity(body.len() / 3);
    zopfli::compress(options, zopfli::Format::Gzip, body, &mut out).ok()?;
    Some(out)
}

/// `body` compressed with Brotli at `quality`, with a window just large
/// enough for it (less memory for the decoder).
fn brotli(body: &[u8], quality: i32) -> Option<Vec<u8>> {
    let window = (10..24)
        .find(|&bits| (1usize << bits) - 16 >= body.len())
        .unwrap_or(24);
    let params = brotli::enc::BrotliEncoderParams {
        quality,
        lgwin: window,
        size_hint: body.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(body.len() / 4);
    brotli::BrotliCompress(&mut &body[..], &mut out, &params).ok()?;
    Some(out)
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

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    fn accept(value: &str) -> Vec<Coding> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        AcceptEncoding::from_headers(&headers)
            .preference()
            .collect()
    }

    use Coding::{Brotli as Br, Gzip, Identity};

    #[test]
    fn without_the_field_only_identity_is_acceptable() {
        let none: Vec<Coding> = AcceptEncoding::from_headers(&HeaderMap::new())
            .preference()
            .collect();
        assert_eq!(none, [Identity]);
        assert_eq!(accept(""), [Identity]);
    }

    #[test]
    fn br_wins_a_tie_with_gzip_and_both_beat_implicit_identity() {
        assert_eq!(accept("gzip, deflate, br"), [Br, Gzip, Identity]);
        assert_eq!(accept("gzip, deflate, br, zstd"), [Br, Gzip, Identity]);
        assert_eq!(accept("gzip"), [Gzip, Identity]);
        assert_eq!(accept("gzip;q=0.1"), [Gzip, Identity]);
    }

    #[test]
    fn weights_rank_codings() {
        assert_eq!(accept("br;q=0.5, gzip"), [Gzip, Br, Identity]);
        assert_eq!(
            accept("br;q=0.5, gzip;q=0.8, identity"),
            [Identity, Gzip, Br]
        );
        assert_eq!(accept("gzip;q=0.5, identity;q=0.5"), [Gzip, Identity]);
        assert_eq!(
            accept("br;Q=0.999 , gzip ; q = 1.000"),
            [Gzip, Br, Identity]
        );
    }

    #[test]
    fn q_zero_refuses() {
        assert_eq!(accept("br;q=0, gzip"), [Gzip, Identity]);
        assert_eq!(accept("br;q=0.000, gzip;q=0"), [Identity]);
        assert_eq!(accept("gzip, identity;q=0"), [Gzip]);
        assert_eq!(accept("identity;q=0"), Vec::<Coding>::new());
    }

    #[test]
    fn star_stands_for_the_codings_not_named() {
        assert_eq!(accept("*"), [Br, Gzip, Identity]);
        assert_eq!(accept("*;q=0.5, gzip"), [Gzip, Br, Identity]);
        assert_eq!(accept("br;q=0, *"), [Gzip, Identity]);
        assert_eq!(accept("*;q=0"), Vec::<Coding>::new());
        assert_eq!(accept("gzip, *;q=0"), [Gzip]);
        assert_eq!(accept("identity, *;q=0"), [Identity]);
    }

    #[test]
    fn tokens_are_case_insensitive_and_x_gzip_is_gzip() {
        assert_eq!(accept("GZIP, Br"), [Br, Gzip, Identity]);
        assert_eq!(accept("x-gzip"), [Gzip, Identity]);
        assert_eq!(accept("IDENTITY;q=0, BR"), [Br]);
    }

    #[test]
    fn malformed_weights_are_ignored() {
        assert_eq!(accept("br;q=2, gzip;q=0.5"), [Gzip, Identity]);
        assert_eq!(accept("br;q=0.0001, gzip;q=abc"), [Identity]);
        assert_eq!(accept("br;q=-1"), [Identity]);
        assert_eq!(accept("br;q"), [Identity]);
        assert_eq!(accept(" , ,br"), [Br, Identity]);
    }

    #[test]
    fn variants_decode_to_the_body() {
        let body = "{\"zone\":\"eastern-ghouta\"}".repeat(50);
        let resource = Resource::new(body.clone(), "application/json");
        let mut gunzipped = String::new();
        flate2::read::GzDecoder::new(&resource.variant(Gzip).unwrap()[..])
            .read_to_string(&mut gunzipped)
            .unwrap();
        assert_eq!(gunzipped, body);
        let mut unbrotlied = Vec::new();
        brotli::BrotliDecompress(&mut &resource.variant(Br).unwrap()[..], &mut unbrotlied).unwrap();
        assert_eq!(unbrotlied, body.as_bytes());
    }

    #[test]
    fn a_large_transient_body_is_compressed_for_the_answer_in_the_coding_preferred() {
        let body = "{\"zone\":\"eastern-ghouta\"}".repeat(200);
        let resource = Resource::new(body.clone(), "application/json").transient();
        let asking = |accept: &'static str| {
            let mut request = HeaderMap::new();
            request.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(accept));
            resource.negotiate(&request)
        };
        let (coding, bytes) = asking("gzip, br");
        assert_eq!(coding, Br);
        let mut unbrotlied = Vec::new();
        brotli::BrotliDecompress(&mut &bytes[..], &mut unbrotlied).unwrap();
        assert_eq!(unbrotlied, body.as_bytes());
        let (coding, bytes) = asking("gzip, br;q=0.5");
        assert_eq!(coding, Gzip);
        let mut gunzipped = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut gunzipped)
            .unwrap();
        assert_eq!(gunzipped, body);
        assert_eq!(asking("identity").0, Identity);
        assert_eq!(resource.negotiate(&HeaderMap::new()).0, Identity);
        // Nothing is kept for the next answer.
        assert!(resource.variant(Br).is_none());
        let answer = resource.respond(&{
            let mut request = HeaderMap::new();
            request.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("br"));
            request
        });
        assert_eq!(answer.headers()[header::CONTENT_ENCODING], "br");
    }

    #[test]
    fn a_small_transient_body_is_sent_as_it_is() {
        let body = "{\"zone\":\"eastern-ghouta\"}".repeat(70);
        assert!(body.len() <= TRANSIENT_MIN_BYTES);
        let resource = Resource::new(body, "application/json").transient();
        let mut request = HeaderMap::new();
        request.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip"),
        );
        assert_eq!(resource.negotiate(&request).0, Identity);
    }

    #[test]
    fn a_variant_that_is_not_smaller_is_not_kept() {
        let resource = Resource::new("{}", "application/json");
        assert!(resource.variant(Gzip).is_none());
        assert!(resource.variant(Br).is_none());
        let mut request = HeaderMap::new();
        request.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip"),
        );
        let (coding, bytes) = resource.negotiate(&request);
        assert_eq!((coding, &bytes[..]), (Identity, &b"{}"[..]));
    }

    #[test]
    fn a_refused_identity_is_still_sent_when_nothing_else_exists() {
        let resource = Resource::new("{}", "application/json");
        let mut request = HeaderMap::new();
        request.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("identity;q=0, gzip"),
        );
        assert_eq!(resource.negotiate(&request).0, Identity);
    }

    #[test]
    fn the_window_fits_the_body() {
        for len in [0, 1, 1008, 1009, 150_000] {
            let body = vec![b'a'; len];
            let mut out = Vec::new();
            brotli::BrotliDecompress(&mut &brotli(&body, BROTLI_QUALITY).unwrap()[..], &mut out)
                .unwrap();
            assert_eq!(out, body);
        }
    }
}
