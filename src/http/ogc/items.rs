//! The query of `GET /collections/{collectionId}/items`: paging, `bbox`,
//! `datetime` and CQL2 `filter`, parsed strictly and evaluated per feature.

use geo::{Coord, Intersects, MultiPolygon, Rect};
use jiff::civil::Date;
use serde_json::Value;

use crate::http::{
    extract::Query,
    problem::{ApiError, ProblemKind},
};

/// The only CRS the service speaks: WGS 84 lon/lat.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// Items returned when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 10;
/// The most items one page holds; larger `limit`s are clamped to it.
pub const MAX_LIMIT: usize = 10_000;

/// Every parameter the items resource takes.
pub const PARAMETERS: [&str; 9] = [
    "f",
    "limit",
    "offset",
    "bbox",
    "bbox-crs",
    "datetime",
    "filter",
    "filter-lang",
    "filter-crs",
];

/// A day range, ends inclusive; `None` is open.
pub type Days = (Option<Date>, Option<Date>);

/// A parsed items query.
#[derive(Debug)]
pub struct ItemsQuery {
    /// Page size, clamped to [`MAX_LIMIT`].
    pub limit: usize,
    /// How many matching items to skip.
    pub offset: usize,
    /// Boxes the geometry must intersect (two when the box crosses the antimeridian).
    pub bbox: Option<Vec<Rect<f64>>>,
    /// The days the item must have been valid on (any of them).
    pub datetime: Option<Days>,
    /// A CQL2 filter.
    pub filter: Option<cql2::Expr>,
    /// The parameters that select items, as given (for paging links).
    pub selection: Vec<(String, String)>,
}

impl ItemsQuery {
    /// Reads and checks the query; a `filter` may name only `queryables`.
    pub fn parse(query: &Query<'_>, queryables: &[String]) -> Result<Self, ApiError> {
        let mut selection = Vec::new();
        for name in [
            "limit",
            "bbox",
            "bbox-crs",
            "datetime",
            "filter",
            "filter-lang",
            "filter-crs",
        ] {
            if let Some(value) = query.get(name) {
                selection.push((name.to_owned(), value.to_owned()));
            }
        }
        let limit = match query.get("limit") {
            None => DEFAULT_LIMIT,
            Some(text) => whole(text, "limit", 1)?.min(MAX_LIMIT),
        };
        let offset = match query.get("offset") {
            None => 0,
            Some(text) => whole(text, "offset", 0)?,
        };
        crs(query, "bbox-crs")?;
        crs(query, "filter-crs")?;
        let bbox = query.get("bbox").map(parse_bbox).transpose()?;
        let datetime = query.get("datetime").map(parse_datetime).transpose()?;
        let filter = match query.get("filter") {
            None => {
                if query.get("filter-lang").is_some() {
                    return Err(invalid(
                        "filter-lang",
                        "`filter-lang` is given without a `filter`".to_owned(),
                    ));
                }
                None
            }
            Some(text) => Some(parse_filter(text, query.get("filter-lang"), queryables)?),
        };
        Ok(Self {
            limit,
            offset,
            bbox,
            datetime,
            filter,
            selection,
        })
    }

    /// Whether an item passes `bbox` and `datetime` (the filter is checked apart).
    #[must_use]
    pub fn selects(&self, geometry: &MultiPolygon<f64>, valid: Option<Days>) -> bool {
        let in_box = self
            .bbox
            .as_ref()
            .is_none_or(|boxes| boxes.iter().any(|b| geometry.intersects(b)));
        let in_time = match (self.datetime, valid) {
            (None, _) | (Some(_), None) => true,
            (Some((from, until)), Some((valid_from, valid_until))) => {
                let starts_in_time = until.is_none_or(|u| valid_from.is_none_or(|vf| vf <= u));
                let lasts_long_enough = from.is_none_or(|f| valid_until.is_none_or(|vu| vu >= f));
                starts_in_time && lasts_long_enough
            }
        };
        in_box && in_time
    }

