//! The committed `openapi/openapi.json` (3.0.3) is what the server serves at
//! `/api`, and `openapi/openapi-3.1.json` what it serves at `/api/openapi-3.1.json`.
//!
//! When this fails, regenerate both:
//! `cargo run -- openapi > openapi/openapi.json && cargo run -- openapi --v31 > openapi/openapi-3.1.json`.

#![allow(clippy::unwrap_used)]

use axum::{body::Body, http::Request};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

const COMMITTED: &str = include_str!("../openapi/openapi.json");
const COMMITTED_31: &str = include_str!("../openapi/openapi-3.1.json");
const REGENERATE: &str = "regenerate: `cargo run -- openapi > openapi/openapi.json && cargo run -- openapi --v31 > openapi/openapi-3.1.json`";

#[test]
fn committed_openapi_document_matches_the_generated_one() {
    let doc = dezone::http::openapi();
    assert!(
        dezone::http::openapi::render_30(&doc) == COMMITTED,
        "openapi/openapi.json is stale; {REGENERATE}"
    );
    assert!(
        dezone::http::openapi::render(&doc) == COMMITTED_31,
        "openapi/openapi-3.1.json is stale; {REGENERATE}"
    );
}

#[tokio::test]
async fn served_api_document_is_the_committed_file_byte_for_byte() {
    let zones = dezone::geodata::load_embedded().unwrap();
    let app = dezone::http::router(dezone::http::AppState::new(
        zones,
        dezone::http::Limits::default(),
    ));
    for (path, media_type, committed) in [
        (
            "/api",
            "application/vnd.oai.openapi+json;version=3.0",
            COMMITTED,
        ),
        (
            "/api/openapi-3.1.json",
            "application/vnd.oai.openapi+json;version=3.1",
            COMMITTED_31,
        ),
    ] {
        let request = Request::get(path).body(Body::empty()).unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], media_type);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(std::str::from_utf8(&body).unwrap(), committed, "{path}");
    }
}

/// The path a relative server URL made only of `.` and `..` segments names,
/// for a document served at `document` (RFC 3986 §5.2).
fn server_path(document: &str, server: &str) -> String {
    let mut folder: Vec<&str> = document.split('/').filter(|s| !s.is_empty()).collect();
    folder.pop();
    for segment in server.split('/').filter(|s| !s.is_empty()) {
        match segment {
            "." => {}
            ".." => {
                folder.pop();
            }
            other => panic!("server URL {server:?} has a segment {other:?}"),
        }
    }
    let mut path = String::from("/");
    for segment in folder {
        path.push_str(segment);
        path.push('/');
    }
    path
}

/// Both documents send requests to the service's root, resolved from where
/// each is served, so that behind a path prefix they stay under it.
#[test]
fn each_document_names_the_service_root_from_where_it_is_served() {
    for (path, committed) in [("/api", COMMITTED), ("/api/openapi-3.1.json", COMMITTED_31)] {
        let doc: serde_json::Value = serde_json::from_str(committed).unwrap();
        let servers = doc["servers"].as_array().unwrap();
        assert_eq!(servers.len(), 1, "{path}");
        let url = servers[0]["url"].as_str().unwrap();
        assert_eq!(server_path(path, url), "/", "{path}: server {url:?}");
        assert_eq!(
            server_path(&format!("/dezone{path}"), url),
            "/dezone/",
            "{path}"
        );
    }
}

/// Every schema of `value` that says `nullable` also says `type`, and has
/// no `allOf`: OpenAPI 3.0.3 reads `nullable` only beside `type`, `allOf`
/// applies its members to `null` too, and validators refuse the `null`
/// otherwise. `enum: [null]` (only `null`) is the one exception.
fn assert_nullable_beside_type(value: &serde_json::Value, at: &str) {
    match value {
        serde_json::Value::Object(map) => {
            if map.get("nullable") == Some(&serde_json::Value::Bool(true)) {
                assert!(
                    map.contains_key("type") || map.get("enum") == Some(&serde_json::json!([null])),
                    "{at}: nullable without type: {value}"
                );
                assert!(
                    !map.contains_key("allOf"),
                    "{at}: allOf refuses the null nullable allows: {value}"
                );
            }
            for (key, member) in map {
                assert_nullable_beside_type(member, &format!("{at}/{key}"));
            }
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                assert_nullable_beside_type(item, &format!("{at}/{i}"));
            }
        }
        _ => {}
    }
}

#[test]
fn every_nullable_schema_of_the_3_0_document_has_a_type() {
    let doc: serde_json::Value = serde_json::from_str(COMMITTED).unwrap();
    assert_nullable_beside_type(&doc, "#");
    let governorate = &doc["components"]["schemas"]["LocateAnswer"]["properties"]["governorate"];
    assert_eq!(
        governorate["oneOf"][1],
        serde_json::json!({"type": "object", "nullable": true, "enum": [null]}),
        "{governorate}"
    );
}

#[test]
fn every_route_documents_its_error_responses_as_problems() {
    let doc: serde_json::Value = serde_json::from_str(COMMITTED).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            for (status, response) in responses {
                let response = match response["$ref"].as_str() {
                    Some(target) => {
                        let name = target
                            .strip_prefix("#/components/responses/")
                            .unwrap_or_else(|| panic!("{method} {path} {status}: {target}"));
                        &doc["components"]["responses"][name]
                    }
                    None => response,
                };
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]["application/problem+json"].is_object(),
                        "{method} {path} {status} is not documented as application/problem+json"
                    );
                }
            }
            // The guard's refusals, and the outer layer's 412, which any
            // request may get.
            for status in ["412", "414", "431", "503"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} does not document {status}"
                );
            }
            assert_eq!(
                responses.contains_key("408"),
                op.get("requestBody").is_some(),
                "{method} {path}: 408 is for operations that take a body"
            );
        }
    }
    let shed = &doc["components"]["responses"]["Unavailable"];
    assert!(shed["headers"]["Retry-After"].is_object(), "{shed}");
}
