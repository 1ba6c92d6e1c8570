//! Point-in-zone for a batch: `POST /locate`.
//!
//! Owns reading a batch body, validating every point, and writing the
//! answers; the answer types of one point ([`LocateAnswer`] and its parts)
//! belong to [`super::locate`]. Imports `query` through the shared state, never
//! `geodata`.
//!
//! # Reading
//!
//! The common body, a JSON array of `[lon, lat]` pairs, is read by
//! [`scan_pairs`], a scanner over the bytes that builds no JSON tree and reads
//! each number correctly rounded (the same `f64` as `serde_json`). Anything
//! it does not expect (GeoJSON, a string, a missing comma, a position of four
//! numbers, a number that overflows) sends the whole body to the full parser,
//! [`batch_points_full`], so every refusal reads exactly as it always has.
//!
//! # Answering
//!
//! Every point is validated before the answer starts: one bad item refuses
//! the whole batch with a 400 naming its `index`, and a streamed answer could
//! not turn into one half-way. Batches of more than [`BLOCKING_BATCH`] points
//! are answered on every core (rayon), chunk by chunk, each chunk written
//! straight to JSON bytes and sent through a small bounded channel as the
//! body, so memory stays flat however large the batch; the bytes are the
//! same as serialising the whole [`BatchAnswer`] at once. With
//! `fields=zones`, each result is one of a few JSON fragments prepared per set
//! of zones.

use std::{
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use axum::{
    body::{Body, Bytes},
    extract::{State, rejection::BytesRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use geojson::{GeoJson, GeometryValue, Position};
use http_body::Frame;
use jiff::civil::Date;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::{
    extract::{Axis, Query, RawTarget},
    locate::{DataUsed, LocateAnswer},
    problem::{ApiError, Problem, ProblemKind},
    state::{AppState, Data},
};
use crate::query::ZoneSet;

/// Batches of more than this many points are answered on every core and
/// streamed; smaller ones are answered on the request's thread in one piece.
pub const BLOCKING_BATCH: usize = 2_000;

/// Bodies longer than this are read on a blocking thread.
const BLOCKING_BODY: usize = 64 * 1024;

/// Points per chunk of a streamed answer: about 110 KB of full answers, or
/// 150 KB of `fields=zones` answers.
const CHUNK_FULL: usize = 512;
const CHUNK_ZONES: usize = 8_192;

/// Chunks answered together, in parallel, before they are sent in order.
const WAVE: usize = 8;

/// Chunks that may wait in the channel for the connection to take them.
const IN_FLIGHT: usize = 2 * WAVE;

/// The media type of the answers.
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The query of `POST /locate`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BatchParams {
    /// Answer for this date (`YYYY-MM-DD`), as for `GET /locate`.
    #[param(value_type = Option<String>, format = Date, example = "2017-09-01")]
    pub at: Option<String>,
    /// What each result carries: `all` (the default), every member of a
    /// `GET /locate` answer but `data`; or `zones`, only the ids of the zones
    /// holding the point (`{"zones": ["idlib"]}`, `[]` outside every zone),
    /// without distances, nearest zone or governorate, and much faster.
    #[param(inline, value_type = Option<Fields>, example = "zones")]
    pub fields: Option<String>,
}

/// The answers to a batch, in input order.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchAnswer<'a> {
    /// Which data answered.
    pub data: DataUsed<'a>,
    /// One answer per input point.
    pub results: Vec<LocateAnswer<'a>>,
}

/// The answers to a batch with `fields=zones`, in input order.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchZonesAnswer<'a> {
    /// Which data answered.
    pub data: DataUsed<'a>,
    /// One answer per input point.
    pub results: Vec<ZonesOnly<'a>>,
}

/// The zones holding one point (`fields=zones`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZonesOnly<'a> {
    /// The ids of the zones holding the point (a point on a boundary is
    /// inside), in zone order; empty when outside every zone.
    #[schema(example = json!(["idlib"]))]
    pub zones: Vec<&'a str>,
}

/// The answers to a batch, in input order: every member of each point's
/// answer or, with `fields=zones`, only the zones holding it (documentation
/// only; see `BatchAnswer` and `BatchZonesAnswer`).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct BatchResponse<'a> {
    /// Which data answered.
    pub data: DataUsed<'a>,
    /// One answer per input point, all of one kind.
    pub results: Vec<BatchResult<'a>>,
}

