//! `POST /locate` beyond the forms `tests/api.rs` covers: `fields=zones`, the
//! fast reader of `[[lon, lat], …]` bodies against the full JSON parser, and
//! streamed answers against serialising the whole answer at once.
//!
//! The boxes (lon × lat) of `tests/fixtures/boxes.geojson`: idlib 36.2–37.0 ×
//! 35.5–36.3, northern-homs 36.45–36.85 × 34.78–35.0, eastern-ghouta
//! 36.33–36.45 × 33.49–33.6, southern 35.9–36.6 × 32.3–33.1.

#![allow(clippy::unwrap_used, clippy::float_cmp, clippy::too_many_lines)]

mod common;

use axum::http::{StatusCode, header};
use common::{Answer, app, app_default_limits, assert_parameter_problem, post_json};
use dezone::http::{
    AppState, Limits,
    batch::{
        BLOCKING_BATCH, BatchAnswer, BatchZonesAnswer, ZonesOnly, batch_points, batch_points_full,
        scan_pairs,
    },
    locate::LocateAnswer,
    router,
};
use jiff::civil::Date;
use proptest::prelude::*;
use serde_json::{Value, json};

/// The embedded zones and governorates, as `dezone serve` runs, and its router.
fn embedded() -> (AppState, axum::Router) {
    let index = dezone::cli::load_index(None, None).unwrap();
    let state = AppState::from_index(index, Limits::default(), "");
    let app = router(state.clone());
    (state, app)
}

#[track_caller]
fn assert_ok(answer: &Answer) {
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "body: {}",
        String::from_utf8_lossy(&answer.body[..answer.body.len().min(2000)])
    );
    assert_eq!(answer.content_type(), "application/json");
}

/// `n` points from a fixed LCG: most over Syria's bounding box, every 7th on
/// a vertex or edge of the real zones' neighbourhood, a few far away.
fn points(n: usize) -> Vec<[f64; 2]> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1_u64 << 53) as f64
    };
    (0..n)
        .map(|i| match i % 29 {
            0 => [36.2, 35.5 + next() * 0.8], // on idlib's western edge (boxes)
            7 => [-180.0 + next() * 360.0, -90.0 + next() * 180.0],
            _ => [35.7 + next() * 6.7, 32.3 + next() * 5.0],
        })
        .map(|[lon, lat]| {
            // Five decimals, as clients send.
            [(lon * 1e5).round() / 1e5, (lat * 1e5).round() / 1e5]
        })
        .collect()
}

/// The whole answer as one `serde_json::to_vec` of a [`BatchAnswer`], the
/// way `POST /locate` answered before answers were streamed.
fn expected_full(state: &AppState, at: Option<Date>, points: &[[f64; 2]]) -> Vec<u8> {
    let data = state.data();
    let set = data.zones_on(at);
    let answer = BatchAnswer {
        data: data.used(at),
        results: points
            .iter()
            .map(|&[lon, lat]| LocateAnswer::from(data.index.locate_among(lon, lat, set)))
            .collect(),
    };
    serde_json::to_vec(&answer).unwrap()
}

