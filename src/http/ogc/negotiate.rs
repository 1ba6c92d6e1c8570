//! Content negotiation for the OGC API resources: `f=json|html`, else `Accept`.

use axum::http::{HeaderMap, StatusCode, header};

use crate::http::problem::{ApiError, ProblemKind};

/// A representation of an OGC API resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON (GeoJSON for features).
    Json,
    /// A page for a person in a browser.
    Html,
}

/// Picks the representation: `f` wins when given; else the `Accept` header's
/// best match by quality (JSON on a tie, and when there is no header); a
/// header that accepts neither is a 406.
///
/// # Examples
///
/// ```
/// use axum::http::{HeaderMap, HeaderValue, header};
/// use dezone::http::ogc::negotiate::{Format, negotiate};
///
/// let mut browser = HeaderMap::new();
/// browser.insert(
///     header::ACCEPT,
///     HeaderValue::from_static("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
/// );
/// assert_eq!(negotiate(None, &browser).unwrap(), Format::Html);
/// assert_eq!(negotiate(Some("json"), &browser).unwrap(), Format::Json);
/// assert_eq!(negotiate(None, &HeaderMap::new()).unwrap(), Format::Json);
/// assert!(negotiate(Some("xml"), &browser).is_err());
/// ```
pub fn negotiate(f: Option<&str>, headers: &HeaderMap) -> Result<Format, ApiError> {
    if let Some(f) = f {
        return match f {
            "json" => Ok(Format::Json),
            "html" => Ok(Format::Html),
            other => {
                let shown: String = other.chars().take(40).collect();
                Err(ApiError::parameter(
                    ProblemKind::InvalidParameter,
                    "f",
                    format!("`f` must be `json` or `html`, got {shown:?}"),
                ))
            }
        };
    }
    let accept: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if accept.is_empty() {
        return Ok(Format::Json);
    }
    // For each format, the most specific matching range decides (RFC 9110
    // §12.5.1): an exact type beats `type/*`, which beats `*/*`.
    let mut json: Option<(u8, f32)> = None;
    let mut html: Option<(u8, f32)> = None;
    let consider = |slot: &mut Option<(u8, f32)>, specificity: u8, q: f32| {
        if slot.is_none_or(|(s, best)| specificity > s || (specificity == s && q > best)) {
            *slot = Some((specificity, q));
        }
    };
    for range in accept.iter().flat_map(|v| v.split(',')) {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0)
            .clamp(0.0, 1.0);
        match media.as_str() {
            "*/*" => {
                consider(&mut json, 0, q);
                consider(&mut html, 0, q);
            }
            "application/*" => consider(&mut json, 1, q),
            "text/*" => consider(&mut html, 1, q),
            "text/html" | "application/xhtml+xml" => consider(&mut html, 2, q),
            m if m == "application/json" || m.ends_with("+json") => consider(&mut json, 2, q),
            _ => {}
        }
    }
    let json = json.map_or(0.0, |(_, q)| q);
    let html = html.map_or(0.0, |(_, q)| q);
    match (json, html) {
        (j, h) if j <= 0.0 && h <= 0.0 => Err(ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            ProblemKind::NotAcceptable,
            format!(
                "no representation matches Accept: {}; this resource comes as application/json (or application/geo+json) and text/html",
                accept.join(", ").chars().take(120).collect::<String>()
            ),
        )),
        (j, h) if h > j => Ok(Format::Html),
        _ => Ok(Format::Json),
    }
}
