//! OGC API – Features, in-process over the embedded data (the four zones and
//! the 14 governorates), section by section after the classes of the OGC
//! executable test suites: Part 1 (landing page, conformance, API definition,
//! collections, collection, features, bbox, limit, time, feature, general
//! HTTP) and Part 3 (filter, features-filter, queryables, CQL2).
//!
//! Zone dates: all from 2017-05-06; eastern-ghouta until 2018-04-14,
//! northern-homs until 2018-05-16, southern until 2018-07-31, idlib open.

#![allow(clippy::unwrap_used, clippy::float_cmp, clippy::too_many_lines)]

mod common;

use std::sync::LazyLock;

use axum::{
    Router,
    body::Body,
    http::{Method, StatusCode, header},
};
use common::{
    Answer, app_embedded, assert_parameter_problem, assert_problem, get, get_with, request, send,
};
use dezone::http::ogc::CONFORMANCE;
use serde_json::{Value, json};

/// The service as `dezone serve` runs it, built once.
static APP: LazyLock<Router> = LazyLock::new(app_embedded);

fn app() -> &'static Router {
    &APP
}

const ZONES: [&str; 4] = ["eastern-ghouta", "idlib", "northern-homs", "southern"];
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const OAS30: &str = "application/vnd.oai.openapi+json;version=3.0";
const QUERYABLES_REL: &str = "http://www.opengis.net/def/rel/ogc/1.0/queryables";
const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// Idlib city, inside the Idlib zone and the Idleb governorate.
const IDLIB_CITY: &str = "POINT(36.63 35.93)";
/// The old city of Damascus, in the Damascus governorate (SY01).
const DAMASCUS: &str = "POINT(36.306 33.511)";

/// Every OGC resource taking only `f`, with the zones item and queryables.
const RESOURCES: [&str; 10] = [
    "/",
    "/conformance",
    "/collections",
    "/collections/zones",
    "/collections/zones/items",
    "/collections/zones/items/idlib",
    "/collections/zones/queryables",
    "/collections/governorates",
    "/collections/governorates/items",
    "/collections/governorates/items/SY07",
];

// ---------------------------------------------------------------- helpers

