//! What every handler shares: the loaded data and the limits.

use std::sync::{
    Arc, Mutex, OnceLock, PoisonError,
    atomic::{AtomicI64, AtomicU64, Ordering},
};

use arc_swap::{ArcSwap, Guard};
use jiff::civil::Date;

use crate::{
    query::{ZoneIndex, ZoneSet},
    zone::{Governorate, Zone},
};

use super::{
    answer::Fragments, locate::DataUsed, ogc::OgcResources, openapi::Documents,
    zones::ZoneResources,
};

/// Limits on what one request may ask, and on how many are answered at once.
///
/// The request-level ones past the body are enforced by
/// [`GuardLayer`](super::guard::GuardLayer), `header_read_timeout_ms` by
/// [`guard::serve`](super::guard::serve).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most points in one `POST /locate`.
    pub max_batch_points: usize,
    /// Largest request body, bytes.
    pub max_body_bytes: usize,
    /// Longest request target (path and query), bytes; 414 beyond.
    pub max_uri_bytes: usize,
    /// Most bytes of header fields in one request (`name: value` and the
    /// line end, each); 431 beyond.
    pub max_header_bytes: usize,
    /// Most header fields in one request; 431 beyond.
    pub max_headers: usize,
    /// Most requests answered at once; beyond, a 503 at once (not queued).
    pub max_in_flight: usize,
    /// Longest time one answer may take, milliseconds: 408 when the body was
    /// still arriving, else 503.
    pub request_timeout_ms: u64,
    /// Longest time a connection may go without progress (a complete request
    /// head, an answer being made, bytes of an answer sent), milliseconds: a
    /// head sent too slowly, an idle kept-alive connection, a client that
    /// stops reading. The connection is closed after 1 to 1.25 times this.
    pub header_read_timeout_ms: u64,
}

impl Limits {
    /// The defaults, usable in constants (`Limits { max_batch_points: 5, ..Limits::DEFAULT }`).
    pub const DEFAULT: Self = Self {
        max_batch_points: 100_000,
        max_body_bytes: 16 * 1024 * 1024,
        max_uri_bytes: 8 * 1024,
        max_header_bytes: 16 * 1024,
        max_headers: 64,
        max_in_flight: 1024,
        request_timeout_ms: 30_000,
        header_read_timeout_ms: 10_000,
    };
}

impl Default for Limits {
    /// 100,000 points; 16 MiB, room for that many points as GeoJSON; an
    /// 8 KiB target; 64 header fields of 16 KiB in all (below hyper's own
    /// refusals, 100 fields or about 400 KB, which carry no problem body);
    /// 1024 requests at once; 30 s per answer; 10 s for a request's head.
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// One version of the zone data with everything prepared from it.
#[derive(Debug)]
pub struct Data {
    /// The point index over the zones.
    pub index: ZoneIndex,
    /// The prepared zone bodies.
    pub zones: ZoneResources,
    /// The prepared OGC API resources.
    pub ogc: OgcResources,
    /// The prepared parts of point answers.
    pub answers: Fragments,
    /// A short hash identifying this version of the data.
    pub version: String,
    /// The period the outlines describe, when every zone gives the same `extent`.
    pub extent: Option<String>,
}

impl Data {
    /// Prepares the bodies of an index's zones and governorates; `base_url`
    /// prefixes links.
    #[must_use]
    pub fn new(index: ZoneIndex, base_url: &str) -> Self {
        let zones = ZoneResources::new(&index, base_url);
        Self {
            ogc: OgcResources::new(&index, base_url),
            answers: Fragments::new(&index).naming_data(zones.version(), zones.extent()),
            version: zones.version().to_owned(),
            extent: zones.extent().map(str::to_owned),
            index,
            zones,
        }
    }

    /// The zones in force on `date`; every zone when no date is given.
    #[must_use]
    pub fn zones_on(&self, date: Option<Date>) -> ZoneSet {
        date.map_or_else(|| self.index.all(), |date| self.index.in_force_on(date))
    }

    /// Which data answers a request for `date`.
    #[must_use]
    pub fn used(&self, at: Option<Date>) -> DataUsed<'_> {
        DataUsed {
            version: &self.version,
            extent: self.extent.as_deref(),
            at,
        }
    }
}

/// The handlers' shared state; cheap to clone (one reference count).
///
/// The data can be replaced while the service runs ([`AppState::replace_data`],
/// used by [`crate::reload`]); every clone sees the replacement.
#[derive(Clone, Debug)]
pub struct AppState {
    shared: Arc<Shared>,
}

/// What every clone of a state shares: the data in force, what is known of
/// its replacements, and the settings of the service.
#[derive(Debug)]
struct Shared {
    /// The data in force.
    current: ArcSwap<Data>,
    /// The prefix of links, kept to prepare replacement data alike.
    base_url: Box<str>,
    /// The path of `base_url`.
    base_path: &'static str,
    /// When the data in force was put in place, seconds since the Unix epoch.
    loaded_at: AtomicI64,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
    /// The request limits.
    limits: Limits,
    /// Who may frame `/map` (a CSP `frame-ancestors` source list).
    frame_ancestors: Box<str>,
    /// The OpenAPI documents, prepared once by the router.
    documents: OnceLock<Arc<Documents>>,
}

