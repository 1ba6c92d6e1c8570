//! The HTTP API end to end, in-process: `router(state)` driven with
//! `tower::ServiceExt::oneshot` over the four boxes of
//! `tests/fixtures/boxes.geojson` (exact, data-independent answers), plus a
//! few answers on the embedded real data.
//!
//! The boxes (lon × lat): idlib 36.2–37.0 × 35.5–36.3, northern-homs
//! 36.45–36.85 × 34.78–35.0, eastern-ghouta 36.33–36.45 × 33.49–33.6,
//! southern 35.9–36.6 × 32.3–33.1.

#![allow(clippy::unwrap_used, clippy::float_cmp, clippy::too_many_lines)]

mod common;

use axum::{
    body::Body,
    http::{Method, StatusCode, header},
};
use common::{
    Answer, app, app_default_limits, app_embedded, assert_item_problem, assert_parameter_problem,
    assert_problem, get, get_with, post_as, post_json, request, send,
};
use geo::{Distance, Geodesic, Point};
use serde_json::{Value, json};

const IDS: [&str; 4] = ["idlib", "northern-homs", "eastern-ghouta", "southern"];

/// One point inside each box.
const IN_IDLIB: [f64; 2] = [36.6, 35.9];
const IN_HOMS: [f64; 2] = [36.6, 34.9];
const IN_GHOUTA: [f64; 2] = [36.4, 33.55];
const IN_SOUTHERN: [f64; 2] = [36.2, 32.7];

/// Geodesic distance between two lon/lat points, km.
fn geodesic_km(a: [f64; 2], b: [f64; 2]) -> f64 {
    Geodesic.distance(Point::new(a[0], a[1]), Point::new(b[0], b[1])) / 1000.0
}

#[track_caller]
fn assert_km(actual: &Value, expected: f64) {
    let actual = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{actual} is not a number"));
    assert!(
        (actual - expected).abs() <= 0.001,
        "distance {actual} km, expected {expected} km (within 1 m)"
    );
}

#[track_caller]
fn assert_json_ok(answer: &Answer) -> Value {
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "body: {}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.content_type(), "application/json");
    answer.json()
}

async fn locate(lon: f64, lat: f64) -> Value {
    assert_json_ok(&get(&app(), &format!("/locate?lon={lon}&lat={lat}")).await)
}

// ---------------------------------------------------------------------------
// GET /locate: answers

#[tokio::test]
async fn point_inside_a_box_names_the_zone_and_the_distance_to_its_edge() {
    // 0.02° north of idlib's southern edge; every other edge is ≥ 30 km away.
    let here = [36.6, 35.52];
    let answer = locate(here[0], here[1]).await;
    assert_eq!(answer["point"], json!({"lon": 36.6, "lat": 35.52}));
    assert_eq!(answer["inside"], true);
    let zones = answer["zones"].as_array().unwrap();
    assert_eq!(zones.len(), 1);
    assert_eq!(zones[0]["id"], "idlib");
    assert_eq!(zones[0]["number"], 1);
    assert_eq!(zones[0]["name"], "Idlib");
    assert_km(
        &zones[0]["distance_to_boundary_km"],
        geodesic_km(here, [36.6, 35.5]),
    );
    assert_eq!(answer["nearest"]["id"], "idlib");
    assert_eq!(answer["nearest"]["number"], 1);
    assert_eq!(answer["nearest"]["name"], "Idlib");
    assert_eq!(answer["nearest"]["distance_km"], 0.0);
}

#[tokio::test]
async fn each_box_holds_its_own_interior_point() {
    for (point, id) in [IN_IDLIB, IN_HOMS, IN_GHOUTA, IN_SOUTHERN]
        .into_iter()
        .zip(IDS)
    {
        let answer = locate(point[0], point[1]).await;
        assert_eq!(answer["inside"], true, "{point:?}");
        assert_eq!(answer["zones"][0]["id"], id, "{point:?}");
        assert!(
            answer["zones"][0]["distance_to_boundary_km"]
                .as_f64()
                .unwrap()
                > 0.0
        );
        assert_eq!(answer["nearest"]["id"], id);
    }
}

#[tokio::test]
async fn point_outside_every_box_names_the_nearest_zone_and_its_distance() {
    // 0.1° due south of idlib's southern edge (lat 35.5); homs is 0.4° south.
    let here = [36.6, 35.4];
    let answer = locate(here[0], here[1]).await;
    assert_eq!(answer["inside"], false);
    assert_eq!(answer["zones"], json!([]));
    assert_eq!(answer["nearest"]["id"], "idlib");
    assert_eq!(answer["nearest"]["number"], 1);
    assert_km(
        &answer["nearest"]["distance_km"],
        geodesic_km(here, [36.6, 35.5]),
    );
}

#[tokio::test]
async fn point_due_north_of_a_box_measures_along_the_meridian() {
    // 0.05° north of southern's northern edge (lat 33.1); ghouta is 0.39° north.
    let here = [36.0, 33.15];
    let answer = locate(here[0], here[1]).await;
    assert_eq!(answer["inside"], false);
    assert_eq!(answer["nearest"]["id"], "southern");
    assert_km(
        &answer["nearest"]["distance_km"],
        geodesic_km(here, [36.0, 33.1]),
    );
}

#[tokio::test]
async fn point_on_a_box_edge_counts_as_inside_at_distance_zero() {
    let answer = locate(36.6, 35.5).await;
    assert_eq!(answer["inside"], true);
    assert_eq!(answer["zones"][0]["id"], "idlib");
    assert_eq!(answer["zones"][0]["distance_to_boundary_km"], 0.0);
    assert_eq!(answer["nearest"]["distance_km"], 0.0);
}

#[tokio::test]
async fn point_on_a_box_vertex_counts_as_inside_at_distance_zero() {
    for (lon, lat, id) in [
        (36.2, 35.5, "idlib"),
        (37.0, 36.3, "idlib"),
        (36.45, 33.49, "eastern-ghouta"),
        (35.9, 33.1, "southern"),
    ] {
        let answer = locate(lon, lat).await;
        assert_eq!(answer["inside"], true, "({lon}, {lat})");
        assert_eq!(answer["zones"][0]["id"], id);
        assert_eq!(answer["zones"][0]["distance_to_boundary_km"], 0.0);
        assert_eq!(answer["nearest"]["distance_km"], 0.0);
    }
}

#[tokio::test]
async fn far_away_point_gets_the_nearest_zone_at_a_large_distance() {
    let answer = locate(0.0, 0.0).await;
    assert_eq!(answer["inside"], false);
    assert_eq!(answer["zones"], json!([]));
    assert_eq!(answer["nearest"]["id"], "southern");
    // From (0, 0) the south-western corner of the southern box is its nearest point.
    let expected = geodesic_km([0.0, 0.0], [35.9, 32.3]);
    assert!(expected > 4000.0);
    assert_km(&answer["nearest"]["distance_km"], expected);
}

#[tokio::test]
async fn negative_zero_longitude_answers_as_zero() {
    let answer = get(&app(), "/locate?lon=-0&lat=-0.0").await;
    let body = assert_json_ok(&answer);
    let lon = body["point"]["lon"].as_f64().unwrap();
    let lat = body["point"]["lat"].as_f64().unwrap();
    assert!(lon == 0.0 && lon.is_sign_positive(), "lon {lon}");
    assert!(lat == 0.0 && lat.is_sign_positive(), "lat {lat}");
    assert!(!answer.text().contains("-0"), "{}", answer.text());
}

#[tokio::test]
async fn the_range_limits_themselves_are_accepted() {
    let app = app();
    for query in [
        "lon=180&lat=0",
        "lon=-180&lat=0",
        "lon=0&lat=90",
        "lon=0&lat=-90",
        "lon=180&lat=-90",
        "lon=%2B36.6&lat=3.59e1",
    ] {
        let answer = get(&app, &format!("/locate?{query}")).await;
        let body = assert_json_ok(&answer);
        assert!(body["nearest"]["id"].is_string(), "{query}: {body}");
    }
}

#[tokio::test]
async fn locate_sets_cors_and_json_headers() {
    let answer = get_with(
        &app(),
        "/locate?lon=36.6&lat=35.9",
        &[("origin", "https://example.org")],
    )
    .await;
    assert_json_ok(&answer);
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
}

// ---------------------------------------------------------------------------
// GET /locate: bad input

/// Each case: a query string → a 400 problem of `slug` naming `parameter`.
macro_rules! bad_locate_query {
    ($($name:ident: $query:expr => $slug:literal, $parameter:literal;)*) => {$(
        #[tokio::test]
        async fn $name() {
            let answer = get(&app(), &format!("/locate?{}", $query)).await;
            let problem = assert_parameter_problem(&answer, $slug, $parameter, "/locate");
            let detail = problem["detail"].as_str().unwrap();
            assert!(detail.len() < 600, "detail is short: {} bytes", detail.len());
            if $slug == "invalid-parameter" || $slug == "missing-parameter" {
                let range = if $parameter == "lon" { "between -180 and 180" } else { "between -90 and 90" };
                assert!(detail.contains(range), "detail says what was expected: {detail}");
            }
        }
    )*};
}

