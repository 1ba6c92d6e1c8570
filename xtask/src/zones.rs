//! The zone recipe: how each of the four 2017 de-escalation zones is built from the source
//! boundaries and the hand-drawn masks in `geodata/recipe/shapes.tsv`, and the metadata each
//! Feature carries. `geodata/README.md` explains every edge.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use geo::{BooleanOps, Intersects, MultiPolygon, Point, Polygon, Validation};
use serde_json::{Map, Value, json};

use crate::geom::{
    area_km2, buffer_km, buffer_km_bevelled, circle, distance_to_boundary_km, drop_small, orient,
    polygon_km2, round6, simplify_inward, union_all,
};
use crate::recipe::{self, Anchor, EDGE_KM, Role};
use crate::sources::Sources;

/// Parts and holes smaller than this are slivers and are dropped (km²).
pub const MIN_PART_KM2: f64 = 0.05;
/// Detached fragments smaller than this are dropped (km²): each zone was one contiguous area,
/// and such fragments come from misaligned source lines (WOF districts vs OCHA governorates).
pub const MIN_DETACHED_KM2: f64 = 20.0;
/// Simplification tolerance: one-sided, so edges stay within this distance of the source lines.
pub const SIMPLIFY_M: f64 = 40.0;
/// Depth of the north-east Latakia strip along the Idlib boundary (ZONES.md: 3-6 km).
pub const LATAKIA_STRIP_KM: f64 = 5.0;
/// Depth of the government-held strip along the As-Sweida boundary north-east of Busra.
pub const SWEIDA_STRIP_KM: f64 = 3.0;
/// The al-Fu'ah / Kafriya enclave: centre between the two towns (ZONES.md 35.98 N 36.70 E;
/// WOF al-Fu'ah 35.983 36.704) and radius of the hole cut out of zone 1.
pub const FUAH_KAFRIYA: (f64, f64, f64) = (35.985, 36.698, 2.0);
/// How far a zone reaches beyond the OCHA outline where it meets an international border
/// (km). The outline is generalised: gazetteer points of border villages fall up to ~1 km
/// outside it (Tall Shihab 0.55 km, Bitamma 0.36 km), and such a village answers its zone.
pub const BORDER_BAND_KM: f64 = 1.0;

/// One finished zone.
pub struct Zone {
    pub id: &'static str,
    pub geometry: MultiPolygon<f64>,
    pub properties: Map<String, Value>,
}

/// The build result, with the inputs the checks need.
pub struct Built {
    pub zones: Vec<Zone>,
    pub sources: Sources,
}

/// Zone ids in memorandum order.
pub const IDS: [&str; 4] = ["idlib", "northern-homs", "eastern-ghouta", "southern"];

fn mask<'a>(shapes: &'a BTreeMap<String, Polygon<f64>>, name: &str) -> Result<&'a Polygon<f64>> {
    shapes
        .get(name)
        .ok_or_else(|| anyhow!("geodata/recipe/shapes.tsv: no shape `{name}`"))
}

