//! Real places answer the zone they lay in during 2017, through the HTTP API.
//!
//! The table is `tests/fixtures/places-public.tsv` (see the fixtures README).

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use axum::{body::Body, http::Request};
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;

struct Place {
    name: String,
    lon: f64,
    lat: f64,
    expected: String,
    governorate: String,
}

fn places() -> Vec<Place> {
    let text = include_str!("fixtures/places-public.tsv");
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (name, lat, lon, zone) = (col("name"), col("lat"), col("lon"), col("expected_zone"));
    let governorate = col("governorate");
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Place {
                name: f[name].to_owned(),
                lon: f[lon].parse().unwrap(),
                lat: f[lat].parse().unwrap(),
                expected: f[zone].to_owned(),
                governorate: f[governorate].to_owned(),
            }
        })
        .collect()
}

#[tokio::test]
async fn every_public_place_answers_its_2017_zone_and_governorate() {
    let places = places();
    assert!(places.len() >= 50, "the table has {} rows", places.len());
    let index = dezone::cli::load_index(None, None).unwrap();
    let app = dezone::http::router(dezone::http::AppState::from_index(
        index,
        dezone::http::Limits::default(),
        "",
    ));
    let pairs: Vec<[f64; 2]> = places.iter().map(|p| [p.lon, p.lat]).collect();
    let request = Request::post("/locate")
        .header("content-type", "application/json")
        .body(Body::from(serde_json::to_vec(&pairs).unwrap()))
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), places.len());
    let mut wrong = Vec::new();
    for (place, answer) in places.iter().zip(results) {
        let got = answer["zones"][0]["id"].as_str().unwrap_or("none");
        if got != place.expected {
            wrong.push(format!(
                "{} ({}, {}): expected {}, got {got} (nearest {} at {} km)",
                place.name,
                place.lon,
                place.lat,
                place.expected,
                answer["nearest"]["id"],
                answer["nearest"]["distance_km"]
            ));
        }
        assert_eq!(answer["inside"], got != "none");
        let governorate = answer["governorate"]["name_en"].as_str();
        if place.governorate.starts_with("outside Syria") {
            if governorate.is_some() || answer["in_syria"] != false {
                wrong.push(format!(
                    "{}: expected outside Syria, got {}",
                    place.name, answer["governorate"]
                ));
            }
        } else if governorate != Some(place.governorate.as_str()) || answer["in_syria"] != true {
            wrong.push(format!(
                "{}: expected governorate {}, got {}",
                place.name, place.governorate, answer["governorate"]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} places answer wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
