//! Loads and validates zone data: a GeoJSON `FeatureCollection` becomes `Vec<Zone>`.
//!
//! Owns the embedded data and every rule a zone file must meet. Imports the
//! `zone` domain only; never `query` or `http`. A file that breaks a rule is
//! refused whole with a [`GeodataError`] naming the file, the feature and the fault.
//!
//! Rules: a `FeatureCollection` of Features with a string slug `id`; a Polygon or
//! MultiPolygon geometry whose rings are closed, have at least four positions of
//! two or three finite numbers within lon −180..180 and lat −90..90, and pass
//! geo's `Validation`; the required properties (`number`, `name`, `provinces`,
//! `description`, `guarantors`, `signed`, `in_force`, `source`); unique ids and
//! numbers; no two zones sharing area (touching edges are allowed). Rings are
//! re-oriented to RFC 7946's right-hand rule. Members the service computes
//! (`area_km2`, `bbox`, `representative_point`, `links`) are ignored on input, so
//! a collection served by dezone loads back unchanged.
//!
//! The embedded layers are held to every rule by the tests, not at each start:
//! loading them skips geo's `Validation` and the overlap test, the costliest
//! rules (see `Checks`).

mod error;

use std::path::Path;

use geo::{
    Area, BooleanOps, BoundingRect, Coord, GeodesicArea, Intersects, LineString, MultiPolygon,
    Polygon, Validation,
    orient::{Direction, Orient},
};
use geojson::{GeoJson, GeometryValue, PolygonType, feature::Id};
use jiff::civil::Date;
use serde_json::{Map, Value};

pub use error::{FeatureFault, GeodataError, Result};

use crate::zone::{Governorate, Zone, ZoneId, ZoneMeta};

/// The zone file compiled into the binary.
pub const EMBEDDED: &str = include_str!("../../geodata/zones.geojson");

/// How the embedded file is named in messages.
pub const EMBEDDED_NAME: &str = "<embedded>/geodata/zones.geojson";

/// Properties the service computes; ignored when present in input.
const COMPUTED: [&str; 4] = ["area_km2", "bbox", "representative_point", "links"];

/// Loads the zones compiled into the binary.
///
/// # Examples
///
/// ```
/// let zones = dezone::geodata::load_embedded().unwrap();
/// assert_eq!(zones.len(), 4);
/// assert_eq!(zones[0].id().as_str(), "idlib");
/// ```
pub fn load_embedded() -> Result<Vec<Zone>> {
    parse_zones(EMBEDDED_NAME, EMBEDDED, Checks::Embedded).map(|(zones, _)| zones)
}

/// What loading checks of a layer's geometry.
///
/// geo's `Validation` compares every edge of a ring with every other, which for
/// the embedded governorates is most of the service's start-up. The embedded
/// layers are fixed when the binary is built, and the tests hold them to
/// [`Checks::Full`] (`embedded_layers_pass_every_check`), so loading them skips
/// that comparison and the zones' overlap test. A file given at run time is
/// always checked in full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Checks {
    Full,
    Embedded,
}

/// Reads and validates a zone file.
pub fn load_file(path: &Path) -> Result<Vec<Zone>> {
    let text = std::fs::read_to_string(path).map_err(|source| GeodataError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&path.display().to_string(), &text)
}

/// Validates zone data given as text; `name` labels it in errors.
///
/// Zones come back sorted by `number`.
///
/// # Examples
///
/// ```
/// let err = dezone::geodata::parse("bad.geojson", r#"{"type":"Point","coordinates":[1,2]}"#)
///     .unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "bad.geojson: expected a GeoJSON FeatureCollection, found a Point"
/// );
/// ```
pub fn parse(name: &str, text: &str) -> Result<Vec<Zone>> {
    parse_with_notes(name, text).map(|(zones, _)| zones)
}

/// As [`parse`], also returning notes on what loading repaired (rings wound
/// against RFC 7946's right-hand rule), for `dezone validate`.
pub fn parse_with_notes(name: &str, text: &str) -> Result<(Vec<Zone>, Vec<String>)> {
    parse_zones(name, text, Checks::Full)
}

