//! A point's answer written straight to bytes.
//!
//! [`LocateAnswer`] is the answer's schema, and
//! serde writes it; but most of its bytes are the same for every point that
//! falls in the same zone and governorate: keys, ids, names (escaped once).
//! [`Fragments`] keeps those bytes per zone and governorate, prepared once
//! per data version, so that writing an answer is copying a few fragments
//! and formatting its numbers. The bytes are the ones serde writes for the
//! same [`Location`] (a test compares both over many points).

use serde::Serialize;

use super::locate::{DataUsed, LocateAnswer, round_km};
use crate::query::{Location, ZoneIndex};

/// The prepared parts of answers over one version of the data.
#[derive(Debug, Default)]
pub struct Fragments {
    /// Per zone: `{"id":…,"number":…,"name":…,"distance_to_boundary_km":`.
    inside: Vec<Vec<u8>>,
    /// Per zone: `{"id":…,"number":…,"name":…,"distance_km":`.
    nearest: Vec<Vec<u8>>,
    /// Per governorate: `{"pcode":…,"name_en":…,"name_ar":…,"distance_km":`.
    governorate: Vec<Vec<u8>>,
    /// The data the fragments were made from, if named.
    data: Option<DataFragment>,
}

/// `{"version":…,"extent":…,"at":` of one version of the data.
#[derive(Debug)]
struct DataFragment {
    version: String,
    extent: Option<String>,
    bytes: Vec<u8>,
}

impl Fragments {
    /// The fragments of `index`'s zones and governorates.
    #[must_use]
    pub fn new(index: &ZoneIndex) -> Self {
        let zone = |zone: &crate::zone::Zone, distance_key: &str| {
            let mut out = b"{\"id\":".to_vec();
            string(&mut out, zone.id().as_str());
            out.extend_from_slice(b",\"number\":");
            out.extend_from_slice(zone.meta.number.to_string().as_bytes());
            out.extend_from_slice(b",\"name\":");
            string(&mut out, &zone.meta.name);
            out.extend_from_slice(b",\"");
            out.extend_from_slice(distance_key.as_bytes());
            out.extend_from_slice(b"\":");
            out
        };
        Self {
            inside: index
                .zones()
                .iter()
                .map(|z| zone(z, "distance_to_boundary_km"))
                .collect(),
            nearest: index
                .zones()
                .iter()
                .map(|z| zone(z, "distance_km"))
                .collect(),
            governorate: index
                .governorates()
                .iter()
                .map(|g| {
                    let mut out = b"{\"pcode\":".to_vec();
                    string(&mut out, &g.pcode);
                    out.extend_from_slice(b",\"name_en\":");
                    string(&mut out, &g.name_en);
                    out.extend_from_slice(b",\"name_ar\":");
                    string(&mut out, &g.name_ar);
                    out.extend_from_slice(b",\"distance_km\":");
                    out
                })
                .collect(),
            data: None,
        }
    }

    /// These fragments, with the data's `version` and `extent` prepared for
    /// the answers that name them.
    #[must_use]
    pub fn naming_data(mut self, version: &str, extent: Option<&str>) -> Self {
        let mut bytes = b"{\"version\":".to_vec();
        string(&mut bytes, version);
        bytes.extend_from_slice(b",\"extent\":");
        serialize(&mut bytes, &extent);
        bytes.extend_from_slice(b",\"at\":");
        self.data = Some(DataFragment {
            version: version.to_owned(),
            extent: extent.map(str::to_owned),
            bytes,
        });
        self
    }

    /// Appends `location`'s answer (the JSON of [`LocateAnswer`]) over
    /// `index`, the index the fragments were made from; with `data`, the
    /// answer names the data that made it, as `GET /locate`'s does.
    pub fn write(
        &self,
        out: &mut Vec<u8>,
        index: &ZoneIndex,
        location: &Location<'_>,
        data: Option<&DataUsed<'_>>,
    ) {
        let before = out.len();
        if self.try_write(out, index, location, data).is_none() {
            // A location from another index has no fragments here: serde
            // writes it.
            out.truncate(before);
            let mut answer = LocateAnswer::from(location.clone());
            answer.data = data.map(|d| DataUsed {
                version: d.version,
                extent: d.extent,
                at: d.at,
            });
            serialize(out, &answer);
        }
    }

