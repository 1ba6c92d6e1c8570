//! The embedded zone data meets the research notes: areas in the ranges of
//! `ZONES.md` (shared research folder), inside Syria, east of the 1974 Golan line.

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use geo::{Area, BooleanOps, GeodesicArea, MultiPolygon};

fn golan() -> MultiPolygon<f64> {
    let text = include_str!("../geodata/sources/golan_israeli_occupied_approx.geojson");
    let collection: geojson::FeatureCollection = text.parse().unwrap();
    let parts: Vec<geo::Polygon<f64>> = collection
        .features
        .iter()
        .flat_map(|f| {
            let g: geo::Geometry<f64> = f.geometry.clone().unwrap().try_into().unwrap();
            match g {
                geo::Geometry::Polygon(p) => vec![p],
                geo::Geometry::MultiPolygon(m) => m.0,
                _ => vec![],
            }
        })
        .collect();
    MultiPolygon(parts)
}

#[test]
fn zone_areas_lie_in_the_researched_ranges() {
    let zones = dezone::geodata::load_embedded().unwrap();
    let ranges = [
        ("idlib", 8_500.0, 9_500.0),
        ("northern-homs", 500.0, 900.0),
        ("eastern-ghouta", 100.0, 110.0),
        ("southern", 2_500.0, 3_000.0),
    ];
    for ((id, low, high), zone) in ranges.into_iter().zip(&zones) {
        assert_eq!(zone.id().as_str(), id);
        assert!(
            (low..=high).contains(&zone.area_km2),
            "{id}: {} km² not in {low}..{high}",
            zone.area_km2
        );
    }
}

#[test]
fn zones_lie_inside_syria() {
    let index = dezone::cli::load_index(None, None).unwrap();
    assert!(index.farthest_outside_syria().is_none());
    // And by area: what lies outside the union of the governorates is negligible.
    let syria = index
        .governorates()
        .iter()
        .fold(MultiPolygon::<f64>(vec![]), |all, g| all.union(&g.geometry));
    for zone in index.zones() {
        let outside = zone.geometry.difference(&syria).geodesic_area_unsigned() / 1e6;
        assert!(outside < 0.5, "{}: {outside} km² outside Syria", zone.id());
    }
}

#[test]
fn no_zone_crosses_the_golan_line() {
    let golan = golan();
    assert!(golan.unsigned_area() > 0.0);
    for zone in dezone::geodata::load_embedded().unwrap() {
        let shared = zone.geometry.intersection(&golan).geodesic_area_unsigned() / 1e6;
        assert!(
            shared < 0.01,
            "{} shares {shared} km² with the occupied Golan",
            zone.id()
        );
    }
}