bad_locate_query! {
    missing_lon_is_a_missing_parameter: "lat=35.9" => "missing-parameter", "lon";
    missing_lat_is_a_missing_parameter: "lon=36.6" => "missing-parameter", "lat";
    no_query_at_all_asks_for_lon_first: "" => "missing-parameter", "lon";
    empty_lon_is_invalid: "lon=&lat=35.9" => "invalid-parameter", "lon";
    empty_lat_is_invalid: "lon=36.6&lat=" => "invalid-parameter", "lat";
    non_numeric_lon_is_invalid: "lon=abc&lat=35.9" => "invalid-parameter", "lon";
    nan_lon_is_invalid: "lon=NaN&lat=35.9" => "invalid-parameter", "lon";
    nan_lat_is_invalid: "lon=36.6&lat=nan" => "invalid-parameter", "lat";
    inf_lon_is_invalid: "lon=inf&lat=35.9" => "invalid-parameter", "lon";
    negative_inf_lon_is_invalid: "lon=-inf&lat=35.9" => "invalid-parameter", "lon";
    infinity_lat_is_invalid: "lon=36.6&lat=infinity" => "invalid-parameter", "lat";
    overflowing_exponent_lon_is_invalid: "lon=1e999&lat=35.9" => "invalid-parameter", "lon";
    hex_lon_is_invalid: "lon=0x10&lat=35.9" => "invalid-parameter", "lon";
    lon_with_a_leading_space_is_invalid: "lon=%2036&lat=35.9" => "invalid-parameter", "lon";
    lon_with_a_plus_decoded_as_space_is_invalid: "lon=+36&lat=35.9" => "invalid-parameter", "lon";
    lon_with_a_comma_decimal_is_invalid: "lon=36,6&lat=35.9" => "invalid-parameter", "lon";
    lon_181_is_out_of_range: "lon=181&lat=35.9" => "invalid-parameter", "lon";
    lon_just_below_minus_180_is_out_of_range: "lon=-180.0001&lat=35.9" => "invalid-parameter", "lon";
    lat_91_is_out_of_range: "lon=36.6&lat=91" => "invalid-parameter", "lat";
    lat_minus_90_point_5_is_out_of_range: "lon=36.6&lat=-90.5" => "invalid-parameter", "lat";
    lat_given_twice_is_a_duplicate: "lon=36.6&lat=35.9&lat=35.9" => "duplicate-parameter", "lat";
    lon_given_twice_even_with_empty_value_is_a_duplicate: "lon=36.6&lat=35.9&lon=" => "duplicate-parameter", "lon";
    unknown_parameter_foo_is_refused: "lon=36.6&lat=35.9&foo=1" => "unknown-parameter", "foo";
    invalid_utf8_in_lon_is_invalid: "lon=%FF&lat=35.9" => "invalid-parameter", "lon";
    very_long_lon_of_digits_is_invalid: format!("lon={}&lat=35.9", "1".repeat(10_000)) => "invalid-parameter", "lon";
    very_long_lon_of_letters_is_invalid: format!("lon={}&lat=35.9", "a".repeat(10_000)) => "invalid-parameter", "lon";
}

#[tokio::test]
async fn unknown_parameter_lng_suggests_lon() {
    let answer = get(&app(), "/locate?lng=36.6&lat=35.9").await;
    let problem = assert_parameter_problem(&answer, "unknown-parameter", "lng", "/locate");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("did you mean `lon`"),
        "{problem}"
    );
}

#[tokio::test]

async fn unknown_parameter_foo_gets_no_misleading_suggestion() {
    let answer = get(&app(), "/locate?lon=36.6&lat=35.9&foo=1").await;
    let problem = assert_parameter_problem(&answer, "unknown-parameter", "foo", "/locate");
    assert!(
        !problem["detail"].as_str().unwrap().contains("did you mean"),
        "{problem}"
    );
}

#[tokio::test]
async fn uppercase_lat_is_unknown_and_suggests_lat() {
    let answer = get(&app(), "/locate?lon=36.6&LAT=35.9").await;
    let problem = assert_parameter_problem(&answer, "unknown-parameter", "LAT", "/locate");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("did you mean `lat`"),
        "{problem}"
    );
}

#[tokio::test]
async fn latitude_spelt_out_suggests_lat() {
    let answer = get(&app(), "/locate?lon=36.6&latitude=35.9").await;
    let problem = assert_parameter_problem(&answer, "unknown-parameter", "latitude", "/locate");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("did you mean `lat`"),
        "{problem}"
    );
}

#[tokio::test]
async fn a_very_long_unknown_parameter_name_is_not_echoed_whole() {
    let name = "q".repeat(10_000);
    let answer = get(&app(), &format!("/locate?lon=36.6&lat=35.9&{name}=1")).await;
    let problem = assert_problem(&answer, 400, "unknown-parameter", "/locate");
    assert!(
        answer.body.len() < 1000,
        "problem is {} bytes",
        answer.body.len()
    );
    assert!(problem["parameter"].as_str().unwrap().starts_with("qqq"));
}

#[tokio::test]
async fn a_ten_kilobyte_value_is_not_echoed_whole() {
    let answer = get(
        &app(),
        &format!("/locate?lon={}&lat=35.9", "a".repeat(10_000)),
    )
    .await;
    assert_parameter_problem(&answer, "invalid-parameter", "lon", "/locate");
    assert!(
        answer.body.len() < 1000,
        "problem is {} bytes",
        answer.body.len()
    );
}

#[tokio::test]
async fn problems_are_not_cached() {
    let answer = get(&app(), "/locate?lon=181&lat=0").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.header(header::CACHE_CONTROL), Some("no-store"));
    assert_eq!(answer.header(header::ETAG), None);
}

// ---------------------------------------------------------------------------
// POST /locate: accepted forms

#[track_caller]
fn assert_results(answer: &Answer, expected: &[Option<&str>]) -> Vec<Value> {
    let body = assert_json_ok(answer);
    let results = body["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), expected.len(), "{body}");
    for (i, (result, id)) in results.iter().zip(expected).enumerate() {
        if let Some(id) = id {
            assert_eq!(result["inside"], true, "result {i}: {result}");
            assert_eq!(result["zones"][0]["id"], *id, "result {i}: {result}");
        } else {
            assert_eq!(result["inside"], false, "result {i}: {result}");
            assert_eq!(result["zones"], json!([]), "result {i}: {result}");
        }
    }
    results
}

#[tokio::test]
async fn batch_of_pairs_answers_in_input_order() {
    let body = json!([IN_SOUTHERN, [0.0, 0.0], IN_IDLIB, IN_GHOUTA, IN_HOMS]).to_string();
    let answer = post_json(&app(), "/locate", body).await;
    let results = assert_results(
        &answer,
        &[
            Some("southern"),
            None,
            Some("idlib"),
            Some("eastern-ghouta"),
            Some("northern-homs"),
        ],
    );
    assert_eq!(results[0]["point"], json!({"lon": 36.2, "lat": 32.7}));
    assert_eq!(results[1]["nearest"]["id"], "southern");
}

#[tokio::test]
async fn batch_answers_match_single_answers() {
    let app = app();
    let points = [
        IN_IDLIB,
        [36.6, 35.4],
        [36.6, 35.5],
        [0.0, 0.0],
        [36.3, 33.51],
    ];
    let batch = assert_json_ok(&post_json(&app, "/locate", json!(points).to_string()).await);
    for (i, [lon, lat]) in points.into_iter().enumerate() {
        let mut single = assert_json_ok(&get(&app, &format!("/locate?lon={lon}&lat={lat}")).await);
        // A single answer says which data answered; a batch says it once, at the top.
        assert_eq!(single["data"], batch["data"]);
        single.as_object_mut().unwrap().remove("data");
        assert_eq!(batch["results"][i], single, "point {i}");
    }
}

#[tokio::test]
async fn batch_pairs_may_carry_a_height() {
    let answer = post_json(&app(), "/locate", "[[36.6, 35.9, 120.5], [36.4, 33.55]]").await;
    assert_results(&answer, &[Some("idlib"), Some("eastern-ghouta")]);
}

#[tokio::test]
async fn batch_accepts_a_geojson_point() {
    let body = json!({"type": "Point", "coordinates": IN_HOMS}).to_string();
    assert_results(
        &post_json(&app(), "/locate", body).await,
        &[Some("northern-homs")],
    );
}

#[tokio::test]
async fn batch_accepts_a_geojson_point_with_height() {
    let body = json!({"type": "Point", "coordinates": [36.6, 34.9, 300.0]}).to_string();
    assert_results(
        &post_json(&app(), "/locate", body).await,
        &[Some("northern-homs")],
    );
}

#[tokio::test]
async fn batch_accepts_a_geojson_multipoint() {
    let body =
        json!({"type": "MultiPoint", "coordinates": [IN_GHOUTA, [0.0, 0.0], IN_IDLIB]}).to_string();
    assert_results(
        &post_json(&app(), "/locate", body).await,
        &[Some("eastern-ghouta"), None, Some("idlib")],
    );
}

#[tokio::test]
async fn batch_accepts_a_geojson_feature() {
    let body = json!({
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": IN_SOUTHERN},
        "properties": {"name": "somewhere"}
    })
    .to_string();
    assert_results(
        &post_json(&app(), "/locate", body).await,
        &[Some("southern")],
    );
}

#[tokio::test]
async fn batch_accepts_a_feature_collection_mixing_points_and_multipoints_in_order() {
    let body = json!({
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": IN_IDLIB}, "properties": null},
            {"type": "Feature", "geometry": {"type": "MultiPoint", "coordinates": [IN_HOMS, [0.0, 0.0]]}, "properties": {}},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": IN_SOUTHERN}, "properties": null},
            {"type": "Feature", "geometry": {"type": "MultiPoint", "coordinates": [IN_GHOUTA]}, "properties": null}
        ]
    })
    .to_string();
    assert_results(
        &post_json(&app(), "/locate", body).await,
        &[
            Some("idlib"),
            Some("northern-homs"),
            None,
            Some("southern"),
            Some("eastern-ghouta"),
        ],
    );
}

#[tokio::test]
async fn batch_accepts_an_empty_array() {
    let answer = post_json(&app(), "/locate", "[]").await;
    assert_eq!(assert_json_ok(&answer)["results"], json!([]));
}

