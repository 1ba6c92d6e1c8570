//! Content codings of the prepared resources (issue #6): every body prepared
//! once per data version comes as identity, gzip or br, compressed once, in the
//! coding `Accept-Encoding` prefers (RFC 9110 §12.5.3), with a `Content-Length`
//! that fits, one weak `ETag` for every coding, `304`s and HEAD answers alike.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Read as _;

use axum::{
    Router,
    body::Body,
    http::{Method, StatusCode, header},
};
use common::{Answer, app_embedded, request, send};
use dezone::http::{
    map::asset_names,
    resource::{Coding, Resource},
};

/// Every kind of prepared resource: zone metadata, the OGC resources (JSON and
/// HTML), the items without a query, the OpenAPI documents, the map page and
/// its files.
fn prepared_uris() -> Vec<String> {
    let mut uris: Vec<String> = [
        "/zones",
        "/zones/idlib",
        "/",
        "/?f=html",
        "/conformance",
        "/collections",
        "/collections?f=html",
        "/collections/zones",
        "/collections/governorates",
        "/collections/zones/queryables",
        "/collections/zones/items",
        "/collections/zones/items?f=html",
        "/collections/governorates/items",
        "/collections/zones/items/idlib",
        "/collections/governorates/items/SY07?f=html",
        "/api",
        "/api/openapi-3.1.json",
        "/map",
        "/map?embed=1",
    ]
    .map(str::to_owned)
    .into();
    uris.extend(
        asset_names()
            .iter()
            .map(|name| format!("/map/assets/{name}")),
    );
    uris
}

/// `GET` (or another method) `uri` with `Accept-Encoding: accept` when given.
async fn fetch(app: &Router, method: Method, uri: &str, accept: Option<&str>) -> Answer {
    let headers: Vec<(&str, &str)> = accept.map(|a| ("accept-encoding", a)).into_iter().collect();
    send(app, request(method, uri, &headers, Body::empty())).await
}

/// The body with its `Content-Encoding` undone.
fn decoded(answer: &Answer) -> Vec<u8> {
    let mut out = Vec::new();
    match answer.header(header::CONTENT_ENCODING) {
        None => out.extend_from_slice(&answer.body),
        Some("gzip") => {
            flate2::read::GzDecoder::new(&answer.body[..])
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("br") => brotli::BrotliDecompress(&mut &answer.body[..], &mut out).unwrap(),
        Some(other) => panic!("unexpected Content-Encoding {other}"),
    }
    out
}

/// The `Vary` members of an answer, lower case.
fn vary(answer: &Answer) -> Vec<String> {
    answer
        .headers
        .get_all(header::VARY)
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(','))
        .map(|v| v.trim().to_ascii_lowercase())
        .collect()
}

/// `Accept-Encoding` values and the coding each must get.
const CASES: [(Option<&str>, Option<&str>); 24] = [
    (None, None),
    (Some(""), None),
    (Some("br"), Some("br")),
    (Some("gzip"), Some("gzip")),
    (Some("x-gzip"), Some("gzip")),
    (Some("gzip, deflate, br, zstd"), Some("br")),
    (Some("GZIP, Br"), Some("br")),
    (Some("br;q=0.5, gzip;q=0.8"), Some("gzip")),
    (Some("gzip;q=0.5, br;q=0.5"), Some("br")),
    (Some("br;q=0, gzip"), Some("gzip")),
    (Some("br;q=0, gzip;q=0"), None),
    (Some("identity"), None),
    (Some("identity;q=1, gzip;q=0.5, br;q=0.4"), None),
    (Some("identity;q=0, gzip"), Some("gzip")),
    (Some("*"), Some("br")),
    (Some("*;q=0.5, gzip"), Some("gzip")),
    (Some("br;q=0, *"), Some("gzip")),
    (Some("gzip, *;q=0"), Some("gzip")),
    (Some("zstd"), None),
    (Some("compress, deflate"), None),
    (Some("br;q=2"), None),
    // Everything refused: the field is disregarded (RFC 9110 §12.1).
    (Some("identity;q=0"), None),
    (Some("*;q=0"), None),
    (Some("br;q=0.001, identity;q=0.0"), Some("br")),
];