/// One point's answer in a batch (documentation only).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum BatchResult<'a> {
    /// Every member (`fields=all`, the default).
    All(LocateAnswer<'a>),
    /// Only the zones holding the point (`fields=zones`).
    Zones(ZonesOnly<'a>),
}

/// A batch of points: GeoJSON or an array of `[lon, lat]` pairs (documentation only).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[schema(example = json!({"type": "MultiPoint", "coordinates": [[36.63, 35.93], [36.30, 33.51]]}))]
#[allow(dead_code)]
pub enum BatchInput {
    /// A JSON array of `[lon, lat]` pairs.
    #[schema(example = json!([[36.63, 35.93], [36.30, 33.51]]))]
    Pairs(Vec<[f64; 2]>),
    /// A GeoJSON Point, MultiPoint, Feature or FeatureCollection whose
    /// geometries are `Point`s or `MultiPoint`s.
    #[schema(value_type = Object)]
    GeoJson(Value),
}

/// What each result of a batch carries (`fields`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Fields {
    /// Every member of a point's answer (`fields=all`, the default).
    #[default]
    All,
    /// Only the ids of the zones holding the point (`fields=zones`).
    Zones,
}

impl Fields {
    /// Reads `fields` from a query: absent or `all` is [`Fields::All`],
    /// `zones` is [`Fields::Zones`], anything else a 400 naming `fields`.
    ///
    /// # Examples
    ///
    /// ```
    /// use dezone::http::{batch::Fields, extract::Query};
    ///
    /// let query = Query::parse(Some("fields=zones"), &["fields"]).unwrap();
    /// assert_eq!(Fields::from_query(&query).unwrap(), Fields::Zones);
    /// let query = Query::parse(None, &["fields"]).unwrap();
    /// assert_eq!(Fields::from_query(&query).unwrap(), Fields::All);
    /// let query = Query::parse(Some("fields=zone"), &["fields"]).unwrap();
    /// assert_eq!(Fields::from_query(&query).unwrap_err().parameter.as_deref(), Some("fields"));
    /// ```
    pub fn from_query(query: &Query<'_>) -> Result<Self, ApiError> {
        const EXPECTED: &str = "`zones` (only the ids of the zones holding each point) or `all` (every member, the default)";
        match query.get("fields") {
            None | Some("all") => Ok(Self::All),
            Some("zones") => Ok(Self::Zones),
            Some("") => Err(ApiError::parameter(
                ProblemKind::InvalidParameter,
                "fields",
                format!("`fields` is empty: it must be {EXPECTED}"),
            )),
            Some(other) => {
                let shown: String = other.chars().take(40).collect();
                Err(ApiError::parameter(
                    ProblemKind::InvalidParameter,
                    "fields",
                    format!("`fields` must be {EXPECTED}, got {shown:?}"),
                ))
            }
        }
    }
}

/// Locates a batch of points; answers in input order.
///
/// The body is a GeoJSON Point, MultiPoint, Feature or FeatureCollection of
/// `Point`s and `MultiPoint`s, or a JSON array of `[lon, lat]` pairs. A position
/// may carry a third number (height), which is ignored. One bad item refuses
/// the whole batch; the problem's `index` names the item: the array element,
/// the position of a bare MultiPoint, or the feature of a FeatureCollection.
///
/// With `fields=zones` each result holds only the ids of the zones holding
/// the point: `{"zones": ["idlib"]}`, or `{"zones": []}` outside every zone.
/// Large batches are answered on every core and streamed (chunked transfer
/// encoding, no `Content-Length`).
#[utoipa::path(
    post,
    path = "/locate",
    tag = "locate",
    params(BatchParams),
    request_body(
        content(
            (BatchInput = "application/json"),
            (BatchInput = "application/geo+json"),
        ),
        description = "The points",
    ),
    responses(
        (status = 200, description = "One answer per point, in input order: every member, or with `fields=zones` only the ids of the zones holding the point", body = BatchResponse),
        (status = 400, description = "Empty body, malformed JSON, an unsupported GeoJSON type, or an item that is not a valid point; `at` not a date; `fields` neither `zones` nor `all`; an unknown parameter", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body or the number of points exceeds the limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Content-Type is neither application/json nor application/geo+json, its charset is not UTF-8, or the body has a Content-Encoding", body = Problem, content_type = "application/problem+json",
            headers(
                ("Accept-Post" = String, description = "The media types the body may have: `application/json, application/geo+json`"),
                ("Accept-Encoding" = String, description = "`identity`: the body is taken uncompressed only"),
            )),
    )
)]
pub async fn locate_batch(
    State(state): State<AppState>,
    RawTarget(raw): RawTarget,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.query(), &["at", "fields"])?;
    let at = query.date("at")?;
    let fields = Fields::from_query(&query)?;
    check_body_headers(&headers)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ProblemKind::PayloadTooLarge,
                format!(
                    "the body is larger than {} bytes, the most one request may send; split the batch",
                    state.limits().max_body_bytes
                ),
            )
        } else {
            ApiError::body(format!("the body could not be read: {e}"))
        }
    })?;
    let max_points = state.limits().max_batch_points;
    // Every point is read and checked before the answer starts.
    let points = if body.len() > BLOCKING_BODY {
        tokio::task::spawn_blocking(move || batch_points(&body, max_points))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "reading a batch failed");
                internal()
            })??
    } else {
        batch_points(&body, max_points)?
    };
    let writer = Writer::new(Arc::clone(&state.data()), at, fields);
    if points.len() <= BLOCKING_BATCH {
        let mut out = writer.head();
        writer.write(&mut out, &points, true);
        out.extend_from_slice(TAIL);
        return Ok(([(header::CONTENT_TYPE, JSON)], out).into_response());
    }
    Ok(([(header::CONTENT_TYPE, JSON)], writer.stream(points)).into_response())
}