#[tokio::test]
async fn batch_accepts_an_empty_feature_collection() {
    let answer = post_json(
        &app(),
        "/locate",
        r#"{"type":"FeatureCollection","features":[]}"#,
    )
    .await;
    assert_eq!(assert_json_ok(&answer)["results"], json!([]));
}

#[tokio::test]
async fn batch_accepts_geo_json_and_json_with_charset_and_no_content_type() {
    let app = app();
    for content_type in [
        Some("application/geo+json"),
        Some("application/json; charset=utf-8"),
        Some("Application/JSON"),
        None,
    ] {
        let answer = post_as(&app, "/locate", content_type, "[[36.6, 35.9]]").await;
        assert_results(&answer, &[Some("idlib")]);
    }
}

#[tokio::test]
async fn batch_of_exactly_the_limit_is_accepted() {
    let body = json!(([IN_IDLIB; 5])).to_string();
    assert_results(
        &post_json(&app(), "/locate", body).await,
        &[Some("idlib"); 5],
    );
}

#[tokio::test]
async fn batch_larger_than_the_blocking_threshold_is_answered() {
    // More than 2,000 points are answered on a blocking thread.
    let points: Vec<[f64; 2]> = (0..2_500)
        .map(|i| if i % 2 == 0 { IN_IDLIB } else { [0.0, 0.0] })
        .collect();
    let answer = post_json(&app_default_limits(), "/locate", json!(points).to_string()).await;
    let body = assert_json_ok(&answer);
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 2_500);
    assert_eq!(results[0]["zones"][0]["id"], "idlib");
    assert_eq!(results[2_499]["inside"], false);
}

// ---------------------------------------------------------------------------
// POST /locate: bad input

/// Each case: a JSON body → a 400 `invalid-body` problem without an index.
macro_rules! bad_batch_body {
    ($($name:ident: $body:expr;)*) => {$(
        #[tokio::test]
        async fn $name() {
            let answer = post_json(&app_default_limits(), "/locate", $body).await;
            let problem = assert_problem(&answer, 400, "invalid-body", "/locate");
            assert!(problem.get("parameter").is_none(), "{problem}");
            assert!(answer.body.len() < 2000, "problem is {} bytes", answer.body.len());
        }
    )*};
}

bad_batch_body! {
    empty_batch_body_is_refused: "";
    whitespace_only_batch_body_is_refused: " \n\t\r\n ";
    malformed_json_batch_body_is_refused: "[[36.6, 35.9]";
    json_number_batch_body_is_refused: "42";
    json_string_batch_body_is_refused: r#""x""#;
    json_null_batch_body_is_refused: "null";
    json_true_batch_body_is_refused: "true";
    object_that_is_not_geojson_is_refused: r#"{"points": [[36.6, 35.9]]}"#;
    geojson_with_an_unknown_type_is_refused: r#"{"type": "Circle", "coordinates": [36.6, 35.9]}"#;
    overflowing_number_in_a_pair_is_refused: "[[1e999, 0]]";
    trailing_garbage_after_json_is_refused: "[[36.6, 35.9]] x";
    deeply_nested_arrays_are_refused_not_a_crash: "[".repeat(10_000);
    deeply_nested_objects_are_refused_not_a_crash: r#"{"a":"#.repeat(5_000);
    deeply_nested_closed_arrays_are_refused_not_a_crash: format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
}

/// Each case: a JSON body → a 400 `invalid-body` problem naming item `index`.
macro_rules! bad_batch_item {
    ($($name:ident: $body:expr => $index:expr;)*) => {$(
        #[tokio::test]
        async fn $name() {
            let answer = post_json(&app(), "/locate", $body).await;
            assert_item_problem(&answer, $index);
        }
    )*};
}

bad_batch_item! {
    item_with_one_number_is_refused_by_index: "[[36.6, 35.9], [1]]" => 1;
    item_with_four_numbers_is_refused_by_index: "[[36.6, 35.9], [36.6, 35.9], [1, 2, 3, 4]]" => 2;
    item_of_strings_is_refused_by_index: r#"[["a", "b"]]"# => 0;
    item_with_lon_200_is_refused_by_index: "[[36.6, 35.9], [200, 0]]" => 1;
    item_with_lat_minus_91_is_refused_by_index: "[[36.6, 35.9], [36.6, 35.9], [36.6, 35.9], [0, -91]]" => 3;
    item_that_is_an_object_is_refused_by_index: r#"[[36.6, 35.9], {"lon": 36.6, "lat": 35.9}]"# => 1;
    item_that_is_null_is_refused_by_index: "[null]" => 0;
    item_with_a_null_coordinate_is_refused_by_index: "[[36.6, 35.9], [36.6, null]]" => 1;
    empty_item_is_refused_by_index: "[[36.6, 35.9], []]" => 1;
    linestring_geometry_is_refused: r#"{"type": "LineString", "coordinates": [[36.6, 35.9], [36.7, 35.9]]}"# => 0;
    polygon_geometry_is_refused: r#"{"type": "Polygon", "coordinates": [[[36, 35], [37, 35], [37, 36], [36, 35]]]}"# => 0;
    geometry_collection_is_refused: r#"{"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [36.6, 35.9]}]}"# => 0;
    feature_with_null_geometry_is_refused: r#"{"type": "Feature", "geometry": null, "properties": {}}"# => 0;
    feature_collection_with_a_polygon_feature_names_its_index: r#"{"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 35.9]}, "properties": null},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 35.9]}, "properties": null},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[36, 35], [37, 35], [37, 36], [36, 35]]]}, "properties": null}
    ]}"# => 2;
    feature_collection_with_a_geometryless_feature_names_its_index: r#"{"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 35.9]}, "properties": null},
        {"type": "Feature", "geometry": null, "properties": null}
    ]}"# => 1;
    feature_collection_with_an_out_of_range_point_names_its_index: r#"{"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 35.9]}, "properties": null},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 95]}, "properties": null}
    ]}"# => 1;
    geojson_point_out_of_range_is_refused: r#"{"type": "Point", "coordinates": [-181, 0]}"# => 0;
}

#[tokio::test]
async fn feature_without_a_geometry_member_is_refused() {
    let answer = post_json(
        &app(),
        "/locate",
        r#"{"type": "Feature", "properties": {}}"#,
    )
    .await;
    assert_problem(&answer, 400, "invalid-body", "/locate");
}

#[tokio::test]
async fn item_detail_says_what_was_expected() {
    let answer = post_json(&app(), "/locate", "[[36.6, 35.9], [200, 0]]").await;
    let problem = assert_item_problem(&answer, 1);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("lon") && detail.contains("between -180 and 180"),
        "{detail}"
    );
}

#[tokio::test]

async fn bad_position_in_a_multipoint_is_refused_by_its_position() {
    let app = app();
    for body in [
        r#"{"type": "MultiPoint", "coordinates": [[36.6, 35.9], [36.6, 35.9], [200, 0]]}"#,
        r#"{"type": "MultiPoint", "coordinates": [[36.6, 35.9], [36.6, 35.9], [1, 2, 3, 4]]}"#,
    ] {
        let answer = post_json(&app, "/locate", body).await;
        assert_item_problem(&answer, 2);
    }
}

#[tokio::test]
async fn more_points_than_the_batch_limit_is_too_large() {
    let app = app();
    let pairs = json!(([IN_IDLIB; 6])).to_string();
    let multipoint = json!({"type": "MultiPoint", "coordinates": ([IN_IDLIB; 6])}).to_string();
    let collection = json!({
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "MultiPoint", "coordinates": ([IN_IDLIB; 3])}, "properties": null},
            {"type": "Feature", "geometry": {"type": "MultiPoint", "coordinates": ([IN_IDLIB; 3])}, "properties": null}
        ]
    })
    .to_string();
    for body in [pairs, multipoint, collection] {
        let answer = post_json(&app, "/locate", body.clone()).await;
        let problem = assert_problem(&answer, 413, "payload-too-large", "/locate");
        assert!(
            problem["detail"].as_str().unwrap().contains('5'),
            "detail gives the limit: {problem}"
        );
    }
}

#[tokio::test]
async fn body_larger_than_the_byte_limit_is_too_large() {
    // 4 points padded with whitespace past 4096 bytes.
    let body = format!("[[36.6, 35.9]{}]", " ".repeat(5_000));
    let answer = post_json(&app(), "/locate", body).await;
    let problem = assert_problem(&answer, 413, "payload-too-large", "/locate");
    assert!(
        problem["detail"].as_str().unwrap().contains("4096"),
        "{problem}"
    );
}

#[tokio::test]
async fn body_larger_than_the_byte_limit_without_content_type_is_too_large() {
    let answer = post_as(&app(), "/locate", None, " ".repeat(10_000)).await;
    assert_problem(&answer, 413, "payload-too-large", "/locate");
}

#[tokio::test]
async fn text_plain_and_form_bodies_are_unsupported_media_types() {
    let app = app();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "text/plain; charset=utf-8",
        "application/jsonp",
        "multipart/form-data; boundary=x",
    ] {
        let answer = post_as(&app, "/locate", Some(content_type), "[[36.6, 35.9]]").await;
        assert_unsupported_saying(&answer, "application/json");
    }
}

#[tokio::test]
async fn a_json_body_in_another_charset_than_utf8_is_an_unsupported_media_type() {
    let app = app();
    for content_type in [
        "application/json; charset=utf-16",
        "application/geo+json;charset=\"ISO-8859-1\"",
    ] {
        let answer = post_as(&app, "/locate", Some(content_type), "[[36.6, 35.9]]").await;
        assert_unsupported_saying(&answer, "UTF-8");
    }
    for content_type in [
        "application/json; charset=utf-8",
        "application/json; charset=\"UTF-8\"",
        "application/geo+json; profile=x",
    ] {
        let answer = post_as(&app, "/locate", Some(content_type), "[[36.6, 35.9]]").await;
        assert_eq!(answer.status, StatusCode::OK, "{content_type}");
    }
}

