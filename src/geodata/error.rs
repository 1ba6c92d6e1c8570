//! What can be wrong with a geodata file.

use std::path::PathBuf;

/// A geodata file that cannot be served, with the file, the feature and the fault.
#[derive(Debug, thiserror::Error)]
pub enum GeodataError {
    /// The file could not be read.
    #[error("{path}: cannot read the file: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not JSON at all.
    #[error("{name}: not valid JSON: {source}")]
    Syntax {
        /// The file.
        name: String,
        /// Where and why.
        source: serde_json::Error,
    },
    /// JSON, but not GeoJSON.
    #[error("{name}: not valid GeoJSON: {reason}")]
    NotGeoJson {
        /// The file.
        name: String,
        /// Why.
        reason: String,
    },
    /// GeoJSON, but not a `FeatureCollection`.
    #[error("{name}: expected a GeoJSON FeatureCollection, found a {found}")]
    NotCollection {
        /// The file.
        name: String,
        /// The GeoJSON type found instead.
        found: &'static str,
    },
    /// The collection has no features.
    #[error("{name}: the FeatureCollection has no features")]
    Empty {
        /// The file.
        name: String,
    },
    /// One feature is at fault.
    #[error("{name}: feature {feature}: {fault}")]
    Feature {
        /// The file.
        name: String,
        /// The feature's id, or `#N` (0-based position) where it has none.
        feature: String,
        /// What is wrong with it.
        fault: FeatureFault,
    },
    /// Two features share an id or a number.
    #[error("{name}: features {first} and {second} share the {what} {value}")]
    Duplicate {
        /// The file.
        name: String,
        /// `id` or `number`.
        what: &'static str,
        /// The shared value.
        value: String,
        /// The first feature (`#N`).
        first: String,
        /// The second feature (`#N`).
        second: String,
    },
    /// More zones than the service indexes.
    #[error("{name}: {count} zones; at most {max} are allowed")]
    TooMany {
        /// The file.
        name: String,
        /// How many zones the file has.
        count: usize,
        /// The most allowed.
        max: usize,
    },
    /// A zone reaches outside the country outline.
    #[error(
        "{name}: zone {zone} reaches outside Syria: its vertex [{lon}, {lat}] lies {distance_m:.0} m beyond the outline"
    )]
    OutsideSyria {
        /// The file.
        name: String,
        /// The zone's id.
        zone: String,
        /// Longitude of the vertex farthest out.
        lon: f64,
        /// Its latitude.
        lat: f64,
        /// How far beyond the outline it lies.
        distance_m: f64,
    },
    /// Two zones overlap.
    #[error("{name}: zones {first} and {second} overlap over {area_km2:.3} km²")]
    Overlap {
        /// The file.
        name: String,
        /// One zone's id.
        first: String,
        /// The other's.
        second: String,
        /// The area they share.
        area_km2: f64,
    },
}

/// What is wrong with one feature.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FeatureFault {
    /// No `id` member.
    #[error("has no \"id\" (expected a string slug such as \"eastern-ghouta\")")]
    MissingId,
    /// An `id` that is not a slug.
    #[error("id {0} is not a slug of a-z, 0-9 and '-' (at most 64 characters)")]
    BadId(String),
    /// No geometry.
    #[error("has no geometry (expected a Polygon or MultiPolygon)")]
    MissingGeometry,
    /// A geometry of another type.
    #[error("has a {0} geometry (expected a Polygon or MultiPolygon)")]
    WrongGeometryType(&'static str),
    /// A polygon with no rings.
    #[error("polygon {polygon} has no rings")]
    NoRings {
        /// Which polygon (0-based).
        polygon: usize,
    },
    /// A ring that encloses no area: its points lie on one line.
    #[error("polygon {polygon} ring {ring} encloses no area (its points lie on one line)")]
    EmptyRing {
        /// Which polygon (0-based).
        polygon: usize,
        /// Which ring (0 = outer).
        ring: usize,
    },
    /// A ring with fewer than 4 positions.
    #[error("polygon {polygon} ring {ring} has {count} positions (a closed ring needs at least 4)")]
    ShortRing {
        /// Which polygon (0-based).
        polygon: usize,
        /// Which ring (0 = exterior).
        ring: usize,
        /// How many positions it has.
        count: usize,
    },
    /// A ring whose last position differs from its first.
    #[error(
        "polygon {polygon} ring {ring} is not closed (its last position differs from its first)"
    )]
    UnclosedRing {
        /// Which polygon (0-based).
        polygon: usize,
        /// Which ring (0 = exterior).
        ring: usize,
    },
    /// A position with fewer than 2 or more than 3 numbers.
    #[error(
        "polygon {polygon} ring {ring} position {position} has {count} numbers (expected [lon, lat] or [lon, lat, height])"
    )]
    BadPosition {
        /// Which polygon (0-based).
        polygon: usize,
        /// Which ring (0 = exterior).
        ring: usize,
        /// Which position (0-based).
        position: usize,
        /// How many numbers it has.
        count: usize,
    },
    /// A position off the globe.
    #[error(
        "polygon {polygon} ring {ring} position {position} [{lon}, {lat}] is out of range (lon -180..180, lat -90..90)"
    )]
    OutOfRange {
        /// Which polygon (0-based).
        polygon: usize,
        /// Which ring (0 = exterior).
        ring: usize,
        /// Which position (0-based).
        position: usize,
        /// Its longitude.
        lon: f64,
        /// Its latitude.
        lat: f64,
    },
    /// Invalid by geo's `Validation` (self-intersection, overlapping parts, …).
    #[error("invalid geometry: {0}")]
    InvalidGeometry(String),
    /// A required property is missing.
    #[error("has no property \"{0}\"")]
    MissingProperty(&'static str),
    /// A property of the wrong type or value.
    #[error("property \"{name}\" must be {expected}")]
    BadProperty {
        /// The property.
        name: &'static str,
        /// What it must be.
        expected: &'static str,
    },
}

/// The geodata module's result.
pub type Result<T, E = GeodataError> = std::result::Result<T, E>;
