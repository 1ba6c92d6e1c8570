//! Liveness.

use axum::{
    Json,
    extract::{RawQuery, State},
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{
    extract::Query,
    problem::{ApiError, Problem},
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

/// Whether the service is up, with the data it serves.
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
    RawQuery(raw): RawQuery,
) -> Result<Json<Health>, ApiError> {
    Query::parse(raw.as_deref(), &[])?;
    let data = state.data();
    Ok(Json(Health {
        status: "ok",
        zones: data.index.zones().len(),
        data_version: data.version.clone(),
    }))
}
