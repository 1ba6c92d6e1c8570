use std::path::Path;

use geo::{Coord, CoordsIter, Distance, Geodesic, Intersects, Point};
use proptest::prelude::*;

use super::*;
use crate::geodata;

fn boxes() -> ZoneIndex {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/boxes.geojson");
    ZoneIndex::new(geodata::load_file(&path).unwrap())
}

fn real() -> &'static ZoneIndex {
    static INDEX: std::sync::OnceLock<ZoneIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| ZoneIndex::new(geodata::load_embedded().unwrap()))
}

/// Membership by scanning every zone with geo's predicate, no index.
fn brute_force_zones(index: &ZoneIndex, lon: f64, lat: f64) -> Vec<&str> {
    index
        .zones()
        .iter()
        .filter(|z| z.geometry.intersects(&Coord { x: lon, y: lat }))
        .map(|z| z.id().as_str())
        .collect()
}

/// Geodesic distance (m) from the point to the nearest point of the zone's
/// boundary, by golden-section search along every edge (lon/lat-linear).
fn brute_force_boundary_m(zone: &Zone, lon: f64, lat: f64) -> f64 {
    let p = Point::new(lon, lat);
    let mut best = f64::INFINITY;
    for polygon in &zone.geometry {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            for line in ring.lines() {
                let at = |t: f64| {
                    Geodesic.distance(
                        p,
                        Point::new(
                            line.start.x + (line.end.x - line.start.x) * t,
                            line.start.y + (line.end.y - line.start.y) * t,
                        ),
                    )
                };
                let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
                let g = (5f64.sqrt() - 1.0) / 2.0;
                for _ in 0..48 {
                    let (m1, m2) = (hi - g * (hi - lo), lo + g * (hi - lo));
                    if at(m1) < at(m2) {
                        hi = m2;
                    } else {
                        lo = m1;
                    }
                }
                best = best
                    .min(at(0.0))
                    .min(at(1.0))
                    .min(at(f64::midpoint(lo, hi)));
            }
        }
    }
    best
}

fn assert_close_m(got_km: f64, want_m: f64) {
    let tolerance = (want_m * 0.001).max(10.0);
    assert!(
        (got_km * 1000.0 - want_m).abs() <= tolerance,
        "got {got_km} km, brute force {} km",
        want_m / 1000.0
    );
}

#[test]
fn point_inside_a_box_reports_the_distance_to_its_nearest_edge() {
    let index = boxes();
    // Ghouta box: 36.33..36.45 E, 33.49..33.60 N; 0.001° north of its southern edge.
    let at = index.locate(36.40, 33.491);
    assert_eq!(at.inside.len(), 1);
    assert_eq!(at.inside[0].zone.id().as_str(), "eastern-ghouta");
    let want = Geodesic.distance(Point::new(36.40, 33.491), Point::new(36.40, 33.49));
    // Within the 10 cm a 2 km chord strays from its lon/lat edge.
    assert!((at.inside[0].distance_to_boundary_km * 1000.0 - want).abs() < 0.1);
    assert_eq!(at.nearest.unwrap().distance_km, 0.0);
}

#[test]
fn point_outside_reports_the_nearest_zone_and_its_distance() {
    let index = boxes();
    let at = index.locate(36.40, 33.40);
    assert!(at.inside.is_empty());
    let nearest = at.nearest.unwrap();
    assert_eq!(nearest.zone.id().as_str(), "eastern-ghouta");
    let want = Geodesic.distance(Point::new(36.40, 33.40), Point::new(36.40, 33.49));
    assert!((nearest.distance_km * 1000.0 - want).abs() < 0.1);
}

#[test]
fn point_on_an_edge_or_vertex_counts_as_inside_at_distance_zero() {
    let index = boxes();
    for (lon, lat) in [
        (36.40, 33.49),
        (36.33, 33.55),
        (36.33, 33.49),
        (36.45, 33.60),
    ] {
        let at = index.locate(lon, lat);
        assert_eq!(at.inside.len(), 1, "({lon}, {lat})");
        assert_eq!(at.inside[0].distance_to_boundary_km, 0.0);
        assert!(!strictly_inside(at.inside[0].zone, lon, lat));
    }
}

