//! `ironstack shipper`: a Metricbeat-compatible collector that reads `shipper.yml` (Metricbeat's
//! setting names), measures the host with the `system` module and ships the documents to
//! Elasticsearch over HTTPS (`_bulk` with `create` into the `metricbeat-<version>` data stream).

#![warn(missing_docs)]

pub mod config;
mod error;
pub mod hosts;
pub mod modules;
mod perms;
mod settings;

pub use error::{Error, Result};
