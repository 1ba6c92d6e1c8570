//! The query-string parser: `Query::parse` against every parameter list a
//! route uses, then `parse_coordinate` and `parse_date` (the `at` parameter) on
//! the decoded values and on the raw input itself.
//!
//! Asserts no panic and: errors are 400s naming a parameter of bounded length;
//! accepted names stay accepted by a larger list; an accepted coordinate is
//! finite, within its axis's range and never `-0`; an accepted date prints
//! back as the text it came from.

#![no_main]

use dezone::http::{
    extract::{Axis, Query, parse_coordinate, parse_date},
    problem::{ApiError, ProblemKind},
};
use libfuzzer_sys::fuzz_target;

/// Parameter lists the routes pass to `Query::parse`.
const LOCATE: &[&str] = &["lon", "lat", "at"];
const AT: &[&str] = &["at"];
const NONE: &[&str] = &[];

fuzz_target!(|data: &[u8]| {
    // A request's raw query is a `&str`; bytes that are not UTF-8 arrive as
    // replacement characters at worst.
    let raw = String::from_utf8_lossy(data);
    let raw = raw.as_ref();

    let lists: [&[&str]; 5] = [
        NONE,
        AT,
        LOCATE,
        &dezone::http::ogc::items::PARAMETERS,
        &dezone::http::map::PARAMETERS,
    ];
    let results: Vec<_> = lists
        .iter()
        .map(|allowed| Query::parse(Some(raw), allowed))
        .collect();
    for (allowed, result) in lists.iter().zip(&results) {
        match result {
            Ok(query) => {
                for name in *allowed {
                    let _ = query.get(name);
                }
            }
            Err(e) => check_query_error(e, allowed),
        }
    }
    // A query every name of which a list accepts is accepted by a larger list.
    if results[0].is_ok() {
        assert!(
            results.iter().all(Result::is_ok),
            "accepted with no names, refused with some: {raw:?}"
        );
    }
    if results[1].is_ok() {
        assert!(
            results[2].is_ok(),
            "accepted for [at], refused for [lon, lat, at]: {raw:?}"
        );
    }
    // `Query::parse(None, _)` is the empty query.
    assert!(Query::parse(None, NONE).is_ok());

    // What GET /locate does with the values.
    if let Ok(query) = &results[2] {
        for axis in [Axis::Lon, Axis::Lat] {
            if let Some(text) = query.get(axis.name()) {
                check_coordinate(axis, text);
            }
        }
        match query.date("at") {
            Ok(Some(date)) => assert_eq!(Some(date.to_string().as_str()), query.get("at")),
            Ok(None) => assert!(query.get("at").is_none()),
            Err(e) => check_parameter_error(&e, "at"),
        }
    }

    // The value parsers on the raw text, so the fuzzer reaches them directly.
    check_coordinate(Axis::Lon, raw);
    check_coordinate(Axis::Lat, raw);
    check_date(raw);
});

fn check_query_error(e: &ApiError, allowed: &[&str]) {
    assert_eq!(e.status, 400, "{e:?}");
    assert!(e.index.is_none(), "{e:?}");
    let parameter = e
        .parameter
        .as_deref()
        .expect("a query error names the parameter");
    // Names are shown cut to 64 characters, so a problem stays small.
    assert!(parameter.chars().count() <= 64, "{e:?}");
    assert!(e.detail.len() <= 2048, "detail of {} bytes", e.detail.len());
    match e.kind {
        ProblemKind::UnknownParameter => {}
        ProblemKind::DuplicateParameter => assert!(allowed.contains(&parameter), "{e:?}"),
        other => panic!("unexpected kind {other:?}: {e:?}"),
    }
}

fn check_parameter_error(e: &ApiError, name: &str) {
    assert_eq!(e.status, 400, "{e:?}");
    assert_eq!(e.kind, ProblemKind::InvalidParameter, "{e:?}");
    assert_eq!(e.parameter.as_deref(), Some(name), "{e:?}");
    assert!(e.index.is_none(), "{e:?}");
    assert!(e.detail.len() <= 2048, "detail of {} bytes", e.detail.len());
}

fn check_coordinate(axis: Axis, text: &str) {
    match parse_coordinate(axis, text) {
        Ok(value) => {
            assert!(value.is_finite(), "{text:?} -> {value}");
            assert!(value.abs() <= axis.limit(), "{text:?} -> {value}");
            assert!(
                !(value == 0.0 && value.is_sign_negative()),
                "{text:?} -> -0"
            );
            assert!(!text.is_empty());
        }
        Err(e) => check_parameter_error(&e, axis.name()),
    }
}

fn check_date(text: &str) {
    match parse_date("at", text) {
        Ok(date) => assert_eq!(date.to_string(), text, "a date prints back as given"),
        Err(e) => check_parameter_error(&e, "at"),
    }
}