#[tokio::test]
async fn every_prepared_resource_comes_in_the_coding_accept_encoding_prefers() {
    let app = app_embedded();
    for uri in prepared_uris() {
        let plain = fetch(&app, Method::GET, &uri, None).await;
        assert_eq!(plain.status, StatusCode::OK, "{uri}");
        for (accept, coding) in CASES {
            let answer = fetch(&app, Method::GET, &uri, accept).await;
            let case = format!("{uri} with Accept-Encoding {accept:?}");
            assert_eq!(answer.status, StatusCode::OK, "{case}");
            assert_eq!(answer.header(header::CONTENT_ENCODING), coding, "{case}");
            assert_eq!(decoded(&answer), plain.body, "{case}: decoded body");
            assert_eq!(
                answer.header(header::CONTENT_LENGTH),
                Some(answer.body.len().to_string().as_str()),
                "{case}: Content-Length"
            );
            assert_eq!(
                answer.header(header::CONTENT_TYPE),
                plain.header(header::CONTENT_TYPE),
                "{case}"
            );
            assert_eq!(
                answer.header(header::ETAG),
                plain.header(header::ETAG),
                "{case}"
            );
            assert!(
                vary(&answer).contains(&"accept-encoding".to_owned()),
                "{case}: {:?}",
                vary(&answer)
            );
            if coding.is_some() {
                assert!(answer.body.len() < plain.body.len(), "{case}: smaller");
            }
        }
    }
}

#[tokio::test]
async fn compressed_bodies_are_the_variants_prepared_once_not_compressed_per_request() {
    let app = app_embedded();
    for uri in prepared_uris() {
        let plain = fetch(&app, Method::GET, &uri, None).await;
        let reference = Resource::new(plain.body.clone(), "application/octet-stream");
        for (accept, coding) in [("br", Coding::Brotli), ("gzip", Coding::Gzip)] {
            let first = fetch(&app, Method::GET, &uri, Some(accept)).await;
            let second = fetch(&app, Method::GET, &uri, Some(accept)).await;
            assert_eq!(first.body, second.body, "{uri} {accept}");
            assert_eq!(
                Some(&first.body),
                reference.variant(coding),
                "{uri} {accept}: the densest variant, not the compression layer's"
            );
        }
    }
}

#[tokio::test]
async fn if_none_match_answers_304_in_every_coding_with_one_weak_etag() {
    let app = app_embedded();
    for uri in prepared_uris() {
        let plain = fetch(&app, Method::GET, &uri, None).await;
        let etag = plain.header(header::ETAG).unwrap().to_owned();
        assert!(etag.starts_with("W/\""), "{uri}: {etag}");
        for accept in [None, Some("gzip"), Some("br"), Some("identity"), Some("*")] {
            let case = format!("{uri} with Accept-Encoding {accept:?}");
            let mut headers = vec![("if-none-match", etag.as_str())];
            headers.extend(accept.map(|a| ("accept-encoding", a)));
            let answer = send(&app, request(Method::GET, &uri, &headers, Body::empty())).await;
            assert_eq!(answer.status, StatusCode::NOT_MODIFIED, "{case}");
            assert!(answer.body.is_empty(), "{case}");
            assert_eq!(answer.header(header::ETAG), Some(etag.as_str()), "{case}");
            assert_eq!(answer.header(header::CONTENT_ENCODING), None, "{case}");
            assert!(
                vary(&answer).contains(&"accept-encoding".to_owned()),
                "{case}"
            );
            // The strong form of the same tag matches too (weak comparison).
            let strong = etag.trim_start_matches("W/");
            let mut headers = vec![("if-none-match", strong)];
            headers.extend(accept.map(|a| ("accept-encoding", a)));
            let answer = send(&app, request(Method::GET, &uri, &headers, Body::empty())).await;
            assert_eq!(
                answer.status,
                StatusCode::NOT_MODIFIED,
                "{case}, strong tag"
            );
        }
        let stale = [
            ("if-none-match", "W/\"0000000000000000\""),
            ("accept-encoding", "br"),
        ];
        let answer = send(&app, request(Method::GET, &uri, &stale, Body::empty())).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}: stale tag");
        assert_eq!(answer.header(header::CONTENT_ENCODING), Some("br"), "{uri}");
    }
}