/// Percent-encodes a query value.
fn enc(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `uri` with `name=value` appended (value encoded).
fn with(uri: &str, name: &str, value: &str) -> String {
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{name}={}", enc(value))
}

/// The items URI of `collection` with `params` (values encoded).
fn items_uri(collection: &str, params: &[(&str, &str)]) -> String {
    params.iter().fold(
        format!("/collections/{collection}/items"),
        |uri, (name, value)| with(&uri, name, value),
    )
}

/// `GET uri`, which must answer 200; the body as JSON.
#[track_caller]
fn ok_json(answer: &Answer) -> Value {
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "body: {}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()
}

async fn get_json(uri: &str) -> Value {
    let answer = get(app(), uri).await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "GET {uri}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()
}

/// The items of `collection` matching `params`, as a FeatureCollection.
async fn items(collection: &str, params: &[(&str, &str)]) -> Value {
    let uri = items_uri(collection, params);
    let answer = get(app(), &uri).await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "GET {uri}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.content_type(), "application/geo+json", "GET {uri}");
    answer.json()
}

/// The feature ids of a FeatureCollection, sorted.
fn ids(collection: &Value) -> Vec<String> {
    let mut ids: Vec<String> = collection["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// The ids of the zones matching `params`, checking `numberMatched`.
async fn zone_ids(params: &[(&str, &str)]) -> Vec<String> {
    let page = items("zones", params).await;
    let ids = ids(&page);
    assert_eq!(
        page["numberMatched"],
        ids.len(),
        "numberMatched of {params:?}"
    );
    assert_eq!(
        page["numberReturned"],
        ids.len(),
        "numberReturned of {params:?}"
    );
    ids
}

/// The links of a resource.
fn links(value: &Value) -> &Vec<Value> {
    value["links"]
        .as_array()
        .unwrap_or_else(|| panic!("no links in {value}"))
}

/// The link with `rel` (and `type`, if given).
#[track_caller]
fn link<'a>(value: &'a Value, rel: &str, media_type: Option<&str>) -> &'a Value {
    links(value)
        .iter()
        .find(|l| l["rel"] == rel && media_type.is_none_or(|t| l["type"] == t))
        .unwrap_or_else(|| panic!("no link rel={rel} type={media_type:?} in {value}"))
}

/// A link's href as an in-process URI: any scheme and host are stripped.
fn path_of(href: &str) -> String {
    match href.split_once("://") {
        Some((_, rest)) => rest
            .find('/')
            .map_or_else(|| "/".to_owned(), |i| rest[i..].to_owned()),
        None => href.to_owned(),
    }
}

/// Whether a link points off the service (the licence text).
fn is_external(link: &Value) -> bool {
    link["rel"] == "license"
}

/// The href of the link with `rel` (and `type`) as an in-process URI.
#[track_caller]
fn href(value: &Value, rel: &str, media_type: Option<&str>) -> String {
    path_of(link(value, rel, media_type)["href"].as_str().unwrap())
}

/// Every `Vary` token, lowercased.
fn vary(answer: &Answer) -> Vec<String> {
    answer
        .headers
        .get_all(header::VARY)
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .collect()
}

#[track_caller]
fn assert_html(answer: &Answer, uri: &str) {
    assert_eq!(answer.status, StatusCode::OK, "GET {uri}");
    assert!(
        answer.content_type().starts_with("text/html"),
        "GET {uri}: {}",
        answer.content_type()
    );
    assert!(answer.text().contains("<html"), "GET {uri} is not a page");
}

#[track_caller]
fn assert_json_type(answer: &Answer, uri: &str) {
    let ct = answer.content_type();
    assert!(
        [
            "application/json",
            "application/geo+json",
            "application/schema+json"
        ]
        .contains(&ct),
        "GET {uri}: {ct}"
    );
    let _ = answer.json();
}

/// Checks a 400 about `filter` on the zones items whose detail mentions the
/// filter (parse errors name it as `filter`, evaluation errors as "the filter").
#[track_caller]
fn assert_filter_problem(answer: &Answer) -> Value {
    let problem = assert_problem(answer, 400, "invalid-parameter", "/collections/zones/items");
    assert_eq!(problem["parameter"], "filter", "parameter of {problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("filter"),
        "detail names the filter: {detail}"
    );
    problem
}

#[track_caller]
fn assert_rfc3339(text: &str) {
    assert!(
        text.parse::<jiff::Timestamp>().is_ok(),
        "{text:?} is not an RFC 3339 date-time"
    );
}

// ------------------------------------------------------- Part 1: landing page

#[tokio::test]
async fn landing_page_links_to_itself_the_api_the_conformance_and_the_data() {
    let answer = get(app(), "/").await;
    assert_eq!(answer.content_type(), "application/json");
    let landing = ok_json(&answer);
    assert!(landing["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(landing["description"].is_string());
    link(&landing, "self", Some("application/json"));
    link(&landing, "alternate", Some("text/html"));
    link(&landing, "service-desc", Some(OAS30));
    link(&landing, "service-doc", Some("text/html"));
    link(&landing, "conformance", None);
    link(&landing, "data", None);
    for l in links(&landing) {
        for member in ["href", "rel", "type", "title"] {
            assert!(l[member].is_string(), "{member} of link {l}");
        }
    }
}

#[tokio::test]
async fn every_landing_page_link_resolves() {
    let landing = get_json("/").await;
    for l in links(&landing) {
        if is_external(l) {
            continue;
        }
        let uri = path_of(l["href"].as_str().unwrap());
        let answer = get(app(), &uri).await;
        assert_eq!(answer.status, StatusCode::OK, "{l}");
        let ct = answer.content_type();
        let expected = l["type"].as_str().unwrap();
        assert!(
            ct.replace(' ', "").starts_with(&expected.replace(' ', "")),
            "{uri}: Content-Type {ct}, link type {expected}"
        );
    }
}

#[tokio::test]
async fn landing_page_conformance_and_data_links_lead_to_those_resources() {
    let landing = get_json("/").await;
    let conformance = get_json(&href(&landing, "conformance", Some("application/json"))).await;
    assert!(conformance["conformsTo"].is_array());
    let data = get_json(&href(&landing, "data", Some("application/json"))).await;
    assert!(data["collections"].is_array());
}

// -------------------------------------------------------- Part 1: conformance

#[tokio::test]
async fn conformance_lists_exactly_the_implemented_classes() {
    let conformance = get_json("/conformance").await;
    let mut listed: Vec<&str> = conformance["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    listed.sort_unstable();
    let mut expected = CONFORMANCE.to_vec();
    expected.sort_unstable();
    assert_eq!(listed, expected);
    for class in [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    ] {
        assert!(listed.contains(&class), "{class}");
    }
}

#[tokio::test]
async fn conformance_links_to_itself_and_its_html() {
    let conformance = get_json("/conformance").await;
    get_json(&href(&conformance, "self", Some("application/json"))).await;
    let html = href(&conformance, "alternate", Some("text/html"));
    assert_html(&get(app(), &html).await, &html);
}

// ----------------------------------------------------- Part 1: API definition

#[tokio::test]
async fn service_desc_is_served_as_openapi_3_0() {
    let landing = get_json("/").await;
    let uri = href(&landing, "service-desc", Some(OAS30));
    let answer = get(app(), &uri).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type().replace(' ', ""), OAS30, "GET {uri}");
    let doc = answer.json();
    let version = doc["openapi"].as_str().unwrap();
    assert!(version.starts_with("3.0."), "openapi {version}");
    for path in [
        "/",
        "/conformance",
        "/collections",
        "/collections/{collectionId}",
        "/collections/{collectionId}/items",
        "/collections/{collectionId}/items/{featureId}",
        "/collections/{collectionId}/queryables",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} in the API");
    }
}

#[tokio::test]
async fn api_definition_documents_every_items_parameter() {
    let answer = get(app(), "/api").await;
    let doc = ok_json(&answer);
    let params: Vec<&str> = doc["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for name in [
        "collectionId",
        "f",
        "limit",
        "offset",
        "bbox",
        "bbox-crs",
        "datetime",
        "filter",
        "filter-lang",
        "filter-crs",
    ] {
        assert!(params.contains(&name), "{name} in {params:?}");
    }
}

#[tokio::test]
async fn service_doc_is_an_html_page() {
    let landing = get_json("/").await;
    let uri = href(&landing, "service-doc", Some("text/html"));
    assert_html(&get(app(), &uri).await, &uri);
}

#[tokio::test]
async fn head_on_every_get_route_answers_200_without_a_body() {
    let mut uris: Vec<String> = RESOURCES.iter().map(|&u| u.to_owned()).collect();
    uris.extend([
        "/api".to_owned(),
        "/collections/governorates/queryables".to_owned(),
    ]);
    uris.push(items_uri("zones", &[("limit", "2"), ("offset", "1")]));
    for uri in &uris {
        let get_answer = get(app(), uri).await;
        let head = send(app(), request(Method::HEAD, uri, &[], Body::empty())).await;
        assert_eq!(head.status, StatusCode::OK, "HEAD {uri}");
        assert!(head.body.is_empty(), "HEAD {uri} has a body");
        assert_eq!(
            head.header(header::CONTENT_TYPE),
            get_answer.header(header::CONTENT_TYPE),
            "HEAD {uri}"
        );
        assert_eq!(
            head.header(header::ETAG),
            get_answer.header(header::ETAG),
            "HEAD {uri}"
        );
    }
}

// -------------------------------------------------------- Part 1: collections

#[tokio::test]
async fn collections_lists_zones_and_governorates_with_links() {
    let answer = get(app(), "/collections").await;
    assert_eq!(answer.content_type(), "application/json");
    let collections = ok_json(&answer);
    let ids: Vec<&str> = collections["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["zones", "governorates"]);
    get_json(&href(&collections, "self", Some("application/json"))).await;
    let html = href(&collections, "alternate", Some("text/html"));
    assert_html(&get(app(), &html).await, &html);
}

#[tokio::test]
async fn each_listed_collection_is_the_same_as_its_own_resource() {
    let collections = get_json("/collections").await;
    for listed in collections["collections"].as_array().unwrap() {
        let id = listed["id"].as_str().unwrap();
        let own = get_json(&format!("/collections/{id}")).await;
        assert_eq!(listed, &own, "/collections/{id}");
        for l in links(listed) {
            assert!(l["href"].is_string() && l["rel"].is_string(), "{l}");
        }
    }
}

// --------------------------------------------------------- Part 1: collection

#[tokio::test]
async fn zones_collection_describes_its_extent_crs_and_links() {
    let answer = get(app(), "/collections/zones").await;
    assert_eq!(answer.content_type(), "application/json");
    let zones = ok_json(&answer);
    assert_eq!(zones["id"], "zones");
    assert!(zones["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(zones["description"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(zones["itemType"], "feature");
    assert!(
        zones["crs"].as_array().unwrap().iter().any(|c| c == CRS84),
        "crs {}",
        zones["crs"]
    );
    let bbox: Vec<f64> = zones["extent"]["spatial"]["bbox"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_f64().unwrap())
        .collect();
    assert_eq!(bbox.len(), 4);
    assert!(bbox[0] < bbox[2] && bbox[1] < bbox[3], "{bbox:?}");
    // Every zone's own bbox lies inside the extent.
    let all = items("zones", &[]).await;
    for feature in all["features"].as_array().unwrap() {
        let points: Vec<(f64, f64)> = coordinates(&feature["geometry"]);
        assert!(!points.is_empty());
        for (x, y) in points {
            assert!(
                bbox[0] <= x && x <= bbox[2] && bbox[1] <= y && y <= bbox[3],
                "{} at {x},{y} outside {bbox:?}",
                feature["id"]
            );
        }
    }
    assert_eq!(
        zones["extent"]["temporal"]["interval"],
        json!([["2017-05-06T00:00:00Z", null]])
    );
    link(&zones, "self", Some("application/json"));
    link(&zones, "alternate", Some("text/html"));
    link(&zones, "items", Some("application/geo+json"));
    link(&zones, "items", Some("text/html"));
    link(&zones, "license", None);
    link(&zones, "describedby", None);
    link(&zones, QUERYABLES_REL, Some("application/schema+json"));
}

/// Every position of a Polygon or MultiPolygon.
fn coordinates(geometry: &Value) -> Vec<(f64, f64)> {
    fn walk(value: &Value, out: &mut Vec<(f64, f64)>) {
        let array = value.as_array().unwrap();
        if array.first().is_some_and(Value::is_number) {
            out.push((array[0].as_f64().unwrap(), array[1].as_f64().unwrap()));
        } else {
            for inner in array {
                walk(inner, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&geometry["coordinates"], &mut out);
    out
}

#[tokio::test]
async fn collection_links_resolve() {
    for id in ["zones", "governorates"] {
        let collection = get_json(&format!("/collections/{id}")).await;
        for l in links(&collection) {
            if is_external(l) {
                continue;
            }
            let uri = path_of(l["href"].as_str().unwrap());
            let answer = get(app(), &uri).await;
            assert_eq!(answer.status, StatusCode::OK, "{l}");
            let expected = l["type"].as_str().unwrap();
            assert!(
                answer.content_type().starts_with(expected),
                "{uri}: Content-Type {}, link type {expected}",
                answer.content_type()
            );
        }
    }
}

#[tokio::test]
async fn governorates_collection_has_a_spatial_extent_but_no_temporal_one() {
    let governorates = get_json("/collections/governorates").await;
    assert_eq!(governorates["id"], "governorates");
    assert_eq!(governorates["itemType"], "feature");
    assert_eq!(
        governorates["extent"]["spatial"]["bbox"][0]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert!(governorates["extent"]["temporal"].is_null());
}

#[tokio::test]
async fn an_unknown_collection_is_a_404_problem() {
    for uri in [
        "/collections/cities",
        "/collections/cities/items",
        "/collections/cities/items/idlib",
        "/collections/cities/queryables",
    ] {
        let answer = get(app(), uri).await;
        let problem = assert_problem(&answer, 404, "not-found", uri);
        assert!(
            problem["detail"].as_str().unwrap().contains("zones"),
            "{problem}"
        );
    }
}

// ----------------------------------------------------------- Part 1: features

#[tokio::test]
async fn items_are_a_geojson_feature_collection_with_exact_counts() {
    let answer = get(app(), "/collections/zones/items").await;
    assert_eq!(answer.content_type(), "application/geo+json");
    let page = ok_json(&answer);
    assert_eq!(page["type"], "FeatureCollection");
    assert_eq!(page["numberMatched"], 4);
    assert_eq!(page["numberReturned"], 4);
    assert_eq!(ids(&page), ZONES);
    assert_rfc3339(page["timeStamp"].as_str().unwrap());
    get_json(&href(&page, "self", Some("application/geo+json"))).await;
    let html = href(&page, "alternate", Some("text/html"));
    assert_html(&get(app(), &html).await, &html);
    let collection = get_json(&href(&page, "collection", None)).await;
    assert_eq!(collection["id"], "zones");
    assert!(
        links(&page).iter().all(|l| l["rel"] != "next"),
        "no next page"
    );
}

#[tokio::test]
async fn every_feature_has_an_id_a_geometry_and_properties() {
    for collection in ["zones", "governorates"] {
        let page = items(collection, &[("limit", "100")]).await;
        for feature in page["features"].as_array().unwrap() {
            assert_eq!(feature["type"], "Feature");
            assert!(feature["id"].is_string(), "{collection}: id");
            let kind = feature["geometry"]["type"].as_str().unwrap();
            assert!(
                ["Polygon", "MultiPolygon"].contains(&kind),
                "{collection}/{}: {kind}",
                feature["id"]
            );
            assert!(feature["properties"].is_object());
        }
    }
}

#[tokio::test]
async fn governorates_are_paged_ten_at_a_time_by_default() {
    let first = items("governorates", &[]).await;
    assert_eq!(first["numberMatched"], 14);
    assert_eq!(first["numberReturned"], 10);
    assert_eq!(first["features"].as_array().unwrap().len(), 10);
    assert!(links(&first).iter().all(|l| l["rel"] != "prev"));
    let next = href(&first, "next", Some("application/geo+json"));
    let answer = get(app(), &next).await;
    assert_eq!(answer.content_type(), "application/geo+json");
    let second = ok_json(&answer);
    assert_eq!(second["numberMatched"], 14);
    assert_eq!(second["numberReturned"], 4);
    assert!(links(&second).iter().all(|l| l["rel"] != "next"));
    let mut all = ids(&first);
    all.extend(ids(&second));
    all.sort();
    let expected: Vec<String> = (1..=14).map(|n| format!("SY{n:02}")).collect();
    assert_eq!(all, expected);
    let prev = get_json(&href(&second, "prev", Some("application/geo+json"))).await;
    assert_eq!(ids(&prev), ids(&first));
}

// -------------------------------------------------------------- Part 1: limit

#[tokio::test]
async fn limit_and_offset_select_a_page_with_next_and_prev_links() {
    let all = items("zones", &[]).await;
    let order: Vec<&Value> = all["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["id"])
        .collect();
    let page = items("zones", &[("limit", "2"), ("offset", "2")]).await;
    assert_eq!(page["numberMatched"], 4);
    assert_eq!(page["numberReturned"], 2);
    let got: Vec<&Value> = page["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["id"])
        .collect();
    assert_eq!(got, order[2..]);
    assert!(links(&page).iter().all(|l| l["rel"] != "next"));
    let prev = get_json(&href(&page, "prev", Some("application/geo+json"))).await;
    assert_eq!(prev["numberReturned"], 2);
    let got: Vec<&Value> = prev["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["id"])
        .collect();
    assert_eq!(got, order[..2]);
    let self_page = get_json(&href(&page, "self", Some("application/geo+json"))).await;
    assert_eq!(self_page["features"], page["features"]);
}

#[tokio::test]
async fn a_limit_of_one_walks_every_zone_by_next_links() {
    let mut uri = items_uri("zones", &[("limit", "1")]);
    let mut seen = Vec::new();
    for _ in 0..10 {
        let page = get_json(&uri).await;
        assert_eq!(page["numberReturned"], 1);
        seen.extend(ids(&page));
        match links(&page).iter().find(|l| l["rel"] == "next") {
            Some(next) => uri = path_of(next["href"].as_str().unwrap()),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, ZONES);
}

#[tokio::test]
async fn an_offset_past_the_end_gives_an_empty_page() {
    let page = items("zones", &[("offset", "10")]).await;
    assert_eq!(page["numberMatched"], 4);
    assert_eq!(page["numberReturned"], 0);
    assert_eq!(page["features"], json!([]));
    // `self` names the page asked for; `prev` leads back to the items.
    let href = |rel: &str| {
        page["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == rel)
            .and_then(|l| l["href"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(href("self").contains("offset=10&"), "{}", href("self"));
    assert!(
        href("alternate").contains("offset=10&"),
        "{}",
        href("alternate")
    );
    assert!(!href("prev").contains("offset="), "{}", href("prev"));
}

#[tokio::test]
async fn a_limit_above_the_maximum_is_clamped() {
    let page = items("governorates", &[("limit", "20000")]).await;
    assert_eq!(page["numberMatched"], 14);
    assert_eq!(page["numberReturned"], 14);
}

#[tokio::test]
async fn a_bad_limit_or_offset_is_a_400_naming_it() {
    for (name, value) in [
        ("limit", "0"),
        ("limit", "-1"),
        ("limit", "abc"),
        ("limit", "1.5"),
        ("limit", ""),
        ("offset", "-1"),
        ("offset", "x"),
    ] {
        let uri = items_uri("zones", &[(name, value)]);
        let answer = get(app(), &uri).await;
        assert_parameter_problem(
            &answer,
            "invalid-parameter",
            name,
            "/collections/zones/items",
        );
    }
}

// --------------------------------------------------------------- Part 1: bbox

#[tokio::test]
async fn a_bbox_around_idlib_city_returns_the_idlib_zone() {
    let ids = zone_ids(&[("bbox", "36.5,35.8,36.7,36.0")]).await;
    assert_eq!(ids, ["idlib"]);
    assert!(!ids.contains(&"southern".to_owned()));
}

#[tokio::test]
async fn a_bbox_with_heights_is_read_as_its_horizontal_box() {
    let ids = zone_ids(&[("bbox", "36.5,35.8,0,36.7,36.0,1000")]).await;
    assert_eq!(ids, ["idlib"]);
}

#[tokio::test]
async fn a_bbox_over_syria_returns_every_zone() {
    let ids = zone_ids(&[("bbox", "35,32,43,38")]).await;
    assert_eq!(ids, ZONES);
}

#[tokio::test]
async fn a_bbox_in_the_sea_returns_nothing() {
    let page = items("zones", &[("bbox", "34.0,34.0,34.5,34.5")]).await;
    assert_eq!(page["numberMatched"], 0);
    assert_eq!(page["numberReturned"], 0);
    assert_eq!(page["features"], json!([]));
}

#[tokio::test]
async fn a_bbox_across_the_antimeridian_is_accepted() {
    let page = items("zones", &[("bbox", "170,-10,-170,10")]).await;
    assert_eq!(page["numberMatched"], 0);
    let page = items("governorates", &[("bbox", "170,-10,-170,10")]).await;
    assert_eq!(page["numberMatched"], 0);
}

#[tokio::test]
async fn a_bad_bbox_is_a_400_naming_bbox() {
    for bbox in [
        "36,35,37",
        "36,35,37,36,1",
        "0,0,200,1",
        "0,-91,1,1",
        "36,36,37,35",
        "a,b,c,d",
        "",
        "NaN,0,1,1",
    ] {
        let answer = get(app(), &items_uri("zones", &[("bbox", bbox)])).await;
        assert_parameter_problem(
            &answer,
            "invalid-parameter",
            "bbox",
            "/collections/zones/items",
        );
    }
}

#[tokio::test]
async fn bbox_crs_must_be_crs84() {
    let ok = items(
        "zones",
        &[("bbox", "36.5,35.8,36.7,36.0"), ("bbox-crs", CRS84)],
    )
    .await;
    assert_eq!(ids(&ok), ["idlib"]);
    let uri = items_uri(
        "zones",
        &[
            ("bbox", "35.8,36.5,36.0,36.7"),
            ("bbox-crs", "http://www.opengis.net/def/crs/EPSG/0/3857"),
        ],
    );
    let answer = get(app(), &uri).await;
    assert_parameter_problem(
        &answer,
        "invalid-parameter",
        "bbox-crs",
        "/collections/zones/items",
    );
}

#[tokio::test]
async fn a_bbox_selects_governorates_too() {
    let page = items("governorates", &[("bbox", "36.30,33.50,36.31,33.52")]).await;
    assert!(ids(&page).contains(&"SY01".to_owned()), "{:?}", ids(&page));
    assert!(!ids(&page).contains(&"SY08".to_owned()));
}

// --------------------------------------------------------------- Part 1: time

#[tokio::test]
async fn an_instant_returns_the_zones_in_force_then() {
    let ids = zone_ids(&[("datetime", "2018-06-01T00:00:00Z")]).await;
    assert_eq!(ids, ["idlib", "southern"]);
}

#[tokio::test]
async fn an_open_ended_interval_returns_the_zones_in_force_during_it() {
    let ids = zone_ids(&[("datetime", "2018-04-15/..")]).await;
    assert_eq!(ids, ["idlib", "northern-homs", "southern"]);
    let ids = zone_ids(&[("datetime", "2018-04-15T00:00:00Z/..")]).await;
    assert_eq!(ids, ["idlib", "northern-homs", "southern"]);
}

#[tokio::test]
async fn an_interval_ending_before_the_memorandum_returns_nothing() {
    let page = items("zones", &[("datetime", "../2017-05-05T00:00:00Z")]).await;
    assert_eq!(page["numberMatched"], 0);
    assert_eq!(page["features"], json!([]));
}

#[tokio::test]
async fn a_date_alone_is_an_instant() {
    let ids = zone_ids(&[("datetime", "2017-09-01")]).await;
    assert_eq!(ids, ZONES);
}

#[tokio::test]
async fn the_last_day_of_a_zone_still_includes_it() {
    let ids = zone_ids(&[("datetime", "2018-04-14T23:00:00Z")]).await;
    assert!(ids.contains(&"eastern-ghouta".to_owned()), "{ids:?}");
    let ids = zone_ids(&[("datetime", "2018-04-15T00:00:00Z")]).await;
    assert!(!ids.contains(&"eastern-ghouta".to_owned()), "{ids:?}");
}

#[tokio::test]
async fn a_closed_interval_returns_zones_overlapping_it() {
    let ids = zone_ids(&[("datetime", "2018-05-01T00:00:00Z/2018-05-31T00:00:00Z")]).await;
    assert_eq!(ids, ["idlib", "northern-homs", "southern"]);
    let ids = zone_ids(&[("datetime", "2019-01-01T00:00:00Z/2020-01-01T00:00:00Z")]).await;
    assert_eq!(ids, ["idlib"]);
}

#[tokio::test]
async fn a_malformed_datetime_is_a_400_naming_datetime() {
    for datetime in [
        "yesterday",
        "2018-13-01",
        "2018-06-01T25:00:00Z",
        "../..",
        "2019-01-01/2018-01-01",
        "a/b/c",
        "",
    ] {
        let answer = get(app(), &items_uri("zones", &[("datetime", datetime)])).await;
        assert_parameter_problem(
            &answer,
            "invalid-parameter",
            "datetime",
            "/collections/zones/items",
        );
    }
}

#[tokio::test]
async fn governorates_have_no_dates_and_ignore_datetime() {
    let page = items("governorates", &[("datetime", "2000-01-01T00:00:00Z")]).await;
    assert_eq!(page["numberMatched"], 14);
}

// ------------------------------------------------------------ Part 1: feature

#[tokio::test]
async fn a_zone_is_a_geojson_feature_with_links() {
    let answer = get(app(), "/collections/zones/items/idlib").await;
    assert_eq!(answer.content_type(), "application/geo+json");
    let idlib = ok_json(&answer);
    assert_eq!(idlib["type"], "Feature");
    assert_eq!(idlib["id"], "idlib");
    assert_eq!(idlib["properties"]["number"], 1);
    assert!(idlib["geometry"]["coordinates"].is_array());
    let own = get_json(&href(&idlib, "self", Some("application/geo+json"))).await;
    assert_eq!(own["id"], "idlib");
    let html = href(&idlib, "alternate", Some("text/html"));
    assert_html(&get(app(), &html).await, &html);
    let collection = get_json(&href(&idlib, "collection", None)).await;
    assert_eq!(collection["id"], "zones");
}

#[tokio::test]
async fn each_feature_in_the_items_is_its_own_item() {
    for collection in ["zones", "governorates"] {
        let page = items(collection, &[("limit", "100")]).await;
        for feature in page["features"].as_array().unwrap() {
            let id = feature["id"].as_str().unwrap();
            let own = get_json(&format!("/collections/{collection}/items/{id}")).await;
            assert_eq!(&own, feature, "{collection}/{id}");
        }
    }
}

#[tokio::test]
async fn a_governorate_is_found_by_its_p_code() {
    let idleb = get_json("/collections/governorates/items/SY07").await;
    assert_eq!(idleb["id"], "SY07");
    assert_eq!(idleb["properties"]["pcode"], "SY07");
}

#[tokio::test]
async fn an_unknown_item_is_a_404_problem() {
    for uri in [
        "/collections/zones/items/aleppo",
        "/collections/zones/items/SY07",
        "/collections/governorates/items/SY99",
        "/collections/governorates/items/idlib",
    ] {
        let answer = get(app(), uri).await;
        assert_problem(&answer, 404, "not-found", uri);
    }
}

// -------------------------------------------------------- Part 3: queryables

#[tokio::test]
async fn queryables_are_a_json_schema_of_the_filterable_properties() {
    let answer = get(app(), "/collections/zones/queryables").await;
    assert_eq!(answer.content_type(), "application/schema+json");
    let schema = ok_json(&answer);
    assert!(
        schema["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("json-schema.org")),
        "$schema"
    );
    assert!(schema["$id"].is_string());
    assert_eq!(schema["type"], "object");
    for name in ["geometry", "number", "name", "valid_from", "valid_until"] {
        assert!(schema["properties"][name].is_object(), "{name}");
    }
    assert_eq!(schema["properties"]["number"]["type"], "integer");
    let governorates = get_json("/collections/governorates/queryables").await;
    for name in ["geometry", "pcode", "name_en"] {
        assert!(governorates["properties"][name].is_object(), "{name}");
    }
}

/// Every property a feature holds has a type its queryable allows, `null`
/// included: a client building filters from the schema meets no surprise.
#[tokio::test]
async fn every_feature_property_has_a_type_its_queryable_allows() {
    for collection in ["zones", "governorates"] {
        let schema = get_json(&format!("/collections/{collection}/queryables")).await;
        let items = get_json(&format!("/collections/{collection}/items?limit=100")).await;
        for feature in items["features"].as_array().unwrap() {
            for (name, queryable) in schema["properties"].as_object().unwrap() {
                let Some(value) = feature["properties"].get(name) else {
                    continue;
                };
                let allowed: Vec<&str> = match &queryable["type"] {
                    Value::String(one) => vec![one.as_str()],
                    Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
                    _ => continue,
                };
                let kind = match value {
                    Value::Null => "null",
                    Value::Bool(_) => "boolean",
                    Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
                    Value::Number(_) => "number",
                    Value::String(_) => "string",
                    Value::Array(_) => "array",
                    Value::Object(_) => "object",
                };
                let fits =
                    allowed.contains(&kind) || (kind == "integer" && allowed.contains(&"number"));
                assert!(
                    fits,
                    "{collection}/{}: {name} is {kind}, the queryable allows {allowed:?}",
                    feature["id"]
                );
            }
        }
    }
}

#[tokio::test]
async fn queryables_come_as_html_too() {
    for uri in [
        "/collections/zones/queryables?f=html",
        "/collections/governorates/queryables?f=html",
    ] {
        let answer = get(app(), uri).await;
        assert_html(&answer, uri);
        assert!(answer.text().contains("valid_from") || uri.contains("governorates"));
    }
    let schema = get_json("/collections/zones/queryables").await;
    let html = href(&schema, "alternate", Some("text/html"));
    assert_html(&get(app(), &html).await, &html);
}

// ------------------------------------------------ Part 3: filter, cql2-text

#[tokio::test]
async fn s_intersects_with_idlib_city_returns_exactly_idlib() {
    let filter = format!("S_INTERSECTS(geometry,{IDLIB_CITY})");
    assert_eq!(zone_ids(&[("filter", &filter)]).await, ["idlib"]);
    let explicit = zone_ids(&[("filter", &filter), ("filter-lang", "cql2-text")]).await;
    assert_eq!(explicit, ["idlib"]);
    let crs = zone_ids(&[("filter", &filter), ("filter-crs", CRS84)]).await;
    assert_eq!(crs, ["idlib"]);
}

#[tokio::test]
async fn comparisons_on_properties_select_zones() {
    assert_eq!(
        zone_ids(&[("filter", "number = 3")]).await,
        ["eastern-ghouta"]
    );
    assert_eq!(
        zone_ids(&[("filter", "name LIKE '%Ghouta%'")]).await,
        ["eastern-ghouta"]
    );
    assert_eq!(
        zone_ids(&[("filter", "number > 1 AND number < 4")]).await,
        ["eastern-ghouta", "northern-homs"]
    );
    assert_eq!(
        zone_ids(&[("filter", "number = 1 OR number = 4")]).await,
        ["idlib", "southern"]
    );
    assert_eq!(
        zone_ids(&[("filter", "NOT (number <> 2)")]).await,
        ["northern-homs"]
    );
    assert_eq!(
        zone_ids(&[("filter", "number >= 99")]).await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn a_null_check_finds_the_zone_still_in_force() {
    assert_eq!(
        zone_ids(&[("filter", "valid_until IS NULL")]).await,
        ["idlib"]
    );
}

#[tokio::test]
async fn filters_work_on_governorates() {
    let page = items("governorates", &[("filter", "pcode = 'SY07'")]).await;
    assert_eq!(ids(&page), ["SY07"]);
    assert_eq!(page["numberMatched"], 1);
    let filter = format!("S_INTERSECTS(geometry,{DAMASCUS})");
    let page = items("governorates", &[("filter", &filter)]).await;
    assert_eq!(ids(&page), ["SY01"]);
}

#[tokio::test]
async fn a_filter_syntax_error_is_a_400_naming_filter() {
    for filter in [
        "number =",
        "((number = 1)",
        "name LIKE",
        "S_INTERSECTS(geometry,POINT(36.63))",
    ] {
        let answer = get(app(), &items_uri("zones", &[("filter", filter)])).await;
        assert_filter_problem(&answer);
    }
    // Parse errors name the parameter like every other parameter problem.
    let answer = get(app(), &items_uri("zones", &[("filter", "number =")])).await;
    assert_parameter_problem(
        &answer,
        "invalid-parameter",
        "filter",
        "/collections/zones/items",
    );
}

#[tokio::test]
async fn a_filter_on_an_unknown_property_is_a_400_listing_the_queryables() {
    for filter in ["colour = 'red'", "name = 'Idlib' AND colour = 'red'"] {
        let answer = get(app(), &items_uri("zones", &[("filter", filter)])).await;
        let problem = assert_filter_problem(&answer);
        let detail = problem["detail"].as_str().unwrap();
        for name in ["number", "name", "valid_from", "geometry"] {
            assert!(detail.contains(name), "{detail}");
        }
    }
}

#[tokio::test]
async fn comparing_values_of_different_types_is_a_400() {
    for filter in ["number = 'three'", "name > 3"] {
        let answer = get(app(), &items_uri("zones", &[("filter", filter)])).await;
        assert_filter_problem(&answer);
    }
}

#[tokio::test]

async fn a_filter_on_an_unknown_property_is_refused_even_when_nothing_else_matches() {
    for extra in [("bbox", "34.0,34.0,34.5,34.5"), ("datetime", "2000-01-01")] {
        let uri = items_uri("zones", &[("filter", "colour = 'red'"), extra]);
        let answer = get(app(), &uri).await;
        assert_filter_problem(&answer);
    }
    let uri = items_uri(
        "zones",
        &[
            ("filter", "S_INTERSECTS(geometry,POINT(36.63))"),
            ("bbox", "34.0,34.0,34.5,34.5"),
        ],
    );
    assert_filter_problem(&get(app(), &uri).await);
}

#[tokio::test]

async fn a_comparison_on_a_null_or_missing_value_excludes_that_item() {
    // idlib's valid_until is null (still in force).
    assert_eq!(
        zone_ids(&[("filter", "valid_until < DATE('2018-05-01')")]).await,
        ["eastern-ghouta"]
    );
    assert_eq!(
        zone_ids(&[("filter", "valid_until > '2018-05-01'")]).await,
        ["northern-homs", "southern"]
    );
    // southern has no population figure.
    assert_eq!(
        zone_ids(&[("filter", "population > 100000")]).await,
        ["eastern-ghouta", "idlib", "northern-homs"]
    );
}

#[tokio::test]

async fn an_unevaluable_filter_names_the_filter_parameter_in_its_detail() {
    let answer = get(app(), &items_uri("zones", &[("filter", "colour = 'red'")])).await;
    assert_parameter_problem(
        &answer,
        "invalid-parameter",
        "filter",
        "/collections/zones/items",
    );
}

#[tokio::test]
async fn a_filter_lang_other_than_cql2_is_a_400() {
    let uri = items_uri("zones", &[("filter", "number = 3"), ("filter-lang", "sql")]);
    let answer = get(app(), &uri).await;
    assert_parameter_problem(
        &answer,
        "invalid-parameter",
        "filter-lang",
        "/collections/zones/items",
    );
}

#[tokio::test]
async fn a_filter_crs_other_than_crs84_is_a_400() {
    let uri = items_uri(
        "zones",
        &[
            ("filter", "number = 3"),
            ("filter-crs", "http://www.opengis.net/def/crs/EPSG/0/3857"),
        ],
    );
    let answer = get(app(), &uri).await;
    assert_parameter_problem(
        &answer,
        "invalid-parameter",
        "filter-crs",
        "/collections/zones/items",
    );
}

#[tokio::test]
async fn a_filter_combines_with_bbox_datetime_and_paging() {
    let params = [
        ("filter", "number > 1"),
        ("bbox", "35,32,37.5,36.5"),
        ("limit", "1"),
    ];
    let first = items("zones", &params).await;
    assert_eq!(first["numberMatched"], 3);
    assert_eq!(first["numberReturned"], 1);
    let mut seen = ids(&first);
    let mut next = links(&first)
        .iter()
        .find(|l| l["rel"] == "next")
        .map(|l| path_of(l["href"].as_str().unwrap()));
    while let Some(uri) = next {
        assert!(uri.contains("filter=") && uri.contains("bbox="), "{uri}");
        let page = get_json(&uri).await;
        assert_eq!(page["numberMatched"], 3);
        seen.extend(ids(&page));
        next = links(&page)
            .iter()
            .find(|l| l["rel"] == "next")
            .map(|l| path_of(l["href"].as_str().unwrap()));
    }
    seen.sort();
    assert_eq!(seen, ["eastern-ghouta", "northern-homs", "southern"]);
    let in_june = zone_ids(&[
        ("filter", "number > 1"),
        ("datetime", "2018-06-01T00:00:00Z"),
    ])
    .await;
    assert_eq!(in_june, ["southern"]);
    let south_of_idlib = zone_ids(&[
        ("filter", &format!("S_INTERSECTS(geometry,{IDLIB_CITY})")),
        ("bbox", "35,32,37,33.5"),
    ])
    .await;
    assert!(south_of_idlib.is_empty());
}

// ------------------------------------------------------ Part 3: cql2-json

async fn zone_ids_json(filter: &Value) -> Vec<String> {
    zone_ids(&[
        ("filter", &filter.to_string()),
        ("filter-lang", "cql2-json"),
    ])
    .await
}

#[tokio::test]
async fn cql2_json_comparisons_select_the_same_zones_as_cql2_text() {
    let number = json!({"property": "number"});
    assert_eq!(
        zone_ids_json(&json!({"op": "=", "args": [number, 3]})).await,
        ["eastern-ghouta"]
    );
    assert_eq!(
        zone_ids_json(&json!({"op": "like", "args": [{"property": "name"}, "%Ghouta%"]})).await,
        ["eastern-ghouta"]
    );
    assert_eq!(
        zone_ids_json(&json!({"op": "and", "args": [
            {"op": ">", "args": [number, 1]},
            {"op": "<", "args": [number, 4]},
        ]}))
        .await,
        ["eastern-ghouta", "northern-homs"]
    );
}

#[tokio::test]
async fn cql2_json_s_intersects_takes_a_geojson_point() {
    let filter = json!({"op": "s_intersects", "args": [
        {"property": "geometry"},
        {"type": "Point", "coordinates": [36.63, 35.93]},
    ]});
    assert_eq!(zone_ids_json(&filter).await, ["idlib"]);
}

#[tokio::test]
async fn malformed_cql2_json_is_a_400_naming_filter() {
    for filter in [
        "{\"op\": \"=\"",
        "number = 3",
        "{\"op\": \"frobnicate\", \"args\": []}",
    ] {
        let uri = items_uri("zones", &[("filter", filter), ("filter-lang", "cql2-json")]);
        assert_filter_problem(&get(app(), &uri).await);
    }
}

// ------------------------------------------- CQL2: basic-cql2 and spatial

#[tokio::test]
async fn basic_cql2_compares_ids_dates_and_booleans() {
    assert_eq!(zone_ids(&[("filter", "id = 'idlib'")]).await, ["idlib"]);
    assert_eq!(
        zone_ids(&[("filter", "valid_from = DATE('2017-05-06')")]).await,
        ZONES
    );
    assert_eq!(zone_ids(&[("filter", "approximate = true")]).await, ZONES);
    assert_eq!(
        zone_ids(&[(
            "filter",
            "valid_until IS NULL OR valid_until > DATE('2018-05-01')"
        )])
        .await,
        ["idlib", "northern-homs", "southern"]
    );
    let page = items("governorates", &[("filter", "id = 'SY07'")]).await;
    assert_eq!(ids(&page), ["SY07"]);
}

#[tokio::test]
async fn s_intersects_takes_polygons_and_bboxes() {
    assert_eq!(
        zone_ids(&[("filter", "S_INTERSECTS(geometry,BBOX(36.5,35.8,36.7,36.0))")]).await,
        ["idlib"]
    );
    assert_eq!(
        zone_ids(&[(
            "filter",
            "S_INTERSECTS(geometry,POLYGON((36.5 35.8,36.7 35.8,36.7 36.0,36.5 36.0,36.5 35.8)))"
        )])
        .await,
        ["idlib"]
    );
    assert_eq!(
        zone_ids(&[("filter", "S_INTERSECTS(geometry,POINT(34.2 34.2))")]).await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn a_filter_without_matches_still_reports_paging_links() {
    let page = items("zones", &[("filter", "number = 42")]).await;
    assert_eq!(page["numberMatched"], 0);
    assert_eq!(page["numberReturned"], 0);
    let self_uri = href(&page, "self", Some("application/geo+json"));
    assert!(self_uri.contains("filter="), "{self_uri}");
}

// ------------------------------------------------ Part 1: general HTTP

#[tokio::test]
async fn f_html_gives_a_page_for_every_resource() {
    for uri in RESOURCES {
        let uri = with(uri, "f", "html");
        let answer = get(app(), &uri).await;
        assert_html(&answer, &uri);
    }
    let uri = items_uri("zones", &[("filter", "number = 3"), ("f", "html")]);
    let answer = get(app(), &uri).await;
    assert_html(&answer, &uri);
    assert!(answer.text().contains("Eastern Ghouta"));
}

#[tokio::test]
async fn accept_text_html_gives_a_page_for_every_resource() {
    for uri in RESOURCES {
        let answer = get_with(app(), uri, &[("accept", "text/html")]).await;
        assert_html(&answer, uri);
        let answer = get_with(app(), uri, &[("accept", BROWSER)]).await;
        assert_html(&answer, uri);
    }
}

#[tokio::test]
async fn f_json_and_json_accept_headers_give_json() {
    for uri in RESOURCES {
        let answer = get(app(), &with(uri, "f", "json")).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}");
        assert_json_type(&answer, uri);
        let answer = get_with(app(), uri, &[("accept", "application/geo+json")]).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}");
        assert_json_type(&answer, uri);
        let answer = get_with(app(), uri, &[("accept", "application/json")]).await;
        assert_json_type(&answer, uri);
        // `f` wins over Accept.
        let answer = get_with(app(), &with(uri, "f", "json"), &[("accept", BROWSER)]).await;
        assert_json_type(&answer, uri);
    }
}

#[tokio::test]
async fn f_xml_is_a_400_naming_f() {
    for uri in RESOURCES {
        let answer = get(app(), &with(uri, "f", "xml")).await;
        assert_parameter_problem(&answer, "invalid-parameter", "f", uri);
    }
}

#[tokio::test]
async fn accept_application_xml_is_a_406_problem() {
    for uri in RESOURCES {
        let answer = get_with(app(), uri, &[("accept", "application/xml")]).await;
        assert_problem(&answer, 406, "not-acceptable", uri);
    }
}

#[tokio::test]
async fn accept_quality_values_pick_the_preferred_representation() {
    for (accept, html) in [
        ("application/json;q=0.5, text/html", true),
        ("text/html;q=0.5, application/json", false),
        ("text/html;q=0.5, application/geo+json;q=0.9", false),
        ("*/*", false),
        ("text/*", true),
    ] {
        let answer = get_with(app(), "/collections/zones/items", &[("accept", accept)]).await;
        assert_eq!(answer.status, StatusCode::OK, "{accept}");
        assert_eq!(
            answer.content_type().starts_with("text/html"),
            html,
            "Accept: {accept} gave {}",
            answer.content_type()
        );
    }
    let answer = get_with(
        app(),
        "/",
        &[("accept", "application/json;q=0, text/html;q=0")],
    )
    .await;
    assert_problem(&answer, 406, "not-acceptable", "/");
}

#[tokio::test]

async fn a_type_refused_with_q_0_is_not_served_through_a_wildcard() {
    let answer = get_with(app(), "/", &[("accept", "application/json;q=0, */*;q=0.5")]).await;
    assert_html(&answer, "/");
    let answer = get_with(app(), "/", &[("accept", "text/html;q=0, */*")]).await;
    assert_eq!(answer.content_type(), "application/json");
    let answer = get_with(
        app(),
        "/",
        &[("accept", "application/json;q=0, text/html;q=0, */*")],
    )
    .await;
    assert_problem(&answer, 406, "not-acceptable", "/");
}

#[tokio::test]
async fn negotiated_answers_vary_on_accept_and_accept_encoding() {
    for uri in RESOURCES {
        for headers in [&[][..], &[("accept", "text/html")][..]] {
            let answer = get_with(app(), uri, headers).await;
            let vary = vary(&answer);
            assert!(vary.contains(&"accept".to_owned()), "{uri}: {vary:?}");
            assert!(
                vary.contains(&"accept-encoding".to_owned()),
                "{uri}: {vary:?}"
            );
        }
    }
    let answer = get(app(), &items_uri("zones", &[("limit", "2")])).await;
    assert!(vary(&answer).contains(&"accept".to_owned()));
}

#[tokio::test]
async fn if_none_match_gives_304_for_json_and_html_with_distinct_etags() {
    let mut uris: Vec<String> = RESOURCES.iter().map(|&u| u.to_owned()).collect();
    uris.push(items_uri("zones", &[("filter", "number = 3")]));
    for uri in &uris {
        let json = get(app(), uri).await;
        let html = get_with(app(), uri, &[("accept", "text/html")]).await;
        let json_tag = json.header(header::ETAG).unwrap().to_owned();
        let html_tag = html.header(header::ETAG).unwrap().to_owned();
        assert_ne!(json_tag, html_tag, "{uri}");
        let again = get_with(app(), uri, &[("if-none-match", &json_tag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri} json");
        assert!(again.body.is_empty());
        assert!(
            vary(&again).contains(&"accept".to_owned()),
            "{uri}: 304 Vary"
        );
        let again = get_with(
            app(),
            uri,
            &[("if-none-match", &html_tag), ("accept", "text/html")],
        )
        .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri} html");
        // One variant's tag does not validate the other.
        let cross = get_with(
            app(),
            uri,
            &[("if-none-match", &json_tag), ("accept", "text/html")],
        )
        .await;
        assert_eq!(cross.status, StatusCode::OK, "{uri} cross");
        assert_html(&cross, uri);
    }
}

#[tokio::test]
async fn cors_exposes_etag_and_link() {
    for uri in RESOURCES {
        let answer = get_with(app(), uri, &[("origin", "https://example.org")]).await;
        assert_eq!(
            answer.header("access-control-allow-origin"),
            Some("*"),
            "{uri}"
        );
        let exposed = answer
            .header("access-control-expose-headers")
            .unwrap_or_default()
            .to_ascii_lowercase();
        assert!(exposed.contains("etag"), "{uri}: {exposed}");
        assert!(exposed.contains("link"), "{uri}: {exposed}");
    }
}

#[tokio::test]
async fn an_unknown_parameter_is_a_400_on_every_ogc_route() {
    let mut uris: Vec<&str> = RESOURCES.to_vec();
    uris.extend(["/api", "/collections/governorates/queryables"]);
    for uri in uris {
        let answer = get(app(), &with(uri, "colour", "red")).await;
        assert_parameter_problem(&answer, "unknown-parameter", "colour", uri);
    }
    // Items parameters are not taken where they mean nothing.
    let answer = get(app(), "/collections/zones?limit=1").await;
    assert_parameter_problem(&answer, "unknown-parameter", "limit", "/collections/zones");
}

#[tokio::test]
async fn a_repeated_parameter_is_a_400() {
    let answer = get(app(), "/collections/zones/items?limit=1&limit=2").await;
    assert_parameter_problem(
        &answer,
        "duplicate-parameter",
        "limit",
        "/collections/zones/items",
    );
}

#[tokio::test]
async fn an_unknown_path_is_a_404_problem() {
    let answer = get(app(), "/collections/zones/items/idlib/extra").await;
    assert_problem(
        &answer,
        404,
        "not-found",
        "/collections/zones/items/idlib/extra",
    );
}

#[tokio::test]
async fn ogc_routes_refuse_post_with_a_405_problem() {
    for uri in ["/collections", "/collections/zones/items"] {
        let answer = send(app(), request(Method::POST, uri, &[], Body::empty())).await;
        assert_problem(&answer, 405, "method-not-allowed", uri);
    }
}