fn internal() -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        ProblemKind::Internal,
        "the batch could not be answered",
    )
}

/// The end of every batch answer, after the last result.
const TAIL: &[u8] = b"]}";

/// Writes the answers to one batch: `{"data":…,"results":[` (the head), the
/// results, `]}`.
struct Writer {
    data: Arc<Data>,
    at: Option<Date>,
    /// The zones that count (all, or those in force on `at`).
    set: ZoneSet,
    /// With `fields=zones`: the result for each set of zones, by its bits,
    /// when there are few enough zones to prepare every set.
    fragments: Option<Vec<Vec<u8>>>,
    fields: Fields,
}

/// Zones few enough to prepare the `fields=zones` result of every set of
/// them (2^8 fragments).
const PREPARED_ZONES: usize = 8;

impl Writer {
    fn new(data: Arc<Data>, at: Option<Date>, fields: Fields) -> Self {
        let set = data.zones_on(at);
        let zones = data.index.zones().len();
        let fragments = (fields == Fields::Zones && zones <= PREPARED_ZONES).then(|| {
            (0..1_u64 << zones)
                .map(|bits| {
                    let held = ZoneSet::from_fn(zones, |i| bits & (1 << i) != 0);
                    zones_fragment(&data, held)
                })
                .collect()
        });
        Self {
            data,
            at,
            set,
            fragments,
            fields,
        }
    }

    /// `{"data":{…},"results":[`.
    fn head(&self) -> Vec<u8> {
        let mut out = b"{\"data\":".to_vec();
        // `DataUsed` is plain strings and a date: writing it cannot fail.
        serde_json::to_writer(&mut out, &self.data.used(self.at)).unwrap_or_default();
        out.extend_from_slice(b",\"results\":[");
        out
    }

    /// Appends the results of `points`, each after a comma but the very
    /// first of the batch (`first`).
    fn write(&self, out: &mut Vec<u8>, points: &[(f64, f64)], first: bool) {
        let index = &self.data.index;
        for (k, &(lon, lat)) in points.iter().enumerate() {
            if !(first && k == 0) {
                out.push(b',');
            }
            match self.fields {
                Fields::All => {
                    let location = index.locate_among(lon, lat, self.set);
                    self.data.answers.write(out, index, &location, None);
                }
                Fields::Zones => {
                    let held = index.zone_set_at(lon, lat);
                    if let Some(fragments) = &self.fragments {
                        let bits = held
                            .iter()
                            .filter(|&i| self.set.contains(i))
                            .fold(0_usize, |bits, i| bits | 1 << i);
                        out.extend_from_slice(&fragments[bits]);
                    } else {
                        let held = ZoneSet::from_fn(index.zones().len(), |i| {
                            held.contains(i) && self.set.contains(i)
                        });
                        out.extend_from_slice(&zones_fragment(&self.data, held));
                    }
                }
            }
        }
    }

    /// The answer as a body streamed from a blocking thread: the points are
    /// answered in waves of chunks, each wave on every core, and the chunks
    /// sent in order through a bounded channel.
    fn stream(self, points: Vec<(f64, f64)>) -> Body {
        let (tx, rx) = tokio::sync::mpsc::channel(IN_FLIGHT);
        tokio::task::spawn_blocking(move || {
            let produced = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.produce(&points, &tx)
            }));
            if produced.is_ok() {
                // Done, or the client went away.
                return;
            }
            tracing::error!("a streamed batch answer panicked; aborting it");
            // The client sees the connection fail rather than a truncated answer.
            tx.blocking_send(Err(io::Error::other("the batch answer failed")))
                .ok();
        });
        Body::new(Streamed(rx))
    }

    fn produce(
        &self,
        points: &[(f64, f64)],
        tx: &tokio::sync::mpsc::Sender<io::Result<Bytes>>,
    ) -> Result<(), Gone> {
        // Waits while the channel is full: the connection sets the pace.
        let send = |chunk: Vec<u8>| tx.blocking_send(Ok(Bytes::from(chunk))).map_err(|_| Gone);
        let chunk = match self.fields {
            Fields::All => CHUNK_FULL,
            Fields::Zones => CHUNK_ZONES,
        };
        let mut head = Some(self.head());
        for (w, wave) in points.chunks(chunk * WAVE).enumerate() {
            let chunks: Vec<Vec<u8>> = wave
                .par_chunks(chunk)
                .enumerate()
                .map(|(c, points)| {
                    let first = w == 0 && c == 0;
                    let mut out = match (first, head.as_ref()) {
                        (true, Some(head)) => head.clone(),
                        _ => Vec::new(),
                    };
                    out.reserve(points.len() * bytes_per_result(self.fields));
                    self.write(&mut out, points, first);
                    out
                })
                .collect();
            head = None;
            for chunk in chunks {
                send(chunk)?;
            }
        }
        send(TAIL.to_vec())
    }
}

