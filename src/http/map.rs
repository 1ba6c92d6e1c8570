//! The map page (`GET /map`) and its files (`GET /map/assets/{name}`).
//!
//! Owns the page's HTML shell, the query it takes, its framing policy and the
//! files it loads: the Leaflet map library (a pinned npm dependency in
//! `web/package-lock.json`) and dezone's own `web/map.js` and `web/map.css`.
//! `build.rs` installs the library with `npm ci` when it is missing and copies
//! the four files into `OUT_DIR`; they are compiled into the binary, so the
//! page needs no internet. Each file is served under a name carrying a hash of
//! its content (`leaflet.<hash>.js`) and may be cached for a year.
//!
//! The drawing happens in the browser: `web/map.js` reads the zones from
//! `/collections/zones/items`, the governorates base layer from
//! `/collections/governorates/items` and the answer to a click from `/locate`,
//! all by URLs relative to the page. This module reads the loaded data only to
//! list the zones in plain HTML (the legend, which works without JavaScript and
//! with a screen reader) and to check `zone`.
//!
//! `/map` may be framed by any origin by default (`Content-Security-Policy:
//! frame-ancestors *`, set with `dezone serve --frame-ancestors`); every other
//! HTML answer of the service refuses framing ([`deny_framing_elsewhere`]).
//! Must not import `geodata` or the engine's internals.

use std::sync::LazyLock;

use axum::{
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, Uri, header},
    response::Response,
};
use bytes::Bytes;
use maud::{DOCTYPE, Markup, html};
use utoipa::IntoParams;

use super::{
    extract::{Axis, Headers, Query, RawTarget, parse_coordinate},
    problem::{ApiError, Problem, ProblemKind},
    resource::{Resource, short_hash},
    state::{AppState, Data},
};
use crate::query::ZoneIndex;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));
}

/// `Cache-Control` of the hashed files: their names change with their content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `Cache-Control` of the page: revalidated on every use (`ETag`), since it
/// names the hashed files of the binary that serves it.
pub const PAGE_CACHE_CONTROL: &str = "no-cache";

/// The default `frame-ancestors` of `/map`: any origin may embed it.
pub const DEFAULT_FRAME_ANCESTORS: &str = "*";

/// The query parameters `GET /map` takes.
pub const PARAMETERS: [&str; 8] = [
    "zone",
    "embed",
    "lon",
    "lat",
    "zoom",
    "point",
    "tiles",
    "tiles_attribution",
];

/// Highest initial zoom (`zoom`); Leaflet's tile pyramid stops here.
pub const MAX_ZOOM: f64 = 18.0;

/// Longest `tiles` template, in bytes.
const MAX_TILES_LEN: usize = 2048;

/// Longest `tiles_attribution`, in characters.
const MAX_ATTRIBUTION_CHARS: usize = 300;

/// The media type of the page.
const PAGE_TYPE: &str = "text/html; charset=utf-8";

/// The page as most requests ask for it, prepared once per data version: with
/// no parameter, and with only `embed`.
#[derive(Debug)]
pub struct MapPages {
    full: Resource,
    embed: Resource,
}

impl MapPages {
    /// Renders both pages over `index`.
    #[must_use]
    pub fn new(index: &ZoneIndex) -> Self {
        let page = |embed| {
            let params = MapParams {
                embed: Some(embed),
                ..MapParams::default()
            };
            Resource::new(render(index, &params).into_string(), PAGE_TYPE)
        };
        Self {
            full: page(false),
            embed: page(true),
        }
    }

    /// The prepared page for `params`, if they ask for no more than `embed`.
    fn get(&self, params: &MapParams) -> Option<&Resource> {
        let MapParams {
            zone: None,
            embed,
            lon: None,
            lat: None,
            zoom: None,
            point: None,
            tiles: None,
            tiles_attribution: None,
        } = params
        else {
            return None;
        };
        Some(if embed.unwrap_or(false) {
            &self.embed
        } else {
            &self.full
        })
    }
}

/// One embedded file.
#[derive(Debug)]
struct Asset {
    stem: &'static str,
    extension: &'static str,
    /// `stem.hash.extension`.
    name: String,
    resource: Resource,
}