fn parse_zones(name: &str, text: &str, checks: Checks) -> Result<(Vec<Zone>, Vec<String>)> {
    let mut notes = Vec::new();
    let mut zones = Vec::new();
    for (index, feature) in read_features(name, text)?.into_iter().enumerate() {
        let label = label(&feature, index);
        let zone = zone_from_feature(feature, checks, &mut |note| {
            notes.push(format!("{name}: feature {label}: {note}"));
        })
        .map_err(|fault| feature_error(name, label.clone(), fault))?;
        zones.push(zone);
    }
    if zones.len() > MAX_ZONES {
        return Err(GeodataError::TooMany {
            name: name.to_owned(),
            count: zones.len(),
            max: MAX_ZONES,
        });
    }
    check_unique(name, &zones)?;
    if checks == Checks::Full {
        check_disjoint(name, &zones)?;
    }
    zones.sort_by_key(|z| z.meta.number);
    Ok((zones, notes))
}

/// The most zones one file may hold.
pub const MAX_ZONES: usize = 64;

/// The governorates layer compiled into the binary.
pub const EMBEDDED_GOVERNORATES: &str = include_str!("../../geodata/governorates.geojson");

/// How the embedded governorates file is named in messages.
pub const EMBEDDED_GOVERNORATES_NAME: &str = "<embedded>/geodata/governorates.geojson";

/// Loads the governorates compiled into the binary.
///
/// # Examples
///
/// ```
/// let governorates = dezone::geodata::load_embedded_governorates().unwrap();
/// assert_eq!(governorates.len(), 14);
/// assert!(governorates.iter().any(|g| g.pcode == "SY07" && g.name_en == "Idleb"));
/// ```
pub fn load_embedded_governorates() -> Result<Vec<Governorate>> {
    governorates_from(
        EMBEDDED_GOVERNORATES_NAME,
        EMBEDDED_GOVERNORATES,
        Checks::Embedded,
    )
}

/// Validates a governorates layer: Features with id = P-code and `pcode`,
/// `name_en`, `name_ar` properties; outlines checked as for zones. Sorted by P-code.
pub fn parse_governorates(name: &str, text: &str) -> Result<Vec<Governorate>> {
    governorates_from(name, text, Checks::Full)
}

fn governorates_from(name: &str, text: &str, checks: Checks) -> Result<Vec<Governorate>> {
    let mut governorates: Vec<Governorate> = Vec::new();
    for (index, feature) in read_features(name, text)?.into_iter().enumerate() {
        let label = label(&feature, index);
        let governorate = governorate_from_feature(feature, checks)
            .map_err(|fault| feature_error(name, label.clone(), fault))?;
        if let Some(first) = governorates
            .iter()
            .position(|g| g.pcode == governorate.pcode)
        {
            return Err(GeodataError::Duplicate {
                name: name.to_owned(),
                what: "pcode",
                value: governorate.pcode,
                first: format!("#{first}"),
                second: format!("#{index}"),
            });
        }
        governorates.push(governorate);
    }
    governorates.sort_by(|a, b| a.pcode.cmp(&b.pcode));
    Ok(governorates)
}

/// The coastal band compiled into the binary: the sea within 1 km of Syria's
/// coast as OCHA's outline draws it (`geodata/coast.geojson`).
pub const EMBEDDED_COAST: &str = include_str!("../../geodata/coast.geojson");

/// How the embedded coastal band is named in messages.
pub const EMBEDDED_COAST_NAME: &str = "<embedded>/geodata/coast.geojson";

/// Loads the coastal band compiled into the binary.
///
/// # Examples
///
/// ```
/// use geo::{Contains, Point};
///
/// let band = dezone::geodata::load_embedded_coast().unwrap();
/// // Jableh, as commonly cited (35.35 N 35.9167 E): 1 km offshore of the outline.
/// assert!(band.contains(&Point::new(35.9167, 35.35)));
/// // Ashore in Latakia, and far out at sea: not in the band.
/// assert!(!band.contains(&Point::new(35.80, 35.52)));
/// assert!(!band.contains(&Point::new(35.5, 35.3)));
/// ```
pub fn load_embedded_coast() -> Result<MultiPolygon<f64>> {
    coast_from(EMBEDDED_COAST_NAME, EMBEDDED_COAST, Checks::Embedded)
}

