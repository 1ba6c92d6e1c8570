//! Dated answers (`at`) and governorates, on the embedded data as served.

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

mod common;

use common::{app_embedded, assert_parameter_problem, assert_problem, get, post_json};
use serde_json::Value;

fn ok(answer: &common::Answer) -> Value {
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.json()
}

/// The `id` of each object in `value[key]`, in order.
fn ids_in<'a>(value: &'a Value, key: &str) -> Vec<&'a str> {
    value[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap())
        .collect()
}

/// Douma, in Eastern Ghouta.
const DOUMA: &str = "lon=36.403&lat=33.572";

#[tokio::test]
async fn locate_without_a_date_counts_every_zone_and_says_which_data_answered() {
    let answer = ok(&get(&app_embedded(), &format!("/locate?{DOUMA}")).await);
    assert_eq!(answer["zones"][0]["id"], "eastern-ghouta");
    assert_eq!(answer["data"]["extent"], "2017");
    assert_eq!(answer["data"]["at"], Value::Null);
    let health = ok(&get(&app_embedded(), "/healthz").await);
    assert_eq!(answer["data"]["version"], health["data_version"]);
}

#[tokio::test]
async fn locate_at_a_date_counts_only_the_zones_then_in_force() {
    let app = app_embedded();
    for (at, inside) in [
        ("2017-05-05", false),
        ("2017-05-06", true),
        ("2017-09-01", true),
        ("2018-04-14", true),
        ("2018-04-15", false),
    ] {
        let answer = ok(&get(&app, &format!("/locate?{DOUMA}&at={at}")).await);
        assert_eq!(answer["inside"], inside, "at {at}: {answer}");
        assert_eq!(answer["data"]["at"], at);
    }
    let later = ok(&get(&app, &format!("/locate?{DOUMA}&at=2018-06-01")).await);
    assert_eq!(
        later["nearest"]["id"], "southern",
        "Ghouta had ended; the south had not"
    );
    let before = ok(&get(&app, &format!("/locate?{DOUMA}&at=2016-01-01")).await);
    assert_eq!(before["nearest"], Value::Null, "no zone was in force");
    let idlib = ok(&get(&app, "/locate?lon=36.63&lat=35.93&at=2024-01-01").await);
    assert_eq!(idlib["zones"][0]["id"], "idlib", "Idlib has no end date");
}

#[tokio::test]
async fn batch_at_a_date_says_so_once() {
    let answer = ok(&post_json(
        &app_embedded(),
        "/locate?at=2018-06-01",
        "[[36.403, 33.572], [36.63, 35.93]]",
    )
    .await);
    assert_eq!(answer["data"]["at"], "2018-06-01");
    assert_eq!(answer["results"][0]["inside"], false);
    assert_eq!(answer["results"][1]["zones"][0]["id"], "idlib");
}

#[tokio::test]
async fn a_malformed_date_is_refused_naming_at() {
    let app = app_embedded();
    for bad in [
        "2017-9-1",
        "2017-02-30",
        "yesterday",
        "2017-09-01T00:00:00Z",
        "",
    ] {
        let answer = get(&app, &format!("/locate?{DOUMA}&at={bad}")).await;
        assert_parameter_problem(&answer, "invalid-parameter", "at", "/locate");
        let answer = get(&app, &format!("/zones?at={bad}")).await;
        assert_parameter_problem(&answer, "invalid-parameter", "at", "/zones");
    }
}