/// The `fields=zones` answer built from the engine's `zones_at`.
fn expected_zones(state: &AppState, at: Option<Date>, points: &[[f64; 2]]) -> Vec<u8> {
    let data = state.data();
    let set = data.zones_on(at);
    let zones = data.index.zones();
    let answer = BatchZonesAnswer {
        data: data.used(at),
        results: points
            .iter()
            .map(|&[lon, lat]| ZonesOnly {
                zones: data
                    .index
                    .zone_set_at(lon, lat)
                    .iter()
                    .filter(|&i| set.contains(i))
                    .map(|i| zones[i].id().as_str())
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_vec(&answer).unwrap()
}

// ---------------------------------------------------------------------------
// fields=zones

#[tokio::test]
async fn fields_zones_answers_each_point_with_the_ids_of_the_zones_holding_it() {
    let body = json!([
        [36.6, 35.9],   // inside idlib
        [0.0, 0.0],     // far outside
        [36.6, 34.9],   // inside northern-homs
        [36.2, 35.9],   // on idlib's western edge
        [36.2, 35.5],   // on idlib's south-western vertex
        [36.45, 33.55], // on eastern-ghouta's eastern edge
        [36.1, 35.9],   // just west of idlib
        [36.2, 32.7, 120.0],
    ])
    .to_string();
    let answer = post_json(&app_default_limits(), "/locate?fields=zones", body).await;
    assert_ok(&answer);
    let body = answer.json();
    assert_eq!(
        body["results"],
        json!([
            {"zones": ["idlib"]},
            {"zones": []},
            {"zones": ["northern-homs"]},
            {"zones": ["idlib"]},
            {"zones": ["idlib"]},
            {"zones": ["eastern-ghouta"]},
            {"zones": []},
            {"zones": ["southern"]},
        ])
    );
    let full = post_json(&app(), "/locate", "[[36.6, 35.9]]").await.json();
    assert_eq!(
        body["data"], full["data"],
        "the same data member as the full answer"
    );
}

#[tokio::test]
async fn fields_zones_is_the_compact_json_of_the_full_answers_members() {
    let answer = post_json(&app(), "/locate?fields=zones", "[[36.6,35.9],[0,0]]").await;
    assert_ok(&answer);
    let data = serde_json::to_string(&answer.json()["data"]).unwrap();
    assert_eq!(
        answer.text(),
        format!(r#"{{"data":{data},"results":[{{"zones":["idlib"]}},{{"zones":[]}}]}}"#)
    );
}

#[tokio::test]
async fn fields_zones_accepts_every_body_form() {
    let app = app();
    for body in [
        json!({"type": "MultiPoint", "coordinates": [[36.6, 35.9], [0.0, 0.0]]}),
        json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 35.9]}, "properties": null},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0.0, 0.0]}, "properties": null}
        ]}),
    ] {
        let answer = post_json(&app, "/locate?fields=zones", body.to_string()).await;
        assert_ok(&answer);
        assert_eq!(
            answer.json()["results"],
            json!([{"zones": ["idlib"]}, {"zones": []}])
        );
    }
    let answer = post_json(&app, "/locate?fields=zones", "[]").await;
    assert_ok(&answer);
    assert_eq!(answer.json()["results"], json!([]));
}

#[tokio::test]
async fn fields_zones_with_at_counts_only_the_zones_in_force_that_day() {
    let (_, app) = embedded();
    // Idlib city, inside Eastern Ghouta, inside the south.
    let body = "[[36.63, 35.93], [36.403, 33.572], [36.176, 32.626]]";
    let cases = [
        ("", json!([["idlib"], ["eastern-ghouta"], ["southern"]])),
        (
            "&at=2017-09-01",
            json!([["idlib"], ["eastern-ghouta"], ["southern"]]),
        ),
        (
            "&at=2018-04-14",
            json!([["idlib"], ["eastern-ghouta"], ["southern"]]),
        ),
        ("&at=2018-06-01", json!([["idlib"], [], ["southern"]])),
        ("&at=2018-08-01", json!([["idlib"], [], []])),
        ("&at=2017-05-05", json!([[], [], []])),
    ];
    for (at, expected) in cases {
        let answer = post_json(&app, &format!("/locate?fields=zones{at}"), body).await;
        assert_ok(&answer);
        let body = answer.json();
        let ids: Vec<Value> = body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["zones"].clone())
            .collect();
        assert_eq!(Value::Array(ids), expected, "at {at:?}");
        let date = at.strip_prefix("&at=").map(Value::from);
        assert_eq!(body["data"]["at"], date.unwrap_or(Value::Null), "{at}");
    }
}

#[tokio::test]
async fn fields_zones_agrees_with_the_full_answers_streamed_or_not() {
    let (_, app) = embedded();
    for n in [300, BLOCKING_BATCH + 1, 9_000] {
        let points = points(n);
        let body = json!(points).to_string();
        for at in ["", "&at=2018-06-01"] {
            let full = post_json(&app, &format!("/locate?fields=all{at}"), body.clone()).await;
            let zones = post_json(&app, &format!("/locate?fields=zones{at}"), body.clone()).await;
            assert_ok(&full);
            assert_ok(&zones);
            let (full, zones) = (full.json(), zones.json());
            assert_eq!(full["data"], zones["data"]);
            let full = full["results"].as_array().unwrap();
            let zones = zones["results"].as_array().unwrap();
            assert_eq!(full.len(), n);
            assert_eq!(zones.len(), n);
            for (i, (full, zones)) in full.iter().zip(zones).enumerate() {
                let ids: Vec<&Value> = full["zones"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|z| &z["id"])
                    .collect();
                assert_eq!(json!(ids), zones["zones"], "point {i} of {n}, {at:?}");
            }
        }
    }
}

#[tokio::test]
async fn fields_all_is_the_default() {
    let app = app();
    let body = "[[36.6, 35.9], [0, 0], [36.2, 35.9]]";
    let default = post_json(&app, "/locate", body).await;
    let all = post_json(&app, "/locate?fields=all", body).await;
    assert_ok(&default);
    assert_eq!(default.body, all.body);
}

