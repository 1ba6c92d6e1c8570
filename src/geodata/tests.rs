use std::path::{Path, PathBuf};

use geo::Winding;

use super::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn refusal(name: &str) -> GeodataError {
    let path = fixture(&format!("bad/{name}.geojson"));
    let err = load_file(&path).expect_err(name);
    assert!(
        err.to_string().starts_with(&path.display().to_string()),
        "{name}: the message names the file: {err}"
    );
    err
}

fn feature_fault(name: &str) -> (String, FeatureFault) {
    match refusal(name) {
        GeodataError::Feature { feature, fault, .. } => (feature, fault),
        other => panic!("{name}: expected a feature fault, got {other}"),
    }
}

#[test]
fn boxes_fixture_loads_in_number_order_with_computed_members() {
    let zones = load_file(&fixture("boxes.geojson")).unwrap();
    let ids: Vec<&str> = zones.iter().map(|z| z.id().as_str()).collect();
    assert_eq!(
        ids,
        ["idlib", "northern-homs", "eastern-ghouta", "southern"]
    );
    let ghouta = &zones[2];
    // 0.12° × 0.11° at 33.5° N: about 11.14 km × 12.20 km.
    assert!((ghouta.area_km2 - 135.9).abs() < 1.0, "{}", ghouta.area_km2);
    assert_eq!((ghouta.bbox.min().x, ghouta.bbox.max().y), (36.33, 33.60));
    assert!(ghouta.geometry.intersects(&ghouta.representative_point));
    assert_eq!(ghouta.meta.signed, jiff::civil::date(2017, 5, 4));
}

