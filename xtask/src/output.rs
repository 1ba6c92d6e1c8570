//! Deterministic serialisation of the zones and the governorates as RFC 7946
//! FeatureCollections.
//!
//! Layout: one Feature per line, properties in a fixed order (serde_json `preserve_order`),
//! coordinates rounded to 6 decimals and printed in shortest round-trip form.

use std::fmt::Write as _;

use geo::{LineString, MultiPolygon, Polygon};
use serde_json::{Map, Value};

use crate::coast::{self, Band};
use crate::governorates::Layer;
use crate::zones::Built;

/// The zones file.
pub fn feature_collection(built: &Built) -> String {
    collection(
        built
            .zones
            .iter()
            .map(|z| (z.id, &z.properties, &z.geometry))
            .collect(),
    )
}

/// The governorates file.
pub fn governorates_collection(layer: &Layer) -> String {
    collection(
        layer
            .governorates
            .iter()
            .map(|g| (g.pcode.as_str(), &g.properties, &g.geometry))
            .collect(),
    )
}

/// The coastal band file: one Feature.
pub fn coast_collection(band: &Band) -> String {
    collection(vec![(coast::ID, &band.properties, &band.geometry)])
}

type FeatureRef<'a> = (&'a str, &'a Map<String, Value>, &'a MultiPolygon<f64>);

fn collection(features: Vec<FeatureRef<'_>>) -> String {
    let mut out = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (i, f) in features.iter().enumerate() {
        out.push_str(&feature(f));
        out.push_str(if i + 1 < features.len() { ",\n" } else { "\n" });
    }
    out.push_str("]}\n");
    out
}

fn feature((id, properties, geometry_): &FeatureRef<'_>) -> String {
    let id = Value::String((*id).to_owned());
    let props = Value::Object((*properties).clone());
    format!(
        "{{\"type\":\"Feature\",\"id\":{id},\"properties\":{props},\"geometry\":{}}}",
        geometry(geometry_)
    )
}

fn geometry(mp: &MultiPolygon<f64>) -> String {
    let mut s = String::new();
    if let [single] = mp.0.as_slice() {
        s.push_str("{\"type\":\"Polygon\",\"coordinates\":");
        polygon(&mut s, single);
    } else {
        s.push_str("{\"type\":\"MultiPolygon\",\"coordinates\":[");
        for (i, p) in mp.0.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            polygon(&mut s, p);
        }
        s.push(']');
    }
    s.push('}');
    s
}

fn polygon(s: &mut String, p: &Polygon<f64>) {
    s.push('[');
    ring(s, p.exterior());
    for h in p.interiors() {
        s.push(',');
        ring(s, h);
    }
    s.push(']');
}

fn ring(s: &mut String, ls: &LineString<f64>) {
    s.push('[');
    for (i, c) in ls.0.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "[{},{}]", num(c.x), num(c.y));
    }
    s.push(']');
}

/// Shortest form of a value already rounded to 6 decimals.
fn num(v: f64) -> String {
    let r = (v * 1e6).round() / 1e6;
    let r = if r == 0.0 { 0.0 } else { r };
    format!("{r}")
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn numbers_are_printed_with_at_most_six_decimals() {
        assert_eq!(num(36.123_456_789), "36.123457");
        assert_eq!(num(36.5), "36.5");
        assert_eq!(num(-0.000_000_1), "0");
    }
}
