//! Point-in-zone: `GET /locate` for one point, `POST /locate` for a batch.

use axum::{
    Json,
    body::Bytes,
    extract::{RawQuery, State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use geojson::{GeoJson, GeometryValue, Position};
use serde::Serialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::{
    extract::{Axis, Query, parse_coordinate},
    problem::{ApiError, Problem, ProblemKind},
    state::{AppState, Data},
};
use crate::query::Location;
use jiff::civil::Date;

/// Batches larger than this are answered on a blocking thread.
const BLOCKING_BATCH: usize = 2_000;

/// The query of `GET /locate`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocateParams {
    /// Longitude in decimal degrees (WGS 84), -180..180.
    #[param(example = 36.63, minimum = -180, maximum = 180)]
    pub lon: f64,
    /// Latitude in decimal degrees (WGS 84), -90..90.
    #[param(example = 35.93, minimum = -90, maximum = 90)]
    pub lat: f64,
    /// Answer for this date (`YYYY-MM-DD`): only the zones in force that day
    /// (`valid_from <= at <= valid_until`) count. Without it, every zone of the
    /// data's extent counts.
    #[param(value_type = Option<String>, format = Date, example = "2017-09-01")]
    pub at: Option<String>,
}

/// The query of `POST /locate`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BatchParams {
    /// Answer for this date (`YYYY-MM-DD`), as for `GET /locate`.
    #[param(value_type = Option<String>, format = Date, example = "2017-09-01")]
    pub at: Option<String>,
}

/// A point, lon/lat in degrees.
#[derive(Debug, Serialize, ToSchema)]
pub struct LonLat {
    /// Longitude.
    #[schema(example = 36.63)]
    pub lon: f64,
    /// Latitude.
    #[schema(example = 35.93)]
    pub lat: f64,
}

/// A zone holding the point.
#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneHit<'a> {
    /// The zone's id.
    #[schema(example = "idlib")]
    pub id: &'a str,
    /// Its number in the memorandum.
    #[schema(example = 1)]
    pub number: u8,
    /// Its name.
    #[schema(example = "Idlib")]
    pub name: &'a str,
    /// Geodesic distance from the point to the zone's boundary, km (0 on the boundary).
    #[schema(example = 6.655)]
    pub distance_to_boundary_km: f64,
}

/// The nearest zone.
#[derive(Debug, Serialize, ToSchema)]
pub struct NearestZone<'a> {
    /// The zone's id.
    #[schema(example = "eastern-ghouta")]
    pub id: &'a str,
    /// Its number in the memorandum.
    #[schema(example = 3)]
    pub number: u8,
    /// Its name.
    #[schema(example = "Eastern Ghouta")]
    pub name: &'a str,
    /// Geodesic distance from the point to the zone, km; 0 when the point is inside.
    #[schema(example = 1.629)]
    pub distance_km: f64,
}

/// The governorate of the point.
#[derive(Debug, Serialize, ToSchema)]
pub struct GovernorateRef<'a> {
    /// OCHA P-code.
    #[schema(example = "SY07")]
    pub pcode: &'a str,
    /// English name (OCHA spelling).
    #[schema(example = "Idleb")]
    pub name_en: &'a str,
    /// Arabic name.
    #[schema(example = "إدلب")]
    pub name_ar: &'a str,
    /// 0 when the governorate's outline holds the point; otherwise how far
    /// outside Syria's generalised outline (at most 0.3 km) the point lies.
    #[schema(example = 0.0)]
    pub distance_km: f64,
}

/// Which data answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct DataUsed<'a> {
    /// A short hash identifying the zone data (as in `/healthz`).
    #[schema(example = "81c889c43d5e6381")]
    pub version: &'a str,
    /// The period the outlines describe (the zones' `extent`), e.g. `2017`.
    #[schema(example = "2017")]
    pub extent: Option<&'a str>,
    /// The date asked for with `at`; `null` when every zone counted.
    #[schema(value_type = Option<String>, format = Date, example = "2017-09-01")]
    pub at: Option<Date>,
}

/// Where a point lies relative to the zones.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocateAnswer<'a> {
    /// The point asked about.
    pub point: LonLat,
    /// Whether any zone holds the point (a point on a boundary is inside).
    pub inside: bool,
    /// The zones holding the point; empty when outside.
    pub zones: Vec<ZoneHit<'a>>,
    /// The nearest zone (the containing one, at distance 0, when inside);
    /// `null` when no zone was in force on the date asked for.
    pub nearest: Option<NearestZone<'a>>,
    /// The governorate holding the point; `null` outside Syria.
    pub governorate: Option<GovernorateRef<'a>>,
    /// Whether the point lies in Syria (within 0.3 km of its outline counts).
    pub in_syria: Option<bool>,
    /// Which data answered (in a batch, once for all results).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<DataUsed<'a>>,
}

/// The answers to a batch, in input order.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchAnswer<'a> {
    /// Which data answered.
    pub data: DataUsed<'a>,
    /// One answer per input point.
    pub results: Vec<LocateAnswer<'a>>,
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

fn round_km(km: f64) -> f64 {
    (km * 1000.0).round() / 1000.0
}