#[tokio::test]
async fn fields_other_than_zones_or_all_is_refused_naming_the_accepted_values() {
    let app = app();
    for value in [
        "zone",
        "ZONES",
        "Zones",
        "",
        "all,zones",
        "zones,all",
        "id",
        "point",
        "zones%20",
        "*",
    ] {
        let answer = post_json(&app, &format!("/locate?fields={value}"), "[[36.6, 35.9]]").await;
        let problem = assert_parameter_problem(&answer, "invalid-parameter", "fields", "/locate");
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains("`zones`") && detail.contains("`all`"),
            "{value:?}: {detail}"
        );
    }
    // The query is checked before the body: a bad body does not hide it.
    let answer = post_json(&app, "/locate?fields=nope", "not json").await;
    assert_parameter_problem(&answer, "invalid-parameter", "fields", "/locate");
}

#[tokio::test]
async fn fields_given_twice_is_refused() {
    let answer = post_json(
        &app(),
        "/locate?fields=zones&fields=zones",
        "[[36.6, 35.9]]",
    )
    .await;
    assert_parameter_problem(&answer, "duplicate-parameter", "fields", "/locate");
}

#[tokio::test]
async fn fields_does_not_hide_a_bad_at_or_a_bad_item() {
    let app = app();
    let answer = post_json(&app, "/locate?fields=zones&at=2017-13-01", "[[36.6, 35.9]]").await;
    assert_parameter_problem(&answer, "invalid-parameter", "at", "/locate");
    let answer = post_json(&app, "/locate?fields=zones", "[[36.6, 35.9], [200, 0]]").await;
    common::assert_item_problem(&answer, 1);
    let answer = post_json(
        &app,
        "/locate?fields=zones",
        json!(([[36.6, 35.9]; 6])).to_string(),
    )
    .await;
    common::assert_problem(&answer, 413, "payload-too-large", "/locate");
}

// ---------------------------------------------------------------------------
// Streamed answers: the same bytes as one serialisation of the whole answer

#[tokio::test]
async fn answers_small_and_streamed_are_the_bytes_of_one_whole_serialisation() {
    let (state, app) = embedded();
    // Around the streaming threshold and the chunk and wave sizes.
    for n in [
        0,
        1,
        299,
        BLOCKING_BATCH,
        BLOCKING_BATCH + 1,
        4_096,
        4_097,
        5_000,
    ] {
        let points = points(n);
        let body = json!(points).to_string();
        for at in [None, Some(jiff::civil::date(2018, 6, 1))] {
            let query = at.map_or_else(String::new, |at| format!("?at={at}"));
            let answer = post_json(&app, &format!("/locate{query}"), body.clone()).await;
            assert_ok(&answer);
            let expected = expected_full(&state, at, &points);
            assert!(
                answer.body == expected,
                "{n} points, at {at:?}: the answers differ (lengths {} and {})",
                answer.body.len(),
                expected.len()
            );
            let streamed = n > BLOCKING_BATCH;
            assert_eq!(
                answer.header(header::CONTENT_LENGTH).is_none(),
                streamed,
                "{n} points"
            );
        }
    }
}

#[tokio::test]
async fn zones_answers_small_and_streamed_are_the_bytes_of_one_whole_serialisation() {
    let (state, app) = embedded();
    for n in [0, 1, 299, BLOCKING_BATCH + 1, 65_537] {
        let points = points(n);
        let body = json!(points).to_string();
        for at in [None, Some(jiff::civil::date(2018, 6, 1))] {
            let query = at.map_or_else(String::new, |at| format!("&at={at}"));
            let answer =
                post_json(&app, &format!("/locate?fields=zones{query}"), body.clone()).await;
            assert_ok(&answer);
            let expected = expected_zones(&state, at, &points);
            assert!(
                answer.body == expected,
                "{n} points, at {at:?}: the answers differ (lengths {} and {})",
                answer.body.len(),
                expected.len()
            );
        }
    }
}

#[tokio::test]
async fn a_streamed_answer_over_geojson_is_the_same_as_over_pairs() {
    let app = app_default_limits();
    let points = points(3_000);
    let pairs = post_json(&app, "/locate", json!(points).to_string()).await;
    let multipoint = json!({"type": "MultiPoint", "coordinates": points}).to_string();
    let geojson = post_json(&app, "/locate", multipoint).await;
    assert_ok(&pairs);
    assert_eq!(pairs.body, geojson.body);
}