/// Validates a coastal band: a FeatureCollection whose Features' (multi)polygons
/// are checked as zone outlines are. Returns their union as one multipolygon.
pub fn parse_coast(name: &str, text: &str) -> Result<MultiPolygon<f64>> {
    coast_from(name, text, Checks::Full)
}

fn coast_from(name: &str, text: &str, checks: Checks) -> Result<MultiPolygon<f64>> {
    let mut band = MultiPolygon::new(Vec::new());
    for (index, feature) in read_features(name, text)?.into_iter().enumerate() {
        let label = label(&feature, index);
        let part = outline(feature.geometry.as_ref(), checks, &mut |_| {})
            .map_err(|fault| feature_error(name, label, fault))?;
        band.0.extend(part.0);
    }
    Ok(band)
}

fn read_features(name: &str, text: &str) -> Result<Vec<geojson::Feature>> {
    let value: Value = serde_json::from_str(text).map_err(|source| GeodataError::Syntax {
        name: name.to_owned(),
        source,
    })?;
    let geojson =
        serde_json::from_value::<GeoJson>(value).map_err(|e| GeodataError::NotGeoJson {
            name: name.to_owned(),
            reason: e.to_string(),
        })?;
    let collection = match geojson {
        GeoJson::FeatureCollection(fc) => fc,
        GeoJson::Feature(_) => return Err(not_collection(name, "Feature")),
        GeoJson::Geometry(g) => return Err(not_collection(name, g.value.type_name())),
    };
    if collection.features.is_empty() {
        return Err(GeodataError::Empty {
            name: name.to_owned(),
        });
    }
    Ok(collection.features)
}

fn label(feature: &geojson::Feature, index: usize) -> String {
    match &feature.id {
        Some(Id::String(s)) => s.chars().take(64).collect(),
        _ => format!("#{index}"),
    }
}

fn feature_error(name: &str, feature: String, fault: FeatureFault) -> GeodataError {
    GeodataError::Feature {
        name: name.to_owned(),
        feature,
        fault,
    }
}

fn not_collection(name: &str, found: &'static str) -> GeodataError {
    GeodataError::NotCollection {
        name: name.to_owned(),
        found,
    }
}

fn zone_from_feature(
    feature: geojson::Feature,
    checks: Checks,
    note: &mut dyn FnMut(String),
) -> Result<Zone, FeatureFault> {
    let id = match feature.id {
        None => return Err(FeatureFault::MissingId),
        Some(Id::String(s)) => ZoneId::parse(&s).ok_or(FeatureFault::BadId(format!("{s:?}")))?,
        Some(Id::Number(n)) => return Err(FeatureFault::BadId(n.to_string())),
    };
    let geometry = outline(feature.geometry.as_ref(), checks, note)?;
    let meta = meta_from_properties(id, feature.properties.unwrap_or_default())?;
    Zone::new(meta, geometry).ok_or(FeatureFault::MissingGeometry)
}

fn governorate_from_feature(
    feature: geojson::Feature,
    checks: Checks,
) -> Result<Governorate, FeatureFault> {
    let geometry = outline(feature.geometry.as_ref(), checks, &mut |_| {})?;
    let mut props = feature.properties.unwrap_or_default();
    for key in COMPUTED {
        props.shift_remove(key);
    }
    let pcode = take(
        &mut props,
        "pcode",
        "a P-code string such as \"SY07\"",
        non_empty,
    )?;
    if feature.id != Some(Id::String(pcode.clone())) {
        return Err(FeatureFault::BadProperty {
            name: "pcode",
            expected: "equal to the feature's id",
        });
    }
    let name_en = take(&mut props, "name_en", "a non-empty string", non_empty)?;
    let name_ar = take(&mut props, "name_ar", "a non-empty string", non_empty)?;
    let bbox = geometry
        .bounding_rect()
        .ok_or(FeatureFault::MissingGeometry)?;
    Ok(Governorate {
        pcode,
        name_en,
        name_ar,
        extra: props,
        area_km2: geometry.geodesic_area_unsigned() / 1e6,
        bbox,
        geometry,
    })
}