#[tokio::test]
async fn zones_at_a_date_lists_the_zones_then_in_force() {
    let app = app_embedded();
    for (at, ids) in [
        (
            None,
            vec!["idlib", "northern-homs", "eastern-ghouta", "southern"],
        ),
        (
            Some("2017-09-01"),
            vec!["idlib", "northern-homs", "eastern-ghouta", "southern"],
        ),
        (
            Some("2018-05-01"),
            vec!["idlib", "northern-homs", "southern"],
        ),
        (Some("2018-06-01"), vec!["idlib", "southern"]),
        (Some("2019-01-01"), vec!["idlib"]),
        (Some("2017-01-01"), vec![]),
    ] {
        let uri = at.map_or_else(|| "/zones".to_owned(), |d| format!("/zones?at={d}"));
        let list = ok(&get(&app, &uri).await);
        assert_eq!(ids_in(&list, "zones"), ids, "{uri}");
        assert_eq!(list["data"]["extent"], "2017");
        // The answer names its date, and its links lead back to it.
        assert_eq!(
            list["data"]["at"],
            at.map_or(Value::Null, Value::from),
            "{uri}"
        );
        let href = |rel: &str| {
            let link = list["links"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["rel"] == rel);
            link.unwrap()["href"].as_str().unwrap().to_owned()
        };
        assert!(href("self").ends_with(&uri), "{uri}: {}", href("self"));
        let items = href("alternate");
        let path = &items[items.find("/collections").unwrap()..];
        let features = ok(&get(&app, path).await);
        assert_eq!(ids_in(&features, "features"), ids, "{uri}: {path}");
    }
}

#[tokio::test]
async fn a_zone_asked_for_outside_its_dates_is_not_found() {
    let app = app_embedded();
    let zone = ok(&get(&app, "/zones/eastern-ghouta?at=2017-09-01").await);
    assert_eq!(zone["valid_from"], "2017-05-06");
    assert_eq!(zone["valid_until"], "2018-04-14");
    let answer = get(&app, "/zones/eastern-ghouta?at=2018-06-01").await;
    let problem = assert_problem(&answer, 404, "not-found", "/zones/eastern-ghouta");
    assert!(problem["detail"].as_str().unwrap().contains("2018-04-14"));
}

#[tokio::test]
async fn every_answer_names_the_governorate_or_says_outside_syria() {
    let app = app_embedded();
    let idlib = ok(&get(&app, "/locate?lon=36.63&lat=35.93").await);
    assert_eq!(idlib["governorate"]["pcode"], "SY07");
    assert_eq!(idlib["governorate"]["name_en"], "Idleb");
    assert_eq!(idlib["governorate"]["name_ar"], "إدلب");
    assert_eq!(idlib["governorate"]["distance_km"], 0.0);
    assert_eq!(idlib["in_syria"], true);

    let damascus = ok(&get(&app, "/locate?lon=36.30&lat=33.51").await);
    assert_eq!(damascus["governorate"]["pcode"], "SY01");
    assert_eq!(damascus["inside"], false);

    let amman = ok(&get(&app, "/locate?lon=35.94503&lat=31.95522").await);
    assert_eq!(amman["governorate"], Value::Null);
    assert_eq!(amman["in_syria"], false);

    // Tartus city centre lies ~0.1 km off the generalised coastline: Syria, Tartous.
    let tartus = ok(&get(&app, "/locate?lon=35.88659&lat=34.88902").await);
    assert_eq!(tartus["governorate"]["pcode"], "SY10");
    assert_eq!(tartus["in_syria"], true);
    let off = tartus["governorate"]["distance_km"].as_f64().unwrap();
    assert!(off > 0.0 && off < 0.3, "{off}");
}

#[tokio::test]
async fn governorates_are_a_geojson_collection() {
    let app = app_embedded();
    let answer = get(&app, "/collections/governorates/items?limit=100").await;
    assert_eq!(answer.content_type(), "application/geo+json");
    let collection = ok(&answer);
    let features = collection["features"].as_array().unwrap();
    assert_eq!(features.len(), 14);
    assert_eq!(collection["numberReturned"], 14);
    let pcodes: Vec<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
    let mut sorted = pcodes.clone();
    sorted.sort_unstable();
    assert_eq!(pcodes, sorted);
    let total: f64 = features
        .iter()
        .map(|f| f["properties"]["area_km2"].as_f64().unwrap())
        .sum();
    assert!(
        (total - 188_111.0).abs() < 200.0,
        "Syria is ~188,111 km²: {total}"
    );

    let idleb = ok(&get(&app, "/collections/governorates/items/SY07").await);
    assert_eq!(idleb["properties"]["name_en"], "Idleb");
    assert!(
        idleb["properties"]["attribution"]
            .as_str()
            .unwrap()
            .contains("OCHA")
    );
    let answer = get(&app, "/collections/governorates/items/SY99").await;
    assert_problem(
        &answer,
        404,
        "not-found",
        "/collections/governorates/items/SY99",
    );
}