/// Decodes a chunked HTTP/1.1 body.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&body[..line_end]).unwrap(), 16).unwrap();
        body = &body[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[..size]);
        assert_eq!(&body[size..size + 2], b"\r\n");
        body = &body[size + 2..];
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_answer_arrives_whole_over_tcp() {
    use std::io::{Read as _, Write as _};
    let (state, app) = embedded();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let points = points(20_000);
    let body = json!(points).to_string();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(60)))
            .unwrap();
        write!(
            stream,
            "POST /locate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        answer
    })
    .await
    .unwrap();
    server.abort();
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    let body = dechunk(&answer[split + 4..]);
    assert!(
        body == expected_full(&state, None, &points),
        "the streamed answer differs"
    );
}

// ---------------------------------------------------------------------------
// The fast reader against the full parser

/// Numbers that test a decimal reader: exponents, signs, zeros, long
/// mantissas, halfway cases, subnormals, the largest finite values.
const TRICKY: &[&str] = &[
    "0",
    "-0",
    "0.0",
    "-0.0",
    "-0e0",
    "0e-999",
    "0E+999",
    "0.000",
    "1",
    "-1",
    "36",
    "36.6",
    "36.63",
    "-36.63",
    "35.93000",
    "36.12345",
    "36.123456789012345",
    "36.1234567890123456789012345678901234567890",
    "0.1",
    "0.3",
    "0.30000000000000004",
    "0.30000000000000001665",
    "2.5e1",
    "25E-1",
    "3.59e1",
    "3.59E+1",
    "359e-1",
    "359000000000000000000000e-22",
    "0.000000000000000000000000000000000000036e39",
    "1e-7",
    "1e22",
    "1e23",
    "9007199254740992",
    "9007199254740993",
    "9007199254740993.0000000000000000001",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "179.99999999999999999",
    "180",
    "180.0",
    "-180",
    "180.00000000000001",
    "180.0000000000001",
    "-90.0",
    "90",
    "89.999999999999999999999999",
    "4.9e-324",
    "2.4703282292062327e-324",
    "2.4703282292062328e-324",
    "1e-400",
    "2.2250738585072011e-308",
    "2.2250738585072014e-308",
    "1.7976931348623157e308",
    "1.7976931348623158e308",
    "0.1e1",
    "10000000000000000000000000000000000000000000000000e-49",
    "8.98846567431158e307",
    "1.00000000000000011102230246251565404236316680908203125",
    "1.00000000000000011102230246251565404236316680908203124",
    "1.00000000000000011102230246251565404236316680908203126",
    "7.2057594037927933e16",
    "33.000000000000000000000000000000000000000000000000000000000000000000000001",
];

/// The same two-number array written with different whitespace and a height.
fn layouts(a: &str, b: &str) -> Vec<String> {
    vec![
        format!("[[{a},{b}]]"),
        format!("[[{a}, {b}]]"),
        format!(" \n[ [ {a} ,\t{b} ] ]\r\n"),
        format!("[\r\n  [{a},{b},{a}],\n  [{b},\t{a}, 0]\n]"),
        format!("[[{a},{b}],[{b},{a}],[{a},{b},-1.5e3]]"),
        format!("\t[[{a}\n,\n{b}]]\t"),
    ]
}

/// `serde_json`'s reading of a body of arrays of numbers, unchecked.
fn serde_pairs(body: &str) -> Option<Vec<(f64, f64)>> {
    let items: Vec<Vec<f64>> = serde_json::from_str(body).ok()?;
    Some(items.iter().map(|item| (item[0], item[1])).collect())
}

#[track_caller]
fn assert_same_bits(fast: &[(f64, f64)], full: &[(f64, f64)], what: &str) {
    assert_eq!(fast.len(), full.len(), "{what}");
    for (a, b) in fast.iter().zip(full) {
        assert!(
            a.0.to_bits() == b.0.to_bits() && a.1.to_bits() == b.1.to_bits(),
            "{what}: {a:?} != {b:?}"
        );
    }
}

/// The fast reader and the full parser agree on `body`: the same points to
/// the bit, or the same refusal; returns whether the fast reader took it.
#[track_caller]
fn assert_readers_agree(body: &str, max_points: usize) -> bool {
    let fast = batch_points(body.as_bytes(), max_points);
    let full = batch_points_full(body.as_bytes(), max_points);
    match (&fast, &full) {
        (Ok(a), Ok(b)) => {
            let bits = |p: &[(f64, f64)]| -> Vec<(u64, u64)> {
                p.iter().map(|(x, y)| (x.to_bits(), y.to_bits())).collect()
            };
            assert_eq!(bits(a), bits(b), "{body:?}");
        }
        _ => assert_eq!(fast, full, "{body:?}"),
    }
    let scanned = scan_pairs(body.as_bytes());
    if let Some(scanned) = &scanned {
        let serde = serde_pairs(body).expect("serde_json reads what the scanner reads");
        assert_same_bits(scanned, &serde, body);
    }
    scanned.is_some()
}