/// A body whose chunks arrive through a bounded channel. It ends when the
/// producer drops its sender (and stays ended however often it is polled); an
/// `Err` fails it, so the client sees the connection fail rather than a
/// truncated answer.
struct Streamed(tokio::sync::mpsc::Receiver<io::Result<Bytes>>);

impl http_body::Body for Streamed {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.get_mut()
            .0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|chunk| chunk.map(Frame::data)))
    }
}

/// Producing a streamed answer stopped early: the client went away.
struct Gone;

/// A generous guess of one result's size, to write without regrowing.
fn bytes_per_result(fields: Fields) -> usize {
    match fields {
        Fields::All => 260,
        Fields::Zones => 24,
    }
}

/// The `fields=zones` result for the zones of `held`.
fn zones_fragment(data: &Data, held: ZoneSet) -> Vec<u8> {
    let zones = data.index.zones();
    let answer = ZonesOnly {
        zones: held.iter().map(|i| zones[i].id().as_str()).collect(),
    };
    // Strings only: writing it cannot fail.
    serde_json::to_vec(&answer).unwrap_or_default()
}

/// Refuses a body sent in a content coding (RFC 9110 §15.5.16: 415) or as
/// another media type than JSON or GeoJSON. A body without `Content-Type`
/// is read as JSON.
fn check_body_headers(headers: &HeaderMap) -> Result<(), ApiError> {
    for coding in headers.get_all(header::CONTENT_ENCODING) {
        let text = String::from_utf8_lossy(coding.as_bytes());
        if text
            .split(',')
            .any(|c| !c.trim().eq_ignore_ascii_case("identity"))
        {
            let shown: String = text.chars().take(80).collect();
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ProblemKind::UnsupportedMediaType,
                format!(
                    "Content-Encoding {shown:?} is not accepted: send the body uncompressed, without Content-Encoding"
                ),
            ));
        }
    }
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let shown: String = String::from_utf8_lossy(value.as_bytes())
        .chars()
        .take(80)
        .collect();
    let mut parts = value.to_str().unwrap_or("").split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    if essence == "application/json" || essence == "application/geo+json" {
        // JSON has no charset (RFC 8259 §11); one other than UTF-8 says
        // that the body is not what it will be read as.
        let charset = parts.find_map(|p| {
            let (name, value) = p.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("charset")
                .then(|| value.trim().trim_matches('"'))
        });
        return match charset {
            Some(c) if !c.eq_ignore_ascii_case("utf-8") => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ProblemKind::UnsupportedMediaType,
                format!(
                    "Content-Type {shown:?} is not accepted: the body is read as UTF-8 (RFC 8259 §8.1); send it in UTF-8, with no charset or charset=utf-8"
                ),
            )),
            _ => Ok(()),
        };
    }
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ProblemKind::UnsupportedMediaType,
        format!(
            "Content-Type {shown:?} is not accepted: send application/json or application/geo+json (with curl: -H 'Content-Type: application/json')"
        ),
    ))
}

const BATCH_FORMS: &str = "a GeoJSON Point, MultiPoint, Feature or FeatureCollection of points, or a JSON array of [lon, lat] pairs";

