//! Liveness (`/healthz`) and readiness (`/readyz`).

use axum::{
    Json,
    extract::State,
    http::{StatusCode, Uri},
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{
    extract::{Query, RawTarget},
    problem::{ApiError, Problem, ProblemKind},
    state::AppState,
};

/// The service's health.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the service answers.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// How many zones are loaded.
    #[schema(example = 4)]
    pub zones: usize,
    /// A short hash identifying the zone data served.
    #[schema(example = "3f2a9c01d4e5b6a7")]
    pub data_version: String,
}

/// Whether the service is up (liveness), with the data it serves.
///
/// `200` whenever the process answers at all, whatever its data; use
/// `/readyz` to decide whether to send it traffic.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    responses(
        (status = 200, description = "The service is up", body = Health),
        (status = 400, description = "A query parameter was given (none is taken)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_health(
    State(state): State<AppState>,
    RawTarget(raw): RawTarget,
) -> Result<Json<Health>, ApiError> {
    health_answer(&state, &raw)
}

/// The answer of [`get_health`], made at once: the [`front`](super::front) calls it without the
/// router.
pub fn health_answer(state: &AppState, target: &Uri) -> Result<Json<Health>, ApiError> {
    Query::parse(target.query(), &[])?;
    let data = state.data();
    Ok(Json(Health {
        status: "ok",
        zones: data.index.zones().len(),
        data_version: data.version.clone(),
    }))
}

/// The service's readiness: the data it serves and its reloads.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready`: zone data is loaded and answers.
    #[schema(example = "ready")]
    pub status: &'static str,
    /// A short hash identifying the zone data served (as in answers' `data.version`).
    #[schema(example = "3f2a9c01d4e5b6a7")]
    pub data_version: String,
    /// How many zones are loaded.
    #[schema(example = 4)]
    pub zones: usize,
    /// How many governorates are loaded.
    #[schema(example = 14)]
    pub governorates: usize,
    /// When the data served was put in place: start-up, or the last reload
    /// that changed it (RFC 3339).
    #[schema(example = "2026-11-27T08:12:36Z")]
    pub loaded_at: String,
    /// Data reloads (`SIGHUP`) since start-up.
    pub reloads: Reloads,
}

/// Data reloads since start-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reloads {
    /// Reloads that validated: the data was replaced, or found unchanged.
    #[schema(example = 2)]
    pub ok: u64,
    /// Reloads refused (invalid data, unreadable file); the data in force stayed.
    #[schema(example = 0)]
    pub failed: u64,
}

/// Whether the service is ready for traffic (readiness), with the data it serves.
///
/// `200` once zone data is loaded, which `dezone serve` does before it
/// listens; a reload that fails leaves the service ready, serving the data it
/// had. `503` while no zone is loaded.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "service",
    responses(
        (status = 200, description = "Zone data is loaded and served", body = Readiness),
        (status = 400, description = "A query parameter was given (none is taken)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "No zone data is loaded", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_ready(
    State(state): State<AppState>,
    RawTarget(raw): RawTarget,
) -> Result<Json<Readiness>, ApiError> {
    Query::parse(raw.query(), &[])?;
    let data = state.data();
    let zones = data.index.zones().len();
    if zones == 0 {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ProblemKind::Internal,
            "no zone data is loaded; the service cannot answer yet",
        ));
    }
    let reloads = state.reload_counts();
    Ok(Json(Readiness {
        status: "ready",
        data_version: data.version.clone(),
        zones,
        governorates: data.index.governorates().len(),
        loaded_at: state.loaded_at().to_string(),
        reloads: Reloads {
            ok: reloads.ok,
            failed: reloads.failed,
        },
    }))
}