#[tokio::test]
async fn a_body_too_large_closes_the_connection_and_says_so() {
    let body = format!("[[36.6, 35.9]{}]", " ".repeat(5_000));
    let answer = post_json(&app(), "/locate", body).await;
    assert_problem(&answer, 413, "payload-too-large", "/locate");
    assert_eq!(answer.headers["connection"], "close");
}

/// A 415 problem for `POST /locate` whose detail says `says`, naming what
/// the resource takes in its headers.
fn assert_unsupported_saying(answer: &Answer, says: &str) {
    let problem = assert_problem(answer, 415, "unsupported-media-type", "/locate");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains(says), "detail says {says:?}: {problem}");
    assert_eq!(
        answer.headers["accept-post"],
        "application/json, application/geo+json"
    );
    assert_eq!(answer.headers["accept-encoding"], "identity");
}

#[tokio::test]
async fn a_compressed_batch_body_is_an_unsupported_media_type() {
    let app = app();
    for coding in ["gzip", "br", "identity, gzip"] {
        let headers = [
            ("content-type", "application/json"),
            ("content-encoding", coding),
        ];
        let answer = send(
            &app,
            request(Method::POST, "/locate", &headers, "[[36.6, 35.9]]"),
        )
        .await;
        assert_unsupported_saying(&answer, "Content-Encoding");
    }
    let headers = [
        ("content-type", "application/json"),
        ("content-encoding", "identity"),
    ];
    let answer = send(
        &app,
        request(Method::POST, "/locate", &headers, "[[36.6, 35.9]]"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_query_parameter_on_a_batch_is_refused() {
    let answer = post_json(&app(), "/locate?lon=36.6", "[[36.6, 35.9]]").await;
    assert_parameter_problem(&answer, "unknown-parameter", "lon", "/locate");
    let answer = post_json(&app(), "/locate?format=csv", "[[36.6, 35.9]]").await;
    assert_parameter_problem(&answer, "unknown-parameter", "format", "/locate");
}

// ---------------------------------------------------------------------------
// Zones: metadata

#[tokio::test]
async fn zones_lists_the_four_zones_in_number_order_with_every_member() {
    let answer = get(&app(), "/zones").await;
    let body = assert_json_ok(&answer);
    let zones = body["zones"].as_array().unwrap();
    assert_eq!(zones.len(), 4);
    for (i, (zone, id)) in zones.iter().zip(IDS).enumerate() {
        assert_eq!(zone["id"], id);
        assert_eq!(zone["number"], i + 1);
        assert_zone_metadata(zone);
    }
    let rels: Vec<&str> = body["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    assert!(
        rels.contains(&"self") && rels.contains(&"alternate"),
        "{rels:?}"
    );
}

#[track_caller]
fn assert_zone_metadata(zone: &Value) {
    let id = zone["id"].as_str().unwrap();
    for member in ["name", "description", "source"] {
        assert!(
            zone[member].as_str().is_some_and(|s| !s.is_empty()),
            "{id}: {member}"
        );
    }
    assert!(
        zone["number"]
            .as_u64()
            .is_some_and(|n| (1..=4).contains(&n)),
        "{id}: number"
    );
    for member in ["provinces", "guarantors"] {
        let list = zone[member]
            .as_array()
            .unwrap_or_else(|| panic!("{id}: {member}"));
        assert!(
            !list.is_empty() && list.iter().all(Value::is_string),
            "{id}: {member}"
        );
    }
    assert_eq!(
        zone["guarantors"],
        json!(["Russia", "Iran", "Turkey"]),
        "{id}"
    );
    assert_eq!(zone["signed"], "2017-05-04", "{id}");
    assert_eq!(zone["in_force"], "2017-05-06", "{id}");
    assert!(zone["area_km2"].as_f64().unwrap() > 0.0, "{id}: area");
    let bbox: Vec<f64> = zone["bbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(bbox.len(), 4, "{id}: bbox");
    assert!(
        bbox[0] < bbox[2] && bbox[1] < bbox[3],
        "{id}: bbox {bbox:?}"
    );
    let point: Vec<f64> = zone["representative_point"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(point.len(), 2, "{id}: representative_point");
    assert!(
        (bbox[0]..=bbox[2]).contains(&point[0]) && (bbox[1]..=bbox[3]).contains(&point[1]),
        "{id}: representative_point {point:?} in bbox {bbox:?}"
    );
    let links = zone["links"].as_array().unwrap();
    let self_link = links.iter().find(|l| l["rel"] == "self").unwrap();
    assert_eq!(self_link["href"], format!("/zones/{id}"));
    assert_eq!(self_link["type"], "application/json");
    let alternate = links.iter().find(|l| l["rel"] == "alternate").unwrap();
    assert_eq!(alternate["href"], format!("/collections/zones/items/{id}"));
    assert_eq!(alternate["type"], "application/geo+json");
}

#[tokio::test]
async fn box_fixture_bboxes_and_areas_are_exact() {
    let body = assert_json_ok(&get(&app(), "/zones").await);
    let idlib = &body["zones"][0];
    assert_eq!(idlib["bbox"], json!([36.2, 35.5, 37.0, 36.3]));
    // About 0.8° × 0.8° at 35.9° N: 72 km × 89 km.
    let area = idlib["area_km2"].as_f64().unwrap();
    assert!((6000.0..7000.0).contains(&area), "{area}");
}

#[tokio::test]
async fn every_link_in_the_zone_resources_resolves() {
    let app = app();
    let mut hrefs = Vec::new();
    let list = assert_json_ok(&get(&app, "/zones").await);
    collect_hrefs(&list, &mut hrefs);
    let collection = get(&app, "/collections/zones/items").await.json();
    collect_hrefs(&collection, &mut hrefs);
    hrefs.sort();
    hrefs.dedup();
    assert!(hrefs.len() >= 10, "{hrefs:?}");
    for href in hrefs {
        let answer = get(&app, &href).await;
        assert_eq!(answer.status, StatusCode::OK, "{href}");
    }
}

fn collect_hrefs(value: &Value, hrefs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(href)) = map.get("href") {
                hrefs.push(href.clone());
            }
            map.values().for_each(|v| collect_hrefs(v, hrefs));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_hrefs(v, hrefs)),
        _ => {}
    }
}

#[tokio::test]
async fn each_zone_has_its_own_metadata_resource_equal_to_its_list_entry() {
    let app = app();
    let list = assert_json_ok(&get(&app, "/zones").await);
    for (i, id) in IDS.into_iter().enumerate() {
        let zone = assert_json_ok(&get(&app, &format!("/zones/{id}")).await);
        assert_eq!(zone["id"], id);
        assert_zone_metadata(&zone);
        assert_eq!(zone, list["zones"][i], "{id}");
    }
}

#[tokio::test]
async fn unknown_zone_id_is_a_not_found_problem_listing_the_zones() {
    let app = app();
    for path in [
        "/zones/aleppo",
        "/zones/Idlib",
        "/zones/idlib%20",
        "/collections/zones/items/aleppo",
    ] {
        let answer = get(&app, path).await;
        let problem = assert_problem(&answer, 404, "not-found", path);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("eastern-ghouta"),
            "{problem}"
        );
    }
}

#[tokio::test]
async fn path_traversal_in_a_zone_id_is_a_not_found_problem() {
    let app = app();
    for path in [
        "/zones/..%2f..%2fetc",
        "/zones/..%2F..%2Fetc%2Fpasswd",
        "/collections/zones/items/..%2f..%2fCargo.toml",
        "/zones/%2e%2e",
        "/docs/..%2f..%2fCargo.toml",
    ] {
        let answer = get(&app, path).await;
        assert_problem(&answer, 404, "not-found", path);
        assert!(!answer.text().contains("[package]"), "{path} served a file");
    }
}

#[tokio::test]
async fn query_parameters_on_zone_resources_are_refused() {
    let app = app();
    for path in ["/zones", "/zones/idlib", "/collections/zones/items/idlib"] {
        let answer = get(&app, &format!("{path}?limit=1")).await;
        assert_parameter_problem(&answer, "unknown-parameter", "limit", path);
    }
    let answer = get(&app, "/collections/zones/items?foo=1").await;
    assert_parameter_problem(
        &answer,
        "unknown-parameter",
        "foo",
        "/collections/zones/items",
    );
}

// ---------------------------------------------------------------------------
// Zones: GeoJSON

#[tokio::test]
async fn zone_items_are_a_geojson_feature_collection_of_four_features() {
    let answer = get(&app(), "/collections/zones/items").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type(), "application/geo+json");
    let body = answer.json();
    assert_eq!(body["type"], "FeatureCollection");
    assert_eq!(body["numberReturned"], 4);
    assert_eq!(body["numberMatched"], 4);
    let features = body["features"].as_array().unwrap();
    assert_eq!(features.len(), 4);
    for (feature, id) in features.iter().zip(IDS) {
        assert_feature(feature, id);
    }
    // The body is GeoJSON a GeoJSON reader accepts.
    let parsed: geojson::GeoJson = answer.text().parse().unwrap();
    assert!(matches!(parsed, geojson::GeoJson::FeatureCollection(_)));
}

#[track_caller]
fn assert_feature(feature: &Value, id: &str) {
    assert_eq!(feature["type"], "Feature", "{id}");
    assert_eq!(feature["id"], id);
    let kind = feature["geometry"]["type"].as_str().unwrap();
    assert!(kind == "Polygon" || kind == "MultiPolygon", "{id}: {kind}");
    assert!(feature["geometry"]["coordinates"].is_array(), "{id}");
    let properties = &feature["properties"];
    assert!(properties.is_object(), "{id}: properties");
    assert!(
        properties["name"].is_string() && properties["number"].is_u64(),
        "{id}"
    );
    assert!(
        properties.get("id").is_none() || properties["id"] == id,
        "{id}"
    );
    assert_eq!(feature["bbox"].as_array().unwrap().len(), 4, "{id}");
}

