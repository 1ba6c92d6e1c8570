//! Point-in-zone: `GET /locate` for one point, and the answer types a batch
//! (`POST /locate`, in [`super::batch`]) shares.

use axum::{
    extract::State,
    http::{Uri, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::{
    extract::{Axis, Query, RawTarget, parse_coordinate},
    problem::{ApiError, Problem},
    state::AppState,
};
use crate::query::Location;
use jiff::civil::Date;

/// Moved to [`super::batch`]; kept here for callers of the old path.
pub use super::batch::batch_points;

/// The media type of the answers.
const JSON: header::HeaderValue = header::HeaderValue::from_static("application/json");

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
    /// outside Syria's generalised outline the point lies: at most 0.3 km,
    /// or 1 km at sea off the coast or in a zone that reaches across the
    /// border.
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
    /// Whether the point lies in Syria (within 0.3 km of its outline counts,
    /// and the sea within 1 km of its coast).
    pub in_syria: Option<bool>,
    /// Which data answered (in a batch, once for all results).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<DataUsed<'a>>,
}

pub(crate) fn round_km(km: f64) -> f64 {
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
    RawTarget(raw): RawTarget,
) -> Result<Response, ApiError> {
    answer(&state, &raw)
}

/// The answer of [`locate_point`] to the request target `target`, made at
/// once: the [`front`](super::front) calls it without the router.
///
/// # Errors
///
/// A problem naming the parameter, as [`locate_point`]'s.
pub fn answer(state: &AppState, target: &Uri) -> Result<Response, ApiError> {
    let query = Query::parse(target.query(), &["lon", "lat", "at"])?;
    let lon = parse_coordinate(Axis::Lon, query.require("lon", Axis::Lon.expected())?)?;
    let lat = parse_coordinate(Axis::Lat, query.require("lat", Axis::Lat.expected())?)?;
    let at = query.date("at")?;
    let data = state.data();
    let location = data.index.locate_among(lon, lat, data.zones_on(at));
    // An answer is 300–800 bytes: one allocation, no regrowth.
    let mut body = Vec::with_capacity(1024);
    data.answers
        .write(&mut body, &data.index, &location, Some(&data.used(at)));
    Ok(([(header::CONTENT_TYPE, JSON)], body).into_response())
}