/// Reads a Polygon or MultiPolygon, checks it, and orients it to the right-hand rule.
fn outline(
    geometry: Option<&geojson::Geometry>,
    checks: Checks,
    note: &mut dyn FnMut(String),
) -> Result<MultiPolygon<f64>, FeatureFault> {
    let geometry = geometry.ok_or(FeatureFault::MissingGeometry)?;
    let polygons: Vec<&PolygonType> = match &geometry.value {
        GeometryValue::Polygon { coordinates } => vec![coordinates],
        GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
        other => return Err(FeatureFault::WrongGeometryType(other.type_name())),
    };
    let mut parts = Vec::with_capacity(polygons.len());
    for (p, rings) in polygons.into_iter().enumerate() {
        parts.push(polygon_from_rings(p, rings)?);
    }
    let given = MultiPolygon(parts);
    let oriented = given.clone().orient(Direction::Default);
    if oriented != given {
        note("rings wound against the RFC 7946 right-hand rule were re-oriented".to_owned());
    }
    if checks == Checks::Full
        && let Err(e) = oriented.check_validation()
    {
        return Err(FeatureFault::InvalidGeometry(e.to_string()));
    }
    Ok(oriented)
}

fn polygon_from_rings(polygon: usize, rings: &PolygonType) -> Result<Polygon<f64>, FeatureFault> {
    if rings.is_empty() {
        return Err(FeatureFault::NoRings { polygon });
    }
    let mut converted = Vec::with_capacity(rings.len());
    for (ring, positions) in rings.iter().enumerate() {
        if positions.len() < 4 {
            return Err(FeatureFault::ShortRing {
                polygon,
                ring,
                count: positions.len(),
            });
        }
        let mut coords = Vec::with_capacity(positions.len());
        for (position, pos) in positions.iter().enumerate() {
            let numbers = pos.as_slice();
            if !(2..=3).contains(&numbers.len()) {
                return Err(FeatureFault::BadPosition {
                    polygon,
                    ring,
                    position,
                    count: numbers.len(),
                });
            }
            let (lon, lat) = (numbers[0], numbers[1]);
            if !((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)) {
                return Err(FeatureFault::OutOfRange {
                    polygon,
                    ring,
                    position,
                    lon,
                    lat,
                });
            }
            coords.push(Coord { x: lon, y: lat });
        }
        if coords.first() != coords.last() {
            return Err(FeatureFault::UnclosedRing { polygon, ring });
        }
        let line = LineString(coords);
        // A ring whose points all lie on one line (or on one point) bounds
        // nothing; geo's validation lets some such rings through.
        if all_on_one_line(&line.0) {
            return Err(FeatureFault::EmptyRing { polygon, ring });
        }
        converted.push(line);
    }
    let exterior = converted.remove(0);
    Ok(Polygon::new(exterior, converted))
}

/// Whether every point lies on one line (or is one point), exactly.
fn all_on_one_line(points: &[Coord]) -> bool {
    let Some(&first) = points.first() else {
        return true;
    };
    let Some(&second) = points.iter().find(|&&p| p != first) else {
        return true;
    };
    points.iter().all(|&p| {
        robust::orient2d(
            robust::Coord {
                x: first.x,
                y: first.y,
            },
            robust::Coord {
                x: second.x,
                y: second.y,
            },
            robust::Coord { x: p.x, y: p.y },
        ) == 0.0
    })
}

