//! How fast the engine answers, on the real embedded zones.
//!
//! Deterministic inputs: uniform points over Syria's bounding box, points inside
//! zones, and points within ~1 km of a zone edge; the full answer includes the
//! governorate. Each iteration checks its
//! answer so the work cannot be optimised away. Figures: `benches/README.md`.

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dezone::{geodata, query::ZoneIndex};
use geo::CoordsIter;

/// A small deterministic generator (64-bit LCG), so runs compare.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
}

const N: usize = 4096;

fn uniform_in_syria(rng: &mut Lcg) -> Vec<(f64, f64)> {
    (0..N)
        .map(|_| (rng.between(35.7, 42.4), rng.between(32.3, 37.3)))
        .collect()
}

fn inside_zones(index: &ZoneIndex, rng: &mut Lcg) -> Vec<(f64, f64)> {
    let mut points = Vec::with_capacity(N);
    while points.len() < N {
        let zone = &index.zones()[points.len() % index.zones().len()];
        let (min, max) = (zone.bbox.min(), zone.bbox.max());
        let p = (rng.between(min.x, max.x), rng.between(min.y, max.y));
        if !index.locate(p.0, p.1).inside.is_empty() {
            points.push(p);
        }
    }
    points
}

fn near_edges(index: &ZoneIndex, rng: &mut Lcg) -> Vec<(f64, f64)> {
    let vertices: Vec<geo::Coord> = index
        .zones()
        .iter()
        .flat_map(|z| z.geometry.coords_iter())
        .collect();
    (0..N)
        .map(|_| {
            let v = vertices[(rng.next() * vertices.len() as f64) as usize % vertices.len()];
            (
                v.x + rng.between(-0.01, 0.01),
                v.y + rng.between(-0.01, 0.01),
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let index = ZoneIndex::with_governorates(
        geodata::load_embedded().unwrap(),
        geodata::load_embedded_governorates().unwrap(),
    );
    let mut rng = Lcg(0x00de_2017_0504);
    let sets = [
        ("uniform_syria_bbox", uniform_in_syria(&mut rng)),
        ("inside_zones", inside_zones(&index, &mut rng)),
        ("within_1km_of_edges", near_edges(&index, &mut rng)),
    ];
    let mut group = c.benchmark_group("locate");
    group.throughput(Throughput::Elements(N as u64));
    for (name, points) in &sets {
        group.bench_function(format!("membership/{name}"), |b| {
            b.iter(|| {
                let mut hits = 0usize;
                for &(lon, lat) in points {
                    hits += index.zone_set_at(black_box(lon), black_box(lat)).len();
                }
                assert!(hits <= points.len() * 2);
                hits
            });
        });
        group.bench_function(format!("full_answer/{name}"), |b| {
            b.iter(|| {
                let mut total = 0.0;
                for &(lon, lat) in points {
                    let at = index.locate(black_box(lon), black_box(lat));
                    total += at.nearest.unwrap().distance_km;
                    total += at.governorate.map_or(0.0, |g| g.distance_km);
                }
                assert!(total.is_finite());
                total
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