/// Reads the points of a batch body, refusing the whole batch at the first bad item.
///
/// A plain array of `[lon, lat]` pairs is read by the scanner of
/// [`scan_pairs`] (large bodies in pieces, on every core); any other body,
/// or one the scanner does not expect, by [`batch_points_full`]. Both give
/// the same points and the same refusals.
///
/// # Examples
///
/// ```
/// use dezone::http::batch::batch_points;
///
/// let points = batch_points(br#"[[36.63, 35.93], [36.3, 33.51]]"#, 10).unwrap();
/// assert_eq!(points, vec![(36.63, 35.93), (36.3, 33.51)]);
/// assert_eq!(batch_points(br#"[[36.63, 95]]"#, 10).unwrap_err().index, Some(0));
/// ```
pub fn batch_points(body: &[u8], max_points: usize) -> Result<Vec<(f64, f64)>, ApiError> {
    let Some(Scanned {
        mut points,
        out_of_range,
    }) = scan(body)
    else {
        // GeoJSON straight from the bytes, without a `Value` tree; anything
        // it refuses is left to the full parser, whose messages it keeps.
        if body.trim_ascii_start().first() == Some(&b'{')
            && let Ok(geojson) = serde_json::from_slice::<GeoJson>(body)
        {
            return geojson_points(&geojson, max_points);
        }
        return batch_points_full(body, max_points);
    };
    // The order of the full parser's checks: the count, then each item.
    check_count(points.len(), max_points)?;
    if let Some(i) = out_of_range {
        let (lon, lat) = points[i];
        checked(Place::item(i), lon, lat)?;
    }
    for (lon, lat) in &mut points {
        // -0 becomes 0, as `Axis::check` does.
        *lon += 0.0;
        *lat += 0.0;
    }
    Ok(points)
}

/// Reads a body that is exactly a JSON array of `[lon, lat]` or
/// `[lon, lat, height]` arrays of numbers, with any JSON whitespace; `None`
/// for anything else (left to [`batch_points_full`]). The numbers are not
/// checked against the coordinate ranges; each is the `f64` that `serde_json`
/// reads (correctly rounded), and a number too large for an `f64` is
/// something else.
///
/// # Examples
///
/// ```
/// use dezone::http::batch::scan_pairs;
///
/// assert_eq!(scan_pairs(b" [[36.63, 35.93], [1e1,-0.5, 7]]\n"), Some(vec![(36.63, 35.93), (10.0, -0.5)]));
/// assert_eq!(scan_pairs(b"[]"), Some(vec![]));
/// assert_eq!(scan_pairs(b"[[36.63, 35.93],]"), None);
/// assert_eq!(scan_pairs(b"[[1e999, 0]]"), None);
/// assert_eq!(scan_pairs(br#"{"type": "Point", "coordinates": [36.63, 35.93]}"#), None);
/// ```
#[must_use]
pub fn scan_pairs(body: &[u8]) -> Option<Vec<(f64, f64)>> {
    scan(body).map(|scanned| scanned.points)
}

/// What the scanner read: the points as written, and the first item whose
/// point is out of range.
struct Scanned {
    points: Vec<(f64, f64)>,
    out_of_range: Option<usize>,
}

/// Bodies from this long are scanned in pieces on every core.
const PARALLEL_SCAN: usize = 256 * 1024;

fn scan(body: &[u8]) -> Option<Scanned> {
    let open = skip_space(body, 0);
    let close = body.len() - trailing_space(body);
    if body.get(open) != Some(&b'[') || close < open + 2 || body[close - 1] != b']' {
        return None;
    }
    // The items, without the brackets and the space inside them.
    let start = skip_space(body, open + 1);
    let end = close - 1 - trailing_space(&body[..close - 1]);
    if start >= end {
        // `[]`, or `[` and `]` being the same byte's neighbours.
        return (start == close - 1).then(|| Scanned {
            points: Vec::new(),
            out_of_range: None,
        });
    }
    if body.len() < PARALLEL_SCAN {
        return scan_items(&body[..end], start);
    }
    let pieces = split_items(body, start, end, 2 * rayon::current_num_threads());
    let scanned: Vec<Option<Scanned>> = pieces
        .par_iter()
        .map(|&(from, to)| scan_items(&body[..to], from))
        .collect();
    let mut points = Vec::with_capacity(
        scanned
            .iter()
            .map(|s| s.as_ref().map_or(0, |s| s.points.len()))
            .sum(),
    );
    let mut out_of_range = None;
    for piece in scanned {
        let piece = piece?;
        if out_of_range.is_none() {
            out_of_range = piece.out_of_range.map(|i| points.len() + i);
        }
        points.extend_from_slice(&piece.points);
    }
    Some(Scanned {
        points,
        out_of_range,
    })
}

/// Cuts the items in `body[start..end]` into about `n` pieces at commas that
/// follow a `]`: each piece is `start..end` of its own. Cutting where the
/// body is not the expected form only makes a piece fail to scan.
fn split_items(body: &[u8], start: usize, end: usize, n: usize) -> Vec<(usize, usize)> {
    let mut pieces = Vec::with_capacity(n);
    let mut from = start;
    for k in 1..n {
        let target = (start + (end - start) * k / n).max(from);
        if target >= end {
            break;
        }
        let Some(cut) = body[target..end]
            .iter()
            .position(|&b| b == b']')
            .map(|p| target + p + 1)
        else {
            break;
        };
        let comma = skip_space(body, cut);
        if comma >= end || body[comma] != b',' {
            // Not an item's end: leave this stretch to its neighbour.
            continue;
        }
        pieces.push((from, cut));
        from = skip_space(body, comma + 1);
    }
    pieces.push((from, end));
    pieces
}

