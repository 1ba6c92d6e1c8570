//! Replacing the zone data while serving, without downtime.
//!
//! `SIGHUP` makes `dezone serve` read its data again from the files it was
//! started with (`--geodata`, `--governorates`) and check it exactly as at
//! start-up ([`load_index`]: every geodata rule, and no zone outside Syria).
//! Reading, checking and preparing the new data (the index and every
//! prepared body) happen on a blocking thread, off the async workers; the
//! data is then put in force atomically ([`AppState::replace_data`]). A
//! request in flight finishes with the data it started with; the next one
//! gets the new data, its version and its `ETag`s.
//!
//! Invalid data is refused: the reload is logged as an error naming the file
//! and the fault, and counted as failed; the data in force keeps serving, the
//! same bytes under the same `ETag`s.
//!
//! Data equal to the data in force (the same zones and governorates, field by
//! field) is not swapped: the reload counts as ok and every `ETag` stays. In
//! particular, the embedded data (no `--geodata`) cannot change while the
//! binary runs, so `SIGHUP` then re-validates it and keeps what is served.
//!
//! Imports `cli` (the loader) and `http` (the state); only `main` imports this.

use std::{
    path::{Path, PathBuf},
    time::Instant,
};

use crate::{
    cli::load_index,
    geodata::{self, GeodataError},
    http::{AppState, state::Data},
    query::ZoneIndex,
};

/// Where the data comes from: the files `dezone serve` was started with, or
/// the embedded data where none was given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sources {
    /// The zone file (`--geodata`); `None`: the embedded zones.
    pub zones: Option<PathBuf>,
    /// The governorates file (`--governorates`); `None`: the embedded layer.
    pub governorates: Option<PathBuf>,
}

impl Sources {
    /// The zone file as named in logs.
    #[must_use]
    pub fn zones_name(&self) -> String {
        name_of(self.zones.as_deref(), geodata::EMBEDDED_NAME)
    }

    /// The governorates file as named in logs.
    #[must_use]
    pub fn governorates_name(&self) -> String {
        name_of(
            self.governorates.as_deref(),
            geodata::EMBEDDED_GOVERNORATES_NAME,
        )
    }
}

fn name_of(path: Option<&Path>, embedded: &str) -> String {
    path.map_or_else(|| embedded.to_owned(), |p| p.display().to_string())
}

/// What a reload did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reloaded {
    /// New data is in force.
    Replaced {
        /// The version replaced.
        previous: String,
        /// The version now served.
        version: String,
    },
    /// The data read equals the data in force, which stays.
    Unchanged {
        /// The version served.
        version: String,
    },
}

/// Why a reload was refused; the data in force stays.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The data cannot be read or breaks a rule; the message names the file
    /// and the fault.
    #[error(transparent)]
    Invalid(#[from] GeodataError),
    /// The blocking task that prepares the data failed (it panicked).
    #[error("preparing the data failed: {0}")]
    Task(String),
}

/// Reads the data from `sources`, checks it as at start-up and, when valid
/// and different, puts it in force; logs and counts the outcome.
///
/// Reloads should not overlap: [`on_hangup`] runs them one at a time. Two
/// overlapping reloads each leave valid data in force, the later one winning.
///
/// # Examples
///
/// ```
/// use dezone::{http::{AppState, Limits}, reload::{self, Reloaded, Sources}};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let state = AppState::from_index(dezone::cli::load_index(None, None).unwrap(), Limits::default(), "");
/// let version = state.data().version.clone();
/// // The embedded data cannot change: it is checked again and kept.
/// let outcome = reload::reload(&state, &Sources::default()).await.unwrap();
/// assert_eq!(outcome, Reloaded::Unchanged { version });
/// assert_eq!(state.reload_counts().ok, 1);
/// # });
/// ```
pub async fn reload(state: &AppState, sources: &Sources) -> Result<Reloaded, ReloadError> {
    let started = Instant::now();
    let task_state = state.clone();
    let task_sources = sources.clone();
    let outcome = tokio::task::spawn_blocking(move || swap_in(&task_state, &task_sources))
        .await
        .unwrap_or_else(|e| Err(ReloadError::Task(e.to_string())));
    state.count_reload(outcome.is_ok());
    let elapsed_ms = started.elapsed().as_millis();
    let zones_file = sources.zones_name();
    let governorates_file = sources.governorates_name();
    match &outcome {
        Ok(Reloaded::Replaced { previous, version }) => {
            let data = state.data();
            tracing::info!(
                %version,
                %previous,
                zones = data.index.zones().len(),
                governorates = data.index.governorates().len(),
                %zones_file,
                %governorates_file,
                elapsed_ms,
                "zone data reloaded"
            );
        }
        Ok(Reloaded::Unchanged { version }) => tracing::info!(
            %version,
            %zones_file,
            %governorates_file,
            elapsed_ms,
            "zone data reloaded: unchanged, still serving the same data"
        ),
        Err(error) => tracing::error!(
            %error,
            %zones_file,
            %governorates_file,
            version = %state.data().version,
            "zone data reload refused; still serving the data loaded before"
        ),
    }
    outcome
}

