//! Reader contexts: the searchers of a set of indices pinned under an id (a point in time,
//! the reader of a scroll), so that successive searches see the same documents in the same
//! order while writes, refreshes and merges go on. Each lives until its keep-alive passes
//! without a search, or until it is closed; their number is capped, since each holds its
//! segments' files open.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;

use super::shard::Shard;
use crate::error::{Result, StoreError};

/// Random bytes that make an id unguessable, before the index names.
const NONCE: usize = 16;

/// An id as Elasticsearch's are: opaque to the client, but naming the indices it covers (so
/// that a search of it can be authorized before it runs), URL-safe base64 of a random nonce
/// and the names. Only ids that were opened are found, so a forged one names nothing.
fn encode_id(indices: &[&str]) -> String {
    let mut raw = rand::random::<[u8; NONCE]>().to_vec();
    raw.extend_from_slice(indices.join(",").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// The index names an id says it covers; `None` for text that no open could have made.
pub fn indices_of_id(id: &str) -> Option<Vec<String>> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id.trim_end_matches('='))
        .ok()?;
    let names = std::str::from_utf8(raw.get(NONCE..)?).ok()?;
    if names.is_empty() {
        return Some(Vec::new());
    }
    Some(names.split(',').map(str::to_string).collect())
}

/// The pinned searchers of the indices of one context, in the order they were given.
pub(crate) struct Pinned {
    pub(crate) shards: Vec<Arc<Shard>>,
    pub(crate) searchers: Vec<tantivy::Searcher>,
}

struct Context {
    pinned: Arc<Pinned>,
    expires: Instant,
}

/// The open contexts of an engine.
pub(crate) struct ReaderContexts {
    open: Mutex<HashMap<String, Context>>,
    limit: usize,
}

impl ReaderContexts {
    /// At most `limit` open at once (`search.max_open_scroll_context`).
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            open: Mutex::new(HashMap::new()),
            limit,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Context>> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        open.retain(|_, c| c.expires > now);
        open
    }

    /// Pins the current searchers of `shards` for `keep_alive`; answers the context's id.
    pub(crate) fn open(&self, shards: Vec<Arc<Shard>>, keep_alive: Duration) -> Result<String> {
        let mut open = self.lock();
        if open.len() >= self.limit {
            return Err(StoreError::TooManyContexts(self.limit));
        }
        let searchers = shards.iter().map(|s| s.reader.searcher()).collect();
        let names: Vec<&str> = shards.iter().map(|s| s.name.as_str()).collect();
        let id = encode_id(&names);
        open.insert(
            id.clone(),
            Context {
                pinned: Arc::new(Pinned { shards, searchers }),
                expires: Instant::now() + keep_alive,
            },
        );
        Ok(id)
    }

    /// The context `id`, its keep-alive renewed to `keep_alive` from now when given.
    pub(crate) fn get(&self, id: &str, keep_alive: Option<Duration>) -> Result<Arc<Pinned>> {
        let mut open = self.lock();
        let context = open
            .get_mut(id)
            .ok_or_else(|| StoreError::SearchContextMissing(id.to_string()))?;
        if let Some(keep_alive) = keep_alive {
            context.expires = Instant::now() + keep_alive;
        }
        Ok(Arc::clone(&context.pinned))
    }

    /// Closes `id`; false when it was not open.
    pub(crate) fn close(&self, id: &str) -> bool {
        self.lock().remove(id).is_some()
    }

    /// How many are open.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}
