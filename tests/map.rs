//! The map page (`GET /map`) and its embedded files (`GET /map/assets/{name}`).

mod common;

use common::{app, app_embedded, assert_parameter_problem, assert_problem, get, get_with};
use dezone::http::{AppState, Limits, router};

/// Whether an asset's name ends with `.extension`.
fn is(asset: &str, extension: &str) -> bool {
    asset.rsplit('.').next() == Some(extension)
}

/// The hashed asset paths the page links, in page order.
fn linked_assets(page: &str) -> Vec<String> {
    page.match_indices("map/assets/")
        .map(|(i, _)| {
            let rest = &page[i..];
            rest[..rest.find('"').expect("a closing quote")].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn map_page_is_html_listing_the_four_zones_and_linking_hashed_files() {
    let app = app_embedded();
    let answer = get(&app, "/map").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "text/html; charset=utf-8");
    let page = answer.text();
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    for name in ["Idlib", "Northern Homs", "Eastern Ghouta", "Southern Syria"] {
        assert!(page.contains(name), "zone list lacks {name}");
    }
    assert_eq!(
        page.matches("<button type=\"button\" data-zone=").count(),
        4
    );
    assert!(page.contains("id=\"panel\""), "full page has its panel");
    assert!(page.contains("data-governorates=\"1\""));
    assert!(page.contains("OCHA") && page.contains("Who's On First") && page.contains("GeoNames"));
    let assets = linked_assets(&page);
    assert_eq!(assets.len(), 4, "{assets:?}");
    for asset in &assets {
        let name = asset.trim_start_matches("map/assets/");
        let parts: Vec<&str> = name.split('.').collect();
        assert_eq!(parts.len(), 3, "{name}");
        assert!(["leaflet", "map"].contains(&parts[0]), "{name}");
        assert!(["js", "css"].contains(&parts[2]), "{name}");
        assert_eq!(parts[1].len(), 16, "{name}");
        assert!(parts[1].bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
    }
    // Nothing outside this service: every src and href is relative or a data: URL.
    for attr in ["src=\"", "href=\""] {
        for (i, _) in page.match_indices(attr) {
            let value = &page[i + attr.len()..];
            assert!(
                !value.starts_with("http") && !value.starts_with("//"),
                "{value:.60}"
            );
        }
    }
}

#[tokio::test]
async fn map_files_are_served_with_content_type_etag_and_immutable_caching() {
    let app = app_embedded();
    let page = get(&app, "/map").await.text();
    for asset in linked_assets(&page) {
        let answer = get(&app, &format!("/{asset}")).await;
        assert_eq!(answer.status, 200, "{asset}");
        let expected = if is(&asset, "js") {
            "text/javascript; charset=utf-8"
        } else {
            "text/css; charset=utf-8"
        };
        assert_eq!(answer.content_type(), expected, "{asset}");
        assert_eq!(
            answer.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        let etag = answer.header("etag").unwrap().to_owned();
        let hash = asset.split('.').nth(1).unwrap();
        assert_eq!(etag, format!("W/\"{hash}\""), "the ETag is the name's hash");
        assert!(!answer.body.is_empty());
        let again = get_with(&app, &format!("/{asset}"), &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, 304, "{asset}");
        assert_eq!(
            again.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
    }
}

#[tokio::test]
async fn leaflet_is_the_pinned_library_and_map_js_is_ours() {
    let app = app_embedded();
    let page = get(&app, "/map").await.text();
    let assets = linked_assets(&page);
    let leaflet = assets
        .iter()
        .find(|a| a.contains("leaflet.") && is(a, "js"))
        .unwrap();
    let body = get(&app, &format!("/{leaflet}")).await.text();
    assert!(body.contains("Leaflet 1.9.4"), "{body:.200}");
    let ours = assets
        .iter()
        .find(|a| a.contains("/map.") && is(a, "js"))
        .unwrap();
    let body = get(&app, &format!("/{ours}")).await.text();
    assert!(body.contains("collections/zones/items") && body.contains("locate?lon="));
}

#[tokio::test]
async fn unknown_or_outdated_file_names_are_404_problems() {
    let app = app_embedded();
    for name in [
        "leaflet.js",
        "leaflet.0000000000000000.js",
        "map.css",
        "..%2Fsecret",
        "nothing",
    ] {
        let answer = get(&app, &format!("/map/assets/{name}")).await;
        assert_problem(&answer, 404, "not-found", &format!("/map/assets/{name}"));
    }
}

#[tokio::test]
async fn map_files_take_no_query_parameters() {
    let app = app_embedded();
    let page = get(&app, "/map").await.text();
    let asset = linked_assets(&page).remove(0);
    let answer = get(&app, &format!("/{asset}?v=2")).await;
    assert_problem(&answer, 400, "unknown-parameter", &format!("/{asset}"));
}

#[tokio::test]
async fn map_page_may_be_framed_by_any_origin_by_default() {
    let app = app_embedded();
    let answer = get(&app, "/map?embed=1").await;
    assert_eq!(answer.status, 200);
    let csp = answer.header("content-security-policy").unwrap();
    assert!(csp.ends_with("frame-ancestors *"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    assert!(
        csp.contains("img-src 'self' data:;"),
        "no outside images without tiles: {csp}"
    );
    assert_eq!(answer.header("x-frame-options"), None);
    assert_eq!(answer.header("cache-control"), Some("no-cache"));
    assert!(answer.header("etag").is_some());
}

#[tokio::test]
async fn frame_ancestors_can_be_restricted() {
    let index = dezone::cli::load_index(None, None).unwrap();
    let app = router(
        AppState::from_index(index, Limits::default(), "")
            .with_frame_ancestors("'self' https://dash.example.org"),
    );
    let answer = get(&app, "/map").await;
    let csp = answer.header("content-security-policy").unwrap();
    assert!(
        csp.ends_with("frame-ancestors 'self' https://dash.example.org"),
        "{csp}"
    );
}

#[tokio::test]
async fn other_html_pages_refuse_framing() {
    let app = app_embedded();
    for uri in [
        "/?f=html",
        "/collections?f=html",
        "/collections/zones/items?f=html",
    ] {
        let answer = get(&app, uri).await;
        assert_eq!(answer.status, 200, "{uri}");
        assert!(answer.content_type().starts_with("text/html"), "{uri}");
        assert_eq!(answer.header("x-frame-options"), Some("DENY"), "{uri}");
        assert_eq!(
            answer.header("content-security-policy"),
            Some("frame-ancestors 'none'"),
            "{uri}"
        );
    }
    let json = get(&app, "/zones").await;
    assert_eq!(json.header("x-frame-options"), None);
}

#[tokio::test]
async fn embed_mode_drops_the_panel_but_keeps_legend_and_attribution() {
    let app = app_embedded();
    let page = get(&app, "/map?zone=eastern-ghouta&embed=1").await.text();
    assert!(!page.contains("id=\"panel\""));
    assert!(!page.contains("class=\"skip\""));
    assert!(page.contains("class=\"embed\""));
    assert!(page.contains("id=\"legend\""));
    assert!(page.contains("data-attribution=\"Administrative boundaries: OCHA"));
    assert!(
        page.contains("data-zone=\"eastern-ghouta\" data-embed=\"1\""),
        "{page}"
    );
}

#[tokio::test]
async fn valid_parameters_reach_the_page() {
    let app = app_embedded();
    let uri = "/map?lon=36.3&lat=33.51&zoom=10.5&point=36.63,35.93&embed=0\
               &tiles=https://%7Bs%7D.tiles.example.org/%7Bz%7D/%7Bx%7D/%7By%7D.png\
               &tiles_attribution=%C2%A9%20%3Cb%3EExample%3C/b%3E";
    let answer = get(&app, uri).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let page = answer.text();
    for want in [
        "data-lon=\"36.3\"",
        "data-lat=\"33.51\"",
        "data-zoom=\"10.5\"",
        "data-point=\"36.63,35.93\"",
        "data-tiles=\"https://{s}.tiles.example.org/{z}/{x}/{y}.png\"",
        // Escaped by the server; map.js escapes it again for Leaflet.
        "data-tiles-attribution=\"© &lt;b&gt;Example&lt;/b&gt;\"",
    ] {
        assert!(page.contains(want), "page lacks {want}");
    }
    let csp = answer.header("content-security-policy").unwrap();
    assert!(csp.contains("img-src 'self' data: https: http:"), "{csp}");
}

#[tokio::test]
async fn bad_parameter_values_are_400_problems_naming_the_parameter() {
    let app = app_embedded();
    let cases = [
        ("zone=raqqa", "invalid-parameter", "zone"),
        ("zone=", "invalid-parameter", "zone"),
        ("embed=yes", "invalid-parameter", "embed"),
        ("lon=200&lat=33", "invalid-parameter", "lon"),
        ("lon=36&lat=NaN", "invalid-parameter", "lat"),
        ("lon=36.3", "missing-parameter", "lat"),
        ("lat=33.5", "missing-parameter", "lon"),
        ("zoom=19", "invalid-parameter", "zoom"),
        ("zoom=-1", "invalid-parameter", "zoom"),
        ("point=36.63", "invalid-parameter", "point"),
        ("point=36.63,95", "invalid-parameter", "point"),
        ("tiles=javascript:alert(1)", "invalid-parameter", "tiles"),
        (
            "tiles=https://t.example.org/%7Bz%7D.png",
            "invalid-parameter",
            "tiles",
        ),
        (
            "tiles_attribution=x",
            "invalid-parameter",
            "tiles_attribution",
        ),
        ("zone=idlib&zone=southern", "duplicate-parameter", "zone"),
        ("lng=36", "unknown-parameter", "lng"),
    ];
    for (query, slug, parameter) in cases {
        let answer = get(&app, &format!("/map?{query}")).await;
        assert_parameter_problem(&answer, slug, parameter, "/map");
    }
}

#[tokio::test]
async fn zone_is_checked_against_the_data_served() {
    // The fixture's four boxes, without governorates.
    let app = app();
    assert_eq!(get(&app, "/map?zone=southern").await.status, 200);
    let answer = get(&app, "/map?zone=afrin").await;
    let problem = assert_parameter_problem(&answer, "invalid-parameter", "zone", "/map");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("eastern-ghouta, idlib, northern-homs, southern"),
        "{detail}"
    );
    let page = get(&app, "/map").await.text();
    assert!(
        !page.contains("data-governorates"),
        "no governorates to fetch"
    );
}

#[tokio::test]
async fn map_routes_are_in_the_openapi_document() {
    let doc = dezone::http::openapi();
    for path in ["/map", "/map/assets/{name}"] {
        assert!(doc.paths.paths.contains_key(path), "{path}");
    }
}