/// Loads and checks the data, prepares it and puts it in force unless it
/// equals the data in force. Blocking: it runs on a blocking thread, where
/// the data replaced is also freed (unless a request still holds it).
fn swap_in(state: &AppState, sources: &Sources) -> Result<Reloaded, ReloadError> {
    let index = load_index(sources.zones.as_deref(), sources.governorates.as_deref())?;
    let current = state.data();
    if same_data(&current.index, &index) {
        return Ok(Reloaded::Unchanged {
            version: current.version.clone(),
        });
    }
    drop(current);
    let data = Data::new(index, state.base_url());
    let version = data.version.clone();
    let previous = state.replace_data(data);
    Ok(Reloaded::Replaced {
        previous: previous.version.clone(),
        version,
    })
}

/// Whether two indexes hold the same zones, governorates and coastal band, field by field.
fn same_data(a: &ZoneIndex, b: &ZoneIndex) -> bool {
    let zones = a.zones().len() == b.zones().len()
        && a.zones()
            .iter()
            .zip(b.zones())
            .all(|(x, y)| x.meta == y.meta && x.geometry == y.geometry);
    let governorates = a.governorates().len() == b.governorates().len()
        && a.governorates().iter().zip(b.governorates()).all(|(x, y)| {
            x.pcode == y.pcode
                && x.name_en == y.name_en
                && x.name_ar == y.name_ar
                && x.extra == y.extra
                && x.geometry == y.geometry
        });
    zones && governorates && a.coast() == b.coast()
}

/// Reloads the data from `sources` on every `SIGHUP`, one reload at a time
/// (signals arriving during a reload are coalesced into one more reload).
///
/// Installs the signal handler before returning, so a `SIGHUP` sent once this
/// returns reloads rather than ending the process. Call it within the Tokio
/// runtime.
#[cfg(unix)]
pub fn on_hangup(
    state: AppState,
    sources: Sources,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = signal(SignalKind::hangup())?;
    Ok(tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            tracing::info!(
                zones_file = %sources.zones_name(),
                governorates_file = %sources.governorates_name(),
                "SIGHUP: reloading the zone data"
            );
            // The outcome is logged and counted by `reload`.
            let _ = reload(&state, &sources).await;
        }
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use super::*;
    use crate::http::Limits;

    fn embedded_state() -> AppState {
        AppState::from_index(load_index(None, None).unwrap(), Limits::default(), "")
    }

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    #[tokio::test]
    async fn a_valid_changed_file_is_put_in_force() {
        let state = embedded_state();
        let before = state.data().version.clone();
        let sources = Sources {
            zones: Some(fixture("boxes-in-syria.geojson")),
            governorates: None,
        };
        let outcome = reload(&state, &sources).await.unwrap();
        let after = state.data().version.clone();
        assert_ne!(before, after);
        assert_eq!(
            outcome,
            Reloaded::Replaced {
                previous: before,
                version: after
            }
        );
        assert_eq!(state.reload_counts().ok, 1);
    }

    #[tokio::test]
    async fn an_invalid_file_is_refused_and_the_data_in_force_stays() {
        let state = embedded_state();
        let before = state.data();
        let sources = Sources {
            zones: Some(fixture("bad/overlap.geojson")),
            governorates: None,
        };
        let error = reload(&state, &sources).await.unwrap_err();
        assert!(error.to_string().contains("overlap.geojson"), "{error}");
        assert!(Arc::ptr_eq(&before, &state.data()), "the same data object");
        assert_eq!(
            state.reload_counts(),
            crate::http::state::ReloadCounts { ok: 0, failed: 1 }
        );
    }

    #[tokio::test]
    async fn a_missing_file_is_refused_naming_it() {
        let state = embedded_state();
        let sources = Sources {
            zones: Some(fixture("no-such-file.geojson")),
            governorates: None,
        };
        let error = reload(&state, &sources).await.unwrap_err();
        assert!(
            error.to_string().contains("no-such-file.geojson"),
            "{error}"
        );
        assert_eq!(state.reload_counts().failed, 1);
    }

    #[tokio::test]
    async fn unchanged_data_is_not_swapped() {
        let state = embedded_state();
        let before = state.data();
        let outcome = reload(&state, &Sources::default()).await.unwrap();
        assert!(matches!(outcome, Reloaded::Unchanged { .. }));
        assert!(Arc::ptr_eq(&before, &state.data()));
    }
}
