//! Strict reading of request input: query strings and coordinates.
//!
//! A parameter the resource does not take, or one given twice, is refused
//! rather than ignored, so a typo never silently changes an answer.

use std::{borrow::Cow, convert::Infallible};

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, Uri, request::Parts},
};

use smallvec::SmallVec;

use super::problem::{ApiError, ProblemKind};

/// The request's headers, taken out of it rather than copied: axum's
/// `HeaderMap` extractor clones them (an allocation, and a reference count
/// per field), for every request. An extractor after this one finds no
/// headers, so it goes after every extractor that reads them.
#[derive(Debug)]
pub struct Headers(pub HeaderMap);

impl<S: Send + Sync> FromRequestParts<S> for Headers {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(std::mem::take(&mut parts.headers)))
    }
}

/// The request's target, taken out of the request rather than copied:
/// axum's `RawQuery` copies the query string into a new `String`. The
/// layers keep their own copy of the target for the problems they write.
#[derive(Debug)]
pub struct RawTarget(pub Uri);

impl<S: Send + Sync> FromRequestParts<S> for RawTarget {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(std::mem::take(&mut parts.uri)))
    }
}

/// Common misspellings and their intended parameter.
const ALIASES: [(&str, &str); 9] = [
    ("lng", "lon"),
    ("long", "lon"),
    ("longitude", "lon"),
    ("x", "lon"),
    ("latitude", "lat"),
    ("y", "lat"),
    ("point", "lon` and `lat"),
    ("coords", "lon` and `lat"),
    ("ll", "lon` and `lat"),
];

/// The decoded query string of one request, checked against the names a
/// resource takes.
///
/// Parsing allocates nothing for a query of up to [`INLINE_PAIRS`] pairs
/// without escapes (`%xx` or `+`): names and values borrow the request's
/// target.
#[derive(Debug, Default)]
pub struct Query<'a> {
    pairs: SmallVec<[(Cow<'a, str>, Cow<'a, str>); INLINE_PAIRS]>,
}

/// How many pairs a [`Query`] holds before it allocates: every resource
/// takes fewer parameters than this, except the items' filters.
pub const INLINE_PAIRS: usize = 4;

impl<'a> Query<'a> {
    /// Decodes `raw` (form-urlencoded; invalid UTF-8 becomes U+FFFD) and refuses
    /// unknown or repeated names.
    pub fn parse(raw: Option<&'a str>, allowed: &[&str]) -> Result<Self, ApiError> {
        let mut pairs = SmallVec::new();
        for (name, value) in pairs_of(raw.unwrap_or("")) {
            if name.is_empty() && value.is_empty() {
                continue;
            }
            if name.is_empty() {
                return Err(ApiError::parameter(
                    ProblemKind::UnknownParameter,
                    "",
                    "a query parameter has a value but no name (`=value`); give every value a name",
                ));
            }
            if !allowed.contains(&name.as_ref()) {
                return Err(unknown(&name, allowed));
            }
            if pairs.iter().any(|(n, _)| *n == name) {
                return Err(ApiError::parameter(
                    ProblemKind::DuplicateParameter,
                    &name,
                    format!("`{name}` is given more than once; give it once"),
                ));
            }
            pairs.push((name, value));
        }
        Ok(Self { pairs })
    }

    /// The value of `name`, if given.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_ref())
    }

    /// The date given as `name` (`YYYY-MM-DD`), if any; a 400 when malformed.
    pub fn date(&self, name: &str) -> Result<Option<jiff::civil::Date>, ApiError> {
        self.get(name)
            .map(|text| parse_date(name, text))
            .transpose()
    }

    /// The value of `name`, or a 400 saying it is required.
    pub fn require(&self, name: &str, expected: impl std::fmt::Display) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| {
            ApiError::parameter(
                ProblemKind::MissingParameter,
                name,
                format!("`{name}` is required: {expected}"),
            )
        })
    }
}

/// The name–value pairs of an `application/x-www-form-urlencoded` string
/// (WHATWG URL, §5.1): pairs split at `&`, empty ones skipped, a pair's name
/// ending at its first `=` (no `=`: an empty value), `+` a space, `%xx` a
/// byte, and bytes that are not UTF-8 read as U+FFFD.
fn pairs_of(raw: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    raw.split('&').filter(|pair| !pair.is_empty()).map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(name), decode(value))
    })
}