/// The embedded files, hashed once.
static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    embedded::WEB_ASSETS
        .iter()
        .map(|&(stem, extension, bytes)| {
            let content_type = match extension {
                "js" => "text/javascript; charset=utf-8",
                "css" => "text/css; charset=utf-8",
                _ => "application/octet-stream",
            };
            Asset {
                stem,
                extension,
                name: format!("{stem}.{}.{extension}", short_hash(bytes)),
                resource: Resource::new(Bytes::from_static(bytes), content_type),
            }
        })
        .collect()
});

/// The served names of the embedded files, e.g. `leaflet.0123456789abcdef.js`.
///
/// # Examples
///
/// ```
/// let names = dezone::http::map::asset_names();
/// assert!(names.iter().any(|n| n.starts_with("leaflet.") && n.ends_with(".js")));
/// assert!(names.iter().any(|n| n.starts_with("map.") && n.ends_with(".css")));
/// ```
#[must_use]
pub fn asset_names() -> Vec<&'static str> {
    ASSETS.iter().map(|a| a.name.as_str()).collect()
}

/// The page-relative URL of an embedded file.
fn asset_url(stem: &str, extension: &str) -> String {
    ASSETS
        .iter()
        .find(|a| a.stem == stem && a.extension == extension)
        .map_or_else(
            || format!("map/assets/{stem}.{extension}"),
            |a| format!("map/assets/{}", a.name),
        )
}

/// The query of `GET /map`. Every parameter is optional; an unknown or repeated
/// one is refused.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MapParams {
    /// A zone id (`idlib`, `northern-homs`, `eastern-ghouta`, `southern`): the
    /// map opens fitted to that zone, highlighted. An id the service does not
    /// serve is a 400 (`invalid-parameter`): the page exists, the value is wrong.
    #[param(example = "eastern-ghouta")]
    pub zone: Option<String>,
    /// `1` (or `true`) for a page to embed: the map, the legend and the
    /// attribution, without the title panel. `0` or `false`: the full page.
    #[param(value_type = Option<String>, example = "1")]
    pub embed: Option<bool>,
    /// Initial centre's longitude (WGS 84), -180..180; needs `lat`.
    #[param(example = 36.3, minimum = -180, maximum = 180)]
    pub lon: Option<f64>,
    /// Initial centre's latitude (WGS 84), -90..90; needs `lon`.
    #[param(example = 33.51, minimum = -90, maximum = 90)]
    pub lat: Option<f64>,
    /// Initial zoom level, 0..18 (fractions allowed); 9 when `lon`/`lat` are given without it.
    #[param(example = 9, minimum = 0, maximum = 18)]
    pub zoom: Option<f64>,
    /// `lon,lat`: drop a marker there and open the popup with its `/locate` answer.
    #[param(value_type = Option<String>, example = "36.63,35.93")]
    pub point: Option<String>,
    /// An XYZ raster tile URL template (`http://` or `https://`, with `{z}`, `{x}`
    /// and `{y}`; `{s}`, `{r}` and `{-y}` allowed) drawn under the zones. Without
    /// it the page needs no network beyond this service: its base layer is
    /// Syria's governorates.
    #[param(example = "https://tiles.example.org/{z}/{x}/{y}.png")]
    pub tiles: Option<String>,
    /// The tile layer's attribution, plain text (at most 300 characters); only with `tiles`.
    #[param(example = "© OpenStreetMap contributors")]
    pub tiles_attribution: Option<String>,
}