#[test]
fn the_fast_reader_reads_every_tricky_number_as_serde_json_does() {
    for a in TRICKY {
        for b in ["35.93", "-0", "1e1", *a] {
            for body in layouts(a, b) {
                let fast = assert_readers_agree(&body, 100);
                let serde = serde_pairs(&body);
                assert_eq!(fast, serde.is_some(), "the fast path takes {body:?}");
            }
        }
    }
}

#[test]
fn numbers_out_of_range_are_refused_alike_by_both_readers() {
    for a in TRICKY {
        for body in [
            format!("[[{a}, 0]]"),
            format!("[[0, {a}]]"),
            format!("[[1, 2], [{a}, {a}, 3]]"),
        ] {
            assert_readers_agree(&body, 100);
        }
    }
}

#[test]
fn minus_zero_becomes_zero() {
    let points = batch_points(b"[[-0, -0.0], [-0e5, 0]]", 10).unwrap();
    for (lon, lat) in points {
        assert!(
            lon.is_sign_positive() && lat.is_sign_positive(),
            "{lon} {lat}"
        );
    }
}

#[test]
fn bodies_the_fast_reader_leaves_to_the_full_parser_get_the_same_answers() {
    let bodies = [
        "",
        " \n\t\r\n ",
        "[",
        "]",
        "[[",
        "[[]",
        "[[36.6, 35.9]",
        "[[36.6, 35.9]]]",
        "[[36.6, 35.9]] x",
        "[[36.6, 35.9]],",
        "[[36.6, 35.9],]",
        "[,[36.6, 35.9]]",
        "[[36.6,, 35.9]]",
        "[[36.6 35.9]]",
        "[[36.6, 35.9,]]",
        "[[36.6], [1]]",
        "[[36.6, 35.9], [1]]",
        "[[36.6, 35.9], []]",
        "[[36.6, 35.9], [1, 2, 3, 4]]",
        "[[36.6, 35.9], [36.6, null]]",
        r#"[["a", "b"]]"#,
        r#"[["36.6", 35.9]]"#,
        "[null]",
        "[true]",
        "[[true, false]]",
        r#"[[36.6, 35.9], {"lon": 36.6, "lat": 35.9}]"#,
        "[[[36.6, 35.9]]]",
        "[[36.6, 35.9], [[1, 2]]]",
        "\u{feff}[[36.6, 35.9]]",
        "[[01, 2]]",
        "[[1., 2]]",
        "[[.5, 2]]",
        "[[+1, 2]]",
        "[[-, 2]]",
        "[[--1, 2]]",
        "[[1e, 2]]",
        "[[1e+, 2]]",
        "[[1.e5, 2]]",
        "[[0x10, 2]]",
        "[[NaN, 2]]",
        "[[Infinity, 2]]",
        "[[-Infinity, 2]]",
        "[[1e999, 0]]",
        "[[0, -1e999]]",
        "[[1, 2, 1e999]]",
        "[[36.6, 35.9]]\u{0}",
        "[[36.6\u{a0}, 35.9]]",
        "[[36.6,\u{0b}35.9]]",
        "[[36.6, 35.9]]\u{c}",
        "42",
        r#""x""#,
        "null",
        "true",
        "{}",
        r#"{"points": [[36.6, 35.9]]}"#,
        r#"{"type": "Point", "coordinates": [36.6, 35.9]}"#,
        r#"{"type": "MultiPoint", "coordinates": [[36.6, 35.9], [200, 0]]}"#,
        "[[200, 0]]",
        "[[36.6, 35.9], [36.6, 35.9], [36.6, 35.9], [0, -91]]",
        "[[180.00000000000003, 0]]",
        "[[0, 90.00000000000001]]",
        "[[36.6, 35.9], [36.6, 35.9], [36.6, 35.9], [36.6, 35.9], [36.6, 35.9], [36.6, 35.9]]",
        "[[36.6, 35.9], [36.6, 35.9], [36.6, 35.9], [36.6, 35.9], [36.6, 35.9], [200, 0]]",
        "[[36.6, 35.9], [36.6, 35.9], [36.6, 35.9], [36.6, 35.9], [36.6, 35.9], [36.6, 35.9], [1]]",
    ];
    for body in bodies {
        assert_readers_agree(body, 5);
    }
    let deep = "[".repeat(10_000);
    assert_readers_agree(&deep, 5);
    let deep = format!("[[{}]]", "[".repeat(200));
    assert_readers_agree(&deep, 5);
}