/// One name or value of a form-urlencoded string, decoded; borrowed when it
/// holds nothing to decode.
fn decode(text: &str) -> Cow<'_, str> {
    if !text.bytes().any(|b| matches!(b, b'%' | b'+')) {
        return Cow::Borrowed(text);
    }
    let spaced: Vec<u8> = text
        .bytes()
        .map(|b| if b == b'+' { b' ' } else { b })
        .collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    Cow::Owned(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    })
}

fn unknown(name: &str, allowed: &[&str]) -> ApiError {
    let lower = name.to_ascii_lowercase();
    // An alias is suggested only where the resource takes what it stands for:
    // `x` means `lon` at `/locate`, and nothing at `/healthz`.
    let hint = ALIASES
        .iter()
        .find(|(alias, meant)| {
            *alias == lower && meant.split("` and `").all(|m| allowed.contains(&m))
        })
        .map(|(_, meant)| (*meant).to_owned())
        .or_else(|| {
            allowed
                .iter()
                .map(|a| (strsim::damerau_levenshtein(&lower, a), *a))
                .filter(|(d, a)| *d * 3 <= a.len())
                .min()
                .map(|(_, a)| a.to_owned())
        });
    let shown: String = name.chars().take(64).collect();
    let takes = if allowed.is_empty() {
        "this resource takes no query parameters".to_owned()
    } else {
        format!(
            "this resource takes {}",
            allowed
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let detail = match hint {
        Some(meant) => format!("unknown parameter `{shown}`: did you mean `{meant}`? ({takes})"),
        None => format!("unknown parameter `{shown}` ({takes})"),
    };
    ApiError::parameter(ProblemKind::UnknownParameter, &shown, detail)
}

/// Which coordinate a number is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    /// Longitude, −180..180.
    Lon,
    /// Latitude, −90..90.
    Lat,
}

impl Axis {
    /// The parameter name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Lon => "lon",
            Self::Lat => "lat",
        }
    }

    /// The largest magnitude allowed.
    #[must_use]
    pub fn limit(self) -> f64 {
        match self {
            Self::Lon => 180.0,
            Self::Lat => 90.0,
        }
    }

    /// What a value must be, for messages.
    #[must_use]
    pub fn expected(self) -> Expected {
        Expected(self)
    }

    pub fn check(self, value: f64) -> Result<f64, String> {
        if !value.is_finite() {
            return Err(format!(
                "must be {}, got a non-finite number",
                self.expected()
            ));
        }
        if value.abs() > self.limit() {
            return Err(format!("must be {}, got {value}", self.expected()));
        }
        Ok(value + 0.0)
    }
}

/// Parses a coordinate query value: a plain decimal number (an exponent is
/// allowed) within the axis's range. `inf`, `NaN`, hex and empty values are refused.
///
/// # Examples
///
/// ```
/// use dezone::http::extract::{parse_coordinate, Axis};
///
/// assert_eq!(parse_coordinate(Axis::Lon, "36.63").unwrap(), 36.63);
/// assert!(parse_coordinate(Axis::Lat, "95").is_err());
/// assert!(parse_coordinate(Axis::Lat, "NaN").is_err());
/// assert!(parse_coordinate(Axis::Lat, "1e999").is_err());
/// ```
/// What a coordinate must be, for messages: written only when one is.
#[derive(Clone, Copy, Debug)]
pub struct Expected(Axis);

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.0 {
            Axis::Lon => "a longitude",
            Axis::Lat => "a latitude",
        };
        let limit = self.0.limit();
        write!(
            f,
            "{what} in decimal degrees (WGS 84) between -{limit} and {limit}"
        )
    }
}