#[tokio::test]
async fn each_zone_item_is_a_geojson_feature_equal_to_its_collection_entry() {
    let app = app();
    let collection = get(&app, "/collections/zones/items").await.json();
    for (i, id) in IDS.into_iter().enumerate() {
        let answer = get(&app, &format!("/collections/zones/items/{id}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{id}");
        assert_eq!(answer.content_type(), "application/geo+json");
        let feature = answer.json();
        assert_feature(&feature, id);
        assert_eq!(feature, collection["features"][i], "{id}");
    }
}

#[tokio::test]
async fn box_geometry_comes_back_as_given() {
    let feature = get(&app(), "/collections/zones/items/eastern-ghouta")
        .await
        .json();
    assert_eq!(feature["geometry"]["type"], "Polygon");
    let ring = feature["geometry"]["coordinates"][0].as_array().unwrap();
    assert_eq!(ring.len(), 5);
    assert_eq!(ring.first(), ring.last());
    let mut corners: Vec<(f64, f64)> = ring[..4]
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    corners.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(
        corners,
        vec![(36.33, 33.49), (36.33, 33.6), (36.45, 33.49), (36.45, 33.6)]
    );
}

// ---------------------------------------------------------------------------
// Caching

const CACHED: [&str; 5] = [
    "/zones",
    "/zones/idlib",
    "/collections/zones/items",
    "/collections/zones/items/southern",
    "/api",
];

#[tokio::test]
async fn zone_resources_and_the_api_carry_an_etag_and_cache_control() {
    let app = app();
    for path in CACHED {
        let answer = get(&app, path).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        let etag = answer
            .header(header::ETAG)
            .unwrap_or_else(|| panic!("{path}: no ETag"));
        assert!(etag.ends_with('"') && etag.contains('"'), "{path}: {etag}");
        let cache = answer
            .header(header::CACHE_CONTROL)
            .unwrap_or_else(|| panic!("{path}: no Cache-Control"));
        assert!(cache.contains("max-age"), "{path}: {cache}");
    }
}

#[tokio::test]
async fn if_none_match_with_the_etag_is_not_modified_with_an_empty_body() {
    let app = app();
    for path in CACHED {
        let etag = get(&app, path)
            .await
            .header(header::ETAG)
            .unwrap()
            .to_owned();
        let answer = get_with(&app, path, &[("if-none-match", &etag)]).await;
        assert_eq!(answer.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(answer.body.is_empty(), "{path}: 304 has a body");
        assert_eq!(answer.header(header::ETAG), Some(etag.as_str()), "{path}");
        // Strong form and in a list also match (weak comparison).
        let strong = etag.trim_start_matches("W/");
        let listed = format!("\"other\", {strong}");
        let answer = get_with(&app, path, &[("if-none-match", &listed)]).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_MODIFIED,
            "{path} with {listed}"
        );
    }
}

#[tokio::test]
async fn if_none_match_with_another_tag_is_answered_in_full() {
    let app = app();
    for path in CACHED {
        let answer = get_with(&app, path, &[("if-none-match", "W/\"0123456789abcdef\"")]).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert!(!answer.body.is_empty(), "{path}");
    }
}

#[tokio::test]
async fn if_none_match_star_is_not_modified() {
    let app = app();
    for path in CACHED {
        let answer = get_with(&app, path, &[("if-none-match", "*")]).await;
        assert_eq!(answer.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(answer.body.is_empty(), "{path}");
    }
}

#[tokio::test]
async fn etags_differ_between_resources_and_are_stable() {
    let app = app();
    let mut paths: Vec<String> = CACHED.iter().map(|p| (*p).to_owned()).collect();
    for id in IDS {
        paths.push(format!("/zones/{id}"));
        paths.push(format!("/collections/zones/items/{id}"));
    }
    paths.sort();
    paths.dedup();
    let mut tags = Vec::new();
    for path in &paths {
        let first = get(&app, path)
            .await
            .header(header::ETAG)
            .unwrap()
            .to_owned();
        let second = get(&app, path)
            .await
            .header(header::ETAG)
            .unwrap()
            .to_owned();
        assert_eq!(first, second, "{path}");
        tags.push(first);
    }
    let mut unique = tags.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), tags.len(), "{paths:?} → {tags:?}");
}

#[tokio::test]
async fn health_reports_the_data_version_the_answers_carry() {
    let app = app();
    let health = assert_json_ok(&get(&app, "/healthz").await);
    let zones = assert_json_ok(&get(&app, "/zones").await);
    let located = assert_json_ok(&get(&app, "/locate?lon=36.6&lat=35.9").await);
    assert!(
        health["data_version"]
            .as_str()
            .is_some_and(|v| v.len() == 16)
    );
    assert_eq!(zones["data"]["version"], health["data_version"]);
    assert_eq!(located["data"]["version"], health["data_version"]);
}

// ---------------------------------------------------------------------------
// HEAD

#[tokio::test]
async fn head_on_get_routes_answers_200_without_a_body() {
    let app = app();
    for path in [
        "/locate?lon=36.6&lat=35.9",
        "/zones",
        "/zones/idlib",
        "/collections/zones/items",
        "/collections/zones/items/idlib",
        "/api",
        "/healthz",
        "/problems/invalid-parameter",
        "/docs/",
    ] {
        let get_answer = get(&app, path).await;
        let answer = send(&app, request(Method::HEAD, path, &[], Body::empty())).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert!(answer.body.is_empty(), "{path}: HEAD has a body");
        assert_eq!(
            answer.header(header::CONTENT_TYPE),
            get_answer.header(header::CONTENT_TYPE),
            "{path}"
        );
    }
}

#[tokio::test]
async fn head_with_a_bad_query_is_a_400_without_a_body() {
    let answer = send(
        &app(),
        request(Method::HEAD, "/locate?lon=999&lat=0", &[], Body::empty()),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer.header(header::CONTENT_TYPE),
        Some("application/problem+json")
    );
    assert!(answer.body.is_empty(), "HEAD has a body: {}", answer.text());
}

// ---------------------------------------------------------------------------
// CORS

