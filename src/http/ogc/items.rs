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

/// The longest `filter` taken, in bytes (decoded).
pub const MAX_FILTER_BYTES: usize = 4096;

/// The deepest cql2-text `filter` taken: parentheses, function calls and
/// operators within one another, counted from the filter's tokens.
///
/// The cql2 crate reads and evaluates a filter recursively, a few KB of stack
/// per level (about 6 KB per parenthesis in a debug build, 3.5 KB per
/// operator): 362 nested parentheses, 581 `NOT`s or a chain of 581 `+` (a
/// 1.2 KB filter) overflowed the 2 MiB stack of a Tokio worker and aborted the
/// process. 32 levels take under a tenth of that stack.
pub const MAX_FILTER_DEPTH: usize = 32;

/// The most work a cql2-text `filter` may cost to read: its tokens, each
/// counted 4 times per enclosing parenthesis that is not a function call's.
///
/// The cql2-text grammar is a PEG (pest) without memoisation, and a
/// parenthesis that is not a function call's may be an expression's or an
/// array's: on a filter that fails inside, the parser reads what the
/// parenthesis holds once for each, and so on down, 2.5 times the work per
/// level as measured; `((((((((((((((((((((1`, 21 bytes, took 10 s. At the
/// budget a filter reads in milliseconds.
pub const MAX_FILTER_COST: u64 = 100_000;

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
        rfc3339_day(part)
            .map(Some)
            .ok_or_else(|| fail("an end is not a date-time"))
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