/// The unsimplified zone areas, in memorandum order.
pub fn raw_zones(
    src: &Sources,
    shapes: &BTreeMap<String, Polygon<f64>>,
) -> Result<[MultiPolygon<f64>; 4]> {
    // Zone 1: Idleb governorate + northern Hama + western Aleppo + north-east Latakia strip,
    // minus the al-Fu'ah / Kafriya enclave.
    let idlib = src.gov("SY07")?;
    let hama_north = src.gov("SY05")?.intersection(mask(shapes, "z1-hama")?);
    let aleppo_west = src
        .gov("SY02")?
        .intersection(mask(shapes, "z1-aleppo")?)
        .difference(src.district("Afrin")?);
    let latakia_strip = src
        .gov("SY06")?
        .intersection(&buffer_km(idlib, LATAKIA_STRIP_KM))
        .intersection(mask(shapes, "z1-latakia")?)
        .difference(mask(shapes, "z1-latakia-govt")?);
    let (lat, lon, km) = FUAH_KAFRIYA;
    let z1 = union_all([idlib, &hama_north, &aleppo_west, &latakia_strip])
        .difference(&circle(lat, lon, km))
        .intersection(&src.adm0);

    // Zone 2: the Rastan - Talbiseh - Houla pocket, cut to Homs governorate.
    let z2 = src
        .gov("SY04")?
        .intersection(mask(shapes, "z2-pocket")?)
        .union(&src.gov("SY05")?.intersection(mask(shapes, "z2-hama")?))
        .intersection(&src.adm0);

    // Zone 3: Eastern Ghouta ring through anchor towns.
    let z3 = MultiPolygon(vec![mask(shapes, "z3-ring")?.clone()]).intersection(&src.adm0);

    // Zone 4: Dar'a + (Quneitra - occupied Golan), minus the government-held areas.
    let daraa = src.gov("SY12")?;
    let sweida_strip = daraa
        .intersection(&buffer_km(src.gov("SY13")?, SWEIDA_STRIP_KM))
        .intersection(mask(shapes, "z4-sweida-window")?);
    let z4 = daraa
        .union(src.gov("SY14")?)
        .intersection(&src.adm0)
        .difference(&src.golan)
        .difference(mask(shapes, "z4-govt-north-m5")?)
        .difference(&sweida_strip)
        .difference(mask(shapes, "z4-quneitra-north")?)
        .difference(mask(shapes, "z4-yarmouk")?);
    Ok([z1, z2, z3, z4].map(|z| across_the_border(&z, src)))
}

/// `zone` with the land beyond the OCHA outline within [`BORDER_BAND_KM`] of it: along an
/// international border the zone reaches the band's edge; inland zones are unchanged.
fn across_the_border(zone: &MultiPolygon<f64>, src: &Sources) -> MultiPolygon<f64> {
    // Slivers left along the occupied Golan's edge would grow into parts of their own.
    let zone = drop_detached(&drop_small(zone, MIN_PART_KM2));
    let band = buffer_km_bevelled(&zone, BORDER_BAND_KM).difference(&src.adm0);
    zone.union(&band)
}

/// Keep the main part; drop detached fragments below [`MIN_DETACHED_KM2`].
fn drop_detached(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    MultiPolygon(
        mp.0.iter()
            .filter(|p| polygon_km2(p) >= MIN_DETACHED_KM2)
            .cloned()
            .collect(),
    )
}

/// Sliver removal, inward simplification, rounding and validation.
pub fn finish(id: &str, mp: &MultiPolygon<f64>) -> Result<MultiPolygon<f64>> {
    let clean = orient(&drop_detached(&drop_small(mp, MIN_PART_KM2)));
    for eps in [SIMPLIFY_M, SIMPLIFY_M / 2.0, SIMPLIFY_M / 4.0, 0.0] {
        let s = if eps > 0.0 {
            simplify_inward(&clean, eps)
        } else {
            clean.clone()
        };
        let mut s = orient(&drop_small(&round6(&s), MIN_PART_KM2));
        // Rounding can make near-touching edges touch; let the overlay engine resolve them.
        for _ in 0..3 {
            if s.is_valid() {
                break;
            }
            s = orient(&drop_small(
                &round6(&s.union(&MultiPolygon::new(vec![]))),
                MIN_PART_KM2,
            ));
        }
        if s.is_valid() && !s.0.is_empty() {
            return Ok(s);
        }
        eprintln!(
            "zone {id}: eps {eps}: {:?}",
            s.validation_errors()
                .iter()
                .take(3)
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        );
    }
    bail!(
        "zone {id}: no valid geometry after rounding: {:?}",
        clean.validation_errors()
    )
}

pub fn build(root: &Path) -> Result<Built> {
    let src = Sources::load(&root.join("geodata").join("sources"))?;
    let shapes = recipe::read_shapes(&root.join("geodata").join("recipe").join("shapes.tsv"))?;
    let raw = raw_zones(&src, &shapes)?;
    let mut zones = Vec::new();
    for (i, (id, mp)) in IDS.iter().zip(raw.iter()).enumerate() {
        let geometry = finish(id, mp)?;
        let properties = properties(i, &geometry, &src)?;
        zones.push(Zone {
            id,
            geometry,
            properties,
        });
    }
    Ok(Built {
        zones,
        sources: src,
    })
}