impl<'a> From<Location<'a>> for LocateAnswer<'a> {
    fn from(location: Location<'a>) -> Self {
        Self {
            point: LonLat {
                lon: location.lon,
                lat: location.lat,
            },
            inside: !location.inside.is_empty(),
            zones: location
                .inside
                .iter()
                .map(|hit| ZoneHit {
                    id: hit.zone.id().as_str(),
                    number: hit.zone.meta.number,
                    name: &hit.zone.meta.name,
                    distance_to_boundary_km: round_km(hit.distance_to_boundary_km),
                })
                .collect(),
            nearest: location.nearest.map(|n| NearestZone {
                id: n.zone.id().as_str(),
                number: n.zone.meta.number,
                name: &n.zone.meta.name,
                distance_km: round_km(n.distance_km),
            }),
            governorate: location.governorate.map(|g| GovernorateRef {
                pcode: &g.governorate.pcode,
                name_en: &g.governorate.name_en,
                name_ar: &g.governorate.name_ar,
                distance_km: round_km(g.distance_km),
            }),
            in_syria: location.in_syria,
            data: None,
        }
    }
}

/// Which zone, if any, holds a point, how far its edge is, and which governorate
/// the point lies in.
///
/// A point on a zone's boundary counts as inside it. Distances are geodesic
/// (WGS 84) in km, rounded to the metre.
#[utoipa::path(
    get,
    path = "/locate",
    tag = "locate",
    params(LocateParams),
    responses(
        (status = 200, description = "Where the point lies", body = LocateAnswer),
        (status = 400, description = "`lon` or `lat` missing, empty, not a number, not finite or out of range; `at` not a date; a parameter repeated or unknown", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn locate_point(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.as_deref(), &["lon", "lat", "at"])?;
    let lon = parse_coordinate(Axis::Lon, query.require("lon", &Axis::Lon.expected())?)?;
    let lat = parse_coordinate(Axis::Lat, query.require("lat", &Axis::Lat.expected())?)?;
    let at = query.date("at")?;
    let data = state.data();
    let mut answer = LocateAnswer::from(data.index.locate_among(lon, lat, data.zones_on(at)));
    answer.data = Some(data.used(at));
    Ok(Json(answer).into_response())
}

/// Locates a batch of points; answers in input order.
///
/// The body is a GeoJSON Point, MultiPoint, Feature or FeatureCollection of
/// `Point`s and `MultiPoint`s, or a JSON array of `[lon, lat]` pairs. A position
/// may carry a third number (height), which is ignored. One bad item refuses
/// the whole batch; the problem's `index` names the item: the array element,
/// the position of a bare MultiPoint, or the feature of a FeatureCollection.
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
        (status = 200, description = "One answer per point, in input order", body = BatchAnswer),
        (status = 400, description = "Empty body, malformed JSON, an unsupported GeoJSON type, or an item that is not a valid point; `at` not a date; an unknown parameter", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body or the number of points exceeds the limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Content-Type is neither application/json nor application/geo+json", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn locate_batch(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.as_deref(), &["at"])?;
    let at = query.date("at")?;
    check_content_type(&headers)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ProblemKind::PayloadTooLarge,
                format!(
                    "the body is larger than {} bytes, the most one request may send; split the batch",
                    state.limits.max_body_bytes
                ),
            )
        } else {
            ApiError::body(format!("the body could not be read: {e}"))
        }
    })?;
    let points = batch_points(&body, state.limits.max_batch_points)?;
    let data = state.data().clone();
    let body = if points.len() > BLOCKING_BATCH {
        tokio::task::spawn_blocking(move || answer_batch(&data, at, &points))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "batch task failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ProblemKind::Internal,
                    "the batch could not be answered",
                )
            })?
    } else {
        answer_batch(&data, at, &points)
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

fn answer_batch(data: &Data, at: Option<Date>, points: &[(f64, f64)]) -> Vec<u8> {
    use rayon::prelude::*;
    let set = data.zones_on(at);
    let locate =
        |&(lon, lat): &(f64, f64)| LocateAnswer::from(data.index.locate_among(lon, lat, set));
    // Large batches use every core; small ones are not worth the hand-off.
    let results = if points.len() > BLOCKING_BATCH {
        points.par_iter().map(locate).collect()
    } else {
        points.iter().map(locate).collect()
    };
    serde_json::to_vec(&BatchAnswer {
        data: data.used(at),
        results,
    })
    .unwrap_or_default()
}

fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let essence = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence == "application/geo+json" {
        return Ok(());
    }
    let shown: String = String::from_utf8_lossy(value.as_bytes())
        .chars()
        .take(80)
        .collect();
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
/// # Examples
///
/// ```
/// use dezone::http::locate::batch_points;
///
/// let points = batch_points(br#"[[36.63, 35.93], [36.3, 33.51]]"#, 10).unwrap();
/// assert_eq!(points, vec![(36.63, 35.93), (36.3, 33.51)]);
/// assert_eq!(batch_points(br#"[[36.63, 95]]"#, 10).unwrap_err().index, Some(0));
/// ```
pub fn batch_points(body: &[u8], max_points: usize) -> Result<Vec<(f64, f64)>, ApiError> {
    if body.trim_ascii().is_empty() {
        return Err(ApiError::body(format!(
            "the body is empty: send {BATCH_FORMS}"
        )));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::body(format!(
            "the body is not valid JSON ({e}): send {BATCH_FORMS}"
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
                    "the body is not valid GeoJSON ({e}): send {BATCH_FORMS}"
                ))
            })?;
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