    /// Whether the CQL2 filter holds for the feature, as served. A comparison
    /// with a property the feature lacks or holds null is not a match; values
    /// of the wrong type for their comparison are a 400.
    pub fn passes(&self, feature: &Value) -> Result<bool, ApiError> {
        let Some(filter) = &self.filter else {
            return Ok(true);
        };
        filter.clone().matches(Some(feature)).or_else(|e| {
            let names = property_names(filter);
            let lacks = |name: &String| {
                let value = feature.get(name).or_else(|| feature["properties"].get(name));
                value.is_none_or(Value::is_null)
            };
            if names.iter().any(lacks) {
                return Ok(false);
            }
            let why: String = e.to_string().chars().take(200).collect();
            Err(invalid(
                "filter",
                format!(
                    "`filter` cannot be evaluated on item {}: {why} (are the values compared of the same type?)",
                    feature["id"]
                ),
            ))
        })
    }
}

fn invalid(parameter: &str, detail: String) -> ApiError {
    ApiError::parameter(ProblemKind::InvalidParameter, parameter, detail)
}

fn shown(text: &str) -> String {
    text.chars().take(60).collect()
}

fn whole(text: &str, name: &str, min: usize) -> Result<usize, ApiError> {
    let fail = || {
        invalid(
            name,
            format!(
                "`{name}` must be a whole number of at least {min}, got {:?}",
                shown(text)
            ),
        )
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail());
    }
    // Huge values are clamped rather than refused.
    let value = text.parse::<usize>().unwrap_or(usize::MAX);
    if value < min {
        return Err(fail());
    }
    Ok(value)
}

fn crs(query: &Query<'_>, name: &str) -> Result<(), ApiError> {
    match query.get(name) {
        None => Ok(()),
        Some(c) if c == CRS84 => Ok(()),
        Some(other) => Err(invalid(
            name,
            format!(
                "`{name}` must be {CRS84} (WGS 84 lon/lat), got {:?}",
                shown(other)
            ),
        )),
    }
}

/// `minlon,minlat,maxlon,maxlat` (or with min/max heights, which are ignored);
/// `minlon > maxlon` crosses the antimeridian.
fn parse_bbox(text: &str) -> Result<Vec<Rect<f64>>, ApiError> {
    let expected = "`bbox` must be 4 or 6 comma-separated numbers: minlon,minlat,maxlon,maxlat (or minlon,minlat,minheight,maxlon,maxlat,maxheight) in WGS 84 degrees";
    let numbers: Option<Vec<f64>> = text
        .split(',')
        .map(|n| {
            let n = n.trim();
            let plain = !n.is_empty()
                && n.bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
            plain
                .then(|| n.parse::<f64>().ok())
                .flatten()
                .filter(|v| v.is_finite())
        })
        .collect();
    let Some(&[w, s, e, n] | &[w, s, _, e, n, _]) = numbers.as_deref() else {
        return Err(invalid(
            "bbox",
            format!("{expected}; got {:?}", shown(text)),
        ));
    };
    let lon_ok = |v: f64| (-180.0..=180.0).contains(&v);
    let lat_ok = |v: f64| (-90.0..=90.0).contains(&v);
    if !(lon_ok(w) && lon_ok(e) && lat_ok(s) && lat_ok(n)) {
        return Err(invalid(
            "bbox",
            format!(
                "`bbox` is out of range: longitudes must lie in -180..180 and latitudes in -90..90; got {:?}",
                shown(text)
            ),
        ));
    }
    if s > n {
        return Err(invalid(
            "bbox",
            format!("`bbox` has its southern edge ({s}) north of its northern edge ({n})"),
        ));
    }
    let rect = |w: f64, e: f64| Rect::new(Coord { x: w, y: s }, Coord { x: e, y: n });
    Ok(if w <= e {
        vec![rect(w, e)]
    } else {
        vec![rect(w, 180.0), rect(-180.0, e)]
    })
}