#[test]
fn embedded_data_loads_four_zones() {
    let zones = load_embedded().unwrap();
    assert_eq!(zones.len(), 4);
    let numbers: Vec<u8> = zones.iter().map(|z| z.meta.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
}

/// The embedded layers skip the costliest checks when loaded (`Checks`), so
/// this holds them to every check and compares what both loads make.
#[test]
fn embedded_layers_pass_every_check() {
    let checked = parse(EMBEDDED_NAME, EMBEDDED).unwrap();
    let loaded = load_embedded().unwrap();
    assert_eq!(checked.len(), loaded.len());
    for (a, b) in checked.iter().zip(&loaded) {
        assert_eq!((&a.meta, &a.geometry), (&b.meta, &b.geometry));
    }
    let checked = parse_governorates(EMBEDDED_GOVERNORATES_NAME, EMBEDDED_GOVERNORATES).unwrap();
    let loaded = load_embedded_governorates().unwrap();
    assert_eq!(checked.len(), loaded.len());
    for (a, b) in checked.iter().zip(&loaded) {
        assert_eq!((&a.pcode, &a.geometry), (&b.pcode, &b.geometry));
    }
    assert_eq!(
        parse_coast(EMBEDDED_COAST_NAME, EMBEDDED_COAST).unwrap(),
        load_embedded_coast().unwrap()
    );
}

#[test]
fn clockwise_exterior_ring_is_reoriented_to_the_right_hand_rule() {
    let zones = load_file(&fixture("clockwise.geojson")).unwrap();
    let exterior = zones[0].geometry.0[0].exterior();
    assert!(exterior.is_ccw());
}

#[test]
fn unreadable_file_is_refused_naming_it() {
    let err = load_file(Path::new("/no/such/zones.geojson")).unwrap_err();
    assert!(matches!(err, GeodataError::Read { .. }));
    assert!(
        err.to_string()
            .starts_with("/no/such/zones.geojson: cannot read")
    );
}

#[test]
fn json_syntax_error_is_refused_with_its_position() {
    let err = refusal("syntax");
    assert!(matches!(err, GeodataError::Syntax { .. }));
    assert!(err.to_string().contains("line"), "{err}");
}

#[test]
fn a_feature_instead_of_a_collection_is_refused() {
    assert!(matches!(
        refusal("not-collection"),
        GeodataError::NotCollection {
            found: "Feature",
            ..
        }
    ));
}

#[test]
fn an_empty_collection_is_refused() {
    assert!(matches!(refusal("empty"), GeodataError::Empty { .. }));
}

#[test]
fn features_without_a_slug_id_are_refused() {
    assert_eq!(
        feature_fault("missing-id"),
        ("#1".into(), FeatureFault::MissingId)
    );
    assert_eq!(
        feature_fault("bad-id"),
        (
            "Northern Homs".into(),
            FeatureFault::BadId("\"Northern Homs\"".into())
        )
    );
    assert_eq!(
        feature_fault("numeric-id"),
        ("#1".into(), FeatureFault::BadId("2".into()))
    );
}

#[test]
fn geometry_that_is_missing_or_not_a_polygon_is_refused() {
    assert_eq!(
        feature_fault("no-geometry"),
        ("eastern-ghouta".into(), FeatureFault::MissingGeometry)
    );
    assert_eq!(
        feature_fault("point-geometry"),
        (
            "eastern-ghouta".into(),
            FeatureFault::WrongGeometryType("Point")
        )
    );
}

#[test]
fn ring_faults_are_refused_with_their_place() {
    assert_eq!(
        feature_fault("unclosed-ring"),
        (
            "idlib".into(),
            FeatureFault::UnclosedRing {
                polygon: 0,
                ring: 0
            }
        )
    );
    assert_eq!(
        feature_fault("short-ring"),
        (
            "idlib".into(),
            FeatureFault::ShortRing {
                polygon: 0,
                ring: 0,
                count: 3
            }
        )
    );
    assert_eq!(
        feature_fault("position-arity"),
        (
            "southern".into(),
            FeatureFault::BadPosition {
                polygon: 0,
                ring: 0,
                position: 2,
                count: 1
            }
        )
    );
    let (feature, fault) = feature_fault("out-of-range");
    assert_eq!(feature, "southern");
    assert!(
        matches!(fault, FeatureFault::OutOfRange { position: 1, .. }),
        "{fault}"
    );
}

#[test]
fn self_intersection_is_refused_by_geo_validation() {
    let (feature, fault) = feature_fault("self-intersection");
    assert_eq!(feature, "idlib");
    assert!(matches!(fault, FeatureFault::InvalidGeometry(_)), "{fault}");
}

#[test]
fn property_faults_name_the_property() {
    assert_eq!(
        feature_fault("missing-property"),
        (
            "eastern-ghouta".into(),
            FeatureFault::MissingProperty("guarantors")
        )
    );
    let (_, fault) = feature_fault("bad-date");
    assert_eq!(
        fault,
        FeatureFault::BadProperty {
            name: "signed",
            expected: "a date YYYY-MM-DD"
        }
    );
}

#[test]
fn duplicate_ids_are_refused() {
    let err = refusal("duplicate-id");
    assert!(
        matches!(&err, GeodataError::Duplicate { what: "id", value, .. } if value == "idlib"),
        "{err}"
    );
}

#[test]
fn overlapping_zones_are_refused_with_the_shared_area() {
    match refusal("overlap") {
        GeodataError::Overlap {
            first,
            second,
            area_km2,
            ..
        } => {
            assert_eq!(
                (first.as_str(), second.as_str()),
                ("northern-homs", "eastern-ghouta")
            );
            assert!(area_km2 > 100.0, "{area_km2}");
        }
        other => panic!("expected an overlap, got {other}"),
    }
}

#[test]
fn computed_members_in_input_are_ignored_so_served_data_loads_back() {
    let text = std::fs::read_to_string(fixture("boxes.geojson")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    for f in value["features"].as_array_mut().unwrap() {
        let props = f["properties"].as_object_mut().unwrap();
        props.insert("area_km2".into(), 1.0.into());
        props.insert("bbox".into(), serde_json::json!([0, 0, 1, 1]));
        props.insert("representative_point".into(), serde_json::json!([0, 0]));
    }
    let zones = parse("served.geojson", &value.to_string()).unwrap();
    assert!(zones[0].area_km2 > 1000.0);
    assert!(!zones[0].meta.extra.contains_key("area_km2"));
}

#[test]
fn computed_members_of_served_governorates_are_ignored() {
    let text = include_str!("../../geodata/governorates.geojson");
    let mut value: serde_json::Value = serde_json::from_str(text).unwrap();
    for f in value["features"].as_array_mut().unwrap() {
        let props = f["properties"].as_object_mut().unwrap();
        props.insert("area_km2".into(), 1.0.into());
        props.insert("links".into(), serde_json::json!([]));
    }
    let served = parse_governorates("served.geojson", &value.to_string()).unwrap();
    let embedded = load_embedded_governorates().unwrap();
    for (a, b) in served.iter().zip(&embedded) {
        assert_eq!(a.extra, b.extra, "{}", a.pcode);
        assert!((a.area_km2 - b.area_km2).abs() < 1e-9, "{}", a.pcode);
    }
}

#[test]
fn extra_properties_pass_through_in_order() {
    let text = std::fs::read_to_string(fixture("boxes.geojson"))
        .unwrap()
        .replace(
            "\"source\":",
            "\"name_ar\": \"إدلب\", \"extent\": \"2017\", \"source\":",
        );
    let zones = parse("extra.geojson", &text).unwrap();
    let keys: Vec<&String> = zones[0].meta.extra.keys().collect();
    assert_eq!(keys, ["name_ar", "extent"]);
}

#[test]
fn extent_covers_every_zone() {
    let zones = load_file(&fixture("boxes.geojson")).unwrap();
    assert_eq!(extent(&zones), Some([35.9, 32.3, 37.0, 36.3]));
    assert_eq!(extent(&[]), None);
}
