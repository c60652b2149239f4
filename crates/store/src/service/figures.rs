//! The figures of concrete indices beyond what a backend's [`IndexInfo`] carries: the
//! engine's counters, its segments and the mapped fields, which `_stats`, `_cat/indices`,
//! `_cat/shards`, `_cat/segments` and `_cluster/state` report. The node hands the service a
//! [`FiguresSource`] (the embedded backend is one); a backend without one (another cluster
//! behind [`crate::api::DocumentStore`]) still reports its documents and size from
//! [`IndexInfo`], with every counter zero.

use std::sync::Arc;

use super::StoreService;
use crate::Result;
use crate::api::IndexInfo;
use crate::embedded::EmbeddedStore;

pub use crate::engine::{IndexStats, SegmentFigures};

/// Where the service reads an index's figures.
pub trait FiguresSource: Send + Sync {
    /// The counters and sizes of an index.
    fn stats(&self, index: &str) -> Result<IndexStats>;
    /// The searchable segments of an index.
    fn segments(&self, index: &str) -> Result<Vec<SegmentFigures>>;
    /// The fields an index's mapping counts against `index.mapping.total_fields.limit`.
    fn mapped_fields(&self, index: &str) -> Result<u64>;
}

impl FiguresSource for EmbeddedStore {
    fn stats(&self, index: &str) -> Result<IndexStats> {
        self.engine().stats(index)
    }

    fn segments(&self, index: &str) -> Result<Vec<SegmentFigures>> {
        self.engine().segments(index)
    }

    fn mapped_fields(&self, index: &str) -> Result<u64> {
        Ok(self.mapping(index)?.total_fields() as u64)
    }
}

/// The figures a backend without a [`FiguresSource`] can give: its documents and size.
fn from_info(info: &IndexInfo) -> IndexStats {
    IndexStats {
        docs_count: info.docs_count,
        docs_deleted: info.docs_deleted,
        store_size_bytes: info.store_size_bytes,
        max_seq_no: -1,
        ..IndexStats::default()
    }
}

impl StoreService {
    /// With `source` for the figures of its indices.
    pub fn with_figures(mut self, source: Arc<dyn FiguresSource>) -> Self {
        self.figures = Some(source);
        self
    }

    /// The counters and sizes of the concrete index `index`.
    pub fn index_stats(&self, index: &str) -> Result<IndexStats> {
        match &self.figures {
            Some(source) => source.stats(index),
            None => self.backend.index_info(index).map(|info| from_info(&info)),
        }
    }

    /// The searchable segments of the concrete index `index` (none without a source).
    pub fn index_segments(&self, index: &str) -> Result<Vec<SegmentFigures>> {
        match &self.figures {
            Some(source) => source.segments(index),
            None => self.backend.index_info(index).map(|_| Vec::new()),
        }
    }

    /// The fields the mapping of `index` counts (0 without a source).
    pub fn mapped_fields(&self, index: &str) -> Result<u64> {
        match &self.figures {
            Some(source) => source.mapped_fields(index),
            None => self.backend.index_info(index).map(|_| 0),
        }
    }
}

#[cfg(test)]
#[path = "figures_tests.rs"]
mod tests;