/// How many reloads replaced (or confirmed) the data and how many were refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReloadCounts {
    /// Reloads that validated: the data was replaced, or found unchanged.
    pub ok: u64,
    /// Reloads refused (invalid data, unreadable file); the data was kept.
    pub failed: u64,
}

impl AppState {
    /// State over `zones` (no governorates), with links relative to the server root.
    #[must_use]
    pub fn new(zones: Vec<Zone>, limits: Limits) -> Self {
        Self::from_index(ZoneIndex::new(zones), limits, "")
    }

    /// State over `zones` and `governorates`, with links relative to the server root.
    #[must_use]
    pub fn with_governorates(
        zones: Vec<Zone>,
        governorates: Vec<Governorate>,
        limits: Limits,
    ) -> Self {
        Self::from_index(
            ZoneIndex::with_governorates(zones, governorates),
            limits,
            "",
        )
    }

    /// State over an index whose links start with `base_url` (no trailing slash).
    #[must_use]
    pub fn from_index(index: ZoneIndex, limits: Limits, base_url: &str) -> Self {
        let base_url = base_url.trim_end_matches('/');
        Self {
            shared: Arc::new(Shared {
                current: ArcSwap::from_pointee(Data::new(index, base_url)),
                base_url: base_url.into(),
                base_path: interned(super::ogc::html::base_path(base_url)),
                loaded_at: AtomicI64::new(jiff::Timestamp::now().as_second()),
                reloads_ok: AtomicU64::new(0),
                reloads_failed: AtomicU64::new(0),
                limits,
                frame_ancestors: super::map::DEFAULT_FRAME_ANCESTORS.into(),
                documents: OnceLock::new(),
            }),
        }
    }

    /// The same state with `/map` frameable by `sources` (a CSP
    /// `frame-ancestors` source list, checked with
    /// [`check_frame_ancestors`](super::map::check_frame_ancestors)).
    ///
    /// Meant for building a state: clones made before keep their setting.
    #[must_use]
    pub fn with_frame_ancestors(self, sources: &str) -> Self {
        let old = &self.shared;
        let documents = OnceLock::new();
        if let Some(prepared) = old.documents.get() {
            let _ = documents.set(Arc::clone(prepared));
        }
        Self {
            shared: Arc::new(Shared {
                current: ArcSwap::new(old.current.load_full()),
                base_url: old.base_url.clone(),
                base_path: old.base_path,
                loaded_at: AtomicI64::new(old.loaded_at.load(Ordering::Relaxed)),
                reloads_ok: AtomicU64::new(old.reloads_ok.load(Ordering::Relaxed)),
                reloads_failed: AtomicU64::new(old.reloads_failed.load(Ordering::Relaxed)),
                limits: old.limits,
                frame_ancestors: sources.trim().into(),
                documents,
            }),
        }
    }

    /// Who may frame `/map`: `*` unless set with [`Self::with_frame_ancestors`].
    #[must_use]
    pub fn frame_ancestors(&self) -> &str {
        &self.shared.frame_ancestors
    }

    /// The request limits.
    #[must_use]
    pub fn limits(&self) -> Limits {
        self.shared.limits
    }

    /// The OpenAPI documents: those the router prepared, else `prepare()`'s
    /// (kept for every later call).
    pub fn documents(&self, prepare: impl FnOnce() -> Documents) -> &Arc<Documents> {
        self.shared.documents.get_or_init(|| Arc::new(prepare()))
    }

    /// The data in force.
    ///
    /// Cheap enough for every request: an atomic load that takes no lock and
    /// touches no shared reference count (arc-swap's [`Guard`]). Hold it for
    /// one answer, not longer: a reload cannot free the data while a guard
    /// holds it. Call it once per request; two calls may see two versions
    /// when a reload falls between them. `.clone()` gives an owned `Arc`, to
    /// move into a blocking task.
    #[must_use]
    pub fn data(&self) -> Guard<Arc<Data>> {
        self.shared.current.load()
    }

