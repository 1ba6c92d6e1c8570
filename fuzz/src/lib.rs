//! What the geodata targets share: loading zone text as `dezone validate` and
//! `serve` do, and the invariants accepted data must meet.

use std::collections::HashSet;

use dezone::{
    geodata::{self, MAX_ZONES},
    query::ZoneIndex,
};
use geo::{CoordsIter, Intersects};

/// The name the loader is given; every error must carry it.
pub const NAME: &str = "fuzz.geojson";

/// Loads `text` with `geodata::parse_with_notes` and, when it is accepted,
/// indexes the zones as the service does. Panics when an invariant breaks.
/// Returns whether the text was accepted.
///
/// The index is built without the governorates: indexing them takes some
/// 25 ms, which would cut the target's speed a hundredfold, and `ZoneIndex`
/// cannot reuse one governorates index for new zones. So the check against
/// Syria's outline (`ZoneIndex::farthest_outside_syria`) is not fuzzed here.
///
/// Invariants of accepted data: 1 to `MAX_ZONES` zones sorted by number, ids
/// and numbers unique, numbers 1..=99, every vertex within lon/lat range,
/// finite areas >= 0, `valid_from <= valid_until`, each representative point
/// inside its zone's bounding box and located in that zone by the index.
/// A refusal names the file.
pub fn check_geodata(text: &str) -> bool {
    let (zones, _notes) = match geodata::parse_with_notes(NAME, text) {
        Ok(parsed) => parsed,
        Err(e) => {
            assert!(
                e.to_string().starts_with(NAME),
                "the error names the file: {e}"
            );
            return false;
        }
    };

    assert!(
        (1..=MAX_ZONES).contains(&zones.len()),
        "{} zones",
        zones.len()
    );
    let mut ids = HashSet::new();
    let mut numbers = HashSet::new();
    for zone in &zones {
        assert!(ids.insert(zone.id().as_str()), "duplicate id {}", zone.id());
        assert!(
            numbers.insert(zone.meta.number),
            "duplicate number {}",
            zone.meta.number
        );
        assert!((1..=99).contains(&zone.meta.number));
        assert!(
            zone.area_km2.is_finite() && zone.area_km2 >= 0.0,
            "area {}",
            zone.area_km2
        );
        if let Some(until) = zone.meta.valid_until {
            assert!(zone.meta.valid_from <= until);
        }
        assert!(zone.geometry.coords_count() > 0);
        for c in zone.geometry.coords_iter() {
            assert!(
                (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y),
                "{c:?}"
            );
        }
        let p = zone.representative_point;
        assert!(
            zone.bbox.intersects(&p),
            "{}: {p:?} outside {:?}",
            zone.id(),
            zone.bbox
        );
    }
    assert!(
        zones
            .windows(2)
            .all(|w| w[0].meta.number < w[1].meta.number),
        "sorted by number"
    );

    // Index the zones as the service does and locate each representative point.
    let points: Vec<_> = zones
        .iter()
        .map(|z| (z.id().clone(), z.representative_point))
        .collect();
    let index = ZoneIndex::new(zones);
    for (id, p) in points {
        let found = index.zones_at(p.x(), p.y()).any(|z| *z.id() == id);
        assert!(
            found,
            "zone {id}: its representative point {p:?} is not located in it"
        );
    }
    true
}