/// The zone (id) a point lies in; the boundary counts as inside.
pub fn locate(zones: &[Zone], lon: f64, lat: f64) -> Option<&'static str> {
    let p = Point::new(lon, lat);
    zones
        .iter()
        .find(|z| z.geometry.intersects(&p))
        .map(|z| z.id)
}

/// Governorates the zone covers by more than 1 km², largest share first.
fn governorates(geometry: &MultiPolygon<f64>, src: &Sources) -> Vec<Value> {
    let mut found: Vec<(f64, Value)> = src
        .adm1
        .iter()
        .filter_map(|(pcode, f)| {
            let a = area_km2(&geometry.intersection(&f.geometry));
            (a > 1.0).then(|| {
                (
                    a,
                    json!({"pcode": pcode, "name_en": f.prop("adm1_en"), "name_ar": f.prop("adm1_ar")}),
                )
            })
        })
        .collect();
    found.sort_by(|a, b| b.0.total_cmp(&a.0));
    found.into_iter().map(|(_, v)| v).collect()
}

const CAVEAT: &str = "Approximate outline drawn from public sources (governorate boundaries, gazetteer anchor towns and press reports); it is not an official map: the memorandum published no maps or coordinates.";
const SOURCE: &str = "Memorandum on the creation of de-escalation areas in the Syrian Arab Republic, signed in Astana on 4 May 2017 by Russia, Iran and Turkey (text published by the Russian MFA, TASS 6 May 2017); geometry and edge-by-edge provenance: geodata/README.md";
const ATTRIBUTION: &str = "Administrative boundaries: OCHA / UN Cartographic Section (COD-AB Syria, CC BY-IGO 3.0). Districts, occupied-Golan line and gazetteer: Who's On First (whosonfirst.org, CC0), including GeoNames (CC BY 4.0) material.";

