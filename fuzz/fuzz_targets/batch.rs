//! The batch body parser of `POST /locate`: `batch_points(body, max_points)`.
//!
//! Asserts no panic and: an accepted batch has at most `max_points` points,
//! each finite, in range and never `-0`; written back as `[lon, lat]` pairs it
//! reads back the same; it is refused as too large (413) one point under its
//! size and accepted at exactly its size. A refusal is a 400 `invalid-body` or
//! a 413 `payload-too-large`, never about a query parameter.

#![no_main]

use dezone::http::{
    extract::Axis,
    locate::batch_points,
    problem::{ApiError, ProblemKind},
};
use libfuzzer_sys::fuzz_target;

/// The service's default `--max-batch-points`.
const DEFAULT_MAX: usize = 100_000;

fuzz_target!(|body: &[u8]| {
    let result = batch_points(body, DEFAULT_MAX);
    let points = match result {
        Ok(points) => points,
        Err(e) => {
            check_error(&e);
            // A smaller limit never turns a refusal into an acceptance.
            let small = body.len() % 4;
            let again = batch_points(body, small);
            assert!(
                again.is_err(),
                "refused at {DEFAULT_MAX}, accepted at {small}"
            );
            check_error(&again.unwrap_err());
            return;
        }
    };
    assert!(points.len() <= DEFAULT_MAX);
    for &(lon, lat) in &points {
        for (axis, value) in [(Axis::Lon, lon), (Axis::Lat, lat)] {
            assert!(
                value.is_finite() && value.abs() <= axis.limit(),
                "{axis:?} {value}"
            );
            assert!(!(value == 0.0 && value.is_sign_negative()), "{axis:?} -0");
        }
    }

    // Exactly its size is allowed; one point fewer is a 413.
    let n = points.len();
    assert_eq!(batch_points(body, n).as_ref(), Ok(&points));
    if n > 0 {
        let e = batch_points(body, n - 1).expect_err("accepted over the limit");
        assert_eq!(e.status, 413, "{e:?}");
        assert_eq!(e.kind, ProblemKind::PayloadTooLarge, "{e:?}");
    }

    // The points, written as pairs, read back the same.
    let pairs: Vec<[f64; 2]> = points.iter().map(|&(lon, lat)| [lon, lat]).collect();
    let text = serde_json::to_vec(&pairs).expect("finite numbers serialise");
    assert_eq!(batch_points(&text, n).as_ref(), Ok(&points));
});

fn check_error(e: &ApiError) {
    assert!(e.parameter.is_none(), "{e:?}");
    match e.kind {
        ProblemKind::InvalidBody => assert_eq!(e.status, 400, "{e:?}"),
        ProblemKind::PayloadTooLarge => {
            assert_eq!(e.status, 413, "{e:?}");
            assert!(e.index.is_none(), "{e:?}");
        }
        other => panic!("unexpected kind {other:?}: {e:?}"),
    }
}