/// The UTC calendar day of an RFC 3339 date-time (§5.6: `T` or `t` between
/// date and time, an optional fraction of a second, then `Z`, `z` or a
/// `±HH:MM` offset), or of a full date alone; `None` for anything else,
/// `+0300` or `12:00Z` included. A second of 60 (a leap second) counts as 59.
/// A day beyond the calendar's last (`9999-12-31T23:00:00-05:00`) is its last.
fn rfc3339_day(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    let number = |at: usize, len: usize| -> Option<i16> {
        let digits = b.get(at..at + len)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + i16::from(d - b'0')))
    };
    let separated = |at: usize, c: u8| b.get(at) == Some(&c);
    if !(separated(4, b'-') && separated(7, b'-')) {
        return None;
    }
    let month = i8::try_from(number(5, 2)?).ok()?;
    let day = i8::try_from(number(8, 2)?).ok()?;
    let date = Date::new(number(0, 4)?, month, day).ok()?;
    if b.len() == 10 {
        return Some(date);
    }
    if !(matches!(b.get(10), Some(b'T' | b't')) && separated(13, b':') && separated(16, b':')) {
        return None;
    }
    let clock = |at: usize| number(at, 2).and_then(|n| i8::try_from(n).ok());
    let time = jiff::civil::Time::new(clock(11)?, clock(14)?, clock(17)?.min(59), 0).ok()?;
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let at = text.len() - rest.len();
    let offset_minutes = match *rest.as_bytes() {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (hours, minutes) = (number(at + 1, 2)?, number(at + 4, 2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let minutes = i64::from(hours * 60 + minutes);
            if sign == b'-' { -minutes } else { minutes }
        }
        _ => return None,
    };
    let local = date.to_datetime(time);
    Some(
        local
            .checked_sub(jiff::SignedDuration::from_mins(offset_minutes))
            .map_or(
                if offset_minutes > 0 {
                    Date::MIN
                } else {
                    Date::MAX
                },
                jiff::civil::DateTime::date,
            ),
    )
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
    if let language @ ("cql2-text" | "cql2-json") = lang.unwrap_or("cql2-text") {
        check_filter_size(text, language)?;
    }
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
    let expr = checked_geometries(expr)?;
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

/// Checks the geometries and boxes a filter holds, and turns a `BBOX` whose
/// west edge lies east of its east edge into the two boxes either side of the
/// antimeridian, as `bbox` is read (OGC API – Features Part 1, §7.15.3).
///
/// A position needs 2 or 3 numbers, longitude within ±180 and latitude within
/// ±90; a line 2 positions; a polygon ring 4, the last the first again. A
/// `BBOX` takes 4 or 6 numbers, its south edge not north of its north edge.
fn checked_geometries(expr: cql2::Expr) -> Result<cql2::Expr, ApiError> {
    let Ok(mut value) = expr.to_value() else {
        return Err(invalid(
            "filter",
            "`filter` holds a geometry that is not valid WKT or GeoJSON".to_owned(),
        ));
    };
    // A filter is a boolean expression: an operation, or `true` / `false`.
    if !matches!(value, Value::Object(_) | Value::Bool(_)) {
        return Err(invalid(
            "filter",
            format!(
                "`filter` must be a boolean expression, got {}",
                shown(&value.to_string())
            ),
        ));
    }
    let mut changed = false;
    check_value(&mut value, &mut changed)
        .map_err(|why| invalid("filter", format!("`filter` {why}")))?;
    if !changed {
        return Ok(expr);
    }
    cql2::parse_json(&value.to_string()).map_err(|e| {
        invalid(
            "filter",
            format!("`filter` could not be read again after its BBOX was split: {e}"),
        )
    })
}

/// Walks a cql2-json value: see [`checked_geometries`].
fn check_value(value: &mut Value, changed: &mut bool) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            if let Some(bbox) = map.get("bbox")
                && map.len() == 1
            {
                if let Some(split) = checked_bbox(bbox)? {
                    *value = split;
                    *changed = true;
                }
                return Ok(());
            }
            if let (Some(Value::String(kind)), Some(coordinates)) =
                (map.get("type"), map.get("coordinates"))
            {
                return check_coordinates(kind, coordinates);
            }
            // `and` and `or` join two or more expressions, `not` negates one.
            if let (Some(Value::String(op)), Some(Value::Array(args))) =
                (map.get("op"), map.get("args"))
            {
                let op = op.to_ascii_lowercase();
                let fits = match op.as_str() {
                    "and" | "or" => args.len() >= 2,
                    "not" => args.len() == 1,
                    _ => true,
                };
                if !fits {
                    return Err(format!(
                        "has `{op}` with {} argument(s); `and` and `or` take two or more, `not` one",
                        args.len()
                    ));
                }
            }
            // A WKT literal the grammar could not read as one comes back as a
            // call of a function named after its type: `POINT(1)`.
            if let Some(Value::String(op)) = map.get("op")
                && GEOMETRY_TYPES.iter().any(|t| t.eq_ignore_ascii_case(op))
            {
                return Err(format!(
                    "has a malformed {} (WKT wants `POINT(lon lat)`, rings of `lon lat` pairs): {}",
                    op.to_ascii_uppercase(),
                    map.get("args").map(Value::to_string).unwrap_or_default()
                ));
            }
            map.values_mut().try_for_each(|v| check_value(v, changed))
        }
        Value::Array(items) => items.iter_mut().try_for_each(|v| check_value(v, changed)),
        _ => Ok(()),
    }
}

/// The WKT geometry types (OGC 06-103r4), as cql2-text names them.
const GEOMETRY_TYPES: [&str; 7] = [
    "POINT",
    "LINESTRING",
    "POLYGON",
    "MULTIPOINT",
    "MULTILINESTRING",
    "MULTIPOLYGON",
    "GEOMETRYCOLLECTION",
];

/// A `BBOX`'s numbers checked; `Some` MultiPolygon of two boxes when it
/// crosses the antimeridian.
fn checked_bbox(bbox: &Value) -> Result<Option<Value>, String> {
    let numbers: Option<Vec<f64>> = bbox
        .as_array()
        .map(|items| items.iter().map(Value::as_f64).collect())
        .unwrap_or_default();
    let Some(&([west, south, east, north] | [west, south, _, east, north, _])) = numbers.as_deref()
    else {
        return Err(format!("has a BBOX of other than 4 or 6 numbers: {bbox}"));
    };
    for (lon, lat) in [(west, south), (east, north)] {
        check_position(lon, lat)?;
    }
    if south > north {
        return Err(format!(
            "has a BBOX whose south edge ({south}) lies north of its north edge ({north}): the order is west, south, east, north"
        ));
    }
    if west <= east {
        return Ok(None);
    }
    let ring = |w: f64, e: f64| {
        serde_json::json!([[[w, south], [e, south], [e, north], [w, north], [w, south]]])
    };
    Ok(Some(serde_json::json!({
        "type": "MultiPolygon",
        "coordinates": [ring(west, 180.0), ring(-180.0, east)],
    })))
}

