//! The shipper against fake Elasticsearch nodes on loopback: libbeat's retry rules (429, 5xx,
//! 413, unreadable 200, duplicates) with every event indexed exactly once, the TLS
//! verification modes with messages naming the cause, and the graceful flush on shutdown.

#[path = "integration/common.rs"]
mod common;

#[path = "integration/es_module.rs"]
mod es_module;
#[path = "integration/monitoring.rs"]
mod monitoring;
#[path = "integration/pipeline.rs"]
mod pipeline;
#[path = "integration/retries.rs"]
mod retries;
#[path = "integration/verification.rs"]
mod verification;