/// Scans `item (, item)*` from `start` to the end of `body` exactly.
fn scan_items(body: &[u8], start: usize) -> Option<Scanned> {
    // "[36.12345,33.12345]," is 20 bytes.
    let mut points = Vec::with_capacity((body.len() - start) / 20 + 1);
    let mut out_of_range = None;
    let mut i = start;
    loop {
        if body.get(i) != Some(&b'[') {
            return None;
        }
        let (lon, next) = number(body, skip_space(body, i + 1))?;
        i = skip_space(body, next);
        if body.get(i) != Some(&b',') {
            return None;
        }
        let (lat, next) = number(body, skip_space(body, i + 1))?;
        i = skip_space(body, next);
        if body.get(i) == Some(&b',') {
            let (_height, next) = number(body, skip_space(body, i + 1))?;
            i = skip_space(body, next);
        }
        if body.get(i) != Some(&b']') {
            return None;
        }
        if out_of_range.is_none()
            && !(lon.abs() <= Axis::Lon.limit() && lat.abs() <= Axis::Lat.limit())
        {
            out_of_range = Some(points.len());
        }
        points.push((lon, lat));
        i = skip_space(body, i + 1);
        match body.get(i) {
            None => {
                return Some(Scanned {
                    points,
                    out_of_range,
                });
            }
            Some(b',') => i = skip_space(body, i + 1),
            Some(_) => return None,
        }
    }
}

/// JSON's whitespace.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The index of the first byte from `i` that is not JSON whitespace.
fn skip_space(body: &[u8], mut i: usize) -> usize {
    while body.get(i).is_some_and(|&b| is_space(b)) {
        i += 1;
    }
    i
}

/// How many bytes of JSON whitespace end `body`.
fn trailing_space(body: &[u8]) -> usize {
    body.iter().rev().take_while(|&&b| is_space(b)).count()
}

/// Powers of ten an `f64` holds exactly.
const EXACT_POWERS: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Reads the digits from `i`: their value (wrapping past 19 digits), and the
/// index after them.
fn digits(body: &[u8], mut i: usize, mut value: u64) -> (u64, usize) {
    while let Some(&d) = body.get(i) {
        if !d.is_ascii_digit() {
            break;
        }
        value = value.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
        i += 1;
    }
    (value, i)
}

/// Reads a JSON number starting at `start`: its value and the index after it.
/// `None` when the bytes there are not a JSON number, or its value is not
/// finite.
fn number(body: &[u8], start: usize) -> Option<(f64, usize)> {
    let negative = body.get(start) == Some(&b'-');
    let int_start = start + usize::from(negative);
    // The integer part: `0`, or digits not starting with 0.
    let (mut mantissa, mut i) = match body.get(int_start) {
        Some(b'0') => (0, int_start + 1),
        Some(b'1'..=b'9') => digits(body, int_start, 0),
        _ => return None,
    };
    let mut count = i - int_start;
    let mut scale: i64 = 0;
    match body.get(i) {
        Some(b'.') => {
            let from = i + 1;
            (mantissa, i) = digits(body, from, mantissa);
            if i == from {
                return None;
            }
            count += i - from;
            scale = -i64::try_from(i - from).ok()?;
        }
        // A leading zero ("01").
        Some(b'0'..=b'9') => return None,
        _ => {}
    }
    if let Some(b'e' | b'E') = body.get(i) {
        i += 1;
        let negative_exponent = body.get(i) == Some(&b'-');
        if matches!(body.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let from = i;
        while body.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == from {
            return None;
        }
        // More than 18 digits of exponent is the slow path's to read.
        let exponent = if i - from > 18 {
            i64::MAX / 2
        } else {
            i64::try_from(digits(body, from, 0).0).ok()?
        };
        scale += if negative_exponent {
            -exponent
        } else {
            exponent
        };
    }
    // At most 19 digits fit a u64; below 2^53 they fit an f64 exactly.
    let value = if count <= 19 && mantissa < 1 << 53 && scale.unsigned_abs() < 23 {
        // Clinger's fast path: both operands exact, so the one rounding of
        // the product or quotient is the correctly rounded value.
        let magnitude = mantissa as f64;
        let power = EXACT_POWERS[scale.unsigned_abs() as usize];
        let value = if scale < 0 {
            magnitude / power
        } else {
            magnitude * power
        };
        if negative { -value } else { value }
    } else {
        // Many digits or a large exponent: the standard library's parser,
        // also correctly rounded, on the number's text (JSON's grammar was
        // checked above).
        std::str::from_utf8(&body[start..i])
            .ok()?
            .parse::<f64>()
            .ok()?
    };
    value.is_finite().then_some((value, i))
}

/// Reads the points of a batch body with the full JSON parser (a
/// `serde_json::Value` tree, then GeoJSON), refusing the whole batch at the
/// first bad item. [`batch_points`] gives the same answers faster.
///
/// # Examples
///
/// ```
/// use dezone::http::batch::batch_points_full;
///
/// let body = br#"{"type": "MultiPoint", "coordinates": [[36.63, 35.93], [36.3, 33.51, 12]]}"#;
/// assert_eq!(batch_points_full(body, 10).unwrap(), vec![(36.63, 35.93), (36.3, 33.51)]);
/// assert_eq!(batch_points_full(body, 1).unwrap_err().status, 413);
/// ```
pub fn batch_points_full(body: &[u8], max_points: usize) -> Result<Vec<(f64, f64)>, ApiError> {
    if body.trim_ascii().is_empty() {
        return Err(ApiError::body(format!(
            "the body is empty: send {BATCH_FORMS}"
        )));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::body(format!(
            "the body is not valid JSON ({}): send {BATCH_FORMS}",
            clipped(&e)
        ))
    })?;
    let mut points = Vec::new();
    match value {
        Value::Array(items) => {
            check_count(items.len(), max_points)?;
            points.reserve(items.len());
            for (i, item) in items.iter().enumerate() {
                points.push(pair(i, item)?);
            }
        }
        Value::Object(_) => {
            let geojson = serde_json::from_value::<GeoJson>(value).map_err(|e| {
                ApiError::body(format!(
                    "the body is not valid GeoJSON ({}): send {BATCH_FORMS}",
                    clipped(&e)
                ))
            })?;
            points = geojson_points(&geojson, max_points)?;
        }
        other => {
            return Err(ApiError::body(format!(
                "the body is a JSON {}: send {BATCH_FORMS}",
                json_kind(&other)
            )));
        }
    }
    Ok(points)
}