fn meta_from_properties(
    id: ZoneId,
    mut props: Map<String, Value>,
) -> Result<ZoneMeta, FeatureFault> {
    for key in COMPUTED {
        props.shift_remove(key);
    }
    let number = take(&mut props, "number", "an integer from 1 to 99", |v| {
        v.as_u64().filter(|n| (1..=99).contains(n)).map(|n| n as u8)
    })?;
    let name = take(&mut props, "name", "a non-empty string", non_empty)?;
    let provinces = take(&mut props, "provinces", "a list of strings", strings)?;
    let description = take(&mut props, "description", "a string", |v| {
        v.as_str().map(str::to_owned)
    })?;
    let guarantors = take(&mut props, "guarantors", "a list of strings", strings)?;
    let signed = take(&mut props, "signed", "a date YYYY-MM-DD", date)?;
    let in_force = take(&mut props, "in_force", "a date YYYY-MM-DD", date)?;
    let source = take(&mut props, "source", "a non-empty string", non_empty)?;
    let valid_from =
        optional(&mut props, "valid_from", "a date YYYY-MM-DD", date)?.unwrap_or(in_force);
    let valid_until = optional(&mut props, "valid_until", "a date YYYY-MM-DD or null", date)?;
    if valid_until.is_some_and(|until| until < valid_from) {
        return Err(FeatureFault::BadProperty {
            name: "valid_until",
            expected: "on or after valid_from",
        });
    }
    Ok(ZoneMeta {
        id,
        number,
        name,
        provinces,
        description,
        guarantors,
        signed,
        in_force,
        valid_from,
        valid_until,
        source,
        extra: props,
    })
}

fn take<T>(
    props: &mut Map<String, Value>,
    name: &'static str,
    expected: &'static str,
    convert: impl FnOnce(&Value) -> Option<T>,
) -> Result<T, FeatureFault> {
    let value = props
        .shift_remove(name)
        .ok_or(FeatureFault::MissingProperty(name))?;
    convert(&value).ok_or(FeatureFault::BadProperty { name, expected })
}

/// A property that may be absent or null.
fn optional<T>(
    props: &mut Map<String, Value>,
    name: &'static str,
    expected: &'static str,
    convert: impl FnOnce(&Value) -> Option<T>,
) -> Result<Option<T>, FeatureFault> {
    match props.shift_remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => convert(&value)
            .map(Some)
            .ok_or(FeatureFault::BadProperty { name, expected }),
    }
}

fn non_empty(v: &Value) -> Option<String> {
    v.as_str()
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_owned))
        .collect()
}

fn date(v: &Value) -> Option<Date> {
    let s = v.as_str()?;
    (s.len() == 10).then_some(())?;
    s.parse().ok()
}

fn check_unique(name: &str, zones: &[Zone]) -> Result<()> {
    for (j, b) in zones.iter().enumerate() {
        for (i, a) in zones[..j].iter().enumerate() {
            let clash = if a.meta.id == b.meta.id {
                Some(("id", a.meta.id.to_string()))
            } else if a.meta.number == b.meta.number {
                Some(("number", a.meta.number.to_string()))
            } else {
                None
            };
            if let Some((what, value)) = clash {
                return Err(GeodataError::Duplicate {
                    name: name.to_owned(),
                    what,
                    value,
                    first: format!("#{i}"),
                    second: format!("#{j}"),
                });
            }
        }
    }
    Ok(())
}

/// Zones may touch but not share area. Shared area below a square metre is
/// taken as touching (floating-point noise along a common edge).
fn check_disjoint(name: &str, zones: &[Zone]) -> Result<()> {
    for (j, b) in zones.iter().enumerate() {
        for a in &zones[..j] {
            if !a.bbox.intersects(&b.bbox) || !a.geometry.intersects(&b.geometry) {
                continue;
            }
            let shared = a.geometry.intersection(&b.geometry);
            if shared.unsigned_area() == 0.0 {
                continue;
            }
            let area_km2 = shared.geodesic_area_unsigned() / 1e6;
            if area_km2 > 1e-6 {
                return Err(GeodataError::Overlap {
                    name: name.to_owned(),
                    first: a.meta.id.to_string(),
                    second: b.meta.id.to_string(),
                    area_km2,
                });
            }
        }
    }
    Ok(())
}

/// The bounding box of all zones, `[min_lon, min_lat, max_lon, max_lat]`.
#[must_use]
pub fn extent(zones: &[Zone]) -> Option<[f64; 4]> {
    let mut boxes = zones.iter().map(|z| z.bbox);
    let first = boxes.next()?;
    let (min, max) = boxes.fold((first.min(), first.max()), |(min, max), b| {
        (
            Coord {
                x: min.x.min(b.min().x),
                y: min.y.min(b.min().y),
            },
            Coord {
                x: max.x.max(b.max().x),
                y: max.y.max(b.max().y),
            },
        )
    });
    Some([min.x, min.y, max.x, max.y])
}

#[cfg(test)]
mod tests;
