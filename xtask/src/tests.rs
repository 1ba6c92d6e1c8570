//! Checks on the built zones: the public places table, the anchor towns, areas, containment,
//! disjointness, validity and the committed file.

use std::sync::OnceLock;

use geo::orient::Direction;
use geo::{BooleanOps, Intersects, MultiPolygon, Orient, Point, Validation};
use serde_json::Value;

use crate::coast::{self, COAST_BAND_KM};
use crate::geom::{area_km2, buffer_km, polygon_km2};
use crate::recipe::{self, Role};
use crate::zones::{self, BORDER_BAND_KM, Built, IDS, MIN_PART_KM2};

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| zones::build(&crate::repo_root()).expect("the recipe builds"))
}

fn zone(id: &str) -> &'static MultiPolygon<f64> {
    &built()
        .zones
        .iter()
        .find(|z| z.id == id)
        .expect("zone exists")
        .geometry
}

#[test]
fn every_public_place_answers_its_zone() {
    let root = crate::repo_root();
    let places = zones::read_places(&zones::places_path(&root)).expect("places table");
    assert!(places.len() >= 50, "only {} places read", places.len());
    let wrong: Vec<String> = places
        .iter()
        .filter_map(|(name, lat, lon, want)| {
            let got = zones::locate(&built().zones, *lon, *lat).unwrap_or("none");
            (got != want).then(|| format!("{name}: want {want}, got {got}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn anchor_towns_answer_by_their_role() {
    let anchors = recipe::read_anchors(
        &crate::repo_root()
            .join("geodata")
            .join("recipe")
            .join("anchors.tsv"),
    )
    .expect("anchors");
    assert!(anchors.iter().any(|a| a.role == Role::Edge));
    let wrong: Vec<String> = anchors
        .iter()
        .filter_map(|a| zones::check_anchor(&built().zones, a).err())
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn areas_are_within_the_working_ranges() {
    let ranges = [
        ("idlib", 8_500.0, 10_000.0),
        ("northern-homs", 500.0, 900.0),
        ("eastern-ghouta", 100.0, 140.0),
        ("southern", 2_500.0, 3_000.0),
    ];
    for (id, lo, hi) in ranges {
        let a = area_km2(zone(id));
        assert!((lo..=hi).contains(&a), "{id}: {a:.1} km² not in {lo}..{hi}");
    }
}

#[test]
fn zones_reach_beyond_the_outline_only_within_the_border_band() {
    let adm0 = &built().sources.adm0;
    // The band's width, and a margin for the local plane's scale across a zone's latitudes.
    let reach = buffer_km(adm0, BORDER_BAND_KM * 1.02);
    for z in &built().zones {
        let beyond = area_km2(&z.geometry.difference(&reach));
        assert!(
            beyond < 1e-4,
            "{}: {beyond} km² farther than {BORDER_BAND_KM} km outside the OCHA outline",
            z.id
        );
    }
    // Inland zones are unchanged; the two along a border reach across it.
    for (id, across) in [
        ("idlib", true),
        ("northern-homs", false),
        ("eastern-ghouta", false),
        ("southern", true),
    ] {
        let outside = area_km2(&zone(id).difference(adm0));
        assert_eq!(
            outside > 10.0,
            across,
            "{id}: {outside} km² outside the outline"
        );
    }
}

#[test]
fn no_zone_reaches_into_the_occupied_golan() {
    let golan = &built().sources.golan;
    for z in &built().zones {
        let overlap = area_km2(&z.geometry.intersection(golan));
        assert!(
            overlap < 1e-4,
            "{}: {overlap} km² inside the occupied Golan",
            z.id
        );
    }
    // Majdal Shams-side village and Quneitra old city on either side of the line
    assert!(!zone("southern").intersects(&Point::new(35.75572, 33.23203)));
    assert!(zone("southern").intersects(&Point::new(35.82359, 33.12566)));
}

#[test]
fn zones_are_pairwise_disjoint() {
    let zs = &built().zones;
    for (i, a) in zs.iter().enumerate() {
        for b in &zs[i + 1..] {
            assert!(
                !a.geometry.intersects(&b.geometry),
                "{} and {} touch or overlap",
                a.id,
                b.id
            );
        }
    }
}

#[test]
fn geometries_are_valid_oriented_and_free_of_slivers() {
    for z in &built().zones {
        assert!(
            z.geometry.is_valid(),
            "{}: {:?}",
            z.id,
            z.geometry.validation_errors()
        );
        assert_eq!(
            z.geometry.orient(Direction::Default),
            z.geometry,
            "{}: RFC 7946 orientation",
            z.id
        );
        for p in &z.geometry.0 {
            assert!(polygon_km2(p) >= MIN_PART_KM2, "{}: sliver part", z.id);
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                assert!(ring.is_closed() && ring.0.len() >= 4, "{}: open ring", z.id);
            }
        }
    }
}

#[test]
fn only_the_fuah_kafriya_hole_pierces_a_zone() {
    for z in &built().zones {
        let holes: usize = z.geometry.0.iter().map(|p| p.interiors().len()).sum();
        let want = usize::from(z.id == "idlib");
        assert_eq!(holes, want, "{}: unexpected holes", z.id);
    }
    let (lat, lon, _) = zones::FUAH_KAFRIYA;
    assert_eq!(zones::locate(&built().zones, lon, lat), None);
}

#[test]
fn idlib_governorate_is_kept_whole_except_the_fuah_kafriya_hole() {
    let idlib = built().sources.gov("SY07").expect("SY07");
    let missing = area_km2(&idlib.difference(zone("idlib")));
    // the 2 km hole is ~12.6 km²; inward simplification loses a little along the border
    assert!(
        (10.0..30.0).contains(&missing),
        "{missing:.1} km² of Idleb missing"
    );
}

#[test]
fn committed_file_matches_the_recipe() {
    let path = crate::repo_root().join("geodata").join("zones.geojson");
    let committed = std::fs::read_to_string(&path).expect("geodata/zones.geojson");
    assert!(
        committed == crate::output::feature_collection(built()),
        "geodata/zones.geojson is stale: run `cargo xtask geodata`"
    );
    assert!(
        committed.len() < 400_000,
        "zones.geojson is {} bytes",
        committed.len()
    );
}

#[test]
fn committed_file_has_the_loader_schema() {
    let path = crate::repo_root().join("geodata").join("zones.geojson");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    assert_eq!(json["type"], "FeatureCollection");
    let features = json["features"].as_array().expect("features");
    let ids: Vec<&str> = features.iter().filter_map(|f| f["id"].as_str()).collect();
    assert_eq!(ids, IDS);
    for (i, f) in features.iter().enumerate() {
        let props = f["properties"].as_object().expect("properties");
        let keys: Vec<&str> = props.keys().map(String::as_str).collect();
        let mut want = vec![
            "number",
            "name",
            "name_ar",
            "provinces",
            "governorates",
            "description",
        ];
        want.extend([
            "guarantors",
            "signed",
            "signed_at",
            "in_force",
            "valid_from",
            "valid_until",
        ]);
        if props.contains_key("population") {
            want.push("population");
        }
        want.extend([
            "fighters",
            "figures_source",
            "extent",
            "approximate",
            "caveat",
        ]);
        want.extend(["source", "sources", "attribution"]);
        assert_eq!(keys, want, "{}", ids[i]);
        assert_eq!(props["number"], i + 1);
        for g in props["governorates"].as_array().expect("governorates") {
            let g = g.as_object().expect("object");
            assert_eq!(
                g.keys().collect::<Vec<_>>(),
                ["pcode", "name_en", "name_ar"]
            );
        }
        assert!(
            ["Polygon", "MultiPolygon"].contains(&f["geometry"]["type"].as_str().unwrap_or(""))
        );
        for banned in ["area_km2", "bbox", "representative_point"] {
            assert!(!props.contains_key(banned) && f.get(banned).is_none());
        }
    }
    let until: Vec<&Value> = features
        .iter()
        .map(|f| &f["properties"]["valid_until"])
        .collect();
    assert_eq!(until[0], &Value::Null);
    assert_eq!(until[1], "2018-05-16");
    assert_eq!(until[2], "2018-04-14");
}

fn band() -> &'static coast::Band {
    static BAND: OnceLock<coast::Band> = OnceLock::new();
    BAND.get_or_init(|| {
        coast::build(&crate::repo_root(), &built().sources).expect("the coastal band builds")
    })
}

#[test]
fn the_coastal_band_is_sea_within_its_width_of_the_coast() {
    let adm0 = &built().sources.adm0;
    let band = &band().geometry;
    let on_land = area_km2(&band.intersection(adm0));
    assert!(on_land < 1e-4, "{on_land} km² of the band on land");
    let reach = buffer_km(adm0, COAST_BAND_KM * 1.02);
    let beyond = area_km2(&band.difference(&reach));
    assert!(
        beyond < 1e-4,
        "{beyond} km² farther than {COAST_BAND_KM} km out"
    );
    // About the coast's 180 km (and Arwad's) times the width, less the inward simplification.
    let area = area_km2(band);
    assert!((150.0..220.0).contains(&area), "{area} km²");
    // Arwad island's ring is a part of its own, around a hole.
    assert_eq!(band.0.len(), 2);
    assert!(band.0.iter().any(|p| p.interiors().len() == 1));
}

#[test]
fn the_coastal_band_holds_offshore_town_points_and_stops_at_the_borders() {
    let band = &band().geometry;
    // WOF gazetteer points offshore of the OCHA coastline: Djeble (Jableh) 0.47 km,
    // Kharab Baldah 0.93 km; Tartus as commonly cited (34°53′N 35°53′E).
    for (name, lon, lat) in [
        ("Djeble", 35.9222, 35.3605),
        ("Kharab Baldah", 35.92559, 35.26298),
        ("Tartus", 35.8833, 34.8833),
    ] {
        assert!(band.intersects(&Point::new(lon, lat)), "{name}");
    }
    // The band ends where the borders meet the sea.
    for (name, lon, lat) in [
        ("north of the Turkish border's end", 35.80, 35.862),
        ("south of the Nahr al-Kabir's mouth", 35.977, 34.639),
    ] {
        assert!(!band.intersects(&Point::new(lon, lat)), "{name}");
    }
    let (ymin, ymax) = band
        .0
        .iter()
        .flat_map(|p| p.exterior().0.iter())
        .fold((f64::MAX, f64::MIN), |(lo, hi), c| {
            (lo.min(c.y), hi.max(c.y))
        });
    assert!(ymin >= 34.6436 && ymax <= 35.8536, "{ymin}..{ymax}");
}
