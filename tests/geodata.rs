//! The embedded zone data meets the research notes: areas in the ranges of
//! `ZONES.md` (shared research folder), inside Syria (with a 1 km band across
//! the borders Idlib and the south meet), east of the 1974 Golan line.

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

/// The ranges of geodata/README.md, as `cargo test -p xtask` holds them.
#[test]
fn zone_areas_lie_in_the_researched_ranges() {
    let zones = dezone::geodata::load_embedded().unwrap();
    let ranges = [
        ("idlib", 8_500.0, 10_000.0),
        ("northern-homs", 500.0, 900.0),
        ("eastern-ghouta", 100.0, 140.0),
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
    // And by area: what lies outside the union of the governorates is the
    // 1 km band along the borders Idlib and the south meet, nothing inland.
    let syria = index
        .governorates()
        .iter()
        .fold(MultiPolygon::<f64>(vec![]), |all, g| all.union(&g.geometry));
    for zone in index.zones() {
        let outside = zone.geometry.difference(&syria).geodesic_area_unsigned() / 1e6;
        let limit = match zone.id().as_str() {
            "idlib" | "southern" => 150.0,
            _ => 0.5,
        };
        assert!(
            outside < limit,
            "{}: {outside} km² outside Syria",
            zone.id()
        );
    }
}

/// Where a zone meets an international border it reaches 1 km beyond
/// Syria's generalised outline: villages whose gazetteer points (WOF, GeoNames)
/// fall just outside it answer their zone and their governorate, and the
/// nearest towns across the border still answer no zone.
#[test]
fn border_villages_beyond_the_outline_answer_their_zone() {
    let index = dezone::cli::load_index(None, None).unwrap();
    for (name, lon, lat, zone, pcode) in [
        // ZONES.md zone 4; WOF 1226240195, 0.55 km beyond the outline.
        ("Tall Shihab", 35.97447, 32.69175, "southern", "SY12"),
        // WOF 1209502091 and 1293466909, Idleb villages on the Turkish border.
        ("Bitamma", 36.38866, 36.0757, "idlib", "SY07"),
        ("Al Hamra", 36.39319, 36.08462, "idlib", "SY07"),
    ] {
        let answer = index.locate(lon, lat);
        let ids: Vec<&str> = answer.inside.iter().map(|h| h.zone.id().as_str()).collect();
        assert_eq!(ids, [zone], "{name}");
        let governorate = answer.governorate.as_ref().unwrap();
        assert_eq!(governorate.governorate.pcode, pcode, "{name}");
        assert!(governorate.distance_km > 0.3, "{name}: beyond the outline");
        assert_eq!(answer.in_syria, Some(true), "{name}");
    }
    // GeoNames: Hacıpaşa (Turkey) and At-Turrah (Jordan), the towns across
    // the border nearest to a zone.
    for (name, lon, lat) in [
        ("Hacıpaşa", 36.37076, 36.06907),
        ("At-Turrah", 35.98943, 32.63979),
    ] {
        let answer = index.locate(lon, lat);
        assert!(answer.inside.is_empty(), "{name}");
        assert_eq!(answer.in_syria, Some(false), "{name}");
    }
}

/// Coastal towns whose usual positions lie offshore of the generalised
/// coastline answer their governorate, in Syria; the sea beyond the coastal
/// band, and the land beyond the two borders that meet the sea, do not.
#[test]
fn coastal_towns_offshore_of_the_outline_are_in_syria() {
    let index = dezone::cli::load_index(None, None).unwrap();
    for (name, lon, lat, pcode) in [
        // WOF 421190445 (Djeble), 0.47 km offshore.
        ("Jableh", 35.9222, 35.36049, "SY06"),
        // Jableh and Tartus as commonly cited (35°21′N 35°55′E, 34°53′N 35°53′E).
        ("Jableh, to the minute", 35.9167, 35.35, "SY06"),
        ("Tartus, to the minute", 35.8833, 34.8833, "SY10"),
        // WOF 1259566739 Kharab Baldah, 0.93 km offshore; WOF 1276411223 An Nawras,
        // south of Tartus.
        ("Kharab Baldah", 35.92559, 35.26298, "SY10"),
        ("An Nawras", 35.93238, 34.74288, "SY10"),
    ] {
        let answer = index.locate(lon, lat);
        let governorate = answer.governorate.as_ref().expect(name);
        assert_eq!(governorate.governorate.pcode, pcode, "{name}");
        assert!(
            governorate.distance_km > 0.3,
            "{name}: offshore of the outline"
        );
        assert!(governorate.distance_km <= 1.0, "{name}: within the band");
        assert_eq!(answer.in_syria, Some(true), "{name}");
    }
    for (name, lon, lat) in [
        // 3 km off Jableh, and 2 km off Arwad island.
        ("off Jableh", 35.88, 35.36),
        ("off Arwad", 35.835, 34.856),
        // Past the ends of the coast, under 1 km from the outline: north of
        // where the Turkish border meets the sea, south of the Nahr al-Kabir's
        // mouth, where the Lebanese border does.
        ("past the Turkish border", 35.80, 35.862),
        ("past the Lebanese border", 35.977, 34.639),
    ] {
        let answer = index.locate(lon, lat);
        assert_eq!(answer.in_syria, Some(false), "{name}");
        assert!(answer.governorate.is_none(), "{name}");
    }
}

/// Kinsabba, retaken by the government in 2016, is outside zone 1 though the
/// north-east Latakia strip runs past it (ZONES.md); al-Haddadah, 2.4 km
/// north-east, is in.
#[test]
fn kinsabba_is_outside_the_latakia_strip() {
    let index = dezone::cli::load_index(None, None).unwrap();
    // GeoNames 167863, and a point 1.2 km south-south-east of it.
    for (lon, lat) in [(36.164, 35.7441), (36.1667, 35.7333)] {
        let answer = index.locate(lon, lat);
        assert!(answer.inside.is_empty(), "Kinsabba at {lon} {lat}");
        let nearest = answer.nearest.unwrap();
        assert_eq!(nearest.zone.id().as_str(), "idlib");
        assert!(nearest.distance_km > 0.8, "{}", nearest.distance_km);
    }
    let haddadah = index.locate(36.18052, 35.76114);
    assert_eq!(haddadah.inside.len(), 1);
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
