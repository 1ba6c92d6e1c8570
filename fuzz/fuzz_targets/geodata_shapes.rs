//! The zone-file loader on well-formed files with fuzzed outlines. Byte
//! mutations of JSON rarely get past the syntax and property checks, so this
//! target writes the JSON itself and lets the fuzzer choose only the shapes:
//! up to four zones of one or two polygons of one or two rings, each vertex a
//! point of a 16 × 16 grid over northern Syria (coarse on purpose: repeated
//! points, collinear edges, shared edges, spikes, holes touching shells and
//! overlapping zones are what geometry code gets wrong). The checks are those
//! of `dezone_fuzz::check_geodata` (`src/lib.rs`): geo's validation,
//! orientation, interior point, overlap test and the point index must neither
//! panic nor disagree.
//!
//! Input bytes, read in order (missing bytes read as 0):
//! zone count, then per zone: polygon count, then per polygon: ring count,
//! then per ring: vertex count and one byte per vertex (low nibble: column,
//! high nibble: row). Rings are closed by repeating the first vertex, except
//! when the count byte is 0xff.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

struct Bytes<'a>(std::slice::Iter<'a, u8>);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        self.0.next().copied().unwrap_or(0)
    }
}

fn ring(bytes: &mut Bytes<'_>) -> Value {
    let count = bytes.next();
    let open = count == 0xff;
    // 3 to 10 vertices before the closing one.
    let n = 3 + usize::from(count & 0x7f) % 8;
    let mut points: Vec<Value> = (0..n)
        .map(|_| {
            let b = bytes.next();
            let lon = 36.0 + f64::from(b & 0x0f) * 0.05;
            let lat = 35.0 + f64::from(b >> 4) * 0.05;
            json!([lon, lat])
        })
        .collect();
    if !open {
        points.push(points[0].clone());
    }
    Value::Array(points)
}

fuzz_target!(|data: &[u8]| {
    let mut bytes = Bytes(data.iter());
    let zones = 1 + usize::from(bytes.next()) % 4;
    let features: Vec<Value> = (1..=zones)
        .map(|number| {
            let polygons: Vec<Value> = (0..1 + bytes.next() % 2)
                .map(|_| {
                    Value::Array(
                        (0..1 + bytes.next() % 2)
                            .map(|_| ring(&mut bytes))
                            .collect(),
                    )
                })
                .collect();
            let geometry = if polygons.len() == 1 {
                json!({"type": "Polygon", "coordinates": polygons[0]})
            } else {
                json!({"type": "MultiPolygon", "coordinates": polygons})
            };
            json!({
                "type": "Feature",
                "id": format!("zone-{number}"),
                "geometry": geometry,
                "properties": {
                    "number": number,
                    "name": format!("Zone {number}"),
                    "provinces": ["Idlib"],
                    "description": "fuzzed outline",
                    "guarantors": ["Russia", "Iran", "Turkey"],
                    "signed": "2017-05-04",
                    "in_force": "2017-05-06",
                    "source": "fuzz",
                },
            })
        })
        .collect();
    let text = json!({"type": "FeatureCollection", "features": features}).to_string();
    dezone_fuzz::check_geodata(&text);
});
