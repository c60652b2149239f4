//! The security store's backend on the node's document store: the `.security-7` and
//! `.security-tokens-7` indices, created hidden with their aliases on first start, written
//! through the store's log (each write durable before the security store acknowledges it)
//! and read back whole when the node starts.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use ironstack_security::security_index::{self, INDICES};
use ironstack_security::{Change, DocumentBackend, Error, Result, Section};
use ironstack_store::api::{AllFields, Refresh, WriteOp, WriteOptions};
use ironstack_store::query::parse_search_request;
use ironstack_store::service::StoreService;

/// Documents per page when the indices are read at start.
const LOAD_PAGE: usize = 10_000;
/// How long the reader of a start-up load is kept between pages.
const LOAD_KEEP_ALIVE: Duration = Duration::from_secs(60);

/// The node's security store on the data folder `data`, opened as the node opens it (its
/// document store, the security indices, a store of files imported), for benchmarks and
/// tools that run without the HTTP layer. The data folder stays locked while the returned
/// service lives.
pub fn open_security_store(
    data: &std::path::Path,
) -> std::result::Result<(Arc<StoreService>, ironstack_security::SecurityStore), String> {
    let store = crate::store::open(data, "true")?;
    let indices = SecurityIndices::open(store.service.clone()).map_err(|e| e.to_string())?;
    let security = ironstack_security::SecurityStore::open_on(data, Arc::new(indices))
        .map_err(|e| e.to_string())?;
    Ok((store.service, security))
}

/// The security indices of a node's store.
pub(crate) struct SecurityIndices {
    service: Arc<StoreService>,
}

fn failed(what: &str, index: &str, e: impl std::fmt::Display) -> Error {
    Error::Backend {
        location: index.to_string(),
        reason: format!("cannot {what}: {e}"),
    }
}

impl SecurityIndices {
    /// The security indices of `service`, created when missing.
    pub(crate) fn open(service: Arc<StoreService>) -> Result<Self> {
        for (index, _) in INDICES {
            if service.space().get(index).is_none() {
                service
                    .create_index(index, &security_index::create_body(index))
                    .map_err(|e| failed("create the index", index, e))?;
            }
        }
        Ok(Self { service })
    }

    fn load_index(&self, index: &str, out: &mut Vec<Change>) -> Result<()> {
        let backend = self.service.backend();
        backend
            .refresh(index)
            .map_err(|e| failed("refresh", index, e))?;
        let pit = backend
            .open_point_in_time(&[index.to_string()], LOAD_KEEP_ALIVE)
            .map_err(|e| failed("read", index, e))?;
        let result = self.read_pages(index, &pit, out);
        backend.close_point_in_time(&pit);
        result
    }

    fn read_pages(&self, index: &str, pit: &str, out: &mut Vec<Change>) -> Result<()> {
        let mut after: Option<Value> = None;
        loop {
            let mut body = json!({
                "size": LOAD_PAGE,
                "sort": [{"_shard_doc": "asc"}],
                "pit": {"id": pit},
                "track_total_hits": false,
            });
            if let Some(a) = &after {
                body["search_after"] = a.clone();
            }
            let request =
                parse_search_request(Some(&body), &[]).map_err(|e| failed("read", index, e))?;
            let page = self
                .service
                .backend()
                .search_point_in_time(pit, Some(LOAD_KEEP_ALIVE), &request, &AllFields)
                .map_err(|e| failed("read", index, e))?;
            let count = page.hits.len();
            for hit in page.hits {
                after = hit.sort.map(Value::from);
                let Some(source) = hit.source else {
                    continue;
                };
                match security_index::from_index_doc(index, &hit.id, source) {
                    Some(change) => out.push(change),
                    None => tracing::debug!(
                        "left document [{}] of [{index}] alone: not one the security store keeps",
                        hit.id
                    ),
                }
            }
            if count < LOAD_PAGE || after.is_none() {
                return Ok(());
            }
        }
    }
}

impl DocumentBackend for SecurityIndices {
    fn location(&self) -> String {
        security_index::SECURITY_INDEX.to_string()
    }

    fn load(&self) -> Result<Vec<Change>> {
        let mut out = Vec::new();
        for (index, _) in INDICES {
            self.load_index(index, &mut out)?;
        }
        Ok(out)
    }

    fn write(&self, changes: &[Change]) -> Result<()> {
        for (index, _) in INDICES {
            let mut ops = Vec::new();
            for change in changes
                .iter()
                .filter(|c| security_index::index_of(c.section) == index)
            {
                let op = match &change.doc {
                    Some(doc) => {
                        let (id, source) =
                            security_index::to_index_doc(change.section, &change.id, doc);
                        let source =
                            serde_json::to_vec(&source).map_err(|e| failed("write", index, e))?;
                        WriteOp::Index {
                            id: Some(id),
                            source,
                            create: false,
                            condition: Default::default(),
                        }
                    }
                    None => WriteOp::Delete {
                        id: security_index::index_doc_id(change.section, &change.id),
                        condition: Default::default(),
                    },
                };
                ops.push(op);
            }
            if ops.is_empty() {
                continue;
            }
            // `_query/api_key` searches the index: like Elasticsearch's `refresh=wait_for` on
            // key writes, a key is searchable once its write is acknowledged.
            let options = WriteOptions {
                refresh: if changes.iter().any(|c| c.section == Section::ApiKeys) {
                    Refresh::Immediate
                } else {
                    Refresh::None
                },
                ..WriteOptions::default()
            };
            let outcomes = self
                .service
                .backend()
                .write(index, ops, &options)
                .map_err(|e| failed("write", index, e))?;
            // A delete of a document that is not there is `not_found`, not an error.
            if let Some(Err(e)) = outcomes.into_iter().find(|o| o.is_err()) {
                return Err(failed("write", index, e));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "security_index_tests.rs"]
mod tests;
