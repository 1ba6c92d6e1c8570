//! The domain: what a de-escalation zone is.
//!
//! Owns [`Zone`], [`ZoneId`] and [`ZoneMeta`]. Knows nothing of HTTP, OpenAPI
//! or file formats: `geodata` builds zones, `query` answers questions about
//! them, `http` serves them.

use std::fmt;

use geo::{BoundingRect, GeodesicArea, InteriorPoint, MultiPolygon, Point, Rect};
use jiff::civil::Date;
use serde::Serialize;

/// A zone's identifier: a lowercase ASCII slug such as `eastern-ghouta`.
///
/// # Examples
///
/// ```
/// use dezone::zone::ZoneId;
///
/// let id = ZoneId::parse("eastern-ghouta").unwrap();
/// assert_eq!(id.as_str(), "eastern-ghouta");
/// assert!(ZoneId::parse("Eastern Ghouta").is_none());
/// assert!(ZoneId::parse("").is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ZoneId(String);

impl ZoneId {
    /// The longest id accepted.
    pub const MAX_LEN: usize = 64;

    /// Accepts 1–64 characters of `a-z`, `0-9` and inner `-`; anything else is `None`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let ok = !text.is_empty()
            && text.len() <= Self::MAX_LEN
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !text.starts_with('-')
            && !text.ends_with('-');
        ok.then(|| Self(text.to_owned()))
    }

    /// The slug.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ZoneId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the data says about a zone, besides its outline.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneMeta {
    /// The zone's slug.
    pub id: ZoneId,
    /// Its number in the memorandum's list, 1–4.
    pub number: u8,
    /// English name.
    pub name: String,
    /// The provinces (governorates) the memorandum names for it.
    pub provinces: Vec<String>,
    /// What the zone covered.
    pub description: String,
    /// The guarantor states.
    pub guarantors: Vec<String>,
    /// When the memorandum was signed.
    pub signed: Date,
    /// When the zone came into force.
    pub in_force: Date,
    /// The first day the outline holds (the zone's `valid_from`; `in_force` when not given).
    pub valid_from: Date,
    /// The last day the outline holds, if the zone ended (`valid_until`); inclusive.
    pub valid_until: Option<Date>,
    /// Where the zone and its outline come from.
    pub source: String,
    /// Every other property of the source feature, passed through in file order.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A de-escalation zone: metadata, outline and the figures computed from it.
#[derive(Clone, Debug)]
pub struct Zone {
    /// What the data says of the zone.
    pub meta: ZoneMeta,
    /// The outline, lon/lat on WGS 84, exterior rings counter-clockwise.
    pub geometry: MultiPolygon<f64>,
    /// Geodesic area on the WGS 84 ellipsoid, in km².
    pub area_km2: f64,
    /// The outline's bounding box.
    pub bbox: Rect<f64>,
    /// A point guaranteed to lie inside the outline (for labels and markers).
    pub representative_point: Point<f64>,
}

impl Zone {
    /// Builds a zone and computes its area, bounding box and representative point.
    ///
    /// Returns `None` for an empty outline.
    ///
    /// # Examples
    ///
    /// ```
    /// use dezone::zone::{Zone, ZoneId, ZoneMeta};
    /// use geo::{polygon, MultiPolygon};
    ///
    /// let meta = ZoneMeta {
    ///     id: ZoneId::parse("square").unwrap(),
    ///     number: 1,
    ///     name: "Square".into(),
    ///     provinces: vec![],
    ///     description: String::new(),
    ///     guarantors: vec![],
    ///     signed: jiff::civil::date(2017, 5, 4),
    ///     in_force: jiff::civil::date(2017, 5, 6),
    ///     valid_from: jiff::civil::date(2017, 5, 6),
    ///     valid_until: None,
    ///     source: String::new(),
    ///     extra: serde_json::Map::new(),
    /// };
    /// let square = polygon![(x: 36.0, y: 35.0), (x: 36.1, y: 35.0), (x: 36.1, y: 35.1), (x: 36.0, y: 35.1)];
    /// let zone = Zone::new(meta, MultiPolygon(vec![square])).unwrap();
    /// assert!((zone.area_km2 - 101.4).abs() < 0.5);
    /// assert_eq!(zone.bbox.min().x, 36.0);
    /// ```
    #[must_use]
    pub fn new(meta: ZoneMeta, geometry: MultiPolygon<f64>) -> Option<Self> {
        let bbox = geometry.bounding_rect()?;
        let representative_point = geometry.interior_point()?;
        let area_km2 = geometry.geodesic_area_unsigned() / 1e6;
        Some(Self {
            meta,
            geometry,
            area_km2,
            bbox,
            representative_point,
        })
    }

    /// The zone's slug.
    #[must_use]
    pub fn id(&self) -> &ZoneId {
        &self.meta.id
    }
}

impl ZoneMeta {
    /// Whether the zone was in force on `date`: `valid_from <= date <= valid_until`.
    ///
    /// # Examples
    ///
    /// ```
    /// let zones = dezone::geodata::load_embedded().unwrap();
    /// let ghouta = &zones[2].meta;
    /// assert!(ghouta.in_force_on(jiff::civil::date(2017, 9, 1)));
    /// assert!(ghouta.in_force_on(jiff::civil::date(2018, 4, 14)));
    /// assert!(!ghouta.in_force_on(jiff::civil::date(2018, 4, 15)));
    /// assert!(!ghouta.in_force_on(jiff::civil::date(2017, 5, 5)));
    /// ```
    #[must_use]
    pub fn in_force_on(&self, date: Date) -> bool {
        self.valid_from <= date && self.valid_until.is_none_or(|until| date <= until)
    }
}

/// One of Syria's governorates (first-level administrative division).
#[derive(Clone, Debug)]
pub struct Governorate {
    /// The OCHA P-code, e.g. `SY07`.
    pub pcode: String,
    /// English name (OCHA spelling), e.g. `Idleb`.
    pub name_en: String,
    /// Arabic name.
    pub name_ar: String,
    /// Every other property of the source feature, passed through in file order.
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// The outline, lon/lat on WGS 84.
    pub geometry: MultiPolygon<f64>,
    /// Geodesic area, km².
    pub area_km2: f64,
    /// The outline's bounding box.
    pub bbox: Rect<f64>,
}
