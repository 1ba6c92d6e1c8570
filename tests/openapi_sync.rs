//! The committed `openapi/openapi.json` is what the server serves at `/api`.
//!
//! When this fails, regenerate: `cargo run -- openapi > openapi/openapi.json`.

#![allow(clippy::unwrap_used)]

use axum::{body::Body, http::Request};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

const COMMITTED: &str = include_str!("../openapi/openapi.json");

#[test]
fn committed_openapi_document_matches_the_generated_one() {
    let generated = dezone::http::openapi::render(&dezone::http::openapi());
    assert!(
        generated == COMMITTED,
        "openapi/openapi.json is stale; regenerate it with `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[tokio::test]
async fn served_api_document_is_the_committed_file_byte_for_byte() {
    let zones = dezone::geodata::load_embedded().unwrap();
    let app = dezone::http::router(dezone::http::AppState::new(
        zones,
        dezone::http::Limits::default(),
    ));
    let response = app
        .oneshot(Request::get("/api").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.oai.openapi+json;version=3.1"
    );
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(std::str::from_utf8(&body).unwrap(), COMMITTED);
}

#[test]
fn every_route_documents_its_error_responses_as_problems() {
    let doc: serde_json::Value = serde_json::from_str(COMMITTED).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]["application/problem+json"].is_object(),
                        "{method} {path} {status} is not documented as application/problem+json"
                    );
                }
            }
        }
    }
}