fn strictly_inside(zone: &Zone, lon: f64, lat: f64) -> bool {
    use geo::Contains;
    zone.geometry.contains(&Coord { x: lon, y: lat })
}

#[test]
fn antipode_and_poles_get_an_answer() {
    let index = boxes();
    for (lon, lat) in [
        (-143.6, -35.9),
        (0.0, 90.0),
        (0.0, -90.0),
        (180.0, 0.0),
        (-180.0, 0.0),
    ] {
        let at = index.locate(lon, lat);
        assert!(at.inside.is_empty());
        let d = at.nearest.unwrap().distance_km;
        assert!(d > 3_000.0 && d < 20_050.0, "({lon}, {lat}): {d}");
    }
}

#[test]
fn long_edges_are_measured_to_their_middle_not_their_ends() {
    // The Idlib box's southern edge is 0.8° (~72 km) long: a point 1 km south of
    // its middle is 1 km from it, not ~36 km (the distance to a vertex).
    let index = boxes();
    let at = index.locate(36.6, 35.491);
    let want = Geodesic.distance(Point::new(36.6, 35.491), Point::new(36.6, 35.5));
    assert!((at.nearest.unwrap().distance_km * 1000.0 - want).abs() < 0.1);
}

#[test]
fn every_vertex_of_the_real_zones_is_inside_its_zone() {
    let index = real();
    for zone in index.zones() {
        for c in zone.geometry.coords_iter() {
            let at = index.locate(c.x, c.y);
            assert!(
                at.inside.iter().any(|h| h.zone.id() == zone.id()),
                "vertex {c:?} of {}",
                zone.id()
            );
        }
    }
}

fn real_with_governorates() -> &'static ZoneIndex {
    static INDEX: std::sync::OnceLock<ZoneIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        ZoneIndex::with_governorates(
            geodata::load_embedded().unwrap(),
            geodata::load_embedded_governorates().unwrap(),
        )
    })
}

/// The governorates holding the point, by geo's predicate over each, no index.
fn brute_force_governorates(index: &ZoneIndex, lon: f64, lat: f64) -> Vec<usize> {
    static BOXES: std::sync::OnceLock<Vec<geo::Rect>> = std::sync::OnceLock::new();
    let boxes = BOXES.get_or_init(|| {
        use geo::BoundingRect;
        index
            .governorates()
            .iter()
            .map(|g| g.geometry.bounding_rect().unwrap())
            .collect()
    });
    let c = Coord { x: lon, y: lat };
    index
        .governorates()
        .iter()
        .enumerate()
        .filter(|(i, g)| boxes[*i].intersects(&c) && g.geometry.intersects(&c))
        .map(|(i, _)| i)
        .collect()
}

/// Every zone and governorate vertex, and points exactly on or a hair off
/// every edge: where a grid cell's edges decide.
fn boundary_probes(index: &ZoneIndex) -> Vec<(f64, f64)> {
    let outlines = index
        .zones()
        .iter()
        .map(|z| &z.geometry)
        .chain(index.governorates().iter().map(|g| &g.geometry));
    let mut probes = Vec::new();
    for outline in outlines {
        for polygon in outline {
            for line in std::iter::once(polygon.exterior())
                .chain(polygon.interiors())
                .flat_map(geo::LineString::lines)
            {
                let (a, b) = (line.start, line.end);
                let mid = Coord {
                    x: f64::midpoint(a.x, b.x),
                    y: f64::midpoint(a.y, b.y),
                };
                probes.push((a.x, a.y));
                probes.push((mid.x, mid.y));
                for eps in [1e-12, 1e-7] {
                    probes.push((mid.x + eps, mid.y));
                    probes.push((mid.x - eps, mid.y));
                    probes.push((mid.x, mid.y + eps));
                    probes.push((mid.x, mid.y - eps));
                }
            }
        }
    }
    probes
}