fn check_position(lon: f64, lat: f64) -> Result<(), String> {
    if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) {
        Ok(())
    } else {
        Err(format!(
            "has a position [{lon}, {lat}] out of range: longitude -180 to 180, latitude -90 to 90"
        ))
    }
}

/// The `coordinates` of a GeoJSON geometry of type `kind`, checked.
fn check_coordinates(kind: &str, coordinates: &Value) -> Result<(), String> {
    fn position(value: &Value) -> Result<[f64; 2], String> {
        match value.as_array().map(Vec::as_slice) {
            Some([lon, lat] | [lon, lat, _]) => match (lon.as_f64(), lat.as_f64()) {
                (Some(lon), Some(lat)) => {
                    check_position(lon, lat)?;
                    Ok([lon, lat])
                }
                _ => Err(format!("has a position that is not numbers: {value}")),
            },
            _ => Err(format!(
                "has a position of other than 2 or 3 numbers: {value}"
            )),
        }
    }
    fn positions(value: &Value, least: usize, what: &str) -> Result<Vec<[f64; 2]>, String> {
        let items = value
            .as_array()
            .ok_or_else(|| format!("has a {what} that is not a list of positions"))?;
        if items.len() < least {
            return Err(format!(
                "has a {what} of {} positions; it takes at least {least}",
                items.len()
            ));
        }
        items.iter().map(position).collect()
    }
    fn rings(value: &Value) -> Result<(), String> {
        let rings = value
            .as_array()
            .ok_or_else(|| "has a polygon that is not a list of rings".to_owned())?;
        if rings.is_empty() {
            return Err("has a polygon without rings".to_owned());
        }
        for ring in rings {
            let ring = positions(ring, 4, "polygon ring")?;
            if ring.first() != ring.last() {
                return Err("has a polygon ring that is not closed: its last position must repeat its first".to_owned());
            }
        }
        Ok(())
    }
    fn each(value: &Value, check: impl Fn(&Value) -> Result<(), String>) -> Result<(), String> {
        value
            .as_array()
            .ok_or_else(|| "has a multi-part geometry that is not a list".to_owned())?
            .iter()
            .try_for_each(check)
    }
    match kind {
        "Point" => position(coordinates).map(drop),
        "MultiPoint" => each(coordinates, |p| position(p).map(drop)),
        "LineString" => positions(coordinates, 2, "line").map(drop),
        "MultiLineString" => each(coordinates, |l| positions(l, 2, "line").map(drop)),
        "Polygon" => rings(coordinates),
        "MultiPolygon" => each(coordinates, rings),
        other => Err(format!("has a geometry of unknown type {:?}", shown(other))),
    }
}

/// Refuses a filter too long, too deep or too costly to read safely, before
/// the cql2 crate sees it.
///
/// cql2-json needs only the length bound: `serde_json` refuses nesting deeper
/// than 128, and the deepest JSON it takes reads and evaluates within half of
/// a 2 MiB stack in a debug build (a test below keeps that true). cql2-text
/// starting with `{` is read as JSON by the cql2 crate, so it is too.
fn check_filter_size(text: &str, lang: &str) -> Result<(), ApiError> {
    if text.len() > MAX_FILTER_BYTES {
        return Err(invalid(
            "filter",
            format!(
                "`filter` is {} bytes; at most {MAX_FILTER_BYTES} are taken",
                text.len()
            ),
        ));
    }
    if lang != "cql2-text" || text.starts_with('{') {
        return Ok(());
    }
    let cost = text_cost(text);
    if cost.depth > MAX_FILTER_DEPTH {
        return Err(invalid(
            "filter",
            format!(
                "`filter` nests {} levels deep (parentheses, function calls and operators within one another); at most {MAX_FILTER_DEPTH} are taken",
                cost.depth
            ),
        ));
    }
    if cost.work > MAX_FILTER_COST {
        return Err(invalid(
            "filter",
            format!(
                "`filter` would take too long to read: it has {} parentheses within one another that are not function calls, and each multiplies the work of reading what it holds; it costs {} token readings, at most {MAX_FILTER_COST} are taken. Remove parentheses around single expressions",
                cost.bare_depth, cost.work
            ),
        ));
    }
    Ok(())
}