#[tokio::test]
async fn head_carries_the_headers_of_get_and_no_body() {
    let app = app_embedded();
    for uri in prepared_uris() {
        for accept in [None, Some("gzip"), Some("br"), Some("br;q=0, gzip;q=0")] {
            let case = format!("HEAD {uri} with Accept-Encoding {accept:?}");
            let got = fetch(&app, Method::GET, &uri, accept).await;
            let head = fetch(&app, Method::HEAD, &uri, accept).await;
            assert_eq!(head.status, StatusCode::OK, "{case}");
            assert!(head.body.is_empty(), "{case}");
            for name in [
                header::CONTENT_TYPE,
                header::CONTENT_ENCODING,
                header::CONTENT_LENGTH,
                header::ETAG,
                header::CACHE_CONTROL,
            ] {
                assert_eq!(head.header(&name), got.header(&name), "{case}: {name}");
            }
            assert_eq!(vary(&head), vary(&got), "{case}");
            assert_eq!(
                head.header(header::CONTENT_LENGTH),
                Some(got.body.len().to_string().as_str()),
                "{case}"
            );
        }
    }
}

#[tokio::test]
async fn negotiated_resources_vary_on_accept_and_accept_encoding_in_every_coding() {
    let app = app_embedded();
    for uri in [
        "/",
        "/collections",
        "/collections/zones/items",
        "/collections/zones/items/idlib",
    ] {
        for accept in [None, Some("gzip"), Some("br")] {
            let answer = fetch(&app, Method::GET, uri, accept).await;
            let vary = vary(&answer);
            assert!(
                vary.contains(&"accept".to_owned()),
                "{uri} {accept:?}: {vary:?}"
            );
            assert!(
                vary.contains(&"accept-encoding".to_owned()),
                "{uri} {accept:?}: {vary:?}"
            );
        }
    }
}

#[tokio::test]
async fn bodies_made_per_request_are_still_compressed_on_the_way_out() {
    let app = app_embedded();
    for uri in [
        "/collections/governorates/items?limit=3",
        "/collections/zones/items?filter=number%20%3C%203",
        "/map?zone=idlib",
        "/zones?at=2018-06-01",
    ] {
        let plain = fetch(&app, Method::GET, uri, None).await;
        assert_eq!(plain.status, StatusCode::OK, "{uri}");
        assert_eq!(plain.header(header::CONTENT_ENCODING), None, "{uri}");
        for (accept, coding) in [("br", "br"), ("gzip", "gzip")] {
            let answer = fetch(&app, Method::GET, uri, Some(accept)).await;
            assert_eq!(
                answer.header(header::CONTENT_ENCODING),
                Some(coding),
                "{uri}"
            );
            assert_eq!(decoded(&answer), plain.body, "{uri} {accept}");
            assert_eq!(
                answer.header(header::ETAG),
                plain.header(header::ETAG),
                "{uri}"
            );
        }
    }
}

#[tokio::test]
async fn the_prepared_map_page_is_the_page_rendered_for_the_same_parameters() {
    let app = app_embedded();
    let plain = fetch(&app, Method::GET, "/map", None).await;
    let explicit = fetch(&app, Method::GET, "/map?embed=0", None).await;
    assert_eq!(plain.body, explicit.body);
    let embed = fetch(&app, Method::GET, "/map?embed=true", Some("br")).await;
    let one = fetch(&app, Method::GET, "/map?embed=1", Some("br")).await;
    assert_eq!(embed.header(header::CONTENT_ENCODING), Some("br"));
    assert_eq!(embed.body, one.body);
    assert_ne!(decoded(&embed), plain.body);
    assert!(
        plain
            .header(header::CONTENT_SECURITY_POLICY)
            .is_some_and(|csp| csp.contains("frame-ancestors"))
    );
    assert_eq!(plain.header(header::CACHE_CONTROL), Some("no-cache"));
}