#[test]
fn refusals_read_exactly_as_before() {
    let detail = |body: &str, max: usize| batch_points(body.as_bytes(), max).unwrap_err();
    let e = detail("[[36.6, 35.9], [200, 0]]", 10);
    assert_eq!(
        (e.status.as_u16(), e.index, e.detail.as_str()),
        (
            400,
            Some(1),
            "item 1 has a lon that must be a longitude in decimal degrees (WGS 84) between -180 and 180, got 200"
        )
    );
    let e = detail("[[36.6, 35.9], [36.6, 35.9], [36.6, -90.5]]", 10);
    assert_eq!(
        (e.index, e.detail.as_str()),
        (
            Some(2),
            "item 2 has a lat that must be a latitude in decimal degrees (WGS 84) between -90 and 90, got -90.5"
        )
    );
    let e = detail("[[36.6, 35.9], [1, 2, 3, 4]]", 10);
    assert_eq!(
        (e.index, e.detail.as_str()),
        (Some(1), "item 1 is not a [lon, lat] pair of numbers")
    );
    let e = detail("[[1, 2], [3, 4]]", 1);
    assert_eq!(
        (e.status.as_u16(), e.index, e.detail.as_str()),
        (
            413,
            None,
            "the batch has more than 1 points, the most one request may send; split it"
        )
    );
    // The count is checked before the items, as the full parser does.
    let e = detail("[[200, 2], [3, 4]]", 1);
    assert_eq!(e.status, 413);
    let e = detail("[[36.6, 35.9],]", 10);
    assert_eq!(
        (e.index, e.detail.as_str()),
        (
            None,
            "the body is not valid JSON (trailing comma at line 1 column 15): send a GeoJSON Point, MultiPoint, Feature or FeatureCollection of points, or a JSON array of [lon, lat] pairs"
        )
    );
    let e = detail("[[1e999, 0]]", 10);
    assert_eq!(
        e.detail,
        "the body is not valid JSON (number out of range at line 1 column 7): send a GeoJSON Point, MultiPoint, Feature or FeatureCollection of points, or a JSON array of [lon, lat] pairs"
    );
}