#[test]
fn grid_agrees_with_geo_on_every_vertex_and_beside_every_edge() {
    let index = real_with_governorates();
    let probes = boundary_probes(index);
    assert!(probes.len() > 60_000, "{} probes", probes.len());
    for &(lon, lat) in &probes {
        let zones: Vec<&str> = index.zones_at(lon, lat).map(|z| z.id().as_str()).collect();
        assert_eq!(
            zones,
            brute_force_zones(index, lon, lat),
            "zones at ({lon}, {lat})"
        );
        assert_eq!(
            ZoneSet(index.governorate_regions.members(lon, lat))
                .iter()
                .collect::<Vec<_>>(),
            brute_force_governorates(index, lon, lat),
            "governorates at ({lon}, {lat})"
        );
    }
}

#[test]
fn axis_aligned_edges_on_cell_lines_are_exact() {
    // The boxes' edges run along round meridians and parallels; probe a fine
    // lattice across each, on and beside the lines.
    let index = boxes();
    for zone in index.zones() {
        let (min, max) = (zone.bbox.min(), zone.bbox.max());
        for k in 0..=400 {
            let t = f64::from(k) / 400.0;
            let x = min.x + (max.x - min.x) * t;
            let y = min.y + (max.y - min.y) * t;
            for (lon, lat) in [
                (x, min.y),
                (x, max.y),
                (min.x, y),
                (max.x, y),
                (x, min.y - 1e-13),
                (x, max.y + 1e-13),
                (min.x - 1e-13, y),
                (max.x + 1e-13, y),
                (x, min.y + 1e-13),
                (min.x + 1e-13, y),
            ] {
                let zones: Vec<&str> = index.zones_at(lon, lat).map(|z| z.id().as_str()).collect();
                assert_eq!(zones, brute_force_zones(&index, lon, lat), "({lon}, {lat})");
            }
        }
    }
}

fn syria_box() -> impl Strategy<Value = (f64, f64)> {
    (35.5..42.5_f64, 32.2..37.5_f64)
}

/// Points within ~1 km of a real zone's vertices: the hard cases.
fn near_real_boundary() -> impl Strategy<Value = (f64, f64)> {
    let vertices: Vec<Coord> = real()
        .zones()
        .iter()
        .flat_map(|z| z.geometry.coords_iter())
        .collect();
    (0..vertices.len(), -0.01..0.01_f64, -0.01..0.01_f64)
        .prop_map(move |(i, dx, dy)| (vertices[i].x + dx, vertices[i].y + dy))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn index_agrees_with_a_brute_force_scan((lon, lat) in prop_oneof![syria_box(), near_real_boundary()]) {
        let index = real();
        let at = index.locate(lon, lat);
        let ids: Vec<&str> = at.inside.iter().map(|h| h.zone.id().as_str()).collect();
        prop_assert_eq!(ids, brute_force_zones(index, lon, lat));
    }

    #[test]
    fn governorate_grid_agrees_with_a_brute_force_scan((lon, lat) in prop_oneof![syria_box(), near_real_boundary()]) {
        let index = real_with_governorates();
        prop_assert_eq!(
            ZoneSet(index.governorate_regions.members(lon, lat)).iter().collect::<Vec<_>>(),
            brute_force_governorates(index, lon, lat)
        );
    }

    #[test]
    fn far_away_points_match_nothing(lon in -180.0..180.0_f64, lat in -90.0..0.0_f64) {
        let at = real().locate(lon, lat);
        prop_assert!(at.inside.is_empty());
        prop_assert!(at.nearest.unwrap().distance_km > 3_500.0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn distances_agree_with_brute_force_geodesics((lon, lat) in prop_oneof![syria_box(), near_real_boundary()]) {
        let index = real();
        let at = index.locate(lon, lat);
        if let Some(hit) = at.inside.first() {
            assert_close_m(hit.distance_to_boundary_km, brute_force_boundary_m(hit.zone, lon, lat));
        } else {
            let nearest = at.nearest.unwrap();
            let (best, zone) = index
                .zones()
                .iter()
                .map(|z| (brute_force_boundary_m(z, lon, lat), z))
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .unwrap();
            assert_close_m(nearest.distance_km, best);
            prop_assert_eq!(nearest.zone.id(), zone.id());
        }
    }
}