/// The page: a full-window Leaflet map of the zones.
///
/// Zones drawn from `/collections/zones/items`, coloured (the colour-blind
/// safe qualitative palette "Paired") and labelled with number and name over Syria's
/// governorates; clicking anywhere shows the `/locate` answer, clicking a zone
/// its metadata. The zone list is plain HTML. No file comes from outside this
/// service unless `tiles` names a tile server. Anyone may frame the page
/// (`Content-Security-Policy: frame-ancestors *` unless the server sets
/// `--frame-ancestors`), e.g. `<iframe src="https://HOST/map?embed=1"
/// width="600" height="500" title="De-escalation zones"></iframe>`.
#[utoipa::path(
    get,
    path = "/map",
    tag = "map",
    params(MapParams),
    responses(
        (status = 200, description = "The map page. `Content-Security-Policy` allows framing (`frame-ancestors *` by default) and loads scripts only from this service.", content_type = "text/html", body = String),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = "An unknown or repeated parameter; `zone` not a zone id; `embed` not 0/1/true/false; `lon`/`lat` not a coordinate or one without the other; `zoom` not a number in 0..18; `point` not `lon,lat`; `tiles` not an http(s) template with `{z}`, `{x}`, `{y}`; `tiles_attribution` too long or without `tiles`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_map(
    State(state): State<AppState>,
    RawTarget(raw): RawTarget,
    Headers(headers): Headers,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.query(), &PARAMETERS)?;
    let data = state.data();
    let params = MapParams::read(&query, &data)?;
    let mut response = match data.zones.map_pages().get(&params) {
        Some(page) => page.respond(&headers),
        None => Resource::new(render(&data.index, &params).into_string(), PAGE_TYPE)
            .transient()
            .respond(&headers),
    };
    let csp = content_security_policy(state.frame_ancestors(), params.tiles.is_some());
    let out = response.headers_mut();
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PAGE_CACHE_CONTROL),
    );
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        out.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    out.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    Ok(response)
}

/// One of the page's files, by its hashed name (as the page links it).
#[utoipa::path(
    get,
    path = "/map/assets/{name}",
    tag = "map",
    params(("name" = String, Path, description = "The file's name with its content hash, as `/map` links it", example = "leaflet.0123456789abcdef.js")),
    responses(
        (status = 200, description = "The file (JavaScript or CSS), `Cache-Control: public, max-age=31536000, immutable`: its name changes when its content does", content(
            (String = "text/javascript"),
            (String = "text/css"),
        )),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 400, description = "A query parameter was given (none is taken)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such file (or the hash of another build)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_map_asset(
    Path(name): Path<String>,
    RawTarget(raw): RawTarget,
    Headers(headers): Headers,
) -> Result<Response, ApiError> {
    asset_answer(&name, &raw, &headers)
}

/// The answer of [`get_map_asset`] for file `name`, made at once: the [`front`](super::front) calls
/// it without the router.
pub fn asset_answer(name: &str, target: &Uri, headers: &HeaderMap) -> Result<Response, ApiError> {
    Query::parse(target.query(), &[])?;
    let asset = ASSETS.iter().find(|a| a.name == name).ok_or_else(|| {
        let shown: String = name.chars().take(80).collect();
        ApiError::not_found(format!(
            "there is no map file {shown:?}; GET /map links the files of this build ({})",
            asset_names().join(", ")
        ))
    })?;
    let mut response = asset.resource.respond(headers);
    let out = response.headers_mut();
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// Checks a `frame-ancestors` source list for `--frame-ancestors`: `*`,
/// `'none'`, `'self'` or origins such as `https://grafana.example.org`,
/// separated by spaces.
///
/// # Examples
///
/// ```
/// use dezone::http::map::check_frame_ancestors;
///
/// assert!(check_frame_ancestors("*").is_ok());
/// assert!(check_frame_ancestors("'self' https://dash.example.org").is_ok());
/// assert!(check_frame_ancestors("*; script-src *").is_err());
/// assert!(check_frame_ancestors("").is_err());
/// ```
pub fn check_frame_ancestors(sources: &str) -> Result<(), String> {
    if sources.trim().is_empty() {
        return Err("is empty: give `*`, `'none'`, `'self'` or origins separated by spaces".into());
    }
    if let Some(c) = sources
        .chars()
        .find(|c| !c.is_ascii_graphic() && *c != ' ' || matches!(c, ';' | ','))
    {
        return Err(format!(
            "{sources:?} contains {c:?}: give `*`, `'none'`, `'self'` or origins separated by spaces"
        ));
    }
    Ok(())
}

/// The page's policy: its own scripts only, API calls to this service only,
/// images from anywhere only when a tile layer is asked for.
fn content_security_policy(frame_ancestors: &str, tiles: bool) -> String {
    let images = if tiles {
        "'self' data: https: http:"
    } else {
        "'self' data:"
    };
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src {images}; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; \
         frame-ancestors {frame_ancestors}"
    )
}