#[test]
fn the_fast_reader_takes_large_batches() {
    let points = points(20_000);
    let body = json!(points).to_string();
    let fast = scan_pairs(body.as_bytes()).unwrap();
    let points: Vec<(f64, f64)> = points.iter().map(|&[lon, lat]| (lon, lat)).collect();
    assert_same_bits(&fast, &points, "20,000 points");
    assert!(assert_readers_agree(&body, 100_000));
    assert!(assert_readers_agree(
        &serde_json::to_string_pretty(&points).unwrap(),
        100_000
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn the_fast_reader_reads_any_json_number_as_serde_json_does(
        a in r"-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,24})?([eE][+-]?[0-9]{1,3})?",
        b in r"-?(0|[1-9][0-9]{0,3})(\.[0-9]{1,20})?([eE][+-]?0?[0-9])?",
        space in r"[ \t\r\n]{0,2}",
    ) {
        let body = format!("[{space}[{a},{space}{b}]{space},[{b}, {a}{space}, {b}]]");
        let fast = scan_pairs(body.as_bytes());
        let serde = serde_pairs(&body);
        prop_assert_eq!(fast.is_some(), serde.is_some(), "{}", body);
        if let (Some(fast), Some(serde)) = (fast, serde) {
            for (x, y) in fast.iter().zip(&serde) {
                prop_assert_eq!(x.0.to_bits(), y.0.to_bits(), "{}", body);
                prop_assert_eq!(x.1.to_bits(), y.1.to_bits(), "{}", body);
            }
        }
        assert_readers_agree(&body, 10);
    }

    #[test]
    fn the_fast_reader_reads_every_written_f64_back(lon in -180.0f64..=180.0, lat in any::<f64>()) {
        let body = serde_json::to_string(&[[lon, lat]]).unwrap();
        if lat.is_finite() {
            prop_assert_eq!(scan_pairs(body.as_bytes()), Some(vec![(lon, lat)]));
        }
        assert_readers_agree(&body, 10);
    }
}

/// A large body (read in pieces on every core) with one fault placed in a
/// later piece, or where a piece might be cut, against the full parser.
#[test]
fn large_bodies_read_in_pieces_agree_with_the_full_parser() {
    let items: Vec<String> = points(20_000)
        .iter()
        .map(|p| serde_json::to_string(p).unwrap())
        .collect();
    let with = |changes: &[(usize, &str)], separator: &str| -> String {
        let mut items = items.clone();
        for &(i, item) in changes {
            item.clone_into(&mut items[i]);
        }
        format!("[{}]", items.join(separator))
    };
    let mut bodies = vec![
        with(&[], ","),
        with(&[], " ,\n "),
        with(&[], "]["),
        with(&[(15_000, "[1]")], ","),
        with(&[(17_000, "[200, 0]")], ","),
        with(&[(3_000, "[0, 91]"), (17_000, "[200, 0]")], ","),
        with(&[(19_999, "[0, -90.5]")], ","),
        with(&[(10_000, r#"{"lon": 1, "lat": 2}"#)], ","),
        with(&[(9_999, "[[1, 2]]")], ","),
        with(&[(12_000, r#"["1", 2]"#)], ","),
        with(&[(5_000, "[1, 2, 3, 4]")], ","),
        with(&[(18_000, "[1e999, 2]")], ","),
        with(&[(18_000, "[1, 2],")], ","),
        with(&[(4_000, "[1, 2] x")], ","),
        with(&[(7_500, "[36.6, 35.9, 120.5]")], ", "),
    ];
    let plain = with(&[], ",");
    bodies.extend([
        format!("{},]", &plain[..plain.len() - 1]),
        format!("{},   \n]", &plain[..plain.len() - 1]),
        format!("{plain} x"),
        format!("{plain}]"),
        format!(" \n\t{plain}\r\n"),
        plain.replacen("],[", "],,[", 1),
        plain.replace("],[", "] , ["),
        plain.replacen('[', "", 1),
        serde_json::to_string_pretty(&points(20_000)).unwrap(),
    ]);
    for (k, body) in bodies.iter().enumerate() {
        assert!(body.len() > 300_000, "body {k} is read in pieces");
        for max_points in [100_000, 19_999] {
            let fast = batch_points(body.as_bytes(), max_points);
            let full = batch_points_full(body.as_bytes(), max_points);
            assert!(
                fast == full,
                "body {k}, at most {max_points} points: {fast:?} {full:?}",
                fast = fast.as_ref().map(Vec::len),
                full = full.as_ref().map(Vec::len)
            );
        }
    }
    let e = batch_points(bodies[5].as_bytes(), 100_000).unwrap_err();
    assert_eq!(e.index, Some(3_000), "{e:?}");
    let e = batch_points(bodies[4].as_bytes(), 100_000).unwrap_err();
    assert_eq!(e.index, Some(17_000), "{e:?}");
}

#[tokio::test]
async fn a_streamed_answer_is_compressed_whole() {
    let app = app_default_limits();
    let body = json!(points(5_000)).to_string();
    let plain = post_json(&app, "/locate", body.clone()).await;
    assert_ok(&plain);
    for encoding in ["gzip", "br"] {
        let request = common::request(
            axum::http::Method::POST,
            "/locate",
            &[
                ("content-type", "application/json"),
                ("accept-encoding", encoding),
            ],
            body.clone(),
        );
        let compressed = common::send(&app, request).await;
        assert_eq!(compressed.status, StatusCode::OK);
        assert_eq!(compressed.header(header::CONTENT_ENCODING), Some(encoding));
        assert!(compressed.body.len() < plain.body.len() / 4, "{encoding}");
        if encoding == "gzip" {
            // A gzip stream ends with the length of what it holds.
            let tail = &compressed.body[compressed.body.len() - 4..];
            let length = u32::from_le_bytes(tail.try_into().unwrap());
            assert_eq!(length as usize, plain.body.len());
        }
    }
}

#[test]
fn geojson_read_without_a_json_tree_agrees_with_the_full_parser() {
    let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
    let bodies = [
        r#"{"type": "Point", "coordinates": [36.6, 35.9]}"#.to_owned(),
        r#"{"coordinates": [36.6, 35.9], "type": "Point"}"#.to_owned(),
        r#"{"type": "Point", "coordinates": [36.6, 35.9, 100]}"#.to_owned(),
        r#"{"type": "Point", "coordinates": [36.6]}"#.to_owned(),
        r#"{"type": "Point", "coordinates": [36.6, 35.9, 1, 2]}"#.to_owned(),
        r#"{"type": "Point", "coordinates": [-0, -0.0]}"#.to_owned(),
        r#"{"type": "Point", "coordinates": [200, 0]}"#.to_owned(),
        r#"{"type": "Point", "coordinates": [1e999, 0]}"#.to_owned(),
        r#"{"type": "Point", "coordinates": ["36.6", 35.9]}"#.to_owned(),
        r#"{"type": "Point", "coordinates": [36.6, 35.9], "bbox": [36.6, 35.9, 36.6, 35.9]}"#.to_owned(),
        r#"{"type": "Point", "coordinates": [36.6, 35.9], "bbox": "x"}"#.to_owned(),
        r#"{"type": "Point", "coordinates": [36.6, 35.9], "foreign": {"a": [1, 2]}}"#.to_owned(),
        r#"{"type": "Point", "type": "Point", "coordinates": [36.6, 35.9]}"#.to_owned(),
        r#"{"type": "Point", "coordinates": [0, 0], "coordinates": [36.6, 35.9]}"#.to_owned(),
        r#"{"type": "MultiPoint", "coordinates": [[36.6, 35.9], [0, 0], [36.4, 33.55, 7]]}"#.to_owned(),
        r#"{"type": "MultiPoint", "coordinates": []}"#.to_owned(),
        r#"{"type": "MultiPoint", "coordinates": [[36.6, 35.9], [200, 0]]}"#.to_owned(),
        r#"{"type": "MultiPoint", "coordinates": [[36.6, 35.9], [1]]}"#.to_owned(),
        r#"{"type": "MultiPoint", "coordinates": [36.6, 35.9]}"#.to_owned(),
        r#"{"type": "LineString", "coordinates": [[36.6, 35.9], [36.7, 35.9]]}"#.to_owned(),
        r#"{"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [36.6, 35.9]}]}"#.to_owned(),
        r#"{"type": "Circle", "coordinates": [36.6, 35.9]}"#.to_owned(),
        r#"{"type": "point", "coordinates": [36.6, 35.9]}"#.to_owned(),
        r#"{"coordinates": [36.6, 35.9]}"#.to_owned(),
        r#"{"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 35.9]}, "properties": {"a": 1}}"#.to_owned(),
        r#"{"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 35.9]}}"#.to_owned(),
        r#"{"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 35.9]}, "properties": null, "id": "a"}"#.to_owned(),
        r#"{"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 35.9]}, "properties": null, "id": 7}"#.to_owned(),
        r#"{"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 35.9]}, "properties": null, "id": [7]}"#.to_owned(),
        r#"{"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 35.9]}, "properties": 3}"#.to_owned(),
        r#"{"type": "Feature", "geometry": null, "properties": {}}"#.to_owned(),
        r#"{"type": "Feature", "properties": {}}"#.to_owned(),
        r#"{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[36, 35], [37, 35], [37, 36], [36, 35]]]}, "properties": null}"#.to_owned(),
        format!(r#"{{"type": "Feature", "geometry": {{"type": "Point", "coordinates": [36.6, 35.9]}}, "properties": {{"deep": {}}}}}"#, deep(100)),
        format!(r#"{{"type": "Feature", "geometry": {{"type": "Point", "coordinates": [36.6, 35.9]}}, "properties": {{"deep": {}}}}}"#, deep(200)),
        r#"{"type": "FeatureCollection", "features": []}"#.to_owned(),
        r#"{"type": "FeatureCollection", "features": {}}"#.to_owned(),
        r#"{"type": "FeatureCollection"}"#.to_owned(),
        r#"{"type": "FeatureCollection", "features": [{"type": "Point", "coordinates": [36.6, 35.9]}]}"#.to_owned(),
        r#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 35.9]}, "properties": null},
            {"type": "Feature", "geometry": {"type": "MultiPoint", "coordinates": [[36.6, 34.9], [0, 0]]}, "properties": {}},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.2, 32.7]}, "properties": null}
        ], "bbox": [0, 0, 40, 40], "name": "places"}"#.to_owned(),
        r#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 35.9]}, "properties": null},
            {"type": "Feature", "geometry": {"type": "MultiPoint", "coordinates": [[36.6, 34.9], [0, 95]]}, "properties": {}}
        ]}"#.to_owned(),
        r#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 35.9]}, "properties": null},
            {"type": "Feature", "geometry": null, "properties": null}
        ]}"#.to_owned(),
        r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 35.9]}, "properties": null}], "features": []}"#.to_owned(),
        r#"{"type": "Point", "coordinates": [36.6, 35.9]} x"#.to_owned(),
        r#"{"type": "Point", "coordinates": [36.6, 35.9],}"#.to_owned(),
        "{}".to_owned(),
        r#"{"points": [[36.6, 35.9]]}"#.to_owned(),
        json!({"type": "MultiPoint", "coordinates": points(3_000)}).to_string(),
    ];
    for body in &bodies {
        for max_points in [100_000, 2] {
            let fast = batch_points(body.as_bytes(), max_points);
            let full = batch_points_full(body.as_bytes(), max_points);
            match (&fast, &full) {
                (Ok(a), Ok(b)) => {
                    let bits = |p: &[(f64, f64)]| -> Vec<(u64, u64)> {
                        p.iter().map(|(x, y)| (x.to_bits(), y.to_bits())).collect()
                    };
                    assert_eq!(bits(a), bits(b), "{body:.200}");
                }
                _ => assert_eq!(fast, full, "{body:.200}, at most {max_points}"),
            }
        }
    }
}
