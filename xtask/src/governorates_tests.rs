//! Checks on the governorates layer: schema, areas, coverage, shared boundaries, the public
//! places table, deviation from the source lines and the committed file.

use std::collections::HashMap;
use std::sync::OnceLock;

use geo::orient::Direction;
use geo::{BooleanOps, BoundingRect, Coord, Intersects, Orient, Validation};
use serde_json::Value;

use crate::geom::{area_km2, union_all};
use crate::governorates::{self, Layer};
use crate::sources::Sources;

struct Fixture {
    sources: Sources,
    layer: Layer,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let sources = Sources::load(&crate::repo_root().join("geodata").join("sources"))
            .expect("sources load");
        let layer = governorates::build(&sources).expect("layer builds");
        Fixture { sources, layer }
    })
}

fn committed() -> String {
    let path = crate::repo_root()
        .join("geodata")
        .join("governorates.geojson");
    std::fs::read_to_string(path).expect("geodata/governorates.geojson")
}

#[test]
fn committed_file_matches_the_recipe_and_is_small() {
    let text = committed();
    assert!(
        text == crate::output::governorates_collection(&fixture().layer),
        "geodata/governorates.geojson is stale: run `cargo xtask geodata`"
    );
    assert!(
        text.len() < 350_000,
        "governorates.geojson is {} bytes",
        text.len()
    );
    // one Feature per line
    assert_eq!(text.lines().count(), 14 + 2);
}

#[test]
fn fourteen_features_in_pcode_order_with_the_loader_schema() {
    let json: Value = serde_json::from_str(&committed()).expect("json");
    assert_eq!(json["type"], "FeatureCollection");
    let features = json["features"].as_array().expect("features");
    let src = &fixture().sources.adm1;
    let want_ids: Vec<&str> = src.keys().map(String::as_str).collect();
    let ids: Vec<&str> = features
        .iter()
        .map(|f| f["id"].as_str().expect("string id"))
        .collect();
    assert_eq!(ids.len(), 14);
    assert_eq!(ids, want_ids, "P-codes, in order, as in the source");
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, ids, "unique and sorted");
    for f in features {
        let id = f["id"].as_str().expect("id");
        let keys: Vec<&str> = f
            .as_object()
            .expect("feature")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["type", "id", "properties", "geometry"], "{id}");
        let props = f["properties"].as_object().expect("properties");
        let keys: Vec<&str> = props.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "pcode",
                "name_en",
                "name_ar",
                "valid_on",
                "source",
                "license",
                "attribution"
            ],
            "{id}"
        );
        let s = &src[id];
        assert_eq!(props["pcode"], id);
        assert_eq!(props["name_en"], s.prop("adm1_en"));
        assert_eq!(props["name_ar"], s.prop("adm1_ar"));
        assert_eq!(props["valid_on"], s.prop("valid_on"));
        assert_eq!(props["valid_on"], "2020-12-17");
        assert_eq!(props["license"], "CC BY-IGO 3.0");
        assert_eq!(
            props["source"],
            "OCHA COD-AB Syria ADM1 v02, simplified by dezone's xtask"
        );
        assert!(
            props["attribution"]
                .as_str()
                .is_some_and(|a| a.contains("OCHA") && a.contains("CC BY-IGO 3.0"))
        );
        let kind = f["geometry"]["type"].as_str().unwrap_or("");
        assert!(["Polygon", "MultiPolygon"].contains(&kind), "{id}: {kind}");
        assert!(f.get("bbox").is_none() && f["geometry"].get("bbox").is_none());
    }
    assert_eq!(features[6]["id"], "SY07");
    assert_eq!(features[6]["properties"]["name_en"], "Idleb");
    assert!(json.get("bbox").is_none());
}

#[test]
fn geometries_are_valid_closed_and_oriented() {
    for g in &fixture().layer.governorates {
        assert!(
            g.geometry.is_valid(),
            "{}: {:?}",
            g.pcode,
            g.geometry.validation_errors()
        );
        assert_eq!(
            g.geometry.orient(Direction::Default),
            g.geometry,
            "{}: RFC 7946 orientation",
            g.pcode
        );
        for p in &g.geometry.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                assert!(ring.is_closed() && ring.0.len() >= 4, "{}: ring", g.pcode);
            }
        }
    }
    // Arwad island is kept
    let tartus = &fixture().layer.governorates[9];
    assert_eq!(tartus.pcode, "SY10");
    assert_eq!(tartus.geometry.0.len(), 2);
}