/// The points of a GeoJSON object, refusing at the first bad item.
fn geojson_points(geojson: &GeoJson, max_points: usize) -> Result<Vec<(f64, f64)>, ApiError> {
    let mut points = Vec::new();
    match geojson {
        GeoJson::Geometry(g) => {
            push_geometry(&mut points, None, Some(&g.value), max_points)?;
        }
        GeoJson::Feature(f) => {
            push_geometry(
                &mut points,
                None,
                f.geometry.as_ref().map(|g| &g.value),
                max_points,
            )?;
        }
        GeoJson::FeatureCollection(fc) => {
            for (i, f) in fc.features.iter().enumerate() {
                push_geometry(
                    &mut points,
                    Some(i),
                    f.geometry.as_ref().map(|g| &g.value),
                    max_points,
                )?;
            }
        }
    }
    Ok(points)
}

fn check_count(count: usize, max_points: usize) -> Result<(), ApiError> {
    if count > max_points {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ProblemKind::PayloadTooLarge,
            format!(
                "the batch has more than {max_points} points, the most one request may send; split it"
            ),
        ));
    }
    Ok(())
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn pair(index: usize, item: &Value) -> Result<(f64, f64), ApiError> {
    let numbers: Option<Vec<f64>> = item
        .as_array()
        .and_then(|a| a.iter().map(Value::as_f64).collect());
    match numbers.as_deref() {
        Some([lon, lat] | [lon, lat, _]) => checked(Place::item(index), *lon, *lat),
        _ => Err(Place::item(index).fail("is not a [lon, lat] pair of numbers")),
    }
}

/// Where a point stands in the body: the item (array element, MultiPoint
/// position or feature) and, inside a feature's MultiPoint, its position there.
#[derive(Clone, Copy)]
struct Place {
    item: usize,
    within: Option<usize>,
}

impl Place {
    fn item(item: usize) -> Self {
        Self { item, within: None }
    }

    fn fail(self, what: &str) -> ApiError {
        let Self { item, within } = self;
        let at = match within {
            Some(k) => format!("item {item} (position {k})"),
            None => format!("item {item}"),
        };
        ApiError::item(item, format!("{at} {what}"))
    }
}

fn position(place: Place, position: &Position) -> Result<(f64, f64), ApiError> {
    match position.as_slice() {
        [lon, lat] | [lon, lat, _] => checked(place, *lon, *lat),
        other => Err(place.fail(&format!(
            "has {} numbers: expected [lon, lat] or [lon, lat, height]",
            other.len()
        ))),
    }
}

fn checked(place: Place, lon: f64, lat: f64) -> Result<(f64, f64), ApiError> {
    let lon = Axis::Lon
        .check(lon)
        .map_err(|why| place.fail(&format!("has a lon that {why}")))?;
    let lat = Axis::Lat
        .check(lat)
        .map_err(|why| place.fail(&format!("has a lat that {why}")))?;
    Ok((lon, lat))
}