/// Adds `X-Frame-Options: DENY` and `Content-Security-Policy: frame-ancestors
/// 'none'` to HTML answers that set no policy of their own (the OGC HTML
/// views, Swagger UI), so only `/map` can be framed.
pub fn deny_framing_elsewhere(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let html = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if html && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'"),
        );
    }
    response
}

fn invalid(name: &str, detail: String) -> ApiError {
    ApiError::parameter(ProblemKind::InvalidParameter, name, detail)
}

impl MapParams {
    /// Reads and checks the parameters against the data served.
    fn read(query: &Query<'_>, data: &Data) -> Result<Self, ApiError> {
        let zones = data.index.zones();
        let zone = query
            .get("zone")
            .map(|id| {
                if zones.iter().any(|z| z.id().as_str() == id) {
                    Ok(id.to_owned())
                } else {
                    let mut ids: Vec<&str> = zones.iter().map(|z| z.id().as_str()).collect();
                    ids.sort_unstable();
                    let shown: String = id.chars().take(64).collect();
                    Err(invalid(
                        "zone",
                        format!(
                            "`zone` must be a zone id ({}); got {shown:?}",
                            ids.join(", ")
                        ),
                    ))
                }
            })
            .transpose()?;
        let embed = query
            .get("embed")
            .map(|v| match v {
                "1" | "true" => Ok(true),
                "0" | "false" => Ok(false),
                other => {
                    let shown: String = other.chars().take(40).collect();
                    Err(invalid(
                        "embed",
                        format!("`embed` must be 1, 0, true or false; got {shown:?}"),
                    ))
                }
            })
            .transpose()?;
        let lon = query
            .get("lon")
            .map(|v| parse_coordinate(Axis::Lon, v))
            .transpose()?;
        let lat = query
            .get("lat")
            .map(|v| parse_coordinate(Axis::Lat, v))
            .transpose()?;
        match (lon, lat) {
            (Some(_), None) => return Err(pair_missing("lat", "lon")),
            (None, Some(_)) => return Err(pair_missing("lon", "lat")),
            _ => {}
        }
        let zoom = query.get("zoom").map(parse_zoom).transpose()?;
        let point = query.get("point").map(parse_point).transpose()?;
        let tiles = query.get("tiles").map(parse_tiles).transpose()?;
        let tiles_attribution = query
            .get("tiles_attribution")
            .map(|text| {
                if tiles.is_none() {
                    return Err(invalid(
                        "tiles_attribution",
                        "`tiles_attribution` is only taken with `tiles` (the tile layer it credits)"
                            .to_owned(),
                    ));
                }
                if text.chars().count() > MAX_ATTRIBUTION_CHARS || text.chars().any(char::is_control)
                {
                    return Err(invalid(
                        "tiles_attribution",
                        format!(
                            "`tiles_attribution` must be plain text of at most {MAX_ATTRIBUTION_CHARS} characters without control characters"
                        ),
                    ));
                }
                Ok(text.to_owned())
            })
            .transpose()?;
        Ok(Self {
            zone,
            embed,
            lon,
            lat,
            zoom,
            point,
            tiles,
            tiles_attribution,
        })
    }
}

fn pair_missing(missing: &str, given: &str) -> ApiError {
    ApiError::parameter(
        ProblemKind::MissingParameter,
        missing,
        format!("`{missing}` is required with `{given}`: the initial centre needs both"),
    )
}

fn parse_zoom(text: &str) -> Result<f64, ApiError> {
    let shown: String = text.chars().take(40).collect();
    let plain = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    plain
        .then(|| text.parse::<f64>().ok())
        .flatten()
        .filter(|z| (0.0..=MAX_ZOOM).contains(z))
        .ok_or_else(|| {
            invalid(
                "zoom",
                format!("`zoom` must be a number from 0 to {MAX_ZOOM}, e.g. 9; got {shown:?}"),
            )
        })
}