fn properties(
    index: usize,
    geometry: &MultiPolygon<f64>,
    src: &Sources,
) -> Result<Map<String, Value>> {
    let govs = governorates(geometry, src);
    let v = match index {
        0 => json!({
            "number": 1,
            "name": "Idlib",
            "name_ar": "إدلب",
            "provinces": ["Idlib", "Latakia", "Hama", "Aleppo"],
            "governorates": govs,
            "description": "Idlib province and adjoining parts of north-eastern Latakia (Jabal al-Akrad, Jabal al-Turkman), northern Hama and the western Aleppo countryside, held by the opposition and HTS in 2017; the largest zone.",
            "guarantors": ["Russia", "Iran", "Turkey"],
            "signed": "2017-05-04",
            "signed_at": "Astana",
            "in_force": "2017-05-06",
            "valid_from": "2017-05-06",
            "valid_until": null,
            "population": 1_000_000,
            "fighters": 14_500,
            "figures_source": "Gen. Sergei Rudskoy, Russian General Staff briefing, 5 May 2017: more than 1 million people, about 14,500 fighters (S9, S10)",
            "extent": "2017",
            "approximate": true,
            "caveat": CAVEAT,
            "source": SOURCE,
            "sources": [
                "S1 https://tass.com/politics/944911",
                "S9 https://www.newlebanon.info/lebanon-now/315614/",
                "S11 https://www.swissinfo.ch/ita/tutte-le-notizie-in-breve/siria--4--zone-cuscinetto---la-pi%C3%B9-vasta-in-zona-idlib/43161130",
                "S12 front-lines-org/website: Northwestern Syria campaign (October 2017-February 2018)",
                "S13 https://www.syriahr.com/en/275893/",
                "S15 http://www.jpost.com/Breaking-News/Turkish-military-says-sets-up-sixth-observation-post-in-Syrias-Idlib-542747",
                "OCHA COD-AB Syria ADM1 (SY07, SY05, SY02, SY06)",
                "Who's On First district Afrin (1108779089)"
            ],
            "attribution": ATTRIBUTION,
        }),
        1 => json!({
            "number": 2,
            "name": "Northern Homs",
            "name_ar": "ريف حمص الشمالي",
            "provinces": ["Homs"],
            "governorates": govs,
            "description": "The opposition-held pocket between Homs and Hama cities: Ar-Rastan and Talbiseh on the M5 and the Houla plain to the west; a separate Cairo agreement applied it from 3 August 2017.",
            "guarantors": ["Russia", "Iran", "Turkey"],
            "signed": "2017-05-04",
            "signed_at": "Astana",
            "in_force": "2017-05-06",
            "valid_from": "2017-05-06",
            "valid_until": "2018-05-16",
            "population": 180_000,
            "fighters": 3_000,
            "figures_source": "Gen. Sergei Rudskoy, Russian General Staff briefing, 5 May 2017: about 180,000 people, about 3,000 fighters (S9, S10)",
            "extent": "2017",
            "approximate": true,
            "caveat": CAVEAT,
            "source": SOURCE,
            "sources": [
                "S9 https://www.newlebanon.info/lebanon-now/315614/",
                "S19 http://the-uncensored-wiki.com:20171/2017-wikipedia_en_all_novid_2017-08/A/Safe_Zone_(Syria).html",
                "S20 https://marsvonpadua.com/2017/07/24/syrien-neue-deeskalationszone-in-homs-angekuendigt-al-masdar-deutsch/",
                "S21 http://iqnews.org/index.php?do=view&type=news&id=8232",
                "S23 http://clicklancashire.com/2018/05/17/syrian-government-forces-seize-last-rebel-enclave-in-homs.html",
                "OCHA COD-AB Syria ADM1 (SY04)"
            ],
            "attribution": ATTRIBUTION,
        }),
        2 => json!({
            "number": 3,
            "name": "Eastern Ghouta",
            "name_ar": "الغوطة الشرقية",
            "provinces": ["Rural Damascus"],
            "governorates": govs,
            "description": "The besieged opposition enclave east of Damascus, from Douma and Harasta to Jobar, Ein Tarma and Kafr Batna, and east to the farmland of Utaya and An-Nashabiyah; Jaysh al-Islam signed its zone terms in Cairo on 22 July 2017 and Faylaq al-Rahman in August.",
            "guarantors": ["Russia", "Iran", "Turkey"],
            "signed": "2017-05-04",
            "signed_at": "Astana",
            "in_force": "2017-05-06",
            "valid_from": "2017-05-06",
            "valid_until": "2018-04-14",
            "population": 400_000,
            "fighters": 9_000,
            "figures_source": "fighters: Gen. Sergei Rudskoy, 5 May 2017 (S10); population about 400,000: idraksy.net (S28) and Al Jazeera / Siege Watch, May 2017 (S26)",
            "extent": "2017",
            "approximate": true,
            "caveat": CAVEAT,
            "source": SOURCE,
            "sources": [
                "S24 https://wikisum.wiki/wiki/Siege_of_Eastern_Ghouta",
                "S25 http://www.conflict-news.com/syria/details-emerge-of-ceasefire-agreement-over-eastern-ghouta",
                "S26 https://www.aljazeera.com/indepth/interactive/2017/05/siege-syria-eastern-ghouta-170503080230797.html",
                "S27 https://www.wikiplanet.click/enciclopedia/en/Rif_Dimashq_offensive_(February%E2%80%93April_2018)",
                "S28 https://idraksy.net/eastern-gota"
            ],
            "attribution": ATTRIBUTION,
        }),
        3 => json!({
            "number": 4,
            "name": "Southern Syria",
            "name_ar": "جنوب سوريا",
            "provinces": ["Daraa", "Quneitra"],
            "governorates": govs,
            "description": "The opposition-held parts of Daraa and Quneitra provinces east of the 1974 Golan line, from western Daraa and Daraa al-Balad to Busra al-Sham and the Lajat; the government-held M5 corridor, northern Daraa and Madinat al-Baath are outside.",
            "guarantors": ["Russia", "Iran", "Turkey"],
            "signed": "2017-05-04",
            "signed_at": "Astana",
            "in_force": "2017-05-06",
            "valid_from": "2017-05-06",
            "valid_until": "2018-07-31",
            "fighters": 15_000,
            "figures_source": "Gen. Sergei Rudskoy, Russian General Staff briefing, 5 May 2017: about 15,000 fighters (S10)",
            "extent": "2017",
            "approximate": true,
            "caveat": CAVEAT,
            "source": SOURCE,
            "sources": [
                "S6 https://southafricatoday.net/world-news/middle-east/southern-syria-de-escalation-zone-to-be-set-up-in-daraa-quneitra-provinces/",
                "S10 https://www.masress.com/ahramgate/1511825",
                "S31 https://panarmenian.net/m/eng/news/258087",
                "S32 http://www.terrorism-info.org.il/en/spotlight-global-jihad-may-24-30-2018/",
                "S33 http://www.panarmenian.net/eng/news/243738/",
                "S55 http://stateofthestateks.com/2018/07/21/syria-rebels-agree-deal-to-surrender-quneitra/",
                "OCHA COD-AB Syria ADM1 (SY12, SY14, SY13)",
                "Who's On First Israel 85632315 (occupied-Golan line)"
            ],
            "attribution": ATTRIBUTION,
        }),
        _ => bail!("no zone {index}"),
    };
    match v {
        Value::Object(m) => Ok(m),
        _ => bail!("properties are not an object"),
    }
}

