//! Inputs that fuzzing (`fuzz/`, `.ci/fuzz.sh`) showed to be mishandled, each
//! called the way its fuzz target calls it, asserting the proper answer.

use dezone::{
    geodata::{self, GeodataError},
    http::{locate::batch_points, problem::ProblemKind},
};
use serde_json::{Value, json};

/// A zone file of one feature, `zone-1`, with `geometry` and every required property.
fn zone_file(geometry: &Value) -> String {
    json!({
        "type": "FeatureCollection",
        "features": [{
            "type": "Feature",
            "id": "zone-1",
            "geometry": geometry,
            "properties": {
                "number": 1,
                "name": "Zone 1",
                "provinces": ["Idlib"],
                "description": "fuzzed outline",
                "guarantors": ["Russia", "Iran", "Turkey"],
                "signed": "2017-05-04",
                "in_force": "2017-05-06",
                "source": "fuzz"
            }
        }]
    })
    .to_string()
}

/// Asserts that loading `geometry` is refused, naming the feature.
fn assert_refused(geometry: &Value) {
    match geodata::parse("fuzz.geojson", &zone_file(geometry)) {
        Err(GeodataError::Feature { feature, .. }) => assert_eq!(feature, "zone-1"),
        Err(other) => panic!("refused, but not for the feature: {other}"),
        Ok(zones) => panic!(
            "accepted, with an area of {} km²",
            zones.first().map_or(f64::NAN, |z| z.area_km2)
        ),
    }
}

/// Three points on one parallel: the outer ring encloses no area.
const FLAT_RING: [[f64; 2]; 4] = [[36.0, 35.0], [36.5, 35.0], [37.0, 35.0], [36.0, 35.0]];

#[test]
fn a_zone_whose_outer_ring_is_a_straight_line_is_refused() {
    // Accepted today with 5.2 km²: the geodesic sliver between the line's
    // geodesics, while the point index sees no area at all.
    assert_refused(&json!({"type": "Polygon", "coordinates": [FLAT_RING]}));
}

#[test]
fn a_zone_with_a_hole_beside_its_flat_outer_ring_is_refused_not_given_a_negative_area() {
    // geodata_shapes found this (as 10 bytes): accepted today, `dezone validate`
    // printing an area of -501.2 km².
    let hole = [[36.2, 35.0], [36.0, 35.5], [36.0, 35.0], [36.2, 35.0]];
    assert_refused(&json!({"type": "Polygon", "coordinates": [FLAT_RING, hole]}));
}

#[test]
fn a_multipolygon_part_whose_outer_ring_is_one_point_is_refused_without_a_panic() {
    // geodata_shapes found this: geo's validation relates the two parts and
    // trips a debug assertion on the zero-dimensional one, so a debug build
    // (tests, `cargo run`) panics; a release build refuses the file ("polygons
    // at indices 0 and 1 touch on a line").
    let triangle = [[36.0, 35.0], [36.7, 35.75], [36.75, 35.75], [36.0, 35.0]];
    let point = [[36.0, 35.0]; 4];
    let hole = [[36.0, 35.0], [36.75, 35.3], [36.25, 35.65], [36.0, 35.0]];
    assert_refused(&json!({
        "type": "MultiPolygon",
        "coordinates": [[triangle], [point, hole]]
    }));
}

/// The longest problem `detail` a bad body should produce: the HTTP tests
/// hold whole problem bodies under 2,000 bytes.
const SHORT: usize = 1_000;

#[test]
fn a_batch_body_with_a_long_bad_string_is_refused_with_a_short_detail() {
    let long = "A".repeat(100_000);
    for body in [
        format!(r#"{{"type":"{long}"}}"#),
        format!(r#"{{"type":"Point","coordinates":"{long}"}}"#),
        format!(r#"{{"type":"FeatureCollection","features":[{{"type":"{long}"}}]}}"#),
    ] {
        let Err(e) = batch_points(body.as_bytes(), 10) else {
            panic!("accepted a body whose type is 100,000 A's");
        };
        assert_eq!(e.status, 400, "{}", head(&e.detail));
        assert_eq!(e.kind, ProblemKind::InvalidBody);
        assert!(
            e.detail.len() <= SHORT,
            "detail of {} bytes: {}…",
            e.detail.len(),
            head(&e.detail)
        );
    }
}

fn head(text: &str) -> String {
    text.chars().take(200).collect()
}