fn parse_point(text: &str) -> Result<String, ApiError> {
    let expected = "`point` must be `lon,lat` in decimal degrees (WGS 84), e.g. 36.63,35.93";
    let mut parts = text.split(',');
    let (Some(lon), Some(lat), None) = (parts.next(), parts.next(), parts.next()) else {
        let shown: String = text.chars().take(60).collect();
        return Err(invalid("point", format!("{expected}; got {shown:?}")));
    };
    let lon = parse_coordinate(Axis::Lon, lon.trim())
        .map_err(|e| invalid("point", format!("{expected}: {}", e.detail)))?;
    let lat = parse_coordinate(Axis::Lat, lat.trim())
        .map_err(|e| invalid("point", format!("{expected}: {}", e.detail)))?;
    Ok(format!("{lon},{lat}"))
}

fn parse_tiles(text: &str) -> Result<String, ApiError> {
    let expected = "`tiles` must be an http:// or https:// tile URL template with {z}, {x} and {y} (also allowed: {s}, {r}, {-y}), e.g. https://tiles.example.org/{z}/{x}/{y}.png";
    let lower = text.to_ascii_lowercase();
    let scheme = lower.starts_with("https://") || lower.starts_with("http://");
    let clean = text.len() <= MAX_TILES_LEN
        && text
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`'));
    let has_xyz = ["{z}", "{x}"].iter().all(|p| text.contains(p))
        && (text.contains("{y}") || text.contains("{-y}"));
    let known = placeholders(text).all(|p| matches!(p, "s" | "z" | "x" | "y" | "-y" | "r"));
    if scheme && clean && has_xyz && known {
        Ok(text.to_owned())
    } else {
        let shown: String = text.chars().take(80).collect();
        Err(invalid("tiles", format!("{expected}; got {shown:?}")))
    }
}

/// The `{name}`s of a template; an unclosed `{` yields a name Leaflet does not know.
fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('{')
        .skip(1)
        .map(|rest| rest.split_once('}').map_or("{unclosed", |(name, _)| name))
}

/// Distinct attribution texts of the zones and governorates, dropping any
/// contained in another.
fn attribution(index: &ZoneIndex) -> String {
    let texts: Vec<&str> = index
        .zones()
        .iter()
        .map(|z| &z.meta.extra)
        .chain(index.governorates().iter().map(|g| &g.extra))
        .filter_map(|extra| extra.get("attribution").and_then(|v| v.as_str()))
        .collect();
    let mut kept: Vec<&str> = Vec::new();
    for text in &texts {
        let covered = texts
            .iter()
            .any(|other| other != text && other.contains(text));
        if !covered && !kept.contains(text) {
            kept.push(text);
        }
    }
    kept.join(" ")
}

fn number(value: f64) -> String {
    value.to_string()
}

/// The page's HTML. Every value goes through maud, which escapes it.
fn render(index: &ZoneIndex, params: &MapParams) -> Markup {
    let embed = params.embed.unwrap_or(false);
    let mut zones: Vec<_> = index.zones().iter().collect();
    zones.sort_by_key(|z| z.meta.number);
    let attribution = attribution(index);
    let governorates = !index.governorates().is_empty();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // No favicon request: the page asks this service for nothing it does not serve.
                link rel="icon" href="data:,";
                title { "De-escalation zones in Syria (Astana, 2017) · map · dezone" }
                meta name="description" content="Interactive map of the four de-escalation zones of the Astana memorandum of 4 May 2017: click a point to see which zone holds it.";
                link rel="stylesheet" href=(asset_url("leaflet", "css"));
                link rel="stylesheet" href=(asset_url("map", "css"));
                script defer src=(asset_url("leaflet", "js")) {}
                script defer src=(asset_url("map", "js")) {}
            }
            body class=[embed.then_some("embed")] {
                @if !embed {
                    a.skip href="#zones" { "Skip to the zone list" }
                }
                div #map role="region" aria-label="Map of the de-escalation zones; click a point to see which zone holds it"
                    data-zone=[params.zone.as_deref()]
                    data-embed=[embed.then_some("1")]
                    data-lon=[params.lon.map(number)]
                    data-lat=[params.lat.map(number)]
                    data-zoom=[params.zoom.map(number)]
                    data-point=[params.point.as_deref()]
                    data-tiles=[params.tiles.as_deref()]
                    data-tiles-attribution=[params.tiles_attribution.as_deref()]
                    data-attribution=(attribution)
                    data-governorates=[governorates.then_some("1")] {}
                @if !embed {
                    aside #panel aria-labelledby="title" {
                        details open {
                            summary { h1 #title { "De-escalation zones, Syria 2017" } }
                            p {
                                "The four zones of the Astana memorandum of 4 May 2017. "
                                "Click anywhere on the map to see which zone holds the point and how far its edge is; "
                                "choose a zone in the list for its details."
                            }
                            p { strong { "Approximate outlines:" } " the memorandum published no maps; they are drawn from public sources." }
                            p #status role="status" aria-live="polite" {}
                            nav aria-label="Data" {
                                ul {
                                    li { a href="zones" { "Zone metadata (JSON)" } }
                                    li { a href="collections/zones/items" { "GeoJSON" } }
                                    li { a href="api" { "API" } }
                                    li { a href="./" { "Service home" } }
                                }
                            }
                        }
                    }
                }
                section #legend .legend aria-labelledby="legend-title" {
                    h2 #legend-title { "De-escalation zones" }
                    ol #zones {
                        @for zone in &zones {
                            @let id = zone.id().as_str();
                            @let colour = format!("swatch c{}", (usize::from(zone.meta.number).max(1) - 1) % 4 + 1);
                            li data-zone=(id) {
                                button type="button" data-zone=(id) title="Show this zone on the map with its details" {
                                    span class=(colour) aria-hidden="true" {}
                                    span.visually-hidden { "Zone " }
                                    span.n { (zone.meta.number) }
                                    span.visually-hidden { ":" }
                                    " "
                                    span.name { (zone.meta.name) }
                                }
                                @if !embed {
                                    span.zone-meta {
                                        (zone.meta.provinces.join(", "))
                                        " · from " (zone.meta.valid_from.to_string())
                                        @if let Some(until) = zone.meta.valid_until {
                                            " to " (until.to_string())
                                        } @else {
                                            ", no end date"
                                        }
                                    }
                                }
                            }
                        }
                    }
                    p.caveat { "Approximate outlines; not an official map." }
                }
                noscript {
                    p.noscript {
                        "The interactive map needs JavaScript. The zones are listed on this page; "
                        a href="collections/zones/items" { "their outlines as GeoJSON" }
                        "."
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_file_gets_a_distinct_hashed_name() {
        let names = asset_names();
        assert_eq!(names.len(), 4);
        for name in &names {
            let parts: Vec<&str> = name.split('.').collect();
            assert_eq!(parts.len(), 3, "{name}");
            assert_eq!(parts[1].len(), 16, "{name}");
        }
        let mut unique = names.clone();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn tile_templates_need_a_scheme_and_known_placeholders() {
        assert!(parse_tiles("https://{s}.tile.example.org/{z}/{x}/{y}.png").is_ok());
        assert!(parse_tiles("http://127.0.0.1:8081/{z}/{x}/{-y}.png").is_ok());
        assert!(parse_tiles("javascript:alert(1)//{z}{x}{y}").is_err());
        assert!(parse_tiles("https://t.example.org/{z}/{x}.png").is_err());
        assert!(parse_tiles("https://t.example.org/{z}/{x}/{y}.png?key={key}").is_err());
        assert!(parse_tiles("https://t.example.org/{z}/{x}/{y\"}.png").is_err());
    }

    #[test]
    fn point_is_lon_comma_lat() {
        assert_eq!(parse_point("36.63,35.93").unwrap(), "36.63,35.93");
        assert!(parse_point("36.63").is_err());
        assert!(parse_point("36.63,95").is_err());
        assert!(parse_point("1,2,3").is_err());
    }

    #[test]
    fn zoom_is_a_plain_number_in_range() {
        assert!((parse_zoom("9.5").unwrap() - 9.5).abs() < f64::EPSILON);
        assert!(parse_zoom("19").is_err());
        assert!(parse_zoom("-1").is_err());
        assert!(parse_zoom("NaN").is_err());
        assert!(parse_zoom("").is_err());
    }

    #[test]
    fn frame_ancestors_refuses_other_directives() {
        assert!(check_frame_ancestors("https://a.example https://b.example").is_ok());
        assert!(check_frame_ancestors("'none'").is_ok());
        assert!(check_frame_ancestors("* ; sandbox").is_err());
        assert!(check_frame_ancestors("a\nb").is_err());
    }
}
