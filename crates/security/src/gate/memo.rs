//! A per-thread memo of `Authorization` headers that authenticated recently, so that a client
//! re-sending the same credentials on a keep-alive connection costs one keyed SHA-256 instead of
//! header decoding, a shared lock and the realm cache's lookup.
//!
//! Only what the realm chain already verified is memoized (basic credentials and API keys; not
//! bearer tokens, which expire on their own clock, and not certificates or anonymous requests).
//! Entries are keyed by SHA-256 of a random per-process key and the header value (the clear
//! credential is never kept), stamped with the authenticator's cache epoch (a change to a user,
//! to an existing API key or to the realm files, or a cache clear, invalidates them; issuing
//! tokens or keys does not) and live at most
//! [`MEMO_TTL`], after which the request takes the full path again. API key expiry is checked on
//! every hit.

use std::cell::RefCell;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::Authenticated;

/// How long a memoized header is trusted before the realm chain is asked again.
const MEMO_TTL: Duration = Duration::from_secs(60);
/// Entries per thread: a handful of distinct clients per I/O thread is the common case.
const SLOTS: usize = 8;

struct Entry {
    digest: [u8; 32],
    /// The cache epoch and the authenticator (its address) the entry was made under.
    epoch: (u64, usize),
    inserted: Instant,
    value: Authenticated,
}

#[derive(Default)]
struct Memo {
    entries: Vec<Entry>,
    next: usize,
}

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
}

/// The per-process key; `None` (no memo) if the OS random generator failed.
fn process_key() -> Option<&'static [u8; 32]> {
    static KEY: OnceLock<Option<[u8; 32]>> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).ok().map(|()| key)
    })
    .as_ref()
}

fn digest(key: &[u8; 32], header: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(key);
    h.update(header);
    h.finalize().into()
}

fn now_epoch_ms() -> u64 {
    ironstack_types::date::now_millis().unsigned_abs()
}

/// The authentication memoized for `header` under `epoch`, if still valid.
pub(crate) fn lookup(header: &[u8], epoch: (u64, usize)) -> Option<Authenticated> {
    let key = process_key()?;
    let d = digest(key, header);
    MEMO.with(|memo| {
        let memo = memo.borrow();
        let entry = memo
            .entries
            .iter()
            .find(|e| bool::from(e.digest.ct_eq(&d)))?;
        if entry.epoch != epoch || entry.inserted.elapsed() >= MEMO_TTL {
            return None;
        }
        if let Some(key) = &entry.value.api_key
            && key.expiration.is_some_and(|exp| exp <= now_epoch_ms())
        {
            return None;
        }
        Some(entry.value.clone())
    })
}

/// Remembers that `header` authenticated as `value` under `epoch`.
pub(crate) fn remember(header: &[u8], epoch: (u64, usize), value: Authenticated) {
    let Some(key) = process_key() else {
        return;
    };
    let entry = Entry {
        digest: digest(key, header),
        epoch,
        inserted: Instant::now(),
        value,
    };
    MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        if let Some(i) = memo
            .entries
            .iter()
            .position(|e| bool::from(e.digest.ct_eq(&entry.digest)))
        {
            memo.entries[i] = entry;
        } else if memo.entries.len() < SLOTS {
            memo.entries.push(entry);
        } else {
            let i = memo.next;
            memo.entries[i] = entry;
            memo.next = (i + 1) % SLOTS;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use crate::Authentication;
    use crate::authc::NATIVE_REALM;
    use crate::gate::AuthKind;

    fn auth(name: &str) -> Authenticated {
        Authenticated {
            user: Arc::new(Authentication {
                username: name.to_string(),
                roles: vec![],
                full_name: None,
                email: None,
                metadata: Default::default(),
                realm: NATIVE_REALM,
            }),
            run_by: None,
            target_found: true,
            api_key: None,
            service_token: None,
            kind: AuthKind::Realm,
        }
    }

    #[test]
    fn hits_need_the_same_header_and_epoch() {
        remember(b"Basic am9lOnB3", (7, 1), auth("joe"));
        assert_eq!(
            lookup(b"Basic am9lOnB3", (7, 1)).unwrap().user.username,
            "joe"
        );
        assert!(
            lookup(b"Basic am9lOnB4", (7, 1)).is_none(),
            "another password"
        );
        assert!(
            lookup(b"Basic am9lOnB3", (8, 1)).is_none(),
            "the store changed"
        );
        assert!(
            lookup(b"Basic am9lOnB3", (7, 2)).is_none(),
            "another authenticator"
        );
    }

    #[test]
    fn old_entries_make_room_for_new_ones() {
        for i in 0..(SLOTS + 3) {
            remember(
                format!("Basic {i}").as_bytes(),
                (1, 1),
                auth(&format!("u{i}")),
            );
        }
        assert!(lookup(b"Basic 0", (1, 1)).is_none());
        let last = format!("Basic {}", SLOTS + 2);
        assert_eq!(
            lookup(last.as_bytes(), (1, 1)).unwrap().user.username,
            format!("u{}", SLOTS + 2)
        );
    }
}