/// Where the public places table lives: the lead's fixture, else the shared research copy.
pub fn places_path(root: &Path) -> std::path::PathBuf {
    let fixture = root
        .join("tests")
        .join("fixtures")
        .join("places-public.tsv");
    if fixture.exists() {
        fixture
    } else {
        root.join("..").join("shared").join("places-public.tsv")
    }
}

/// (name, lat, lon, expected zone) rows of the public places table.
pub fn read_places(path: &Path) -> Result<Vec<(String, f64, f64, String)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut rows = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 5 {
            continue;
        }
        rows.push((
            f[0].to_owned(),
            f[1].parse()?,
            f[2].parse()?,
            f[4].to_owned(),
        ));
    }
    Ok(rows)
}

/// Check one anchor; `Err` describes the failure.
pub fn check_anchor(zones: &[Zone], a: &Anchor) -> Result<(), String> {
    let got = locate(zones, a.lon, a.lat).unwrap_or("none");
    match a.role {
        Role::Inside if got != a.zone => {
            Err(format!("{} should be in {}, got {got}", a.name, a.zone))
        }
        Role::Outside if got != "none" => Err(format!("{} should be outside, got {got}", a.name)),
        Role::Edge => {
            let zone = zones
                .iter()
                .find(|z| z.id == a.zone)
                .ok_or_else(|| format!("{}: unknown zone {}", a.name, a.zone))?;
            let d = distance_to_boundary_km(&zone.geometry, Point::new(a.lon, a.lat));
            if d > EDGE_KM {
                Err(format!(
                    "{} should be within {EDGE_KM} km of the {} edge, is {d:.2} km",
                    a.name, a.zone
                ))
            } else if got != "none" && got != a.zone {
                Err(format!(
                    "{} is an edge of {} but lies in {got}",
                    a.name, a.zone
                ))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

pub fn print_report(root: &Path, built: &Built) -> Result<()> {
    for z in &built.zones {
        let verts: usize = z
            .geometry
            .0
            .iter()
            .map(|p| p.exterior().0.len() + p.interiors().iter().map(|h| h.0.len()).sum::<usize>())
            .sum();
        println!(
            "{:15} {:9.1} km²  outside ADM0 {:.6} km²  parts {} vertices {}",
            z.id,
            area_km2(&z.geometry),
            area_km2(&z.geometry.difference(&built.sources.adm0)),
            z.geometry.0.len(),
            verts
        );
    }
    let anchors = recipe::read_anchors(&root.join("geodata").join("recipe").join("anchors.tsv"))?;
    for a in &anchors {
        let d: Vec<String> = built
            .zones
            .iter()
            .filter(|z| z.id == a.zone)
            .map(|z| {
                format!(
                    "{:.2} km",
                    distance_to_boundary_km(&z.geometry, Point::new(a.lon, a.lat))
                )
            })
            .collect();
        match check_anchor(&built.zones, a) {
            Ok(()) => println!("  ok   {:22} {:?} {}", a.name, a.role, d.join("")),
            Err(e) => println!("  FAIL {e}"),
        }
    }
    for (name, lat, lon, want) in read_places(&places_path(root))? {
        let got = locate(&built.zones, lon, lat).unwrap_or("none");
        if got != want {
            println!("  PLACE FAIL {name}: want {want}, got {got}");
        }
    }
    Ok(())
}