    /// [`Self::write`], or `None` (with part of the answer written) when a
    /// zone or governorate of `location` is not one of `index`'s or has no
    /// fragment.
    fn try_write(
        &self,
        out: &mut Vec<u8>,
        index: &ZoneIndex,
        location: &Location<'_>,
        data: Option<&DataUsed<'_>>,
    ) -> Option<()> {
        let zones = index.zones();
        let zone_at = |zone: &crate::zone::Zone| zones.iter().position(|z| std::ptr::eq(z, zone));
        out.extend_from_slice(b"{\"point\":{\"lon\":");
        number(out, location.lon);
        out.extend_from_slice(b",\"lat\":");
        number(out, location.lat);
        out.extend_from_slice(b"},\"inside\":");
        out.extend_from_slice(if location.inside.is_empty() {
            b"false"
        } else {
            b"true"
        });
        out.extend_from_slice(b",\"zones\":[");
        for (k, hit) in location.inside.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            out.extend_from_slice(self.inside.get(zone_at(hit.zone)?)?);
            number(out, round_km(hit.distance_to_boundary_km));
            out.push(b'}');
        }
        out.extend_from_slice(b"],\"nearest\":");
        match &location.nearest {
            Some(nearest) => {
                out.extend_from_slice(self.nearest.get(zone_at(nearest.zone)?)?);
                number(out, round_km(nearest.distance_km));
                out.push(b'}');
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"governorate\":");
        match &location.governorate {
            Some(hit) => {
                let g = index
                    .governorates()
                    .iter()
                    .position(|g| std::ptr::eq(g, hit.governorate))?;
                out.extend_from_slice(self.governorate.get(g)?);
                number(out, round_km(hit.distance_km));
                out.push(b'}');
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"in_syria\":");
        out.extend_from_slice(match location.in_syria {
            None => b"null",
            Some(true) => b"true",
            Some(false) => b"false",
        });
        if let Some(data) = data {
            out.extend_from_slice(b",\"data\":");
            match &self.data {
                Some(prepared)
                    if prepared.version == data.version
                        && prepared.extent.as_deref() == data.extent =>
                {
                    out.extend_from_slice(&prepared.bytes);
                    serialize(out, &data.at);
                    out.push(b'}');
                }
                _ => serialize(out, data),
            }
        }
        out.push(b'}');
        Some(())
    }
}

/// Appends `text` as a JSON string, escaped as serde escapes it.
fn string(out: &mut Vec<u8>, text: &str) {
    serialize(out, &text);
}

/// Appends a number as serde writes an `f64` (the shortest form that reads
/// back to the same value; a finite value is all an answer holds).
fn number(out: &mut Vec<u8>, value: f64) {
    serialize(out, &value);
}

/// Appends `value` as serde writes it. Writing to a `Vec` cannot fail for
/// the values here (strings, numbers, dates): nothing is appended if it did.
fn serialize(out: &mut Vec<u8>, value: &impl Serialize) {
    let before = out.len();
    if serde_json::to_writer(&mut *out, value).is_err() {
        out.truncate(before);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::Date;
    use proptest::prelude::*;

    fn index() -> &'static ZoneIndex {
        static INDEX: std::sync::OnceLock<ZoneIndex> = std::sync::OnceLock::new();
        INDEX.get_or_init(|| crate::cli::load_index(None, None).expect("the embedded data"))
    }

    fn both(lon: f64, lat: f64, at: Option<Date>) -> (String, String) {
        let index = index();
        let fragments = Fragments::new(index).naming_data("0123456789abcdef", Some("2017"));
        let set = at.map_or_else(|| index.all(), |d| index.in_force_on(d));
        let location = index.locate_among(lon, lat, set);
        let data = DataUsed {
            version: "0123456789abcdef",
            extent: Some("2017"),
            at,
        };
        let mut fast = Vec::new();
        fragments.write(&mut fast, index, &location, Some(&data));
        let mut answer = LocateAnswer::from(location);
        answer.data = Some(data);
        let slow = serde_json::to_string(&answer).expect("an answer");
        (String::from_utf8(fast).expect("UTF-8"), slow)
    }

    #[test]
    fn known_points_are_written_as_serde_writes_them() {
        let date = "2018-06-01".parse().ok();
        for (lon, lat, at) in [
            (36.63, 35.93, None),
            (36.40, 33.55, None),
            (38.0, 34.5, None),
            (35.90, 34.89, None),
            (36.0, 32.7, date),
            (-0.0, 0.0, None),
            (180.0, -90.0, None),
            (42.0, 37.3, None),
            (36.7, 34.85, None),
        ] {
            let (fast, slow) = both(lon, lat, at);
            assert_eq!(fast, slow, "{lon} {lat} {at:?}");
        }
    }

    #[test]
    fn data_other_than_the_prepared_is_written_as_serde_writes_it() {
        let index = index();
        let location = index.locate(36.63, 35.93);
        for (prepared, extent) in [
            ("0123456789abcdef", None),
            ("fedcba9876543210", Some("2017")),
        ] {
            let fragments = Fragments::new(index).naming_data(prepared, Some("2017"));
            let data = DataUsed {
                version: "0123456789abcdef",
                extent,
                at: None,
            };
            let mut fast = Vec::new();
            fragments.write(&mut fast, index, &location, Some(&data));
            let mut answer = LocateAnswer::from(location.clone());
            answer.data = Some(data);
            let slow = serde_json::to_vec(&answer).expect("an answer");
            assert_eq!(
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&slow)
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn random_points_are_written_as_serde_writes_them(
            lon in 35.0_f64..43.0,
            lat in 31.5_f64..38.0,
            dated in any::<bool>(),
        ) {
            let at = dated.then(|| "2018-06-01".parse().ok()).flatten();
            let (fast, slow) = both(lon, lat, at);
            prop_assert_eq!(fast, slow);
        }

        #[test]
        fn points_anywhere_are_written_as_serde_writes_them(
            lon in -180.0_f64..=180.0,
            lat in -90.0_f64..=90.0,
        ) {
            let (fast, slow) = both(lon, lat, None);
            prop_assert_eq!(fast, slow);
        }
    }

    #[test]
    fn a_location_from_another_index_is_written_by_serde() {
        let other = crate::cli::load_index(None, None).expect("the embedded data");
        let fragments = Fragments::new(index());
        let location = other.locate_among(36.63, 35.93, other.all());
        let mut fast = Vec::new();
        fragments.write(&mut fast, index(), &location, None);
        let slow = serde_json::to_vec(&LocateAnswer::from(location)).expect("an answer");
        assert_eq!(fast, slow);
    }
}
