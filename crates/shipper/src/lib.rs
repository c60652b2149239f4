//! `ironstack shipper`: a Metricbeat-compatible collector. It reads `shipper.yml` (Metricbeat's
//! setting names, `-E` overrides, `${VAR}`s), measures the host with the `system` module
//! (`ironstack-collectors`) and ships the documents to Elasticsearch over HTTPS (`_bulk` with
//! `create` and deterministic `_id`s into the `metricbeat-<version>` data stream), with the
//! TLS configuration built by `ironstack-tls` and libbeat's retry rules.
//!
//! The binary only calls [`cli_main`]; everything else is here so tests can reach it.

#![warn(missing_docs)]

pub mod bulk;
mod cli;
pub mod client;
pub mod config;
pub mod connection;
pub mod disk_queue;
pub mod elasticsearch;
mod error;
pub mod event;
mod export;
pub mod hosts;
pub mod index_management;
pub mod keystore;
pub mod kibana;
pub mod log_files;
mod logging;
pub mod metrics_log;
pub mod modules;
pub mod monitoring;
pub mod output;
mod perms;
pub mod pipeline;
pub mod processors;
mod settings;
pub mod setup;
pub mod test_output;

pub use cli::cli_main;
pub use error::{Error, Result};