#[tokio::test]
async fn any_origin_may_read_zone_resources_and_their_etag() {
    let answer = get_with(&app(), "/zones", &[("origin", "https://example.org")]).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
    let exposed = answer
        .header("access-control-expose-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("etag"), "{exposed}");
}

#[tokio::test]
async fn problems_carry_cors_headers_too() {
    let answer = get_with(
        &app(),
        "/locate?lon=999&lat=0",
        &[("origin", "https://example.org")],
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn preflight_for_a_json_post_to_locate_is_allowed() {
    let answer = send(
        &app(),
        request(
            Method::OPTIONS,
            "/locate",
            &[
                ("origin", "https://example.org"),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ],
            Body::empty(),
        ),
    )
    .await;
    assert!(answer.status.is_success(), "{}", answer.status);
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
    let methods = answer.header("access-control-allow-methods").unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let headers = answer
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(headers.contains("content-type"), "{headers}");
}

// ---------------------------------------------------------------------------
// Compression

#[tokio::test]
async fn gzip_is_used_when_accepted() {
    let answer = get_with(
        &app(),
        "/collections/zones/items",
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header(header::CONTENT_ENCODING), Some("gzip"));
    assert_eq!(answer.content_type(), "application/geo+json");
    assert_eq!(&answer.body[..2], &[0x1f, 0x8b], "gzip magic");
    assert!(
        answer
            .header(header::VARY)
            .unwrap()
            .to_ascii_lowercase()
            .contains("accept-encoding")
    );
}

#[tokio::test]
async fn brotli_is_used_when_accepted() {
    // One app: the items carry the `timeStamp` of their preparation, so two
    // apps built a second apart serve different bodies and ETags.
    let app = app();
    let plain = get(&app, "/collections/zones/items").await;
    let answer = get_with(
        &app,
        "/collections/zones/items",
        &[("accept-encoding", "br")],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header(header::CONTENT_ENCODING), Some("br"));
    assert_ne!(answer.body, plain.body);
    assert_eq!(answer.header(header::ETAG), plain.header(header::ETAG));
}

#[tokio::test]
async fn no_encoding_is_used_when_none_is_accepted() {
    let answer = get(&app(), "/collections/zones/items").await;
    assert_eq!(answer.header(header::CONTENT_ENCODING), None);
    answer.json();
}

#[tokio::test]
async fn problems_are_readable_when_compression_is_accepted() {
    let app = app();
    let headers = [("accept-encoding", "gzip, br")];
    for (method, path, body) in [
        (Method::GET, "/locate?lon=999&lat=0", ""),
        (Method::GET, "/nowhere", ""),
        (Method::DELETE, "/zones", ""),
        (Method::POST, "/locate", "[[1]]"),
        (Method::GET, "/docs/nope.js", ""),
    ] {
        let mut all = headers.to_vec();
        all.push(("content-type", "application/json"));
        let answer = send(&app, request(method.clone(), path, &all, body.to_owned())).await;
        assert!(
            answer.status.is_client_error(),
            "{method} {path}: {}",
            answer.status
        );
        assert_eq!(
            answer.header(header::CONTENT_ENCODING),
            None,
            "{method} {path}"
        );
        assert_eq!(
            answer.content_type(),
            "application/problem+json",
            "{method} {path}"
        );
        answer.json();
    }
}

#[tokio::test]
async fn a_body_limit_problem_is_readable_when_compression_is_accepted() {
    let body = format!("[[36.6, 35.9]{}]", " ".repeat(5_000));
    let answer = send(
        &app(),
        request(
            Method::POST,
            "/locate",
            &[
                ("accept-encoding", "gzip"),
                ("content-type", "application/json"),
            ],
            body,
        ),
    )
    .await;
    assert_eq!(answer.header(header::CONTENT_ENCODING), None);
    assert_problem(&answer, 413, "payload-too-large", "/locate");
}

// ---------------------------------------------------------------------------
// Routing errors and problem types

#[tokio::test]
async fn unknown_path_is_a_not_found_problem() {
    let app = app();
    for path in [
        "/nowhere",
        "/zones/idlib/extra",
        "/zones/",
        "/collections/other/items",
    ] {
        let answer = get(&app, path).await;
        assert_problem(&answer, 404, "not-found", path);
    }
}

#[tokio::test]
async fn wrong_method_is_a_method_not_allowed_problem_with_allow() {
    let app = app();
    for (method, path, must_allow) in [
        (Method::DELETE, "/zones", "GET"),
        (Method::PUT, "/locate", "POST"),
        (Method::POST, "/zones/idlib", "GET"),
        (Method::PATCH, "/collections/zones/items", "GET"),
        (Method::DELETE, "/healthz", "GET"),
    ] {
        let answer = send(&app, request(method.clone(), path, &[], Body::empty())).await;
        let problem = assert_problem(&answer, 405, "method-not-allowed", path);
        let allow = answer
            .header(header::ALLOW)
            .unwrap_or_else(|| panic!("{method} {path}: no Allow header"));
        assert!(allow.contains(must_allow), "{method} {path}: Allow {allow}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains(method.as_str()),
            "{problem}"
        );
    }
}

#[tokio::test]
async fn every_problem_type_is_described_in_plain_text() {
    let app = app();
    for slug in [
        "invalid-parameter",
        "missing-parameter",
        "unknown-parameter",
        "duplicate-parameter",
        "invalid-body",
        "payload-too-large",
        "unsupported-media-type",
        "not-found",
        "method-not-allowed",
        "bad-request",
        "internal-error",
    ] {
        let answer = get(&app, &format!("/problems/{slug}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{slug}");
        assert!(answer.content_type().starts_with("text/plain"), "{slug}");
        assert!(answer.text().len() > 20, "{slug}");
    }
}

#[tokio::test]
async fn problem_type_invalid_parameter_explains_lon_and_lat() {
    let answer = get(&app(), "/problems/invalid-parameter").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type(), "text/plain; charset=utf-8");
    let text = answer.text();
    assert!(text.starts_with("Invalid parameter"), "{text}");
    assert!(text.contains("lon") && text.contains("lat"), "{text}");
}

#[tokio::test]
async fn every_problem_type_a_request_gets_is_dereferenceable() {
    let app = app();
    let mut answers = vec![
        get(&app, "/locate?lat=1").await,
        get(&app, "/locate?lon=x&lat=1").await,
        get(&app, "/locate?lng=1").await,
        get(&app, "/locate?lon=1&lon=1").await,
        get(&app, "/nowhere").await,
        send(&app, request(Method::DELETE, "/zones", &[], Body::empty())).await,
        post_json(&app, "/locate", "nope").await,
        post_json(&app, "/locate", json!(([IN_IDLIB; 6])).to_string()).await,
        post_as(&app, "/locate", Some("text/plain"), "[]").await,
    ];
    answers.push(get(&app, "/problems/nope").await);
    for answer in answers {
        let problem = answer.json();
        let kind = problem["type"].as_str().unwrap();
        let described = get(&app, kind).await;
        assert_eq!(described.status, StatusCode::OK, "{kind}");
        assert!(
            described
                .text()
                .starts_with(problem["title"].as_str().unwrap()),
            "{kind}"
        );
    }
}

#[tokio::test]
async fn unknown_problem_type_is_a_not_found_problem() {
    let answer = get(&app(), "/problems/nope").await;
    assert_problem(&answer, 404, "not-found", "/problems/nope");
}

// ---------------------------------------------------------------------------
// Service: health, OpenAPI, Swagger UI

#[tokio::test]
async fn health_is_ok_with_four_zones() {
    let body = assert_json_ok(&get(&app(), "/healthz").await);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["zones"], 4);
    let version = body["data_version"].as_str().unwrap();
    assert_eq!(version.len(), 16);
    assert!(version.bytes().all(|b| b.is_ascii_hexdigit()), "{version}");
}

#[tokio::test]
async fn api_sends_a_browser_to_swagger_ui_and_anyone_else_the_document() {
    let app = app();
    let document = get(&app, "/api").await;
    for (uri, accept) in [
        ("/api?f=json", "text/html"),
        ("/api", "application/vnd.oai.openapi+json;version=3.0"),
        ("/api", "application/yaml"),
        ("/api", "text/html;q=0.5, application/json"),
    ] {
        let answer = get_with(&app, uri, &[("accept", accept)]).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri} {accept}");
        assert_eq!(answer.body, document.body, "{uri} {accept}");
        assert_eq!(answer.header("vary"), Some("accept, accept-encoding"));
    }
    for (uri, accept) in [
        ("/api?f=html", "application/json"),
        (
            "/api",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        ),
    ] {
        let answer = get_with(&app, uri, &[("accept", accept)]).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{uri} {accept}");
        // Relative, so that it keeps a proxy's path prefix: /api → /docs/.
        assert_eq!(answer.header("location"), Some("docs/"));
        assert_eq!(get(&app, "/docs/").await.status, StatusCode::OK);
    }
    let answer = get(&app, "/api?f=yaml").await;
    assert_parameter_problem(&answer, "invalid-parameter", "f", "/api");
}

#[tokio::test]
async fn api_is_an_openapi_3_0_document_with_every_route() {
    let answer = get(&app(), "/api").await;
    assert_eq!(answer.status, StatusCode::OK);
    let content_type = answer.content_type();
    assert!(
        content_type.contains("json") && content_type.contains("openapi"),
        "{content_type}"
    );
    let doc = answer.json();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.0"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/locate",
        "/zones",
        "/zones/{id}",
        "/",
        "/conformance",
        "/collections",
        "/collections/{collectionId}",
        "/collections/{collectionId}/items",
        "/collections/{collectionId}/items/{featureId}",
        "/collections/{collectionId}/queryables",
        "/api/openapi-3.1.json",
        "/healthz",
        "/api",
        "/problems/{type}",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from {:?}",
            paths.keys()
        );
    }
    assert!(paths["/locate"]["get"].is_object() && paths["/locate"]["post"].is_object());
    for status in ["200", "400", "413", "415"] {
        assert!(
            paths["/locate"]["post"]["responses"][status].is_object(),
            "POST /locate {status}"
        );
    }
}

#[tokio::test]
async fn api_matches_the_library_document() {
    let app = app();
    let library = serde_json::to_value(dezone::http::openapi()).unwrap();
    let mut served_31 = get(&app, "/api/openapi-3.1.json").await.json();
    // Served one folder below /api, the 3.1 document names the folder above.
    assert_eq!(served_31["servers"][0]["url"], "..");
    served_31["servers"] = library["servers"].clone();
    assert_eq!(served_31, library);
    let served_30 = get(&app, "/api").await.json();
    assert_eq!(served_30, dezone::http::openapi30::downgrade(library));
}

#[tokio::test]
async fn docs_serve_swagger_ui_offline() {
    let app = app();
    let answer = get(&app, "/docs/").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.content_type().starts_with("text/html"),
        "{}",
        answer.content_type()
    );
    let html = answer.text();
    assert!(html.to_ascii_lowercase().contains("swagger"), "{html}");
    assert!(
        !html.contains("https://") && !html.contains("http://"),
        "docs fetch from the network: {html}"
    );
    // The UI's own assets come from the service and point at /api.
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-initializer.js",
    ] {
        let answer = get(&app, &format!("/docs/{asset}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{asset}");
        assert!(!answer.body.is_empty(), "{asset}");
        // Compiled in: a browser may keep them rather than fetch 1.5 MB again.
        assert_eq!(
            answer.header(header::CACHE_CONTROL),
            Some(dezone::http::DOCS_CACHE_CONTROL),
            "{asset}"
        );
    }
    let missing = get(&app, "/docs/nope.js").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_ne!(
        missing.header(header::CACHE_CONTROL),
        Some(dezone::http::DOCS_CACHE_CONTROL)
    );
    let initializer = get(&app, "/docs/swagger-initializer.js").await.text();
    assert!(initializer.contains("\"../api\""), "{initializer}");
    // Relative, so that a proxy's path prefix stays: /dezone/docs → /dezone/docs/.
    let redirect = get(&app, "/docs").await;
    assert!(redirect.status.is_redirection(), "{}", redirect.status);
    assert_eq!(redirect.header(header::LOCATION), Some("docs/"));
}

// ---------------------------------------------------------------------------
// Robustness