/// An RFC 3339 instant or interval (`start/end`, `..` or empty for open ends);
/// dates alone are accepted too. Compared by UTC calendar day.
fn parse_datetime(text: &str) -> Result<Days, ApiError> {
    let fail = |why: &str| {
        invalid(
            "datetime",
            format!(
                "`datetime` must be an RFC 3339 date-time (2017-09-01T00:00:00Z), a date (2017-09-01), or an interval start/end with `..` for an open end; {why}; got {:?}",
                shown(text)
            ),
        )
    };
    let bound = |part: &str| -> Result<Option<Date>, ApiError> {
        if part.is_empty() || part == ".." {
            return Ok(None);
        }
        if let Ok(ts) = part.parse::<jiff::Timestamp>() {
            return Ok(Some(ts.to_zoned_datetime(jiff::tz::TimeZone::UTC).date()));
        }
        if let Some(date) = (part.len() == 10)
            .then(|| part.parse::<Date>().ok())
            .flatten()
        {
            return Ok(Some(date));
        }
        Err(fail("an end is not a date-time"))
    };
    let parts: Vec<&str> = text.split('/').collect();
    match parts.as_slice() {
        [instant] => {
            if instant.is_empty() || *instant == ".." {
                return Err(fail("an instant cannot be open"));
            }
            let day = bound(instant)?;
            Ok((day, day))
        }
        [start, end] => {
            let (from, until) = (bound(start)?, bound(end)?);
            if from.is_none() && until.is_none() {
                return Err(fail("both ends are open"));
            }
            if let (Some(f), Some(u)) = (from, until)
                && f > u
            {
                return Err(fail("the start is after the end"));
            }
            Ok((from, until))
        }
        _ => Err(fail("it has more than one `/`")),
    }
}

/// The property names a filter refers to, from its CQL2-JSON form.
fn property_names(expr: &cql2::Expr) -> Vec<String> {
    fn walk(value: &Value, names: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(name)) = map.get("property")
                    && !names.contains(name)
                {
                    names.push(name.clone());
                }
                map.values().for_each(|v| walk(v, names));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, names)),
            _ => {}
        }
    }
    let mut names = Vec::new();
    if let Ok(value) = expr.to_value() {
        walk(&value, &mut names);
    }
    names
}