/// Adds the points of one geometry. `feature` is its feature's index in a
/// FeatureCollection; for a bare geometry or Feature, each MultiPoint position
/// is an item of its own.
fn push_geometry(
    points: &mut Vec<(f64, f64)>,
    feature: Option<usize>,
    geometry: Option<&GeometryValue>,
    max_points: usize,
) -> Result<(), ApiError> {
    let whole = Place::item(feature.unwrap_or(0));
    match geometry {
        Some(GeometryValue::Point { coordinates }) => {
            check_count(points.len() + 1, max_points)?;
            points.push(position(whole, coordinates)?);
        }
        Some(GeometryValue::MultiPoint { coordinates }) => {
            check_count(points.len() + coordinates.len(), max_points)?;
            for (k, c) in coordinates.iter().enumerate() {
                let place = match feature {
                    Some(item) => Place {
                        item,
                        within: Some(k),
                    },
                    None => Place::item(k),
                };
                points.push(position(place, c)?);
            }
        }
        Some(other) => {
            return Err(whole.fail(&format!(
                "is a {}: only Point and MultiPoint geometries can be located",
                other.type_name()
            )));
        }
        None => {
            return Err(whole.fail("is a Feature with no geometry: expected a Point or MultiPoint"));
        }
    }
    Ok(())
}

/// A parser's message, cut to 200 characters: it may quote the input whole.
fn clipped(error: &impl std::fmt::Display) -> String {
    let text = error.to_string();
    match text.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_body_is_cut_into_pieces_at_item_ends() {
        let body = format!("[{}]", vec!["[36.12345, 33.5]"; 1_000].join(" ,\n"));
        let end = body.len() - 1;
        let pieces = split_items(body.as_bytes(), 1, end, 4);
        assert_eq!(pieces.len(), 4, "{pieces:?}");
        let mut count = 0;
        for (k, &(from, to)) in pieces.iter().enumerate() {
            assert!(
                body[from..to].starts_with('[') && body[from..to].ends_with(']'),
                "{k}"
            );
            count += scan_items(&body.as_bytes()[..to], from)
                .unwrap()
                .points
                .len();
        }
        assert_eq!(count, 1_000);
    }

    #[test]
    fn a_body_without_commas_after_items_is_one_piece() {
        let body = format!("[{}]", vec!["[1, 2]"; 1_000].join(""));
        assert_eq!(split_items(body.as_bytes(), 1, body.len() - 1, 4).len(), 1);
        let body = "[[1, 2],   ]";
        assert_eq!(scan(body.as_bytes()).map(|s| s.points), None);
    }

    #[test]
    fn zones_answers_are_the_same_without_prepared_fragments() {
        let index = crate::query::ZoneIndex::new(crate::geodata::load_embedded().unwrap());
        let data = Arc::new(Data::new(index, ""));
        // A 0.05° grid over Syria's bounding box.
        let points: Vec<(f64, f64)> = (0..134)
            .flat_map(|i| {
                (0..100).map(move |j| (35.7 + 0.05 * f64::from(i), 32.3 + 0.05 * f64::from(j)))
            })
            .collect();
        for at in [None, Some(jiff::civil::date(2018, 6, 1))] {
            let prepared = Writer::new(Arc::clone(&data), at, Fields::Zones);
            assert!(prepared.fragments.is_some());
            let mut unprepared = Writer::new(Arc::clone(&data), at, Fields::Zones);
            unprepared.fragments = None;
            let (mut a, mut b) = (Vec::new(), Vec::new());
            prepared.write(&mut a, &points, true);
            unprepared.write(&mut b, &points, true);
            assert_eq!(String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap());
        }
    }

    #[test]
    fn numbers_read_as_the_standard_library_reads_them() {
        for text in [
            "0",
            "-0",
            "7",
            "36.63",
            "-36.63",
            "1e22",
            "1e23",
            "1e-22",
            "1e-23",
            "9007199254740993",
            "1234567890123456789",
            "12345678901234567890",
            "0.1e-5",
            "5e-324",
            "1E+2",
            "0.000",
            "1e0000000000000000000001",
        ] {
            let (value, end) = number(text.as_bytes(), 0).unwrap();
            assert_eq!(end, text.len(), "{text}");
            assert_eq!(
                value.to_bits(),
                text.parse::<f64>().unwrap().to_bits(),
                "{text}"
            );
        }
        for text in [
            "", "-", "01", "-01", "1.", ".1", "+1", "1e", "1e+", "1E-", "inf", "NaN", "1e309",
        ] {
            assert_eq!(number(text.as_bytes(), 0), None, "{text}");
        }
        // A number ends where JSON's grammar does.
        assert_eq!(number(b"1.5]", 0), Some((1.5, 3)));
        assert_eq!(number(b"-2e3,", 0), Some((-2000.0, 4)));
    }
}
