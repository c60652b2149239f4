//! The node's embedded default store: Elasticsearch indices (settings, mappings, aliases),
//! documents with `_seq_no`/`_primary_term`/`_version`, bulk writes that are durable when
//! acknowledged, near-real-time search and aggregations. Documents and their versions live in
//! redb (the write-ahead log and the realtime `GET`); tantivy indexes them for search and is
//! refreshed from redb, so that an acknowledged write survives `kill -9` whatever tantivy had
//! committed.
//!
//! No HTTP framework and no TLS here. The REST layer talks to a store only through
//! [`api::DocumentStore`], whose types carry no tantivy or redb type, so that another backend
//! (an existing Elasticsearch or OpenSearch cluster behind ironstack's security) can stand in
//! for this one without touching the handlers.
//!
//! Layout:
//! - [`api`]: the backend interface and its request and response types;
//! - [`document`]: a document as the mapping types it, the contract between [`mapping`] and the
//!   engine;
//! - [`mapping`]: Elasticsearch mappings (explicit, dynamic, templates), index settings and
//!   names, and parsing a `_source` into typed values;
//! - [`metadata`]: what Elasticsearch keeps above concrete indices (templates, aliases, data
//!   streams, ILM policies), the index space security resolves against, and its file;
//! - [`embedded`]: the default backend, [`api::DocumentStore`] over the engine with each
//!   index's settings and mapping;
//! - [`engine`]: the tantivy + redb engine under one data folder (durable writes, refresh,
//!   recovery, search execution, figures);
//! - [`service`]: the store as the REST layer uses it (backend and metadata together:
//!   creation with templates, auto-creation, write routing through aliases and data streams);
//! - [`query`]: the query DSL and search requests, parsed into typed values with
//!   Elasticsearch's errors;
//! - [`aggs`]: aggregation requests (typed, with Elasticsearch's errors), their reduction
//!   across indices, pipelines and rendering;
//! - [`error`]: the one error type, with its Elasticsearch error body.

#![warn(missing_docs)]

pub mod aggs;
pub mod api;
pub mod bulk;
pub mod doc_write;
pub mod document;
pub mod embedded;
pub mod engine;
pub mod error;
pub mod mapping;
pub mod metadata;
pub mod query;
pub mod service;

pub use error::{Result, StoreError};