fn parse_filter(
    text: &str,
    lang: Option<&str>,
    queryables: &[String],
) -> Result<cql2::Expr, ApiError> {
    let expr = match lang.unwrap_or("cql2-text") {
        "cql2-text" => text.parse::<cql2::Expr>().map_err(|e| e.to_string()),
        "cql2-json" => cql2::parse_json(text).map_err(|e| e.to_string()),
        other => {
            return Err(invalid(
                "filter-lang",
                format!(
                    "`filter-lang` must be `cql2-text` or `cql2-json`, got {:?}",
                    shown(other)
                ),
            ));
        }
    };
    let expr = expr.map_err(|why| {
        let why: String = why.chars().take(300).collect();
        invalid(
            "filter",
            format!(
                "`filter` is not valid {}: {why}",
                lang.unwrap_or("cql2-text")
            ),
        )
    })?;
    if let Some(unknown) = property_names(&expr)
        .into_iter()
        .find(|n| !queryables.contains(n))
    {
        let shown: String = unknown.chars().take(60).collect();
        return Err(invalid(
            "filter",
            format!(
                "`filter` names {shown:?}, which is not queryable; the queryables are {}",
                queryables.join(", ")
            ),
        ));
    }
    Ok(expr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(raw: &str) -> Result<ItemsQuery, ApiError> {
        let queryables = [
            "number".to_owned(),
            "name".to_owned(),
            "geometry".to_owned(),
        ];
        ItemsQuery::parse(&Query::parse(Some(raw), &PARAMETERS)?, &queryables)
    }

    #[test]
    fn limit_defaults_to_ten_and_large_values_are_clamped() {
        assert_eq!(query("").unwrap().limit, 10);
        assert_eq!(query("limit=20000").unwrap().limit, MAX_LIMIT);
        assert_eq!(
            query("limit=99999999999999999999999").unwrap().limit,
            MAX_LIMIT
        );
        for bad in ["limit=0", "limit=-1", "limit=1.5", "limit=", "limit=ten"] {
            assert_eq!(
                query(bad).unwrap_err().parameter.as_deref(),
                Some("limit"),
                "{bad}"
            );
        }
    }

    #[test]
    fn bbox_takes_four_or_six_numbers_and_splits_at_the_antimeridian() {
        assert_eq!(query("bbox=36,35,37,36").unwrap().bbox.unwrap().len(), 1);
        assert_eq!(
            query("bbox=36,35,0,37,36,100").unwrap().bbox.unwrap().len(),
            1
        );
        assert_eq!(
            query("bbox=170,-10,-170,10").unwrap().bbox.unwrap().len(),
            2
        );
        for bad in [
            "bbox=1,2,3",
            "bbox=0,0,200,1",
            "bbox=0,91,1,92",
            "bbox=0,2,1,1",
            "bbox=a,b,c,d",
            "bbox=NaN,0,1,1",
        ] {
            assert_eq!(
                query(bad).unwrap_err().parameter.as_deref(),
                Some("bbox"),
                "{bad}"
            );
        }
    }

    #[test]
    fn datetime_takes_instants_dates_and_open_intervals() {
        let day = |y, m, d| Some(jiff::civil::date(y, m, d));
        assert_eq!(
            query("datetime=2018-06-01T12:00:00Z").unwrap().datetime,
            Some((day(2018, 6, 1), day(2018, 6, 1)))
        );
        assert_eq!(
            query("datetime=2018-06-01/..").unwrap().datetime,
            Some((day(2018, 6, 1), None))
        );
        assert_eq!(
            query("datetime=../2017-01-01").unwrap().datetime,
            Some((None, day(2017, 1, 1)))
        );
        for bad in [
            "datetime=../..",
            "datetime=2018-13-01",
            "datetime=2019-01-01/2018-01-01",
            "datetime=a/b/c",
            "datetime=",
        ] {
            assert_eq!(
                query(bad).unwrap_err().parameter.as_deref(),
                Some("datetime"),
                "{bad}"
            );
        }
    }

    #[test]
    fn zones_match_a_datetime_while_in_force() {
        let q = query("datetime=2018-05-01/2018-05-31").unwrap();
        let outline = MultiPolygon(vec![]);
        let ghouta = Some((
            Some(jiff::civil::date(2017, 5, 6)),
            Some(jiff::civil::date(2018, 4, 14)),
        ));
        let homs = Some((
            Some(jiff::civil::date(2017, 5, 6)),
            Some(jiff::civil::date(2018, 5, 16)),
        ));
        assert!(!q.selects(&outline, ghouta));
        assert!(q.selects(&outline, homs));
        assert!(
            q.selects(&outline, None),
            "items without dates are not filtered by time"
        );
    }

    #[test]
    fn filters_parse_in_both_languages_and_bad_ones_are_refused() {
        assert!(query("filter=number%20%3D%203").unwrap().filter.is_some());
        let json = r#"{"op":"=","args":[{"property":"number"},3]}"#;
        let raw = format!("filter={}&filter-lang=cql2-json", urlencode(json));
        assert!(query(&raw).unwrap().filter.is_some());
        assert_eq!(
            query("filter=number%20%3D")
                .unwrap_err()
                .parameter
                .as_deref(),
            Some("filter")
        );
        let unknown = query("filter=colour%20%3D%20'red'").unwrap_err();
        assert!(
            unknown
                .detail
                .contains("\"colour\", which is not queryable"),
            "{}",
            unknown.detail
        );
        assert_eq!(
            query("filter=a&filter-lang=sql")
                .unwrap_err()
                .parameter
                .as_deref(),
            Some("filter-lang")
        );
        assert_eq!(
            query("filter-lang=cql2-text")
                .unwrap_err()
                .parameter
                .as_deref(),
            Some("filter-lang")
        );
        assert_eq!(
            query("filter-crs=EPSG:3857&filter=true")
                .unwrap_err()
                .parameter
                .as_deref(),
            Some("filter-crs")
        );
    }

    fn urlencode(text: &str) -> String {
        form_urlencoded::byte_serialize(text.as_bytes()).collect()
    }
}