/// What reading a cql2-text filter costs, estimated from its tokens alone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct TextCost {
    /// An upper bound of how deeply the cql2 crate recurses to read it: a
    /// level per parenthesis and per operator, except that `AND` and `OR`
    /// chains are flat (the crate flattens them).
    depth: usize,
    /// The most parentheses within one another that are not a function call's.
    bare_depth: usize,
    /// Tokens read, each counted 4 times per enclosing parenthesis that is not
    /// a function call's (the parser may read such a parenthesis's content
    /// twice, and 2.5 times as long was measured per level).
    work: u64,
}

/// Estimates the cost of reading `text` as cql2-text (see [`TextCost`]), without
/// parsing it: strings and quoted names are skipped, a parenthesis right after
/// a name is a function call's, and anything unknown is left to the parser.
fn text_cost(text: &str) -> TextCost {
    let bytes = text.as_bytes();
    let mut levels = vec![Level::default()];
    let mut cost = TextCost::default();
    let mut bare = 0_usize;
    let mut after_name = false;
    let mut at = 0;
    while let Some((token, next)) = next_token(bytes, at) {
        at = next;
        let top = levels.len() - 1;
        match token {
            Token::Open => {
                if !after_name {
                    bare += 1;
                    cost.bare_depth = cost.bare_depth.max(bare);
                }
                levels.push(Level {
                    bare: !after_name,
                    ..Level::default()
                });
            }
            Token::Close => {
                if top > 0
                    && let Some(level) = levels.pop()
                {
                    bare -= usize::from(level.bare);
                    levels[top - 1].nest(level.depth());
                }
            }
            Token::Comma => levels[top].end_term(),
            Token::Joiner => {
                levels[top].end_term();
                levels[top].joined = true;
            }
            Token::Operator => levels[top].ops += 1,
            Token::Name | Token::Other => {}
        }
        after_name = token == Token::Name;
        let weight = 4_u64.saturating_pow(u32::try_from(bare).unwrap_or(u32::MAX));
        cost.work = cost.work.saturating_add(weight);
    }
    // Levels left open are counted as if closed at the end.
    while let Some(level) = levels.pop() {
        match levels.last_mut() {
            Some(parent) => parent.nest(level.depth()),
            None => cost.depth = level.depth(),
        }
    }
    cost
}

/// One parenthesised level of a filter, for [`text_cost`]: the operators of its
/// current term (terms are separated by commas, `AND` and `OR`), the deepest
/// level nested in that term, the deepest term so far, whether `AND` or `OR`
/// joins its terms, and whether its parenthesis is not a function call's.
#[derive(Clone, Copy, Debug, Default)]
struct Level {
    ops: usize,
    nested: usize,
    deepest: usize,
    joined: bool,
    bare: bool,
}

impl Level {
    fn end_term(&mut self) {
        self.deepest = self.deepest.max(self.ops + self.nested);
        self.ops = 0;
        self.nested = 0;
    }

    /// The depth of the level nested in this one, `depth` deep inside.
    fn nest(&mut self, depth: usize) {
        self.nested = self.nested.max(depth + 1);
    }

    fn depth(mut self) -> usize {
        self.end_term();
        self.deepest + usize::from(self.joined)
    }
}

/// A token of cql2-text, as [`text_cost`] sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    Comma,
    /// `=`, `<>`, `+`, `NOT`, `LIKE`, `IN`, `BETWEEN`, `IS`, `DIV`, …
    Operator,
    /// `AND`, `OR`.
    Joiner,
    /// A name, quoted or not, a keyword or a number.
    Name,
    /// A string, or a byte the parser will refuse.
    Other,
}