#[tokio::test]
async fn a_good_request_still_answers_after_every_kind_of_bad_request() {
    let app = app();
    let json = Some("application/json");
    let bad: Vec<(Method, String, Option<&str>, String)> = vec![
        (Method::GET, "/locate".into(), None, String::new()),
        (
            Method::GET,
            "/locate?lon=NaN&lat=1".into(),
            None,
            String::new(),
        ),
        (
            Method::GET,
            "/locate?lon=1e999&lat=1".into(),
            None,
            String::new(),
        ),
        (
            Method::GET,
            "/locate?lon=%FF&lat=%FE".into(),
            None,
            String::new(),
        ),
        (
            Method::GET,
            "/locate?lng=1&lat=1".into(),
            None,
            String::new(),
        ),
        (
            Method::GET,
            "/locate?lon=1&lat=1&lat=1".into(),
            None,
            String::new(),
        ),
        (
            Method::GET,
            format!("/locate?lon={}&lat=1", "9".repeat(10_000)),
            None,
            String::new(),
        ),
        (Method::POST, "/locate".into(), json, String::new()),
        (Method::POST, "/locate".into(), json, "[".repeat(10_000)),
        (
            Method::POST,
            "/locate".into(),
            json,
            "{\"type\":\"Polygon\",\"coordinates\":[]}".into(),
        ),
        (Method::POST, "/locate".into(), json, "[[200,0]]".into()),
        (
            Method::POST,
            "/locate".into(),
            json,
            json!(([IN_IDLIB; 6])).to_string(),
        ),
        (Method::POST, "/locate".into(), json, " ".repeat(10_000)),
        (
            Method::POST,
            "/locate".into(),
            Some("text/plain"),
            "[]".into(),
        ),
        (Method::POST, "/locate?x=1".into(), json, "[]".into()),
        (Method::GET, "/zones/nope".into(), None, String::new()),
        (
            Method::GET,
            "/zones/..%2f..%2fetc".into(),
            None,
            String::new(),
        ),
        (Method::GET, "/zones?x=1".into(), None, String::new()),
        (Method::DELETE, "/zones".into(), None, String::new()),
        (Method::PUT, "/locate".into(), json, "[]".into()),
        (Method::GET, "/nowhere".into(), None, String::new()),
        (Method::GET, "/problems/nope".into(), None, String::new()),
    ];
    for (method, uri, content_type, body) in bad {
        let headers: Vec<(&str, &str)> = content_type
            .map(|ct| ("content-type", ct))
            .into_iter()
            .collect();
        let answer = send(&app, request(method.clone(), &uri, &headers, body)).await;
        assert!(
            answer.status.is_client_error(),
            "{method} {uri}: {}",
            answer.status
        );
        assert_eq!(
            answer.content_type(),
            "application/problem+json",
            "{method} {uri}"
        );
        assert_eq!(
            answer.json()["status"],
            answer.status.as_u16(),
            "{method} {uri}"
        );
    }
    let answer = locate_on(&app, IN_IDLIB).await;
    assert_eq!(answer["zones"][0]["id"], "idlib");
    let batch = post_json(&app, "/locate", json!([IN_IDLIB, IN_SOUTHERN]).to_string()).await;
    assert_results(&batch, &[Some("idlib"), Some("southern")]);
    assert_eq!(get(&app, "/healthz").await.status, StatusCode::OK);
}

async fn locate_on(app: &axum::Router, [lon, lat]: [f64; 2]) -> Value {
    assert_json_ok(&get(app, &format!("/locate?lon={lon}&lat={lat}")).await)
}

#[tokio::test]
async fn concurrent_requests_get_consistent_answers() {
    let app = app();
    let mut tasks = Vec::new();
    for i in 0..64 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let point = [IN_IDLIB, IN_HOMS, IN_GHOUTA, IN_SOUTHERN][i % 4];
            (i % 4, locate_on(&app, point).await)
        }));
    }
    for task in tasks {
        let (i, answer) = task.await.unwrap();
        assert_eq!(answer["zones"][0]["id"], IDS[i]);
    }
}

mod properties {
    use proptest::prelude::*;

    use super::{StatusCode, app, get};

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_point_in_range_is_answered(lon in -180.0f64..=180.0, lat in -90.0f64..=90.0) {
            let answer = runtime().block_on(get(&app(), &format!("/locate?lon={lon}&lat={lat}")));
            prop_assert_eq!(answer.status, StatusCode::OK);
            let body = answer.json();
            prop_assert_eq!(body["point"]["lon"].as_f64(), Some(lon + 0.0));
            prop_assert_eq!(body["point"]["lat"].as_f64(), Some(lat + 0.0));
            prop_assert!(body["nearest"]["id"].is_string());
        }

        #[test]
        fn a_latitude_out_of_range_is_a_400(lat in prop_oneof![90.000_001f64..1e300, -1e300f64..-90.000_001]) {
            let answer = runtime().block_on(get(&app(), &format!("/locate?lon=0&lat={lat}")));
            prop_assert_eq!(answer.status, StatusCode::BAD_REQUEST);
            prop_assert_eq!(&answer.json()["parameter"], "lat");
        }

        #[test]
        fn a_longitude_out_of_range_is_a_400(lon in prop_oneof![180.000_001f64..1e300, -1e300f64..-180.000_001]) {
            let answer = runtime().block_on(get(&app(), &format!("/locate?lon={lon}&lat=0")));
            prop_assert_eq!(answer.status, StatusCode::BAD_REQUEST);
            prop_assert_eq!(&answer.json()["parameter"], "lon");
        }

        #[test]
        fn arbitrary_query_strings_never_fail_the_server(query in "[ -~]{0,64}") {
            let uri = format!("/locate?{}", query.replace(' ', "%20").replace('#', "%23"));
            let Ok(request) = axum::http::Request::get(&uri).body(axum::body::Body::empty()) else {
                return Ok(());
            };
            let answer = runtime().block_on(super::send(&app(), request));
            prop_assert!(answer.status == StatusCode::OK || answer.status == StatusCode::BAD_REQUEST, "{uri}: {}", answer.status);
        }

        #[test]
        fn arbitrary_bodies_never_fail_the_server(body in proptest::collection::vec(any::<u8>(), 0..256)) {
            let answer = runtime().block_on(super::post_json(&app(), "/locate", body));
            prop_assert!(answer.status == StatusCode::OK || answer.status == StatusCode::BAD_REQUEST || answer.status == StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.status);
        }
    }
}

// ---------------------------------------------------------------------------
// The embedded (real) data

#[tokio::test]
async fn embedded_data_puts_idlib_city_in_the_idlib_zone() {
    let answer = assert_json_ok(&get(&app_embedded(), "/locate?lon=36.63&lat=35.93").await);
    assert_eq!(answer["inside"], true);
    assert_eq!(answer["zones"][0]["id"], "idlib");
    assert!(
        answer["zones"][0]["distance_to_boundary_km"]
            .as_f64()
            .unwrap()
            > 1.0
    );
    assert_eq!(answer["nearest"]["id"], "idlib");
}

#[tokio::test]
async fn embedded_data_puts_central_damascus_outside_near_eastern_ghouta() {
    let answer = assert_json_ok(&get(&app_embedded(), "/locate?lon=36.30&lat=33.51").await);
    assert_eq!(answer["inside"], false);
    assert_eq!(answer["zones"], json!([]));
    assert_eq!(answer["nearest"]["id"], "eastern-ghouta");
    let km = answer["nearest"]["distance_km"].as_f64().unwrap();
    assert!(km > 0.0 && km < 10.0, "{km}");
}

