//! Auto-generated `_id`s as Elasticsearch makes them: 15 bytes of a millisecond timestamp
//! that never goes back, a node address (random here, as Elasticsearch uses when no MAC
//! address is readable) and a sequence number, then URL-safe base64 without padding: 20
//! characters. The bytes follow Elasticsearch's k-ordered layout
//! (`TimeBasedKOrderedUUIDGenerator`): the slow-changing timestamp bytes first, so that ids
//! made close in time sort close together. The document table is a B-tree keyed by `_id`;
//! with the older layout (sequence bytes first) each bulk wrote all over the tree and left its
//! pages half full. Index uuids are random ([`random_uuid`]).

use std::sync::{Mutex, OnceLock};

use base64::Engine as _;

struct State {
    sequence: u32,
    last_timestamp: i64,
}

static STATE: OnceLock<Mutex<State>> = OnceLock::new();
static NODE: OnceLock<[u8; 6]> = OnceLock::new();

/// A new index uuid as Elasticsearch prints them (`UUIDs.randomBase64UUID`): 16 random bytes
/// in URL-safe base64 without padding, 22 characters.
pub fn random_uuid() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>())
}

/// A new `_id`.
pub fn generate_id() -> String {
    let node = NODE.get_or_init(rand::random::<[u8; 6]>);
    let state = STATE.get_or_init(|| {
        Mutex::new(State {
            sequence: rand::random::<u32>() & 0xff_ffff,
            last_timestamp: 0,
        })
    });
    let (sequence, timestamp) = {
        let mut s = state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        s.sequence = (s.sequence + 1) & 0xff_ffff;
        let now = ironstack_types::date::now_millis();
        // A wrapped sequence moves the clock on, so that no id repeats within a millisecond.
        s.last_timestamp = if s.sequence == 0 {
            s.last_timestamp.max(now) + 1
        } else {
            s.last_timestamp.max(now)
        };
        (s.sequence, s.last_timestamp)
    };
    let mut bytes = [0u8; 15];
    bytes[0] = (timestamp >> 40) as u8;
    bytes[1] = (timestamp >> 32) as u8;
    bytes[2] = (timestamp >> 24) as u8;
    bytes[3] = (timestamp >> 16) as u8;
    bytes[4..10].copy_from_slice(node);
    bytes[10] = (sequence >> 16) as u8;
    bytes[11] = (timestamp >> 8) as u8;
    bytes[12] = (sequence >> 8) as u8;
    bytes[13] = timestamp as u8;
    bytes[14] = sequence as u8;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_20_url_safe_characters_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..20_000 {
            let id = generate_id();
            assert_eq!(id.len(), 20, "{id}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{id}"
            );
            assert!(seen.insert(id));
        }
    }
}