/// The token starting at `bytes[at..]` (after white space) and where the
/// next one starts; `None` at the end.
fn next_token(bytes: &[u8], mut at: usize) -> Option<(Token, usize)> {
    const OPERATOR_WORDS: [&[u8]; 6] = [b"not", b"like", b"in", b"between", b"is", b"div"];
    let name_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || !b.is_ascii();
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    let &first = bytes.get(at)?;
    let token = match first {
        b'\'' | b'"' => {
            // A string or a quoted name; a doubled quote is an escaped one.
            at += 1;
            while at < bytes.len() {
                if bytes[at] == first {
                    if bytes.get(at + 1) != Some(&first) {
                        break;
                    }
                    at += 1;
                }
                at += 1;
            }
            if first == b'"' {
                Token::Name
            } else {
                Token::Other
            }
        }
        b'(' => Token::Open,
        b')' => Token::Close,
        b',' => Token::Comma,
        b'=' | b'<' | b'>' | b'!' | b'+' | b'-' | b'*' | b'/' | b'%' | b'^' => {
            while bytes
                .get(at + 1)
                .is_some_and(|c| matches!(c, b'=' | b'<' | b'>' | b'!'))
            {
                at += 1;
            }
            Token::Operator
        }
        _ if name_byte(first) => {
            let start = at;
            while bytes
                .get(at + 1)
                .is_some_and(|&c| name_byte(c) || matches!(c, b'.' | b':'))
            {
                at += 1;
            }
            let word = &bytes[start..=at];
            if word.eq_ignore_ascii_case(b"and") || word.eq_ignore_ascii_case(b"or") {
                Token::Joiner
            } else if OPERATOR_WORDS.iter().any(|w| word.eq_ignore_ascii_case(w)) {
                Token::Operator
            } else {
                Token::Name
            }
        }
        _ => Token::Other,
    };
    Some((token, at + 1))
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
        // RFC 3339's forms, and the UTC day they fall on.
        for (good, utc) in [
            ("2018-06-01T12:00:00.5Z", day(2018, 6, 1)),
            ("2018-06-01t23:30:00-05:00", day(2018, 6, 2)),
            ("2018-06-01T01:00:00%2B03:00", day(2018, 5, 31)),
            ("2016-12-31T23:59:60Z", day(2016, 12, 31)),
            ("9999-12-31T23:59:59Z", day(9999, 12, 31)),
            ("9999-12-31T23:00:00-05:00", Some(jiff::civil::Date::MAX)),
        ] {
            let got = query(&format!("datetime={good}"));
            assert_eq!(got.unwrap().datetime, Some((utc, utc)), "{good}");
        }
        for bad in [
            "datetime=2018-06-01T12:00:00%2B0300",
            "datetime=2018-06-01T12:00:00%2B25:00",
            "datetime=2018-06-01T12:00Z",
            "datetime=2018-06-01T12:00:00,5Z",
            "datetime=2018-06-01T12:00:00",
            "datetime=2018-06-01 12:00:00Z",
            "datetime=2018-6-01",
            "datetime=2018-06-01T24:00:00Z",
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

    #[test]
    fn a_bbox_across_the_antimeridian_is_two_boxes_and_a_reversed_one_is_refused() {
        let at = |lon: f64| {
            serde_json::json!({
                "type": "Feature",
                "id": "p",
                "geometry": {"type": "Point", "coordinates": [lon, 33.5]},
                "properties": {}
            })
        };
        let json =
            r#"{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[179,33,-179,34]}]}"#;
        for expr in [
            filter(
                "S_INTERSECTS(geometry, BBOX(179, 33, -179, 34))",
                "cql2-text",
            )
            .unwrap(),
            filter(json, "cql2-json").unwrap(),
        ] {
            for (lon, inside) in [(179.5, true), (-179.5, true), (36.0, false), (0.0, false)] {
                assert_eq!(
                    expr.clone().matches(Some(&at(lon))).unwrap(),
                    inside,
                    "{lon}"
                );
            }
        }
        let plain = filter("S_INTERSECTS(geometry, BBOX(36, 33, 37, 34))", "cql2-text").unwrap();
        assert!(plain.clone().matches(Some(&at(36.5))).unwrap());
        assert!(!plain.matches(Some(&at(179.5))).unwrap());
        let reversed =
            filter("S_INTERSECTS(geometry, BBOX(36, 34, 37, 33))", "cql2-text").unwrap_err();
        assert_eq!(reversed.parameter.as_deref(), Some("filter"));
        assert!(
            reversed.detail.contains("south edge (34)"),
            "{}",
            reversed.detail
        );
    }

    #[test]
    fn a_filter_is_a_boolean_expression_of_the_right_arity() {
        for (text, why) in [
            ("null", "must be a boolean expression, got null"),
            ("5", "must be a boolean expression"),
            (r#""number""#, "must be a boolean expression"),
            (r#"{"op":"and","args":[]}"#, "`and` with 0 argument(s)"),
            (
                r#"{"op":"or","args":[{"op":"=","args":[{"property":"number"},1]}]}"#,
                "`or` with 1 argument(s)",
            ),
            (r#"{"op":"not","args":[]}"#, "`not` with 0 argument(s)"),
        ] {
            let refused = filter(text, "cql2-json").unwrap_err();
            assert_eq!(refused.parameter.as_deref(), Some("filter"), "{text}");
            assert!(refused.detail.contains(why), "{text}: {}", refused.detail);
        }
        for text in [
            "true",
            r#"{"op":"and","args":[{"op":"=","args":[{"property":"number"},1]},{"op":"=","args":[{"property":"number"},2]},{"op":"=","args":[{"property":"number"},3]}]}"#,
            r#"{"op":"not","args":[{"op":"=","args":[{"property":"number"},1]}]}"#,
        ] {
            filter(text, "cql2-json").unwrap_or_else(|e| panic!("{text}: {}", e.detail));
        }
        filter("number = 1 AND number = 2 OR NOT number = 3", "cql2-text").unwrap();
    }

    #[test]
    fn geometries_in_a_filter_are_checked() {
        for (text, lang, why) in [
            (
                "S_INTERSECTS(geometry, POLYGON((36 33, 37 33, 37 34)))",
                "cql2-text",
                "at least 4",
            ),
            (
                "S_INTERSECTS(geometry, POLYGON((36 33, 37 33, 37 34, 36 34)))",
                "cql2-text",
                "not closed",
            ),
            (
                "S_INTERSECTS(geometry, POINT(200 35.93))",
                "cql2-text",
                "out of range",
            ),
            (
                "S_INTERSECTS(geometry, POINT(36.63 95))",
                "cql2-text",
                "out of range",
            ),
            (
                "S_INTERSECTS(geometry, POINT(1))",
                "cql2-text",
                "malformed POINT",
            ),
            (
                "S_INTERSECTS(geometry, BBOX(1, 2, 3))",
                "cql2-text",
                "4 or 6 numbers",
            ),
            (
                "S_INTERSECTS(geometry, BBOX(-181, 2, 3, 4))",
                "cql2-text",
                "out of range",
            ),
            (
                r#"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[36,33],[37,33]]]}]}"#,
                "cql2-json",
                "at least 4",
            ),
        ] {
            let refused = filter(text, lang).unwrap_err();
            assert_eq!(refused.parameter.as_deref(), Some("filter"), "{text}");
            assert!(refused.detail.contains(why), "{text}: {}", refused.detail);
        }
        for text in [
            "S_INTERSECTS(geometry, POINT(36.63 35.93))",
            "S_INTERSECTS(geometry, POLYGON((36 33, 37 33, 37 34, 36 33)))",
            "S_INTERSECTS(geometry, MULTIPOINT((36.63 35.93), (36.3 33.51)))",
            "S_INTERSECTS(geometry, LINESTRING(36 33, 37 34))",
            "S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(36.63 35.93)))",
            "S_WITHIN(geometry, BBOX(-180, -90, 180, 90))",
        ] {
            assert!(filter(text, "cql2-text").is_ok(), "{text}");
        }
    }

    fn urlencode(text: &str) -> String {
        form_urlencoded::byte_serialize(text.as_bytes()).collect()
    }

    fn filter(text: &str, lang: &str) -> Result<cql2::Expr, ApiError> {
        let queryables = [
            "number".to_owned(),
            "name".to_owned(),
            "geometry".to_owned(),
        ];
        parse_filter(text, Some(lang), &queryables)
    }

    /// Families of filters that make the cql2 crate recurse or backtrack,
    /// `n` levels deep.
    fn hostile(family: &str, n: usize) -> String {
        match family {
            "parentheses" => format!("{}number = 1{}", "(".repeat(n), ")".repeat(n)),
            "nots" => format!("{}number = 1", "NOT ".repeat(n)),
            "not-parentheses" => format!("{}number = 1{}", "NOT (".repeat(n), ")".repeat(n)),
            "minus" => format!("{}number = 1", "- ".repeat(n)),
            "plus chain" => format!("number = 1{}", "+1".repeat(n)),
            "power chain" => format!("number = 1{}", "^1".repeat(n)),
            "equality chain" => format!("number{}", " = number".repeat(n)),
            "like chain" => format!("name{}", " LIKE name".repeat(n)),
            "calls" => format!("{}number{} = 1", "casei(".repeat(n), ")".repeat(n)),
            "arrays" => format!("number IN {}1{}", "(".repeat(n), ")".repeat(n)),
            "between" => format!("number BETWEEN {}1{} AND 2", "(".repeat(n), ")".repeat(n)),
            "unclosed" => format!("{}1", "(".repeat(n)),
            "unclosed after =" => format!("number = {}1", "(".repeat(n)),
            "failing inside" => format!("{}number = 1 +{}", "(".repeat(n), ")".repeat(n)),
            other => panic!("no family {other}"),
        }
    }

    const FAMILIES: [&str; 14] = [
        "parentheses",
        "nots",
        "not-parentheses",
        "minus",
        "plus chain",
        "power chain",
        "equality chain",
        "like chain",
        "calls",
        "arrays",
        "between",
        "unclosed",
        "unclosed after =",
        "failing inside",
    ];

    /// Whether the size checks let `text` through to the cql2 crate.
    fn let_through(text: &str) -> bool {
        check_filter_size(text, "cql2-text").is_ok()
    }

    #[test]
    fn a_filter_over_max_filter_bytes_is_refused_naming_the_bound() {
        let long = format!("name = '{}'", "a".repeat(MAX_FILTER_BYTES));
        for lang in ["cql2-text", "cql2-json"] {
            let error = filter(&long, lang).unwrap_err();
            assert_eq!(error.parameter.as_deref(), Some("filter"));
            assert!(error.detail.contains("at most 4096"), "{}", error.detail);
        }
        let fits = format!("name = '{}'", "a".repeat(MAX_FILTER_BYTES - 9));
        assert!(filter(&fits, "cql2-text").is_ok());
    }

    /// Each of these aborted the process (stack overflow) or kept a core busy
    /// for seconds to hours before the checks.
    #[test]
    fn deep_and_costly_filters_are_refused_before_the_cql2_crate_reads_them() {
        for family in FAMILIES {
            for n in [33, 1000] {
                let text = hostile(family, n);
                if text.len() > MAX_FILTER_BYTES {
                    continue;
                }
                let started = std::time::Instant::now();
                let error = filter(&text, "cql2-text").unwrap_err();
                assert!(
                    started.elapsed() < std::time::Duration::from_millis(100),
                    "{family} {n}"
                );
                assert_eq!(error.parameter.as_deref(), Some("filter"));
                let detail = &error.detail;
                let names_bound = detail.contains("at most 32")
                    || detail.contains(&format!("at most {MAX_FILTER_COST}"));
                let calls_read = family == "calls" && detail.contains("not valid");
                assert!(names_bound || calls_read, "{family} {n}: {detail}");
            }
        }
        let backtracking = "(".repeat(20) + "1";
        assert!(
            filter(&backtracking, "cql2-text")
                .unwrap_err()
                .detail
                .contains("would take too long to read")
        );
    }

    /// The deepest filter of each family that the checks let through is read
    /// and evaluated on a quarter of a Tokio worker's 2 MiB stack, in this
    /// (debug) build, within a fraction of a second.
    #[test]
    fn the_deepest_filters_let_through_read_on_a_quarter_of_a_worker_stack() {
        let feature = serde_json::json!({
            "type": "Feature", "id": "idlib",
            "properties": {"number": 1, "name": "Idlib"}
        });
        for family in FAMILIES {
            let mut n = 1;
            while n < 5000 && let_through(&hostile(family, n + 1)) {
                n += 1;
            }
            let text = hostile(family, n);
            let feature = feature.clone();
            let elapsed = std::thread::Builder::new()
                .stack_size(512 * 1024)
                .spawn(move || {
                    let started = std::time::Instant::now();
                    if let Ok(expr) = filter(&text, "cql2-text") {
                        let query = ItemsQuery {
                            limit: 10,
                            offset: 0,
                            bbox: None,
                            datetime: None,
                            filter: Some(expr),
                            selection: Vec::new(),
                        };
                        let _ = query.passes(&feature);
                    }
                    started.elapsed()
                })
                .unwrap()
                .join()
                .unwrap_or_else(|_| panic!("{family} {n} failed"));
            assert!(
                elapsed < std::time::Duration::from_millis(500),
                "{family} {n}: {elapsed:?}"
            );
        }
    }

    /// `serde_json` refuses JSON nested deeper than 128; the deepest it takes
    /// is read and evaluated within half of a worker's stack.
    #[test]
    fn the_deepest_cql2_json_taken_reads_on_half_a_worker_stack() {
        let nots = |n: usize| {
            format!(
                r#"{}{{"op":"=","args":[{{"property":"number"}},1]}}{}"#,
                r#"{"op":"not","args":["#.repeat(n),
                "]}".repeat(n)
            )
        };
        let lists = |n: usize| {
            format!(
                r#"{{"op":"in","args":[{{"property":"number"}},{}1{}]}}"#,
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        let arrays = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        let mut texts = Vec::new();
        for make in [&nots as &dyn Fn(usize) -> String, &lists, &arrays] {
            // The deepest that serde_json reads, and one deeper.
            let mut n = 1;
            while cql2::parse_json(&make(n + 1)).is_ok() {
                n += 1;
            }
            texts.push(make(n));
            texts.push(make(n + 1));
            texts.push(make(200));
        }
        std::thread::Builder::new()
            .stack_size(1024 * 1024)
            .spawn(move || {
                let feature = serde_json::json!({"type": "Feature", "properties": {"number": 1}});
                for text in texts {
                    if let Ok(expr) = filter(&text, "cql2-json") {
                        let _ = property_names(&expr);
                        let _ = expr.matches(Some(&feature));
                    }
                }
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn ordinary_filters_are_far_from_the_bounds() {
        let filters = [
            "number = 3",
            "name LIKE '%Ghouta%' AND number BETWEEN 1 AND 3",
            "S_INTERSECTS(geometry, POINT(36.63 35.93))",
            "S_INTERSECTS(geometry, MULTIPOLYGON(((36 35, 37 35, 37 36, 36 35)), ((38 35, 39 35, 39 36, 38 35))))",
            "(number = 1 OR number = 2) AND NOT (name IN ('Idlib', 'Southern Syria') OR casei(name) LIKE 'x%')",
            "((number + 1) * 2 > 3 AND (number - 1) / 2 < 5) OR number IS NULL",
            "T_INTERSECTS(INTERVAL('2017-05-06', '2018-07-31'), INTERVAL('2018-01-01', '..'))",
        ];
        for text in filters {
            let cost = text_cost(text);
            assert!(cost.depth <= 8 && cost.work <= 2_000, "{text}: {cost:?}");
            assert!(filter(text, "cql2-text").is_ok(), "{text}");
        }
        let many: Vec<String> = (1..=200).map(|i| format!("number = {i}")).collect();
        let chain = many.join(" OR ");
        assert_eq!(text_cost(&chain).depth, 2, "AND and OR chains are flat");
        let list = format!(
            "number IN ({})",
            (1..=500)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        assert!(filter(&list, "cql2-text").is_ok());
    }

    #[test]
    fn strings_quoted_names_and_calls_do_not_count_as_nesting() {
        assert_eq!(text_cost("name = '((((((((((((((((((((('").bare_depth, 0);
        assert_eq!(text_cost("name = 'it''s ((('").depth, 1);
        assert_eq!(text_cost(r#""a "" (((" = 1"#).bare_depth, 0);
        assert_eq!(text_cost("casei(casei(casei(name))) = 'x'").bare_depth, 0);
        assert_eq!(text_cost("NOT (number = 1)").bare_depth, 1);
        assert_eq!(text_cost("number IN (1, 2)").bare_depth, 1);
    }
}