    /// The prefix of links in the data (no trailing slash; empty for
    /// root-relative links); replacement data must be prepared with it.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The path the service is served under, from the base URL: `/dezone`
    /// for `https://maps.example.org/dezone`, empty at a host's root.
    ///
    /// # Examples
    ///
    /// ```
    /// use dezone::http::{AppState, Limits};
    ///
    /// let index = || dezone::cli::load_index(None, None).unwrap();
    /// let state = AppState::from_index(index(), Limits::default(), "https://maps.example.org/dezone/");
    /// assert_eq!(state.base_path(), "/dezone");
    /// let state = AppState::from_index(index(), Limits::default(), "http://127.0.0.1:8080");
    /// assert_eq!(state.base_path(), "");
    /// ```
    #[must_use]
    pub fn base_path(&self) -> &'static str {
        self.shared.base_path
    }

    /// Puts `data` in force for every clone of this state, atomically:
    /// requests already answering keep the data they started with, later ones
    /// get `data`. Returns the data replaced.
    ///
    /// # Examples
    ///
    /// ```
    /// use dezone::http::{AppState, Limits, state::Data};
    ///
    /// let state = AppState::from_index(dezone::cli::load_index(None, None).unwrap(), Limits::default(), "");
    /// let old_version = state.data().version.clone();
    /// let fewer = dezone::query::ZoneIndex::new(dezone::geodata::load_embedded().unwrap()[..2].to_vec());
    /// let old = state.replace_data(Data::new(fewer, state.base_url()));
    /// assert_eq!(old.version, old_version);
    /// assert_eq!(state.data().index.zones().len(), 2);
    /// assert_eq!(old.index.zones().len(), 4);
    /// ```
    pub fn replace_data(&self, data: Data) -> Arc<Data> {
        let cell = &self.shared;
        let old = cell.current.swap(Arc::new(data));
        cell.loaded_at
            .store(jiff::Timestamp::now().as_second(), Ordering::Relaxed);
        old
    }

    /// When the data in force was put in place (start-up or the last reload
    /// that replaced it).
    #[must_use]
    pub fn loaded_at(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_second(self.shared.loaded_at.load(Ordering::Relaxed))
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    /// Counts one reload: `ok` when it validated, else refused.
    pub fn count_reload(&self, ok: bool) {
        let cell = &self.shared;
        let counter = if ok {
            &cell.reloads_ok
        } else {
            &cell.reloads_failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The reloads counted so far.
    #[must_use]
    pub fn reload_counts(&self) -> ReloadCounts {
        let cell = &self.shared;
        ReloadCounts {
            ok: cell.reloads_ok.load(Ordering::Relaxed),
            failed: cell.reloads_failed.load(Ordering::Relaxed),
        }
    }
}

/// `path`, kept for the rest of the process: every answer's future may name
/// it in a problem, and such a future cannot borrow the state. Each distinct
/// path is kept once (a service is served under one; tests make a few).
fn interned(path: &str) -> &'static str {
    static KEPT: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    if path.is_empty() {
        return "";
    }
    let mut kept = KEPT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = kept.iter().find(|kept| **kept == path) {
        return found;
    }
    let leaked: &'static str = Box::leak(path.into());
    kept.push(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geodata;

    #[test]
    fn the_version_changes_with_the_governorates_alone() {
        let zones = geodata::load_embedded().unwrap();
        let governorates = geodata::load_embedded_governorates().unwrap();
        let fewer = governorates[1..].to_vec();
        let all = Data::new(
            ZoneIndex::with_governorates(zones.clone(), governorates),
            "",
        );
        let again = Data::new(
            ZoneIndex::with_governorates(
                zones.clone(),
                geodata::load_embedded_governorates().unwrap(),
            ),
            "",
        );
        let without_one = Data::new(ZoneIndex::with_governorates(zones, fewer), "");
        assert_eq!(
            all.version, again.version,
            "the same data, the same version"
        );
        assert_ne!(all.version, without_one.version);
        assert_eq!(all.version.len(), 16);
    }

    #[test]
    fn the_version_is_the_same_at_any_address() {
        let index = || crate::cli::load_index(None, None).unwrap();
        let root = Data::new(index(), "");
        let local = Data::new(index(), "http://127.0.0.1:8080");
        let proxied = Data::new(index(), "https://maps.example.org/dezone");
        assert_eq!(root.version, local.version);
        assert_eq!(root.version, proxied.version);
        let mut zones = geodata::load_embedded().unwrap();
        zones[0].meta.name.push('!');
        let renamed = Data::new(
            ZoneIndex::with_governorates(zones, geodata::load_embedded_governorates().unwrap())
                .with_coast(geodata::load_embedded_coast().unwrap()),
            "",
        );
        assert_ne!(root.version, renamed.version, "a zone's name is data");
    }

    #[test]
    fn every_clone_shares_one_state_and_frame_ancestors_builds_a_new_one() {
        let state = AppState::new(geodata::load_embedded().unwrap(), Limits::default());
        let clone = state.clone();
        assert!(Arc::ptr_eq(&state.shared, &clone.shared));
        let framed = state.with_frame_ancestors(" 'self' ");
        assert_eq!(framed.frame_ancestors(), "'self'");
        assert_eq!(
            clone.frame_ancestors(),
            super::super::map::DEFAULT_FRAME_ANCESTORS
        );
        assert_eq!(framed.data().version, clone.data().version);
        assert_eq!(framed.limits(), Limits::default());
    }
}