#[test]
fn areas_agree_with_the_source_within_0_3_percent() {
    let f = fixture();
    for g in &f.layer.governorates {
        let want = area_km2(&f.sources.adm1[&g.pcode].geometry);
        let got = area_km2(&g.geometry);
        let rel = (got - want).abs() / want;
        assert!(
            rel < 0.003,
            "{}: {got:.2} km² vs {want:.2} km² ({:.3} %)",
            g.pcode,
            rel * 100.0
        );
    }
}

#[test]
fn the_governorates_cover_the_outline_without_overlaps() {
    let f = fixture();
    let govs = &f.layer.governorates;
    let union = union_all(govs.iter().map(|g| &g.geometry));
    let adm0 = &f.sources.adm0;
    let total = area_km2(adm0);
    let missing = area_km2(&adm0.difference(&union));
    let extra = area_km2(&union.difference(adm0));
    assert!(
        missing + extra < 0.002 * total,
        "missing {missing:.2} km², extra {extra:.2} km² of {total:.0} km²"
    );
    for (i, a) in govs.iter().enumerate() {
        for b in &govs[i + 1..] {
            let (ra, rb) = (
                a.geometry.bounding_rect().expect("bbox"),
                b.geometry.bounding_rect().expect("bbox"),
            );
            if !ra.intersects(&rb) {
                continue;
            }
            let overlap = area_km2(&a.geometry.intersection(&b.geometry));
            assert!(
                overlap < 0.01,
                "{} and {} overlap by {overlap} km²",
                a.pcode,
                b.pcode
            );
        }
    }
}

#[test]
fn neighbours_share_the_same_boundary_vertices() {
    // every segment is used by at most two governorates, in opposite directions
    type K = (i64, i64);
    #[allow(clippy::cast_possible_truncation)]
    let key = |c: Coord<f64>| -> K { ((c.x * 1e6).round() as i64, (c.y * 1e6).round() as i64) };
    let mut uses: HashMap<(K, K), Vec<(usize, bool)>> = HashMap::new();
    for (i, g) in fixture().layer.governorates.iter().enumerate() {
        for p in &g.geometry.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                for l in ring.lines() {
                    let (a, b) = (key(l.start), key(l.end));
                    let k = if a < b { (a, b) } else { (b, a) };
                    uses.entry(k).or_default().push((i, a < b));
                }
            }
        }
    }
    let mut shared = 0;
    for (seg, u) in &uses {
        assert!(u.len() <= 2, "segment {seg:?} used {} times", u.len());
        if let [(a, da), (b, db)] = u.as_slice() {
            assert!(a != b && da != db, "segment {seg:?}: {u:?}");
            shared += 1;
        }
    }
    assert!(shared > 1000, "only {shared} shared segments");
}

#[test]
fn simplified_lines_stay_within_100_m_of_the_source() {
    let f = fixture();
    let (worst, at) = governorates::max_source_distance_m(&f.sources, &f.layer);
    assert!(worst <= 100.0, "{worst:.1} m: {at}");
    // the build's own bound (distance to the replacing chord) is never smaller
    assert!(worst <= f.layer.max_deviation_m + 0.01);
}

#[test]
fn every_public_place_answers_its_governorate() {
    let root = crate::repo_root();
    let places =
        governorates::read_places(&crate::zones::places_path(&root)).expect("places table");
    assert!(places.len() >= 50, "only {} places", places.len());
    let govs = &fixture().layer.governorates;
    let names: Vec<&str> = govs.iter().map(|g| g.name_en.as_str()).collect();
    let mut wrong = Vec::new();
    for p in &places {
        let got = governorates::locate(govs, p.lon, p.lat).map(|g| g.name_en.as_str());
        if p.abroad() {
            if let Some(got) = got {
                wrong.push(format!("{}: outside Syria, got {got}", p.name));
            }
            continue;
        }
        if !names.contains(&p.governorate.as_str()) {
            wrong.push(format!("{}: unknown governorate {}", p.name, p.governorate));
            continue;
        }
        if p.outside_outline() {
            let (near, km) = governorates::nearest(govs, p.lon, p.lat).expect("nearest");
            if got.is_some() || near.name_en != p.governorate || km > 1.0 {
                wrong.push(format!(
                    "{}: want nearest {} within 1 km, got {got:?}, nearest {} at {km:.2} km",
                    p.name, p.governorate, near.name_en
                ));
            }
        } else if got != Some(p.governorate.as_str()) {
            wrong.push(format!("{}: want {}, got {got:?}", p.name, p.governorate));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
