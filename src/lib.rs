//! dezone: the four Syrian de-escalation zones of the Astana memorandum
//! (signed 4 May 2017 by Russia, Iran and Turkey) as a small HTTP service.
//!
//! # Architecture
//!
//! Dependencies point inward: `http -> query -> zone <- geodata`.
//!
//! - [`zone`]: the domain — [`zone::Zone`], [`zone::ZoneId`], [`zone::ZoneMeta`].
//!   No HTTP, no file formats.
//! - [`geodata`]: reads and validates zone GeoJSON (the embedded file or
//!   another) into zones; refuses bad data naming file, feature and fault.
//! - [`query`]: [`query::ZoneIndex`] answers point-in-zone with geodesic
//!   distances to the boundary; the CLI and the server both use it.
//! - [`http`]: the axum service, its OpenAPI document and RFC 9457 problems;
//!   [`http::Front`] answers the hottest `GET`s without the router, with the
//!   same policies.
//! - [`cli`] and [`config`]: the command line.
//! - [`reload`]: replaces the served data on `SIGHUP`, checked as at start-up.

#![cfg_attr(test, allow(clippy::float_cmp))]

pub mod cli;
pub mod config;
pub mod geodata;
pub mod http;
pub mod query;
pub mod reload;
pub mod zone;