pub fn parse_coordinate(axis: Axis, text: &str) -> Result<f64, ApiError> {
    let name = axis.name();
    let fail = |detail: String| ApiError::parameter(ProblemKind::InvalidParameter, name, detail);
    if text.is_empty() {
        return Err(fail(format!(
            "`{name}` is empty: it must be {}",
            axis.expected()
        )));
    }
    let plain = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    let value: f64 = if plain { text.parse().ok() } else { None }.ok_or_else(|| {
        let shown: String = text.chars().take(40).collect();
        fail(format!(
            "`{name}` must be {}, got {shown:?}, which is not a decimal number",
            axis.expected()
        ))
    })?;
    axis.check(value)
        .map_err(|why| fail(format!("`{name}` {why}")))
}

/// Parses a calendar date parameter, `YYYY-MM-DD`.
///
/// # Examples
///
/// ```
/// use dezone::http::extract::parse_date;
///
/// assert_eq!(parse_date("at", "2017-09-01").unwrap(), jiff::civil::date(2017, 9, 1));
/// assert!(parse_date("at", "2017-02-30").is_err());
/// assert!(parse_date("at", "2017-9-1").is_err());
/// assert!(parse_date("at", "2017-09-01T00:00:00Z").is_err());
/// ```
pub fn parse_date(name: &str, text: &str) -> Result<jiff::civil::Date, ApiError> {
    let shown: String = text.chars().take(40).collect();
    let well_formed = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    well_formed
        .then(|| text.parse().ok())
        .flatten()
        .ok_or_else(|| {
            ApiError::parameter(
                ProblemKind::InvalidParameter,
                name,
                format!(
                    "`{name}` must be a calendar date YYYY-MM-DD, e.g. 2017-09-01; got {shown:?}"
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(raw: &str, allowed: &[&str]) -> String {
        Query::parse(Some(raw), allowed).unwrap_err().detail
    }

    proptest::proptest! {
        /// The pairs are the ones the `form_urlencoded` crate reads, over
        /// strings rich in the characters that matter.
        #[test]
        fn pairs_are_read_as_form_urlencoded_reads_them(
            raw in "([a-z=&+%]|%[0-9a-fA-F]{2}|%[eE][0-9]%[89ab][0-9a-f]|é){0,24}"
        ) {
            let ours: Vec<(String, String)> = pairs_of(&raw)
                .map(|(n, v)| (n.into_owned(), v.into_owned()))
                .collect();
            let theirs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
                .map(|(n, v)| (n.into_owned(), v.into_owned()))
                .collect();
            proptest::prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn plain_pairs_borrow_and_escaped_ones_are_decoded() {
        let pairs: Vec<_> = pairs_of("lon=36.63&&lat=35%2E93&q=a+b&flag&=&x=1=2").collect();
        assert!(matches!(
            pairs[0],
            (Cow::Borrowed("lon"), Cow::Borrowed("36.63"))
        ));
        let owned: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(n, v)| (n.as_ref(), v.as_ref()))
            .collect();
        assert_eq!(
            owned,
            [
                ("lon", "36.63"),
                ("lat", "35.93"),
                ("q", "a b"),
                ("flag", ""),
                ("", ""),
                ("x", "1=2")
            ]
        );
        assert_eq!(decode("%FF%41"), "\u{FFFD}A");
    }

    #[test]
    fn an_alias_is_suggested_where_the_resource_takes_its_meaning() {
        assert!(detail("x=1", &["lon", "lat"]).contains("did you mean `lon`?"));
        assert!(detail("ll=1", &["lon", "lat", "at"]).contains("did you mean `lon` and `lat`?"));
        assert!(detail("lng=1", &["lon", "lat"]).contains("did you mean `lon`?"));
    }

    #[test]
    fn no_parameter_is_suggested_that_the_resource_does_not_take() {
        for allowed in [&[][..], &["f"][..], &["lon"][..]] {
            for raw in ["x=1", "y=1", "ll=1", "point=1"] {
                let text = detail(raw, allowed);
                if allowed.contains(&"lon") && raw == "x=1" {
                    continue;
                }
                assert!(
                    !text.contains("did you mean"),
                    "{raw} at {allowed:?}: {text}"
                );
            }
        }
    }

    #[test]
    fn a_near_miss_of_a_taken_parameter_is_still_suggested() {
        assert!(detail("limt=1", &["f", "limit"]).contains("did you mean `limit`?"));
        assert!(detail("fo=1", &["f"]).contains("this resource takes `f`"));
    }
}