#[tokio::test]
async fn embedded_data_serves_the_four_zones() {
    let app = app_embedded();
    let list = assert_json_ok(&get(&app, "/zones").await);
    let ids: Vec<&str> = list["zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, IDS);
    for zone in list["zones"].as_array().unwrap() {
        assert_zone_metadata(zone);
    }
    let health = assert_json_ok(&get(&app, "/healthz").await);
    assert_eq!(health["zones"], 4);
}

// ---------------------------------------------------------------------------
// Distances against a brute-force search, ordering, links, HTTP on the wire

/// The boxes' corners, from the fixture: (min lon, min lat, max lon, max lat).
const BOXES: [[f64; 4]; 4] = [
    [36.2, 35.5, 37.0, 36.3],
    [36.45, 34.78, 36.85, 35.0],
    [36.33, 33.49, 36.45, 33.6],
    [35.9, 32.3, 36.6, 33.1],
];

/// Geodesic distance (km) from `p` to the lon/lat segment `a`–`b`: coarse
/// sampling, then a golden-section search around the best sample.
fn segment_km(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let at = |t: f64| geodesic_km(p, [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]);
    let steps = 200;
    let best = (0..=steps).min_by(|&i, &j| {
        at(f64::from(i) / f64::from(steps)).total_cmp(&at(f64::from(j) / f64::from(steps)))
    });
    let k = f64::from(best.unwrap()) / f64::from(steps);
    let (mut lo, mut hi) = (
        (k - 1.0 / f64::from(steps)).max(0.0),
        (k + 1.0 / f64::from(steps)).min(1.0),
    );
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..80 {
        let (x1, x2) = (hi - ratio * (hi - lo), lo + ratio * (hi - lo));
        if at(x1) < at(x2) {
            hi = x2;
        } else {
            lo = x1;
        }
    }
    at(0.5 * (lo + hi)).min(at(0.0)).min(at(1.0))
}

/// Distance (km) from `p` to the boundary of box `b`.
fn box_boundary_km(point: [f64; 2], corners: [f64; 4]) -> f64 {
    let [west, south, east, north] = corners;
    [
        ([west, south], [east, south]),
        ([east, south], [east, north]),
        ([east, north], [west, north]),
        ([west, north], [west, south]),
    ]
    .into_iter()
    .map(|(from, to)| segment_km(point, from, to))
    .fold(f64::INFINITY, f64::min)
}

#[tokio::test]
async fn distances_agree_with_a_brute_force_search_along_the_box_edges() {
    let app = app();
    for point in [
        [36.21, 35.9],  // inside idlib, near its western meridian edge
        [36.99, 36.29], // inside idlib, near its north-eastern corner
        IN_IDLIB,
        IN_HOMS,
        IN_GHOUTA,
        IN_SOUTHERN,
        [36.95, 34.9], // east of northern-homs
        [36.5, 33.65], // north-east of eastern-ghouta's corner
        [36.3, 33.51], // central Damascus: west of eastern-ghouta
        [36.7, 34.3],  // between northern-homs and eastern-ghouta
        [38.0, 35.0],
        [0.0, 0.0],
        [-170.0, -60.0],
    ] {
        let answer = locate_on(&app, point).await;
        let inside: Vec<usize> = (0..4)
            .filter(|&i| {
                let [w, s, e, n] = BOXES[i];
                (w..=e).contains(&point[0]) && (s..=n).contains(&point[1])
            })
            .collect();
        if let [i] = inside[..] {
            assert_eq!(answer["zones"][0]["id"], IDS[i], "{point:?}");
            assert_km(
                &answer["zones"][0]["distance_to_boundary_km"],
                box_boundary_km(point, BOXES[i]),
            );
            assert_eq!(answer["nearest"]["distance_km"], 0.0);
        } else {
            assert_eq!(answer["inside"], false, "{point:?}");
            let (i, km) = (0..4)
                .map(|i| (i, box_boundary_km(point, BOXES[i])))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap();
            assert_eq!(answer["nearest"]["id"], IDS[i], "{point:?}");
            assert_km(&answer["nearest"]["distance_km"], km);
        }
    }
}

#[tokio::test]
async fn zones_are_listed_in_number_order_whatever_the_file_order() {
    let mut collection: Value =
        serde_json::from_str(include_str!("fixtures/boxes.geojson")).unwrap();
    collection["features"].as_array_mut().unwrap().reverse();
    let zones = dezone::geodata::parse("reversed.geojson", &collection.to_string()).unwrap();
    let app = dezone::http::router(dezone::http::AppState::new(zones, common::SMALL));
    let list = assert_json_ok(&get(&app, "/zones").await);
    let ids: Vec<&str> = list["zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, IDS);
    let items = get(&app, "/collections/zones/items").await.json();
    let ids: Vec<&str> = items["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, IDS);
    // Locating does not depend on the order either.
    assert_eq!(
        locate_on(&app, IN_GHOUTA).await["zones"][0]["id"],
        "eastern-ghouta"
    );
}

#[tokio::test]
async fn links_start_with_the_base_url_without_a_double_slash() {
    let state = dezone::http::AppState::from_index(
        dezone::query::ZoneIndex::new(common::boxes()),
        common::SMALL,
        "https://example.org/dezone/",
    );
    let app = dezone::http::router(state);
    let zone = assert_json_ok(&get(&app, "/zones/idlib").await);
    let hrefs: Vec<&str> = zone["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["href"].as_str().unwrap())
        .collect();
    assert_eq!(
        hrefs,
        [
            "https://example.org/dezone/zones/idlib",
            "https://example.org/dezone/collections/zones/items/idlib"
        ]
    );
    // The HTML pages' own links keep the base URL's path: behind a proxy
    // serving the service under /dezone, no link leaves it.
    for uri in [
        "/?f=html",
        "/collections?f=html",
        "/collections/zones?f=html",
        "/collections/zones/items?f=html",
        "/collections/zones/items?f=html&limit=1",
        "/collections/zones/items/idlib?f=html",
    ] {
        let html = get(&app, uri).await.text();
        assert!(html.contains(r#"href="/dezone/map""#), "{uri}");
        let rooted: Vec<&str> = html
            .match_indices(r#"href="/"#)
            .map(|(i, _)| &html[i..(i + 40).min(html.len())])
            .filter(|h| !h.starts_with(r#"href="/dezone/"#))
            .collect();
        assert!(rooted.is_empty(), "{uri}: {rooted:?}");
    }
}

#[tokio::test]
async fn an_if_match_that_does_not_hold_is_a_412_before_anything_else() {
    let app = app();
    let items = get(&app, "/collections/zones/items").await;
    let etag = items.header("etag").unwrap().to_owned();
    assert!(etag.starts_with("W/"), "{etag}");
    // Weak tags never hold for If-Match, not even the current one.
    for (uri, condition, extra) in [
        ("/collections/zones/items", "\"nope\"", None),
        ("/collections/zones/items", etag.as_str(), None),
        (
            "/collections/zones/items",
            etag.trim_start_matches("W/"),
            None,
        ),
        // If-Match is evaluated before If-None-Match.
        ("/collections/zones/items", "\"nope\"", Some(etag.as_str())),
        ("/locate?lon=36.63&lat=35.93", "\"a\", \"b\"", None),
    ] {
        let mut headers = vec![("if-match", condition)];
        headers.extend(extra.map(|tag| ("if-none-match", tag)));
        let answer = get_with(&app, uri, &headers).await;
        let path = uri.split('?').next().unwrap();
        let problem = assert_problem(&answer, 412, "precondition-failed", path);
        assert!(
            problem["detail"].as_str().unwrap().contains("If-Match"),
            "{problem}"
        );
        assert!(answer.header("etag").is_none(), "{uri}");
    }
    // `*` holds for every answer there is; a condition is not evaluated for
    // an answer that would not be a success without it.
    let answer = get_with(&app, "/collections/zones/items", &[("if-match", "*")]).await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = get_with(
        &app,
        "/collections/zones/items",
        &[("if-match", "*"), ("if-none-match", etag.as_str())],
    )
    .await;
    assert_eq!(answer.status, StatusCode::NOT_MODIFIED);
    let answer = get_with(&app, "/zones/raqqa", &[("if-match", "\"nope\"")]).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let answer = get_with(&app, "/locate?lon=x&lat=1", &[("if-match", "\"nope\"")]).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn under_a_path_prefix_problems_resolve_to_the_service() {
    let state = dezone::http::AppState::from_index(
        dezone::query::ZoneIndex::new(common::boxes()),
        common::SMALL,
        "https://example.org/dezone/",
    );
    let app = dezone::http::router(state);
    // Made by a handler, by the routing, and by the method's refusal.
    for (answer, status, slug, path) in [
        (
            get(&app, "/locate?lon=x&lat=1").await,
            400,
            "invalid-parameter",
            "/locate",
        ),
        (get(&app, "/nowhere").await, 404, "not-found", "/nowhere"),
        (
            send(&app, request(Method::DELETE, "/zones", &[], Body::empty())).await,
            405,
            "method-not-allowed",
            "/zones",
        ),
    ] {
        assert_eq!(answer.status.as_u16(), status);
        let problem = answer.json();
        assert_eq!(problem["type"], format!("/dezone/problems/{slug}"));
        assert_eq!(problem["instance"], format!("/dezone{path}"));
        // Where `type` leads, once the proxy has taken the prefix off.
        let described = get(&app, &format!("/problems/{slug}")).await;
        assert_eq!(described.status, StatusCode::OK, "{slug}");
    }
}

#[tokio::test]
async fn not_modified_carries_the_same_vary_as_the_full_answer() {
    let app = app();
    let headers = [("accept-encoding", "gzip")];
    let full = get_with(&app, "/collections/zones/items", &headers).await;
    let etag = full.header(header::ETAG).unwrap().to_owned();
    let not_modified = get_with(
        &app,
        "/collections/zones/items",
        &[("accept-encoding", "gzip"), ("if-none-match", &etag)],
    )
    .await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    let vary = |a: &Answer| -> Vec<String> {
        a.headers
            .get_all(header::VARY)
            .iter()
            .map(|v| v.to_str().unwrap().to_ascii_lowercase())
            .collect()
    };
    assert!(
        vary(&full).iter().any(|v| v.contains("accept-encoding")),
        "{:?}",
        vary(&full)
    );
    assert!(
        vary(&not_modified)
            .iter()
            .any(|v| v.contains("accept-encoding")),
        "{:?}",
        vary(&not_modified)
    );
}

/// Sends raw HTTP/1.1 `request` to `address` and reads until the server closes.
fn raw_http(address: std::net::SocketAddr, request: &str) -> String {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_deal_over_tcp() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app()).await.unwrap() });
    let too_large = format!(
        "POST /locate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n[{}]",
        " ".repeat(4998)
    );
    let requests = [
        "GET /locate?lon=36.6&lat=35.9 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_owned(),
        "HEAD /zones/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_owned(),
        "POST /locate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 14\r\nConnection: close\r\n\r\n[[36.4,33.55]]".to_owned(),
        too_large,
    ];
    let answers =
        tokio::task::spawn_blocking(move || requests.map(|request| raw_http(address, &request)))
            .await
            .unwrap();
    server.abort();
    let [located, head, batch, too_large] = answers;
    assert!(located.starts_with("HTTP/1.1 200"), "{located}");
    assert!(located.contains("\"id\":\"idlib\""), "{located}");
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{head}"
    );
    assert!(
        head.ends_with("\r\n\r\n"),
        "HEAD answered with a body: {head}"
    );
    assert!(batch.starts_with("HTTP/1.1 200"), "{batch}");
    assert!(batch.contains("eastern-ghouta"), "{batch}");
    assert!(too_large.starts_with("HTTP/1.1 413"), "{too_large}");
    assert!(
        too_large.contains("/problems/payload-too-large"),
        "{too_large}"
    );
    assert!(
        too_large
            .to_ascii_lowercase()
            .contains("connection: close\r\n"),
        "{too_large}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_1_0_answer_ended_by_closing_says_so() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app()).await.unwrap() });
    // /metrics is compressed on the way out: its length is not known
    // beforehand, and HTTP/1.0 has no chunks.
    let request =
        "GET /metrics HTTP/1.0\r\nConnection: keep-alive\r\nAccept-Encoding: gzip\r\n\r\n";
    let answer = tokio::task::spawn_blocking(move || raw_http(address, request))
        .await
        .unwrap();
    // A prepared resource has a length, and the connection may stay open.
    let request =
        "GET /zones HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n";
    let two = tokio::task::spawn_blocking(move || raw_http(address, request))
        .await
        .unwrap();
    server.abort();
    let head = answer
        .split("\r\n\r\n")
        .next()
        .unwrap()
        .to_ascii_lowercase();
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert!(!head.contains("content-length"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
    assert!(!head.contains("keep-alive"), "{head}");
    assert_eq!(two.matches(" 200 OK\r\n").count(), 2, "{two}");
    assert!(
        two.to_ascii_lowercase().contains("connection: keep-alive"),
        "{two}"
    );
}
